#include "harness/scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "base/jsonpos.h"
#include "harness/window.h"
#include "harness/catalogue.h"
#include "harness/events.h"
#include "base/jsonv.h"
#include "harness/match.h"
#include "base/dur.h"
#include "base/strv.h"

/* What the parse of one file carries: the scenario being built and the
 * caller's options (requirement IDs). */
typedef struct parse {
  scenario_t *sc;
  const scenario_opts_t *o;
} parse_t;
#define SC(v) (((parse_t *)(v)->user)->sc)
#define OPTS(v) (((parse_t *)(v)->user)->o)

const char *const sc_timer_names[] = {"keepalive", "timeout", "retries", "backoff"};
const int sc_n_timer_names = sizeof sc_timer_names / sizeof sc_timer_names[0];

static const char *scenario_var(void *ctx, const char *name) {
  const scenario_t *sc = ctx;
  if (strcmp(name, "bc_domain") == 0) return sc->bc_domain;
  if (strcmp(name, "cloud_domain") == 0) return sc->cloud_domain;
  return NULL;
}

/* Expands ${vars} in one string item, in place; an unknown variable is an error at path. */
static bool expand_string(jsonv_t *v, cJSON *item, const char *path) {
  char msg[512], bad[128];
  char *x = strv_expand(item->valuestring, scenario_var, SC(v), bad, sizeof bad);
  if (!x) {
    snprintf(msg, sizeof msg, "unknown variable ${%s}", bad);
    return jsonv_fail(v, path, false, "variables: ${bc_domain}, ${cloud_domain}", msg);
  }
  cJSON_SetValuestring(item, x);
  free(x);
  return true;
}

/* Expands ${vars} in every string of a match value (alternatives and
 * operators too), in place. Types are match_validate's business. */
static bool expand_match(jsonv_t *v, cJSON *value, const char *path) {
  char kpath[300];
  if (cJSON_IsString(value)) return expand_string(v, value, path);
  bool ok = true;
  int i = 0;
  for (cJSON *it = value->child; it; it = it->next, i++) {
    if (cJSON_IsArray(value)) snprintf(kpath, sizeof kpath, "%s/%d", path, i);
    else snprintf(kpath, sizeof kpath, "%s/%s", path, it->string);
    ok = expand_match(v, it, kpath) && ok;
  }
  return ok;
}

static bool parse_world(jsonv_t *v, const cJSON *root) {
  static const char *const keys[] = {"bc_domain", "cloud_domain", "pse_exit_after", "pse_exit_check",
                                     "new_user_enrollment"};
  snprintf(SC(v)->bc_domain, sizeof SC(v)->bc_domain, SC_DEFAULT_BC_DOMAIN);
  snprintf(SC(v)->cloud_domain, sizeof SC(v)->cloud_domain, SC_DEFAULT_CLOUD_DOMAIN);
  SC(v)->pse_exit_check_ms = 60000;
  SC(v)->new_user_enrollment = true;
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "world");
  if (!w) return true;
  const cJSON *nue = cJSON_GetObjectItemCaseSensitive(w, "new_user_enrollment");
  if (nue && !cJSON_IsBool(nue))
    return jsonv_fail(v, "world/new_user_enrollment", false, "true or false", "\"new_user_enrollment\" must be a boolean");
  if (nue) SC(v)->new_user_enrollment = cJSON_IsTrue(nue);
  return jsonv_keys(v, w, "world", "world", keys, 5) &&
         jsonv_dur(v, w, "world", "pse_exit_after", false, &SC(v)->pse_exit_after_ms) &&
         jsonv_dur(v, w, "world", "pse_exit_check", false, &SC(v)->pse_exit_check_ms) &&
         jsonv_str(v, w, "world", "bc_domain", false, SC(v)->bc_domain, sizeof SC(v)->bc_domain) &&
         jsonv_str(v, w, "world", "cloud_domain", false, SC(v)->cloud_domain,
                 sizeof SC(v)->cloud_domain);
}

static bool parse_client(jsonv_t *v, const cJSON *root) {
  static const char *const keys[] = {"kind", "timers"};
  static const char *const kinds[] = {"enrolled", "new"};
  snprintf(SC(v)->client_kind, sizeof SC(v)->client_kind, "enrolled");
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "client");
  if (!c) return true;
  if (!jsonv_keys(v, c, "client", "client", keys, 2) ||
      !jsonv_str(v, c, "client", "kind", false, SC(v)->client_kind, sizeof SC(v)->client_kind))
    return false;
  if (strcmp(SC(v)->client_kind, kinds[0]) != 0 && strcmp(SC(v)->client_kind, kinds[1]) != 0)
    return jsonv_fail(v, "client/kind", false,
                      "\"enrolled\" (has an enrollment) or \"new\" (has only the config file and thumbprint)",
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

static bool parse_params(jsonv_t *v, const cJSON *s, const char *path, const cat_action_t *def, sc_step_t *st) {
  char ppath[128], msg[256], hint[512];
  const cJSON *params = cJSON_GetObjectItemCaseSensitive(s, "params");
  st->params = params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject();
  snprintf(ppath, sizeof ppath, "%s/params", path);
  if (!cJSON_IsObject(st->params))
    return jsonv_fail(v, ppath, false, "write { \"name\": value }", "\"params\" must be an object");
  for (cJSON *it = st->params->child; it; it = it->next) {
    const cat_param_t *p = cat_param(def, it->string);
    char kpath[200];
    snprintf(kpath, sizeof kpath, "%s/%s", ppath, it->string);
    if (!p) {
      size_t used = (size_t)snprintf(hint, sizeof hint, "%s takes:", def->name);
      for (const cat_param_t *q = def->params; q && q->name && used < sizeof hint; q++)
        used += (size_t)snprintf(hint + used, sizeof hint - used, " %s (%s)", q->name, q->doc);
      if (!def->params) snprintf(hint + used, sizeof hint - used, " no parameters");
      snprintf(msg, sizeof msg, "unknown parameter \"%s\" for %s", it->string, def->name);
      return jsonv_fail(v, kpath, true, hint, msg);
    }
    int64_t ms;
    if (p->type == CAT_DUR && (!cJSON_IsString(it) || !dur_parse(it->valuestring, &ms)))
      return jsonv_fail(v, kpath, false, "a duration with a unit, such as \"500ms\"", "bad duration");
    if (p->type == CAT_INT && (!cJSON_IsNumber(it) || it->valuedouble != (double)(int)it->valuedouble))
      return jsonv_fail(v, kpath, false, "a whole number", "parameter must be a whole number");
    if (p->type == CAT_STR) {
      if (!cJSON_IsString(it)) return jsonv_fail(v, kpath, false, "a string", "parameter must be a string");
      if (!expand_string(v, it, kpath)) return false;
    }
  }
  return true;
}

static bool parse_flap(jsonv_t *v, const cJSON *s, const char *path, sc_step_t *st) {
  static const char *const keys[] = {"on", "off", "count", "jitter"};
  char fpath[128];
  const cJSON *f = cJSON_GetObjectItemCaseSensitive(s, "flap");
  if (!f) return true;
  snprintf(fpath, sizeof fpath, "%s/flap", path);
  if (!jsonv_keys(v, f, fpath, "flap", keys, 4) || !jsonv_dur(v, f, fpath, "on", true, &st->flap_on_ms) ||
      !jsonv_dur(v, f, fpath, "off", true, &st->flap_off_ms) ||
      !jsonv_dur(v, f, fpath, "jitter", false, &st->flap_jitter_ms))
    return false;
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(f, "count");
  char cpath[160];
  snprintf(cpath, sizeof cpath, "%s/count", fpath);
  if (!cJSON_IsNumber(c) || c->valuedouble < 1 || c->valuedouble > 1000 || c->valuedouble != (int)c->valuedouble)
    return jsonv_fail(v, c ? cpath : fpath, false, "how many times it goes down, 1 to 1000", "\"count\" must be a whole number");
  st->flap_count = c->valueint;
  if (st->flap_on_ms == 0 || st->flap_off_ms == 0)
    return jsonv_fail(v, fpath, false, "both phases must last a while", "\"on\" and \"off\" must be longer than 0");
  if (st->flap_jitter_ms * 2 >= (st->flap_on_ms < st->flap_off_ms ? st->flap_on_ms : st->flap_off_ms))
    return jsonv_fail(v, fpath, false, "keep the jitter under half of the shorter phase", "\"jitter\" too large");
  return true;
}

/* One timeline step; false after reporting its first problem. */
static bool parse_step(jsonv_t *v, const cJSON *s, const char *path, int i, sc_step_t *st) {
  static const char *const keys[] = {"id", "at", "for", "action", "target", "params", "flap"};
  char msg[512], hint[512], apath[80];
  snprintf(st->id, sizeof st->id, "step-%d", i + 1);
  if (!jsonv_keys(v, s, path, "a timeline step", keys, 7) ||
      !jsonv_str(v, s, path, "id", false, st->id, sizeof st->id) ||
      !jsonv_dur(v, s, path, "at", true, &st->at_ms) ||
      !jsonv_dur(v, s, path, "for", false, &st->for_ms) ||
      !jsonv_str(v, s, path, "action", true, st->action, sizeof st->action) ||
      !jsonv_str(v, s, path, "target", true, st->target, sizeof st->target))
    return false;
  const cat_action_t *def = cat_find(st->action);
  snprintf(apath, sizeof apath, "%s/action", path);
  if (!def) {
    const char *near = diag_nearest(st->action, cat_names(), (size_t)cat_n_actions);
    snprintf(msg, sizeof msg, "unknown action \"%s\"", st->action);
    if (near) snprintf(hint, sizeof hint, "did you mean \"%s\"? `bcsim list` shows every action", near);
    else snprintf(hint, sizeof hint, "`bcsim list` shows every action");
    return jsonv_fail(v, apath, false, hint, msg);
  }
  if (!cat_target_allowed(def, st->target)) {
    snprintf(apath, sizeof apath, "%s/target", path);
    snprintf(msg, sizeof msg, "action \"%s\" cannot target \"%s\"", st->action, st->target);
    /* The nearest of the targets this action takes, from the world's tables. */
    char list[512];
    const char *names[64];
    size_t n = 0;
    snprintf(list, sizeof list, "%s", def->targets);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t && n < 64; t = strtok_r(NULL, ",", &save)) names[n++] = t;
    const char *near = diag_nearest(st->target, names, n);
    if (near) snprintf(hint, sizeof hint, "did you mean \"%s\"? targets for %s: %s", near, st->action, def->targets);
    else snprintf(hint, sizeof hint, "targets for %s: %s", st->action, def->targets);
    return jsonv_fail(v, apath, false, hint, msg);
  }
  if (!parse_params(v, s, path, def, st) || !parse_flap(v, s, path, st)) return false;
  if (st->flap_count && st->for_ms) {
    snprintf(apath, sizeof apath, "%s/for", path);
    return jsonv_fail(v, apath, false, "a flapping step's length follows from \"flap\"", "use \"for\" or \"flap\", not both");
  }
  if (def->before_client && st->at_ms != 0) {
    snprintf(apath, sizeof apath, "%s/at", path);
    return jsonv_fail(v, apath, false, "it changes what the client is handed at install time: use \"at\": \"0s\"",
                      "this action only applies before the client starts");
  }
  if (SC(v)->duration_ms >= 0 && st->at_ms > SC(v)->duration_ms) { /* < 0: the duration was bad */
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
  return true;
}

/* Every step is read, so that each bad one is reported. */
static bool parse_steps(jsonv_t *v, const cJSON *root) {
  char path[64];
  bool ok = true;
  const cJSON *tl = cJSON_GetObjectItemCaseSensitive(root, "timeline");
  if (!tl) return true;
  if (!cJSON_IsArray(tl)) return jsonv_fail(v, "timeline", false, "write [ {step}, ... ]", "\"timeline\" must be an array");
  int i = 0;
  for (const cJSON *s = tl->child; s; s = s->next, i++) {
    if (SC(v)->n_steps >= SC_MAX_STEPS) return jsonv_fail(v, "timeline", false, "split the scenario", "too many timeline steps");
    snprintf(path, sizeof path, "timeline/%d", i);
    ok = parse_step(v, s, path, i, &SC(v)->steps[SC(v)->n_steps++]) && ok;
  }
  return ok;
}

bool scenario_anchor_off(const char *anchor, char *step, size_t step_len) {
  size_t n = strlen(anchor);
  bool off = n > 4 && strcmp(anchor + n - 4, ".off") == 0;
  snprintf(step, step_len, "%.*s", (int)(off ? n - 4 : n), anchor);
  return off;
}

const char *scenario_check_level(const sc_check_t *ck) {
  if (ck->level[0]) return ck->level;
  const ev_schema_t *e = events_find(ck->event);
  return e ? e->level : "network";
}

static bool anchor_known(const scenario_t *sc, const char *name, int before_check) {
  char step[SC_NAME];
  if (strcmp(name, "start") == 0) return true;
  bool off = scenario_anchor_off(name, step, sizeof step);
  for (int i = 0; i < sc->n_steps; i++) {
    if (strcmp(sc->steps[i].id, name) == 0) return true;
    if (off && strcmp(sc->steps[i].id, step) == 0 && (sc->steps[i].for_ms || sc->steps[i].flap_count)) return true;
  }
  for (int i = 0; i < before_check; i++)
    if (strcmp(sc->checks[i].id, name) == 0 && sc->checks[i].kind == SC_CHECK_EXPECT) return true;
  return false;
}

/* The timers windows are checked with before a profile is known: the
 * reference profile's defaults (docs/protocol.md), under the scenario's own. */
static const sc_timer_t validation_timers[] = {{"keepalive", 60000}, {"timeout", 10000}, {"retries", 2}, {"backoff", 1000}};

int scenario_effective_timers(const scenario_t *sc, const sc_timer_t *profile, int n, sc_timer_t *out) {
  int k = 0;
  for (int i = 0; i < sc->n_timers && k < SC_MAX_TIMERS; i++) out[k++] = sc->timers[i];
  for (int i = 0; i < n && k < SC_MAX_TIMERS; i++) {
    bool set = false;
    for (int j = 0; j < sc->n_timers; j++) set = set || strcmp(sc->timers[j].name, profile[i].name) == 0;
    if (!set) out[k++] = profile[i];
  }
  return k;
}

int scenario_bind_timers(scenario_t *sc, const sc_timer_t *timers, int n, char *err, size_t errlen) {
  sc_timer_t eff[SC_MAX_TIMERS];
  int k = scenario_effective_timers(sc, timers, n, eff);
  char why[300];
  for (int i = 0; i < sc->n_checks; i++) {
    sc_check_t *ck = &sc->checks[i];
    if (ck->within_expr[0] && window_eval(ck->within_expr, eff, k, &ck->within_ms, why, sizeof why) < 0) {
      snprintf(err, errlen, "%s: check %s: its window: %s", sc->path, ck->id, why);
      return -1;
    }
    if (ck->min_gap_expr[0] && window_eval(ck->min_gap_expr, eff, k, &ck->min_gap_ms, why, sizeof why) < 0) {
      snprintf(err, errlen, "%s: check %s: its min_gap: %s", sc->path, ck->id, why);
      return -1;
    }
  }
  return 0;
}

/* A span of time: a duration, or one in the client's timers (window.h), as
 * "within" and "min_gap" take. Sets *ms, and expr to the text when it is
 * written in the timers (so it is evaluated again with the client's). */
static bool parse_span(jsonv_t *v, const cJSON *obj, const char *path, const char *key, char *expr, size_t exprlen,
                       int64_t *ms) {
  char text[128] = "", kpath[128], why[300], msg[160];
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(obj, key);
  snprintf(kpath, sizeof kpath, "%s/%s", path, key);
  if (!w) return true;
  if (!cJSON_IsString(w) || strlen(w->valuestring) >= sizeof text || strlen(w->valuestring) >= exprlen) {
    snprintf(msg, sizeof msg, "\"%s\" must be a short string", key);
    return jsonv_fail(v, kpath, false, "a duration with a unit, as a string (\"500ms\", \"2s\"), or one in the "
                      "client's timers (\"2*timeout + backoff + 1s\")", msg);
  }
  snprintf(text, sizeof text, "%s", w->valuestring);
  if (dur_parse(text, ms)) {
    if (*ms > 0) return true;
    snprintf(msg, sizeof msg, "\"%s\" must be longer than 0", key);
    return jsonv_fail(v, kpath, false, "a duration with a unit, such as \"500ms\"", msg);
  }
  sc_timer_t eff[SC_MAX_TIMERS];
  int k = scenario_effective_timers(SC(v), validation_timers, sizeof validation_timers / sizeof validation_timers[0], eff);
  if (window_eval(text, eff, k, ms, why, sizeof why) < 0)
    return jsonv_fail(v, kpath, false,
                      "a duration (\"500ms\", \"1.5s\"), or a sum of durations and timers (keepalive, timeout, "
                      "backoff) that counts (a number, retries) may multiply: \"2*retries*(timeout + backoff) + 1s\"",
                      why);
  snprintf(expr, exprlen, "%s", text);
  return true;
}

/* The count operators of an expect, forbid or limit body: "min", "max" and
 * "min_gap", each where it means something. body is at epath. */
static bool parse_counts(jsonv_t *v, const cJSON *body, const char *epath, sc_check_t *ck) {
  static const struct {
    sc_check_kind_t kind;
    const char *key, *why, *hint;
  } misuse[] = {
      {SC_CHECK_FORBID, "min", "a forbid allows no matching event, so it has no \"min\"",
       "for \"at least N\" use \"expect\" with \"min\""},
      {SC_CHECK_FORBID, "max", "a forbid allows no matching event, so it has no \"max\"",
       "for \"at most N\" use \"limit\" with \"max\""},
      {SC_CHECK_FORBID, "min_gap", "a forbid allows no matching event, so there is no gap between two to measure",
       "to pace retries use \"limit\" (at most \"max\") or \"expect\" (at least \"min\") with \"min_gap\""},
      {SC_CHECK_LIMIT, "min", "a limit says how many at most; it has no \"min\"",
       "for \"between N and M\" use \"expect\" with \"min\" and \"max\""},
  };
  char kpath[128], msg[200];
  for (size_t i = 0; i < sizeof misuse / sizeof misuse[0]; i++) {
    if (misuse[i].kind != ck->kind || !cJSON_GetObjectItemCaseSensitive(body, misuse[i].key)) continue;
    snprintf(kpath, sizeof kpath, "%s/%s", epath, misuse[i].key);
    return jsonv_fail(v, kpath, true, misuse[i].hint, misuse[i].why);
  }
  static const char *const fkeys[] = {"event", "match"}, *const lkeys[] = {"event", "match", "max", "min_gap"},
                           *const xkeys[] = {"event", "match", "min", "max", "min_gap"};
  const char *kind_name = ck->kind == SC_CHECK_EXPECT ? "expect" : ck->kind == SC_CHECK_FORBID ? "forbid" : "limit";
  if (!jsonv_keys(v, body, epath, kind_name, ck->kind == SC_CHECK_LIMIT ? lkeys : ck->kind == SC_CHECK_EXPECT ? xkeys : fkeys,
                  ck->kind == SC_CHECK_FORBID ? 2 : ck->kind == SC_CHECK_LIMIT ? 4 : 5))
    return false;
  const cJSON *mn = cJSON_GetObjectItemCaseSensitive(body, "min");
  const cJSON *mx = cJSON_GetObjectItemCaseSensitive(body, "max");
  snprintf(kpath, sizeof kpath, "%s/min", epath);
  if (mn && (!cJSON_IsNumber(mn) || mn->valuedouble < 1 || mn->valuedouble > 1000 || mn->valuedouble != (int)mn->valuedouble))
    return jsonv_fail(v, kpath, false, "how many matching events are needed, e.g. \"min\": 2",
                      "\"min\" must be a whole number from 1 to 1000");
  if (mn) ck->min = mn->valueint;
  snprintf(kpath, sizeof kpath, "%s/max", epath);
  if (ck->kind == SC_CHECK_LIMIT &&
      (!cJSON_IsNumber(mx) || mx->valuedouble < 0 || mx->valuedouble > 100000 || mx->valuedouble != (int)mx->valuedouble))
    return jsonv_fail(v, mx ? kpath : epath, false, "how many matching events are allowed, e.g. \"max\": 10",
                      "a limit needs a whole number \"max\"");
  if (ck->kind == SC_CHECK_EXPECT && mx &&
      (!cJSON_IsNumber(mx) || mx->valuedouble < 1 || mx->valuedouble > 100000 || mx->valuedouble != (int)mx->valuedouble))
    return jsonv_fail(v, kpath, false, "at most how many matching events may happen, e.g. \"min\": 2, \"max\": 3",
                      "an expect's \"max\" must be a whole number of at least 1 (for none, use \"forbid\")");
  if (mx) ck->max = mx->valueint;
  int need = ck->min > 0 ? ck->min : 1;
  if (ck->kind == SC_CHECK_EXPECT && mx && ck->max < need) {
    snprintf(msg, sizeof msg, "\"min\" (%d) is more than \"max\" (%d): no count can satisfy both", need, ck->max);
    return jsonv_fail(v, kpath, false, "\"min\" and \"max\" mean between: at least min and at most max", msg);
  }
  if (!parse_span(v, body, epath, "min_gap", ck->min_gap_expr, sizeof ck->min_gap_expr, &ck->min_gap_ms)) return false;
  snprintf(kpath, sizeof kpath, "%s/min_gap", epath);
  if (ck->min_gap_ms && ck->kind == SC_CHECK_EXPECT && need < 2)
    return jsonv_fail(v, kpath, false, "say how many events must be paced, e.g. \"min\": 3, \"min_gap\": \"backoff\"",
                      "a gap needs two events: \"min_gap\" needs \"min\" of 2 or more");
  if (ck->min_gap_ms && ck->kind == SC_CHECK_LIMIT && ck->max < 2)
    return jsonv_fail(v, kpath, false, "with at most one matching event there is no gap to measure: raise \"max\"",
                      "\"min_gap\" needs a \"max\" of 2 or more");
  /* min events, each min_gap after the last, cannot fit a shorter window. Windows in the timers
   * are left to the run: the client's timers decide. */
  if (ck->min_gap_ms && ck->kind == SC_CHECK_EXPECT && ck->within_ms && !ck->within_expr[0] && !ck->min_gap_expr[0] &&
      ck->min_gap_ms * (need - 1) > ck->within_ms) {
    snprintf(msg, sizeof msg, "%d events %.3fs apart take %.3fs, longer than the window (\"within\": %.3fs)", need,
             (double)ck->min_gap_ms / 1e3, (double)(ck->min_gap_ms * (need - 1)) / 1e3, (double)ck->within_ms / 1e3);
    return jsonv_fail(v, kpath, false, "make \"within\" longer, or \"min\" or \"min_gap\" smaller", msg);
  }
  return true;
}

/* One check; false after reporting its first problem (every field of its
 * match is reported, and the rest of the check is read past them). */
static bool parse_check(jsonv_t *v, const cJSON *c, const char *path, sc_check_t *ck) {
  static const char *const keys[] = {"id", "requirement", "description", "expect", "forbid", "limit", "after", "within",
                                     "until", "class", "level"};
  char epath[80], msg[512], hint[512];
  snprintf(ck->after, sizeof ck->after, "start");
  if (!jsonv_keys(v, c, path, "a check", keys, 11) ||
      !jsonv_str(v, c, path, "class", false, ck->class_name, sizeof ck->class_name) ||
      !jsonv_str(v, c, path, "level", false, ck->level, sizeof ck->level) ||
      !jsonv_str(v, c, path, "id", true, ck->id, sizeof ck->id))
    return false;
  /* A precondition proves the scenario's premise (the fault met the client), not a requirement. */
  bool premise = strcmp(ck->class_name, "precondition") == 0;
  if (premise && cJSON_GetObjectItemCaseSensitive(c, "requirement")) {
    char rpath[80];
    snprintf(rpath, sizeof rpath, "%s/requirement", path);
    return jsonv_fail(v, rpath, true, "drop it: a precondition that does not hold makes the scenario an error, not the client's failure",
                      "a precondition names no requirement");
  }
  if ((!premise && !jsonv_str(v, c, path, "requirement", true, ck->requirement, sizeof ck->requirement)) ||
      !jsonv_str(v, c, path, "description", false, ck->description, sizeof ck->description) ||
      !jsonv_str(v, c, path, "after", false, ck->after, sizeof ck->after) ||
      !jsonv_str(v, c, path, "until", false, ck->until, sizeof ck->until) ||
      !parse_span(v, c, path, "within", ck->within_expr, sizeof ck->within_expr, &ck->within_ms))
    return false;
  if (ck->class_name[0] && strcmp(ck->class_name, "network") != 0 && strcmp(ck->class_name, "session") != 0 && !premise) {
    char cpath[80];
    snprintf(cpath, sizeof cpath, "%s/class", path);
    return jsonv_fail(v, cpath, false,
                      "\"network\" (any black-box client), \"session\" (bcsim's own protocol) or \"precondition\" "
                      "(the scenario's premise)",
                      "unknown check class");
  }
  if (ck->level[0] && strcmp(ck->level, "network") != 0 && strcmp(ck->level, "session") != 0) {
    char lpath[80];
    snprintf(lpath, sizeof lpath, "%s/level", path);
    return jsonv_fail(v, lpath, false,
                      "\"network\" (judged from the wire and the TLS and DNS servers: any client) or \"session\" "
                      "(needs what only bcsim's own protocol reveals)",
                      "unknown check level");
  }
  /* A network or session class is the check's level. */
  if (!ck->level[0] && ck->class_name[0] && !premise) memcpy(ck->level, ck->class_name, sizeof ck->level);
  const cJSON *ex = cJSON_GetObjectItemCaseSensitive(c, "expect");
  const cJSON *fb = cJSON_GetObjectItemCaseSensitive(c, "forbid");
  const cJSON *lm = cJSON_GetObjectItemCaseSensitive(c, "limit");
  if (!!ex + !!fb + !!lm != 1)
    return jsonv_fail(v, path, false,
                      "use \"expect\" for what must happen, \"forbid\" for what must not, \"limit\" for how often it may",
                      "a check needs exactly one of \"expect\", \"forbid\" or \"limit\"");
  ck->kind = ex ? SC_CHECK_EXPECT : fb ? SC_CHECK_FORBID : SC_CHECK_LIMIT;
  const char *kind_name = ex ? "expect" : fb ? "forbid" : "limit";
  snprintf(epath, sizeof epath, "%s/%s", path, kind_name);
  const cJSON *body = ex ? ex : fb ? fb : lm;
  if (!parse_counts(v, body, epath, ck) || !jsonv_str(v, body, epath, "event", true, ck->event, sizeof ck->event))
    return false;
  const ev_schema_t *schema = events_find(ck->event);
  if (!schema) {
    const char *names[64];
    size_t n = events_names(names, 64);
    const char *near = diag_nearest(ck->event, names, n);
    snprintf(msg, sizeof msg, "unknown event type \"%s\"", ck->event);
    snprintf(hint, sizeof hint, "%s%s%s`bcsim list --events` shows every event type", near ? "did you mean \"" : "",
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
    return jsonv_fail(v, mpath, false, "write { \"field\": value }", "\"match\" must be an object");
  /* Every field of the match is told about, and the rest of the check is still read. */
  bool ok = expand_match(v, ck->match, mpath) && match_validate(v, mpath, schema, ck->match);
  if (ck->kind == SC_CHECK_EXPECT && ck->within_ms == 0 && !ck->until[0])
    return jsonv_fail(v, path, false, "say how long the client has, e.g. \"within\": \"3s\"",
                   "an expect check needs \"within\"");
  for (int which = 0; which < 2; which++) {
    const char *anchor = which == 0 ? ck->after : ck->until, *key = which == 0 ? "after" : "until";
    char apath[80];
    snprintf(apath, sizeof apath, "%s/%s", path, key);
    if (which == 1 && !anchor[0]) continue;
    if (which == 1 && strcmp(anchor, "start") == 0)
      return jsonv_fail(v, apath, false, "end the window at a step, \"<step>.off\" or an earlier check, or use \"within\"",
                        "a window \"until\" \"start\" ends before it opens");
    if (!anchor_known(SC(v), anchor, SC(v)->n_checks - 1)) {
      snprintf(msg, sizeof msg, "unknown anchor \"%s\"", anchor);
      return jsonv_fail(v, apath, false,
                        "an anchor is \"start\", a timeline step id, \"<step id>.off\" for a step with \"for\", "
                        "or the id of an earlier expect check", msg);
    }
    for (int k = 0; k < SC(v)->n_checks - 1; k++) {
      const sc_check_t *a = &SC(v)->checks[k];
      if (strcmp(a->id, anchor) == 0 && strcmp(scenario_check_level(ck), "network") == 0 &&
          strcmp(scenario_check_level(a), "session") == 0) {
        snprintf(msg, sizeof msg, "a network check is anchored on the session check \"%s\"", a->id);
        return jsonv_fail(v, apath, false,
                          "anchor it on a timeline step or a network check, or say \"level\": \"session\": a "
                          "client that speaks only the network level could not be judged by it",
                          msg);
      }
    }
  }
  if (ck->until[0] && ck->within_ms)
    return jsonv_fail(v, path, false, "say when the window ends once: \"within\" a time, or \"until\" an anchor",
                      "a check has both \"within\" and \"until\"");
  for (int k = 0; k < SC(v)->n_checks - 1; k++) {
    if (strcmp(SC(v)->checks[k].id, ck->id) == 0) {
      char ipath[80];
      snprintf(ipath, sizeof ipath, "%s/id", path);
      return jsonv_fail(v, ipath, false, "give every check its own id", "duplicate check id");
    }
  }
  return ok;
}

/* A requirement ID the spec defines, when the caller gave the spec's IDs. */
static bool known_requirement(jsonv_t *v, const char *path, const char *id) {
  const scenario_opts_t *o = OPTS(v);
  char msg[256], hint[256];
  if (!o || !o->requirements || !id[0]) return true;
  for (size_t i = 0; i < o->n_requirements; i++)
    if (strcmp(o->requirements[i], id) == 0) return true;
  const char *near = diag_nearest(id, o->requirements, o->n_requirements);
  snprintf(msg, sizeof msg, "unknown requirement \"%s\": %s does not define it", id,
           o->spec_name ? o->spec_name : "the spec");
  snprintf(hint, sizeof hint, "%s%s%s`bcsim list --requirements` lists the requirements", near ? "did you mean \"" : "",
           near ? near : "", near ? "\"? " : "");
  return jsonv_fail(v, path, false, hint, msg);
}

/* The earliest time an anchor can happen (ms), or -1 if it cannot be told.
 * A check is met at the earliest at its own anchor. */
int64_t scenario_step_planned_ms(const scenario_t *sc, const char *anchor) {
  char step[SC_NAME];
  if (strcmp(anchor, "start") == 0) return 0;
  bool off = scenario_anchor_off(anchor, step, sizeof step);
  for (int i = 0; i < sc->n_steps; i++) {
    const sc_step_t *st = &sc->steps[i];
    if (strcmp(st->id, anchor) == 0) return st->at_ms;
    if (off && strcmp(st->id, step) == 0)
      return st->for_ms ? st->at_ms + st->for_ms : st->at_ms + st->flap_on_ms - st->flap_jitter_ms;
  }
  return -1;
}

static int64_t anchor_earliest(const scenario_t *sc, const char *anchor, int before_check) {
  int64_t planned = scenario_step_planned_ms(sc, anchor);
  if (planned >= 0) return planned;
  for (int i = 0; i < before_check; i++)
    if (strcmp(sc->checks[i].id, anchor) == 0) return anchor_earliest(sc, sc->checks[i].after, i);
  return -1;
}

/* Warnings, not errors: a window the scenario's duration does not cover, or
 * an anchor that comes after the end, judges less than the check says (an
 * expect still short at the end is unsupported; an anchor that never comes
 * is an error). */
static void warn_window(jsonv_t *v, const char *path, int index) {
  const scenario_t *sc = SC(v);
  const sc_check_t *ck = &sc->checks[index];
  char kpath[96], msg[300];
  if (sc->duration_ms < 0) return;
  for (int which = 0; which < 2; which++) {
    const char *anchor = which == 0 ? ck->after : ck->until;
    int64_t at = anchor[0] ? anchor_earliest(sc, anchor, index) : -1;
    if (at <= sc->duration_ms) continue;
    snprintf(kpath, sizeof kpath, "%s/%s", path, which == 0 ? "after" : "until");
    snprintf(msg, sizeof msg, "anchor \"%s\" comes at %.3fs at the earliest, after the scenario ends (%.3fs)", anchor,
             (double)at / 1e3, (double)sc->duration_ms / 1e3);
    jsonv_warn(v, kpath, false, "the check would never be judged: make \"duration\" longer or anchor it earlier", msg);
    return;
  }
  int64_t from = anchor_earliest(sc, ck->after, index);
  int64_t until = ck->until[0] ? anchor_earliest(sc, ck->until, index) : -1;
  bool on_checks = false; /* a check's time is known only at run time: its earliest says little */
  for (int i = 0; i < index; i++)
    on_checks = on_checks || strcmp(sc->checks[i].id, ck->after) == 0 || strcmp(sc->checks[i].id, ck->until) == 0;
  if (!on_checks && until >= 0 && from >= 0 && until < from) {
    snprintf(kpath, sizeof kpath, "%s/until", path);
    snprintf(msg, sizeof msg, "the window closes before it opens: \"%s\" comes at %.3fs, before \"%s\" (%.3fs)",
             ck->until, (double)until / 1e3, ck->after, (double)from / 1e3);
    jsonv_warn(v, kpath, false, "a window that closes before it opens is not judged (unsupported): anchor \"until\" later",
               msg);
    return;
  }
  if (ck->within_ms <= 0 || from < 0 || from + ck->within_ms <= sc->duration_ms) return;
  snprintf(kpath, sizeof kpath, "%s/within", path);
  snprintf(msg, sizeof msg, "the window ends at %.3fs at the earliest%s, after the scenario ends (%.3fs)",
           (double)(from + ck->within_ms) / 1e3, ck->within_expr[0] ? " (with the reference profile's timers)" : "",
           (double)sc->duration_ms / 1e3);
  jsonv_warn(v, kpath, false,
             "make \"duration\" longer or the window shorter: what happens after the end is never seen, so an "
             "expect check still short at the end is not judged (unsupported)",
             msg);
}

/* Every check is read, so that each bad one is reported. */
static bool parse_checks(jsonv_t *v, const cJSON *root) {
  char path[64], rpath[96];
  bool ok = true;
  const cJSON *cs = cJSON_GetObjectItemCaseSensitive(root, "checks");
  if (!cJSON_IsArray(cs) || !cs->child)
    return jsonv_fail(v, cs ? "checks" : "", false, "a scenario without checks proves nothing",
                   "\"checks\" must be a non-empty array");
  int i = 0;
  for (const cJSON *c = cs->child; c; c = c->next, i++) {
    if (SC(v)->n_checks >= SC_MAX_CHECKS) return jsonv_fail(v, "checks", false, "split the scenario", "too many checks");
    snprintf(path, sizeof path, "checks/%d", i);
    sc_check_t *ck = &SC(v)->checks[SC(v)->n_checks++];
    bool one = parse_check(v, c, path, ck);
    snprintf(rpath, sizeof rpath, "%s/requirement", path);
    bool req = known_requirement(v, rpath, ck->requirement); /* told even when the check has another problem */
    ok = one && req && ok;
    if (one) warn_window(v, path, SC(v)->n_checks - 1);
  }
  return ok;
}

/* Every scenario also fails a client that contacts an unknown server, as
 * Deckard does: an address no party has and no DNS answer gave it is a bug
 * or a leak (BC-FO-08). A scenario may state the check itself. */
static bool add_builtin_checks(jsonv_t *v) {
  scenario_t *sc = SC(v);
  for (int i = 0; i < sc->n_checks; i++)
    if (strcmp(sc->checks[i].id, SC_UNKNOWN_ADDRESS_CHECK) == 0) return true;
  if (sc->n_checks >= SC_MAX_CHECKS)
    return jsonv_fail(v, "checks", false, "split the scenario", "too many checks for the built-in " SC_UNKNOWN_ADDRESS_CHECK);
  sc_check_t *ck = &sc->checks[sc->n_checks++];
  snprintf(ck->id, sizeof ck->id, SC_UNKNOWN_ADDRESS_CHECK);
  snprintf(ck->requirement, sizeof ck->requirement, "BC-FO-08");
  snprintf(ck->description, sizeof ck->description,
           "Built in: the client sends nothing to an address that no party has and no DNS answer gave it");
  snprintf(ck->after, sizeof ck->after, "start");
  snprintf(ck->event, sizeof ck->event, "ip.unknown");
  ck->kind = SC_CHECK_FORBID;
  ck->match = cJSON_CreateObject();
  return ck->match != NULL;
}

/* "requirements": what the scenario is about; each must be checked by one of its checks. */
static bool parse_about(jsonv_t *v, const cJSON *root) {
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "requirements");
  scenario_t *sc = SC(v);
  if (!list) {
    for (int i = 0; i < sc->n_checks; i++) {
      bool seen = !sc->checks[i].requirement[0];
      for (int k = 0; k < sc->n_about && !seen; k++) seen = strcmp(sc->about[k], sc->checks[i].requirement) == 0;
      if (!seen && sc->n_about < SC_MAX_TAGS) snprintf(sc->about[sc->n_about++], SC_NAME, "%s", sc->checks[i].requirement);
    }
    return true;
  }
  if (!cJSON_IsArray(list) || !list->child)
    return jsonv_fail(v, "requirements", false, "write [\"BC-FO-04\", ...]: the requirements the scenario is about",
                      "\"requirements\" must be a non-empty array of requirement IDs");
  int i = 0;
  bool ok = true;
  for (const cJSON *r = list->child; r; r = r->next, i++) {
    char path[64];
    snprintf(path, sizeof path, "requirements/%d", i);
    if (!cJSON_IsString(r) || strlen(r->valuestring) >= SC_NAME || sc->n_about >= SC_MAX_TAGS) {
      ok = jsonv_fail(v, path, false, "a requirement ID such as \"BC-FO-04\"", "bad requirement ID");
      continue;
    }
    if (!known_requirement(v, path, r->valuestring)) {
      ok = false;
      continue;
    }
    bool checked = false;
    for (int k = 0; k < sc->n_checks; k++) checked = checked || strcmp(sc->checks[k].requirement, r->valuestring) == 0;
    if (!checked) {
      char msg[160];
      snprintf(msg, sizeof msg, "no check of the scenario names %s", r->valuestring);
      ok = jsonv_fail(v, path, false, "a scenario is about a requirement only if one of its checks judges it", msg);
      continue;
    }
    snprintf(sc->about[sc->n_about++], SC_NAME, "%s", r->valuestring);
  }
  return ok;
}

scenario_t *scenario_parse_opts(const char *text, const char *path, const scenario_opts_t *o, diag_t *d) {
  static const char *const keys[] = {"id", "title", "tags", "requirements", "seed", "world", "client", "duration",
                                     "run_to_end", "timeline", "checks"};
  scenario_t *sc = calloc(1, sizeof *sc);
  cJSON *root = NULL;
  /* Errors are collected even for a caller that wants one, so that d is the
   * first found and the parse can go on past it. */
  diag_list_t *own = NULL, *all = o && o->diags ? o->diags : (own = diag_list_new());
  size_t first = all ? diag_list_count(all) : 0;
  parse_t ctx = {sc, o};
  jsonv_t v = {text, path, d, &ctx, all};
  bool ok = false;
  if (!sc) {
    diag_set(d, path, 0, 0, NULL, "out of memory");
    goto out;
  }
  snprintf(sc->path, sizeof sc->path, "%s", path);
  root = jsonv_parse(text, path, d);
  if (!root) {
    if (all) diag_list_add(all, d);
    goto out;
  }
  if (!cJSON_IsObject(root)) {
    jsonv_keys(&v, root, "", "the scenario", keys, 11);
    goto out;
  }
  ok = jsonv_keys(&v, root, "", "the scenario", keys, 11);
  if (jsonv_str(&v, root, "", "id", true, sc->id, sizeof sc->id) && !scenario_id_valid(sc->id))
    ok = jsonv_fail(&v, "id", false, "ids name output folders: use a-z, 0-9, '-', '_' and '.', not first",
                    "scenario id has a character that is not allowed");
  else if (!sc->id[0])
    ok = false;
  ok = jsonv_str(&v, root, "", "title", false, sc->title, sizeof sc->title) && ok;
  if (!jsonv_dur(&v, root, "", "duration", true, &sc->duration_ms)) {
    sc->duration_ms = -1; /* unknown: nothing is compared with it */
    ok = false;
  }
  const cJSON *to_end = cJSON_GetObjectItemCaseSensitive(root, "run_to_end");
  if (to_end && !cJSON_IsBool(to_end))
    ok = jsonv_fail(&v, "run_to_end", false, "true or false; true: never stop early, even when the verdict is decided",
                    "\"run_to_end\" must be a boolean");
  sc->run_to_end = cJSON_IsTrue(to_end);
  sc->seed = 1;
  const cJSON *seed = cJSON_GetObjectItemCaseSensitive(root, "seed");
  if (seed && (!cJSON_IsNumber(seed) || seed->valuedouble < 0 || seed->valuedouble > 9007199254740991.0 ||
               seed->valuedouble != (double)(uint64_t)seed->valuedouble))
    ok = jsonv_fail(&v, "seed", false, "a whole number; the same seed gives the same fault schedule",
                    "\"seed\" must be a non-negative whole number");
  else if (seed)
    sc->seed = (uint64_t)seed->valuedouble;
  const cJSON *tags = cJSON_GetObjectItemCaseSensitive(root, "tags");
  if (tags && !cJSON_IsArray(tags))
    ok = jsonv_fail(&v, "tags", false, "write [\"cloud-down\", ...]", "\"tags\" must be an array of strings");
  for (const cJSON *t = cJSON_IsArray(tags) ? tags->child : NULL; t; t = t->next) {
    if (!cJSON_IsString(t) || sc->n_tags >= SC_MAX_TAGS || strlen(t->valuestring) >= SC_NAME) {
      ok = jsonv_fail(&v, "tags", false, "short strings, at most 16", "bad tag");
      break;
    }
    snprintf(sc->tags[sc->n_tags++], SC_NAME, "%s", t->valuestring);
  }
  /* Each part is read whatever the others held, so every problem is told. */
  ok = parse_world(&v, root) && ok;
  ok = parse_client(&v, root) && ok;
  ok = parse_steps(&v, root) && ok;
  ok = parse_checks(&v, root) && ok;
  ok = parse_about(&v, root) && ok;
  ok = ok && add_builtin_checks(&v);
out:
  cJSON_Delete(root);
  if (!ok) {
    /* d is the first error found, as a caller that shows one expects. */
    for (size_t i = first; all && i < diag_list_count(all); i++) {
      if (diag_list_at(all, i)->level != DIAG_ERROR) continue;
      *d = *diag_list_at(all, i);
      break;
    }
    scenario_free(sc);
    sc = NULL;
  }
  diag_list_free(own);
  return sc;
}

scenario_t *scenario_parse(const char *text, const char *path, diag_t *d) { return scenario_parse_opts(text, path, NULL, d); }

char *scenario_read_file(const char *path) { return files_read(path, FILES_INPUT_MAX, NULL); }

scenario_t *scenario_load_opts(const char *path, const scenario_opts_t *o, diag_t *d) {
  char *text = scenario_read_file(path);
  if (!text) {
    diag_set(d, path, 0, 0, "check the path; `bcsim list` shows the scenarios", "cannot read: %s",
             strerror(errno ? errno : EIO));
    if (o && o->diags) diag_list_add(o->diags, d);
    return NULL;
  }
  scenario_t *sc = scenario_parse_opts(text, path, o, d);
  free(text);
  return sc;
}

scenario_t *scenario_load(const char *path, diag_t *d) { return scenario_load_opts(path, NULL, d); }

void scenario_free(scenario_t *sc) {
  if (!sc) return;
  for (int i = 0; i < sc->n_checks; i++) cJSON_Delete(sc->checks[i].match);
  for (int i = 0; i < sc->n_steps; i++) cJSON_Delete(sc->steps[i].params);
  free(sc);
}

int64_t scenario_timer(const scenario_t *sc, const char *name, int64_t fallback) {
  for (int i = 0; i < sc->n_timers; i++)
    if (strcmp(sc->timers[i].name, name) == 0) return sc->timers[i].value;
  return fallback;
}

static int64_t scaled(int64_t ms, double factor) { return (int64_t)((double)ms * factor + 0.5); }

void scenario_scale_timers(sc_timer_t *timers, int n, double factor) {
  for (int i = 0; i < n; i++)
    if (strcmp(timers[i].name, "retries") != 0) timers[i].value = scaled(timers[i].value, factor);
}

void scenario_scale(scenario_t *sc, double factor) {
  sc->duration_ms = scaled(sc->duration_ms, factor);
  sc->pse_exit_after_ms = scaled(sc->pse_exit_after_ms, factor);
  sc->pse_exit_check_ms = scaled(sc->pse_exit_check_ms, factor);
  for (int i = 0; i < sc->n_steps; i++) {
    sc_step_t *s = &sc->steps[i];
    s->at_ms = scaled(s->at_ms, factor);
    s->for_ms = scaled(s->for_ms, factor);
    s->flap_on_ms = scaled(s->flap_on_ms, factor);
    s->flap_off_ms = scaled(s->flap_off_ms, factor);
    s->flap_jitter_ms = scaled(s->flap_jitter_ms, factor);
  }
  for (int i = 0; i < sc->n_checks; i++) {
    sc->checks[i].within_ms = scaled(sc->checks[i].within_ms, factor);
    sc->checks[i].min_gap_ms = scaled(sc->checks[i].min_gap_ms, factor);
  }
  scenario_scale_timers(sc->timers, sc->n_timers, factor);
}

bool scenario_id_valid(const char *id) {
  if (!*id || *id == '.' || strlen(id) >= SC_NAME) return false;
  for (const char *p = id; *p; p++)
    if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.", *p)) return false;
  return true;
}
