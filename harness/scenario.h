/* scenario: the model of one scenario file, and its loader.
 *
 * A scenario names a world, a client kind and its timers, a timeline of
 * actions (faults switched on and off, app probes) and the checks that judge
 * the client. Loading validates everything up front, so a typo is a clear
 * file:line:col error before any lab is built. See docs/scenario-format.md. */
#ifndef BC_SCENARIO_H
#define BC_SCENARIO_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/jsonv.h"

#define SC_NAME 64
/* The world's domains when a scenario, or a kept world, names none. */
#define SC_DEFAULT_BC_DOMAIN "bc.example.com"
#define SC_DEFAULT_CLOUD_DOMAIN "zpa.example.net"
#define SC_MAX_STEPS 64
/* The built-in check every scenario has (an unknown server is a failure). */
#define SC_UNKNOWN_ADDRESS_CHECK "no-unknown-address"
#define SC_MAX_CHECKS 64
#define SC_MAX_TAGS 16
#define SC_MAX_TIMERS 16

typedef enum { SC_CHECK_EXPECT, SC_CHECK_FORBID, SC_CHECK_LIMIT } sc_check_kind_t;

typedef struct sc_step {
  char id[SC_NAME];
  int64_t at_ms;
  int64_t for_ms; /* 0: stays on until the scenario ends */
  char action[SC_NAME];
  char target[SC_NAME];
  cJSON *params; /* owned; validated against the catalogue, never NULL */
  /* Flapping: on for on_ms, off for off_ms, count times, each phase +- a
   * seeded jitter. count 0: no flapping. */
  int64_t flap_on_ms, flap_off_ms, flap_jitter_ms;
  int flap_count;
} sc_step_t;

typedef struct sc_check {
  char id[SC_NAME];
  char requirement[SC_NAME];
  char description[256];
  sc_check_kind_t kind;
  char event[SC_NAME];
  cJSON *match; /* owned; object of field -> expected value, ${vars} expanded */
  char after[SC_NAME]; /* "start", a step id, or a check id */
  char until[SC_NAME]; /* "" or an anchor as after: the window ends there */
  int64_t within_ms;   /* expect: the window after the anchor; forbid, limit: 0 = whole run */
  char within_expr[128]; /* "" or the window in the client's timers (window.h); within_ms is its value */
  int max;             /* limit: how many matching events are allowed; expect: at most this many (0: no bound) */
  int min;             /* expect: how many matching events are needed (0 means 1) */
  /* expect, limit: between consecutive matching events in the window at
   * least this long must pass (a backoff); 0: no such rule. */
  int64_t min_gap_ms;
  char min_gap_expr[128]; /* "" or the gap in the client's timers (window.h); min_gap_ms is its value */
  char class_name[16]; /* "network", "session" or "precondition"; "" means the level's */
  char level[16];      /* "network" or "session"; "" means derived from the event (check_level) */
} sc_check_t;

typedef struct sc_timer {
  char name[SC_NAME];
  int64_t value; /* milliseconds, or a count for "retries" */
} sc_timer_t;

typedef struct scenario {
  char path[512];
  char id[SC_NAME];
  char title[256];
  int n_tags;
  char tags[SC_MAX_TAGS][SC_NAME];
  /* The requirements the scenario is about (its "requirements"): if no check
   * judged one of them, the scenario is unsupported, never a pass. Default:
   * every requirement its checks name. */
  int n_about;
  char about[SC_MAX_TAGS][SC_NAME];
  char bc_domain[128];
  char cloud_domain[128];
  int64_t pse_exit_after_ms; /* 0: PSEs never send the exit signal */
  int64_t pse_exit_check_ms;
  bool new_user_enrollment; /* default true */
  char client_kind[16]; /* "enrolled" or "new" */
  char site[16];        /* where the client sits: a map_sites name (default "branch") */
  uint64_t seed;        /* for every random choice of the run (default 1) */
  /* What scenario_scale has multiplied its times by (1: none). The world's
   * and the harness's own timeouts follow it. */
  double time_scale;
  int n_timers;
  sc_timer_t timers[SC_MAX_TIMERS];
  int64_t duration_ms;
  bool run_to_end; /* watch the whole duration even once the verdict is decided */
  int n_steps;
  sc_step_t steps[SC_MAX_STEPS];
  int n_checks;
  sc_check_t checks[SC_MAX_CHECKS];
} scenario_t;

/* The event types checks may name, and their fields, are in events.h. */
extern const char *const sc_timer_names[];
extern const int sc_n_timer_names;

/* What the loader checks beyond the file itself, and where its diags go. */
typedef struct scenario_opts {
  /* The requirement IDs the spec defines (spec.h), or NULL: not checked. */
  const char *const *requirements;
  size_t n_requirements;
  const char *spec_name; /* the spec's file, for messages */
  /* NULL, or receives every error and warning of the file, in the order
   * found (a window past the end is a warning: the file still loads). */
  diag_list_t *diags;
} scenario_opts_t;

/* Parses scenario text. path is used for messages. Returns a new scenario
 * (caller frees with scenario_free) or NULL with d filled in (the first
 * error found). */
scenario_t *scenario_parse(const char *text, const char *path, diag_t *d);
/* As scenario_parse, with options (o may be NULL). The parse goes on after
 * an error, so o->diags gets every one. */
scenario_t *scenario_parse_opts(const char *text, const char *path, const scenario_opts_t *o, diag_t *d);
/* Reads and parses a file; NULL with d filled in on any error. */
scenario_t *scenario_load(const char *path, diag_t *d);
scenario_t *scenario_load_opts(const char *path, const scenario_opts_t *o, diag_t *d);
void scenario_free(scenario_t *sc);
/* Parses a "timers" object (shared by scenarios and client profiles) into
 * timers[*n_timers...]; the array must have room for sc_n_timer_names more. */
bool scenario_parse_timers(jsonv_t *v, const cJSON *t, const char *path, sc_timer_t *timers,
                           int *n_timers);
/* Evaluates every window written in the client's timers (window.h) with the
 * timers the client runs with: the scenario's own, else these (the
 * profile's). Call before scenario_scale. 0, or -1 with err. */
int scenario_bind_timers(scenario_t *sc, const sc_timer_t *timers, int n, char *err, size_t errlen);
/* The timers the client runs with: the scenario's, else the profile's (into out, room for SC_MAX_TIMERS). */
int scenario_effective_timers(const scenario_t *sc, const sc_timer_t *profile, int n, sc_timer_t *out);
/* A timer's value, or fallback when the scenario does not set it. */
int64_t scenario_timer(const scenario_t *sc, const char *name, int64_t fallback);
/* When a step anchor ("start", a step id, "<step>.off") is planned to
 * happen, in ms; a flapping step's ".off" is its earliest. -1 for a check's
 * id or an unknown anchor: a check is met only at run time. */
int64_t scenario_step_planned_ms(const scenario_t *sc, const char *anchor);
/* Splits an anchor: copies the step id into step and returns true for
 * "<step>.off" (when that step's fault went off), false otherwise. */
bool scenario_anchor_off(const char *anchor, char *step, size_t step_len);
/* --time-scale: multiplies every time of the scenario (steps, flapping,
 * check windows, the duration, the world's timers, every fault parameter the
 * fault table types as a duration, and the client timers) by factor; counts
 * ("retries", a TTL, a percent) stay. Slower labs (sanitizers, valgrind, a
 * loaded CI box) use a factor above 1. */
void scenario_scale(scenario_t *sc, double factor);
/* Scales timer values by factor, except counts. */
void scenario_scale_timers(sc_timer_t *timers, int n, double factor);
/* Whether id can be a scenario id: it names the scenario's output folder,
 * so only a-z, 0-9, '-', '_' and '.', and never a leading '.' ("..").
 * Shared by the loader and by `report merge`, which reads ids from files. */
bool scenario_id_valid(const char *id);
/* The level a client must speak for the check to judge it: the check's own
 * "level", else its event's (events.h): "session" for what only bcsim's own
 * protocol reveals (svc.http.request, app.request, probe.*), "network" for
 * what any black-box client shows on the wire and at the TLS and DNS servers. */
const char *scenario_check_level(const sc_check_t *ck);
/* Reads a scenario file whole (files_read: at most FILES_INPUT_MAX bytes)
 * into a malloc'd NUL-terminated string, or NULL with errno set. */
char *scenario_read_file(const char *path);
#endif
