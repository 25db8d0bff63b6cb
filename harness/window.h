/* window: a check's window written in the client's own timers.
 *
 * "within" is a duration ("4s") or an expression over the timers the client
 * runs with: "keepalive + timeout + 2*retries*(timeout + backoff) + 2s".
 * Durations add up; a count (a bare number, or `retries`) may multiply a
 * duration; the result must be a duration. So a client whose vendor fixed
 * its timers is judged with windows that fit them. Pure. */
#ifndef BC_WINDOW_H
#define BC_WINDOW_H
#include <stddef.h>
#include <stdint.h>

#include "harness/scenario.h"

/* Evaluates expr with the timer values (milliseconds, or a count for
 * retries). 0 with *ms, or -1 with err (what is wrong, and where). */
int window_eval(const char *expr, const sc_timer_t *timers, int n_timers, int64_t *ms, char *err, size_t errlen);
#endif
