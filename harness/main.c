/* bcsim: the command line.
 *
 *   bcsim run [--client PROFILE] [--out DIR] SCENARIO|DIR...
 *   bcsim validate FILE...
 *   bcsim list [DIR]
 *
 * Every input is loaded and validated before any lab is built, so bad input
 * costs nothing and exits 2. Each scenario then runs in a lab of its own (a
 * sandboxed re-execution of this binary, see sim/lab/sandbox.h), and this
 * process collects their results into <out>/report.json. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "harness/catalogue.h"
#include "harness/profile.h"
#include "harness/runner.h"
#include "harness/vendor.h"
#include "harness/scenario.h"
#include "reports/report_json.h"
#include "sim/base/dur.h"
#include "sim/lab/lab.h"
#include "sim/lab/sandbox.h"

#define EXIT_PASS 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_ENV 3
#define EXIT_INTERRUPTED 130
#define MAX_SCENARIOS 512
#define LAB_DEADLINE_SLACK_MS 20000

static volatile sig_atomic_t interrupted;
static volatile pid_t running_labs[64];

static void on_interrupt(int sig) {
  interrupted = 1;
  for (int i = 0; i < 64; i++)
    if (running_labs[i] > 0) kill(running_labs[i], SIGINT);
}

static void usage(FILE *to) {
  fprintf(to,
          "usage: bcsim run [--client PROFILE] [--vendor-profile FILE] [--out DIR] [--jobs N] [--seed S]\n"
          "                 [--filter GLOB] [--tag T] [--shard K/N] SCENARIO|DIR...\n"
          "       bcsim validate FILE...\n"
          "       bcsim list [DIR] | --json [DIR] | --actions | --requirements [SPEC [DIR]]\n"
          "       bcsim selftest [--out DIR] [--jobs N]\n"
          "       bcsim bench-lab [N]\n"
          "\n"
          "  run       plays scenarios against a client and writes DIR/report.json\n"
          "            --client  client profile (default: fixtures/clients/reference.json)\n"
          "            --out     output folder (default: out)\n"
          "            --jobs    scenarios at once, each in its own lab (default: the number of cores)\n"
          "            --seed    seed for every random choice, instead of each scenario's own\n"
          "            --vendor-profile  expected failures and disabled tests, each with a reason\n"
          "            --filter  only scenarios whose id matches the glob (repeatable: all must match)\n"
          "            --tag     only scenarios with this tag (repeatable: all must be present)\n"
          "            --shard   K/N: the K-th of N deterministic shards, for CI matrices\n"
          "  validate  checks scenario files without running them\n"
          "  list      shows scenarios, timeline actions and event types\n"
          "  selftest  runs the suite against the reference client and every defect profile\n"
          "  bench-lab times building and tearing down the lab N times (default 50)\n"
          "\n"
          "exit codes: 0 all pass, 1 conformance failure, 2 bad input or usage,\n"
          "            3 harness or environment error, 130 interrupted\n");
}

static char bindir[PATH_MAX];
static char seed_arg[32]; /* --seed, passed on to every lab; "" keeps each scenario's own */
static char srcdir[PATH_MAX];

/* The build dir holds the binaries; fixtures are found from the source tree
 * recorded at build time, so `build/bcsim run ...` works from any folder. */
static void find_dirs(void) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = 0;
  snprintf(bindir, sizeof bindir, "%s", dirname(exe));
  snprintf(srcdir, sizeof srcdir, "%s", BCSIM_SOURCE_DIR);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Adds path, or every *.json below it (sorted), to list. */
static int collect(const char *path, char **list, int *n) {
  struct stat st;
  if (stat(path, &st) < 0) {
    fprintf(stderr, "%s: error: %s\n  hint: give a scenario file or a folder of them\n", path, strerror(errno));
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    if (*n >= MAX_SCENARIOS) return -1;
    list[(*n)++] = strdup(path);
    return 0;
  }
  DIR *d = opendir(path);
  if (!d) return -1;
  char *names[MAX_SCENARIOS];
  int k = 0;
  struct dirent *e;
  while ((e = readdir(d)) && k < MAX_SCENARIOS) {
    if (e->d_name[0] == '.') continue;
    size_t len = strlen(e->d_name);
    char full[PATH_MAX];
    snprintf(full, sizeof full, "%s/%s", path, e->d_name);
    struct stat s2;
    if (stat(full, &s2) < 0) continue;
    if (S_ISDIR(s2.st_mode) || (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0)) names[k++] = strdup(full);
  }
  closedir(d);
  qsort(names, (size_t)k, sizeof *names, cmp_str);
  int rc = 0;
  for (int i = 0; i < k; i++) {
    if (rc == 0) rc = collect(names[i], list, n);
    free(names[i]);
  }
  return rc;
}

static int mkdirs(const char *path) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static cJSON *read_json(const char *path) {
  char *text = scenario_read_file(path);
  cJSON *j = text ? cJSON_Parse(text) : NULL;
  free(text);
  return j;
}

static void tail_file(const char *path, char *out, size_t outlen) {
  char *text = scenario_read_file(path);
  out[0] = 0;
  if (!text) return;
  size_t n = strlen(text);
  const char *start = n > outlen - 1 ? text + n - (outlen - 1) : text;
  snprintf(out, outlen, "%s", start);
  n = strlen(out);
  while (n && out[n - 1] == '\n') out[--n] = 0;
  free(text);
}

static void print_scenario_line(const cJSON *s) {
  const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "id"));
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "verdict"));
  const cJSON *dur = cJSON_GetObjectItemCaseSensitive(s, "duration_s");
  printf("%-5s %s (%.1fs)\n",
         v ? (strcmp(v, "pass") == 0 ? "PASS" : strcmp(v, "fail") == 0 ? "FAIL" : strcmp(v, "disabled") == 0 ? "SKIP" : "ERROR")
           : "?",
         id ? id : "?", cJSON_IsNumber(dur) ? dur->valuedouble : 0.0);
  const char *err = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "error"));
  const char *reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "reason"));
  if (err) printf("      error: %s\n", err);
  if (reason) printf("      %s\n", reason);
  const cJSON *checks = cJSON_GetObjectItemCaseSensitive(s, "checks");
  for (const cJSON *c = checks ? checks->child : NULL; c; c = c->next) {
    const char *cv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "verdict"));
    if (cv && (strcmp(cv, "pass") == 0 || strcmp(cv, "unsupported") == 0 || strcmp(cv, "disabled") == 0)) continue;
    printf("      %s %s [%s]: %s\n", cv ? cv : "?", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "id")),
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "requirement")),
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "message")));
  }
  fflush(stdout);
}

/* Runs one scenario in its own sandboxed lab and returns its result object. */
/* One scenario's lab, while it runs. */
typedef struct slot {
  pid_t pid; /* 0: free */
  int idx;
  struct timespec started;
  char dir[PATH_MAX];
} slot_t;

/* Starts one scenario in its own sandboxed lab. Returns its pid, or 0 with
 * *result set when it could not even start. */
static pid_t start_one(const scenario_t *sc, const char *profile_path, const char *out, slot_t *slot, cJSON **result) {
  char path[PATH_MAX + 32], log[PATH_MAX + 32], abs_sc[PATH_MAX], abs_prof[PATH_MAX], abs_dir[PATH_MAX];
  char detail[1200];
  snprintf(slot->dir, sizeof slot->dir, "%s/%s", out, sc->id);
  if (mkdirs(slot->dir) < 0) {
    snprintf(detail, sizeof detail, "cannot create %s: %s", slot->dir, strerror(errno));
    *result = report_scenario_error(sc->id, sc->path, detail);
    return 0;
  }
  static const char *const stale[] = {"result.json", "events.jsonl", "capture.pcap", "lab.log"};
  for (size_t i = 0; i < sizeof stale / sizeof stale[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", slot->dir, stale[i]);
    unlink(path);
  }
  if (!realpath(sc->path, abs_sc) || !realpath(profile_path, abs_prof) || !realpath(slot->dir, abs_dir)) {
    snprintf(detail, sizeof detail, "cannot resolve %s or %s", sc->path, profile_path);
    *result = report_scenario_error(sc->id, sc->path, detail);
    return 0;
  }
  snprintf(log, sizeof log, "%s/lab.log", slot->dir);
  char *argv[] = {"bcsim", "__lab", "--scenario", abs_sc, "--profile", abs_prof, "--out", abs_dir, "--bindir", bindir,
                  seed_arg[0] ? "--seed" : NULL, seed_arg, NULL};
  pid_t pid = sandbox_start(argv, log);
  if (pid < 0) {
    *result = report_scenario_error(sc->id, sc->path, "fork failed");
    return 0;
  }
  clock_gettime(CLOCK_MONOTONIC, &slot->started);
  return pid;
}

/* The result of a finished lab: its result.json, or why there is none. */
static cJSON *finish_one(const scenario_t *sc, const slot_t *slot, int code) {
  char path[PATH_MAX + 32], detail[1200], msg[1400];
  snprintf(path, sizeof path, "%s/result.json", slot->dir);
  cJSON *res = read_json(path);
  if (res) return res;
  snprintf(path, sizeof path, "%s/lab.log", slot->dir);
  tail_file(path, detail, 700);
  if (code == SANDBOX_EXIT_DEADLINE)
    snprintf(msg, sizeof msg, "the lab did not finish within %lld ms of its %lld ms scenario and was killed; lab.log says: %s",
             (long long)LAB_DEADLINE_SLACK_MS, (long long)sc->duration_ms, detail[0] ? detail : "(nothing)");
  else if (code == SANDBOX_EXIT_NO_NAMESPACES)
    snprintf(msg, sizeof msg, "the lab could not be created (namespaces refused): %s", detail);
  else
    snprintf(msg, sizeof msg, "the lab exited with code %d and wrote no result; lab.log says: %s", code,
             detail[0] ? detail : "(nothing)");
  return report_scenario_error(sc->id, sc->path, msg);
}

static long elapsed_ms(const struct timespec *since) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Runs every scenario, up to jobs labs at once, and rewrites the report
 * (finished scenarios, in file order) each time one finishes. */
static void run_all(scenario_t **scs, int n, int jobs, const char *profile_path, const char *out, cJSON **results,
                    void (*on_result)(void *ctx), void *ctx) {
  slot_t slots[64] = {0};
  int next = 0, running = 0;
  if (jobs > 64) jobs = 64;
  while ((next < n && !interrupted) || running > 0) {
    for (int k = 0; k < jobs && next < n && !interrupted; k++) {
      if (slots[k].pid) continue;
      while (next < n && results[next]) next++; /* already decided (disabled by the vendor profile) */
      if (next >= n) break;
      cJSON *early = NULL;
      slots[k].idx = next;
      pid_t pid = start_one(scs[next], profile_path, out, &slots[k], &early);
      if (pid == 0) {
        results[next++] = early;
        on_result(ctx);
        continue;
      }
      slots[k].pid = pid;
      running_labs[k] = pid;
      next++;
      running++;
    }
    for (int k = 0; k < jobs; k++) {
      if (!slots[k].pid) continue;
      int code = 0;
      int done = sandbox_poll(slots[k].pid, &code);
      /* Set-up, the scenario, and the teardown grace; anything longer is a hang. */
      if (!done && elapsed_ms(&slots[k].started) > (long)scs[slots[k].idx]->duration_ms + LAB_DEADLINE_SLACK_MS) {
        code = sandbox_kill(slots[k].pid);
        done = 1;
      }
      if (!done) continue;
      results[slots[k].idx] = finish_one(scs[slots[k].idx], &slots[k], code);
      slots[k].pid = 0;
      running_labs[k] = 0;
      running--;
      on_result(ctx);
    }
    struct timespec nap = {0, 20 * 1000000};
    nanosleep(&nap, NULL);
  }
}

typedef struct run_ctx {
  vendor_t *vendor; /* NULL: none */
  int n;
  cJSON **results; /* by scenario, NULL until finished */
  bool *printed;
  const char *client, *profile, *vendor_path;
  char report_path[PATH_MAX + 16];
} run_ctx_t;

static cJSON *build_report(const run_ctx_t *ctx) {
  cJSON *report = report_new(ctx->client, ctx->profile);
  if (ctx->vendor) {
    cJSON *vp = cJSON_AddObjectToObject(report, "vendor_profile");
    cJSON_AddStringToObject(vp, "name", vendor_name(ctx->vendor));
    cJSON_AddStringToObject(vp, "path", ctx->vendor_path);
  }
  for (int i = 0; i < ctx->n; i++)
    if (ctx->results[i]) report_add(report, cJSON_Duplicate(ctx->results[i], 1));
  report_summarize(report, interrupted);
  return report;
}

/* After each finished scenario: print it, and rewrite the report, so a crash
 * or an interrupt loses nothing that finished. */
static void on_result(void *arg) {
  run_ctx_t *ctx = arg;
  for (int i = 0; i < ctx->n; i++) {
    if (ctx->results[i] && !ctx->printed[i]) {
      if (ctx->vendor) vendor_apply(ctx->vendor, ctx->results[i]);
      print_scenario_line(ctx->results[i]);
      ctx->printed[i] = true;
    }
  }
  cJSON *report = build_report(ctx);
  report_write_file(report, ctx->report_path);
  cJSON_Delete(report);
}

static int cmp_scenario_id(const void *a, const void *b) {
  return strcmp((*(scenario_t *const *)a)->id, (*(scenario_t *const *)b)->id);
}

/* Keeps the scenarios that match every --filter glob (on the id) and carry
 * every --tag, then the K-th of N shards of those, taken by id order so that
 * every machine of a CI matrix computes the same split. Frees the others;
 * returns how many remain. */
static int select_scenarios(scenario_t **scs, int n, const char **filters, int n_filters, const char **tags, int n_tags,
                            int shard_k, int shard_n) {
  int kept = 0;
  for (int i = 0; i < n; i++) {
    bool keep = true;
    for (int f = 0; f < n_filters; f++) keep = keep && fnmatch(filters[f], scs[i]->id, 0) == 0;
    for (int t = 0; t < n_tags; t++) {
      bool has = false;
      for (int k = 0; k < scs[i]->n_tags; k++) has = has || strcmp(scs[i]->tags[k], tags[t]) == 0;
      keep = keep && has;
    }
    if (keep) scs[kept++] = scs[i];
    else scenario_free(scs[i]);
  }
  if (shard_n > 1) {
    qsort(scs, (size_t)kept, sizeof *scs, cmp_scenario_id);
    int mine = 0;
    for (int i = 0; i < kept; i++) {
      if (i % shard_n == shard_k - 1) scs[mine++] = scs[i];
      else scenario_free(scs[i]);
    }
    kept = mine;
  }
  return kept;
}

/* Loads every scenario named by args. Exit-2 problems are printed. */
static int load_all(int argc, char **argv, scenario_t **scs, int *n_sc) {
  char *files[MAX_SCENARIOS];
  int n = 0, bad = 0;
  for (int i = 0; i < argc; i++)
    if (collect(argv[i], files, &n) < 0) bad = 1;
  for (int i = 0; i < n; i++) {
    diag_t d;
    scenario_t *sc = scenario_load(files[i], &d);
    if (!sc) {
      diag_print(&d, stderr);
      bad = 1;
    } else {
      for (int k = 0; k < *n_sc; k++) {
        if (strcmp(scs[k]->id, sc->id) == 0) {
          fprintf(stderr, "%s: error: scenario id \"%s\" is already used by %s\n  hint: ids name output folders; make them unique\n",
                  files[i], sc->id, scs[k]->path);
          bad = 1;
        }
      }
      scs[(*n_sc)++] = sc;
    }
    free(files[i]);
  }
  if (n == 0 && !bad) {
    fprintf(stderr, "error: no scenario files found\n  hint: give .json scenario files or folders holding them\n");
    bad = 1;
  }
  return bad ? -1 : 0;
}

static int cmd_run(int argc, char **argv) {
  static const struct option opts[] = {{"client", required_argument, 0, 'c'}, {"out", required_argument, 0, 'o'},
                                       {"jobs", required_argument, 0, 'j'}, {"seed", required_argument, 0, 's'},
                                       {"vendor-profile", required_argument, 0, 'V'}, {"filter", required_argument, 0, 'f'},
                                       {"tag", required_argument, 0, 't'}, {"shard", required_argument, 0, 'S'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  char default_profile[PATH_MAX + 64];
  snprintf(default_profile, sizeof default_profile, "%s/fixtures/clients/reference.json", srcdir);
  const char *profile_path = default_profile, *out = "out";
  int c, code = EXIT_USAGE;
  long jobs = sysconf(_SC_NPROCESSORS_ONLN);
  optind = 1;
  const char *vendor_path = NULL, *filters[32], *tags[32];
  int n_filters = 0, n_tags = 0;
  long shard_k = 0, shard_n = 0;
  while ((c = getopt_long(argc, argv, "c:o:j:s:V:f:t:S:h", opts, NULL)) != -1) {
    if (c == 'c') profile_path = optarg;
    else if (c == 'f' && n_filters < 32) filters[n_filters++] = optarg;
    else if (c == 't' && n_tags < 32) tags[n_tags++] = optarg;
    else if (c == 'S') {
      char *slash = NULL;
      shard_k = strtol(optarg, &slash, 10);
      shard_n = slash && *slash == '/' ? strtol(slash + 1, NULL, 10) : 0;
      if (shard_n < 1 || shard_k < 1 || shard_k > shard_n) {
        fprintf(stderr, "error: --shard takes K/N with 1 <= K <= N, such as 1/2, not \"%s\"\n", optarg);
        return EXIT_USAGE;
      }
    }
    else if (c == 'V') vendor_path = optarg;
    else if (c == 's') {
      char *end = NULL;
      unsigned long long v = strtoull(optarg, &end, 10);
      if (!*optarg || *end || v > 9007199254740991ULL) {
        fprintf(stderr, "error: --seed takes a whole number, not \"%s\"\n", optarg);
        return EXIT_USAGE;
      }
      snprintf(seed_arg, sizeof seed_arg, "%llu", v);
    }
    else if (c == 'o') out = optarg;
    else if (c == 'j') {
      char *end = NULL;
      jobs = strtol(optarg, &end, 10);
      if (*end || jobs < 1 || jobs > 64) {
        fprintf(stderr, "error: --jobs takes a number from 1 to 64, not \"%s\"\n", optarg);
        return EXIT_USAGE;
      }
    }
    else if (c == 'h') {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "error: no scenario given\n  hint: bcsim run scenarios/\n");
    return EXIT_USAGE;
  }
  scenario_t *scs[MAX_SCENARIOS];
  int n_sc = 0;
  diag_t d;
  run_ctx_t ctx = {0};
  profile_t *prof = profile_load(profile_path, &d);
  if (!prof) diag_print(&d, stderr);
  if (vendor_path && !(ctx.vendor = vendor_load(vendor_path, &d))) {
    diag_print(&d, stderr);
    goto out;
  }
  if (load_all(argc - optind, argv + optind, scs, &n_sc) < 0 || !prof) goto out;
  n_sc = select_scenarios(scs, n_sc, filters, n_filters, tags, n_tags, (int)shard_k, (int)shard_n);
  if (n_sc == 0) {
    fprintf(stderr, "error: no scenario is selected\n  hint: check --filter, --tag and --shard against `bcsim list`\n");
    goto out;
  }
  if (mkdirs(out) < 0) {
    fprintf(stderr, "%s: error: cannot create the output folder: %s\n", out, strerror(errno));
    goto out;
  }
  struct sigaction sa = {.sa_handler = on_interrupt};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  ctx.n = n_sc;
  ctx.client = prof->name;
  ctx.profile = profile_path;
  ctx.vendor_path = vendor_path;
  ctx.results = calloc((size_t)n_sc, sizeof *ctx.results);
  ctx.printed = calloc((size_t)n_sc, sizeof *ctx.printed);
  snprintf(ctx.report_path, sizeof ctx.report_path, "%s/report.json", out);
  if (!ctx.results || !ctx.printed) goto out;
  for (int i = 0; ctx.vendor && i < n_sc; i++) {
    const char *why = vendor_disabled_scenario(ctx.vendor, scs[i]->id);
    if (!why) continue;
    char msg[600];
    snprintf(msg, sizeof msg, "disabled by vendor profile %s: %s", vendor_name(ctx.vendor), why);
    ctx.results[i] = report_scenario_error(scs[i]->id, scs[i]->path, msg);
    cJSON_ReplaceItemInObjectCaseSensitive(ctx.results[i], "verdict", cJSON_CreateString("disabled"));
    cJSON_DeleteItemFromObjectCaseSensitive(ctx.results[i], "error");
    cJSON_AddStringToObject(ctx.results[i], "reason", msg);
  }
  run_all(scs, n_sc, jobs < 1 ? 1 : (int)jobs, profile_path, out, ctx.results, on_result, &ctx);
  cJSON *report = build_report(&ctx);
  char *report_path = ctx.report_path;
  code = report_summarize(report, interrupted);
  if (report_write_file(report, report_path) < 0) {
    fprintf(stderr, "error: cannot write %s: %s\n", report_path, strerror(errno));
    code = EXIT_ENV;
  }
  if (ctx.vendor) vendor_warn_unused(ctx.vendor, stderr);
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(report, "summary");
  const cJSON *cks = cJSON_GetObjectItemCaseSensitive(sum, "checks");
  int xpass = cJSON_GetObjectItemCaseSensitive(cks, "xpass")->valueint;
  int xfail = cJSON_GetObjectItemCaseSensitive(cks, "xfail")->valueint;
  int unsup = cJSON_GetObjectItemCaseSensitive(cks, "unsupported")->valueint;
  if (xfail || xpass || unsup)
    printf("checks: %d expected failures (xfail), %d unexpected passes (xpass), %d unsupported\n", xfail, xpass, unsup);
  if (xpass)
    printf("note: %d expected failure(s) passed: update the vendor profile (see the xpass checks in the report)\n", xpass);
  printf("%d scenarios: %d passed, %d failed, %d errors, %d disabled. Report: %s\n",
         cJSON_GetObjectItemCaseSensitive(sum, "scenarios")->valueint, cJSON_GetObjectItemCaseSensitive(sum, "passed")->valueint,
         cJSON_GetObjectItemCaseSensitive(sum, "failed")->valueint, cJSON_GetObjectItemCaseSensitive(sum, "errors")->valueint,
         cJSON_GetObjectItemCaseSensitive(sum, "disabled")->valueint, report_path);
  cJSON_Delete(report);
out:
  if (ctx.results)
    for (int i = 0; i < n_sc; i++) cJSON_Delete(ctx.results[i]);
  free(ctx.results);
  free(ctx.printed);
  vendor_free(ctx.vendor);
  for (int i = 0; i < n_sc; i++) scenario_free(scs[i]);
  profile_free(prof);
  return code;
}

static void quiet_result(void *ctx) {}

/* Requirements with failing checks in results, appended to list (a
 * space-separated string). Returns whether `want` is among them. */
static bool failed_requirements(cJSON **results, int n, char *list, size_t len, const char *want) {
  bool found = false;
  for (int i = 0; i < n; i++) {
    const cJSON *cs = results[i] ? cJSON_GetObjectItemCaseSensitive(results[i], "checks") : NULL;
    for (const cJSON *c = cs ? cs->child : NULL; c; c = c->next) {
      const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "verdict"));
      const char *r = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "requirement"));
      if (!v || !r || strcmp(v, "fail") != 0) continue;
      found = found || (want && strcmp(r, want) == 0);
      char needle[80];
      snprintf(needle, sizeof needle, " %s ", r);
      char padded[4096];
      snprintf(padded, sizeof padded, " %s ", list);
      if (!strstr(padded, needle) && strlen(list) + strlen(r) + 2 < len) {
        if (*list) strcat(list, " ");
        strcat(list, r);
      }
    }
  }
  return found;
}

/* bcsim selftest: the suite's own proof. The reference client must pass
 * everything, and every defect profile must be caught by a failing check that
 * names the requirement it violates. */
static int cmd_selftest(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, 0, 'o'}, {"jobs", required_argument, 0, 'j'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  const char *out = "out/selftest";
  long jobs = sysconf(_SC_NPROCESSORS_ONLN);
  int c, code = EXIT_ENV;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:j:h", opts, NULL)) != -1) {
    if (c == 'o') out = optarg;
    else if (c == 'j') jobs = strtol(optarg, NULL, 10);
    else {
      fprintf(c == 'h' ? stdout : stderr, "usage: bcsim selftest [--out DIR] [--jobs N]\n");
      return c == 'h' ? 0 : EXIT_USAGE;
    }
  }
  if (jobs < 1 || jobs > 64) jobs = 1;
  char dir[PATH_MAX + 32], clients[PATH_MAX + 32], ref[PATH_MAX + 64], path[PATH_MAX * 2];
  snprintf(dir, sizeof dir, "%s/scenarios", srcdir);
  snprintf(clients, sizeof clients, "%s/fixtures/clients", srcdir);
  snprintf(ref, sizeof ref, "%s/reference.json", clients);
  scenario_t *scs[MAX_SCENARIOS];
  int n = 0;
  char *dirs[] = {dir};
  if (load_all(1, dirs, scs, &n) < 0 || mkdirs(out) < 0) return EXIT_USAGE;
  struct sigaction sa = {.sa_handler = on_interrupt};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  cJSON **results = calloc((size_t)n, sizeof *results);
  if (!results) goto out;

  printf("reference client: %d scenarios, %ld at once...\n", n, jobs);
  snprintf(path, sizeof path, "%s/reference", out);
  mkdirs(path);
  run_ctx_t rctx = {.n = n, .results = results, .client = "reference", .profile = ref};
  rctx.printed = calloc((size_t)n, sizeof *rctx.printed);
  snprintf(rctx.report_path, sizeof rctx.report_path, "%s/report.json", path);
  if (!rctx.printed) goto out;
  run_all(scs, n, (int)jobs, ref, path, results, on_result, &rctx);
  free(rctx.printed);
  int ref_pass = 0;
  char ref_failed[4096] = "";
  for (int i = 0; i < n; i++) {
    const char *v = results[i] ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(results[i], "verdict")) : NULL;
    if (v && strcmp(v, "pass") == 0) ref_pass++;
  }
  failed_requirements(results, n, ref_failed, sizeof ref_failed, NULL);
  printf("reference client: %d/%d scenarios pass%s%s\n\n", ref_pass, n, ref_failed[0] ? "; failing: " : "", ref_failed);
  for (int i = 0; i < n; i++) {
    cJSON_Delete(results[i]);
    results[i] = NULL;
  }

  /* Every defect profile, alphabetically. */
  char *files[MAX_SCENARIOS];
  int nf = 0;
  DIR *d = opendir(clients);
  struct dirent *e;
  while (d && (e = readdir(d)) && nf < MAX_SCENARIOS)
    if (strncmp(e->d_name, "defect-", 7) == 0 && strstr(e->d_name, ".json")) {
      snprintf(path, sizeof path, "%s/%s", clients, e->d_name);
      files[nf++] = strdup(path);
    }
  if (d) closedir(d);
  qsort(files, (size_t)nf, sizeof *files, cmp_str);
  int caught = 0;
  printf("%-28s %-10s %-7s %s\n", "defect", "violates", "caught", "requirements failed (scenarios run)");
  for (int f = 0; f < nf && !interrupted; f++) {
    diag_t dg;
    profile_t *p = profile_load(files[f], &dg);
    if (!p || !p->violates[0]) {
      if (p) fprintf(stderr, "%s: error: a defect profile must say which requirement it \"violates\"\n", files[f]);
      else diag_print(&dg, stderr);
      profile_free(p);
      continue;
    }
    /* Candidates: its "catch" scenarios first, then every other scenario with a check of the requirement. */
    scenario_t *cand[MAX_SCENARIOS];
    int nc = 0;
    for (int k = 0; k < p->n_catch; k++)
      for (int i = 0; i < n; i++)
        if (strcmp(scs[i]->id, p->catch_ids[k]) == 0) cand[nc++] = scs[i];
    for (int i = 0; i < n; i++) {
      bool named = false, already = false;
      for (int k = 0; k < scs[i]->n_checks; k++) named = named || strcmp(scs[i]->checks[k].requirement, p->violates) == 0;
      for (int k = 0; k < nc; k++) already = already || cand[k] == scs[i];
      if (named && !already) cand[nc++] = scs[i];
    }
    char failed[4096] = "";
    bool hit = false;
    int ran = 0;
    snprintf(path, sizeof path, "%s/%s", out, p->name);
    mkdirs(path);
    for (int start = 0; start < nc && !hit && !interrupted; start += (int)jobs) {
      int batch = nc - start < jobs ? nc - start : (int)jobs;
      run_all(cand + start, batch, (int)jobs, files[f], path, results, quiet_result, NULL);
      hit = failed_requirements(results, batch, failed, sizeof failed, p->violates);
      ran += batch;
      for (int i = 0; i < batch; i++) {
        cJSON_Delete(results[i]);
        results[i] = NULL;
      }
    }
    caught += hit;
    printf("%-28s %-10s %-7s %s (%d)\n", p->name, p->violates, hit ? "yes" : "NO", failed[0] ? failed : "-", ran);
    profile_free(p);
  }
  for (int f = 0; f < nf; f++) free(files[f]);
  printf("\nselftest: reference %s (%d/%d); %d/%d defects caught by a check of the requirement they violate\n",
         ref_pass == n ? "passes" : "FAILS", ref_pass, n, caught, nf);
  code = interrupted ? EXIT_INTERRUPTED : (ref_pass == n && caught == nf && nf > 0) ? 0 : EXIT_FAIL;
out:
  free(results);
  for (int i = 0; i < n; i++) scenario_free(scs[i]);
  return code;
}

static int cmd_validate(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bcsim validate FILE...\n");
    return EXIT_USAGE;
  }
  scenario_t *scs[MAX_SCENARIOS];
  int n = 0;
  int rc = load_all(argc - 1, argv + 1, scs, &n);
  for (int i = 0; i < n; i++) {
    if (rc == 0) printf("ok %s (%s)\n", scs[i]->path, scs[i]->id);
    scenario_free(scs[i]);
  }
  return rc < 0 ? EXIT_USAGE : 0;
}

/* The requirement matrix: docs/SPEC.md against every check of every
 * scenario. Inconsistencies are errors (exit 2): a requirement nothing
 * checks, a check of a requirement the spec lacks, or a stale "Checked by". */
static int list_requirements(const char *spec_path, const char *scen_dir) {
  char *spec = scenario_read_file(spec_path);
  scenario_t *scs[MAX_SCENARIOS];
  int n = 0, bad = 0;
  if (!spec) {
    fprintf(stderr, "%s: error: cannot read the spec\n", spec_path);
    return EXIT_USAGE;
  }
  char *dirs[] = {(char *)scen_dir};
  if (load_all(1, dirs, scs, &n) < 0) {
    free(spec);
    return EXIT_USAGE;
  }
  typedef struct req {
    char id[SC_NAME], level[8], checked_by[2048];
    int line;
  } req_t;
  static req_t reqs[256];
  int nr = 0, line = 1;
  for (char *p = spec; *p; line++) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = 0;
    char id[SC_NAME], level[8];
    if (sscanf(p, "### %63[A-Z0-9-] (%7[A-Z])", id, level) == 2 && nr < 256) {
      snprintf(reqs[nr].id, sizeof reqs[nr].id, "%s", id);
      snprintf(reqs[nr].level, sizeof reqs[nr].level, "%s", level);
      reqs[nr].checked_by[0] = 0;
      reqs[nr].line = line;
      nr++;
    } else if (nr > 0 && strncmp(p, "- Checked by:", 13) == 0) {
      snprintf(reqs[nr - 1].checked_by, sizeof reqs[nr - 1].checked_by, "%s", p + 13);
    }
    if (!nl) break;
    p = nl + 1;
  }
  for (int i = 0; i < n; i++) {
    for (int c = 0; c < scs[i]->n_checks; c++) {
      bool known = false;
      for (int r = 0; r < nr; r++) known = known || strcmp(reqs[r].id, scs[i]->checks[c].requirement) == 0;
      if (!known) {
        fprintf(stderr, "%s: error: check \"%s\" names requirement %s, which %s does not define\n", scs[i]->path,
                scs[i]->checks[c].id, scs[i]->checks[c].requirement, spec_path);
        bad = 1;
      }
    }
  }
  printf("%-10s %-6s %6s %9s  scenarios (checks)\n", "requirement", "level", "checks", "scenarios");
  for (int r = 0; r < nr; r++) {
    char line_buf[8192] = "", expected[2048] = "";
    size_t used = 0, eused = 0;
    int n_checks = 0, n_scen = 0;
    for (int i = 0; i < n; i++) {
      int here = 0;
      for (int c = 0; c < scs[i]->n_checks; c++) {
        if (strcmp(scs[i]->checks[c].requirement, reqs[r].id) != 0) continue;
        used += (size_t)snprintf(line_buf + used, sizeof line_buf - used, "%s%s%s", here ? ", " : (n_scen ? "; " : ""),
                                 here ? "" : scs[i]->id, "");
        if (!here) used += (size_t)snprintf(line_buf + used, sizeof line_buf - used, " (");
        used += (size_t)snprintf(line_buf + used, sizeof line_buf - used, "%s", scs[i]->checks[c].id);
        here++;
        n_checks++;
      }
      if (here) {
        used += (size_t)snprintf(line_buf + used, sizeof line_buf - used, ")");
        n_scen++;
      }
    }
    /* The spec's list, in the same (sorted) order the spec is written in. */
    const char *names[MAX_SCENARIOS];
    int k = 0;
    for (int i = 0; i < n; i++)
      for (int c = 0; c < scs[i]->n_checks; c++)
        if (strcmp(scs[i]->checks[c].requirement, reqs[r].id) == 0) {
          names[k++] = scs[i]->id;
          break;
        }
    qsort(names, (size_t)k, sizeof *names, cmp_str);
    for (int i = 0; i < k; i++) eused += (size_t)snprintf(expected + eused, sizeof expected - eused, "%s`%s`", i ? ", " : " ", names[i]);
    printf("%-11s %-6s %6d %9d  %s\n", reqs[r].id, reqs[r].level, n_checks, n_scen, line_buf);
    if (n_checks == 0) {
      fprintf(stderr, "%s:%d: error: requirement %s has no check in any scenario\n  hint: write a scenario that can fail a client that breaks it\n",
              spec_path, reqs[r].line, reqs[r].id);
      bad = 1;
    } else if (strcmp(expected, reqs[r].checked_by) != 0) {
      fprintf(stderr, "%s:%d: error: the \"Checked by\" line of %s is out of date\n  hint: it should read: - Checked by:%s\n",
              spec_path, reqs[r].line, reqs[r].id, expected);
      bad = 1;
    }
  }
  for (int i = 0; i < n; i++) scenario_free(scs[i]);
  free(spec);
  return bad ? EXIT_USAGE : 0;
}

static int cmd_list(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--requirements") == 0) {
    char spec[PATH_MAX + 32], dir[PATH_MAX + 32];
    snprintf(spec, sizeof spec, "%s/docs/SPEC.md", srcdir);
    snprintf(dir, sizeof dir, "%s/scenarios", srcdir);
    return list_requirements(argc > 2 ? argv[2] : spec, argc > 3 ? argv[3] : dir);
  }
  if (argc > 1 && strcmp(argv[1], "--json") == 0) {
    char def[PATH_MAX + 16];
    snprintf(def, sizeof def, "%s/scenarios", srcdir);
    char *dirs[] = {argc > 2 ? argv[2] : def};
    scenario_t *scs[MAX_SCENARIOS];
    int n = 0;
    int rc = load_all(1, dirs, scs, &n);
    cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "scenarios");
    for (int i = 0; i < n; i++) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "id", scs[i]->id);
      cJSON_AddStringToObject(o, "title", scs[i]->title);
      cJSON_AddStringToObject(o, "file", scs[i]->path);
      cJSON *tg = cJSON_AddArrayToObject(o, "tags");
      for (int t = 0; t < scs[i]->n_tags; t++) cJSON_AddItemToArray(tg, cJSON_CreateString(scs[i]->tags[t]));
      cJSON *rq = cJSON_AddArrayToObject(o, "requirements");
      for (int c = 0; c < scs[i]->n_checks; c++) {
        bool seen = false;
        for (const cJSON *it = rq->child; it; it = it->next) seen = seen || strcmp(it->valuestring, scs[i]->checks[c].requirement) == 0;
        if (!seen) cJSON_AddItemToArray(rq, cJSON_CreateString(scs[i]->checks[c].requirement));
      }
      cJSON_AddItemToArray(list, o);
      scenario_free(scs[i]);
    }
    cJSON *acts = cJSON_AddArrayToObject(root, "actions");
    for (int i = 0; i < cat_n_actions; i++) {
      cJSON *o = cJSON_CreateObject();
      cJSON_AddStringToObject(o, "name", cat_actions[i].name);
      cJSON_AddStringToObject(o, "doc", cat_actions[i].doc);
      cJSON_AddStringToObject(o, "targets", cat_actions[i].targets);
      cJSON *ps = cJSON_AddArrayToObject(o, "params");
      for (const cat_param_t *p = cat_actions[i].params; p && p->name; p++) cJSON_AddItemToArray(ps, cJSON_CreateString(p->name));
      cJSON_AddItemToArray(acts, o);
    }
    cJSON *evs = cJSON_AddArrayToObject(root, "event_types");
    for (int i = 0; i < sc_n_event_types; i++) cJSON_AddItemToArray(evs, cJSON_CreateString(sc_event_types[i]));
    char *text = cJSON_Print(root);
    printf("%s\n", text ? text : "{}");
    cJSON_free(text);
    cJSON_Delete(root);
    return rc < 0 ? EXIT_USAGE : 0;
  }
  if (argc > 1 && strcmp(argv[1], "--actions") == 0) {
    for (int i = 0; i < cat_n_actions; i++) printf("%s\n", cat_actions[i].name);
    return 0;
  }
  char def[PATH_MAX + 16];
  snprintf(def, sizeof def, "%s/scenarios", srcdir);
  char *dirs[] = {argc > 1 ? argv[1] : def};
  scenario_t *scs[MAX_SCENARIOS];
  int n = 0;
  int rc = load_all(1, dirs, scs, &n);
  printf("scenarios:\n");
  for (int i = 0; i < n; i++) {
    printf("  %-32s %s [", scs[i]->id, scs[i]->title);
    for (int t = 0; t < scs[i]->n_tags; t++) printf("%s%s", t ? " " : "", scs[i]->tags[t]);
    printf("]\n");
    scenario_free(scs[i]);
  }
  printf("timeline actions:\n");
  for (int i = 0; i < cat_n_actions; i++) {
    const cat_action_t *a = &cat_actions[i];
    printf("  %-20s %s\n  %-20s   targets: %s\n", a->name, a->doc, "", a->targets);
    for (const cat_param_t *p = a->params; p && p->name; p++) printf("  %-20s   param %s: %s\n", "", p->name, p->doc);
  }
  printf("event types:\n ");
  for (int i = 0; i < sc_n_event_types; i++) printf(" %s", sc_event_types[i]);
  printf("\n");
  return rc < 0 ? EXIT_USAGE : 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Inside the sandbox: builds and tears down the lab n times, and prints
 * the distribution. Teardown is the time to let go of the namespaces; the
 * kernel frees them asynchronously afterwards. */
static int labbench_inner(int n) {
  double setup[1000], teardown[1000], total[1000];
  char err[512];
  if (n < 1 || n > 1000) return EXIT_USAGE;
  for (int i = 0; i < n; i++) {
    int64_t t0 = dur_now_us();
    lab_t *lab = lab_new(err, sizeof err);
    int64_t t1 = dur_now_us();
    if (!lab) {
      fprintf(stderr, "bench-lab: %s\n", err);
      return EXIT_ENV;
    }
    lab_free(lab);
    int64_t t2 = dur_now_us();
    setup[i] = (double)(t1 - t0) / 1000.0;
    teardown[i] = (double)(t2 - t1) / 1000.0;
    total[i] = (double)(t2 - t0) / 1000.0;
  }
  qsort(setup, (size_t)n, sizeof(double), cmp_double);
  qsort(teardown, (size_t)n, sizeof(double), cmp_double);
  qsort(total, (size_t)n, sizeof(double), cmp_double);
  printf("lab set-up + teardown over %d runs (4 hosts, 3 veth pairs, dual stack):\n", n);
  printf("  set-up    median %6.2f ms   p95 %6.2f ms   max %6.2f ms\n", setup[n / 2], setup[n * 95 / 100], setup[n - 1]);
  printf("  teardown  median %6.2f ms   p95 %6.2f ms   max %6.2f ms\n", teardown[n / 2], teardown[n * 95 / 100], teardown[n - 1]);
  printf("  total     median %6.2f ms   p95 %6.2f ms   max %6.2f ms\n", total[n / 2], total[n * 95 / 100], total[n - 1]);
  return 0;
}

static int cmd_bench_lab(int argc, char **argv) {
  char n[16];
  snprintf(n, sizeof n, "%s", argc > 1 ? argv[1] : "50");
  char *args[] = {"bcsim", "__labbench", n, NULL};
  pid_t pid = sandbox_start(args, NULL);
  return pid < 0 ? EXIT_ENV : sandbox_wait(pid, 120000);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "__lab") == 0) return runner_main(argc, argv);
  if (argc > 2 && strcmp(argv[1], "__labbench") == 0) return labbench_inner((int)strtol(argv[2], NULL, 10));
  find_dirs();
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_USAGE : 0;
  }
  if (strcmp(argv[1], "run") == 0) return cmd_run(argc - 1, argv + 1);
  if (strcmp(argv[1], "validate") == 0) return cmd_validate(argc - 1, argv + 1);
  if (strcmp(argv[1], "list") == 0) return cmd_list(argc - 1, argv + 1);
  if (strcmp(argv[1], "bench-lab") == 0) return cmd_bench_lab(argc - 1, argv + 1);
  if (strcmp(argv[1], "selftest") == 0) return cmd_selftest(argc - 1, argv + 1);
  fprintf(stderr, "error: unknown command \"%s\"\n", argv[1]);
  usage(stderr);
  return EXIT_USAGE;
}
