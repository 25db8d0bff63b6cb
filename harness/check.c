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

/* What one judging looks at: the events up to horizon_us. The final
 * judgement sees them all (CHECK_ALL); a running scenario asks, with the
 * horizon behind which every event has arrived, whether it is decided. */
typedef struct judging {
  const scenario_t *sc;
  const tl_t *tl;
  bool speaks_session;
  int64_t horizon_us;
} judging_t;

#define CHECK_ALL INT64_MAX

/* When a step anchor happened ("start", a step, "<step>.off"), or -1 if it
 * had not by the horizon. */
static int64_t step_time(const char *anchor, const tl_t *tl, int64_t horizon_us) {
  if (strcmp(anchor, "start") == 0) return 0;
  char step[SC_NAME];
  bool off = scenario_anchor_off(anchor, step, sizeof step);
  for (size_t i = 0; i < tl_count(tl) && tl_at(tl, i)->t_us <= horizon_us; i++) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(tl_at(tl, i)->obj, "step");
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(tl_at(tl, i)->obj, "type");
    if (!cJSON_IsString(s) || strcmp(s->valuestring, step) != 0 || !cJSON_IsString(ty)) continue;
    if (off == (strcmp(ty->valuestring, "fault.off") == 0)) return tl_at(tl, i)->t_us;
  }
  return -1;
}

/* What the matching events in a window show: how many, when the needed and
 * the first extra one came, and the first pair closer than min_gap. */
typedef struct window_scan {
  int n_in;
  int64_t first_us, met_us, over_us; /* -1 when there is none */
  const cJSON *outside;              /* the first match outside the window */
  const cJSON *close_a, *close_b;    /* the first two consecutive matches under min_gap apart */
  int64_t close_a_us, close_b_us;
} window_scan_t;

static void scan_window(const sc_check_t *ck, const tl_t *tl, int64_t from, int64_t to, int64_t horizon_us, int need,
                        int cap, window_scan_t *w, cJSON *hits) {
  const cJSON *prev = NULL;
  int64_t prev_us = -1;
  *w = (window_scan_t){0, -1, -1, -1, NULL, NULL, NULL, -1, -1};
  for (size_t i = 0; i < tl_count(tl) && tl_at(tl, i)->t_us <= horizon_us; i++) {
    const tl_event_t *e = tl_at(tl, i);
    if (!check_event_matches(e->obj, ck->event, ck->match)) continue;
    if (e->t_us < from || e->t_us > to) {
      if (!w->outside) w->outside = e->obj;
      continue;
    }
    if (w->n_in == 0) w->first_us = e->t_us;
    w->n_in++;
    if (w->n_in == need) w->met_us = e->t_us;
    if (cap >= 0 && w->n_in == cap + 1) w->over_us = e->t_us;
    if (w->n_in <= 3) cJSON_AddItemToArray(hits, cJSON_Duplicate(e->obj, 1));
    /* The timeline is sorted, so the gap to the previous match is the gap between consecutive ones. */
    if (ck->min_gap_ms > 0 && prev && !w->close_a && e->t_us - prev_us < ck->min_gap_ms * 1000) {
      w->close_a = prev, w->close_b = e->obj;
      w->close_a_us = prev_us, w->close_b_us = e->t_us;
    }
    prev = e->obj, prev_us = e->t_us;
  }
}

/* One check's window, as eval_window works it out for its helpers. */
typedef struct window {
  const sc_check_t *ck;
  int64_t from, to, end_us, window_end; /* to: INT64_MAX when open to the end */
  int need, cap;                        /* matches needed (expect), allowed (-1: no bound) */
  const char *match_text, *when;        /* the match as text, and the anchor the window opens at */
  char span[SC_NAME + 16], gap[32];     /* "within" and "min_gap" as messages say them */
  window_scan_t w;
} window_t;

/* Two matches closer than min_gap happened: no later event can undo that. Returns when. */
static int64_t fail_too_close(const window_t *win, check_result_t *res) {
  const sc_check_t *ck = win->ck;
  const window_scan_t *w = &win->w;
  res->verdict = VERDICT_FAIL;
  cJSON *pair = cJSON_AddArrayToObject(res->evidence, "too_close");
  cJSON_AddItemToArray(pair, cJSON_Duplicate(w->close_a, 1));
  cJSON_AddItemToArray(pair, cJSON_Duplicate(w->close_b, 1));
  snprintf(res->message, sizeof res->message,
           "%s %s came again %.3fs after the previous one (at %.3fs, then %.3fs); at least %s%s%s must pass between them",
           ck->event, win->match_text, (double)(w->close_b_us - w->close_a_us) / 1e6, (double)w->close_a_us / 1e6,
           (double)w->close_b_us / 1e6, win->gap, ck->min_gap_expr[0] ? " = " : "", ck->min_gap_expr);
  return w->close_b_us;
}

/* A forbidden event, or more than a limit allows. Returns when the offending one came. */
static int64_t fail_too_many(const window_t *win, check_result_t *res) {
  const sc_check_t *ck = win->ck;
  const window_scan_t *w = &win->w;
  res->verdict = VERDICT_FAIL;
  if (ck->kind == SC_CHECK_FORBID)
    snprintf(res->message, sizeof res->message, "forbidden %s %s happened %d time(s), first at %.3fs", ck->event,
             win->match_text, w->n_in, (double)w->first_us / 1e6);
  else
    snprintf(res->message, sizeof res->message, "%d %s %s %s (at most %d allowed; the %d-th at %.3fs)", w->n_in,
             ck->event, win->match_text, win->to == INT64_MAX ? "in the whole run" : "in the window", win->cap,
             win->cap + 1, (double)w->over_us / 1e6);
  return ck->kind == SC_CHECK_FORBID ? w->first_us : w->over_us;
}

/* Fewer matches than needed. A window that outlasts the scenario cannot tell:
 * the client still had time when the run ended, so a short count is
 * unsupported. The anchor may be a check met late at run time, or the window
 * be in the client's timers, so validate's warning cannot rule this out. (A
 * window planned to close by the end, from a step, is judged: a step that
 * ran a few ms late is the harness's jitter, not time the client was owed.)
 * Returns when it was decided, or -1. */
static int64_t judge_short(const window_t *win, bool planned_to_fit, check_result_t *res) {
  const sc_check_t *ck = win->ck;
  const window_scan_t *w = &win->w;
  if (win->to > win->end_us && !planned_to_fit) {
    res->verdict = VERDICT_UNSUPPORTED;
    if (ck->within_expr[0])
      snprintf(res->message, sizeof res->message,
               "not judged: with this client's timers the window (%s = %.3fs) ends at %.3fs, after the scenario "
               "(%.3fs); run it with --time-scale", ck->within_expr, (double)ck->within_ms / 1e3, (double)win->to / 1e6,
               (double)win->end_us / 1e6);
    else
      snprintf(res->message, sizeof res->message,
               "not judged: %d %s %s by the end of the scenario (%.3fs), but the window (from %.3fs) runs to %.3fs, "
               "so the client still had time; make the scenario longer or the window shorter",
               w->n_in, ck->event, win->match_text, (double)win->end_us / 1e6, (double)win->from / 1e6,
               (double)win->to / 1e6);
    return -1;
  }
  res->verdict = VERDICT_FAIL;
  if (w->outside && w->n_in == 0) cJSON_AddItemToObject(res->evidence, "outside_window", cJSON_Duplicate(w->outside, 1));
  if (win->need > 1)
    snprintf(res->message, sizeof res->message, "expected %s %s at least %d times within %s after %s (%.3fs); %d happened",
             ck->event, win->match_text, win->need, win->span, win->when, (double)win->from / 1e6, w->n_in);
  else
    snprintf(res->message, sizeof res->message, "expected %s %s within %s after %s (%.3fs); %s", ck->event,
             win->match_text, win->span, win->when, (double)win->from / 1e6,
             w->outside ? "it happened only outside the window" : "it never happened");
  return win->window_end;
}

/* The window held: an expect met (when its needed match came), a forbid or a
 * limit kept (at the window's end). Returns when it was decided. */
static int64_t pass_window(const window_t *win, check_result_t *res) {
  const sc_check_t *ck = win->ck;
  const window_scan_t *w = &win->w;
  res->verdict = VERDICT_PASS;
  if (ck->kind == SC_CHECK_EXPECT) {
    res->matched_us = w->met_us;
    char bounds[96] = "";
    int used = win->cap >= 0 ? snprintf(bounds, sizeof bounds, "; %d in all, at most %d allowed", w->n_in, win->cap) : 0;
    if (ck->min_gap_ms > 0 && used >= 0 && (size_t)used < sizeof bounds)
      snprintf(bounds + used, sizeof bounds - (size_t)used, "; each at least %s after the last", win->gap);
    if (win->need > 1)
      snprintf(res->message, sizeof res->message, "%s %s seen %d times (at least %d), the %d-th at %.3fs (%.3fs after %s)%s",
               ck->event, win->match_text, w->n_in, win->need, win->need, (double)w->met_us / 1e6,
               (double)(w->met_us - win->from) / 1e6, win->when, bounds);
    else
      snprintf(res->message, sizeof res->message, "%s %s seen at %.3fs (%.3fs after %s)%s", ck->event, win->match_text,
               (double)w->met_us / 1e6, (double)(w->met_us - win->from) / 1e6, win->when, bounds);
    return w->met_us;
  }
  if (ck->kind == SC_CHECK_FORBID)
    snprintf(res->message, sizeof res->message, "no %s %s%s", ck->event, win->match_text,
             win->to == INT64_MAX ? " at any time" : " in the window");
  else
    snprintf(res->message, sizeof res->message, "%d %s %s %s (at most %d allowed%s%s%s)", w->n_in, ck->event,
             win->match_text, win->to == INT64_MAX ? "in the whole run" : "in the window", win->cap,
             ck->min_gap_ms > 0 ? ", each at least " : "", ck->min_gap_ms > 0 ? win->gap : "",
             ck->min_gap_ms > 0 ? " after the last" : "");
  return win->window_end;
}

/* Whether the verdict is final, and what a timeline that dropped events
 * leaves of it. Final once the whole window is behind the horizon, or once
 * what decided it can only be added to: a forbidden or extra event, two too
 * close, or enough matches when no maximum or gap is set. Past the first
 * dropped event the timeline is not whole: an absence there proves nothing
 * (a pass says nothing else happened; a short count that nothing more did),
 * so such a verdict becomes unsupported. A presence still counts. */
static void settle(const judging_t *j, const window_t *win, bool short_count, check_result_t *res, int64_t *at) {
  const sc_check_t *ck = win->ck;
  bool by_presence = res->verdict == VERDICT_FAIL && !short_count;
  bool met_for_good = res->verdict == VERDICT_PASS && ck->kind == SC_CHECK_EXPECT && win->cap < 0 && ck->min_gap_ms == 0;
  res->settled = res->settled && (win->to <= j->horizon_us || by_presence || met_for_good);
  int64_t drop = tl_first_drop(j->tl);
  bool pass_on_absence = res->verdict == VERDICT_PASS && (ck->kind != SC_CHECK_EXPECT || win->cap >= 0 || ck->min_gap_ms > 0);
  bool relies_on_absence = pass_on_absence || (short_count && res->verdict == VERDICT_FAIL);
  if (drop < 0 || win->to < drop || !relies_on_absence) return;
  res->verdict = VERDICT_UNSUPPORTED;
  res->matched_us = -1;
  *at = -1;
  snprintf(res->message, sizeof res->message,
           "not judged: from %.3fs on the timeline was full (the client flooded it) and events were dropped, "
           "so what did not happen there cannot be told",
           (double)drop / 1e6);
}

/* The verdict of one check over its window [from, to]. The evidence gets
 * "at", the time of what decided it: the needed match for an expect that
 * held, the end of the window for one that did not (or for a forbid or limit
 * that held), the offending event otherwise. A failure rests on what
 * happened (a forbidden or extra event, two events too close) or on what did
 * not (too few matches); only what did not is weakened by a timeline that
 * dropped events. */
static void eval_window(const judging_t *j, const sc_check_t *ck, int64_t from, int64_t until, bool planned_to_fit,
                        check_result_t *res, const char *match_text) {
  window_t win = {.ck = ck, .from = from, .end_us = j->sc->duration_ms * 1000, .match_text = match_text, .when = ck->after};
  win.to = ck->within_ms > 0 ? from + ck->within_ms * 1000 : until;
  win.window_end = win.to < win.end_us ? win.to : win.end_us;
  win.need = ck->kind == SC_CHECK_EXPECT ? (ck->min > 0 ? ck->min : 1) : 0;
  win.cap = ck->kind == SC_CHECK_LIMIT ? ck->max : ck->kind == SC_CHECK_FORBID ? 0 : ck->max > 0 ? ck->max : -1;
  cJSON_AddNumberToObject(res->evidence, "window_from", (double)from / 1e6);
  if (win.to != INT64_MAX) cJSON_AddNumberToObject(res->evidence, "window_to", (double)win.to / 1e6);
  cJSON *hits = cJSON_AddArrayToObject(res->evidence, "events");
  scan_window(ck, j->tl, from, win.to, j->horizon_us, win.need, win.cap, &win.w, hits);
  cJSON_AddNumberToObject(res->evidence, "count", win.w.n_in);
  if (ck->within_ms > 0) snprintf(win.span, sizeof win.span, "%.3fs", (double)ck->within_ms / 1e3);
  else snprintf(win.span, sizeof win.span, "until %s", ck->until);
  snprintf(win.gap, sizeof win.gap, "%.3fs", (double)ck->min_gap_ms / 1e3);
  int64_t at = -1;
  bool short_count = false; /* failed or not judged for want of matches: an absence */
  res->matched_us = -1;
  if (win.w.close_a) {
    at = fail_too_close(&win, res);
  } else if (win.cap >= 0 && win.w.n_in > win.cap) {
    at = fail_too_many(&win, res);
  } else if (win.w.n_in < win.need) {
    short_count = true;
    at = judge_short(&win, planned_to_fit, res);
  } else if (ck->min_gap_ms > 0 && win.w.n_in < 2) {
    /* A limit with fewer than two matches: no retry, so no pace to measure. Never a pass nor a failure. */
    res->verdict = VERDICT_UNSUPPORTED;
    snprintf(res->message, sizeof res->message,
             "not judged: %d %s %s in the window, so no gap between two of them could be measured (min_gap %s)",
             win.w.n_in, ck->event, match_text, win.gap);
  } else {
    at = pass_window(&win, res);
  }
  settle(j, &win, short_count, res, &at);
  if (at >= 0) cJSON_AddNumberToObject(res->evidence, "at", (double)at / 1e6);
}

/* When anchor happened: 0 with *t; 1 when it cannot be judged (res says
 * why); -1 when a step never ran (the harness's fault; res says so). */
static int anchor_at(const judging_t *j, const char *anchor, const char *role, const check_result_t *done, int n_done,
                     const sc_check_t *ck, int64_t *t, check_result_t *res) {
  const check_result_t *a = anchor_check(anchor, done, n_done);
  /* Judged on an anchor that is final, this check is final too; else it waits for it. */
  res->settled = res->settled && (!a || a->settled);
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
  *t = a ? a->matched_us : step_time(anchor, j->tl, j->horizon_us);
  if (*t >= 0) return 0;
  res->settled = false; /* the step may still come */
  snprintf(res->message, sizeof res->message, "step \"%s\" never happened, so %s could not be judged", anchor, ck->id);
  return -1;
}

static void eval_one(const judging_t *j, const sc_check_t *ck, check_result_t *res, const check_result_t *done,
                     int n_done) {
  const scenario_t *sc = j->sc;
  int64_t planned_from = scenario_step_planned_ms(sc, ck->after);
  bool planned_to_fit = ck->within_ms > 0 && !ck->within_expr[0] && planned_from >= 0 &&
                        planned_from + ck->within_ms <= sc->duration_ms;
  res->check = ck;
  res->matched_us = -1;
  res->evidence = cJSON_CreateObject();
  res->settled = true;
  char *match_text = cJSON_PrintUnformatted(ck->match);
  int64_t from = 0, until = INT64_MAX;
  int got;
  if (strcmp(scenario_check_level(ck), "session") == 0 && !j->speaks_session) {
    res->verdict = VERDICT_UNSUPPORTED;
    snprintf(res->message, sizeof res->message, "the client profile does not speak the session level (bcsim's own protocol)");
  } else if ((got = anchor_at(j, ck->after, "start", done, n_done, ck, &from, res)) != 0 ||
             (ck->until[0] && (got = anchor_at(j, ck->until, "end", done, n_done, ck, &until, res)) != 0)) {
    /* A step that never ran is the harness's fault, never the client's. */
    res->verdict = got < 0 ? VERDICT_ERROR : VERDICT_UNSUPPORTED;
  } else if (until < from) {
    /* The window closed before it opened: nothing was looked at, so nothing can be told. */
    res->verdict = VERDICT_UNSUPPORTED;
    snprintf(res->message, sizeof res->message,
             "not judged: its window is empty: \"%s\" (%.3fs) came before \"%s\" (%.3fs)", ck->until,
             (double)until / 1e6, ck->after, (double)from / 1e6);
  } else {
    eval_window(j, ck, from, until, planned_to_fit, res, match_text ? match_text : "");
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

static verdict_t eval_upto(const judging_t *j, check_result_t *results) {
  const scenario_t *sc = j->sc;
  for (int i = 0; i < sc->n_checks; i++) {
    eval_one(j, &sc->checks[i], &results[i], results, i);
    if (check_is_precondition(&sc->checks[i]) && results[i].verdict == VERDICT_FAIL) {
      char msg[sizeof results[i].message];
      snprintf(msg, sizeof msg, "the scenario's premise did not hold, so it proves nothing: %s", results[i].message);
      snprintf(results[i].message, sizeof results[i].message, "%s", msg);
      results[i].verdict = VERDICT_ERROR;
    }
  }
  return check_scenario_verdict(sc, results);
}

verdict_t check_eval_all(const scenario_t *sc, const tl_t *tl, bool speaks_session, check_result_t *results) {
  judging_t j = {sc, tl, speaks_session, CHECK_ALL};
  return eval_upto(&j, results);
}

check_decision_t check_decided(const scenario_t *sc, const tl_t *tl, bool speaks_session, int64_t horizon_us,
                               const char *fails_requirement) {
  /* A timeline that dropped events turns absences into "not judged" wherever they fall: never decided early. */
  if (tl_first_drop(tl) >= 0 || horizon_us < 0) return CHECK_UNDECIDED;
  judging_t j = {sc, tl, speaks_session, horizon_us};
  check_result_t results[SC_MAX_CHECKS];
  eval_upto(&j, results);
  bool all = true, failed = false;
  for (int i = 0; i < sc->n_checks; i++) {
    all = all && results[i].settled;
    failed = failed || (fails_requirement && results[i].settled && results[i].verdict == VERDICT_FAIL &&
                        strcmp(sc->checks[i].requirement, fails_requirement) == 0);
  }
  check_results_free(results, sc->n_checks);
  return all ? CHECK_DECIDED : failed ? CHECK_REQUIREMENT_FAILED : CHECK_UNDECIDED;
}

verdict_t check_eval_stopped(const scenario_t *sc, const tl_t *tl, bool speaks_session, int64_t horizon_us,
                             const char *failed_requirement, check_result_t *results) {
  judging_t at_stop = {sc, tl, speaks_session, horizon_us};
  check_result_t then[SC_MAX_CHECKS];
  eval_upto(&at_stop, then);
  check_eval_all(sc, tl, speaks_session, results);
  for (int i = 0; i < sc->n_checks; i++) {
    if (then[i].settled) continue;
    /* Its window was still open when the run stopped: what it would have become is not known. */
    results[i].verdict = VERDICT_UNSUPPORTED;
    results[i].matched_us = -1;
    snprintf(results[i].message, sizeof results[i].message,
             "not judged: the scenario stopped at %.3fs, once a check of %s had failed, while this check's window "
             "was still open",
             (double)horizon_us / 1e6, failed_requirement);
  }
  check_results_free(then, sc->n_checks);
  return check_scenario_verdict(sc, results);
}

void check_results_free(check_result_t *results, int n) {
  for (int i = 0; i < n; i++) {
    cJSON_Delete(results[i].evidence);
    results[i].evidence = NULL;
  }
}
