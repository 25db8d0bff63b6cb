/* run_opts: bcsim run's command line, as one struct filled by one parser.
 *
 * Every bound an option has is a named constant here, with the reason for
 * its value. The labs of a run get their part through run_opts_labs; the
 * certificate records the settings that can change a verdict (cmd_run.c). */
#ifndef BC_RUN_OPTS_H
#define BC_RUN_OPTS_H
#include <limits.h>
#include <stdbool.h>

#include "harness/labs.h"

/* The most --jobs takes. The default (labs_default_jobs) may be higher, up to
 * LABS_MAX_JOBS: it is measured against what this machine holds, while a
 * number typed by hand is not, and 64 labs already need about 6 GiB
 * (LAB_COST_KB). */
#define RUN_MAX_JOBS 64
/* The most --repeat takes. Every run's results stay in memory until the
 * runs are combined, and each run writes a run-K folder of evidence; a pass
 * rate needs tens of runs, and a thousand of the whole suite take days. */
#define RUN_MAX_REPEAT 1000
/* How many times --filter, and --tag, may each be given: every one must
 * match, so a handful says all a selection can. */
#define RUN_MAX_SELECTORS 32
/* The largest --seed: 2^53 - 1, the largest whole number a JSON number (a
 * double) holds exactly, since result.json and the certificate record it. */
#define RUN_MAX_SEED 9007199254740991.0
/* --time-scale's range: from a tenth of every time (a fast machine and a
 * fast client) to a hundred times (a sanitized build under load); past
 * those, windows round to nothing or scenarios run for hours. */
#define RUN_MIN_TIME_SCALE 0.1
#define RUN_MAX_TIME_SCALE 100.0

typedef enum {
  RUN_QUIET,   /* -q: the summary only */
  RUN_NORMAL,  /* a line per scenario and its first failure */
  RUN_VERBOSE, /* -v: every check */
} run_verbosity_t;

typedef struct run_opts {
  const char *profile_path; /* --client; the reference's profile by default */
  const char *out;          /* --out */
  const char *vendor_path;  /* --vendor-profile, or NULL */
  const char *sign_key;     /* --sign-key, or NULL */
  const char *filters[RUN_MAX_SELECTORS], *tags[RUN_MAX_SELECTORS];
  int n_filters, n_tags;
  long shard_k, shard_n; /* --shard K/N; both 0 when not given */
  int jobs, repeat;
  double time_scale; /* 1 when not given */
  /* As every lab gets them on its command line; "" when not given, so the
   * scenario's or the profile's own holds. */
  char seed[32], time_scale_arg[32], levels[32];
  bool keep, no_early_stop;
  run_verbosity_t verbosity;
  char **scenarios; /* the SCENARIO|DIR arguments, in argv */
  int n_scenarios;
  char default_profile[PATH_MAX + 64];
} run_opts_t;

/* Fills o from bcsim run's arguments (argv[0] is "run"). Returns -1 when the
 * run goes on; else the exit code, after printing the help (EXIT_PASS for
 * --help) or what is wrong and how to put it right (EXIT_USAGE). */
int run_opts_parse(int argc, char **argv, run_opts_t *o);
/* What every lab of the run gets: --seed, --time-scale, --levels, --keep,
 * --no-early-stop. Its strings point into o, which must outlive it. */
labs_opts_t run_opts_labs(const run_opts_t *o);
#endif
