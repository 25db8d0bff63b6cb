/* steps: the scenario's timeline, played on the loop.
 *
 * Each step becomes timers: one that switches its fault on at at_ms and,
 * for a step with for_ms, one that switches it off; a flapping step gets
 * flap_count on and off pairs, each phase moved by a jitter drawn from the
 * scenario's seed (the same seed gives the same schedule). A probe.app step
 * runs the client's probe. Steps at 0 s are the world the client wakes up in
 * and are applied before it starts. A step due now goes before anything
 * else the loop has ready, so the world at time t has every step of time t
 * applied. A step the harness cannot apply is a harness error, which ends
 * the play. */
#ifndef BC_STEPS_H
#define BC_STEPS_H
#include <event2/event.h>

#include "harness/client_proc.h"
#include "harness/faults.h"
#include "harness/record.h"
#include "harness/scenario.h"

/* The loop's priority of steps: the base must have been given two
 * (event_base_priority_init), everything else keeping the default, 1. */
#define STEPS_PRIORITY 0

typedef struct steps steps_t;

/* Everything passed in must outlive it. NULL when out of memory. */
steps_t *steps_new(struct event_base *base, record_t *rec, const scenario_t *sc, faults_t *faults,
                   client_proc_t *client);
/* Frees the timers, whether they fired or not. */
void steps_free(steps_t *s);

/* Applies the steps at 0 s (the BC config's faults among them), before the
 * client starts, and schedules their ends. 0, or -1 with the failure in the
 * record. */
int steps_apply_initial(steps_t *s);
/* Schedules every other step, relative to t = 0 (steps past the scenario's
 * end never fire). Call once the client has started. */
void steps_schedule(steps_t *s);
#endif
