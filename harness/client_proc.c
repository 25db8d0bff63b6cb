#include "harness/client_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strv.h"
#include "sim/lab/clientlog.h"
#include "sim/lab/spawn.h"

#define CLIENT_STOP_GRACE_MS 500
#define PROBE_TIMEOUT_MS 3000 /* at time scale 1 */
#define MAX_PROBES 16

typedef struct probe {
  client_proc_t *cp;
  const sc_step_t *step;
  pid_t pid;
  int out_fd;
  struct event *read_ev, *timeout_ev;
  char output[1024];
  size_t out_len;
  bool timed_out, done;
} probe_t;

struct client_proc {
  struct event_base *base;
  record_t *rec;
  stage_t *stage;
  client_proc_opts_t o;
  clientlog_t *log; /* the client's output, capped */
  pid_t pid;        /* the client's; 0 until started */
  bool exited;
  probe_t probes[MAX_PROBES];
  int n_probes;
  const char *current_app; /* for ${app} while expanding a probe */
  char timer_value[32];    /* ${timer.NAME}, as text */
};

client_proc_t *client_proc_new(struct event_base *base, record_t *rec, stage_t *stage, const client_proc_opts_t *o) {
  client_proc_t *cp = calloc(1, sizeof *cp);
  if (!cp) return NULL;
  cp->base = base;
  cp->rec = rec;
  cp->stage = stage;
  cp->o = *o;
  return cp;
}

/* ---- placeholders of the client profile ---- */

static const char *placeholder(void *ctx, const char *name) {
  client_proc_t *cp = ctx;
  const profile_t *prof = cp->o.prof;
  world_t *world = stage_world(cp->stage);
  if (strcmp(name, "bindir") == 0) return cp->o.bindir;
  if (strcmp(name, "profile_dir") == 0) return prof->dir;
  if (strcmp(name, "config") == 0) return world_config_path(world);
  if (strcmp(name, "state_dir") == 0) return world_state_dir(world);
  if (strcmp(name, "bc_domain") == 0) return cp->o.sc->bc_domain;
  if (strcmp(name, "app") == 0) return cp->current_app;
  if (strcmp(name, "thumbprint") == 0) return world_thumbprint(world);
  if (strcmp(name, "trust_store") == 0) return world_trust_store(world);
  if (strncmp(name, "timer.", 6) == 0) {
    int64_t v = -1;
    for (int i = 0; i < prof->n_timers; i++)
      if (strcmp(prof->timers[i].name, name + 6) == 0) v = prof->timers[i].value;
    v = scenario_timer(cp->o.sc, name + 6, v);
    if (v < 0) return NULL;
    snprintf(cp->timer_value, sizeof cp->timer_value, "%lld", (long long)v);
    return cp->timer_value;
  }
  return NULL;
}

/* Expands an argv template; NULL with err on an unknown placeholder. */
static char **expand_argv(client_proc_t *cp, char *const *tmpl, int n, char *err, size_t errlen) {
  char **argv = calloc((size_t)n + 1, sizeof *argv);
  char bad[128];
  for (int i = 0; argv && i < n; i++) {
    argv[i] = strv_expand(tmpl[i], placeholder, cp, bad, sizeof bad);
    if (!argv[i]) {
      snprintf(err, errlen,
               "client profile %s: ${%s} has no value in this scenario (set it in the profile's \"timers\")",
               cp->o.prof->path, bad);
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

static spawn_opts_t in_client_host(const client_proc_t *cp, char **argv, int out_fd) {
  world_t *world = stage_world(cp->stage);
  spawn_opts_t o = {stage_lab(cp->stage), LAB_CLIENT, argv, world_state_dir(world), world_resolv_path(world),
                    out_fd, out_fd};
  return o;
}

/* ---- the client ---- */

int client_proc_start(client_proc_t *cp, char *err, size_t errlen) {
  char path[700], why[512];
  snprintf(path, sizeof path, "%s/client.log", cp->o.out_dir);
  int log_fd = -1, rc = -1;
  cp->log = clientlog_new(cp->base, path, &log_fd);
  char **argv = expand_argv(cp, cp->o.prof->argv, cp->o.prof->argc, err, errlen);
  if (!argv || !cp->log) {
    if (argv) snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    goto out;
  }
  spawn_opts_t o = in_client_host(cp, argv, log_fd);
  cp->pid = spawn_in_host(&o, why, sizeof why);
  if (cp->pid < 0) {
    snprintf(err, errlen, "cannot start the client (profile %s): %s", cp->o.prof->path, why);
    goto out;
  }
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "profile", cp->o.prof->name);
  cJSON_AddNumberToObject(f, "pid", cp->pid);
  record_harness(cp->rec, "client.start", f);
  rc = 0;
out:
  if (log_fd >= 0) close(log_fd);
  free_argv(argv);
  return rc;
}

/* ---- probes ---- */

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
  record_harness(p->cp->rec, "probe.result", f);
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

/* A probe the profile cannot run: a failed result, which the checks judge. */
static void probe_without_command(client_proc_t *cp, const sc_step_t *step) {
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "step", step->id);
  cJSON_AddStringToObject(f, "app", step->target);
  cJSON_AddBoolToObject(f, "ok", 0);
  cJSON_AddStringToObject(f, "output", "the client profile has no probe command");
  record_harness(cp->rec, "probe.result", f);
}

/* Watches a started probe's output and its time on the loop. */
static void probe_watch(client_proc_t *cp, const sc_step_t *step, pid_t pid, int out_fd) {
  probe_t *p = &cp->probes[cp->n_probes++];
  p->cp = cp;
  p->step = step;
  p->pid = pid;
  p->out_fd = out_fd;
  evutil_make_socket_nonblocking(p->out_fd);
  p->read_ev = event_new(cp->base, p->out_fd, EV_READ | EV_PERSIST, probe_read, p);
  p->timeout_ev = evtimer_new(cp->base, probe_timeout, p);
  /* The probe gets as much more time as the scenario, or a client whose app
   * request follows its scaled timers would fail here at a scale above 1. */
  int64_t wait_ms = (int64_t)((double)PROBE_TIMEOUT_MS * cp->o.sc->time_scale + 0.5);
  struct timeval tv = {(time_t)(wait_ms / 1000), (suseconds_t)(wait_ms % 1000) * 1000};
  event_add(p->read_ev, NULL);
  event_add(p->timeout_ev, &tv);
}

int client_proc_probe(client_proc_t *cp, const sc_step_t *step, char *err, size_t errlen) {
  char why[512];
  int pipefd[2] = {-1, -1}, rc = -1;
  char **argv = NULL;
  if (cp->o.prof->probe_argc == 0) {
    probe_without_command(cp, step);
    return 0;
  }
  if (cp->n_probes >= MAX_PROBES) {
    snprintf(err, errlen, "too many probes in one scenario");
    return -1;
  }
  cp->current_app = step->target;
  argv = expand_argv(cp, cp->o.prof->probe_argv, cp->o.prof->probe_argc, err, errlen);
  if (!argv) goto out;
  if (pipe2(pipefd, O_CLOEXEC) < 0) {
    snprintf(err, errlen, "starting a probe failed");
    goto out;
  }
  spawn_opts_t o = in_client_host(cp, argv, pipefd[1]);
  pid_t pid = spawn_in_host(&o, why, sizeof why);
  close(pipefd[1]);
  if (pid < 0) {
    close(pipefd[0]);
    snprintf(err, errlen, "cannot run the probe of profile %s: %s", cp->o.prof->path, why);
    goto out;
  }
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "step", step->id);
  cJSON_AddStringToObject(f, "app", step->target);
  record_harness(cp->rec, "probe.start", f);
  probe_watch(cp, step, pid, pipefd[0]);
  rc = 0;
out:
  free_argv(argv);
  return rc;
}

/* ---- ends ---- */

void client_proc_reap(client_proc_t *cp) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == cp->pid) {
      cp->exited = true;
      cJSON *f = cJSON_CreateObject();
      if (WIFEXITED(status)) cJSON_AddNumberToObject(f, "exit", WEXITSTATUS(status));
      else cJSON_AddStringToObject(f, "signal", strsignal(WTERMSIG(status)));
      record_harness(cp->rec, "client.exit", f);
      continue;
    }
    for (int i = 0; i < cp->n_probes; i++)
      if (cp->probes[i].pid == pid) probe_finish(&cp->probes[i], status);
  }
}

static void stop_client(client_proc_t *cp) {
  if (cp->pid <= 0 || cp->exited) return;
  kill(-cp->pid, SIGTERM);
  for (int waited = 0; waited < CLIENT_STOP_GRACE_MS && !cp->exited; waited += 10) {
    usleep(10000);
    client_proc_reap(cp);
  }
  if (!cp->exited) {
    kill(-cp->pid, SIGKILL);
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "reason", "did not exit on SIGTERM; killed");
    record_harness(cp->rec, "client.kill", f);
  }
}

void client_proc_stop(client_proc_t *cp) {
  client_proc_reap(cp);
  stop_client(cp);
  clientlog_finish(cp->log);
  for (int i = 0; i < cp->n_probes; i++) {
    probe_t *p = &cp->probes[i];
    if (!p->done) {
      kill(-p->pid, SIGKILL);
      p->timed_out = true;
      probe_finish(p, 0);
    }
  }
}

void client_proc_free(client_proc_t *cp) {
  if (!cp) return;
  for (int i = 0; i < cp->n_probes; i++) {
    probe_t *p = &cp->probes[i];
    if (p->done) continue;
    if (p->read_ev) event_free(p->read_ev);
    if (p->timeout_ev) event_free(p->timeout_ev);
    close(p->out_fd);
  }
  clientlog_free(cp->log);
  free(cp);
}

uint64_t client_proc_log_written(const client_proc_t *cp) { return cp ? clientlog_total(cp->log) : 0; }
uint64_t client_proc_log_cut(const client_proc_t *cp) { return cp ? clientlog_cut(cp->log) : 0; }
