/* The lab process's main, shaped as unbound's testbound: set up (the
 * inputs, the stage, the run's parts), play (the steps on the loop until
 * the scenario ends), judge (the checks over the record, and the files).
 * Each part has its own home:
 *   runner_opts  the lab process's arguments
 *   pid1         what PID 1 of the sandbox sets up for itself
 *   record       the clock, the timeline, services.log, the harness's failure
 *   stage        the lab, the world, the capture and the wire decoder
 *   client_proc  the client and its probes
 *   faults       faults switched by steps and by people (control socket)
 *   steps        the scenario's timeline on the loop
 *   decide       when the play ends
 *   run_files    scenario.json, events.jsonl, result.json */
#include "harness/runner.h"

#include "base/exit.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dur.h"
#include "harness/check.h"
#include "harness/client_proc.h"
#include "harness/control.h"
#include "harness/decide.h"
#include "harness/faults.h"
#include "harness/overhead.h"
#include "harness/pid1.h"
#include "harness/profile.h"
#include "harness/record.h"
#include "harness/run_files.h"
#include "harness/runner_opts.h"
#include "harness/scenario.h"
#include "harness/stage.h"
#include "harness/steps.h"

/* One run of one scenario (or one served world), and everything it owns. */
typedef struct run {
  runner_opts_t opts;
  scenario_t *sc;
  profile_t *prof;      /* NULL for a served world: no client */
  double time_scale;    /* as applied to the scenario (1: none) */
  sc_timer_t timers[SC_MAX_TIMERS]; /* what the client runs with, before scaling */
  int n_timers;
  pid_t host_pid;       /* this lab's pid on the host, for bcsim exec */
  int ready_fd;         /* SANDBOX_READY_FD until the set-up is done; -1 after, or when not asked */
  overhead_t cost;
  struct event_base *base;
  record_t *rec;
  stage_t *stage;
  faults_t *faults;
  client_proc_t *client;
  steps_t *steps;
  decide_t *decide;
  control_t *control;   /* a served or kept world's door */
  struct event *sigchld, *stop; /* stop: SIGINT and SIGTERM from outside */
  bool interrupted;
} run_t;

/* ---- set up ---- */

/* The world bcsim serve keeps up: no timeline, no checks, no end. */
static scenario_t *serve_scenario(const char *client_kind) {
  scenario_t *sc = calloc(1, sizeof *sc);
  if (!sc) return NULL;
  snprintf(sc->id, sizeof sc->id, "serve");
  snprintf(sc->title, sizeof sc->title, "a world served by bcsim serve");
  snprintf(sc->bc_domain, sizeof sc->bc_domain, SC_DEFAULT_BC_DOMAIN);
  snprintf(sc->cloud_domain, sizeof sc->cloud_domain, SC_DEFAULT_CLOUD_DOMAIN);
  snprintf(sc->client_kind, sizeof sc->client_kind, "%s", client_kind && strcmp(client_kind, "new") == 0 ? "new" : "enrolled");
  sc->new_user_enrollment = true;
  sc->seed = 1;
  sc->time_scale = 1;
  return sc;
}

/* The scenario and the client profile as this run plays them: the seed,
 * the client's timers, its levels and the time scale applied. 0, or -1
 * (said on stderr). */
static int load_inputs(run_t *r) {
  const runner_opts_t *o = &r->opts;
  diag_t d;
  char err[512];
  r->time_scale = 1;
  if (o->serve) {
    r->sc = serve_scenario(o->client_kind);
    if (r->sc && o->has_seed) r->sc->seed = o->seed;
    return r->sc ? 0 : -1;
  }
  r->sc = scenario_load(o->scenario, &d);
  r->prof = r->sc ? profile_load(o->profile, &d) : NULL;
  if (!r->sc || !r->prof) {
    diag_print(&d, stderr);
    return -1;
  }
  run_files_keep_scenario(o->scenario, o->out);
  if (o->has_seed) r->sc->seed = o->seed;
  /* Windows in the client's own timers take the values it runs with, before any scaling. */
  if (scenario_bind_timers(r->sc, r->prof->timers, r->prof->n_timers, err, sizeof err) < 0) {
    fprintf(stderr, "bcsim: %s\n", err);
    return -1;
  }
  r->n_timers = scenario_effective_timers(r->sc, r->prof->timers, r->prof->n_timers, r->timers);
  /* --levels can only narrow what the profile speaks: judged as a black box. */
  if (o->network_only) r->prof->speaks_session = false;
  if (o->has_time_scale) {
    r->time_scale = o->time_scale;
    scenario_scale(r->sc, r->time_scale);
    scenario_scale_timers(r->prof->timers, r->prof->n_timers, r->time_scale);
  }
  return 0;
}

static void on_sigchld(evutil_socket_t fd, short what, void *arg) {
  run_t *r = arg;
  client_proc_reap(r->client);
}

static void on_interrupt(evutil_socket_t fd, short what, void *arg) {
  run_t *r = arg;
  pid1_drain_stop(fd);
  r->interrupted = true;
  event_base_loopbreak(r->base);
}

/* What plays on the stage: the faults, the client, the steps, the end, and
 * the loop's own signals. 0, or -1 with the failure in the record. */
static int assemble(run_t *r) {
  client_proc_opts_t co = {r->sc, r->prof, r->opts.bindir, r->opts.out};
  decide_opts_t dop = {r->sc, stage_capture(r->stage), r->prof && r->prof->speaks_session, r->opts.stop_when_fails};
  r->faults = faults_new(r->base, r->rec, r->stage, r->sc);
  r->client = client_proc_new(r->base, r->rec, r->stage, &co);
  r->steps = r->faults && r->client ? steps_new(r->base, r->rec, r->sc, r->faults, r->client) : NULL;
  if (!r->steps) {
    record_fail(r->rec, "cannot set up the run in %s: out of memory", r->opts.out);
    return -1;
  }
  int stop_fd = pid1_catch_stop_signals();
  r->sigchld = evsignal_new(r->base, SIGCHLD, on_sigchld, r);
  r->stop = stop_fd >= 0 ? event_new(r->base, stop_fd, EV_READ | EV_PERSIST, on_interrupt, r) : NULL;
  r->decide = decide_new(r->base, r->rec, &r->cost, &dop);
  if (!r->sigchld || !r->stop || !r->decide || event_add(r->sigchld, NULL) < 0 || event_add(r->stop, NULL) < 0) {
    record_fail(r->rec, "setting up the event loop failed");
    return -1;
  }
  return 0;
}

/* The record, the loop and the stage, then t = 0. 0, or -1 with the failure
 * in the record (or on stderr, when there is no record). */
static int set_up(run_t *r) {
  char err[512];
  pid1_take_over(r->opts.serve ? 0 : (unsigned)(r->sc->duration_ms / 1000) + 15);
  r->rec = record_new();
  r->base = event_base_new();
  if (r->base) event_base_priority_init(r->base, 2); /* steps first (STEPS_PRIORITY), everything else 1 */
  if (!r->rec) {
    fprintf(stderr, "bcsim: cannot set up the run in %s: %s\n", r->opts.out, strerror(errno));
    return -1;
  }
  if (!r->base || record_open_services_log(r->rec, r->opts.out) < 0) {
    record_fail(r->rec, "cannot set up the run in %s: %s", r->opts.out, strerror(errno));
    return -1;
  }
  stage_opts_t so = {r->opts.out, r->opts.tenant};
  r->stage = stage_new(r->base, r->rec, &r->cost, r->sc, &so, err, sizeof err);
  if (!r->stage) {
    record_fail(r->rec, "%s", err);
    return -1;
  }
  /* t = 0 is when the client is about to start, not when the lab began to
   * be built: a lab that took long to build under load must not shorten the
   * time the client gets before the first fault. */
  record_start_clock(r->rec);
  pid1_report_ready(&r->ready_fd); /* bcsim run starts the next lab now */
  cJSON *f = cJSON_CreateObject();
  cJSON_AddNumberToObject(f, "pcap_t0_us", (double)record_pcap_t0(r->rec));
  record_harness(r->rec, "capture.start", f);
  return assemble(r);
}

/* ---- play ---- */

/* Opens the lab to bcsim fault and exec, and waits for a person to be done with it. */
static void serve(run_t *r, const char *what) {
  char err[512];
  r->control = faults_open_control(r->faults, r->base, r->opts.out, r->host_pid, err, sizeof err);
  if (!r->control) {
    record_fail(r->rec, "%s", err);
    return;
  }
  fprintf(stderr, "bcsim: %s\n", what);
  event_base_dispatch(r->base);
}

/* The steps at 0 s, the client, every other step, until the scenario ends. */
static void play(run_t *r) {
  char err[512];
  record_harness(r->rec, "scenario.start", NULL);
  if (r->opts.serve) {
    serve(r, "world up"); /* until bcsim serve says stop (SIGTERM or SIGINT) */
    return;
  }
  /* The world the client wakes up in: before it starts, or its first packets would race it. */
  if (steps_apply_initial(r->steps) < 0) return;
  int64_t t0 = dur_now_us();
  if (client_proc_start(r->client, err, sizeof err) < 0) {
    record_fail(r->rec, "%s", err);
    return;
  }
  overhead_add(&r->cost, OH_CLIENT, dur_now_us() - t0);
  steps_schedule(r->steps);
  bool early_stop = !r->opts.no_early_stop && !r->sc->run_to_end;
  if (decide_start(r->decide, early_stop) < 0) {
    record_fail(r->rec, "setting up the scenario's end failed");
    return;
  }
  event_base_dispatch(r->base);
  decide_stop(r->decide);
  record_harness(r->rec, "scenario.end", NULL);
}

/* The client stops, the capture is drained: the record is complete. */
static void end_play(run_t *r) {
  int64_t t0 = dur_now_us();
  if (r->client) client_proc_stop(r->client);
  if (r->stage) stage_end_capture(r->stage);
  overhead_add(&r->cost, OH_STOP, dur_now_us() - t0);
}

/* ---- judge ---- */

/* The checks over the record, and the run's files. Returns the verdict. */
static verdict_t judge(run_t *r) {
  const scenario_t *sc = r->sc;
  check_result_t results[SC_MAX_CHECKS] = {0};
  tl_t *tl = record_timeline(r->rec);
  if (r->interrupted) record_fail(r->rec, "interrupted before the scenario finished");
  int64_t t0 = dur_now_us();
  tl_sort(tl);
  int64_t horizon = decide_horizon(r->decide);
  bool stopped = decide_stopped_on_fail(r->decide);
  bool session = r->prof->speaks_session;
  verdict_t verdict = stopped ? check_eval_stopped(sc, tl, session, horizon, r->opts.stop_when_fails, results)
                              : check_eval_all(sc, tl, session, results);
  overhead_add(&r->cost, OH_CHECKS, dur_now_us() - t0);
  const char *error = record_error(r->rec);
  if (error) {
    /* Never blame the client for the harness: nothing was judged. */
    verdict = VERDICT_ERROR;
    for (int i = 0; i < sc->n_checks; i++) {
      results[i].verdict = VERDICT_ERROR;
      snprintf(results[i].message, sizeof results[i].message, "not judged: %s", error);
    }
  }
  run_files_result_t res = {.sc = sc,
                            .prof = r->prof,
                            .verdict = verdict,
                            .results = results,
                            .duration_s = (double)record_now(r->rec) / 1e6,
                            .decided_us = horizon,
                            .stopped_when_failed = stopped ? r->opts.stop_when_fails : NULL,
                            .time_scale = r->time_scale,
                            .timers = r->timers,
                            .n_timers = r->n_timers,
                            .client_log_written = client_proc_log_written(r->client),
                            .client_log_cut = client_proc_log_cut(r->client)};
  if (run_files_write(r->opts.out, r->rec, &r->cost, &res) < 0) verdict = VERDICT_ERROR;
  check_results_free(results, sc->n_checks);
  return verdict;
}

/* A served world has no verdict: its events, and 0 unless the harness failed. */
static int judge_served(run_t *r) {
  if (!r->rec) return EXIT_ENV;
  run_files_write_events(r->opts.out, r->rec);
  return record_error(r->rec) ? EXIT_ENV : EXIT_PASS;
}

static void free_run(run_t *r) {
  control_free(r->control);
  steps_free(r->steps);
  if (r->sigchld) event_free(r->sigchld);
  if (r->stop) event_free(r->stop);
  decide_free(r->decide);
  client_proc_free(r->client);
  faults_free(r->faults);
  stage_free(r->stage);
  if (r->base) event_base_free(r->base);
  record_free(r->rec);
  scenario_free(r->sc);
  profile_free(r->prof);
}

int runner_main(int argc, char **argv) {
  run_t run = {0}, *r = &run;
  verdict_t verdict = VERDICT_ERROR;
  int code = EXIT_ENV;
  if (runner_opts_parse(argc - 1, argv + 1, &r->opts) < 0) {
    fprintf(stderr, "bcsim __lab: internal usage error\n");
    return EXIT_ENV;
  }
  r->ready_fd = pid1_claim_ready_fd(r->opts.ready);
  /* CLOCK_MONOTONIC is the host's: bcsim run's stamp and ours are on one axis. */
  if (r->opts.has_spawned_at) overhead_add(&r->cost, OH_SPAWN, dur_now_us() - r->opts.spawned_at_us);
  r->host_pid = control_host_pid(); /* before /proc is the lab's own */
  if (load_inputs(r) < 0) goto out;

  if (set_up(r) == 0) play(r);
  end_play(r);

  if (r->opts.serve) {
    code = judge_served(r);
  } else {
    if (r->rec) verdict = judge(r);
    /* The lab's exit code is its scenario's verdict; bcsim run reads result.json, this is for people. */
    code = r->interrupted ? EXIT_INTERRUPTED : verdict == VERDICT_PASS ? EXIT_PASS : verdict == VERDICT_FAIL ? EXIT_FAIL : EXIT_ENV;
  }
  if (r->rec && record_error(r->rec)) fprintf(stderr, "bcsim: %s\n", record_error(r->rec));
  if (r->opts.keep && verdict == VERDICT_FAIL && !r->interrupted && r->stage) {
    /* --keep: the failed world stays up, for bcsim shell, until bcsim run lets it go. */
    pid1_watchdog_off();
    serve(r, "kept for debugging");
  }
out:
  free_run(r);
  return code;
}
