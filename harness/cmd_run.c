/* bcsim run and bcsim selftest: scenarios played in labs, judged, reported. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "harness/catalogue.h"
#include "harness/cli.h"
#include "harness/profile.h"
#include "harness/runner.h"
#include "harness/vendor.h"
#include "harness/scenario.h"
#include "reports/certificate.h"
#include "reports/outputs.h"
#include "reports/report_json.h"
#include "sim/base/strv.h"
#include "sim/base/dur.h"
#include "sim/lab/lab.h"
#include "sim/lab/sandbox.h"

#define LAB_DEADLINE_SLACK_MS 20000

static volatile sig_atomic_t interrupted;
static volatile pid_t running_labs[64];

static void on_interrupt(int sig) {
  interrupted = 1;
  for (int i = 0; i < 64; i++)
    if (running_labs[i] > 0) kill(running_labs[i], SIGINT);
}

static char seed_arg[32];  /* --seed, passed on to every lab; "" keeps each scenario's own */
static char scale_arg[32]; /* --time-scale, passed on to every lab; "" is 1 */
static bool keep_failed;   /* --keep: a failed scenario's lab stays up for bcsim shell */
static pid_t kept_labs[64]; /* the labs kept so far */
static char kept_dirs[64][PATH_MAX];
static int n_kept;
static int verbosity = 1;  /* 0 -q: the summary only; 1: a line per scenario and its first failure; 2 -v: every check */
static bool progress_bar;  /* stdout is a terminal: keep a live progress line at the bottom */

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
  if (verbosity == 0) return;
  const char *v = report_str(s, "verdict");
  const cJSON *dur = cJSON_GetObjectItemCaseSensitive(s, "duration_s");
  if (progress_bar) fputs("\r\033[K", stdout);
  printf("%-5s %s (%.1fs)\n",
         strcmp(v, "pass") == 0 ? "PASS" : strcmp(v, "fail") == 0 ? "FAIL" : strcmp(v, "disabled") == 0 ? "SKIP" : "ERROR",
         report_str(s, "id"), cJSON_IsNumber(dur) ? dur->valuedouble : 0.0);
  if (*report_str(s, "error")) printf("      error: %s\n", report_str(s, "error"));
  if (*report_str(s, "reason")) printf("      %s\n", report_str(s, "reason"));
  const cJSON *checks = cJSON_GetObjectItemCaseSensitive(s, "checks");
  int shown = 0, more = 0;
  for (const cJSON *c = checks ? checks->child : NULL; c; c = c->next) {
    const char *cv = report_str(c, "verdict");
    bool quiet = strcmp(cv, "pass") == 0 || strcmp(cv, "unsupported") == 0 || strcmp(cv, "disabled") == 0;
    if (quiet && verbosity < 2) continue;
    if (shown && verbosity < 2) {
      more++;
      continue;
    }
    printf("      %s %s [%s]: %s\n", cv, report_str(c, "id"), report_check_proves(c), report_str(c, "message"));
    shown++;
  }
  if (more) printf("      ... and %d more (-v shows every check; the report has them all)\n", more);
  if (verbosity >= 2 && cJSON_GetObjectItemCaseSensitive(s, "artifacts"))
    printf("      artefacts: %s\n", report_str(cJSON_GetObjectItemCaseSensitive(s, "artifacts"), "events"));
  fflush(stdout);
}

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
  if (cli_mkdirs(slot->dir) < 0) {
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
  char *argv[16] = {"bcsim", "__lab", "--scenario", abs_sc, "--profile", abs_prof, "--out", abs_dir, "--bindir", cli_bindir};
  int argc = 10;
  if (seed_arg[0]) argv[argc++] = "--seed", argv[argc++] = seed_arg;
  if (scale_arg[0]) argv[argc++] = "--time-scale", argv[argc++] = scale_arg;
  if (keep_failed) argv[argc++] = "--keep";
  argv[argc] = NULL;
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
  cJSON *res = cli_read_json(path);
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

/* --keep: a lab that judged its scenario a failure publishes lab.json and stays up. */
static bool lab_was_kept(const slot_t *slot) {
  char marker[PATH_MAX + 16];
  snprintf(marker, sizeof marker, "%s/lab.json", slot->dir);
  return access(marker, F_OK) == 0;
}

static long elapsed_ms(const struct timespec *since) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void quiet_result(void *ctx) {}

/* The live line at the bottom of a terminal: a bar, the count, and what is running. */
static void draw_progress(scenario_t **scs, int n, cJSON **results, const slot_t *slots, int jobs,
                          const struct timespec *t0) {
  int done = 0;
  for (int i = 0; i < n; i++) done += results[i] != NULL;
  char bar[32], line[512];
  int filled = n ? done * 20 / n : 20;
  for (int i = 0; i < 20; i++) bar[i] = i < filled ? '#' : '.';
  bar[20] = 0;
  int used = snprintf(line, sizeof line, "[%s] %d/%d %lds", bar, done, n, elapsed_ms(t0) / 1000);
  int shown = 0;
  for (int k = 0; k < jobs && used < (int)sizeof line; k++) {
    if (!slots[k].pid) continue;
    used += snprintf(line + used, sizeof line - (size_t)used, "%s%s", shown++ ? ", " : "  running: ",
                     scs[slots[k].idx]->id);
  }
  /* One terminal line, or the carriage return cannot take it back. */
  struct winsize ws;
  int cols = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10 ? ws.ws_col : 80;
  if ((int)strlen(line) > cols - 1) line[cols - 1] = 0;
  printf("\r\033[K%s", line);
  fflush(stdout);
}

/* Runs every scenario, up to jobs labs at once, and calls on_result each
 * time one finishes (the caller rewrites the report there). */
static void run_all(scenario_t **scs, int n, int jobs, const char *profile_path, const char *out, cJSON **results,
                    void (*on_result)(void *ctx), void *ctx) {
  slot_t slots[64] = {0};
  int next = 0, running = 0;
  struct timespec t0, last_draw = {0};
  clock_gettime(CLOCK_MONOTONIC, &t0);
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
      if (!done && keep_failed && n_kept < 64 && lab_was_kept(&slots[k])) {
        /* Judged and kept: the result is final, the lab stays until the run ends. */
        snprintf(kept_dirs[n_kept], sizeof kept_dirs[n_kept], "%s", slots[k].dir);
        kept_labs[n_kept++] = slots[k].pid;
        done = 1;
      }
      if (!done) continue;
      results[slots[k].idx] = finish_one(scs[slots[k].idx], &slots[k], code);
      slots[k].pid = 0;
      running_labs[k] = 0;
      running--;
      on_result(ctx);
    }
    if (progress_bar && on_result != quiet_result && elapsed_ms(&last_draw) > 250) {
      draw_progress(scs, n, results, slots, jobs, &t0);
      clock_gettime(CLOCK_MONOTONIC, &last_draw);
    }
    struct timespec nap = {0, 20 * 1000000};
    nanosleep(&nap, NULL);
  }
  if (progress_bar && on_result != quiet_result) fputs("\r\033[K", stdout);
}

typedef struct run_ctx {
  vendor_t *vendor; /* NULL: none */
  int n;
  cJSON **results; /* by scenario, NULL until finished */
  bool *printed;
  const char *client, *profile, *vendor_path, *out;
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
  char err[PATH_MAX + 64];
  if (outputs_write(report, NULL, ctx->out, false, err, sizeof err) < 0) fprintf(stderr, "error: %s\n", err);
  cJSON_Delete(report);
}

static const char *client_lookup(void *ctx, const char *name) {
  const profile_t *p = ctx;
  return strcmp(name, "bindir") == 0 ? cli_bindir : strcmp(name, "profile_dir") == 0 ? p->dir : NULL;
}

/* The program a profile runs, as a path to hash: its first word with
 * ${bindir} and ${profile_dir} filled in, looked up in PATH if it has no slash. */
static int client_binary(const profile_t *p, char out[PATH_MAX]) {
  char *prog = p->argc > 0 ? strv_expand(p->argv[0], client_lookup, (void *)p, NULL, 0) : NULL;
  int rc = -1;
  if (!prog) return -1;
  if (strchr(prog, '/')) {
    rc = realpath(prog, out) ? 0 : -1;
  } else {
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin"), *save = NULL;
    for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && rc < 0; dir = strtok_r(NULL, ":", &save)) {
      char cand[PATH_MAX * 2];
      snprintf(cand, sizeof cand, "%s/%s", dir, prog);
      if (access(cand, X_OK) == 0 && realpath(cand, out)) rc = 0;
    }
    free(copy);
  }
  free(prog);
  return rc;
}

/* certificate.json for a finished run; NULL (with a warning) when a file it hashes cannot be read. */
static cJSON *certify(const cJSON *report, const profile_t *prof, const char *profile_path, const char *vendor_path) {
  char binary[PATH_MAX] = "", date[32], err[PATH_MAX + 128];
  certificate_now(date);
  if (client_binary(prof, binary) < 0) snprintf(binary, sizeof binary, "%s", prof->argv[0]);
  certificate_inputs_t in = {profile_path, binary, vendor_path, date};
  cJSON *cert = certificate_build(report, &in, err, sizeof err);
  if (!cert) fprintf(stderr, "warning: no certificate.json: %s\n", err);
  return cert;
}

/* Signs <out>/certificate.json with sign_key. Returns an exit code. */
static int sign_certificate(const cJSON *cert, const char *out, const char *sign_key) {
  char err[PATH_MAX + 128];
  if (!cert) {
    fprintf(stderr, "error: --sign-key: there is no certificate to sign\n");
    return EXIT_ENV;
  }
  if (certificate_sign_in(out, sign_key, err, sizeof err) < 0) {
    fprintf(stderr, "error: %s\n", err);
    return EXIT_ENV;
  }
  printf("signed: %s/certificate.json.sig\n", out);
  return 0;
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

static const char run_help[] =
    "usage: bcsim run [options] SCENARIO|DIR...\n"
    "\n"
    "Plays scenarios against a client, each in a lab of its own, and writes\n"
    "report.json, junit.xml, report.html and certificate.json into the out dir,\n"
    "with every scenario's capture.pcap, events.jsonl and logs below it.\n"
    "\n"
    "  -c, --client PROFILE      client profile (default: fixtures/clients/reference.json)\n"
    "  -o, --out DIR             output folder (default: out)\n"
    "  -j, --jobs N              scenarios at once, each in its own lab (default: the number of cores)\n"
    "  -s, --seed S              seed for every random choice, instead of each scenario's own\n"
    "  -f, --filter GLOB         only scenarios whose id matches (repeatable: all must match)\n"
    "  -t, --tag T               only scenarios with this tag (repeatable: all must be present)\n"
    "      --shard K/N           the K-th of N deterministic shards (merge them with bcsim report merge)\n"
    "      --repeat N            run everything N times: pass rate per scenario, flaky ones marked\n"
    "      --time-scale F        multiply every scenario time and client timer by F (e.g. 2 on a slow box)\n"
    "  -V, --vendor-profile FILE expected failures and disabled tests, each with a reason\n"
    "      --sign-key KEY        sign certificate.json with this PEM private key (certificate.json.sig)\n"
    "      --keep                keep each failed scenario's lab up after the run, for\n"
    "                            bcsim shell --lab OUT/SCENARIO, until Ctrl-C\n"
    "  -v, --verbose             print every check, not only the first failure\n"
    "  -q, --quiet               print only the summary\n"
    "\n"
    "exit codes: 0 all pass, 1 conformance failure, 2 bad input or usage,\n"
    "            3 harness or environment error, 130 interrupted (the report keeps what finished)\n";

/* --keep: the failed labs stay up until Ctrl-C (or until they all end), then go. */
static void release_kept(void) {
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
    if (kept_labs[i] > 0) sandbox_wait(kept_labs[i], 10000);
  n_kept = 0;
}

static const char *const verdict_order[] = {"pass", "disabled", "fail", "error"}; /* worse later */

static int verdict_weight(const char *v) {
  for (int i = 0; i < 4; i++)
    if (strcmp(v, verdict_order[i]) == 0) return i;
  return 3;
}

/* --repeat: one result per scenario, from its first run, with every run's
 * verdict, the pass rate, and whether the runs disagreed. Its verdict is the
 * worst of the runs: a scenario that fails one time in three fails. */
static cJSON *repeat_result(cJSON **runs, int n_runs) {
  cJSON *first = NULL;
  for (int k = 0; k < n_runs && !first; k++) first = runs[k];
  if (!first) return NULL;
  cJSON *r = cJSON_Duplicate(first, 1);
  cJSON *rep = cJSON_AddObjectToObject(r, "repeat");
  cJSON *verdicts = cJSON_AddArrayToObject(rep, "verdicts");
  int ran = 0, passed = 0, worst = 0;
  bool differ = false;
  for (int k = 0; k < n_runs; k++) {
    if (!runs[k]) continue;
    const char *v = report_str(runs[k], "verdict");
    cJSON_AddItemToArray(verdicts, cJSON_CreateString(v));
    differ = differ || strcmp(v, report_str(first, "verdict")) != 0;
    if (verdict_weight(v) > worst) worst = verdict_weight(v);
    passed += strcmp(v, "pass") == 0;
    ran++;
  }
  cJSON_AddNumberToObject(rep, "runs", ran);
  cJSON_AddNumberToObject(rep, "passed", passed);
  cJSON_AddNumberToObject(rep, "pass_rate", ran ? (double)passed / ran : 0);
  cJSON_AddBoolToObject(rep, "flaky", differ);
  cJSON_ReplaceItemInObjectCaseSensitive(r, "verdict", cJSON_CreateString(verdict_order[worst]));
  /* The artefacts shown are those of the first run. */
  cJSON *art = cJSON_GetObjectItemCaseSensitive(r, "artifacts");
  for (cJSON *a = art ? art->child : NULL; a; a = a->next) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "run-1/%s", cJSON_GetStringValue(a));
    cJSON_SetValuestring(a, path);
  }
  return r;
}

static bool parse_number(const char *arg, double lo, double hi, double *out) {
  char *end = NULL;
  double v = strtod(arg, &end);
  if (!*arg || *end || !(v >= lo && v <= hi)) return false;
  *out = v;
  return true;
}

int cmd_run(int argc, char **argv) {
  enum { OPT_SHARD = 256, OPT_REPEAT, OPT_SCALE, OPT_SIGN, OPT_KEEP };
  static const struct option opts[] = {{"client", required_argument, 0, 'c'},  {"out", required_argument, 0, 'o'},
                                       {"jobs", required_argument, 0, 'j'},    {"seed", required_argument, 0, 's'},
                                       {"vendor-profile", required_argument, 0, 'V'},
                                       {"filter", required_argument, 0, 'f'},  {"tag", required_argument, 0, 't'},
                                       {"shard", required_argument, 0, OPT_SHARD},
                                       {"repeat", required_argument, 0, OPT_REPEAT},
                                       {"time-scale", required_argument, 0, OPT_SCALE},
                                       {"sign-key", required_argument, 0, OPT_SIGN},
                                       {"keep", no_argument, 0, OPT_KEEP},
                                       {"verbose", no_argument, 0, 'v'},       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
  char default_profile[PATH_MAX + 64];
  snprintf(default_profile, sizeof default_profile, "%s/fixtures/clients/reference.json", cli_srcdir);
  const char *profile_path = default_profile, *out = "out";
  int c, code = EXIT_USAGE;
  double jobs = (double)sysconf(_SC_NPROCESSORS_ONLN), repeat = 1, scale = 1, seed = 0;
  optind = 1;
  const char *vendor_path = NULL, *filters[32], *tags[32], *sign_key = NULL;
  int n_filters = 0, n_tags = 0;
  long shard_k = 0, shard_n = 0;
  while ((c = getopt_long(argc, argv, "c:o:j:s:V:f:t:vqh", opts, NULL)) != -1) {
    if (c == 'c') profile_path = optarg;
    else if (c == OPT_SIGN) sign_key = optarg;
    else if (c == OPT_KEEP) keep_failed = true;
    else if (c == 'f' && n_filters < 32) filters[n_filters++] = optarg;
    else if (c == 't' && n_tags < 32) tags[n_tags++] = optarg;
    else if (c == 'v') verbosity = 2;
    else if (c == 'q') verbosity = 0;
    else if (c == OPT_SHARD) {
      char *slash = NULL;
      shard_k = strtol(optarg, &slash, 10);
      shard_n = slash && *slash == '/' ? strtol(slash + 1, NULL, 10) : 0;
      if (shard_n < 1 || shard_k < 1 || shard_k > shard_n) {
        fprintf(stderr, "error: --shard takes K/N with 1 <= K <= N, such as 1/2, not \"%s\"\n", optarg);
        return EXIT_USAGE;
      }
    } else if (c == 'V') vendor_path = optarg;
    else if (c == 's') {
      if (!parse_number(optarg, 0, 9007199254740991.0, &seed) || seed != (double)(unsigned long long)seed) {
        fprintf(stderr, "error: --seed takes a whole number, not \"%s\"\n", optarg);
        return EXIT_USAGE;
      }
      snprintf(seed_arg, sizeof seed_arg, "%llu", (unsigned long long)seed);
    } else if (c == OPT_SCALE) {
      if (!parse_number(optarg, 0.1, 100, &scale)) {
        fprintf(stderr, "error: --time-scale takes a factor from 0.1 to 100, such as 2, not \"%s\"\n", optarg);
        return EXIT_USAGE;
      }
      snprintf(scale_arg, sizeof scale_arg, "%g", scale);
    } else if (c == 'o') out = optarg;
    else if (c == 'j' || c == OPT_REPEAT) {
      double *v = c == 'j' ? &jobs : &repeat;
      if (!parse_number(optarg, 1, c == 'j' ? 64 : 1000, v) || *v != (double)(int)*v) {
        fprintf(stderr, "error: --%s takes a whole number from 1 to %d, not \"%s\"\n", c == 'j' ? "jobs" : "repeat",
                c == 'j' ? 64 : 1000, optarg);
        return EXIT_USAGE;
      }
    } else return cli_help(run_help, c == 'h' ? 0 : EXIT_USAGE);
  }
  if (optind >= argc) {
    fprintf(stderr, "error: no scenario given\n  hint: bcsim run scenarios/\n");
    return EXIT_USAGE;
  }
  progress_bar = verbosity > 0 && isatty(STDOUT_FILENO);
  scenario_t *scs[MAX_SCENARIOS];
  int n_sc = 0, n_runs = (int)repeat;
  diag_t d;
  run_ctx_t ctx = {0};
  cJSON **runs[1000] = {0};
  profile_t *prof = profile_load(profile_path, &d);
  if (!prof) diag_print(&d, stderr);
  if (vendor_path && !(ctx.vendor = vendor_load(vendor_path, &d))) {
    diag_print(&d, stderr);
    goto out;
  }
  if (sign_key && access(sign_key, R_OK) < 0) {
    fprintf(stderr, "%s: error: --sign-key: %s\n  hint: make a key with: openssl genpkey -algorithm ed25519 -out %s\n", sign_key,
            strerror(errno), sign_key);
    goto out;
  }
  if (cli_load_scenarios(argc - optind, argv + optind, scs, &n_sc) < 0 || !prof) goto out;
  n_sc = select_scenarios(scs, n_sc, filters, n_filters, tags, n_tags, (int)shard_k, (int)shard_n);
  if (n_sc == 0) {
    fprintf(stderr, "error: no scenario is selected\n  hint: check --filter, --tag and --shard against `bcsim list`\n");
    goto out;
  }
  for (int i = 0; i < n_sc && scale != 1; i++) scenario_scale(scs[i], scale); /* the outer deadline follows */
  if (cli_mkdirs(out) < 0) {
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
  ctx.printed = calloc((size_t)n_sc, sizeof *ctx.printed);
  if (!ctx.printed) goto out;
  char pass_out[PATH_MAX];
  for (int k = 0; k < n_runs && !interrupted; k++) {
    if (!(runs[k] = calloc((size_t)n_sc, sizeof *runs[k]))) goto out;
    ctx.results = runs[k];
    memset(ctx.printed, 0, (size_t)n_sc * sizeof *ctx.printed);
    snprintf(pass_out, sizeof pass_out, n_runs > 1 ? "%s/run-%d" : "%s", out, k + 1);
    ctx.out = pass_out;
    if (n_runs > 1 && cli_mkdirs(pass_out) < 0) {
      fprintf(stderr, "%s: error: cannot create the output folder: %s\n", pass_out, strerror(errno));
      code = EXIT_ENV;
      goto out;
    }
    if (n_runs > 1 && verbosity > 0) printf("run %d of %d\n", k + 1, n_runs);
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
    run_all(scs, n_sc, (int)jobs, profile_path, pass_out, ctx.results, on_result, &ctx);
    if (n_runs > 1) {
      cJSON *pass_report = build_report(&ctx);
      char err[PATH_MAX + 64];
      if (outputs_write(pass_report, NULL, pass_out, false, err, sizeof err) < 0) fprintf(stderr, "error: %s\n", err);
      cJSON_Delete(pass_report);
    }
  }
  cJSON *combined[MAX_SCENARIOS] = {0};
  if (n_runs > 1) {
    for (int i = 0; i < n_sc; i++) {
      cJSON *per[1000];
      for (int k = 0; k < n_runs; k++) per[k] = runs[k] ? runs[k][i] : NULL;
      combined[i] = repeat_result(per, n_runs);
    }
    ctx.results = combined;
  }
  ctx.out = out;
  cJSON *report = build_report(&ctx);
  code = report_summarize(report, interrupted);
  cJSON *cert = certify(report, prof, profile_path, vendor_path);
  char err[PATH_MAX + 64];
  if (outputs_write(report, cert, out, true, err, sizeof err) < 0) {
    fprintf(stderr, "error: %s\n", err);
    code = EXIT_ENV;
  } else if (sign_key) {
    int sign_code = sign_certificate(cert, out, sign_key);
    if (sign_code && !interrupted) code = sign_code;
  }
  cJSON_Delete(cert);
  if (ctx.vendor) vendor_warn_unused(ctx.vendor, stderr);
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(report, "summary");
  const cJSON *cks = cJSON_GetObjectItemCaseSensitive(sum, "checks");
  int xpass = cJSON_GetObjectItemCaseSensitive(cks, "xpass")->valueint;
  int xfail = cJSON_GetObjectItemCaseSensitive(cks, "xfail")->valueint;
  int unsup = cJSON_GetObjectItemCaseSensitive(cks, "unsupported")->valueint;
  if (n_runs > 1 && verbosity > 0) {
    printf("pass rate over %d runs:\n", n_runs);
    for (int i = 0; i < n_sc; i++) {
      const cJSON *rep = cJSON_GetObjectItemCaseSensitive(combined[i], "repeat");
      if (!rep) continue;
      printf("  %-40s %d/%d%s\n", scs[i]->id, cJSON_GetObjectItemCaseSensitive(rep, "passed")->valueint,
             cJSON_GetObjectItemCaseSensitive(rep, "runs")->valueint,
             cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep, "flaky")) ? "  FLAKY: the runs disagree" : "");
    }
  }
  if (xfail || xpass || unsup)
    printf("checks: %d expected failures (xfail), %d unexpected passes (xpass), %d unsupported\n", xfail, xpass, unsup);
  if (xpass)
    printf("note: %d expected failure(s) passed: update the vendor profile (see the xpass checks in the report)\n", xpass);
  printf("%d scenarios: %d passed, %d failed, %d errors, %d disabled. Report: %s/report.html\n",
         cJSON_GetObjectItemCaseSensitive(sum, "scenarios")->valueint, cJSON_GetObjectItemCaseSensitive(sum, "passed")->valueint,
         cJSON_GetObjectItemCaseSensitive(sum, "failed")->valueint, cJSON_GetObjectItemCaseSensitive(sum, "errors")->valueint,
         cJSON_GetObjectItemCaseSensitive(sum, "disabled")->valueint, out);
  cJSON_Delete(report);
  for (int i = 0; i < n_sc; i++) cJSON_Delete(combined[i]);
  release_kept();
out:
  for (int k = 0; k < n_runs; k++) {
    for (int i = 0; runs[k] && i < n_sc; i++) cJSON_Delete(runs[k][i]);
    free(runs[k]);
  }
  free(ctx.printed);
  vendor_free(ctx.vendor);
  for (int i = 0; i < n_sc; i++) scenario_free(scs[i]);
  profile_free(prof);
  return code;
}

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
int cmd_selftest(int argc, char **argv) {
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
  snprintf(dir, sizeof dir, "%s/scenarios", cli_srcdir);
  snprintf(clients, sizeof clients, "%s/fixtures/clients", cli_srcdir);
  snprintf(ref, sizeof ref, "%s/reference.json", clients);
  scenario_t *scs[MAX_SCENARIOS];
  int n = 0;
  char *dirs[] = {dir};
  if (cli_load_scenarios(1, dirs, scs, &n) < 0 || cli_mkdirs(out) < 0) return EXIT_USAGE;
  struct sigaction sa = {.sa_handler = on_interrupt};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  cJSON **results = calloc((size_t)n, sizeof *results);
  if (!results) goto out;

  printf("reference client: %d scenarios, %ld at once...\n", n, jobs);
  snprintf(path, sizeof path, "%s/reference", out);
  cli_mkdirs(path);
  run_ctx_t rctx = {.n = n, .results = results, .client = "reference", .profile = ref, .out = path};
  rctx.printed = calloc((size_t)n, sizeof *rctx.printed);
  if (!rctx.printed) goto out;
  run_all(scs, n, (int)jobs, ref, path, results, on_result, &rctx);
  free(rctx.printed);
  cJSON *ref_report = build_report(&rctx);
  char err[PATH_MAX + 64];
  if (outputs_write(ref_report, NULL, path, true, err, sizeof err) < 0) fprintf(stderr, "error: %s\n", err);
  cJSON_Delete(ref_report);
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
  qsort(files, (size_t)nf, sizeof *files, cli_cmp_str);
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
    cli_mkdirs(path);
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

