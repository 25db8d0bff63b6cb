#include "harness/decide.h"

#include <stdlib.h>

#include "base/dur.h"
#include "harness/check.h"

/* How often a running scenario asks whether its verdict is decided, and how
 * far behind now it looks: every event up to the horizon has been read (the
 * capture is drained first; services report on this loop as things happen). */
#define DECIDE_EVERY_MS 200
#define DECIDE_LAG_MS 100

struct decide {
  struct event_base *base;
  record_t *rec;
  overhead_t *cost;
  decide_opts_t o;
  struct event *end;  /* the declared end */
  struct event *ask;  /* the question, every DECIDE_EVERY_MS; NULL without early stopping */
  int64_t decided_us; /* the horizon the verdict was decided at, or -1 */
  bool stopped_on_fail;
};

static void on_end(evutil_socket_t fd, short what, void *arg) { event_base_loopbreak(arg); }

decide_t *decide_new(struct event_base *base, record_t *rec, overhead_t *cost, const decide_opts_t *o) {
  decide_t *d = calloc(1, sizeof *d);
  if (!d) return NULL;
  d->base = base;
  d->rec = rec;
  d->cost = cost;
  d->o = *o;
  d->decided_us = -1;
  d->end = evtimer_new(base, on_end, base);
  if (!d->end) {
    free(d);
    return NULL;
  }
  return d;
}

void decide_free(decide_t *d) {
  if (!d) return;
  event_free(d->end);
  if (d->ask) event_free(d->ask);
  free(d);
}

/* Ends the play once no later event can change its verdict (check_decided);
 * judged at the end as always, it gets the same verdicts. */
static void on_ask(evutil_socket_t fd, short what, void *arg) {
  decide_t *d = arg;
  const scenario_t *sc = d->o.sc;
  int64_t t0 = dur_now_us();
  if (!d->o.cap || capture_catch_up(d->o.cap) < 0) return; /* a backlog: what it holds may be older than the horizon */
  int64_t horizon = record_now(d->rec) - DECIDE_LAG_MS * 1000;
  tl_t *tl = record_timeline(d->rec);
  tl_sort(tl);
  check_decision_t decision = check_decided(sc, tl, d->o.speaks_session, horizon, d->o.stop_when_fails);
  overhead_add(d->cost, OH_CHECKS, dur_now_us() - t0);
  if (decision == CHECK_UNDECIDED) return;
  d->decided_us = horizon;
  d->stopped_on_fail = decision == CHECK_REQUIREMENT_FAILED;
  cJSON *f = cJSON_CreateObject();
  cJSON_AddNumberToObject(f, "horizon", (double)horizon / 1e6);
  if (d->stopped_on_fail) cJSON_AddStringToObject(f, "failed", d->o.stop_when_fails);
  cJSON_AddNumberToObject(f, "duration", (double)sc->duration_ms / 1e3);
  record_harness(d->rec, "scenario.decided", f);
  event_base_loopbreak(d->base);
}

int decide_start(decide_t *d, bool early_stop) {
  int64_t left_us = d->o.sc->duration_ms * 1000 - record_now(d->rec);
  if (left_us < 0) left_us = 0;
  struct timeval tv = {(time_t)(left_us / 1000000), (suseconds_t)(left_us % 1000000)};
  if (evtimer_add(d->end, &tv) < 0) return -1;
  if (!early_stop) return 0;
  struct timeval every = {0, DECIDE_EVERY_MS * 1000};
  d->ask = event_new(d->base, -1, EV_PERSIST, on_ask, d);
  return d->ask && event_add(d->ask, &every) == 0 ? 0 : -1;
}

void decide_stop(decide_t *d) {
  if (d->ask) event_del(d->ask);
}

int64_t decide_horizon(const decide_t *d) { return d ? d->decided_us : -1; }
bool decide_stopped_on_fail(const decide_t *d) { return d && d->stopped_on_fail; }
