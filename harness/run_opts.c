#include "harness/run_opts.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"

static const char run_help[] =
    "usage: bcsim run [options] SCENARIO|DIR...\n"
    "\n"
    "Plays scenarios against a client, each in a lab of its own, and writes\n"
    "report.json, junit.xml, report.html and certificate.json into the out dir,\n"
    "with every scenario's capture.pcap, events.jsonl and logs below it.\n"
    "\n"
    "  -c, --client PROFILE      client profile (default: fixtures/clients/reference.json)\n"
    "  -o, --out DIR             output folder (default: out)\n"
    "  -j, --jobs N              scenarios at once, each in its own lab (default: as many as the\n"
    "                            machine's memory, descriptors and namespaces hold, at most 128)\n"
    "  -s, --seed S              seed for every random choice, instead of each scenario's own\n"
    "  -f, --filter GLOB         only scenarios whose id matches (repeatable: all must match)\n"
    "  -t, --tag T               only scenarios with this tag (repeatable: all must be present)\n"
    "      --shard K/N           the K-th of N deterministic shards (merge them with bcsim report merge)\n"
    "      --repeat N            run everything N times: pass rate per scenario, flaky ones marked\n"
    "      --time-scale F        multiply every scenario time, fault duration and client timer by F (e.g. 2 on a slow box)\n"
    "      --levels L            judge only these levels: \"network\" judges the client as a black box,\n"
    "                            even if its profile speaks the session level (default: the profile's)\n"
    "  -V, --vendor-profile FILE expected failures and disabled tests, each with a reason; only a\n"
    "                            SHOULD may be waived without \"waive_must\" (docs/vendor-profile.md)\n"
    "      --sign-key KEY        sign certificate.json with this PEM private key (certificate.json.sig)\n"
    "      --keep                keep each failed scenario's lab up after the run, for\n"
    "                            bcsim shell --lab OUT/SCENARIO, until Ctrl-C\n"
    "      --no-early-stop       run every scenario for its whole duration, even once its\n"
    "                            verdict is decided (the verdicts are the same)\n"
    "  -v, --verbose             print every check, not only the first failure\n"
    "  -q, --quiet               print only the summary\n"
    "\n"
    "exit codes: 0 all pass, 1 conformance failure, 2 bad input or usage,\n"
    "            3 harness or environment error, 4 pass-with-waivers (it passes only because\n"
    "            the vendor profile waives MUST requirements), 130 interrupted (the report keeps\n"
    "            what finished)\n";

enum { OPT_SHARD = 256, OPT_REPEAT, OPT_SCALE, OPT_SIGN, OPT_KEEP, OPT_LEVELS, OPT_NO_EARLY_STOP };

static const struct option long_opts[] = {
    {"client", required_argument, 0, 'c'},     {"out", required_argument, 0, 'o'},
    {"jobs", required_argument, 0, 'j'},       {"seed", required_argument, 0, 's'},
    {"vendor-profile", required_argument, 0, 'V'},
    {"filter", required_argument, 0, 'f'},     {"tag", required_argument, 0, 't'},
    {"shard", required_argument, 0, OPT_SHARD}, {"repeat", required_argument, 0, OPT_REPEAT},
    {"time-scale", required_argument, 0, OPT_SCALE}, {"sign-key", required_argument, 0, OPT_SIGN},
    {"keep", no_argument, 0, OPT_KEEP},        {"no-early-stop", no_argument, 0, OPT_NO_EARLY_STOP},
    {"levels", required_argument, 0, OPT_LEVELS},
    {"verbose", no_argument, 0, 'v'},          {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};

/* arg as a number from lo to hi into *out; false (and *out untouched) when it is none. */
static bool parse_number(const char *arg, double lo, double hi, double *out) {
  char *end = NULL;
  double v = strtod(arg, &end);
  if (!*arg || *end || !(v >= lo && v <= hi)) return false;
  *out = v;
  return true;
}

/* A whole number from 1 to max (--jobs, --repeat) into *out. -1, or EXIT_USAGE said why. */
static int parse_count(const char *name, const char *arg, int max, int *out) {
  double v = 0;
  if (!parse_number(arg, 1, max, &v) || v != (double)(int)v) {
    fprintf(stderr, "error: --%s takes a whole number from 1 to %d, not \"%s\"\n", name, max, arg);
    return EXIT_USAGE;
  }
  *out = (int)v;
  return -1;
}

static int parse_shard(const char *arg, run_opts_t *o) {
  char *slash = NULL;
  o->shard_k = strtol(arg, &slash, 10);
  o->shard_n = slash && *slash == '/' ? strtol(slash + 1, NULL, 10) : 0;
  if (o->shard_n >= 1 && o->shard_k >= 1 && o->shard_k <= o->shard_n) return -1;
  fprintf(stderr, "error: --shard takes K/N with 1 <= K <= N, such as 1/2, not \"%s\"\n", arg);
  return EXIT_USAGE;
}

static int parse_seed(const char *arg, run_opts_t *o) {
  double seed = 0;
  if (!parse_number(arg, 0, RUN_MAX_SEED, &seed) || seed != (double)(unsigned long long)seed) {
    fprintf(stderr, "error: --seed takes a whole number, not \"%s\"\n", arg);
    return EXIT_USAGE;
  }
  snprintf(o->seed, sizeof o->seed, "%llu", (unsigned long long)seed);
  return -1;
}

static int parse_time_scale(const char *arg, run_opts_t *o) {
  if (!parse_number(arg, RUN_MIN_TIME_SCALE, RUN_MAX_TIME_SCALE, &o->time_scale)) {
    fprintf(stderr, "error: --time-scale takes a factor from %g to %g, such as 2, not \"%s\"\n", RUN_MIN_TIME_SCALE,
            RUN_MAX_TIME_SCALE, arg);
    return EXIT_USAGE;
  }
  snprintf(o->time_scale_arg, sizeof o->time_scale_arg, "%g", o->time_scale);
  return -1;
}

static int parse_levels(const char *arg, run_opts_t *o) {
  if (strcmp(arg, "network") != 0 && strcmp(arg, "network,session") != 0) {
    fprintf(stderr, "error: --levels takes \"network\" or \"network,session\", not \"%s\"\n", arg);
    return EXIT_USAGE;
  }
  snprintf(o->levels, sizeof o->levels, "%s", arg);
  return -1;
}

/* Adds a --filter or --tag; a selector past RUN_MAX_SELECTORS is bad usage. */
static int add_selector(const char **list, int *n, const char *arg) {
  if (*n >= RUN_MAX_SELECTORS) return cli_help(run_help, EXIT_USAGE);
  list[(*n)++] = arg;
  return -1;
}

/* One option (getopt_long's c and optarg) into o. -1, or the exit code. */
static int parse_one(int c, const char *arg, run_opts_t *o) {
  switch (c) {
    case 'c': o->profile_path = arg; return -1;
    case 'o': o->out = arg; return -1;
    case 'V': o->vendor_path = arg; return -1;
    case OPT_SIGN: o->sign_key = arg; return -1;
    case OPT_KEEP: o->keep = true; return -1;
    case OPT_NO_EARLY_STOP: o->no_early_stop = true; return -1;
    case 'v': o->verbosity = RUN_VERBOSE; return -1;
    case 'q': o->verbosity = RUN_QUIET; return -1;
    case 'f': return add_selector(o->filters, &o->n_filters, arg);
    case 't': return add_selector(o->tags, &o->n_tags, arg);
    case OPT_LEVELS: return parse_levels(arg, o);
    case OPT_SHARD: return parse_shard(arg, o);
    case 's': return parse_seed(arg, o);
    case OPT_SCALE: return parse_time_scale(arg, o);
    case 'j': return parse_count("jobs", arg, RUN_MAX_JOBS, &o->jobs);
    case OPT_REPEAT: return parse_count("repeat", arg, RUN_MAX_REPEAT, &o->repeat);
    default: return cli_help(run_help, c == 'h' ? EXIT_PASS : EXIT_USAGE);
  }
}

int run_opts_parse(int argc, char **argv, run_opts_t *o) {
  *o = (run_opts_t){.out = "out", .jobs = labs_default_jobs(NULL, 0), .repeat = 1, .time_scale = 1,
                    .verbosity = RUN_NORMAL};
  snprintf(o->default_profile, sizeof o->default_profile, "%s/fixtures/clients/reference.json", cli_srcdir);
  o->profile_path = o->default_profile;
  int c, code = -1;
  optind = 1;
  while (code < 0 && (c = getopt_long(argc, argv, "c:o:j:s:V:f:t:vqh", long_opts, NULL)) != -1) code = parse_one(c, optarg, o);
  if (code >= 0) return code;
  if (optind >= argc) {
    fprintf(stderr, "error: no scenario given\n  hint: bcsim run scenarios/\n");
    return EXIT_USAGE;
  }
  o->scenarios = argv + optind;
  o->n_scenarios = argc - optind;
  return -1;
}

labs_opts_t run_opts_labs(const run_opts_t *o) {
  return (labs_opts_t){.seed = o->seed[0] ? o->seed : NULL,
                       .time_scale = o->time_scale_arg[0] ? o->time_scale_arg : NULL,
                       .levels = o->levels[0] ? o->levels : NULL,
                       .keep = o->keep,
                       .no_early_stop = o->no_early_stop};
}
