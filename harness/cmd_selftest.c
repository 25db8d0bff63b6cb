/* bcsim selftest: the suite's proof of itself.
 *
 * The reference client must pass every scenario, and every defect profile
 * (fixtures/clients/defect-*.json) must be caught by a failing check that
 * names the requirement it violates. With --levels network every client is
 * judged as a black box: the reference may then be unsupported but never
 * failed, and every defect that shows on the wire must be caught there.
 *
 * The defects run side by side: each tries its candidate scenarios (its
 * "catch" list, then every scenario with a check of its requirement) one
 * after the other and stops at the first that catches it. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/labs.h"
#include "harness/profile.h"
#include "reports/outputs.h"
#include "reports/report_json.h"

#define MAX_DEFECTS 64

static const char selftest_help[] =
    "usage: bcsim selftest [--out DIR] [--jobs N] [--levels network]\n"
    "  The reference client passes every scenario; every defect profile is caught by a failing\n"
    "  check of the requirement it violates. Defects run side by side, each until caught.\n"
    "  --levels network  judge every client as a black box: the reference may be unsupported but\n"
    "                    never failed, and every defect that shows on the wire must be caught there\n";

typedef struct defect {
  profile_t *p;
  char path[PATH_MAX];
  char out[PATH_MAX];
  const scenario_t *cand[MAX_SCENARIOS];
  int n_cand, next, in_flight, ran;
  bool caught, expected; /* expected: it must be caught at the levels judged */
  char failed[1024];     /* requirements that failed, space-separated */
} defect_t;

typedef struct selftest {
  scenario_t **scs;
  int n;
  defect_t d[MAX_DEFECTS];
  int nd, rr; /* rr: where the round-robin looks first */
  lab_job_t *jobs;
  int n_jobs, cap_jobs;
  /* the reference pass */
  cJSON **ref_results;
  int ref_next;
  const char *ref_profile, *ref_out;
} selftest_t;

/* Adds the requirements of the failing checks in a result to list; whether want is among them. */
static bool note_failures(const cJSON *result, char *list, size_t len, const char *want) {
  bool found = false;
  const cJSON *cs = cJSON_GetObjectItemCaseSensitive(result, "checks");
  for (const cJSON *c = cs ? cs->child : NULL; c; c = c->next) {
    const char *r = report_str(c, "requirement");
    if (strcmp(report_str(c, "verdict"), "fail") != 0 || !*r) continue;
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
  *j = (lab_job_t){sc, profile, out, NULL, tag};
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
    if (!d->expected || d->caught || d->next >= d->n_cand) continue;
    if (!best || d->in_flight < best->in_flight) best = d;
  }
  if (!best) return NULL;
  st->rr = (int)(best - st->d + 1) % st->nd;
  best->in_flight++;
  return new_job(st, best->cand[best->next++], best->path, best->out, (int)(best - st->d));
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

int cmd_selftest(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, 0, 'o'}, {"jobs", required_argument, 0, 'j'},
                                       {"levels", required_argument, 0, 'l'}, {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *out = "out/selftest";
  long jobs = sysconf(_SC_NPROCESSORS_ONLN);
  bool network_only = false;
  int c, code = EXIT_ENV;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:j:h", opts, NULL)) != -1) {
    if (c == 'o') out = optarg;
    else if (c == 'j') jobs = strtol(optarg, NULL, 10);
    else if (c == 'l' && strcmp(optarg, "network") == 0) network_only = true;
    else if (c == 'l' && strcmp(optarg, "network,session") == 0) network_only = false;
    else return cli_help(selftest_help, c == 'h' ? 0 : EXIT_USAGE);
  }
  if (jobs < 1 || jobs > LABS_MAX_JOBS) jobs = 1;
  char dir[PATH_MAX + 32], clients[PATH_MAX + 32], ref[PATH_MAX + 64], path[PATH_MAX * 2];
  snprintf(dir, sizeof dir, "%s/scenarios", cli_srcdir);
  snprintf(clients, sizeof clients, "%s/fixtures/clients", cli_srcdir);
  snprintf(ref, sizeof ref, "%s/reference.json", clients);
  static selftest_t st;
  char *dirs[] = {dir};
  labs_opts_t lo = {.levels = network_only ? "network" : NULL};
  if (cli_load_scenarios(1, dirs, st.scs = calloc(MAX_SCENARIOS, sizeof *st.scs), &st.n) < 0 || cli_mkdirs(out) < 0)
    return EXIT_USAGE;
  labs_catch_interrupts();
  st.cap_jobs = st.n * (MAX_DEFECTS + 1);
  st.jobs = calloc((size_t)st.cap_jobs, sizeof *st.jobs);
  st.ref_results = calloc((size_t)st.n, sizeof *st.ref_results);
  if (!st.jobs || !st.ref_results) goto out;

  printf("reference client%s: %d scenarios, %ld at once...\n", network_only ? " (judged at the network level)" : "", st.n, jobs);
  snprintf(path, sizeof path, "%s/reference", out);
  cli_mkdirs(path);
  st.ref_profile = ref;
  st.ref_out = path;
  labs_hooks_t rh = {ref_next, ref_done, NULL, &st};
  labs_run((int)jobs, &lo, &rh);
  cJSON *report = report_new("reference", ref);
  int ref_ok = 0, ref_pass = 0;
  char ref_failed[1024] = "";
  for (int i = 0; i < st.n; i++) {
    if (!st.ref_results[i]) continue;
    const char *v = report_str(st.ref_results[i], "verdict");
    ref_pass += strcmp(v, "pass") == 0;
    ref_ok += strcmp(v, "pass") == 0 || (network_only && strcmp(v, "unsupported") == 0);
    if (strcmp(v, "pass") != 0) printf("  %-36s %s\n", report_str(st.ref_results[i], "id"), v);
    note_failures(st.ref_results[i], ref_failed, sizeof ref_failed, "");
    report_add(report, st.ref_results[i]);
    st.ref_results[i] = NULL;
  }
  report_summarize(report, labs_interrupted());
  char err[PATH_MAX + 64];
  if (outputs_write(report, NULL, path, true, err, sizeof err) < 0) fprintf(stderr, "error: %s\n", err);
  cJSON_Delete(report);
  printf("reference client: %d/%d scenarios pass%s%s%s\n\n", ref_pass, st.n,
         network_only ? ", the rest unsupported" : "", ref_failed[0] ? "; failing: " : "", ref_failed);

  load_defects(&st, clients, out, network_only);
  st.n_jobs = 0;
  labs_hooks_t dh = {defect_next, defect_done, NULL, &st};
  labs_run((int)jobs, &lo, &dh);
  int caught = 0, expected = 0;
  printf("%-28s %-10s %-12s %s\n", "defect", "violates", "caught", "requirements failed (scenarios run)");
  for (int k = 0; k < st.nd; k++) {
    defect_t *d = &st.d[k];
    expected += d->expected;
    caught += d->expected && d->caught;
    printf("%-28s %-10s %-12s %s (%d)\n", d->p->name, d->p->violates,
           !d->expected ? "session only" : d->caught ? "yes" : "NO", d->failed[0] ? d->failed : "-", d->ran);
  }
  printf("\nselftest%s: reference %s (%d/%d pass); %d/%d defects caught by a check of the requirement they violate%s\n",
         network_only ? " at the network level" : "", ref_ok == st.n ? "ok" : "FAILS", ref_pass, st.n, caught, expected,
         network_only ? " (those that show on the wire)" : "");
  code = labs_interrupted() ? EXIT_INTERRUPTED : (ref_ok == st.n && caught == expected && expected > 0) ? 0 : EXIT_FAIL;
out:
  for (int k = 0; k < st.nd; k++) profile_free(st.d[k].p);
  for (int i = 0; i < st.n; i++) scenario_free(st.scs[i]);
  free(st.scs);
  free(st.jobs);
  free(st.ref_results);
  return code;
}
