#include "harness/labs.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/files.h"
#include "harness/cli.h"
#include "harness/report_json.h"
#include "base/dur.h"
#include "sim/lab/sandbox.h"

static volatile sig_atomic_t interrupted;
static volatile pid_t running_labs[LABS_MAX_JOBS];
static pid_t kept_labs[LABS_MAX_JOBS]; /* --keep: the labs kept so far */
static char kept_dirs[LABS_MAX_JOBS][PATH_MAX];
static int n_kept;

static void on_interrupt(int sig) {
  interrupted = 1;
  for (int i = 0; i < LABS_MAX_JOBS; i++)
    if (running_labs[i] > 0) kill(running_labs[i], SIGINT);
}

void labs_catch_interrupts(void) {
  struct sigaction sa = {.sa_handler = on_interrupt};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

bool labs_interrupted(void) { return interrupted != 0; }

/* One scenario's lab, while it runs. */
typedef struct slot {
  pid_t pid; /* 0: free */
  int ready_fd; /* while the lab sets up: it writes one byte here when done; -1 after */
  lab_job_t *job;
  struct timespec started;
  char dir[PATH_MAX];
} slot_t;

/* Labs setting up at once, at most, per core: set-up (namespaces, keys,
 * services, the client's start) is the one part of a lab that wants the CPU,
 * so a burst of dozens would delay every lab's client at once. Waiting labs
 * cost no CPU and are bounded by labs_default_jobs. */
#define LABS_SETUPS_PER_CORE 2

/* A new lab waits while the machine's CPU was busier than this over the last
 * moment: a client starved of the CPU for longer than its keepalive timeout
 * loses its tunnel, and the scenario would judge the machine, not the client.
 * Labs that wait on their timelines leave the CPU idle, so this bounds only
 * how fast labs start, never how many run. */
#define LABS_CPU_BUSY_GATE 0.80
#define LABS_CPU_SAMPLE_MS 100

/* Open files bcsim run keeps for itself, whatever the labs: its standard
 * streams, the report files it rewrites, libevent and the libraries. The
 * rest of ulimit -n is shared out at LAB_COST_FDS a lab. */
#define LABS_OWN_FDS 64
/* A kept lab (--keep) gets this long to write its events after SIGTERM before it is killed. */
#define LABS_KEPT_STOP_GRACE_MS 10000

/* The CPU's busy share since the last sample at least LABS_CPU_SAMPLE_MS
 * old (the last figure in between); 0 when /proc/stat cannot be read. */
typedef struct cpu_meter {
  unsigned long long busy, total;
  struct timespec at;
  double share;
} cpu_meter_t;

static void cpu_read(unsigned long long *busy, unsigned long long *total) {
  unsigned long long v[8] = {0};
  FILE *f = fopen("/proc/stat", "re");
  *busy = *total = 0;
  if (!f) return;
  if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
    for (int i = 0; i < 8; i++) *total += v[i];
    *busy = *total - v[3] - v[4]; /* idle and iowait */
  }
  fclose(f);
}

static double cpu_busy(cpu_meter_t *m) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long ms = (now.tv_sec - m->at.tv_sec) * 1000 + (now.tv_nsec - m->at.tv_nsec) / 1000000;
  if (ms < LABS_CPU_SAMPLE_MS) return m->share;
  unsigned long long busy, total;
  cpu_read(&busy, &total);
  m->share = total > m->total ? (double)(busy - m->busy) / (double)(total - m->total) : 0;
  m->busy = busy, m->total = total, m->at = now;
  return m->share;
}

/* True while slot's lab is setting up: no byte and no end on its ready pipe yet. */
static bool setting_up(slot_t *slot) {
  if (slot->ready_fd < 0) return false;
  char b;
  ssize_t n = read(slot->ready_fd, &b, 1);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
  close(slot->ready_fd); /* set up, or gone: either way no longer setting up */
  slot->ready_fd = -1;
  return false;
}

static long elapsed_ms(const struct timespec *since) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Starts one scenario in its own sandboxed lab. Returns its pid, or 0 with
 * job->result set when it could not even start. */
static pid_t start_one(lab_job_t *job, const labs_opts_t *o, slot_t *slot) {
  const scenario_t *sc = job->sc;
  char path[PATH_MAX + 32], log[PATH_MAX + 32], abs_sc[PATH_MAX], abs_prof[PATH_MAX], abs_dir[PATH_MAX];
  char detail[1200];
  snprintf(slot->dir, sizeof slot->dir, "%s/%s", job->out, sc->id);
  if (cli_mkdirs(slot->dir) < 0) {
    snprintf(detail, sizeof detail, "cannot create %s: %s", slot->dir, strerror(errno));
    job->result = report_scenario_error(sc->id, sc->path, detail);
    return 0;
  }
  /* A kept lab of an earlier run leaves lab.json and its socket: they must not make this one look kept. */
  static const char *const stale[] = {"result.json", "events.jsonl", "capture.pcap", "lab.log", "lab.json", "control.sock",
                                      "scenario.json"};
  for (size_t i = 0; i < sizeof stale / sizeof stale[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", slot->dir, stale[i]);
    unlink(path);
  }
  if (!realpath(sc->path, abs_sc) || !realpath(job->profile, abs_prof) || !realpath(slot->dir, abs_dir)) {
    snprintf(detail, sizeof detail, "cannot resolve %s or %s", sc->path, job->profile);
    job->result = report_scenario_error(sc->id, sc->path, detail);
    return 0;
  }
  snprintf(log, sizeof log, "%s/lab.log", slot->dir);
  char *argv[32] = {"bcsim", "__lab", "--scenario", abs_sc, "--profile", abs_prof, "--out", abs_dir, "--bindir", cli_bindir};
  int argc = 10;
  if (o->seed) argv[argc++] = "--seed", argv[argc++] = (char *)o->seed;
  if (o->time_scale) argv[argc++] = "--time-scale", argv[argc++] = (char *)o->time_scale;
  if (o->levels) argv[argc++] = "--levels", argv[argc++] = (char *)o->levels;
  if (o->keep) argv[argc++] = "--keep";
  if (o->no_early_stop) argv[argc++] = "--no-early-stop";
  /* The lab subtracts this from its own first reading of the clock: what starting it cost. */
  char spawned_at[32];
  snprintf(spawned_at, sizeof spawned_at, "%lld", (long long)dur_now_us());
  argv[argc++] = "--spawned-at", argv[argc++] = spawned_at;
  argv[argc++] = "--ready-fd";
  if (job->stop_when_fails && !o->no_early_stop)
    argv[argc++] = "--stop-when-fails", argv[argc++] = (char *)job->stop_when_fails;
  argv[argc] = NULL;
  slot->ready_fd = -1;
  pid_t pid = sandbox_start_ready(argv, log, &slot->ready_fd);
  if (pid < 0) {
    job->result = report_scenario_error(sc->id, sc->path, "fork failed");
    return 0;
  }
  clock_gettime(CLOCK_MONOTONIC, &slot->started);
  return pid;
}

/* The result of a finished lab: its result.json, or why there is none. */
static cJSON *finish_one(const scenario_t *sc, const slot_t *slot, int code) {
  char path[PATH_MAX + 32], detail[1200], msg[1400];
  snprintf(path, sizeof path, "%s/result.json", slot->dir);
  cJSON *res = files_read_json(path);
  if (res) return res;
  snprintf(path, sizeof path, "%s/lab.log", slot->dir);
  files_tail(path, detail, 700);
  if (code == SANDBOX_EXIT_DEADLINE)
    snprintf(msg, sizeof msg, "the lab did not finish within %lld ms of its %lld ms scenario and was killed; lab.log says: %s",
             (long long)LABS_DEADLINE_SLACK_MS, (long long)sc->duration_ms, detail[0] ? detail : "(nothing)");
  else if (code == SANDBOX_EXIT_NO_NAMESPACES)
    snprintf(msg, sizeof msg, "the lab could not be created (namespaces refused): %s", detail);
  else
    snprintf(msg, sizeof msg, "the lab exited with code %d and wrote no result; lab.log says: %s", code,
             detail[0] ? detail : "(nothing)");
  return report_scenario_error(sc->id, sc->path, msg);
}

/* --keep: a lab that judged its scenario a failure writes its result, publishes lab.json and stays up. */
static bool lab_was_kept(const slot_t *slot) {
  char marker[PATH_MAX + 16], result[PATH_MAX + 16];
  snprintf(marker, sizeof marker, "%s/lab.json", slot->dir);
  snprintf(result, sizeof result, "%s/result.json", slot->dir);
  return access(marker, F_OK) == 0 && access(result, F_OK) == 0;
}

/* A number from a /proc file, or -1. */
static long proc_number(const char *path, const char *key) {
  FILE *f = fopen(path, "re");
  char line[256];
  long v = -1;
  size_t klen = key ? strlen(key) : 0;
  while (f && fgets(line, sizeof line, f)) {
    if (key && strncmp(line, key, klen) != 0) continue;
    v = strtol(line + klen, NULL, 10);
    break;
  }
  if (f) fclose(f);
  return v;
}

/* The soft limit of resource, or -1 when unlimited or unknown. */
static long soft_limit(int resource) {
  struct rlimit rl;
  if (getrlimit(resource, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY) return -1;
  return (long)rl.rlim_cur;
}

int labs_default_jobs(char *why, size_t whylen) {
  long mem_kb = proc_number("/proc/meminfo", "MemAvailable:");
  long fds = soft_limit(RLIMIT_NOFILE), tasks = soft_limit(RLIMIT_NPROC);
  long netns = proc_number("/proc/sys/user/max_net_namespaces", NULL);
  struct {
    long jobs;
    const char *what;
  } bounds[] = {
      {LABS_MAX_JOBS, "bcsim's own table of labs"},
      {mem_kb >= 0 ? mem_kb / 2 / LAB_COST_KB : LABS_MAX_JOBS, "memory (half of MemAvailable)"},
      {fds >= 0 ? (fds - LABS_OWN_FDS) / LAB_COST_FDS : LABS_MAX_JOBS, "open files (ulimit -n)"},
      {tasks >= 0 ? tasks / 2 / LAB_COST_TASKS : LABS_MAX_JOBS, "processes (ulimit -u)"},
      {netns >= 0 ? netns / 2 / LAB_COST_NETNS : LABS_MAX_JOBS, "network namespaces (user.max_net_namespaces)"},
  };
  int best = 0;
  for (size_t i = 1; i < sizeof bounds / sizeof bounds[0]; i++)
    if (bounds[i].jobs < bounds[best].jobs) best = (int)i;
  long jobs = bounds[best].jobs < 1 ? 1 : bounds[best].jobs;
  if (why) snprintf(why, whylen, "%s", bounds[best].what);
  return (int)jobs;
}

void labs_run(int jobs, const labs_opts_t *o, const labs_hooks_t *h) {
  slot_t slots[LABS_MAX_JOBS] = {0};
  for (int k = 0; k < LABS_MAX_JOBS; k++) slots[k].ready_fd = -1;
  int running = 0;
  bool more = true; /* next() may have work */
  if (jobs > LABS_MAX_JOBS) jobs = LABS_MAX_JOBS;
  if (jobs < 1) jobs = 1;
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  int cores = online > 0 ? (int)online : 1;
  int max_setups = LABS_SETUPS_PER_CORE * cores;
  cpu_meter_t cpu = {0};
  cpu_busy(&cpu);
  while ((more && !interrupted) || running > 0) {
    int in_setup = 0;
    for (int k = 0; k < jobs; k++) in_setup += slots[k].pid && setting_up(&slots[k]);
    /* No start this round; but as many labs as cores always run, so a machine busy with something
     * else gets the old pace (one lab a core), never a serial run. */
    if (running >= cores && cpu_busy(&cpu) > LABS_CPU_BUSY_GATE) in_setup = max_setups;
    for (int k = 0; k < jobs && more && !interrupted && in_setup < max_setups; k++) {
      if (slots[k].pid) continue;
      lab_job_t *job = h->next(h->ctx);
      if (!job) {
        more = false;
        break;
      }
      pid_t pid = start_one(job, o, &slots[k]);
      if (pid == 0) {
        h->done(h->ctx, job);
        k--; /* the slot is still free */
        continue;
      }
      slots[k].pid = pid;
      slots[k].job = job;
      running_labs[k] = pid;
      running++;
      in_setup++;
    }
    for (int k = 0; k < jobs; k++) {
      if (!slots[k].pid) continue;
      int code = 0;
      int done = sandbox_poll(slots[k].pid, &code);
      bool cancelled = !done && h->cancel && h->cancel(h->ctx, slots[k].job);
      if (cancelled) code = sandbox_kill(slots[k].pid), done = 1;
      /* Set-up, the scenario, and the teardown grace; anything longer is a hang. */
      if (!done && elapsed_ms(&slots[k].started) > (long)slots[k].job->sc->duration_ms + LABS_DEADLINE_SLACK_MS) {
        code = sandbox_kill(slots[k].pid);
        done = 1;
      }
      if (!done && o->keep && n_kept < LABS_MAX_JOBS && lab_was_kept(&slots[k])) {
        /* Judged and kept: the result is final, the lab stays until the run ends. */
        snprintf(kept_dirs[n_kept], sizeof kept_dirs[n_kept], "%s", slots[k].dir);
        kept_labs[n_kept++] = slots[k].pid;
        done = 1;
      }
      if (!done) continue;
      lab_job_t *job = slots[k].job;
      job->result = cancelled ? report_scenario_error(job->sc->id, job->sc->path, "cancelled: its outcome was no longer needed")
                              : finish_one(job->sc, &slots[k], code);
      if (slots[k].ready_fd >= 0) close(slots[k].ready_fd);
      slots[k].ready_fd = -1;
      slots[k].pid = 0;
      slots[k].job = NULL;
      running_labs[k] = 0;
      running--;
      more = true; /* a result can make more work (selftest) */
      h->done(h->ctx, job);
    }
    if (h->tick) {
      lab_job_t *now[LABS_MAX_JOBS];
      int n = 0;
      for (int k = 0; k < jobs; k++)
        if (slots[k].pid) now[n++] = slots[k].job;
      h->tick(h->ctx, now, n);
    }
    struct timespec nap = {0, 20 * 1000000};
    nanosleep(&nap, NULL);
  }
}

void labs_release_kept(void) {
  if (n_kept == 0) return;
  printf("\n%d failed lab(s) kept. Debug them from another terminal:\n", n_kept);
  for (int i = 0; i < n_kept; i++) printf("  bcsim shell --lab %s\n", kept_dirs[i]);
  printf("Ctrl-C tears them down.\n");
  fflush(stdout);
  interrupted = 0;
  int alive = n_kept;
  while (!interrupted && alive > 0) {
    alive = 0;
    for (int i = 0; i < n_kept; i++) {
      int code;
      if (kept_labs[i] > 0 && sandbox_poll(kept_labs[i], &code)) kept_labs[i] = 0;
      alive += kept_labs[i] > 0;
    }
    struct timespec nap = {0, 100 * 1000000};
    nanosleep(&nap, NULL);
  }
  interrupted = 0; /* the run's verdict stands: releasing the labs is not an interruption */
  for (int i = 0; i < n_kept; i++)
    if (kept_labs[i] > 0) sandbox_signal(kept_labs[i], SIGTERM);
  for (int i = 0; i < n_kept; i++)
    if (kept_labs[i] > 0) sandbox_wait(kept_labs[i], LABS_KEPT_STOP_GRACE_MS);
  n_kept = 0;
}
