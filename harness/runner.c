#include "harness/runner.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/catalogue.h"
#include "sim/lab/clientlog.h"
#include "harness/check.h"
#include "harness/control.h"
#include "harness/overhead.h"
#include "harness/profile.h"
#include "harness/scenario.h"
#include "sim/lab/spawn.h"
#include "harness/timeline.h"
#include "harness/report_json.h"
#include "base/dur.h"
#include "base/strv.h"
#include "base/rng.h"
#include "sim/capture/capture.h"
#include "sim/inject/inject.h"
#include "sim/decode/wire.h"
#include "sim/lab/lab.h"
#include "sim/lab/sandbox.h"
#include "sim/pki/pki.h"
#include "sim/world/world.h"

#define CLIENT_STOP_GRACE_MS 500
/* Descriptors for the whole lab, the client's among them: the world needs a
 * few dozen; a client that opens thousands of connections is cut off here,
 * and the services' memory with it (docs/architecture.md). */
#define LAB_MAX_FDS 16384
/* services.log is for people; events.jsonl (capped by its event count) is
 * the evidence. A flood would otherwise write it at megabytes a second. */
#define SERVICES_LOG_CAP (16u << 20)
#define PROBE_TIMEOUT_MS 3000
#define MAX_PROBES 16
/* How often a running scenario asks whether its verdict is decided, and how
 * far behind now it looks: every event up to the horizon has been read (the
 * capture is drained first; services report on this loop as things happen). */
#define DECIDE_EVERY_MS 200
#define DECIDE_LAG_MS 100

typedef struct run run_t;

typedef struct probe {
  run_t *run;
  const sc_step_t *step;
  pid_t pid;
  int out_fd;
  struct event *read_ev, *timeout_ev;
  char output[1024];
  size_t out_len;
  bool timed_out, done;
} probe_t;

typedef struct step_timer {
  run_t *run;
  const sc_step_t *step;
  bool on;
  int64_t at_ms; /* as scheduled: the same seed gives the same schedule */
  struct event *ev;
} step_timer_t;

#define MAX_FLOWS 128 /* live connections to one address that net.inject-rst resets */
#define MAX_TIMERS 1024
#define STEP_PRIORITY 0

struct run {
  const scenario_t *sc;
  const profile_t *prof;
  const char *out_dir, *bindir;
  const char *tenant_dir; /* a kept tenant (bcsim serve); NULL: fresh keys */
  struct event_base *base;
  lab_t *lab;
  world_t *world;
  tl_t *tl;
  capture_t *cap;
  wire_t *wire;
  clientlog_t *client_log; /* the client's output, capped */
  FILE *svc_log;
  uint64_t svc_log_written, svc_log_cut; /* bytes of services.log lines: kept, and over its cap */
  int64_t t0_us;        /* scenario start, monotonic */
  int64_t pcap_t0_us; /* t = 0 in pcap's wall-clock stamps: a packet's time is its stamp minus this */
  pid_t client_pid;
  bool client_exited;
  int client_status;
  step_timer_t steps[MAX_TIMERS];
  int n_steps;
  probe_t probes[MAX_PROBES];
  int n_probes;
  char error[512]; /* set when the harness itself failed */
  bool interrupted;
  int n_manual;     /* faults switched through the control socket */
  pid_t host_pid;   /* this lab's pid on the host, for bcsim exec */
  const char *current_app; /* for ${app} while expanding a probe */
  double time_scale;       /* --time-scale, as applied to the scenario (1: none) */
  sc_timer_t timers[SC_MAX_TIMERS]; /* what the client runs with, before scaling */
  int n_timers;
  bool early_stop;       /* end when the verdict is decided (not --no-early-stop, not "run_to_end") */
  int64_t decided_us;    /* the horizon the verdict was decided at, or -1 */
  struct event *decide;  /* the timer that asks */
  const char *stop_when_fails; /* bcsim selftest: stop once a check of this requirement failed for good */
  bool stopped_on_fail;
  int ready_fd;          /* SANDBOX_READY_FD until the set-up is done; -1 after, or when not asked */
  overhead_t cost;
};

static int64_t now_rel(const run_t *r) { return dur_now_us() - r->t0_us; }

static void emit(run_t *r, int64_t t_us, const char *src, const char *type, cJSON *fields) {
  if (r->svc_log && strncmp(type, "svc.", 4) == 0) {
    char *text = cJSON_PrintUnformatted(fields);
    char head[128];
    int n = snprintf(head, sizeof head, "%10.6f %-8s %s ", (double)t_us / 1e6, src, type);
    uint64_t len = (uint64_t)n + (text ? strlen(text) : 0) + 1;
    if (r->svc_log_written + len <= SERVICES_LOG_CAP) {
      fprintf(r->svc_log, "%s%s\n", head, text ? text : "");
      r->svc_log_written += len;
    } else {
      r->svc_log_cut += len;
    }
    cJSON_free(text);
  }
  tl_add(r->tl, t_us, src, type, fields);
}

static void harness_error(run_t *r, const char *fmt, const char *detail) {
  if (!r->error[0]) snprintf(r->error, sizeof r->error, fmt, detail);
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "message", r->error);
  emit(r, now_rel(r), "harness", "harness.error", f);
  event_base_loopbreak(r->base);
}

/* ---- the wire: packets on the client's interface become events ---- */

static void on_wire_event(void *arg, int64_t t_us, const char *type, cJSON *fields) {
  emit(arg, t_us, "wire", type, fields);
}

/* net.inject-rst: a forged RST, from the router, for every live connection to the target. */
static int inject_rst(run_t *r, const char *target, char *err, size_t errlen) {
  const char *names[32];
  int n = world_target_parties(r->world, target, names, 32), sent = 0;
  for (int k = 0; k < n; k++) {
    const char *addrs[2];
    if (world_party_addrs(r->world, names[k], &addrs[0], &addrs[1]) < 0) continue;
    for (int a = 0; a < 2; a++) {
      wire_conn_t conns[MAX_FLOWS];
      int live = wire_live_conns(r->wire, addrs[a], conns, MAX_FLOWS);
      for (int i = 0; i < live; i++) {
        wire_conn_t *c = &conns[i];
        if (inject_tcp_rst(r->lab, LAB_ROUTER, c->server, c->sport, c->client, c->cport, c->server_next_seq, err,
                           errlen) < 0)
          return -1;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "src", c->server);
        cJSON_AddStringToObject(e, "dst", c->client);
        cJSON_AddNumberToObject(e, "sport", c->sport);
        cJSON_AddNumberToObject(e, "dport", c->cport);
        cJSON_AddStringToObject(e, "target", names[k]);
        emit(r, now_rel(r), "harness", "inject.rst", e);
        wire_conn_closed(r->wire, c);
        sent++;
      }
    }
  }
  if (sent == 0) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "target", target);
    cJSON_AddStringToObject(e, "message", "no live connection of the client to the target: nothing to reset");
    emit(r, now_rel(r), "harness", "inject.none", e);
  }
  return 0;
}

static void on_frame(void *arg, const struct pcap_pkthdr *h, const uint8_t *frame, int linktype) {
  run_t *r = arg;
  int64_t stamp, t0 = dur_now_us();
  if (wire_stamp_us(h->ts.tv_sec, h->ts.tv_usec, &stamp)) wire_frame(r->wire, stamp - r->pcap_t0_us, frame, h->caplen, linktype);
  overhead_add(&r->cost, OH_DECODE, dur_now_us() - t0);
}

static void on_world_log(void *arg, const char *src, const char *type, cJSON *fields) {
  run_t *r = arg;
  emit(r, now_rel(r), src, type, fields);
}

/* ---- placeholders of the client profile ---- */

static const char *placeholder(void *ctx, const char *name) {
  run_t *r = ctx;
  static char buf[32];
  if (strcmp(name, "bindir") == 0) return r->bindir;
  if (strcmp(name, "profile_dir") == 0) return r->prof->dir;
  if (strcmp(name, "config") == 0) return world_config_path(r->world);
  if (strcmp(name, "state_dir") == 0) return world_state_dir(r->world);
  if (strcmp(name, "bc_domain") == 0) return r->sc->bc_domain;
  if (strcmp(name, "app") == 0) return r->current_app;
  if (strcmp(name, "thumbprint") == 0) return world_thumbprint(r->world);
  if (strcmp(name, "trust_store") == 0) return world_trust_store(r->world);
  if (strncmp(name, "timer.", 6) == 0) {
    int64_t v = -1;
    for (int i = 0; i < r->prof->n_timers; i++)
      if (strcmp(r->prof->timers[i].name, name + 6) == 0) v = r->prof->timers[i].value;
    v = scenario_timer(r->sc, name + 6, v);
    if (v < 0) return NULL;
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return buf;
  }
  return NULL;
}

/* Expands an argv template; NULL (with r->error) on an unknown placeholder. */
static char **expand_argv(run_t *r, char *const *tmpl, int n) {
  char **argv = calloc((size_t)n + 1, sizeof *argv);
  char bad[128];
  for (int i = 0; argv && i < n; i++) {
    argv[i] = strv_expand(tmpl[i], placeholder, r, bad, sizeof bad);
    if (!argv[i]) {
      snprintf(r->error, sizeof r->error,
               "client profile %s: ${%s} has no value in this scenario (set it in the profile's \"timers\")",
               r->prof->path, bad);
      for (int k = 0; k < i; k++) free(argv[k]);
      free(argv);
      return NULL;
    }
  }
  return argv;
}

static void free_argv(char **argv) {
  for (int i = 0; argv && argv[i]; i++) free(argv[i]);
  free(argv);
}

/* ---- the client and its probes ---- */

static int start_client(run_t *r) {
  char path[700], err[512];
  snprintf(path, sizeof path, "%s/client.log", r->out_dir);
  int log_fd = -1;
  r->client_log = clientlog_new(r->base, path, &log_fd);
  char **argv = expand_argv(r, r->prof->argv, r->prof->argc);
  int rc = -1;
  if (!argv || !r->client_log) {
    if (!r->error[0]) snprintf(r->error, sizeof r->error, "cannot open %s: %s", path, strerror(errno));
    goto out;
  }
  spawn_opts_t o = {r->lab, LAB_CLIENT, argv, world_state_dir(r->world), world_resolv_path(r->world), log_fd, log_fd};
  r->client_pid = spawn_in_host(&o, err, sizeof err);
  if (r->client_pid < 0) {
    snprintf(r->error, sizeof r->error, "cannot start the client (profile %s): %s", r->prof->path, err);
    goto out;
  }
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "profile", r->prof->name);
  cJSON_AddNumberToObject(f, "pid", r->client_pid);
  emit(r, now_rel(r), "harness", "client.start", f);
  rc = 0;
out:
  if (log_fd >= 0) close(log_fd);
  free_argv(argv);
  return rc;
}

static void probe_finish(probe_t *p, int status) {
  if (p->done) return;
  p->done = true;
  if (p->read_ev) {
    /* Collect what is still in the pipe. */
    ssize_t n;
    while (p->out_len < sizeof p->output - 1 &&
           (n = read(p->out_fd, p->output + p->out_len, sizeof p->output - 1 - p->out_len)) > 0)
      p->out_len += (size_t)n;
    event_free(p->read_ev);
    p->read_ev = NULL;
  }
  if (p->timeout_ev) event_free(p->timeout_ev);
  p->timeout_ev = NULL;
  close(p->out_fd);
  p->output[p->out_len] = 0;
  size_t len = strlen(p->output);
  while (len && (p->output[len - 1] == '\n' || p->output[len - 1] == '\r')) p->output[--len] = 0;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "step", p->step->id);
  cJSON_AddStringToObject(f, "app", p->step->target);
  cJSON_AddBoolToObject(f, "ok", !p->timed_out && code == 0);
  cJSON_AddNumberToObject(f, "exit", code);
  cJSON_AddBoolToObject(f, "timed_out", p->timed_out);
  cJSON_AddStringToObject(f, "output", p->output);
  emit(p->run, now_rel(p->run), "harness", "probe.result", f);
}

static void probe_read(evutil_socket_t fd, short what, void *arg) {
  probe_t *p = arg;
  if (p->out_len >= sizeof p->output - 1) {
    char sink[256];
    if (read(fd, sink, sizeof sink) <= 0) event_del(p->read_ev);
    return;
  }
  ssize_t n = read(fd, p->output + p->out_len, sizeof p->output - 1 - p->out_len);
  if (n > 0) p->out_len += (size_t)n;
  else event_del(p->read_ev);
}

static void probe_timeout(evutil_socket_t fd, short what, void *arg) {
  probe_t *p = arg;
  p->timed_out = true;
  kill(-p->pid, SIGKILL);
}

static void start_probe(run_t *r, const sc_step_t *step) {
  char err[512];
  int pipefd[2] = {-1, -1};
  char **argv = NULL;
  if (r->prof->probe_argc == 0) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "step", step->id);
    cJSON_AddStringToObject(f, "app", step->target);
    cJSON_AddBoolToObject(f, "ok", 0);
    cJSON_AddStringToObject(f, "output", "the client profile has no probe command");
    emit(r, now_rel(r), "harness", "probe.result", f);
    return;
  }
  if (r->n_probes >= MAX_PROBES) {
    harness_error(r, "%s", "too many probes in one scenario");
    return;
  }
  r->current_app = step->target;
  argv = expand_argv(r, r->prof->probe_argv, r->prof->probe_argc);
  if (!argv || pipe2(pipefd, O_CLOEXEC) < 0) goto fail;
  spawn_opts_t o = {r->lab, LAB_CLIENT, argv, world_state_dir(r->world), world_resolv_path(r->world), pipefd[1],
                    pipefd[1]};
  pid_t pid = spawn_in_host(&o, err, sizeof err);
  close(pipefd[1]);
  if (pid < 0) {
    close(pipefd[0]);
    snprintf(r->error, sizeof r->error, "cannot run the probe of profile %s: %s", r->prof->path, err);
    goto fail;
  }
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "step", step->id);
  cJSON_AddStringToObject(f, "app", step->target);
  emit(r, now_rel(r), "harness", "probe.start", f);
  probe_t *p = &r->probes[r->n_probes++];
  p->run = r;
  p->step = step;
  p->pid = pid;
  p->out_fd = pipefd[0];
  evutil_make_socket_nonblocking(p->out_fd);
  p->read_ev = event_new(r->base, p->out_fd, EV_READ | EV_PERSIST, probe_read, p);
  p->timeout_ev = evtimer_new(r->base, probe_timeout, p);
  struct timeval tv = {PROBE_TIMEOUT_MS / 1000, (PROBE_TIMEOUT_MS % 1000) * 1000};
  event_add(p->read_ev, NULL);
  event_add(p->timeout_ev, &tv);
  free_argv(argv);
  return;
fail:
  free_argv(argv);
  harness_error(r, "%s", r->error[0] ? r->error : "starting a probe failed");
}

static void reap(run_t *r) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == r->client_pid) {
      r->client_exited = true;
      r->client_status = status;
      cJSON *f = cJSON_CreateObject();
      if (WIFEXITED(status)) cJSON_AddNumberToObject(f, "exit", WEXITSTATUS(status));
      else cJSON_AddStringToObject(f, "signal", strsignal(WTERMSIG(status)));
      emit(r, now_rel(r), "harness", "client.exit", f);
      continue;
    }
    for (int i = 0; i < r->n_probes; i++)
      if (r->probes[i].pid == pid) probe_finish(&r->probes[i], status);
  }
}

static void on_sigchld(evutil_socket_t fd, short what, void *arg) { reap(arg); }

static void on_interrupt(evutil_socket_t fd, short what, void *arg) {
  run_t *r = arg;
  char drain[16];
  while (read(fd, drain, sizeof drain) > 0) {
  }
  r->interrupted = true;
  event_base_loopbreak(r->base);
}

static int stop_pipe[2] = {-1, -1};

/* SIGINT and SIGTERM stop the lab only when they come from outside it (bcsim
 * run or serve, through the intermediate): such a sender is not in the lab's
 * PID namespace, so PID 1 sees si_pid 0. The client runs as the same uid and
 * could signal PID 1 too; it must not be able to stop the lab that judges it. */
static void on_stop_signal(int sig, siginfo_t *si, void *ctx) {
  if (si->si_pid != 0) return;
  int saved = errno;
  (void)!write(stop_pipe[1], "x", 1);
  errno = saved;
}

static int catch_stop_signals(void) {
  if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return -1;
  struct sigaction sa = {.sa_sigaction = on_stop_signal, .sa_flags = SA_SIGINFO | SA_RESTART};
  sigemptyset(&sa.sa_mask);
  return sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ? -1 : 0;
}

/* ---- the timeline ---- */

/* Switches one fault: a scenario step's, or one a person asked for. 0 or -1 with err. */
static int apply_action(run_t *r, const char *step_id, const char *action, const char *target, const cJSON *params,
                        bool on, int64_t at_ms, char *err, size_t errlen) {
  /* The event first: an action's effects (an injected RST, say) must not
   * appear on the timeline before the action that caused them. */
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "step", step_id);
  cJSON_AddStringToObject(f, "name", action);
  cJSON_AddStringToObject(f, "target", target);
  cJSON_AddNumberToObject(f, "at_ms", (double)at_ms);
  if (params && params->child) cJSON_AddItemToObject(f, "params", cJSON_Duplicate(params, 1));
  emit(r, now_rel(r), "harness", on ? "fault.on" : "fault.off", f);
  if (strcmp(action, "net.inject-rst") == 0) return on ? inject_rst(r, target, err, errlen) : 0;
  if (strncmp(action, "config.", 7) == 0) return 0; /* applied before the client started */
  return world_fault(r->world, action, target, params, on, err, errlen);
}

static void apply_step(evutil_socket_t fd, short what, void *arg) {
  step_timer_t *st = arg;
  run_t *r = st->run;
  const sc_step_t *s = st->step;
  char err[512] = "";
  if (strcmp(s->action, "probe.app") == 0) {
    start_probe(r, s);
    return;
  }
  if (apply_action(r, s->id, s->action, s->target, s->params, st->on, st->at_ms, err, sizeof err) < 0)
    harness_error(r, "%s", err);
}

static const char *domain_var(void *arg, const char *name) {
  const run_t *r = arg;
  return strcmp(name, "bc_domain") == 0 ? r->sc->bc_domain : strcmp(name, "cloud_domain") == 0 ? r->sc->cloud_domain : NULL;
}

/* A fault from the control socket (bcsim fault): checked as a scenario step would be. */
static int manual_fault(void *arg, const char *name, const char *target, const cJSON *params, bool on, char *err,
                        size_t errlen) {
  run_t *r = arg;
  const cat_action_t *a = cat_find(name);
  if (!a || !cat_switchable(a)) {
    snprintf(err, errlen, "\"%s\" is not a fault that can be switched in a running world", name);
    return -1;
  }
  if (!cat_target_allowed(a, target)) {
    snprintf(err, errlen, "%s takes the targets %s, not \"%s\"", name, a->targets, target);
    return -1;
  }
  cJSON *p = params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject();
  for (cJSON *it = p->child; it; it = it->next) {
    if (!cat_param(a, it->string)) {
      snprintf(err, errlen, "%s has no parameter \"%s\"", name, it->string);
      cJSON_Delete(p);
      return -1;
    }
    char *x = cJSON_IsString(it) ? strv_expand(it->valuestring, domain_var, r, NULL, 0) : NULL;
    if (x) cJSON_SetValuestring(it, x);
    free(x);
  }
  char id[32];
  snprintf(id, sizeof id, "manual-%d", ++r->n_manual);
  int rc = apply_action(r, id, name, target, p, on, now_rel(r) / 1000, err, errlen);
  cJSON_Delete(p);
  return rc;
}

/* Publishes the lab for bcsim fault and bcsim exec. NULL (with r->error) on failure. */
static control_t *open_control(run_t *r) {
  char err[512];
  cJSON *info = cJSON_CreateObject();
  cJSON_AddStringToObject(info, "config", world_config_path(r->world));
  cJSON_AddStringToObject(info, "thumbprint", world_thumbprint(r->world));
  cJSON_AddStringToObject(info, "state_dir", world_state_dir(r->world));
  cJSON_AddStringToObject(info, "resolv_conf", world_resolv_path(r->world));
  cJSON_AddStringToObject(info, "trust_store", world_trust_store(r->world));
  cJSON_AddStringToObject(info, "bc_domain", r->sc->bc_domain);
  cJSON_AddStringToObject(info, "out_dir", r->out_dir);
  cJSON_AddItemToObject(info, "parties", world_describe(r->world));
  control_t *c = control_new(r->base, r->out_dir, r->host_pid, lab_netns_fd(r->lab, LAB_CLIENT), info, manual_fault, r,
                             err, sizeof err);
  if (!c) snprintf(r->error, sizeof r->error, "opening the lab to bcsim exec and fault: %s", err);
  cJSON_Delete(info);
  return c;
}

static void schedule(run_t *r, const sc_step_t *s, bool on, int64_t at_ms) {
  if (r->n_steps >= MAX_TIMERS || at_ms > r->sc->duration_ms) return;
  step_timer_t *st = &r->steps[r->n_steps++];
  st->run = r;
  st->step = s;
  st->on = on;
  st->at_ms = at_ms;
  st->ev = evtimer_new(r->base, apply_step, st);
  /* A step due now goes before whatever else the loop has ready (a keepalive that came in the same
   * millisecond): the world at time t has every step of time t applied. */
  if (st->ev) event_priority_set(st->ev, STEP_PRIORITY);
  int64_t delay_us = at_ms * 1000 - now_rel(r);
  if (delay_us < 0) delay_us = 0;
  struct timeval tv = {(time_t)(delay_us / 1000000), (suseconds_t)(delay_us % 1000000)};
  evtimer_add(st->ev, &tv);
}

static void on_watchdog(int sig) {
  static const char msg[] = "bcsim: the lab's event loop is stuck; watchdog fired\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(3);
}

static void on_end(evutil_socket_t fd, short what, void *arg) { event_base_loopbreak(arg); }

/* Ends the scenario once no later event can change its verdict
 * (check_decided); judged at the end as always, it gets the same verdicts. */
static void on_decide(evutil_socket_t fd, short what, void *arg) {
  run_t *r = arg;
  int64_t t0 = dur_now_us();
  if (!r->cap || capture_catch_up(r->cap) < 0) return; /* a backlog: what it holds may be older than the horizon */
  int64_t horizon = now_rel(r) - DECIDE_LAG_MS * 1000;
  tl_sort(r->tl);
  check_decision_t d = check_decided(r->sc, r->tl, r->prof->speaks_session, horizon, r->stop_when_fails);
  overhead_add(&r->cost, OH_CHECKS, dur_now_us() - t0);
  if (d == CHECK_UNDECIDED) return;
  r->decided_us = horizon;
  r->stopped_on_fail = d == CHECK_REQUIREMENT_FAILED;
  cJSON *f = cJSON_CreateObject();
  cJSON_AddNumberToObject(f, "horizon", (double)horizon / 1e6);
  if (r->stopped_on_fail) cJSON_AddStringToObject(f, "failed", r->stop_when_fails);
  cJSON_AddNumberToObject(f, "duration", (double)r->sc->duration_ms / 1e3);
  emit(r, now_rel(r), "harness", "scenario.decided", f);
  event_base_loopbreak(r->base);
}

/* Starts asking whether the verdict is decided, unless the run must watch to the end. */
static int start_deciding(run_t *r) {
  if (!r->early_stop) return 0;
  struct timeval every = {0, DECIDE_EVERY_MS * 1000};
  r->decide = event_new(r->base, -1, EV_PERSIST, on_decide, r);
  return r->decide && event_add(r->decide, &every) == 0 ? 0 : -1;
}

/* t = 0 is when the client is about to start, not when the lab began to be
 * built: a lab that took long to build under load must not shorten the time
 * the client gets before the first fault. What the set-up emitted moves to
 * negative times; the capture's axis moves with it. */
static void start_the_clock(run_t *r) {
  struct timespec rt;
  int64_t was = r->t0_us;
  clock_gettime(CLOCK_REALTIME, &rt);
  r->t0_us = dur_now_us();
  r->pcap_t0_us = (int64_t)rt.tv_sec * 1000000 + rt.tv_nsec / 1000;
  tl_shift(r->tl, r->t0_us - was);
  /* bcsim run starts the next lab once this one's set-up is done. */
  if (r->ready_fd >= 0) {
    (void)!write(r->ready_fd, "r", 1);
    close(r->ready_fd);
    r->ready_fd = -1;
  }
}

/* ---- setup and teardown ---- */

/* The wire decoder, with the world's parties; they also go to
 * world/parties.json, so bcsim rejudge can name addresses as the run did. */
static int start_wire(run_t *r) {
  wire_party_t parties[64];
  char path[700];
  int n = world_wire_parties(r->world, parties, 64);
  cJSON *list = wire_parties_to_json(parties, n);
  snprintf(path, sizeof path, "%s/world/parties.json", r->out_dir);
  int rc = report_write_file(list, path);
  cJSON_Delete(list);
  r->wire = rc == 0 ? wire_new(parties, n, on_wire_event, r) : NULL;
  if (!r->wire) snprintf(r->error, sizeof r->error, "starting the wire decoder (and writing %s) failed", path);
  return r->wire ? 0 : -1;
}

static int bind_resolv_conf(run_t *r) {
  if (mount(world_resolv_path(r->world), "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0) {
    snprintf(r->error, sizeof r->error, "bind-mounting the lab's resolv.conf over /etc/resolv.conf: %s",
             strerror(errno));
    return -1;
  }
  return 0;
}

static void stop_client(run_t *r) {
  if (r->client_pid <= 0 || r->client_exited) return;
  kill(-r->client_pid, SIGTERM);
  for (int waited = 0; waited < CLIENT_STOP_GRACE_MS && !r->client_exited; waited += 10) {
    usleep(10000);
    reap(r);
  }
  if (!r->client_exited) {
    kill(-r->client_pid, SIGKILL);
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "reason", "did not exit on SIGTERM; killed");
    emit(r, now_rel(r), "harness", "client.kill", f);
  }
}

static int write_outputs(run_t *r, verdict_t verdict, check_result_t *results, double duration_s) {
  char path[700];
  int rc = 0;
  int64_t t0 = dur_now_us();
  overhead_add(&r->cost, OH_PKI, pki_spent_us());
  emit(r, now_rel(r), "harness", "harness.overhead", overhead_json(&r->cost));
  snprintf(path, sizeof path, "%s/events.jsonl", r->out_dir);
  if (tl_write_jsonl(r->tl, path) < 0) rc = -1;
  cJSON *res = report_scenario(r->sc, results, verdict, duration_s, r->error[0] ? r->error : NULL);
  /* The time it ran (duration_s) against the time it declared: shorter when its verdict was decided early. */
  cJSON_AddNumberToObject(res, "declared_duration_s", (double)r->sc->duration_ms / 1e3);
  if (r->decided_us >= 0) cJSON_AddNumberToObject(res, "decided_at_s", (double)r->decided_us / 1e6);
  if (r->stopped_on_fail) cJSON_AddStringToObject(res, "stopped_when_failed", r->stop_when_fails);
  cJSON_AddStringToObject(res, "client", r->prof->name);
  cJSON_AddNumberToObject(res, "seed", (double)r->sc->seed);
  /* What bcsim rejudge needs to judge the evidence again as this run did. */
  cJSON_AddNumberToObject(res, "time_scale", r->time_scale);
  cJSON *levels = cJSON_AddArrayToObject(res, "levels");
  cJSON_AddItemToArray(levels, cJSON_CreateString("network"));
  if (r->prof->speaks_session) cJSON_AddItemToArray(levels, cJSON_CreateString("session"));
  cJSON *timers = cJSON_AddObjectToObject(res, "timers");
  for (int i = 0; i < r->n_timers; i++) cJSON_AddNumberToObject(timers, r->timers[i].name, (double)r->timers[i].value);
  if (tl_dropped(r->tl)) cJSON_AddNumberToObject(res, "events_dropped", (double)tl_dropped(r->tl));
  /* What the lab cost: a flood must not grow it without bound. */
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0) cJSON_AddNumberToObject(res, "lab_peak_rss_kb", (double)ru.ru_maxrss);
  if (r->svc_log_cut) {
    cJSON *sl = cJSON_AddObjectToObject(res, "services_log");
    cJSON_AddNumberToObject(sl, "written", (double)(r->svc_log_written + r->svc_log_cut));
    cJSON_AddNumberToObject(sl, "cut", (double)r->svc_log_cut);
  }
  if (clientlog_cut(r->client_log)) {
    cJSON *cl = cJSON_AddObjectToObject(res, "client_log");
    cJSON_AddNumberToObject(cl, "written", (double)clientlog_total(r->client_log));
    cJSON_AddNumberToObject(cl, "cut", (double)clientlog_cut(r->client_log));
  }
  overhead_add(&r->cost, OH_OUTPUTS, dur_now_us() - t0);
  cJSON_AddItemToObject(res, "overhead", overhead_json(&r->cost));
  snprintf(path, sizeof path, "%s/result.json", r->out_dir);
  if (report_write_file(res, path) < 0) rc = -1;
  cJSON_Delete(res);
  return rc;
}

/* The scenario as it ran, beside its evidence: bcsim rejudge judges with
 * this copy, so an edit of the file after the run cannot change the verdicts. */
static void keep_scenario(const char *path, const char *out_dir) {
  char copy[700], tmp[720];
  char *text = scenario_read_file(path);
  snprintf(copy, sizeof copy, "%s/scenario.json", out_dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", copy);
  FILE *f = text ? fopen(tmp, "we") : NULL;
  if (f && fputs(text, f) >= 0 && fclose(f) == 0) (void)rename(tmp, copy);
  else if (f) fclose(f);
  free(text);
}

typedef struct lab_args {
  const char *scenario, *profile, *out, *bindir, *seed, *scale, *tenant, *client_kind, *levels, *spawned_at, *stop_when_fails;
  bool serve, keep, no_early_stop, ready; /* ready: bcsim run waits on SANDBOX_READY_FD for the set-up */
} lab_args_t;

static int parse_args(int argc, char **argv, lab_args_t *a) {
  static const struct option opts[] = {{"scenario", required_argument, 0, 's'},
                                       {"time-scale", required_argument, 0, 'T'},
                                       {"seed", required_argument, 0, 'S'},
                                       {"profile", required_argument, 0, 'p'},
                                       {"out", required_argument, 0, 'o'},
                                       {"bindir", required_argument, 0, 'b'},
                                       {"tenant", required_argument, 0, 't'},
                                       {"client-kind", required_argument, 0, 'k'},
                                       {"levels", required_argument, 0, 'L'},
                                       {"serve", no_argument, 0, 'V'},
                                       {"keep", no_argument, 0, 'K'},
                                       {"no-early-stop", no_argument, 0, 'E'},
                                       {"spawned-at", required_argument, 0, 'A'},
                                       {"ready-fd", no_argument, 0, 'R'},
                                       {"stop-when-fails", required_argument, 0, 'F'},
                                       {0, 0, 0, 0}};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 's') a->scenario = optarg;
    else if (c == 'p') a->profile = optarg;
    else if (c == 'o') a->out = optarg;
    else if (c == 'b') a->bindir = optarg;
    else if (c == 'S') a->seed = optarg;
    else if (c == 'T') a->scale = optarg;
    else if (c == 't') a->tenant = optarg;
    else if (c == 'k') a->client_kind = optarg;
    else if (c == 'L') a->levels = optarg;
    else if (c == 'V') a->serve = true;
    else if (c == 'K') a->keep = true;
    else if (c == 'E') a->no_early_stop = true;
    else if (c == 'A') a->spawned_at = optarg;
    else if (c == 'R') a->ready = true;
    else if (c == 'F') a->stop_when_fails = optarg;
    else return -1;
  }
  return a->out && a->bindir && (a->serve || (a->scenario && a->profile)) ? 0 : -1;
}

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
  return sc;
}

int runner_main(int argc, char **argv) {
  lab_args_t args = {0};
  run_t run = {0}, *r = &run;
  control_t *control = NULL;
  diag_t d;
  scenario_t *sc = NULL;
  profile_t *prof = NULL;
  check_result_t results[SC_MAX_CHECKS] = {0};
  struct event *sigchld = NULL, *sigint = NULL, *end = NULL; /* sigint: SIGINT and SIGTERM from outside */
  verdict_t verdict = VERDICT_ERROR;
  char err[512] = "";
  int code = 3;
  int64_t phase_t0;

  if (parse_args(argc - 1, argv + 1, &args) < 0) {
    fprintf(stderr, "bcsim __lab: internal usage error\n");
    return 3;
  }
  r->out_dir = args.out;
  r->bindir = args.bindir;
  r->decided_us = -1;
  /* Neither the client nor any service may inherit it. */
  r->ready_fd = args.ready && fcntl(SANDBOX_READY_FD, F_SETFD, FD_CLOEXEC) == 0 ? SANDBOX_READY_FD : -1;
  /* CLOCK_MONOTONIC is the host's: bcsim run's stamp and ours are on one axis. */
  if (args.spawned_at) overhead_add(&r->cost, OH_SPAWN, dur_now_us() - strtoll(args.spawned_at, NULL, 10));
  r->tenant_dir = args.tenant;
  r->host_pid = control_host_pid(); /* before /proc is the lab's own */
  if (args.serve) {
    sc = serve_scenario(args.client_kind);
  } else {
    sc = scenario_load(args.scenario, &d);
    prof = sc ? profile_load(args.profile, &d) : NULL;
    if (!sc || !prof) {
      diag_print(&d, stderr);
      goto out;
    }
    keep_scenario(args.scenario, args.out);
  }
  if (!sc) goto out;
  if (args.seed) sc->seed = strtoull(args.seed, NULL, 10);
  /* Windows in the client's own timers take the values it runs with, before any scaling. */
  if (prof && scenario_bind_timers(sc, prof->timers, prof->n_timers, err, sizeof err) < 0) {
    fprintf(stderr, "bcsim: %s\n", err);
    goto out;
  }
  if (prof) r->n_timers = scenario_effective_timers(sc, prof->timers, prof->n_timers, r->timers);
  /* --levels can only narrow what the profile speaks: judged as a black box. */
  if (prof && args.levels && strcmp(args.levels, "network") == 0) prof->speaks_session = false;
  r->time_scale = 1;
  if (args.scale && prof) {
    r->time_scale = strtod(args.scale, NULL);
    scenario_scale(sc, r->time_scale);
    scenario_scale_timers(prof->timers, prof->n_timers, strtod(args.scale, NULL));
  }
  r->sc = sc;
  r->prof = prof;
  r->early_stop = !args.serve && !args.no_early_stop && !sc->run_to_end;
  r->stop_when_fails = args.stop_when_fails;
  /* A /proc of our own PID namespace, so tools inside the lab see only the lab. */
  (void)mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  /* Second line of defence after the outer deadline: PID 1 only gets
   * signals it handles, so the watchdog needs a handler of its own. */
  signal(SIGALRM, on_watchdog);
  alarm(args.serve ? 0 : (unsigned)(sc->duration_ms / 1000) + 15);
  signal(SIGPIPE, SIG_IGN);
  struct rlimit fds = {LAB_MAX_FDS, LAB_MAX_FDS};
  (void)setrlimit(RLIMIT_NOFILE, &fds);

  r->tl = tl_new();
  r->base = event_base_new();
  if (r->base) event_base_priority_init(r->base, 2); /* steps 0, everything else 1 (the default) */
  char path[700];
  snprintf(path, sizeof path, "%s/services.log", r->out_dir);
  r->svc_log = fopen(path, "we");
  if (!r->tl || !r->base || !r->svc_log) {
    snprintf(r->error, sizeof r->error, "cannot set up the run in %s: %s", r->out_dir, strerror(errno));
    goto judge;
  }
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  r->t0_us = dur_now_us();
  /* pcap stamps packets with the wall clock: the same instant on that axis. */
  r->pcap_t0_us = ((int64_t)rt.tv_sec * 1000000 + rt.tv_nsec / 1000);

  int64_t lab_t0 = dur_now_us();
  r->lab = lab_new(err, sizeof err);
  if (!r->lab) {
    snprintf(r->error, sizeof r->error, "building the lab network: %s", err);
    goto judge;
  }
  cJSON *lf = cJSON_CreateObject();
  cJSON_AddNumberToObject(lf, "setup_ms", (double)(dur_now_us() - lab_t0) / 1000.0);
  emit(r, now_rel(r), "harness", "lab.ready", lf);
  overhead_add(&r->cost, OH_LAB, dur_now_us() - lab_t0);

  world_opts_t wo = {.bc_domain = sc->bc_domain,
                     .cloud_domain = sc->cloud_domain,
                     .run_dir = r->out_dir,
                     .tenant_dir = r->tenant_dir,
                     .seed = sc->seed,
                     .pse_exit_after_ms = sc->pse_exit_after_ms,
                     .pse_exit_check_ms = sc->pse_exit_check_ms,
                     .enrolled = strcmp(sc->client_kind, "enrolled") == 0,
                     .new_user_enrollment = sc->new_user_enrollment};
  phase_t0 = dur_now_us();
  r->world = world_new(r->base, r->lab, &wo, on_world_log, r, err, sizeof err);
  overhead_add(&r->cost, OH_WORLD, dur_now_us() - phase_t0 - pki_spent_us());
  if (!r->world) {
    snprintf(r->error, sizeof r->error, "starting the world: %s", err);
    goto judge;
  }
  /* A kept tenant (bcsim serve) brings its own domains: ${bc_domain} and
   * what the lab publishes must be the world's, not the defaults. */
  snprintf(sc->bc_domain, sizeof sc->bc_domain, "%s", world_bc_domain(r->world));
  snprintf(sc->cloud_domain, sizeof sc->cloud_domain, "%s", world_cloud_domain(r->world));
  phase_t0 = dur_now_us();
  if (bind_resolv_conf(r) < 0 || start_wire(r) < 0) goto judge;
  snprintf(path, sizeof path, "%s/capture.pcap", r->out_dir);
  r->cap = capture_new(r->lab, LAB_CLIENT, lab_client_ifname(), path, r->base, on_frame, r, err, sizeof err);
  if (!r->cap) {
    snprintf(r->error, sizeof r->error, "starting the capture: %s", err);
    goto judge;
  }
  overhead_add(&r->cost, OH_CAPTURE, dur_now_us() - phase_t0);
  start_the_clock(r);
  cJSON *cf = cJSON_CreateObject();
  cJSON_AddNumberToObject(cf, "pcap_t0_us", (double)r->pcap_t0_us);
  emit(r, now_rel(r), "harness", "capture.start", cf);
  sigchld = evsignal_new(r->base, SIGCHLD, on_sigchld, r);
  sigint = catch_stop_signals() == 0 ? event_new(r->base, stop_pipe[0], EV_READ | EV_PERSIST, on_interrupt, r) : NULL;
  end = evtimer_new(r->base, on_end, r->base);
  if (!sigchld || !sigint || !end || event_add(sigchld, NULL) < 0 || event_add(sigint, NULL) < 0) {
    snprintf(r->error, sizeof r->error, "setting up the event loop failed");
    goto judge;
  }
  emit(r, now_rel(r), "harness", "scenario.start", NULL);
  if (args.serve) {
    /* Up until bcsim serve says stop (SIGTERM or SIGINT); a person drives it. */
    if (!(control = open_control(r))) goto judge;
    fprintf(stderr, "bcsim: world up\n");
    event_base_dispatch(r->base);
    goto judge;
  }
  /* Steps at 0 s are the world the client wakes up in: apply them before it
   * starts, or its first packets would race them. */
  for (int i = 0; i < sc->n_steps; i++) {
    const sc_step_t *st = &sc->steps[i];
    if (st->at_ms != 0 || st->flap_count || strcmp(st->action, "probe.app") == 0) continue;
    if (strncmp(st->action, "config.", 7) == 0 &&
        world_config_fault(r->world, st->action, err, sizeof err) < 0) {
      snprintf(r->error, sizeof r->error, "%s", err);
      goto judge;
    }
    step_timer_t now = {.run = r, .step = st, .on = true, .at_ms = 0};
    apply_step(-1, 0, &now);
    if (r->error[0]) goto judge;
    if (st->for_ms > 0) schedule(r, st, false, st->for_ms);
  }
  phase_t0 = dur_now_us();
  if (start_client(r) < 0) goto judge;
  overhead_add(&r->cost, OH_CLIENT, dur_now_us() - phase_t0);
  for (int i = 0; i < sc->n_steps; i++) {
    const sc_step_t *st = &sc->steps[i];
    if (st->flap_count) {
      /* The same seed gives the same schedule: each step draws from its own stream. */
      uint64_t rng = sc->seed * 0x100000001b3ULL + (uint64_t)i;
      int64_t t = st->at_ms;
      for (int k = 0; k < st->flap_count; k++) {
        int64_t j1 = st->flap_jitter_ms ? (int64_t)rng_below(&rng, (uint64_t)(2 * st->flap_jitter_ms + 1)) - st->flap_jitter_ms : 0;
        int64_t j2 = st->flap_jitter_ms ? (int64_t)rng_below(&rng, (uint64_t)(2 * st->flap_jitter_ms + 1)) - st->flap_jitter_ms : 0;
        schedule(r, st, true, t);
        t += st->flap_on_ms + j1;
        schedule(r, st, false, t);
        t += st->flap_off_ms + j2;
      }
      continue;
    }
    if (st->at_ms == 0 && strcmp(st->action, "probe.app") != 0) continue; /* applied above */
    schedule(r, st, true, st->at_ms);
    if (st->for_ms > 0) schedule(r, st, false, st->at_ms + st->for_ms);
  }
  int64_t left_us = sc->duration_ms * 1000 - now_rel(r);
  if (left_us < 0) left_us = 0;
  struct timeval tv = {(time_t)(left_us / 1000000), (suseconds_t)(left_us % 1000000)};
  if (evtimer_add(end, &tv) < 0 || start_deciding(r) < 0) {
    snprintf(r->error, sizeof r->error, "setting up the scenario's end failed");
    goto judge;
  }
  event_base_dispatch(r->base);
  if (r->decide) event_del(r->decide);
  emit(r, now_rel(r), "harness", "scenario.end", NULL);

judge:
  phase_t0 = dur_now_us();
  if (r->base) reap(r);
  stop_client(r);
  clientlog_finish(r->client_log);
  for (int i = 0; i < r->n_probes; i++) {
    if (!r->probes[i].done) {
      kill(-r->probes[i].pid, SIGKILL);
      r->probes[i].timed_out = true;
      probe_finish(&r->probes[i], 0);
    }
  }
  if (r->cap) {
    unsigned seen, dropped;
    capture_stats(r->cap, &seen, &dropped);
    capture_free(r->cap); /* drains the kernel's queue into the timeline first */
    r->cap = NULL;
    if (dropped) {
      cJSON *f = cJSON_CreateObject();
      cJSON_AddNumberToObject(f, "dropped", dropped);
      emit(r, now_rel(r), "harness", "capture.dropped", f);
    }
  }
  overhead_add(&r->cost, OH_STOP, dur_now_us() - phase_t0);
  if (args.serve) {
    snprintf(path, sizeof path, "%s/events.jsonl", r->out_dir);
    if (r->tl) {
      tl_sort(r->tl);
      tl_write_jsonl(r->tl, path);
    }
    code = r->error[0] ? 3 : 0;
    if (r->error[0]) fprintf(stderr, "bcsim: %s\n", r->error);
    goto out;
  }
  if (r->interrupted && !r->error[0]) snprintf(r->error, sizeof r->error, "interrupted before the scenario finished");
  if (r->tl) {
    phase_t0 = dur_now_us();
    tl_sort(r->tl);
    verdict = r->stopped_on_fail
                  ? check_eval_stopped(sc, r->tl, prof->speaks_session, r->decided_us, r->stop_when_fails, results)
                  : check_eval_all(sc, r->tl, prof->speaks_session, results);
    overhead_add(&r->cost, OH_CHECKS, dur_now_us() - phase_t0);
    if (r->error[0]) {
      /* Never blame the client for the harness: nothing was judged. */
      verdict = VERDICT_ERROR;
      for (int i = 0; i < sc->n_checks; i++) {
        results[i].verdict = VERDICT_ERROR;
        snprintf(results[i].message, sizeof results[i].message, "not judged: %s", r->error);
      }
    }
    if (write_outputs(r, verdict, results, (double)now_rel(r) / 1e6) < 0) verdict = VERDICT_ERROR;
  }
  code = r->interrupted ? 130 : verdict == VERDICT_PASS ? 0 : verdict == VERDICT_FAIL ? 1 : 3;
  if (r->error[0]) fprintf(stderr, "bcsim: %s\n", r->error);
  if (args.keep && verdict == VERDICT_FAIL && !r->interrupted && r->world) {
    /* --keep: the failed world stays up, for bcsim shell, until bcsim run lets it go. */
    alarm(0);
    if ((control = open_control(r))) {
      fprintf(stderr, "bcsim: kept for debugging\n");
      event_base_dispatch(r->base);
    }
  }
out:
  control_free(control);
  check_results_free(results, sc ? sc->n_checks : 0);
  for (int i = 0; i < r->n_steps; i++) event_free(r->steps[i].ev);
  if (sigchld) event_free(sigchld);
  if (sigint) event_free(sigint);
  if (end) event_free(end);
  if (r->decide) event_free(r->decide);
  wire_free(r->wire);
  clientlog_free(r->client_log);
  world_free(r->world);
  if (r->base) event_base_free(r->base);
  lab_free(r->lab);
  if (r->svc_log) fclose(r->svc_log);
  tl_free(r->tl);
  scenario_free(sc);
  profile_free(prof);
  return code;
}
