#include "harness/scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/jsonpos.h"
#include "harness/jsonv.h"
#include "sim/base/dur.h"
#include "sim/base/strv.h"

#define SC(v) ((scenario_t *)(v)->user)

const sc_action_def_t sc_actions[] = {
    {"net.blackhole", "internet,datacenter,cloud,broker,se1,pcc1,pcc2,pse1,pse2",
     "the router silently drops traffic to the target (a blackhole route)"},
    {"probe.app", "app1", "runs the client profile's probe command for an app inside the client host"},
};
const int sc_n_actions = sizeof sc_actions / sizeof sc_actions[0];

const char *const sc_event_types[] = {
    "dns.query", "dns.answer", "tcp.connect", "tcp.reset", "tls.client_hello",
    "svc.dns.query", "svc.tls.handshake", "svc.http.request", "app.request",
    "probe.start", "probe.result", "fault.on", "fault.off", "client.start", "client.exit", "scenario.start",
    "scenario.end"};
const int sc_n_event_types = sizeof sc_event_types / sizeof sc_event_types[0];

const char *const sc_timer_names[] = {"keepalive", "timeout", "retries", "backoff"};
const int sc_n_timer_names = sizeof sc_timer_names / sizeof sc_timer_names[0];

static const char *scenario_var(void *ctx, const char *name) {
  const scenario_t *sc = ctx;
  if (strcmp(name, "bc_domain") == 0) return sc->bc_domain;
  if (strcmp(name, "cloud_domain") == 0) return sc->cloud_domain;
  return NULL;
}

/* Expands ${vars} in every string of a match object, in place. */
static bool expand_match(jsonv_t *v, cJSON *match, const char *path) {
  char kpath[256], msg[512], bad[128];
  for (cJSON *it = match->child; it; it = it->next) {
    snprintf(kpath, sizeof kpath, "%s/%s", path, it->string);
    if (cJSON_IsString(it)) {
      char *x = strv_expand(it->valuestring, scenario_var, SC(v), bad, sizeof bad);
      if (!x) {
        snprintf(msg, sizeof msg, "unknown variable ${%s}", bad);
        return jsonv_fail(v, kpath, false, "variables: ${bc_domain}, ${cloud_domain}", msg);
      }
      cJSON_SetValuestring(it, x);
      free(x);
    } else if (!cJSON_IsNumber(it) && !cJSON_IsBool(it)) {
      return jsonv_fail(v, kpath, false, "match values are strings (globs allowed), numbers or booleans",
                     "match value must be a string, number or boolean");
    }
  }
  return true;
}

static bool parse_world(jsonv_t *v, const cJSON *root) {
  static const char *const keys[] = {"bc_domain", "cloud_domain"};
  snprintf(SC(v)->bc_domain, sizeof SC(v)->bc_domain, "bc.example.com");
  snprintf(SC(v)->cloud_domain, sizeof SC(v)->cloud_domain, "zpa.example.net");
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "world");
  if (!w) return true;
  return jsonv_keys(v, w, "world", "world", keys, 2) &&
         jsonv_str(v, w, "world", "bc_domain", false, SC(v)->bc_domain, sizeof SC(v)->bc_domain) &&
         jsonv_str(v, w, "world", "cloud_domain", false, SC(v)->cloud_domain,
                 sizeof SC(v)->cloud_domain);
}

static bool parse_client(jsonv_t *v, const cJSON *root) {
  static const char *const keys[] = {"kind", "timers"};
  static const char *const kinds[] = {"enrolled"};
  snprintf(SC(v)->client_kind, sizeof SC(v)->client_kind, "enrolled");
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "client");
  if (!c) return true;
  if (!jsonv_keys(v, c, "client", "client", keys, 2) ||
      !jsonv_str(v, c, "client", "kind", false, SC(v)->client_kind, sizeof SC(v)->client_kind))
    return false;
  if (strcmp(SC(v)->client_kind, kinds[0]) != 0)
    return jsonv_fail(v, "client/kind", false, "this build supports: \"enrolled\"",
                   "unknown client kind");
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "timers");
  return !t || scenario_parse_timers(v, t, "client/timers", SC(v)->timers, &SC(v)->n_timers);
}

bool scenario_parse_timers(jsonv_t *v, const cJSON *t, const char *path, sc_timer_t *timers,
                           int *n_timers) {
  char msg[256], kpath[128];
  if (!jsonv_keys(v, t, path, "timers", sc_timer_names, (size_t)sc_n_timer_names)) return false;
  for (const cJSON *it = t->child; it; it = it->next) {
    sc_timer_t *tm = &timers[(*n_timers)++];
    snprintf(tm->name, sizeof tm->name, "%s", it->string);
    snprintf(kpath, sizeof kpath, "%s/%s", path, it->string);
    if (strcmp(it->string, "retries") == 0) {
      if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 100 ||
          it->valuedouble != (int)it->valuedouble)
        return jsonv_fail(v, kpath, false, "write a whole number such as 2",
                          "\"retries\" must be a whole number from 0 to 100");
      tm->value = it->valueint;
    } else if (!jsonv_dur(v, t, path, it->string, true, &tm->value)) {
      return false;
    } else if (tm->value == 0) {
      snprintf(msg, sizeof msg, "timer \"%s\" must be longer than 0", it->string);
      return jsonv_fail(v, kpath, false, "a zero timer would make the client spin", msg);
    }
  }
  return true;
}

static bool parse_steps(jsonv_t *v, const cJSON *root) {
  static const char *const keys[] = {"id", "at", "for", "action", "target"};
  char path[64], msg[512], hint[512];
  const cJSON *tl = cJSON_GetObjectItemCaseSensitive(root, "timeline");
  if (!tl) return true;
  if (!cJSON_IsArray(tl)) return jsonv_fail(v, "timeline", false, "write [ {step}, ... ]", "\"timeline\" must be an array");
  const char *names[64];
  for (int i = 0; i < sc_n_actions; i++) names[i] = sc_actions[i].name;
  int i = 0;
  for (const cJSON *s = tl->child; s; s = s->next, i++) {
    if (SC(v)->n_steps >= SC_MAX_STEPS) return jsonv_fail(v, "timeline", false, "split the scenario", "too many timeline steps");
    snprintf(path, sizeof path, "timeline/%d", i);
    sc_step_t *st = &SC(v)->steps[SC(v)->n_steps++];
    snprintf(st->id, sizeof st->id, "step-%d", i + 1);
    if (!jsonv_keys(v, s, path, "a timeline step", keys, 5) ||
        !jsonv_str(v, s, path, "id", false, st->id, sizeof st->id) ||
        !jsonv_dur(v, s, path, "at", true, &st->at_ms) ||
        !jsonv_dur(v, s, path, "for", false, &st->for_ms) ||
        !jsonv_str(v, s, path, "action", true, st->action, sizeof st->action) ||
        !jsonv_str(v, s, path, "target", true, st->target, sizeof st->target))
      return false;
    const sc_action_def_t *def = NULL;
    for (int k = 0; k < sc_n_actions; k++)
      if (strcmp(sc_actions[k].name, st->action) == 0) def = &sc_actions[k];
    char apath[80];
    snprintf(apath, sizeof apath, "%s/action", path);
    if (!def) {
      const char *near = diag_nearest(st->action, names, (size_t)sc_n_actions);
      snprintf(msg, sizeof msg, "unknown action \"%s\"", st->action);
      if (near) snprintf(hint, sizeof hint, "did you mean \"%s\"? `bcsim list` shows every action", near);
      else snprintf(hint, sizeof hint, "`bcsim list` shows every action");
      return jsonv_fail(v, apath, false, hint, msg);
    }
    char list[256];
    snprintf(list, sizeof list, ",%s,", def->targets);
    char needle[SC_NAME + 2];
    snprintf(needle, sizeof needle, ",%s,", st->target);
    if (!strstr(list, needle)) {
      snprintf(apath, sizeof apath, "%s/target", path);
      snprintf(msg, sizeof msg, "action \"%s\" cannot target \"%s\"", st->action, st->target);
      snprintf(hint, sizeof hint, "targets for %s: %s", st->action, def->targets);
      return jsonv_fail(v, apath, false, hint, msg);
    }
    if (st->at_ms > SC(v)->duration_ms) {
      snprintf(apath, sizeof apath, "%s/at", path);
      return jsonv_fail(v, apath, false, "make \"duration\" longer or the step earlier",
                     "step is scheduled after the scenario ends");
    }
    for (int k = 0; k < SC(v)->n_steps - 1; k++) {
      if (strcmp(SC(v)->steps[k].id, st->id) == 0) {
        snprintf(apath, sizeof apath, "%s/id", path);
        return jsonv_fail(v, apath, false, "give every step its own id", "duplicate step id");
      }
    }
  }
  return true;
}

static bool anchor_known(const scenario_t *sc, const char *name, int before_check) {
  if (strcmp(name, "start") == 0) return true;
  for (int i = 0; i < sc->n_steps; i++)
    if (strcmp(sc->steps[i].id, name) == 0) return true;
  for (int i = 0; i < before_check; i++)
    if (strcmp(sc->checks[i].id, name) == 0 && sc->checks[i].kind == SC_CHECK_EXPECT) return true;
  return false;
}

static bool parse_checks(jsonv_t *v, const cJSON *root) {
  static const char *const keys[] = {"id", "requirement", "description", "expect", "forbid", "after", "within"};
  static const char *const ekeys[] = {"event", "match"};
  char path[64], epath[80], msg[512], hint[512];
  const cJSON *cs = cJSON_GetObjectItemCaseSensitive(root, "checks");
  if (!cJSON_IsArray(cs) || !cs->child)
    return jsonv_fail(v, cs ? "checks" : "", false, "a scenario without checks proves nothing",
                   "\"checks\" must be a non-empty array");
  int i = 0;
  for (const cJSON *c = cs->child; c; c = c->next, i++) {
    if (SC(v)->n_checks >= SC_MAX_CHECKS) return jsonv_fail(v, "checks", false, "split the scenario", "too many checks");
    snprintf(path, sizeof path, "checks/%d", i);
    sc_check_t *ck = &SC(v)->checks[SC(v)->n_checks++];
    snprintf(ck->after, sizeof ck->after, "start");
    if (!jsonv_keys(v, c, path, "a check", keys, 7) ||
        !jsonv_str(v, c, path, "id", true, ck->id, sizeof ck->id) ||
        !jsonv_str(v, c, path, "requirement", true, ck->requirement, sizeof ck->requirement) ||
        !jsonv_str(v, c, path, "description", false, ck->description, sizeof ck->description) ||
        !jsonv_str(v, c, path, "after", false, ck->after, sizeof ck->after) ||
        !jsonv_dur(v, c, path, "within", false, &ck->within_ms))
      return false;
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(c, "expect");
    const cJSON *fb = cJSON_GetObjectItemCaseSensitive(c, "forbid");
    if (!!ex == !!fb)
      return jsonv_fail(v, path, false, "use \"expect\" for what must happen, \"forbid\" for what must not",
                     "a check needs exactly one of \"expect\" or \"forbid\"");
    ck->kind = ex ? SC_CHECK_EXPECT : SC_CHECK_FORBID;
    snprintf(epath, sizeof epath, "%s/%s", path, ex ? "expect" : "forbid");
    const cJSON *body = ex ? ex : fb;
    if (!jsonv_keys(v, body, epath, ex ? "expect" : "forbid", ekeys, 2) ||
        !jsonv_str(v, body, epath, "event", true, ck->event, sizeof ck->event))
      return false;
    bool known = false;
    for (int k = 0; k < sc_n_event_types; k++) known = known || strcmp(sc_event_types[k], ck->event) == 0;
    if (!known) {
      const char *near = diag_nearest(ck->event, sc_event_types, (size_t)sc_n_event_types);
      snprintf(msg, sizeof msg, "unknown event type \"%s\"", ck->event);
      snprintf(hint, sizeof hint, "%s%s%s`bcsim list` shows every event type", near ? "did you mean \"" : "",
               near ? near : "", near ? "\"? " : "");
      char p2[100];
      snprintf(p2, sizeof p2, "%s/event", epath);
      return jsonv_fail(v, p2, false, hint, msg);
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, "match");
    ck->match = m ? cJSON_Duplicate(m, 1) : cJSON_CreateObject();
    char mpath[100];
    snprintf(mpath, sizeof mpath, "%s/match", epath);
    if (!cJSON_IsObject(ck->match))
      return jsonv_fail(v, mpath, false, "write { \"field\": \"value\" }", "\"match\" must be an object");
    if (!expand_match(v, ck->match, mpath)) return false;
    if (ck->kind == SC_CHECK_EXPECT && ck->within_ms == 0)
      return jsonv_fail(v, path, false, "say how long the client has, e.g. \"within\": \"3s\"",
                     "an expect check needs \"within\"");
    if (!anchor_known(SC(v), ck->after, SC(v)->n_checks - 1)) {
      char apath[80];
      snprintf(apath, sizeof apath, "%s/after", path);
      snprintf(msg, sizeof msg, "unknown anchor \"%s\"", ck->after);
      return jsonv_fail(v, apath, false,
                     "an anchor is \"start\", a timeline step id, or the id of an earlier expect check", msg);
    }
    for (int k = 0; k < SC(v)->n_checks - 1; k++) {
      if (strcmp(SC(v)->checks[k].id, ck->id) == 0) {
        char ipath[80];
        snprintf(ipath, sizeof ipath, "%s/id", path);
        return jsonv_fail(v, ipath, false, "give every check its own id", "duplicate check id");
      }
    }
  }
  return true;
}

scenario_t *scenario_parse(const char *text, const char *path, diag_t *d) {
  static const char *const keys[] = {"id", "title", "tags", "world", "client", "duration", "timeline", "checks"};
  scenario_t *sc = calloc(1, sizeof *sc);
  cJSON *root = NULL;
  jsonv_t v = {text, path, d, sc};
  bool ok = false;
  if (!sc) {
    diag_set(d, path, 0, 0, NULL, "out of memory");
    goto out;
  }
  snprintf(sc->path, sizeof sc->path, "%s", path);
  root = jsonv_parse(text, path, d);
  if (!root) goto out;
  if (!jsonv_keys(&v, root, "", "the scenario", keys, 8) ||
      !jsonv_str(&v, root, "", "id", true, sc->id, sizeof sc->id) ||
      !jsonv_str(&v, root, "", "title", false, sc->title, sizeof sc->title) ||
      !jsonv_dur(&v, root, "", "duration", true, &sc->duration_ms))
    goto out;
  for (const char *p = sc->id; *p; p++) {
    if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.", *p)) {
      jsonv_fail(&v, "id", false, "ids name output folders: use a-z, 0-9, '-', '_' and '.'",
              "scenario id has a character that is not allowed");
      goto out;
    }
  }
  const cJSON *tags = cJSON_GetObjectItemCaseSensitive(root, "tags");
  if (tags) {
    if (!cJSON_IsArray(tags)) {
      jsonv_fail(&v, "tags", false, "write [\"cloud-down\", ...]", "\"tags\" must be an array of strings");
      goto out;
    }
    for (const cJSON *t = tags->child; t; t = t->next) {
      if (!cJSON_IsString(t) || sc->n_tags >= SC_MAX_TAGS || strlen(t->valuestring) >= SC_NAME) {
        jsonv_fail(&v, "tags", false, "short strings, at most 16", "bad tag");
        goto out;
      }
      snprintf(sc->tags[sc->n_tags++], SC_NAME, "%s", t->valuestring);
    }
  }
  ok = parse_world(&v, root) && parse_client(&v, root) && parse_steps(&v, root) &&
       parse_checks(&v, root);
out:
  cJSON_Delete(root);
  if (!ok) {
    scenario_free(sc);
    sc = NULL;
  }
  return sc;
}

char *scenario_read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL, *result = NULL;
  if (!f) goto out;
  if (fseek(f, 0, SEEK_END) != 0) goto out;
  long n = ftell(f);
  if (n < 0 || n > (1 << 22)) goto out; /* 4 MiB: no scenario is that big */
  rewind(f);
  buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) goto out;
  buf[n] = 0;
  result = buf;
  buf = NULL;
out:
  if (f) fclose(f);
  free(buf);
  return result;
}

scenario_t *scenario_load(const char *path, diag_t *d) {
  char *text = scenario_read_file(path);
  if (!text) {
    diag_set(d, path, 0, 0, "check the path; `bcsim list` shows the scenarios", "cannot read: %s",
             strerror(errno ? errno : EIO));
    return NULL;
  }
  scenario_t *sc = scenario_parse(text, path, d);
  free(text);
  return sc;
}

void scenario_free(scenario_t *sc) {
  if (!sc) return;
  for (int i = 0; i < sc->n_checks; i++) cJSON_Delete(sc->checks[i].match);
  free(sc);
}

int64_t scenario_timer(const scenario_t *sc, const char *name, int64_t fallback) {
  for (int i = 0; i < sc->n_timers; i++)
    if (strcmp(sc->timers[i].name, name) == 0) return sc->timers[i].value;
  return fallback;
}
