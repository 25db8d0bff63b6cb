#include "harness/check.h"

#include <stdio.h>
#include <string.h>

#include "harness/match.h"

const char *check_class(const sc_check_t *ck) { return check_is_precondition(ck) ? "precondition" : scenario_check_level(ck); }

bool check_event_matches(const cJSON *event, const char *type, const cJSON *match) {
  return match_event(event, type, match);
}

/* The check an anchor names, among those judged before, or NULL. */
static const check_result_t *anchor_check(const char *anchor, const check_result_t *done, int n_done) {
  for (int i = 0; i < n_done; i++)
    if (strcmp(done[i].check->id, anchor) == 0) return &done[i];
  return NULL;
}

/* When a step anchor happened ("start", a step, "<step>.off"), or -1 if it never did. */
static int64_t step_time(const char *anchor, const tl_t *tl) {
  if (strcmp(anchor, "start") == 0) return 0;
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

static void eval_window(const sc_check_t *ck, const tl_t *tl, int64_t from, int64_t until, int64_t end_us,
                        check_result_t *res, const char *match_text) {
  int64_t to = ck->within_ms > 0 ? from + ck->within_ms * 1000 : until;
  cJSON_AddNumberToObject(res->evidence, "window_from", (double)from / 1e6);
  if (to != INT64_MAX) cJSON_AddNumberToObject(res->evidence, "window_to", (double)to / 1e6);
  cJSON *hits = cJSON_AddArrayToObject(res->evidence, "events");
  int n_in = 0;
  int64_t first_us = -1;
  const cJSON *outside = NULL;
  for (size_t i = 0; i < tl_count(tl); i++) {
    const tl_event_t *e = tl_at(tl, i);
    if (!check_event_matches(e->obj, ck->event, ck->match)) continue;
    if (e->t_us < from || e->t_us > to) {
      if (!outside) outside = e->obj;
      continue;
    }
    if (n_in == 0) first_us = e->t_us;
    if (++n_in == (ck->min > 0 ? ck->min : 1)) res->matched_us = e->t_us;
    if (n_in <= 3) cJSON_AddItemToArray(hits, cJSON_Duplicate(e->obj, 1));
  }
  cJSON_AddNumberToObject(res->evidence, "count", n_in);
  const char *when = ck->after;
  char span[SC_NAME + 16];
  if (ck->within_ms > 0) snprintf(span, sizeof span, "%.3fs", (double)ck->within_ms / 1e3);
  else snprintf(span, sizeof span, "until %s", ck->until);
  if (ck->kind == SC_CHECK_EXPECT) {
    int need = ck->min > 0 ? ck->min : 1;
    if (n_in >= need) {
      res->verdict = VERDICT_PASS;
      if (need > 1)
        snprintf(res->message, sizeof res->message, "%s %s seen %d times (at least %d), the %d-th at %.3fs (%.3fs after %s)",
                 ck->event, match_text, n_in, need, need, (double)res->matched_us / 1e6,
                 (double)(res->matched_us - from) / 1e6, when);
      else
        snprintf(res->message, sizeof res->message, "%s %s seen at %.3fs (%.3fs after %s)", ck->event, match_text,
                 (double)res->matched_us / 1e6, (double)(res->matched_us - from) / 1e6, when);
    } else if (ck->within_expr[0] && to > end_us) {
      /* A window in the client's timers that the scenario does not cover: it cannot tell. */
      res->verdict = VERDICT_UNSUPPORTED;
      res->matched_us = -1;
      snprintf(res->message, sizeof res->message,
               "not judged: with this client's timers the window (%s = %.3fs) ends at %.3fs, after the scenario "
               "(%.3fs); run it with --time-scale", ck->within_expr, (double)ck->within_ms / 1e3, (double)to / 1e6,
               (double)end_us / 1e6);
    } else {
      res->verdict = VERDICT_FAIL;
      res->matched_us = -1;
      if (outside && n_in == 0) cJSON_AddItemToObject(res->evidence, "outside_window", cJSON_Duplicate(outside, 1));
      if (need > 1)
        snprintf(res->message, sizeof res->message, "expected %s %s at least %d times within %s after %s (%.3fs); %d happened",
                 ck->event, match_text, need, span, when, (double)from / 1e6, n_in);
      else
        snprintf(res->message, sizeof res->message, "expected %s %s within %s after %s (%.3fs); %s", ck->event,
                 match_text, span, when, (double)from / 1e6,
                 outside ? "it happened only outside the window" : "it never happened");
    }
  } else if (ck->kind == SC_CHECK_LIMIT) {
    res->verdict = n_in <= ck->max ? VERDICT_PASS : VERDICT_FAIL;
    snprintf(res->message, sizeof res->message, "%d %s %s %s (at most %d allowed)", n_in, ck->event, match_text,
             to == INT64_MAX ? "in the whole run" : "in the window", ck->max);
  } else if (n_in == 0) {
    res->verdict = VERDICT_PASS;
    snprintf(res->message, sizeof res->message, "no %s %s%s", ck->event, match_text,
             to == INT64_MAX ? " at any time" : " in the window");
  } else {
    res->verdict = VERDICT_FAIL;
    snprintf(res->message, sizeof res->message, "forbidden %s %s happened %d time(s), first at %.3fs", ck->event,
             match_text, n_in, (double)first_us / 1e6);
  }
  if (ck->kind != SC_CHECK_EXPECT) res->matched_us = -1;
  /* Past the first dropped event the timeline is not whole: an absence there proves nothing. A
   * presence still does (a forbidden event that was kept happened). */
  int64_t drop = tl_first_drop(tl);
  bool relies_on_absence = (ck->kind == SC_CHECK_EXPECT && res->verdict == VERDICT_FAIL) ||
                           (ck->kind != SC_CHECK_EXPECT && res->verdict == VERDICT_PASS);
  if (drop >= 0 && to >= drop && relies_on_absence) {
    res->verdict = VERDICT_UNSUPPORTED;
    snprintf(res->message, sizeof res->message,
             "not judged: from %.3fs on the timeline was full (the client flooded it) and events were dropped, "
             "so what did not happen there cannot be told",
             (double)drop / 1e6);
  }
}

/* When anchor happened: 0 with *t; 1 when it cannot be judged (res says
 * why); -1 when a step never ran (the harness's fault; res says so). */
static int anchor_at(const char *anchor, const char *role, const tl_t *tl, const check_result_t *done, int n_done,
                     const sc_check_t *ck, int64_t *t, check_result_t *res) {
  const check_result_t *a = anchor_check(anchor, done, n_done);
  if (a && a->verdict == VERDICT_FAIL) {
    /* The anchor's failure already names its requirement; this check must not fail a second one. */
    snprintf(res->message, sizeof res->message, "not judged: its %s anchor \"%s\" failed, so %s could not be judged", role,
             anchor, ck->id);
    return 1;
  }
  if (a && a->verdict != VERDICT_PASS) {
    snprintf(res->message, sizeof res->message,
             "not judged: its %s anchor \"%s\" was not judged, so %s could not be judged either", role, anchor, ck->id);
    return 1;
  }
  *t = a ? a->matched_us : step_time(anchor, tl);
  if (*t >= 0) return 0;
  snprintf(res->message, sizeof res->message, "step \"%s\" never happened, so %s could not be judged", anchor, ck->id);
  return -1;
}

static void eval_one(const sc_check_t *ck, const tl_t *tl, bool speaks_session, int64_t end_us, check_result_t *res,
                     const check_result_t *done, int n_done) {
  res->check = ck;
  res->matched_us = -1;
  res->evidence = cJSON_CreateObject();
  char *match_text = cJSON_PrintUnformatted(ck->match);
  int64_t from = 0, until = INT64_MAX;
  int got;
  if (strcmp(scenario_check_level(ck), "session") == 0 && !speaks_session) {
    res->verdict = VERDICT_UNSUPPORTED;
    snprintf(res->message, sizeof res->message, "the client profile does not speak the session level (bcsim's own protocol)");
  } else if ((got = anchor_at(ck->after, "start", tl, done, n_done, ck, &from, res)) != 0 ||
             (ck->until[0] && (got = anchor_at(ck->until, "end", tl, done, n_done, ck, &until, res)) != 0)) {
    /* A step that never ran is the harness's fault, never the client's. */
    res->verdict = got < 0 ? VERDICT_ERROR : VERDICT_UNSUPPORTED;
  } else {
    eval_window(ck, tl, from, until, end_us, res, match_text ? match_text : "");
  }
  cJSON_free(match_text);
}

bool check_is_precondition(const sc_check_t *ck) { return strcmp(ck->class_name, "precondition") == 0; }

/* The scenario rule's view of sc and its results; ids holds the about list. */
static verdict_about_t rule_inputs(const scenario_t *sc, const check_result_t *results, verdict_item_t *items,
                                   const char **ids) {
  for (int i = 0; i < sc->n_checks; i++)
    items[i] = (verdict_item_t){results[i].verdict, check_is_precondition(&sc->checks[i]), sc->checks[i].requirement,
                                sc->checks[i].id};
  for (int i = 0; i < sc->n_about; i++) ids[i] = sc->about[i];
  return (verdict_about_t){ids, sc->n_about};
}

verdict_t check_scenario_verdict(const scenario_t *sc, const check_result_t *results) {
  verdict_item_t items[SC_MAX_CHECKS];
  const char *ids[SC_MAX_TAGS];
  return verdict_of_scenario(items, sc->n_checks, rule_inputs(sc, results, items, ids));
}

void check_why_unsupported(const scenario_t *sc, const check_result_t *results, char *out, size_t len) {
  verdict_item_t items[SC_MAX_CHECKS];
  const char *ids[SC_MAX_TAGS];
  verdict_why_unsupported(items, sc->n_checks, rule_inputs(sc, results, items, ids), out, len);
}

verdict_t check_eval_all(const scenario_t *sc, const tl_t *tl, bool speaks_session, check_result_t *results) {
  for (int i = 0; i < sc->n_checks; i++) {
    eval_one(&sc->checks[i], tl, speaks_session, sc->duration_ms * 1000, &results[i], results, i);
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
