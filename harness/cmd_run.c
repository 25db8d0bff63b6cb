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

#include "harness/artefacts.h"
#include "harness/catalogue.h"
#include "harness/cli.h"
#include "harness/profile.h"
#include "harness/labs.h"
#include "harness/runner.h"
#include "harness/vendor.h"
#include "harness/scenario.h"
#include "harness/verdict.h"
#include "reports/certificate.h"
#include "reports/outputs.h"
#include "harness/report_json.h"
#include "base/strv.h"
#include "base/dur.h"
#include "sim/lab/lab.h"

/* The options every lab of this run gets: --seed, --time-scale, --levels, --keep. */
static labs_opts_t lab_opts;
static char seed_arg[32], scale_arg[32], levels_arg[32];
static int verbosity = 1;  /* 0 -q: the summary only; 1: a line per scenario and its first failure; 2 -v: every check */
static bool progress_bar;  /* stdout is a terminal: keep a live progress line at the bottom */

/* How the console heads a scenario's line, by its verdict. A scenario is never xfail or xpass (only
 * its checks are), so those would be an error, as a verdict that is none is. */
static const char *const console_label[] = {[VERDICT_PASS] = "PASS",         [VERDICT_FAIL] = "FAIL",
                                            [VERDICT_ERROR] = "ERROR",       [VERDICT_UNSUPPORTED] = "UNSUP",
                                            [VERDICT_XFAIL] = "ERROR",       [VERDICT_XPASS] = "ERROR",
                                            [VERDICT_DISABLED] = "SKIP"};

static void print_scenario_line(const cJSON *s) {
  if (verbosity == 0) return;
  const cJSON *dur = cJSON_GetObjectItemCaseSensitive(s, "duration_s");
  if (progress_bar) fputs("\r\033[K", stdout);
  printf("%-5s %s (%.1fs)\n", console_label[report_verdict(s)], report_str(s, "id"),
         cJSON_IsNumber(dur) ? dur->valuedouble : 0.0);
  if (*report_str(s, "error")) printf("      error: %s\n", report_str(s, "error"));
  if (*report_str(s, "reason")) printf("      %s\n", report_str(s, "reason"));
  static const char *const logs[][2] = {{"client_log", "client.log was cut: the client wrote"},
                                         {"services_log", "services.log was cut: the services logged"}};
  for (int i = 0; i < 2; i++) {
    const cJSON *cut = cJSON_GetObjectItemCaseSensitive(s, logs[i][0]);
    if (cut)
      printf("      %s %.0f bytes, %.0f of them dropped\n", logs[i][1],
             cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cut, "written")),
             cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cut, "cut")));
  }
  /* -v: every check, as the file has them. Otherwise the first failure in
   * time order (when its evidence happened), which is usually the cause of
   * the failures after it. */
  const cJSON *order[SC_MAX_CHECKS + 1];
  int n = 0, shown = 0, more = 0;
  if (verbosity >= 2) {
    const cJSON *checks = cJSON_GetObjectItemCaseSensitive(s, "checks");
    for (const cJSON *c = checks ? checks->child : NULL; c && n < SC_MAX_CHECKS + 1; c = c->next) order[n++] = c;
  } else {
    n = report_checks_by_time(s, order, SC_MAX_CHECKS + 1);
  }
  /* Without -v: the first failure in time order, else the first other check worth a look (an
   * error, an expected failure); an xfail that came earlier must not hide the real failure. */
  int lead = -1, noteworthy = 0;
  for (int i = 0; i < n; i++) {
    verdict_t cv;
    if (!verdict_parse(report_str(order[i], "verdict"), &cv) || !verdict_noteworthy(cv)) continue;
    noteworthy++;
    if (lead < 0 || (cv == VERDICT_FAIL && report_verdict(order[lead]) != VERDICT_FAIL)) lead = i;
  }
  for (int i = 0; i < n; i++) {
    const cJSON *c = order[i];
    const char *cv = report_str(c, "verdict");
    if (verbosity < 2 && i != lead) continue;
    char at[32] = "";
    if (report_check_at(c) >= 0) snprintf(at, sizeof at, " at %.3fs", report_check_at(c));
    printf("      %s %s [%s]%s: %s\n", cv, report_str(c, "id"), report_check_proves(c), at, report_str(c, "message"));
    shown++;
  }
  if (verbosity < 2 && shown) more = noteworthy - shown;
  if (more) printf("      ... and %d more (-v shows every check; the report has them all)\n", more);
  if (verbosity >= 2 && cJSON_GetObjectItemCaseSensitive(s, "artifacts"))
    printf("      artefacts: %s\n", report_str(cJSON_GetObjectItemCaseSensitive(s, "artifacts"), "events"));
  fflush(stdout);
}

typedef struct run_ctx run_ctx_t;
static void on_result(void *arg);

/* Jobs for every scenario, in order; results[i] gets scenario i's result. */
typedef struct suite_queue {
  scenario_t **scs;
  int n, next;
  int *order; /* longest first: the run cannot end before its longest scenario, so that one starts first */
  lab_job_t *jobs;
  cJSON **results;
  void (*on_result)(void *ctx);
  void *ctx;
  struct timespec t0, last_draw;
} suite_queue_t;

static lab_job_t *suite_next(void *arg) {
  suite_queue_t *q = arg;
  while (q->next < q->n && q->results[q->order[q->next]]) q->next++; /* decided already: disabled by the vendor profile */
  return q->next < q->n ? &q->jobs[q->order[q->next++]] : NULL;
}

static const scenario_t *const *by_duration_scs;
static int longest_first(const void *a, const void *b) {
  int i = *(const int *)a, j = *(const int *)b;
  int64_t di = by_duration_scs[i]->duration_ms, dj = by_duration_scs[j]->duration_ms;
  return di != dj ? (di > dj ? -1 : 1) : i - j; /* ties keep the suite's order */
}

static void suite_done(void *arg, lab_job_t *job) {
  suite_queue_t *q = arg;
  q->results[job->tag] = job->result;
  job->result = NULL;
  if (q->on_result) q->on_result(q->ctx);
}

static long since_ms(const struct timespec *t) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* The live line at the bottom of a terminal: a bar, the count, and what is running. */
static void draw_progress(void *arg, lab_job_t *const *running, int n_running) {
  suite_queue_t *q = arg;
  if (!progress_bar || !q->on_result || since_ms(&q->last_draw) < 250) return;
  clock_gettime(CLOCK_MONOTONIC, &q->last_draw);
  int done = 0;
  for (int i = 0; i < q->n; i++) done += q->results[i] != NULL;
  char bar[32], line[512];
  int filled = q->n ? done * 20 / q->n : 20;
  for (int i = 0; i < 20; i++) bar[i] = i < filled ? '#' : '.';
  bar[20] = 0;
  int used = snprintf(line, sizeof line, "[%s] %d/%d %lds", bar, done, q->n, since_ms(&q->t0) / 1000);
  for (int k = 0; k < n_running && used < (int)sizeof line; k++)
    used += snprintf(line + used, sizeof line - (size_t)used, "%s%s", k ? ", " : "  running: ", running[k]->sc->id);
  /* One terminal line, or the carriage return cannot take it back. */
  struct winsize ws;
  int cols = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10 ? ws.ws_col : 80;
  if ((int)strlen(line) > cols - 1) line[cols - 1] = 0;
  printf("\r\033[K%s", line);
  fflush(stdout);
}

/* Runs every scenario against the profile, up to jobs labs at once, and
 * calls on_result (if any) each time one finishes. */
static void run_all(scenario_t **scs, int n, int jobs, const char *profile_path, const char *out, cJSON **results,
                    void (*on_result_fn)(void *ctx), void *ctx) {
  suite_queue_t q = {.scs = scs, .n = n, .jobs = calloc((size_t)n, sizeof(lab_job_t)),
                     .order = calloc((size_t)n, sizeof(int)), .results = results, .on_result = on_result_fn, .ctx = ctx};
  if (!q.jobs || !q.order) goto out;
  for (int i = 0; i < n; i++) q.jobs[i] = (lab_job_t){.sc = scs[i], .profile = profile_path, .out = out, .tag = i};
  for (int i = 0; i < n; i++) q.order[i] = i;
  by_duration_scs = (const scenario_t *const *)scs;
  qsort(q.order, (size_t)n, sizeof(int), longest_first);
  clock_gettime(CLOCK_MONOTONIC, &q.t0);
  labs_hooks_t h = {.next = suite_next, .done = suite_done, .tick = draw_progress, .ctx = &q};
  labs_run(jobs, &lab_opts, &h);
  if (progress_bar && on_result_fn) fputs("\r\033[K", stdout);
out:
  free(q.order);
  free(q.jobs);
}

struct run_ctx {
  vendor_t *vendor; /* NULL: none */
  int n;
  cJSON **results; /* by scenario, NULL until finished */
  bool *printed;
  const char *client, *profile, *vendor_path, *out;
};

static cJSON *build_report(const run_ctx_t *ctx) {
  cJSON *report = report_new(ctx->client, ctx->profile);
  if (ctx->vendor) {
    cJSON *vp = cJSON_AddObjectToObject(report, "vendor_profile");
    cJSON_AddStringToObject(vp, "name", vendor_name(ctx->vendor));
    cJSON_AddStringToObject(vp, "path", ctx->vendor_path);
  }
  for (int i = 0; i < ctx->n; i++)
    if (ctx->results[i]) report_add(report, cJSON_Duplicate(ctx->results[i], 1));
  report_summarize(report, labs_interrupted());
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

/* What the certificate binds besides the report: the client's files, where the suite is, the run settings. */
typedef struct certify_ctx {
  const profile_t *prof;
  const artefacts_t *arts;
  const cJSON *hashed; /* the artefacts, hashed before the run (certificate_artefacts) */
  const char *profile_path, *vendor_path;
  const char *suite_root;
  const cJSON *run;
} certify_ctx_t;

/* certificate.json for a finished run; NULL (with a warning) when a file it hashes cannot be read. */
static cJSON *certify(const cJSON *report, const certify_ctx_t *cc) {
  char binary[PATH_MAX] = "", date[32], err[PATH_MAX + 128];
  certificate_now(date);
  if (client_binary(cc->prof, binary) < 0) snprintf(binary, sizeof binary, "%s", cc->prof->argv[0]);
  certificate_inputs_t in = {cc->profile_path, binary,        cc->hashed, artefacts_declared(cc->arts) != 0,
                             cc->vendor_path,  cc->suite_root, cc->run,    date};
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
  return EXIT_PASS;
}

/* The run's verdict, last, with the MUST requirements a waiver let pass: a
 * pass-with-waivers must never read as a pass. */
static void print_verdict(const cJSON *sum) {
  printf("verdict: %s", report_str(sum, "verdict"));
  const cJSON *waivers = cJSON_GetObjectItemCaseSensitive(sum, "waivers");
  int n = 0;
  for (const cJSON *w = waivers ? waivers->child : NULL; w; w = w->next) {
    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(w, "requirements");
    for (const cJSON *r = reqs ? reqs->child : NULL; r; r = r->next)
      if (strcmp(report_str(r, "level"), "MUST") == 0) printf("%s%s", n++ ? ", " : " (MUST requirements waived: ", report_str(r, "id"));
  }
  if (n) printf("; the waivers are listed in report.html and certificate.json)");
  printf("\n");
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
    "  -j, --jobs N              scenarios at once, each in its own lab (default: as many as the\n"
    "                            machine's memory, descriptors and namespaces hold, at most 128)\n"
    "  -s, --seed S              seed for every random choice, instead of each scenario's own\n"
    "  -f, --filter GLOB         only scenarios whose id matches (repeatable: all must match)\n"
    "  -t, --tag T               only scenarios with this tag (repeatable: all must be present)\n"
    "      --shard K/N           the K-th of N deterministic shards (merge them with bcsim report merge)\n"
    "      --repeat N            run everything N times: pass rate per scenario, flaky ones marked\n"
    "      --time-scale F        multiply every scenario time and client timer by F (e.g. 2 on a slow box)\n"
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
  int ran = 0, passed = 0;
  verdict_t worst = VERDICT_PASS;
  bool differ = false;
  for (int k = 0; k < n_runs; k++) {
    if (!runs[k]) continue;
    verdict_t v = report_verdict(runs[k]);
    cJSON_AddItemToArray(verdicts, cJSON_CreateString(report_str(runs[k], "verdict")));
    differ = differ || v != report_verdict(first);
    worst = verdict_worse(worst, v);
    passed += v == VERDICT_PASS;
    ran++;
  }
  cJSON_AddNumberToObject(rep, "runs", ran);
  cJSON_AddNumberToObject(rep, "passed", passed);
  cJSON_AddNumberToObject(rep, "pass_rate", ran ? (double)passed / ran : 0);
  cJSON_AddBoolToObject(rep, "flaky", differ);
  cJSON_ReplaceItemInObjectCaseSensitive(r, "verdict", cJSON_CreateString(verdict_name(worst)));
  /* The artefacts shown are those of the first run. */
  cJSON *art = cJSON_GetObjectItemCaseSensitive(r, "artifacts");
  for (cJSON *a = art ? art->child : NULL; a; a = a->next) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "run-1/%s", cJSON_GetStringValue(a));
    cJSON_SetValuestring(a, path);
  }
  return r;
}

/* The settings of this run that can change a verdict, as the certificate records them
 * (docs/report-format.md): null where the scenario's or the profile's own value holds. */
static cJSON *run_settings(double scale, const char *seed, int repeat, const char **filters, int n_filters,
                           const char **tags, int n_tags, long shard_k, long shard_n, const char *levels) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddNumberToObject(r, "time_scale", scale);
  if (seed) cJSON_AddNumberToObject(r, "seed", strtod(seed, NULL));
  else cJSON_AddNullToObject(r, "seed");
  cJSON_AddNumberToObject(r, "repeat", repeat);
  cJSON_AddItemToObject(r, "filter", cJSON_CreateStringArray(filters, n_filters));
  cJSON_AddItemToObject(r, "tag", cJSON_CreateStringArray(tags, n_tags));
  cJSON *shards = cJSON_AddArrayToObject(r, "shards");
  if (shard_n > 0) {
    char k[48];
    snprintf(k, sizeof k, "%ld/%ld", shard_k, shard_n);
    cJSON_AddItemToArray(shards, cJSON_CreateString(k));
  }
  if (levels) cJSON_AddStringToObject(r, "levels", levels);
  else cJSON_AddNullToObject(r, "levels");
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
  enum { OPT_SHARD = 256, OPT_REPEAT, OPT_SCALE, OPT_SIGN, OPT_KEEP, OPT_LEVELS, OPT_NO_EARLY_STOP };
  static const struct option opts[] = {{"client", required_argument, 0, 'c'},  {"out", required_argument, 0, 'o'},
                                       {"jobs", required_argument, 0, 'j'},    {"seed", required_argument, 0, 's'},
                                       {"vendor-profile", required_argument, 0, 'V'},
                                       {"filter", required_argument, 0, 'f'},  {"tag", required_argument, 0, 't'},
                                       {"shard", required_argument, 0, OPT_SHARD},
                                       {"repeat", required_argument, 0, OPT_REPEAT},
                                       {"time-scale", required_argument, 0, OPT_SCALE},
                                       {"sign-key", required_argument, 0, OPT_SIGN},
                                       {"keep", no_argument, 0, OPT_KEEP},
                                       {"no-early-stop", no_argument, 0, OPT_NO_EARLY_STOP},
                                       {"levels", required_argument, 0, OPT_LEVELS},
                                       {"verbose", no_argument, 0, 'v'},       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
  char default_profile[PATH_MAX + 64];
  snprintf(default_profile, sizeof default_profile, "%s/fixtures/clients/reference.json", cli_srcdir);
  const char *profile_path = default_profile, *out = "out";
  int c, code = EXIT_USAGE;
  double jobs = labs_default_jobs(NULL, 0), repeat = 1, scale = 1, seed = 0;
  optind = 1;
  const char *vendor_path = NULL, *filters[32], *tags[32], *sign_key = NULL;
  int n_filters = 0, n_tags = 0;
  long shard_k = 0, shard_n = 0;
  while ((c = getopt_long(argc, argv, "c:o:j:s:V:f:t:vqh", opts, NULL)) != -1) {
    if (c == 'c') profile_path = optarg;
    else if (c == OPT_SIGN) sign_key = optarg;
    else if (c == OPT_KEEP) lab_opts.keep = true;
    else if (c == OPT_NO_EARLY_STOP) lab_opts.no_early_stop = true;
    else if (c == OPT_LEVELS) {
      if (strcmp(optarg, "network") != 0 && strcmp(optarg, "network,session") != 0) {
        fprintf(stderr, "error: --levels takes \"network\" or \"network,session\", not \"%s\"\n", optarg);
        return EXIT_USAGE;
      }
      snprintf(levels_arg, sizeof levels_arg, "%s", optarg);
      lab_opts.levels = levels_arg;
    }
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
      lab_opts.seed = seed_arg;
    } else if (c == OPT_SCALE) {
      if (!parse_number(optarg, 0.1, 100, &scale)) {
        fprintf(stderr, "error: --time-scale takes a factor from 0.1 to 100, such as 2, not \"%s\"\n", optarg);
        return EXIT_USAGE;
      }
      snprintf(scale_arg, sizeof scale_arg, "%g", scale);
      lab_opts.time_scale = scale_arg;
    } else if (c == 'o') out = optarg;
    else if (c == 'j' || c == OPT_REPEAT) {
      double *v = c == 'j' ? &jobs : &repeat;
      if (!parse_number(optarg, 1, c == 'j' ? 64 : 1000, v) || *v != (double)(int)*v) {
        fprintf(stderr, "error: --%s takes a whole number from 1 to %d, not \"%s\"\n", c == 'j' ? "jobs" : "repeat",
                c == 'j' ? 64 : 1000, optarg);
        return EXIT_USAGE;
      }
    } else return cli_help(run_help, c == 'h' ? EXIT_PASS : EXIT_USAGE);
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
  cJSON *settings = NULL;
  artefacts_t *arts = NULL;
  cJSON *hashed = NULL;
  char suite_root[PATH_MAX] = "";
  profile_t *prof = profile_load(profile_path, &d);
  if (!prof) diag_print(&d, stderr);
  /* The client's files, listed and hashed now, before any lab starts: what
   * the run writes (--out, bcsim's state folder) is none of them. */
  char out_real[PATH_MAX], state[PATH_MAX], state_real[PATH_MAX];
  const char *exclude[2];
  int n_exclude = 0;
  if (artefacts_resolve(out, out_real) == 0) exclude[n_exclude++] = out_real;
  if (cli_state_base(state, sizeof state) == 0 && artefacts_resolve(state, state_real) == 0) exclude[n_exclude++] = state_real;
  if (prof && !(arts = artefacts_new(prof, exclude, n_exclude, &d))) {
    diag_print(&d, stderr);
    goto out;
  }
  if (arts) {
    const char *files[ARTEFACTS_MAX];
    char err[PATH_MAX + 128];
    int n = artefacts_count(arts);
    for (int i = 0; i < n; i++) files[i] = artefacts_path(arts, i);
    if (!(hashed = certificate_artefacts(profile_path, files, n, err, sizeof err))) {
      fprintf(stderr, "%s: error: artefact: %s\n  hint: a certificate names the client's files relative to the profile's "
                      "folder: keep them inside it (no symbolic link out of it), or leave them out of \"artefacts\" "
                      "(docs/client-profile.md)\n", profile_path, err);
      goto out;
    }
  }
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
  /* Judged against every scenario given, before --filter: the profile's waivers do not depend on the selection. */
  if (ctx.vendor && !vendor_check_levels(ctx.vendor, scs, n_sc, &d)) {
    diag_print(&d, stderr);
    goto out;
  }
  /* The suite root is the folder of every scenario given, so each shard of a run names files alike. */
  const char *files[MAX_SCENARIOS];
  for (int i = 0; i < n_sc; i++) files[i] = scs[i]->path;
  if (n_sc > 0 && certificate_common_root(files, n_sc, suite_root) < 0) {
    fprintf(stderr, "error: cannot resolve the scenario files' folder\n");
    goto out;
  }
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
  labs_catch_interrupts();
  ctx.n = n_sc;
  ctx.client = prof->name;
  ctx.profile = profile_path;
  ctx.vendor_path = vendor_path;
  ctx.printed = calloc((size_t)n_sc, sizeof *ctx.printed);
  if (!ctx.printed) goto out;
  char pass_out[PATH_MAX];
  for (int k = 0; k < n_runs && !labs_interrupted(); k++) {
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
    for (int i = 0; ctx.vendor && i < n_sc; i++) ctx.results[i] = vendor_disabled_result(ctx.vendor, scs[i]);
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
  code = report_summarize(report, labs_interrupted());
  settings = run_settings(scale, lab_opts.seed, n_runs, filters, n_filters, tags, n_tags, shard_k, shard_n, lab_opts.levels);
  certify_ctx_t cc = {prof, arts, hashed, profile_path, vendor_path, suite_root, settings};
  cJSON *cert = certify(report, &cc);
  char err[PATH_MAX + 64];
  if (outputs_write(report, cert, out, true, err, sizeof err) < 0) {
    fprintf(stderr, "error: %s\n", err);
    code = EXIT_ENV;
  } else if (sign_key) {
    int sign_code = sign_certificate(cert, out, sign_key);
    if (sign_code && !labs_interrupted()) code = sign_code;
  }
  cJSON_Delete(cert);
  if (ctx.vendor) vendor_warn_unused(ctx.vendor, stderr);
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(report, "summary");
  const cJSON *cks = cJSON_GetObjectItemCaseSensitive(sum, "checks");
  int xpass = cJSON_GetObjectItemCaseSensitive(cks, verdict_name(VERDICT_XPASS))->valueint;
  int xfail = cJSON_GetObjectItemCaseSensitive(cks, verdict_name(VERDICT_XFAIL))->valueint;
  int unsup = cJSON_GetObjectItemCaseSensitive(cks, verdict_name(VERDICT_UNSUPPORTED))->valueint;
  int disabled = cJSON_GetObjectItemCaseSensitive(cks, verdict_name(VERDICT_DISABLED))->valueint;
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
  if (xfail || xpass || unsup || disabled)
    printf("checks: %d expected failures (xfail), %d unexpected passes (xpass), %d unsupported, %d disabled\n", xfail,
           xpass, unsup, disabled);
  if (xpass)
    printf("note: %d expected failure(s) passed: update the vendor profile (see the xpass checks in the report)\n", xpass);
  printf("%d scenarios: %d passed, %d failed, %d errors, %d unsupported, %d disabled. Report: %s/report.html\n",
         cJSON_GetObjectItemCaseSensitive(sum, "scenarios")->valueint, cJSON_GetObjectItemCaseSensitive(sum, "passed")->valueint,
         cJSON_GetObjectItemCaseSensitive(sum, "failed")->valueint, cJSON_GetObjectItemCaseSensitive(sum, "errors")->valueint,
         cJSON_GetObjectItemCaseSensitive(sum, "unsupported")->valueint,
         cJSON_GetObjectItemCaseSensitive(sum, "disabled")->valueint, out);
  print_verdict(sum);
  cJSON_Delete(report);
  for (int i = 0; i < n_sc; i++) cJSON_Delete(combined[i]);
  labs_release_kept();
out:
  for (int k = 0; k < n_runs; k++) {
    for (int i = 0; runs[k] && i < n_sc; i++) cJSON_Delete(runs[k][i]);
    free(runs[k]);
  }
  free(ctx.printed);
  cJSON_Delete(settings);
  artefacts_free(arts);
  cJSON_Delete(hashed);
  vendor_free(ctx.vendor);
  for (int i = 0; i < n_sc; i++) scenario_free(scs[i]);
  profile_free(prof);
  return code;
}

