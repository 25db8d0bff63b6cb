/* timeline: every event of one scenario run, in one place, in time order.
 *
 * Wire decoders, services and the runner all append here; checks read it.
 * Times are microseconds on CLOCK_MONOTONIC since the scenario started. The
 * store is capped, so a client that floods cannot exhaust the harness: past
 * the cap, the wire's and the services' events are counted, not kept, and
 * the run says so; the harness's own (faults, probes, the client's start and
 * exit) have a reserve of their own, so the scenario's steps stay known.
 * tl_first_drop tells the checks from when on an absence proves nothing. */
#ifndef BC_TIMELINE_H
#define BC_TIMELINE_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define TL_MAX_EVENTS 20000 /* a scenario has hundreds; a flood is cut here (about 40 MB) */
#define TL_HARNESS_RESERVE 10000

typedef struct tl tl_t;
typedef struct tl_event {
  int64_t t_us;
  cJSON *obj; /* has "t", "from" (who saw it), "type" and the event's own fields */
} tl_event_t;

tl_t *tl_new(void);
void tl_free(tl_t *tl);
/* Takes ownership of fields (an object, or NULL for none). Returns 0, or -1
 * when the event was dropped (cap reached or out of memory). */
int tl_add(tl_t *tl, int64_t t_us, const char *src, const char *type, cJSON *fields);
/* Orders by time; events with equal times keep their insertion order. */
void tl_sort(tl_t *tl);
size_t tl_count(const tl_t *tl);
const tl_event_t *tl_at(const tl_t *tl, size_t i);
size_t tl_dropped(const tl_t *tl);
/* When the first event was dropped (by the time it carried), or -1 if none was. */
int64_t tl_first_drop(const tl_t *tl);
/* Moves every event by_us earlier: the clock's zero moved later by that much. */
void tl_shift(tl_t *tl, int64_t by_us);
/* Writes one JSON object per line, atomically (base/files.h). 0 or -1. */
int tl_write_jsonl(const tl_t *tl, const char *path);
#endif
