/* bcsim run: scenarios played in labs against a client, judged, reported.
 *
 * The command line is run_opts.h's, what the console shows run_console.h's;
 * this file loads and checks every input before any lab exists (a problem is
 * exit 2 and costs nothing), runs the scenarios (--repeat: several passes),
 * and writes the report and the certificate. */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strv.h"
#include "harness/artefacts.h"
#include "harness/cli.h"
#include "harness/labs.h"
#include "harness/profile.h"
#include "harness/report_json.h"
#include "harness/run_console.h"
#include "harness/run_opts.h"
#include "harness/scenario.h"
#include "harness/vendor.h"
#include "harness/verdict.h"
#include "reports/certificate.h"
#include "reports/outputs.h"

/* Jobs for every scenario, in order; results[i] gets scenario i's result. */
typedef struct suite_queue {
  scenario_t **scs;
  int n, next;
  int *order; /* longest first: the run cannot end before its longest scenario, so that one starts first */
  lab_job_t *jobs;
  cJSON **results;
  void (*on_result)(void *ctx);
  void *ctx;
  run_console_t *con;
} suite_queue_t;

static lab_job_t *suite_next(void *arg) {
  suite_queue_t *q = arg;
  while (q->next < q->n && q->results[q->order[q->next]]) q->next++; /* decided already: disabled by the vendor profile */
  return q->next < q->n ? &q->jobs[q->order[q->next++]] : NULL;
}

static int longest_first(const void *a, const void *b, void *arg) {
  scenario_t *const *scs = arg;
  int i = *(const int *)a, j = *(const int *)b;
  int64_t di = scs[i]->duration_ms, dj = scs[j]->duration_ms;
  return di != dj ? (di > dj ? -1 : 1) : i - j; /* ties keep the suite's order */
}

static void suite_done(void *arg, lab_job_t *job) {
  suite_queue_t *q = arg;
  q->results[job->tag] = job->result;
  job->result = NULL;
  if (q->on_result) q->on_result(q->ctx);
}

static void suite_tick(void *arg, lab_job_t *const *running, int n_running) {
  suite_queue_t *q = arg;
  int done = 0;
  for (int i = 0; i < q->n; i++) done += q->results[i] != NULL;
  run_console_progress(q->con, done, q->n, running, n_running);
}

/* One pass: every scenario against the profile, up to jobs labs at once,
 * on_result (if any) called each time one finishes. */
static void run_all(scenario_t **scs, int n, const run_opts_t *o, const char *out, run_console_t *con, cJSON **results,
                    void (*on_result_fn)(void *ctx), void *ctx) {
  suite_queue_t q = {.scs = scs, .n = n, .jobs = calloc((size_t)n, sizeof(lab_job_t)),
                     .order = calloc((size_t)n, sizeof(int)), .results = results, .on_result = on_result_fn, .ctx = ctx,
                     .con = con};
  labs_opts_t lo = run_opts_labs(o);
  if (!q.jobs || !q.order) goto out;
  for (int i = 0; i < n; i++) q.jobs[i] = (lab_job_t){.sc = scs[i], .profile = o->profile_path, .out = out, .tag = i};
  for (int i = 0; i < n; i++) q.order[i] = i;
  qsort_r(q.order, (size_t)n, sizeof(int), longest_first, scs);
  run_console_pass(con);
  labs_hooks_t h = {.next = suite_next, .done = suite_done, .tick = suite_tick, .ctx = &q};
  labs_run(o->jobs, &lo, &h);
  run_console_clear(con);
out:
  free(q.order);
  free(q.jobs);
}

/* A run's state between its passes: what is printed and written after each scenario. */
typedef struct run_ctx {
  vendor_t *vendor; /* NULL: none */
  int n;
  cJSON **results; /* by scenario, NULL until finished */
  bool *printed;
  const char *client, *profile, *vendor_path, *out;
  const run_console_t *con;
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
  report_summarize(report, labs_interrupted());
  return report;
}

/* Writes report.json and junit.xml of what finished (report.html too when final). */
static void write_partial(const run_ctx_t *ctx) {
  cJSON *report = build_report(ctx);
  char err[PATH_MAX + 64];
  if (outputs_write(report, NULL, ctx->out, false, err, sizeof err) < 0) fprintf(stderr, "error: %s\n", err);
  cJSON_Delete(report);
}

/* After each finished scenario: print it, and rewrite the report, so a crash
 * or an interrupt loses nothing that finished. */
static void on_result(void *arg) {
  run_ctx_t *ctx = arg;
  for (int i = 0; i < ctx->n; i++) {
    if (ctx->results[i] && !ctx->printed[i]) {
      if (ctx->vendor) vendor_apply(ctx->vendor, ctx->results[i]);
      run_console_scenario(ctx->con, ctx->results[i]);
      ctx->printed[i] = true;
    }
  }
  write_partial(ctx);
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

/* Everything a run needs before its first lab, loaded and checked: the
 * client's profile and files, the vendor profile, the selected scenarios. */
typedef struct run_inputs {
  profile_t *prof;
  artefacts_t *arts;
  cJSON *hashed; /* the artefacts, hashed before the run (certificate_artefacts) */
  vendor_t *vendor;
  scenario_t *scs[MAX_SCENARIOS];
  int n_sc;
  char suite_root[PATH_MAX]; /* the folder of every scenario given, before the selection */
} run_inputs_t;

static void inputs_free(run_inputs_t *in) {
  for (int i = 0; i < in->n_sc; i++) scenario_free(in->scs[i]);
  vendor_free(in->vendor);
  cJSON_Delete(in->hashed);
  artefacts_free(in->arts);
  profile_free(in->prof);
}

/* certificate.json for a finished run; NULL (with a warning) when a file it hashes cannot be read. */
static cJSON *certify(const cJSON *report, const run_opts_t *o, const run_inputs_t *in, const cJSON *settings) {
  char binary[PATH_MAX] = "", date[32], err[PATH_MAX + 128];
  certificate_now(date);
  if (client_binary(in->prof, binary) < 0) snprintf(binary, sizeof binary, "%s", in->prof->argv[0]);
  certificate_inputs_t ci = {o->profile_path, binary,         in->hashed, artefacts_declared(in->arts) != 0,
                             o->vendor_path,  in->suite_root, settings,   date};
  cJSON *cert = certificate_build(report, &ci, err, sizeof err);
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

static int cmp_scenario_id(const void *a, const void *b) {
  return strcmp((*(scenario_t *const *)a)->id, (*(scenario_t *const *)b)->id);
}

/* Whether a scenario is selected by every --filter glob (on its id) and carries every --tag. */
static bool selected(const scenario_t *sc, const run_opts_t *o) {
  bool keep = true;
  for (int f = 0; f < o->n_filters; f++) keep = keep && fnmatch(o->filters[f], sc->id, 0) == 0;
  for (int t = 0; t < o->n_tags; t++) {
    bool has = false;
    for (int k = 0; k < sc->n_tags; k++) has = has || strcmp(sc->tags[k], o->tags[t]) == 0;
    keep = keep && has;
  }
  return keep;
}

/* Keeps the selected scenarios, then the K-th of N shards of those, taken by
 * id order so that every machine of a CI matrix computes the same split.
 * Frees the others; returns how many remain. */
static int select_scenarios(scenario_t **scs, int n, const run_opts_t *o) {
  int kept = 0, shard_k = (int)o->shard_k, shard_n = (int)o->shard_n;
  for (int i = 0; i < n; i++) {
    if (selected(scs[i], o)) scs[kept++] = scs[i];
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

/* The client's files, listed and hashed now, before any lab starts: what the
 * run writes (--out, bcsim's state folder) is none of them. -1 after saying why. */
static int hash_artefacts(const run_opts_t *o, run_inputs_t *in) {
  char out_real[PATH_MAX], state[PATH_MAX], state_real[PATH_MAX], err[PATH_MAX + 128];
  const char *exclude[2], *files[ARTEFACTS_MAX];
  int n_exclude = 0;
  diag_t d;
  if (artefacts_resolve(o->out, out_real) == 0) exclude[n_exclude++] = out_real;
  if (cli_state_base(state, sizeof state) == 0 && artefacts_resolve(state, state_real) == 0) exclude[n_exclude++] = state_real;
  if (!(in->arts = artefacts_new(in->prof, exclude, n_exclude, &d))) {
    diag_print(&d, stderr);
    return -1;
  }
  int n = artefacts_count(in->arts);
  for (int i = 0; i < n; i++) files[i] = artefacts_path(in->arts, i);
  if (!(in->hashed = certificate_artefacts(o->profile_path, files, n, err, sizeof err))) {
    fprintf(stderr, "%s: error: artefact: %s\n  hint: a certificate names the client's files relative to the profile's "
                    "folder: keep them inside it (no symbolic link out of it), or leave them out of \"artefacts\" "
                    "(docs/client-profile.md)\n", o->profile_path, err);
    return -1;
  }
  return 0;
}

/* The scenarios given, judged by the vendor profile's rule, their root found, then selected and
 * scaled. -1 after saying why. */
static int load_selection(const run_opts_t *o, run_inputs_t *in) {
  diag_t d;
  if (cli_load_scenarios(o->n_scenarios, o->scenarios, in->scs, &in->n_sc) < 0 || !in->prof) return -1;
  /* Judged against every scenario given, before --filter: the profile's waivers do not depend on the selection. */
  if (in->vendor && !vendor_check_levels(in->vendor, in->scs, in->n_sc, &d)) {
    diag_print(&d, stderr);
    return -1;
  }
  /* The suite root is the folder of every scenario given, so each shard of a run names files alike. */
  const char *files[MAX_SCENARIOS];
  for (int i = 0; i < in->n_sc; i++) files[i] = in->scs[i]->path;
  if (in->n_sc > 0 && certificate_common_root(files, in->n_sc, in->suite_root) < 0) {
    fprintf(stderr, "error: cannot resolve the scenario files' folder\n");
    return -1;
  }
  in->n_sc = select_scenarios(in->scs, in->n_sc, o);
  if (in->n_sc == 0) {
    fprintf(stderr, "error: no scenario is selected\n  hint: check --filter, --tag and --shard against `bcsim list`\n");
    return -1;
  }
  for (int i = 0; i < in->n_sc && o->time_scale != 1; i++) scenario_scale(in->scs[i], o->time_scale); /* the outer deadline follows */
  return 0;
}

/* Loads and checks every input, in an order that reports as many problems as
 * it can in one go (a bad profile does not hide bad scenarios). -1 after
 * saying why: exit 2, and no lab was started. */
static int load_inputs(const run_opts_t *o, run_inputs_t *in) {
  diag_t d;
  in->prof = profile_load(o->profile_path, &d);
  if (!in->prof) diag_print(&d, stderr);
  if (in->prof && hash_artefacts(o, in) < 0) return -1;
  if (o->vendor_path && !(in->vendor = vendor_load(o->vendor_path, &d))) {
    diag_print(&d, stderr);
    return -1;
  }
  if (o->sign_key && access(o->sign_key, R_OK) < 0) {
    fprintf(stderr, "%s: error: --sign-key: %s\n  hint: make a key with: openssl genpkey -algorithm ed25519 -out %s\n",
            o->sign_key, strerror(errno), o->sign_key);
    return -1;
  }
  if (load_selection(o, in) < 0) return -1;
  if (cli_mkdirs(o->out) < 0) {
    fprintf(stderr, "%s: error: cannot create the output folder: %s\n", o->out, strerror(errno));
    return -1;
  }
  return 0;
}

/* --repeat: one result per scenario, from its first run, with every run's
 * verdict, the pass rate, and whether the runs disagreed. Its verdict is the
 * worst of the runs (verdict_worse): a scenario that fails one time in three fails. */
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
static cJSON *run_settings(const run_opts_t *o) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddNumberToObject(r, "time_scale", o->time_scale);
  if (o->seed[0]) cJSON_AddNumberToObject(r, "seed", strtod(o->seed, NULL));
  else cJSON_AddNullToObject(r, "seed");
  cJSON_AddNumberToObject(r, "repeat", o->repeat);
  cJSON_AddItemToObject(r, "filter", cJSON_CreateStringArray(o->filters, o->n_filters));
  cJSON_AddItemToObject(r, "tag", cJSON_CreateStringArray(o->tags, o->n_tags));
  cJSON *shards = cJSON_AddArrayToObject(r, "shards");
  if (o->shard_n > 0) {
    char k[48];
    snprintf(k, sizeof k, "%ld/%ld", o->shard_k, o->shard_n);
    cJSON_AddItemToArray(shards, cJSON_CreateString(k));
  }
  if (o->levels[0]) cJSON_AddStringToObject(r, "levels", o->levels);
  else cJSON_AddNullToObject(r, "levels");
  return r;
}

/* Every pass of the run (one, or --repeat's), each into its own folder when
 * there are several; runs[k] gets pass k's results by scenario. Stops at an
 * interrupt. EXIT_PASS, or EXIT_ENV after saying why. */
static int run_passes(const run_opts_t *o, run_inputs_t *in, run_console_t *con, cJSON ***runs) {
  bool *printed = calloc((size_t)in->n_sc, sizeof *printed);
  run_ctx_t ctx = {.vendor = in->vendor, .n = in->n_sc, .printed = printed, .client = in->prof->name,
                   .profile = o->profile_path, .vendor_path = o->vendor_path, .con = con};
  char pass_out[PATH_MAX];
  int code = printed ? EXIT_PASS : EXIT_ENV;
  labs_catch_interrupts();
  for (int k = 0; code == EXIT_PASS && k < o->repeat && !labs_interrupted(); k++) {
    if (!(runs[k] = calloc((size_t)in->n_sc, sizeof *runs[k]))) {
      code = EXIT_ENV;
      break;
    }
    ctx.results = runs[k];
    memset(printed, 0, (size_t)in->n_sc * sizeof *printed);
    snprintf(pass_out, sizeof pass_out, o->repeat > 1 ? "%s/run-%d" : "%s", o->out, k + 1);
    ctx.out = pass_out;
    if (o->repeat > 1 && cli_mkdirs(pass_out) < 0) {
      fprintf(stderr, "%s: error: cannot create the output folder: %s\n", pass_out, strerror(errno));
      code = EXIT_ENV;
      break;
    }
    if (o->repeat > 1 && o->verbosity != RUN_QUIET) printf("run %d of %d\n", k + 1, o->repeat);
    for (int i = 0; in->vendor && i < in->n_sc; i++) ctx.results[i] = vendor_disabled_result(in->vendor, in->scs[i]);
    run_all(in->scs, in->n_sc, o, pass_out, con, ctx.results, on_result, &ctx);
    if (o->repeat > 1) write_partial(&ctx);
  }
  free(printed);
  return code;
}

/* The run's report, certificate and signature, written into --out: the
 * results of the one pass, or each scenario's over --repeat's (combined).
 * Returns the exit code: the run verdict's, unless writing failed. */
static int finish(const run_opts_t *o, run_inputs_t *in, const run_console_t *con, cJSON **results) {
  run_ctx_t ctx = {.vendor = in->vendor, .n = in->n_sc, .results = results, .client = in->prof->name,
                   .profile = o->profile_path, .vendor_path = o->vendor_path, .out = o->out, .con = con};
  cJSON *report = build_report(&ctx);
  int code = report_summarize(report, labs_interrupted());
  cJSON *settings = run_settings(o);
  cJSON *cert = certify(report, o, in, settings);
  char err[PATH_MAX + 64];
  if (outputs_write(report, cert, o->out, true, err, sizeof err) < 0) {
    fprintf(stderr, "error: %s\n", err);
    code = EXIT_ENV;
  } else if (o->sign_key) {
    int sign_code = sign_certificate(cert, o->out, o->sign_key);
    if (sign_code && !labs_interrupted()) code = sign_code;
  }
  cJSON_Delete(cert);
  cJSON_Delete(settings);
  if (in->vendor) vendor_warn_unused(in->vendor, stderr);
  run_console_summary(con, report, results, in->n_sc, o->repeat, o->out);
  cJSON_Delete(report);
  return code;
}

int cmd_run(int argc, char **argv) {
  run_opts_t o;
  run_inputs_t in = {0};
  cJSON **runs[RUN_MAX_REPEAT] = {0}, *combined[MAX_SCENARIOS] = {0}, **results = combined;
  run_console_t con;
  int code = run_opts_parse(argc, argv, &o);
  if (code >= 0) return code;
  run_console_init(&con, o.verbosity);
  code = EXIT_USAGE;
  if (load_inputs(&o, &in) < 0) goto out;
  if ((code = run_passes(&o, &in, &con, runs)) != EXIT_PASS) goto out;
  if (o.repeat == 1 && runs[0]) results = runs[0]; /* else combined: nothing ran when interrupted at once */
  if (o.repeat > 1) {
    for (int i = 0; i < in.n_sc; i++) {
      cJSON *per[RUN_MAX_REPEAT];
      for (int k = 0; k < o.repeat; k++) per[k] = runs[k] ? runs[k][i] : NULL;
      combined[i] = repeat_result(per, o.repeat);
    }
    results = combined;
  }
  code = finish(&o, &in, &con, results);
  labs_release_kept();
out:
  for (int i = 0; i < in.n_sc; i++) cJSON_Delete(combined[i]);
  for (int k = 0; k < o.repeat; k++) {
    for (int i = 0; runs[k] && i < in.n_sc; i++) cJSON_Delete(runs[k][i]);
    free(runs[k]);
  }
  inputs_free(&in);
  return code;
}
