/* dur: durations as people write them in scenario files, and the monotonic clock.
 *
 * All scenario times are milliseconds since the scenario started, on
 * CLOCK_MONOTONIC, so a wall-clock step during a run cannot reorder events. */
#ifndef BC_DUR_H
#define BC_DUR_H
#include <stdbool.h>
#include <stdint.h>

/* Parses "250ms", "1.5s", "2m", "1h" (a bare number is rejected: units are
 * mandatory so that "5" is never silently read as 5 ms or 5 s). On success
 * stores milliseconds in *ms and returns true; *ms is untouched on failure. */
bool dur_parse(const char *text, int64_t *ms);
/* Monotonic time in microseconds. */
int64_t dur_now_us(void);
#endif
