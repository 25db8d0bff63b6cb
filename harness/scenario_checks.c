#include "harness/scenario_checks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dur.h"
#include "harness/events.h"
#include "harness/match.h"
#include "harness/window.h"

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

/* A check's own fields: id, class, level, requirement, description, the
 * anchors and "within". False after reporting the first problem. */
static bool parse_check_head(jsonv_t *v, const cJSON *c, const char *path, sc_check_t *ck) {
  static const char *const keys[] = {"id", "requirement", "description", "expect", "forbid", "limit", "after", "within",
                                     "until", "class", "level"};
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
  return true;
}

/* What a check looks for: its one expect, forbid or limit, with the counts,
 * the event type and the match. False after reporting the first problem;
 * *match_ok false when the match has problems (each is reported, and the
 * rest of the check is still read). */
static bool parse_check_body(jsonv_t *v, const cJSON *c, const char *path, sc_check_t *ck, bool *match_ok) {
  char epath[80], msg[512], hint[512];
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
  *match_ok = scenario__expand_match(v, ck->match, mpath) && match_validate(v, mpath, schema, ck->match);
  return true;
}

/* When a check's window opens and closes: an expect needs an end, each
 * anchor must be known (a network check on a session check's is refused),
 * and the window ends one way only. The check's id must be new. False after
 * reporting the first problem. */
static bool parse_check_window(jsonv_t *v, const char *path, const sc_check_t *ck) {
  char msg[512];
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
  return true;
}

/* One check; false after reporting its first problem (every field of its
 * match is reported, and the rest of the check is read past them). */
static bool parse_check(jsonv_t *v, const cJSON *c, const char *path, sc_check_t *ck) {
  bool match_ok = true;
  return parse_check_head(v, c, path, ck) && parse_check_body(v, c, path, ck, &match_ok) &&
         parse_check_window(v, path, ck) && match_ok;
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

bool scenario__parse_checks(jsonv_t *v, const cJSON *root) {
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
 * or a leak (BC-FO-08). */
bool scenario__add_builtin_checks(jsonv_t *v) {
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

bool scenario__parse_about(jsonv_t *v, const cJSON *root) {
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
