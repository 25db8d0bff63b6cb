#include "harness/check.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

const char *verdict_name(verdict_t v) {
  switch (v) {
    case VERDICT_PASS: return "pass";
    case VERDICT_FAIL: return "fail";
    case VERDICT_UNSUPPORTED: return "unsupported";
    case VERDICT_XFAIL: return "xfail";
    case VERDICT_XPASS: return "xpass";
    case VERDICT_DISABLED: return "disabled";
    default: return "error";
  }
}

const char *check_class(const sc_check_t *ck) {
  if (ck->class_name[0]) return ck->class_name;
  static const char *const session_events[] = {"svc.http.request", "app.request", "probe.start", "probe.result"};
  for (size_t i = 0; i < sizeof session_events / sizeof session_events[0]; i++)
    if (strcmp(ck->event, session_events[i]) == 0) return "session";
  return "network";
}

bool check_event_matches(const cJSON *event, const char *type, const cJSON *match) {
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(event, "type");
  if (!cJSON_IsString(t) || strcmp(t->valuestring, type) != 0) return false;
  for (const cJSON *m = match ? match->child : NULL; m; m = m->next) {
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(event, m->string);
    if (!f) return false;
    if (cJSON_IsString(m)) {
      if (!cJSON_IsString(f) || fnmatch(m->valuestring, f->valuestring, 0) != 0) return false;
    } else if (cJSON_IsBool(m)) {
      if (!cJSON_IsBool(f) || cJSON_IsTrue(m) != cJSON_IsTrue(f)) return false;
    } else if (cJSON_IsNumber(m)) {
      if (!cJSON_IsNumber(f) || f->valuedouble != m->valuedouble) return false;
    } else {
      return false;
    }
  }
  return true;
}

/* When the anchor happened, or -1 if it never did. */
static int64_t anchor_time(const char *anchor, const tl_t *tl, const check_result_t *done, int n_done) {
  if (strcmp(anchor, "start") == 0) return 0;
  for (int i = 0; i < n_done; i++)
    if (strcmp(done[i].check->id, anchor) == 0) return done[i].matched_us;
  /* "<step>.off" is when that step's fault went off (the first time). */
  char step[SC_NAME];
  bool off = scenario_anchor_off(anchor, step, sizeof step);
  for (size_t i = 0; i < tl_count(tl); i++) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(tl_at(tl, i)->obj, "step");
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(tl_at(tl, i)->obj, "type");
    if (!cJSON_IsString(s) || strcmp(s->valuestring, step) != 0 || !cJSON_IsString(ty)) continue;
    if (off == (strcmp(ty->valuestring, "fault.off") == 0)) return tl_at(tl, i)->t_us;
  }
  return -1;
}

static void eval_one(const sc_check_t *ck, const tl_t *tl, check_result_t *res, const check_result_t *done,
                     int n_done) {
  res->check = ck;
  res->matched_us = -1;
  res->evidence = cJSON_CreateObject();
  char *match_text = cJSON_PrintUnformatted(ck->match);
  int64_t from = anchor_time(ck->after, tl, done, n_done);
  if (from < 0) {
    /* A step that never ran is the harness's fault; an anchor check that never
     * matched is the client's, and that check already failed on its own. */
    bool is_step = true;
    for (int i = 0; i < n_done; i++) is_step = is_step && strcmp(done[i].check->id, ck->after) != 0;
    res->verdict = is_step ? VERDICT_ERROR : VERDICT_FAIL;
    snprintf(res->message, sizeof res->message, "anchor \"%s\" never happened, so %s %s could not be judged",
             ck->after, ck->event, match_text ? match_text : "");
    goto out;
  }
  int64_t to = ck->within_ms > 0 ? from + ck->within_ms * 1000 : INT64_MAX;
  cJSON_AddNumberToObject(res->evidence, "window_from", (double)from / 1e6);
  if (to != INT64_MAX) cJSON_AddNumberToObject(res->evidence, "window_to", (double)to / 1e6);
  cJSON *hits = cJSON_AddArrayToObject(res->evidence, "events");
  int n_in = 0;
  const cJSON *outside = NULL;
  for (size_t i = 0; i < tl_count(tl); i++) {
    const tl_event_t *e = tl_at(tl, i);
    if (!check_event_matches(e->obj, ck->event, ck->match)) continue;
    if (e->t_us < from || e->t_us > to) {
      if (!outside) outside = e->obj;
      continue;
    }
    if (n_in == 0) res->matched_us = e->t_us;
    if (n_in++ < 3) cJSON_AddItemToArray(hits, cJSON_Duplicate(e->obj, 1));
  }
  cJSON_AddNumberToObject(res->evidence, "count", n_in);
  const char *when = ck->after;
  if (ck->kind == SC_CHECK_EXPECT) {
    if (n_in > 0) {
      res->verdict = VERDICT_PASS;
      snprintf(res->message, sizeof res->message, "%s %s seen at %.3fs (%.3fs after %s)", ck->event,
               match_text, (double)res->matched_us / 1e6, (double)(res->matched_us - from) / 1e6, when);
    } else {
      res->verdict = VERDICT_FAIL;
      if (outside) cJSON_AddItemToObject(res->evidence, "outside_window", cJSON_Duplicate(outside, 1));
      snprintf(res->message, sizeof res->message, "expected %s %s within %.3fs after %s (%.3fs); %s",
               ck->event, match_text, (double)ck->within_ms / 1e3, when, (double)from / 1e6,
               outside ? "it happened only outside the window" : "it never happened");
    }
  } else if (ck->kind == SC_CHECK_LIMIT) {
    res->verdict = n_in <= ck->max ? VERDICT_PASS : VERDICT_FAIL;
    snprintf(res->message, sizeof res->message, "%d %s %s %s (at most %d allowed)", n_in, ck->event, match_text,
             to == INT64_MAX ? "in the whole run" : "in the window", ck->max);
    res->matched_us = -1;
  } else {
    if (n_in == 0) {
      res->verdict = VERDICT_PASS;
      snprintf(res->message, sizeof res->message, "no %s %s%s", ck->event, match_text,
               to == INT64_MAX ? " at any time" : " in the window");
    } else {
      res->verdict = VERDICT_FAIL;
      snprintf(res->message, sizeof res->message, "forbidden %s %s happened %d time(s), first at %.3fs",
               ck->event, match_text, n_in, (double)res->matched_us / 1e6);
      res->matched_us = -1;
    }
  }
out:
  cJSON_free(match_text);
}

bool check_is_precondition(const sc_check_t *ck) { return strcmp(ck->class_name, "precondition") == 0; }

verdict_t check_scenario_verdict(const scenario_t *sc, const check_result_t *results) {
  bool error = false, fail = false, premise = false;
  for (int i = 0; i < sc->n_checks; i++) {
    if (results[i].verdict == VERDICT_ERROR && check_is_precondition(&sc->checks[i])) premise = true;
    else if (results[i].verdict == VERDICT_ERROR) error = true;
    else if (results[i].verdict == VERDICT_FAIL) fail = true;
  }
  return error ? VERDICT_ERROR : fail ? VERDICT_FAIL : premise ? VERDICT_ERROR : VERDICT_PASS;
}

verdict_t check_eval_all(const scenario_t *sc, const tl_t *tl, check_result_t *results) {
  for (int i = 0; i < sc->n_checks; i++) {
    eval_one(&sc->checks[i], tl, &results[i], results, i);
    if (check_is_precondition(&sc->checks[i]) && results[i].verdict == VERDICT_FAIL) {
      char msg[sizeof results[i].message];
      snprintf(msg, sizeof msg, "the scenario's premise did not hold, so it proves nothing: %s", results[i].message);
      snprintf(results[i].message, sizeof results[i].message, "%s", msg);
      results[i].verdict = VERDICT_ERROR;
    }
  }
  return check_scenario_verdict(sc, results);
}

void check_results_free(check_result_t *results, int n) {
  for (int i = 0; i < n; i++) {
    cJSON_Delete(results[i].evidence);
    results[i].evidence = NULL;
  }
}
