#include "harness/steps.h"

#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "sim/world/map.h"

#define MAX_TIMERS 1024

typedef struct step_timer {
  steps_t *owner;
  const sc_step_t *step;
  bool on;
  int64_t at_ms; /* as scheduled: the same seed gives the same schedule */
  struct event *ev;
} step_timer_t;

struct steps {
  struct event_base *base;
  record_t *rec;
  const scenario_t *sc;
  faults_t *faults;
  client_proc_t *client;
  step_timer_t timers[MAX_TIMERS];
  int n_timers;
};

steps_t *steps_new(struct event_base *base, record_t *rec, const scenario_t *sc, faults_t *faults,
                   client_proc_t *client) {
  steps_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->base = base;
  s->rec = rec;
  s->sc = sc;
  s->faults = faults;
  s->client = client;
  return s;
}

void steps_free(steps_t *s) {
  if (!s) return;
  for (int i = 0; i < s->n_timers; i++) event_free(s->timers[i].ev);
  free(s);
}

static bool is_probe(const sc_step_t *st) {
  const map_fault_t *row = map_fault(st->action);
  return row && map_fault_is_probe(row);
}

/* The harness could not apply a step: nothing can be judged, so the play ends. */
static void fail(steps_t *s, const char *err) {
  record_harness_error(s->rec, err);
  event_base_loopbreak(s->base);
}

static void apply_step(evutil_socket_t fd, short what, void *arg) {
  step_timer_t *t = arg;
  steps_t *s = t->owner;
  const sc_step_t *st = t->step;
  char err[512] = "";
  const map_fault_t *row = map_fault(st->action);
  if (row && row->handler == FAULT_PROBE_DNS) {
    if (faults_probe_dns(s->faults, st->id, st->target, st->params, err, sizeof err) < 0) fail(s, err);
    return;
  }
  if (is_probe(st)) {
    if (client_proc_probe(s->client, st, err, sizeof err) < 0) fail(s, err);
    return;
  }
  if (faults_switch(s->faults, st->id, st->action, st->target, st->params, t->on, t->at_ms, err, sizeof err) < 0)
    fail(s, err);
}

static void schedule(steps_t *s, const sc_step_t *st, bool on, int64_t at_ms) {
  if (s->n_timers >= MAX_TIMERS || at_ms > s->sc->duration_ms) return;
  step_timer_t *t = &s->timers[s->n_timers];
  *t = (step_timer_t){.owner = s, .step = st, .on = on, .at_ms = at_ms};
  t->ev = evtimer_new(s->base, apply_step, t);
  if (!t->ev) return;
  s->n_timers++;
  /* A step due now goes before whatever else the loop has ready (a keepalive that came in the same
   * millisecond): the world at time t has every step of time t applied. */
  event_priority_set(t->ev, STEPS_PRIORITY);
  int64_t delay_us = at_ms * 1000 - record_now(s->rec);
  if (delay_us < 0) delay_us = 0;
  struct timeval tv = {(time_t)(delay_us / 1000000), (suseconds_t)(delay_us % 1000000)};
  evtimer_add(t->ev, &tv);
}

int steps_apply_initial(steps_t *s) {
  const scenario_t *sc = s->sc;
  char err[512];
  for (int i = 0; i < sc->n_steps; i++) {
    const sc_step_t *st = &sc->steps[i];
    if (st->at_ms != 0 || st->flap_count || is_probe(st)) continue;
    if (strncmp(st->action, "config.", 7) == 0 && faults_config(s->faults, st->action, err, sizeof err) < 0) {
      record_fail(s->rec, "%s", err);
      return -1;
    }
    step_timer_t now = {.owner = s, .step = st, .on = true, .at_ms = 0};
    apply_step(-1, 0, &now);
    if (record_error(s->rec)) return -1;
    if (st->for_ms > 0) schedule(s, st, false, st->for_ms);
  }
  return 0;
}

/* flap_count on and off pairs, each phase moved by a jitter from the step's own stream of the seed. */
static void schedule_flaps(steps_t *s, const sc_step_t *st, int index) {
  uint64_t rng = s->sc->seed * 0x100000001b3ULL + (uint64_t)index;
  int64_t t = st->at_ms, jitter = st->flap_jitter_ms;
  for (int k = 0; k < st->flap_count; k++) {
    int64_t j1 = jitter ? (int64_t)rng_below(&rng, (uint64_t)(2 * jitter + 1)) - jitter : 0;
    int64_t j2 = jitter ? (int64_t)rng_below(&rng, (uint64_t)(2 * jitter + 1)) - jitter : 0;
    schedule(s, st, true, t);
    t += st->flap_on_ms + j1;
    schedule(s, st, false, t);
    t += st->flap_off_ms + j2;
  }
}

void steps_schedule(steps_t *s) {
  const scenario_t *sc = s->sc;
  for (int i = 0; i < sc->n_steps; i++) {
    const sc_step_t *st = &sc->steps[i];
    if (st->flap_count) {
      schedule_flaps(s, st, i);
      continue;
    }
    if (st->at_ms == 0 && !is_probe(st)) continue; /* applied by steps_apply_initial */
    schedule(s, st, true, st->at_ms);
    if (st->for_ms > 0) schedule(s, st, false, st->at_ms + st->for_ms);
  }
}
