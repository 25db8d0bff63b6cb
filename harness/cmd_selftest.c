/* bcsim selftest: the suite's proof of itself.
 *
 * The reference client must pass every scenario, and every defect profile
 * (fixtures/clients/defect-*.json) must be caught by a failing check that
 * names the requirement it violates. With --levels network every client is
 * judged as a black box: the reference may then be unsupported but never
 * failed, and every defect that shows on the wire must be caught there.
 *
 * The reference and the defects run side by side, in one pass of labs:
 * each defect tries its candidate scenarios (its "catch" list, then every
 * scenario with a check of its requirement) and stops at the first that
 * catches it.
 *
 * `bcsim selftest SCENARIO...` is for a scenario author instead: the given
 * scenarios (files, folders or ids of the suite's) run against the reference
 * and against every defect, and each scenario's list says which defects it
 * catches and with which check. */
#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/labs.h"
#include "harness/profile.h"
#include "reports/outputs.h"
#include "harness/report_json.h"
#include "harness/verdict.h"

#define MAX_DEFECTS 64
/* Labs one defect runs at once: its "catch" scenarios come first and usually catch it, so more
 * would mostly be cancelled work that delays the other defects. */
#define DEFECT_LABS_AT_ONCE 2

static const char selftest_help[] =
    "usage: bcsim selftest [--out DIR] [--jobs N] [--levels network] [--no-early-stop] [SCENARIO...]\n"
    "  The reference client passes every scenario; every defect profile is caught by a failing\n"
    "  check of the requirement it violates. Defects run side by side, each until caught; a\n"
    "  defect's scenario stops once a check of that requirement failed for good.\n"
    "  SCENARIO...       only these (files, folders, or ids of the suite's scenarios): each runs\n"
    "                    against the reference, which must pass, and against every defect; prints\n"
    "                    which defects each scenario catches and the check that caught each\n"
    "  --levels network  judge every client as a black box: the reference may be unsupported but\n"
    "                    never failed, and every defect that shows on the wire must be caught there\n"
    "  --no-early-stop   every scenario runs its whole duration (the same defects are caught)\n"
    "\n"
    "exit codes: 0 the reference passes and every defect is caught (with SCENARIO...: the reference\n"
    "            passes them), 1 otherwise, 2 a scenario that does not load or an unknown id,\n"
    "            3 harness or environment error (such as an output folder that cannot be made),\n"
    "            130 interrupted\n";

typedef struct defect {
  profile_t *p;
  char path[PATH_MAX];
  char out[PATH_MAX];
  const scenario_t *cand[MAX_SCENARIOS];
  int n_cand, next, in_flight, ran;
  bool caught, expected; /* expected: it must be caught at the levels judged */
  char failed[1024];     /* requirements that failed, space-separated */
} defect_t;

/* What one defect did in one scenario (the scenario mode). */
typedef struct catch {
  char by[512];    /* the failing checks of the requirement it violates, space-separated: it was caught */
  char other[512]; /* the other failing checks, "id [requirement]" */
  bool ran;
  verdict_t verdict;
} catch_t;

typedef struct selftest {
  scenario_t **scs;
  int n;
  catch_t *matrix; /* scenario mode: [defect * n + scenario] */
  char (*ref_verdict)[16]; /* scenario mode: the reference's verdict per scenario */
  int matrix_next;
  defect_t d[MAX_DEFECTS];
  int nd, rr; /* rr: where the round-robin looks first */
  lab_job_t *jobs;
  int n_jobs, cap_jobs;
  /* the reference pass */
  cJSON **ref_results;
  int ref_next;
  const char *ref_profile, *ref_out;
  bool named; /* the scenario mode: the matrix, not each defect until caught */
} selftest_t;

/* Adds the requirements of the failing checks in a result to list; whether want is among them. */
static bool note_failures(const cJSON *result, char *list, size_t len, const char *want) {
  bool found = false;
  const cJSON *cs = cJSON_GetObjectItemCaseSensitive(result, "checks");
  for (const cJSON *c = cs ? cs->child : NULL; c; c = c->next) {
    const char *r = report_str(c, "requirement");
    if (report_verdict(c) != VERDICT_FAIL || !*r) continue;
    found = found || strcmp(r, want) == 0;
    char needle[80], padded[1100];
    snprintf(needle, sizeof needle, " %s ", r);
    snprintf(padded, sizeof padded, " %s ", list);
    if (!strstr(padded, needle) && strlen(list) + strlen(r) + 2 < len) {
      if (*list) strcat(list, " ");
      strcat(list, r);
    }
  }
  return found;
}

static lab_job_t *new_job(selftest_t *st, const scenario_t *sc, const char *profile, const char *out, int tag) {
  if (st->n_jobs >= st->cap_jobs) return NULL;
  lab_job_t *j = &st->jobs[st->n_jobs++];
  *j = (lab_job_t){.sc = sc, .profile = profile, .out = out, .tag = tag};
  return j;
}

static lab_job_t *ref_next(void *arg) {
  selftest_t *st = arg;
  if (st->ref_next >= st->n) return NULL;
  int i = st->ref_next++;
  return new_job(st, st->scs[i], st->ref_profile, st->ref_out, i);
}

static void ref_done(void *arg, lab_job_t *job) {
  selftest_t *st = arg;
  st->ref_results[job->tag] = job->result;
  job->result = NULL;
}

/* The next candidate of the defect with the fewest labs running, so every defect gets a lab before any gets two. */
static lab_job_t *defect_next(void *arg) {
  selftest_t *st = arg;
  defect_t *best = NULL;
  for (int k = 0; k < st->nd; k++) {
    defect_t *d = &st->d[(st->rr + k) % st->nd];
    if (!d->expected || d->caught || d->next >= d->n_cand || d->in_flight >= DEFECT_LABS_AT_ONCE) continue;
    if (!best || d->in_flight < best->in_flight) best = d;
  }
  if (!best) return NULL;
  st->rr = (int)(best - st->d + 1) % st->nd;
  best->in_flight++;
  lab_job_t *j = new_job(st, best->cand[best->next++], best->path, best->out, (int)(best - st->d));
  /* All a defect's lab must tell is whether a check of that requirement fails: it stops once one has. */
  if (j) j->stop_when_fails = best->p->violates;
  return j;
}

/* A defect caught needs no more labs: those still running for it stop. */
static bool defect_cancel(void *arg, const lab_job_t *job) {
  const selftest_t *st = arg;
  return job->profile != st->ref_profile && st->d[job->tag].caught;
}

static void defect_done(void *arg, lab_job_t *job) {
  selftest_t *st = arg;
  defect_t *d = &st->d[job->tag];
  d->in_flight--;
  d->ran++;
  if (note_failures(job->result, d->failed, sizeof d->failed, d->p->violates)) d->caught = true;
  cJSON_Delete(job->result);
  job->result = NULL;
}

/* Appends word to a space-separated list, if it fits. */
static void list_add(char *list, size_t len, const char *word) {
  size_t used = strlen(list);
  if (used + strlen(word) + 2 < len) snprintf(list + used, len - used, "%s%s", used ? " " : "", word);
}

/* The scenario mode's next job: every (defect, scenario) pair, scenario by scenario. */
static lab_job_t *matrix_next(void *arg) {
  selftest_t *st = arg;
  while (st->matrix_next < st->nd * st->n) {
    int j = st->matrix_next++, k = j % st->nd, i = j / st->nd;
    if (st->d[k].expected) return new_job(st, st->scs[i], st->d[k].path, st->d[k].out, k * st->n + i);
  }
  return NULL;
}

static void matrix_done(void *arg, lab_job_t *job) {
  selftest_t *st = arg;
  catch_t *c = &st->matrix[job->tag];
  const defect_t *d = &st->d[job->tag / st->n];
  c->ran = true;
  c->verdict = report_verdict(job->result);
  const cJSON *cs = cJSON_GetObjectItemCaseSensitive(job->result, "checks");
  for (const cJSON *k = cs ? cs->child : NULL; k; k = k->next) {
    if (report_verdict(k) != VERDICT_FAIL) continue;
    char item[SC_NAME * 2 + 8];
    snprintf(item, sizeof item, "%s [%s]", report_str(k, "id"), report_check_proves(k));
    if (strcmp(report_str(k, "requirement"), d->p->violates) == 0) list_add(c->by, sizeof c->by, report_str(k, "id"));
    else list_add(c->other, sizeof c->other, item);
  }
  cJSON_Delete(job->result);
  job->result = NULL;
}

/* The reference's jobs first, then the defects' (or the scenario mode's matrix). */
static lab_job_t *all_next(void *arg) {
  selftest_t *st = arg;
  lab_job_t *j = ref_next(st);
  return j ? j : st->named ? matrix_next(st) : defect_next(st);
}

static void all_done(void *arg, lab_job_t *job) {
  selftest_t *st = arg;
  if (job->profile == st->ref_profile) ref_done(st, job);
  else if (st->named) matrix_done(st, job);
  else defect_done(st, job);
}

/* Prints, per scenario, the defects it catches and the checks that caught
 * them. A scenario that catches none gets a warning: it may prove other
 * things, but no known defect shows it can fail. */
static void print_matrix(const selftest_t *st) {
  for (int i = 0; i < st->n; i++) {
    int caught = 0, ran = 0;
    for (int k = 0; k < st->nd; k++) {
      ran += st->matrix[k * st->n + i].ran;
      caught += st->matrix[k * st->n + i].by[0] != 0;
    }
    printf("\n%s (%s): reference %s; catches %d of %d defects\n", st->scs[i]->id, st->scs[i]->path,
           st->ref_verdict[i][0] ? st->ref_verdict[i] : "not run", caught, ran);
    for (int k = 0; k < st->nd; k++) {
      const catch_t *c = &st->matrix[k * st->n + i];
      if (c->by[0]) printf("  caught     %-28s %-10s by %s\n", st->d[k].p->name, st->d[k].p->violates, c->by);
    }
    for (int k = 0; k < st->nd; k++) {
      const catch_t *c = &st->matrix[k * st->n + i];
      if (!c->by[0] && c->other[0])
        printf("  not caught %-28s %-10s (it failed other checks: %s)\n", st->d[k].p->name, st->d[k].p->violates,
               c->other);
      else if (!c->by[0] && c->ran && c->verdict != VERDICT_PASS)
        printf("  not caught %-28s %-10s (verdict %s)\n", st->d[k].p->name, st->d[k].p->violates, verdict_name(c->verdict));
    }
    if (!caught) fprintf(stderr, "%s: warning: catches none of the %d defects\n  hint: a check that no defect can fail "
                         "proves little; `bcsim selftest` with the whole suite shows which scenarios catch what\n",
                         st->scs[i]->path, ran);
  }
}

/* Loads the scenarios named on the command line: files and folders as
 * `bcsim run` takes them, or the id of one of the suite's scenarios. */
static int load_named(int argc, char **argv, const char *suite_dir, scenario_t **scs, int *n) {
  scenario_t **suite = NULL;
  int n_suite = 0, rc = 0;
  for (int a = 0; a < argc && rc == 0; a++) {
    struct stat sb;
    if (stat(argv[a], &sb) == 0 || !scenario_id_valid(argv[a]) || strchr(argv[a], '/')) {
      if (cli_load_scenarios(1, &argv[a], scs, n) < 0) rc = -1;
      continue;
    }
    char *dirs[] = {(char *)suite_dir};
    if (!suite && ((suite = calloc(MAX_SCENARIOS, sizeof *suite)) == NULL || cli_load_scenarios(1, dirs, suite, &n_suite) < 0)) {
      rc = -1;
      break;
    }
    int found = -1;
    for (int i = 0; i < *n; i++)
      if (strcmp(scs[i]->id, argv[a]) == 0) found = -2;
    for (int i = 0; i < n_suite && found == -1; i++)
      if (suite[i] && strcmp(suite[i]->id, argv[a]) == 0) found = i;
    if (found == -2) {
      fprintf(stderr, "%s: error: scenario \"%s\" is named twice\n  hint: give each scenario once\n", argv[a], argv[a]);
      rc = -1;
    } else if (found < 0) {
      fprintf(stderr, "%s: error: no such file, and no scenario of %s has this id\n  hint: give a scenario file, a folder, "
              "or an id that `bcsim list` shows\n", argv[a], suite_dir);
      rc = -1;
    } else if (*n >= MAX_SCENARIOS) {
      fprintf(stderr, "%s: error: more than %d scenarios\n  hint: give fewer at once\n", argv[a], MAX_SCENARIOS);
      rc = -1;
    } else {
      scs[(*n)++] = suite[found];
      suite[found] = NULL;
    }
  }
  for (int i = 0; i < n_suite; i++) scenario_free(suite[i]);
  free(suite);
  return rc;
}

/* Candidates: the defect's "catch" scenarios first, then every other scenario with a check of its requirement. */
static void candidates(selftest_t *st, defect_t *d) {
  for (int k = 0; k < d->p->n_catch; k++)
    for (int i = 0; i < st->n; i++)
      if (strcmp(st->scs[i]->id, d->p->catch_ids[k]) == 0) d->cand[d->n_cand++] = st->scs[i];
  for (int i = 0; i < st->n; i++) {
    bool named = false, already = false;
    for (int k = 0; k < st->scs[i]->n_checks; k++) named = named || strcmp(st->scs[i]->checks[k].requirement, d->p->violates) == 0;
    for (int k = 0; k < d->n_cand; k++) already = already || d->cand[k] == st->scs[i];
    if (named && !already && d->n_cand < MAX_SCENARIOS) d->cand[d->n_cand++] = st->scs[i];
  }
}

static int load_defects(selftest_t *st, const char *clients, const char *out, bool network_only) {
  char *files[MAX_DEFECTS];
  int nf = 0;
  DIR *dir = opendir(clients);
  struct dirent *e;
  while (dir && (e = readdir(dir)) && nf < MAX_DEFECTS)
    if (strncmp(e->d_name, "defect-", 7) == 0 && strstr(e->d_name, ".json")) {
      char path[PATH_MAX + 300];
      snprintf(path, sizeof path, "%s/%s", clients, e->d_name);
      files[nf++] = strdup(path);
    }
  if (dir) closedir(dir);
  qsort(files, (size_t)nf, sizeof *files, cli_cmp_str);
  for (int f = 0; f < nf; f++) {
    diag_t dg;
    profile_t *p = profile_load(files[f], &dg);
    if (!p || !p->violates[0]) {
      if (p) fprintf(stderr, "%s: error: a defect profile must say which requirement it \"violates\"\n", files[f]);
      else diag_print(&dg, stderr);
      profile_free(p);
      free(files[f]);
      continue;
    }
    defect_t *d = &st->d[st->nd++];
    d->p = p;
    d->expected = !network_only || p->shows_on_wire;
    snprintf(d->path, sizeof d->path, "%s", files[f]);
    snprintf(d->out, sizeof d->out, "%s/%s", out, p->name);
    cli_mkdirs(d->out);
    candidates(st, d);
    free(files[f]);
  }
  return st->nd;
}

/* How the reference did: every scenario it ran, how many passed, and how many are acceptable
 * (pass, or unsupported when judged at the network level). */
typedef struct ref_tally {
  int pass, ok;
} ref_tally_t;

/* The reference's results, printed (each that did not pass, and the requirements that failed)
 * and written to <path> as a report; the results go into the report. */
static ref_tally_t report_reference(selftest_t *st, bool network_only, const char *ref, const char *path) {
  cJSON *report = report_new("reference", ref);
  ref_tally_t t = {0, 0};
  char ref_failed[1024] = "";
  for (int i = 0; i < st->n; i++) {
    if (!st->ref_results[i]) continue;
    const char *v = report_str(st->ref_results[i], "verdict");
    verdict_t vd = report_verdict(st->ref_results[i]);
    if (st->ref_verdict) snprintf(st->ref_verdict[i], sizeof st->ref_verdict[i], "%s", v);
    t.pass += vd == VERDICT_PASS;
    t.ok += vd == VERDICT_PASS || (network_only && vd == VERDICT_UNSUPPORTED);
    if (vd != VERDICT_PASS) printf("  %-36s %s\n", report_str(st->ref_results[i], "id"), v);
    note_failures(st->ref_results[i], ref_failed, sizeof ref_failed, "");
    report_add(report, st->ref_results[i]);
    st->ref_results[i] = NULL;
  }
  report_summarize(report, labs_interrupted());
  char err[PATH_MAX + 64];
  if (outputs_write(report, NULL, path, true, err, sizeof err) < 0) fprintf(stderr, "error: %s\n", err);
  cJSON_Delete(report);
  printf("reference client: %d/%d scenarios pass%s%s%s\n\n", t.pass, st->n,
         network_only ? ", the rest unsupported" : "", ref_failed[0] ? "; failing: " : "", ref_failed);
  return t;
}

/* The defects' table and the verdict of a whole selftest; returns its exit code. */
static int report_defects(const selftest_t *st, bool network_only, ref_tally_t ref) {
  int caught = 0, expected = 0;
  printf("%-28s %-10s %-12s %s\n", "defect", "violates", "caught", "requirements failed (scenarios run)");
  for (int k = 0; k < st->nd; k++) {
    const defect_t *d = &st->d[k];
    expected += d->expected;
    caught += d->expected && d->caught;
    printf("%-28s %-10s %-12s %s (%d)\n", d->p->name, d->p->violates,
           !d->expected ? "session only" : d->caught ? "yes" : "NO", d->failed[0] ? d->failed : "-", d->ran);
  }
  printf("\nselftest%s: reference %s (%d/%d pass); %d/%d defects caught by a check of the requirement they violate%s\n",
         network_only ? " at the network level" : "", ref.ok == st->n ? "ok" : "FAILS", ref.pass, st->n, caught, expected,
         network_only ? " (those that show on the wire)" : "");
  if (labs_interrupted()) return EXIT_INTERRUPTED;
  return ref.ok == st->n && caught == expected && expected > 0 ? EXIT_PASS : EXIT_FAIL;
}

int cmd_selftest(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, 0, 'o'}, {"jobs", required_argument, 0, 'j'},
                                       {"levels", required_argument, 0, 'l'}, {"help", no_argument, 0, 'h'},
                                       {"no-early-stop", no_argument, 0, 'E'},
                                       {0, 0, 0, 0}};
  const char *out = "out/selftest";
  long jobs = labs_default_jobs(NULL, 0);
  bool network_only = false, no_early_stop = false;
  int c, code = EXIT_ENV;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:j:h", opts, NULL)) != -1) {
    if (c == 'o') out = optarg;
    else if (c == 'j') jobs = strtol(optarg, NULL, 10);
    else if (c == 'l' && strcmp(optarg, "network") == 0) network_only = true;
    else if (c == 'l' && strcmp(optarg, "network,session") == 0) network_only = false;
    else if (c == 'E') no_early_stop = true;
    else return cli_help(selftest_help, c == 'h' ? EXIT_PASS : EXIT_USAGE);
  }
  if (jobs < 1 || jobs > LABS_MAX_JOBS) jobs = 1;
  char dir[PATH_MAX + 32], clients[PATH_MAX + 32], ref[PATH_MAX + 64], path[PATH_MAX * 2];
  snprintf(dir, sizeof dir, "%s/scenarios", cli_srcdir);
  snprintf(clients, sizeof clients, "%s/fixtures/clients", cli_srcdir);
  snprintf(ref, sizeof ref, "%s/reference.json", clients);
  static selftest_t st;
  char *dirs[] = {dir};
  labs_opts_t lo = {.levels = network_only ? "network" : NULL, .no_early_stop = no_early_stop};
  bool named = optind < argc; /* the scenario mode: only these, against every defect */
  st.scs = calloc(MAX_SCENARIOS, sizeof *st.scs);
  if (!st.scs) return EXIT_ENV;
  if ((named ? load_named(argc - optind, argv + optind, dir, st.scs, &st.n) : cli_load_scenarios(1, dirs, st.scs, &st.n)) < 0) {
    code = EXIT_USAGE;
    goto out;
  }
  if (cli_mkdirs(out) < 0) {
    fprintf(stderr, "%s: error: cannot create the output folder: %s\n", out, strerror(errno));
    goto out; /* EXIT_ENV: the machine refused, the input was fine */
  }
  labs_catch_interrupts();
  st.cap_jobs = st.n * (MAX_DEFECTS + 1);
  st.jobs = calloc((size_t)st.cap_jobs, sizeof *st.jobs);
  st.ref_results = calloc((size_t)st.n, sizeof *st.ref_results);
  st.ref_verdict = named ? calloc((size_t)st.n, sizeof *st.ref_verdict) : NULL;
  if (!st.jobs || !st.ref_results || (named && !st.ref_verdict)) goto out;

  printf("reference client%s: %d scenarios, %ld at once...\n", network_only ? " (judged at the network level)" : "", st.n, jobs);
  snprintf(path, sizeof path, "%s/reference", out);
  cli_mkdirs(path);
  st.ref_profile = ref;
  st.ref_out = path;
  st.named = named;
  load_defects(&st, clients, out, network_only);
  if (named && !(st.matrix = calloc((size_t)(st.nd * st.n + 1), sizeof *st.matrix))) goto out;
  /* One pass: the reference's labs first, then the defects' beside them, since nothing a defect
   * runs depends on the reference's verdicts and a lab mostly waits on its timeline. */
  labs_hooks_t hooks = {.next = all_next, .done = all_done, .cancel = named ? NULL : defect_cancel, .ctx = &st};
  labs_run((int)jobs, &lo, &hooks);
  ref_tally_t ref_did = report_reference(&st, network_only, ref, path);
  if (!named) {
    code = report_defects(&st, network_only, ref_did);
    goto out;
  }
  print_matrix(&st);
  printf("\nselftest of %d scenario(s)%s: reference %s (%d/%d pass)\n", st.n, network_only ? " at the network level" : "",
         ref_did.ok == st.n ? "ok" : "FAILS", ref_did.pass, st.n);
  code = labs_interrupted() ? EXIT_INTERRUPTED : ref_did.ok == st.n ? EXIT_PASS : EXIT_FAIL;
out:
  for (int k = 0; k < st.nd; k++) profile_free(st.d[k].p);
  for (int i = 0; i < st.n; i++) scenario_free(st.scs[i]);
  free(st.scs);
  free(st.matrix);
  free(st.ref_verdict);
  free(st.jobs);
  free(st.ref_results);
  return code;
}
