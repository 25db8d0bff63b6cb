/* check: judging a finished timeline against a scenario's checks.
 *
 * Pure: no I/O. An expect check passes when at least `min` events of the
 * named type match within its window after the anchor; a forbid check
 * passes when no such event exists (in the window, or at all); a limit
 * check when at most `max` do. A check of a level the client does not
 * speak, or whose anchor was not judged, is unsupported: never a pass and
 * never a failure. */
#ifndef BC_CHECK_H
#define BC_CHECK_H
#include <cjson/cJSON.h>
#include <stdbool.h>

#include "harness/scenario.h"
#include "harness/timeline.h"
#include "harness/verdict.h"

typedef struct check_result {
  const sc_check_t *check; /* borrowed from the scenario */
  verdict_t verdict;
  char message[512];
  cJSON *evidence; /* owned */
  int64_t matched_us; /* expect checks: when they were met (the min-th match), else -1 */
  bool settled;       /* no event after the horizon it was judged at can change its verdict */
} check_result_t;

/* The check's class, as reports show it: "precondition" for a premise,
 * else its level (scenario_check_level). */
const char *check_class(const sc_check_t *ck);
/* True if the event has the type and every match field matches (match.h:
 * globs, alternatives, not, ranges; DNS names in any case). */
bool check_event_matches(const cJSON *event, const char *type, const cJSON *match);
/* True for a check of class "precondition": it proves the scenario's
 * premise (the fault really met the client), names no requirement, and is
 * an error, never a failure, when it does not hold. */
bool check_is_precondition(const sc_check_t *ck);
/* Fills results[0..sc->n_checks). The timeline must be sorted. A client
 * that does not speak the session level gets unsupported for session
 * checks. Returns the scenario verdict (check_scenario_verdict). */
verdict_t check_eval_all(const scenario_t *sc, const tl_t *tl, bool speaks_session, check_result_t *results);
/* CHECK_DECIDED when no event after horizon_us can change any check's verdict, judged
 * on the events up to it (the timeline sorted, every event up to the horizon
 * on it): every window is behind the horizon, or was decided by what
 * happened (an expect met with no maximum or gap, a forbidden or extra
 * event). A scenario may then stop early: judged at its end, it gets the
 * same verdicts. Else CHECK_REQUIREMENT_FAILED when a check of
 * fails_requirement (NULL: none) has failed for good. Never decided once the
 * timeline dropped events. */
typedef enum { CHECK_UNDECIDED, CHECK_DECIDED, CHECK_REQUIREMENT_FAILED } check_decision_t;
check_decision_t check_decided(const scenario_t *sc, const tl_t *tl, bool speaks_session, int64_t horizon_us,
                               const char *fails_requirement);
/* bcsim selftest asks a defect's lab to stop as soon as a check of the
 * requirement the defect violates has failed for good (fails_requirement
 * above: CHECK_REQUIREMENT_FAILED): that is all it wants to know. Judged
 * then, the checks whose windows were still open at the horizon are
 * unsupported ("not judged"), never failed; the rest as check_eval_all. */
verdict_t check_eval_stopped(const scenario_t *sc, const tl_t *tl, bool speaks_session, int64_t horizon_us,
                             const char *failed_requirement, check_result_t *results);
/* The scenario's verdict from its checks' verdicts (verdict_of_scenario). */
verdict_t check_scenario_verdict(const scenario_t *sc, const check_result_t *results);
/* Why the scenario is unsupported, for people; "" when it is not. */
void check_why_unsupported(const scenario_t *sc, const check_result_t *results, char *out, size_t len);
void check_results_free(check_result_t *results, int n);
#endif
