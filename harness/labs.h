/* labs: scenarios played in sandboxed labs, several at once.
 *
 * A job is one scenario against one client profile. Its lab (bcsim __lab, in
 * its own user, mount, PID and network namespaces) writes <out>/<id>/, and
 * the job's result is that folder's result.json, or an error result that
 * says why there is none. bcsim run and bcsim selftest both schedule their
 * labs here; the caller decides what runs next as results come in. */
#ifndef BC_LABS_H
#define BC_LABS_H
#include <cjson/cJSON.h>
#include <stdbool.h>

#include "harness/scenario.h"
#include "sim/world/map.h"

/* A lab that outlives its scenario by this much is killed: hangs are never waited out. */
#define LABS_DEADLINE_SLACK_MS 20000
/* Labs at once, at most: the scheduler's table. */
#define LABS_MAX_JOBS 128
/* What one running lab costs the machine, measured with the reference client
 * (docs/benchmarks.md, "What a lab costs"), with room to spare: memory (the
 * lab process, its client, the kernel's namespaces and links), the
 * descriptors bcsim run holds for it, its network namespaces (the sandbox's
 * and one per host of the world's table), and its processes. */
#define LAB_COST_KB (96 * 1024)
#define LAB_COST_FDS 4
#define LAB_COST_NETNS (1 + LAB_N_HOSTS)
#define LAB_COST_TASKS 16

typedef struct lab_job {
  const scenario_t *sc;
  const char *profile; /* the client profile's path */
  const char *out;     /* the run dir: the lab writes <out>/<sc->id>/ */
  cJSON *result;       /* set when the job finished; the caller owns it */
  int tag;             /* the caller's */
  const char *stop_when_fails; /* stop once a check of this requirement failed for good (selftest); NULL: no */
} lab_job_t;

typedef struct labs_opts {
  /* Passed on to every lab; NULL keeps the scenario's or the profile's own. */
  const char *seed, *time_scale, *levels;
  bool keep; /* a failed scenario's lab stays up (labs_release_kept) */
  bool no_early_stop; /* every scenario runs its whole duration (--no-early-stop) */
} labs_opts_t;

typedef struct labs_hooks {
  lab_job_t *(*next)(void *ctx);           /* the next job to start, or NULL if none for now */
  void (*done)(void *ctx, lab_job_t *job); /* a job finished: job->result is set */
  /* Called about every 20 ms with the jobs running (for a progress line); may be NULL. */
  void (*tick)(void *ctx, lab_job_t *const *running, int n);
  /* Whether a running job's outcome is no longer wanted (may be NULL): its lab is then killed
   * and done() gets an error result that says so. */
  bool (*cancel)(void *ctx, const lab_job_t *job);
  void *ctx;
} labs_hooks_t;

/* How many labs this machine holds at once: labs mostly wait on their
 * timelines, so the bound is memory (half of what is available), the
 * descriptors and processes this process may have, and the kernel's limit on
 * network namespaces, never the number of cores; at most LABS_MAX_JOBS.
 * why (may be NULL) names the bound that decided it. */
int labs_default_jobs(char *why, size_t whylen);
/* Runs jobs, at most `jobs` labs at once, until next() has none and none runs. */
void labs_run(int jobs, const labs_opts_t *o, const labs_hooks_t *h);
/* SIGINT and SIGTERM stop the labs that run and make labs_interrupted() true. */
void labs_catch_interrupts(void);
bool labs_interrupted(void);
/* --keep: lists the kept labs, keeps them up until Ctrl-C, then takes them down. */
void labs_release_kept(void);
#endif
