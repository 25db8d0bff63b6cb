/* decide: when the play ends.
 *
 * At the scenario's declared end at the latest. With early stopping, every
 * DECIDE_EVERY_MS it asks the checks (check_decided, pure) whether any later
 * event could still change a verdict, judging the events up to a horizon
 * DECIDE_LAG_MS behind now, after the capture is drained; once none could,
 * the play ends there (scenario.decided), and the judgement at the end is
 * the same as after the whole duration. bcsim selftest also ends it once a
 * check of the requirement its defect violates has failed for good
 * (docs/architecture.md, "Many labs at once, and when a scenario ends"). */
#ifndef BC_DECIDE_H
#define BC_DECIDE_H
#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness/overhead.h"
#include "harness/record.h"
#include "harness/scenario.h"
#include "sim/capture/capture.h"

typedef struct decide decide_t;

typedef struct decide_opts {
  const scenario_t *sc;
  capture_t *cap;              /* drained before each question */
  bool speaks_session;         /* the client's levels, as the checks judge it */
  const char *stop_when_fails; /* selftest: end once a check of this requirement failed for good; NULL: no */
} decide_opts_t;

/* Ready to end the play on base (by event_base_loopbreak); nothing is armed
 * yet. The time spent judging goes to cost. Everything passed in must
 * outlive it. NULL when out of memory. */
decide_t *decide_new(struct event_base *base, record_t *rec, overhead_t *cost, const decide_opts_t *o);
/* Frees its timers, armed or not. */
void decide_free(decide_t *d);

/* Arms the declared end (relative to t = 0) and, with early_stop, the
 * questions. 0 or -1. */
int decide_start(decide_t *d, bool early_stop);
/* Stops asking (the play ended); the declared end stays armed. */
void decide_stop(decide_t *d);

/* The horizon at which the verdict was decided, or -1 when it was not. */
int64_t decide_horizon(const decide_t *d);
/* Whether the play ended because a check of stop_when_fails failed for good. */
bool decide_stopped_on_fail(const decide_t *d);
#endif
