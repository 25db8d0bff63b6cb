/* check: judging a finished timeline against a scenario's checks.
 *
 * Pure: no I/O. An expect check passes when an event of the named type
 * matches within its window after the anchor; a forbid check passes when
 * no such event exists (in the window, or at all). */
#ifndef BC_CHECK_H
#define BC_CHECK_H
#include <cjson/cJSON.h>
#include <stdbool.h>

#include "harness/scenario.h"
#include "harness/timeline.h"

/* Graded verdicts. Only fail makes a client non-conformant; error is the
 * harness's or the environment's, never the client's. */
typedef enum {
  VERDICT_PASS,
  VERDICT_FAIL,
  VERDICT_ERROR,
  VERDICT_UNSUPPORTED, /* the client profile does not speak the check's level */
  VERDICT_XFAIL,       /* failed, as the vendor profile expects */
  VERDICT_XPASS,       /* passed, although the vendor profile expects a failure */
  VERDICT_DISABLED,    /* not run: the vendor profile disables it */
} verdict_t;

typedef struct check_result {
  const sc_check_t *check; /* borrowed from the scenario */
  verdict_t verdict;
  char message[512];
  cJSON *evidence; /* owned */
  int64_t matched_us; /* expect checks: when it matched, else -1 */
} check_result_t;

const char *verdict_name(verdict_t v);
/* The level a check belongs to: "session" for bcsim's own protocol
 * (svc.http.request, app.request, probe.*), "network" for everything a
 * black-box client shows on the wire and at the TLS and DNS servers. */
const char *check_class(const sc_check_t *ck);
/* True if the event has the type and every match field (strings are globs). */
bool check_event_matches(const cJSON *event, const char *type, const cJSON *match);
/* True for a check of class "precondition": it proves the scenario's
 * premise (the fault really met the client), names no requirement, and is
 * an error, never a failure, when it does not hold. */
bool check_is_precondition(const sc_check_t *ck);
/* Fills results[0..sc->n_checks). The timeline must be sorted. Returns the
 * scenario verdict (check_scenario_verdict). */
verdict_t check_eval_all(const scenario_t *sc, const tl_t *tl, check_result_t *results);
/* error if a check of a requirement errs; else fail if one fails; else
 * error if a precondition does not hold (nothing was proven); else pass.
 * A failed requirement check outranks an unmet precondition: the client's
 * failure is the likelier reason the premise did not hold. */
verdict_t check_scenario_verdict(const scenario_t *sc, const check_result_t *results);
void check_results_free(check_result_t *results, int n);
#endif
