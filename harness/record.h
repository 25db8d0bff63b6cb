/* record: what one scenario's lab writes down as it plays: the scenario's
 * clock, the timeline of events, services.log, and why the harness failed,
 * if it did.
 *
 * Every part of the runner emits through here: the wire, the services, the
 * client and its probes, the faults. services.log (for people) gets the
 * services' events as lines, capped; the timeline (the evidence) gets every
 * event. Times are microseconds since t = 0 on CLOCK_MONOTONIC; t = 0 is
 * when the set-up is done (record_start_clock), so what the set-up emitted
 * lands at negative times (docs/architecture.md, "Time"). */
#ifndef BC_RECORD_H
#define BC_RECORD_H
#include <cjson/cJSON.h>
#include <stdint.h>

#include "harness/timeline.h"

typedef struct record record_t;

/* An empty record whose clock starts now. NULL when out of memory. */
record_t *record_new(void);
/* Closes services.log; frees the timeline. */
void record_free(record_t *rec);
/* Opens <out_dir>/services.log. 0, or -1 with errno. */
int record_open_services_log(record_t *rec, const char *out_dir);

/* Microseconds since t = 0. */
int64_t record_now(const record_t *rec);
/* t = 0 in libpcap's wall-clock stamps: a packet's time is its stamp minus this. */
int64_t record_pcap_t0(const record_t *rec);
/* Moves t = 0 (on both clocks) to now; what was recorded so far moves back with it. */
void record_start_clock(record_t *rec);

/* Adds an event at t_us from src (takes fields, an object or NULL); an
 * svc.* event is also a line of services.log. */
void record_emit(record_t *rec, int64_t t_us, const char *src, const char *type, cJSON *fields);
/* The harness's own event, now. */
void record_harness(record_t *rec, const char *type, cJSON *fields);

/* The harness failed: keeps the first reason given (printf-style), which
 * leaves every check unjudged. */
void record_fail(record_t *rec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same during the play, where it is also a harness.error event. */
void record_harness_error(record_t *rec, const char *message);
/* The reason the harness failed, or NULL. */
const char *record_error(const record_t *rec);

/* The timeline (the record keeps it). */
tl_t *record_timeline(record_t *rec);
/* Bytes of services.log lines: written, and cut by its cap. */
uint64_t record_services_log_written(const record_t *rec);
uint64_t record_services_log_cut(const record_t *rec);
#endif
