#include "harness/scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "base/jsonpos.h"
#include "harness/window.h"
#include "harness/catalogue.h"
#include "sim/world/map.h"
#include "harness/events.h"
#include "base/jsonv.h"
#include "harness/match.h"
#include "harness/scenario_checks.h"
#include "base/dur.h"
#include "base/strv.h"

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

/* Types are match_validate's business. */
bool scenario__expand_match(jsonv_t *v, cJSON *value, const char *path) {
  char kpath[300];
  if (cJSON_IsString(value)) return expand_string(v, value, path);
  bool ok = true;
  int i = 0;
  for (cJSON *it = value->child; it; it = it->next, i++) {
    if (cJSON_IsArray(value)) snprintf(kpath, sizeof kpath, "%s/%d", path, i);
    else snprintf(kpath, sizeof kpath, "%s/%s", path, it->string);
    ok = scenario__expand_match(v, it, kpath) && ok;
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
  static const char *const keys[] = {"kind", "site", "timers"};
  static const char *const kinds[] = {"enrolled", "new"};
  snprintf(SC(v)->client_kind, sizeof SC(v)->client_kind, "enrolled");
  snprintf(SC(v)->site, sizeof SC(v)->site, "%s", map_sites[0].name);
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "client");
  if (!c) return true;
  if (!jsonv_keys(v, c, "client", "client", keys, 3) ||
      !jsonv_str(v, c, "client", "kind", false, SC(v)->client_kind, sizeof SC(v)->client_kind) ||
      !jsonv_str(v, c, "client", "site", false, SC(v)->site, sizeof SC(v)->site))
    return false;
  if (!map_site(SC(v)->site)) {
    char hint[1024] = "";
    size_t used = 0;
    for (int i = 0; i < map_n_sites; i++) {
      int n = snprintf(hint + used, sizeof hint - used, "%s\"%s\" (%s)", i ? ", " : "", map_sites[i].name,
                       map_sites[i].doc);
      if (n < 0 || (size_t)n >= sizeof hint - used) break; /* the hint is cut, never overrun */
      used += (size_t)n;
    }
    return jsonv_fail(v, "client/site", false, hint, "unknown site");
  }
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
    snprintf(kpath, sizeof kpath, "%s/%s", path, it->string);
    /* JSON lets a key come twice; each would take a slot of timers[]. */
    bool twice = false;
    for (int k = 0; k < *n_timers; k++) twice = twice || strcmp(timers[k].name, it->string) == 0;
    if (twice || *n_timers >= SC_MAX_TIMERS) {
      snprintf(msg, sizeof msg, "timer \"%s\" is given twice", it->string);
      return jsonv_fail(v, kpath, false, "give each timer once", msg);
    }
    sc_timer_t *tm = &timers[(*n_timers)++];
    snprintf(tm->name, sizeof tm->name, "%s", it->string);
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
  if (!cat_fill_defaults(def, st->params)) return jsonv_fail(v, ppath, false, "", "out of memory");
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
  const map_link_t *link = map_link(st->target);
  if (link && !map_link_built(link, map_site(SC(v)->site))) {
    snprintf(apath, sizeof apath, "%s/target", path);
    snprintf(msg, sizeof msg, "link \"%s\" does not exist when the client sits at %s", st->target, SC(v)->site);
    snprintf(hint, sizeof hint, "it is the client's link at another site: set client/site, or name another link");
    return jsonv_fail(v, apath, false, hint, msg);
  }
  if (!parse_params(v, s, path, def, st) || !parse_flap(v, s, path, st)) return false;
  if (map_fault_is_probe(def->fault) && (st->for_ms || st->flap_count)) {
    snprintf(apath, sizeof apath, "%s/%s", path, st->for_ms ? "for" : "flap");
    return jsonv_fail(v, apath, false, "a probe happens once, at its \"at\": leave \"for\" and \"flap\" out",
                      "a probe has no length");
  }
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

scenario_t *scenario_parse_opts(const char *text, const char *path, const scenario_opts_t *o, diag_t *d) {
  static const char *const keys[] = {"id", "title", "tags", "requirements", "seed", "world", "client", "duration",
                                     "run_to_end", "timeline", "checks"};
  scenario_t *sc = calloc(1, sizeof *sc);
  cJSON *root = NULL;
  /* Errors are collected even for a caller that wants one, so that d is the
   * first found and the parse can go on past it. */
  diag_list_t *own = NULL, *all = o && o->diags ? o->diags : (own = diag_list_new());
  size_t first = all ? diag_list_count(all) : 0;
  scenario_parse_t ctx = {sc, o};
  jsonv_t v = {text, path, d, &ctx, all};
  bool ok = false;
  if (!sc) {
    diag_set(d, path, 0, 0, NULL, "out of memory");
    goto out;
  }
  sc->time_scale = 1;
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
  ok = scenario__parse_checks(&v, root) && ok;
  ok = scenario__parse_about(&v, root) && ok;
  ok = ok && scenario__add_builtin_checks(&v);
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

/* A fault's durations describe the world's pace as much as the timeline's
 * do: a 1 s delay meant "beyond the client's timeout" must stay so when the
 * timeout is scaled. So every parameter the fault table types as a duration
 * scales, whichever fault it belongs to. */
static void scale_params(sc_step_t *st, double factor) {
  const cat_action_t *a = cat_find(st->action);
  for (cJSON *it = st->params ? st->params->child : NULL; it && a; it = it->next) {
    const cat_param_t *p = cat_param(a, it->string);
    int64_t ms;
    if (!p || p->type != CAT_DUR || !cJSON_IsString(it) || !dur_parse(it->valuestring, &ms)) continue;
    char text[32];
    snprintf(text, sizeof text, "%lldms", (long long)scaled(ms, factor));
    cJSON_SetValuestring(it, text);
  }
}

void scenario_scale(scenario_t *sc, double factor) {
  sc->time_scale *= factor;
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
    scale_params(s, factor);
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
