/* bcsim rejudge and bcsim mutate: the judgement of a finished run, done again
 * from its evidence.
 *
 * rejudge derives the events again (the wire from capture.pcap, the rest
 * from events.jsonl) and evaluates the checks again: a run's verdicts can be
 * reproduced by anyone who has its folder. mutate proves every check of a
 * run can fail: for each check that passed it removes the events an expect
 * needed, or inserts into a forbid's (or a limit's) window an event that
 * matches, and requires the verdict to flip. */
#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/check.h"
#include "harness/cli.h"
#include "harness/evidence.h"
#include "harness/match.h"

/* mutate keeps one real event per type as a template: more room than there are event types (events.h). */
#define MAX_TEMPLATES 64
/* The most --with files rejudge takes: each replaces one scenario's file, and a suite is a few dozen. */
#define REJUDGE_MAX_WITH 64

static const char rejudge_help[] =
    "usage: bcsim rejudge [--levels network|network,session] [--with SCENARIO.json]... [-v] RUN_DIR|SCENARIO_DIR...\n"
    "  Derives every scenario's events again from its evidence (the wire from capture.pcap, the services\n"
    "  and the harness from events.jsonl) and evaluates its checks again. Without --levels and --with it\n"
    "  compares each check's verdict with the run's own (<id>/result.json) and exits 1 on any difference.\n"
    "  --levels  judge at these levels instead of the run's: network judges the client as a black box\n"
    "  --with    judge the scenario with this id by this file instead of the one the run recorded\n"
    "  -v        print every check\n";

static const char mutate_help[] =
    "usage: bcsim mutate [--learn RUN_DIR]... [-v] RUN_DIR|SCENARIO_DIR...\n"
    "  Proves that every check that passed in the run can fail: for an expect it removes the events that\n"
    "  met it, for a forbid it inserts a matching event into its window (built from a real event of that\n"
    "  type), for a limit one more than it allows; the verdict must flip. A precondition must flip to\n"
    "  error. A check is stuck when it cannot flip, when no run has an event of its type, or when its\n"
    "  match names a field such events lack. Exits 1 if any check is stuck.\n"
    "  --learn  more runs (a selftest's defects, say) whose events are templates and evidence that a\n"
    "           forbidden event can really happen; they are not mutated\n"
    "  -v       print every check; a forbid that no run has ever shown is marked \"(never seen)\"\n";

/* The scenario folders (folders with a result.json) at or below path, two
 * levels down at most (a run dir, or a selftest's dir of run dirs), sorted. */
static int collect_dirs(const char *path, char **out, int max) {
  char probe[PATH_MAX + 32];
  struct stat st;
  if (max <= 0) {
    fprintf(stderr, "warning: more than %d scenario folders: %s and what follows are left out\n", MAX_SCENARIOS, path);
    return 0;
  }
  snprintf(probe, sizeof probe, "%s/result.json", path);
  if (stat(probe, &st) == 0) {
    out[0] = strdup(path);
    return out[0] ? 1 : 0;
  }
  char *subs[MAX_SCENARIOS];
  int n_subs = 0, n = 0;
  DIR *d = opendir(path);
  struct dirent *e;
  while (d && (e = readdir(d)) && n_subs < MAX_SCENARIOS) {
    snprintf(probe, sizeof probe, "%s/%s", path, e->d_name);
    if (e->d_name[0] != '.' && stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) subs[n_subs++] = strdup(probe);
  }
  if (d) closedir(d);
  qsort(subs, (size_t)n_subs, sizeof *subs, cli_cmp_str);
  for (int i = 0; i < n_subs; i++) {
    snprintf(probe, sizeof probe, "%s/result.json", subs[i]);
    if (stat(probe, &st) == 0 && n < max) out[n++] = subs[i];
    else if (stat(probe, &st) != 0 && n < max) {
      /* one level further: a selftest's run dirs */
      DIR *d2 = opendir(subs[i]);
      char *inner[MAX_SCENARIOS];
      int k = 0;
      while (d2 && (e = readdir(d2)) && k < MAX_SCENARIOS) {
        snprintf(probe, sizeof probe, "%s/%s/result.json", subs[i], e->d_name);
        if (e->d_name[0] != '.' && stat(probe, &st) == 0) {
          snprintf(probe, sizeof probe, "%s/%s", subs[i], e->d_name);
          inner[k++] = strdup(probe);
        }
      }
      if (d2) closedir(d2);
      qsort(inner, (size_t)k, sizeof *inner, cli_cmp_str);
      for (int j = 0; j < k; j++) {
        if (n < max) out[n++] = inner[j];
        else free(inner[j]);
      }
      free(subs[i]);
    } else {
      free(subs[i]);
    }
  }
  return n;
}

/* The recorded verdict of check id in the run's result.json, or "". */
static const char *recorded_verdict(const cJSON *result, const char *id) {
  const cJSON *checks = cJSON_GetObjectItemCaseSensitive(result, "checks");
  for (const cJSON *c = checks ? checks->child : NULL; c; c = c->next) {
    const char *cid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "id"));
    if (cid && strcmp(cid, id) == 0) {
      const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "verdict"));
      return v ? v : "";
    }
  }
  return "";
}

/* Judges ev as the runner does (a harness error leaves nothing judged). */
static verdict_t judge(const evidence_t *ev, const tl_t *tl, bool speaks_session, check_result_t *res) {
  verdict_t v = check_eval_all(ev->sc, tl, speaks_session, res);
  for (int i = 0; ev->harness_failed && i < ev->sc->n_checks; i++) res[i].verdict = VERDICT_ERROR;
  return verdict_of_scenario_run(v, ev->harness_failed);
}

static const char *with_file(const char *id, char **with, int n_with) {
  diag_t d;
  for (int i = 0; i < n_with; i++) {
    scenario_t *sc = scenario_load(with[i], &d);
    bool hit = sc && strcmp(sc->id, id) == 0;
    scenario_free(sc);
    if (hit) return with[i];
  }
  return NULL;
}

static const char *base_name(const char *dir) {
  const char *slash = strrchr(dir, '/');
  return slash && slash[1] ? slash + 1 : dir;
}

int cmd_rejudge(int argc, char **argv) {
  static const struct option opts[] = {{"levels", required_argument, 0, 'l'}, {"with", required_argument, 0, 'w'},
                                       {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  char *with[REJUDGE_MAX_WITH], *dirs[MAX_SCENARIOS];
  int n_with = 0, c, verbose = 0, levels = 0; /* levels: 0 as recorded, 1 network, 2 network and session */
  optind = 1;
  while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
    if (c == 'l' && strcmp(optarg, "network") == 0) levels = 1;
    else if (c == 'l' && (strcmp(optarg, "network,session") == 0 || strcmp(optarg, "session,network") == 0)) levels = 2;
    else if (c == 'w' && n_with < REJUDGE_MAX_WITH) with[n_with++] = optarg;
    else if (c == 'v') verbose = 1;
    else return cli_help(rejudge_help, c == 'h' ? EXIT_PASS : EXIT_USAGE);
  }
  if (optind >= argc) return cli_help(rejudge_help, EXIT_USAGE);
  int n = 0, same = 0, differ = 0, broken = 0;
  for (int a = optind; a < argc; a++) n += collect_dirs(argv[a], dirs + n, MAX_SCENARIOS - n);
  if (n == 0) {
    fprintf(stderr, "error: no finished scenario (a folder with result.json) in the given paths\n");
    return EXIT_USAGE;
  }
  bool compare = levels == 0 && n_with == 0;
  for (int i = 0; i < n; i++) {
    evidence_t ev;
    char err[1400];
    const char *id = base_name(dirs[i]);
    if (evidence_load(dirs[i], with_file(id, with, n_with), &ev, err, sizeof err) < 0) {
      printf("%-36s cannot be rejudged: %s\n", id, err);
      broken++;
      continue;
    }
    check_result_t res[SC_MAX_CHECKS] = {0};
    bool session = levels == 0 ? ev.speaks_session : levels == 2;
    verdict_t v = judge(&ev, ev.tl, session, res);
    int diffs = 0;
    for (int k = 0; k < ev.sc->n_checks; k++) {
      const char *was = recorded_verdict(ev.result, ev.sc->checks[k].id);
      bool differs = compare && strcmp(was, verdict_name(res[k].verdict)) != 0;
      diffs += differs;
      if (differs || verbose)
        printf("  %s %-11s %s [%s]: %s%s%s\n", differs ? "DIFFERS" : "       ", verdict_name(res[k].verdict),
               ev.sc->checks[k].id, check_class(&ev.sc->checks[k]), res[k].message, differs ? "; the run said " : "",
               differs ? was : "");
    }
    const char *was = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev.result, "verdict"));
    bool sdiff = compare && (!was || strcmp(was, verdict_name(v)) != 0);
    printf("%-36s %-11s %s (%d checks, %zu wire events from the capture)\n", id, verdict_name(v),
           !compare ? "judged" : diffs || sdiff ? "DIFFERS from the run" : "identical to the run", ev.sc->n_checks,
           ev.wire_events);
    if (diffs || sdiff) differ++;
    else same++;
    check_results_free(res, ev.sc->n_checks);
    evidence_free(&ev);
  }
  if (compare) printf("rejudged %d scenarios: %d identical, %d differ, %d could not be rejudged\n", n, same, differ, broken);
  for (int i = 0; i < n; i++) free(dirs[i]);
  return broken ? EXIT_ENV : differ ? EXIT_FAIL : EXIT_PASS;
}

/* ---- mutate ---- */

/* One real event per type, seen somewhere in the run: what an inserted event is built from. */
typedef struct templates {
  int n;
  cJSON *ev[MAX_TEMPLATES];
} templates_t;

static void learn_templates(templates_t *t, const tl_t *tl) {
  for (size_t i = 0; i < tl_count(tl); i++) {
    const cJSON *obj = tl_at(tl, i)->obj;
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "type"));
    bool known = false;
    for (int k = 0; k < t->n && !known; k++)
      known = strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t->ev[k], "type")), type) == 0;
    if (!known && t->n < MAX_TEMPLATES) t->ev[t->n++] = cJSON_Duplicate(obj, 1);
  }
}

static const cJSON *template_of(const templates_t *t, const char *type) {
  for (int k = 0; k < t->n; k++)
    if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t->ev[k], "type")), type) == 0) return t->ev[k];
  return NULL;
}

/* An event of the check's type matching its match, from a real event of that type; NULL with why. */
static cJSON *forged_event(const sc_check_t *ck, const templates_t *t, char *why, size_t len) {
  const cJSON *tmpl = template_of(t, ck->event);
  if (!tmpl) {
    snprintf(why, len, "no run has a %s event, so no real one can be built: add a run that has one (--learn)", ck->event);
    return NULL;
  }
  cJSON *e = cJSON_Duplicate(tmpl, 1);
  for (const cJSON *m = ck->match ? ck->match->child : NULL; m; m = m->next) {
    if (!cJSON_GetObjectItemCaseSensitive(tmpl, m->string)) {
      snprintf(why, len, "no %s event of the run has the field \"%s\": the match can never hold", ck->event, m->string);
      cJSON_Delete(e);
      return NULL;
    }
    cJSON *v = match_example(ck->event, m->string, m, cJSON_GetObjectItemCaseSensitive(tmpl, m->string));
    if (!v) {
      char *text = cJSON_PrintUnformatted(m);
      snprintf(why, len, "cannot build a value of \"%s\" that %s matches", m->string, text ? text : "its match");
      cJSON_free(text);
      cJSON_Delete(e);
      return NULL;
    }
    if (cJSON_GetObjectItemCaseSensitive(e, m->string)) cJSON_ReplaceItemInObjectCaseSensitive(e, m->string, v);
    else cJSON_AddItemToObject(e, m->string, v);
  }
  return e;
}

static void copy_event(tl_t *dst, const tl_event_t *e) {
  cJSON *f = cJSON_Duplicate(e->obj, 1);
  char from[64], type[64];
  snprintf(from, sizeof from, "%s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "from")));
  snprintf(type, sizeof type, "%s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "type")));
  cJSON_DeleteItemFromObjectCaseSensitive(f, "t");
  cJSON_DeleteItemFromObjectCaseSensitive(f, "from");
  cJSON_DeleteItemFromObjectCaseSensitive(f, "type");
  tl_add(dst, e->t_us, from, type, f);
}

static double evidence_num(const check_result_t *r, const char *key, double dflt) {
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(r->evidence, key);
  return cJSON_IsNumber(n) ? n->valuedouble : dflt;
}

/* The timeline with check k's evidence taken away (expect) or a violation added (forbid, limit). */
static tl_t *mutated(const evidence_t *ev, const check_result_t *r, const templates_t *t, char *why, size_t len) {
  const sc_check_t *ck = r->check;
  int64_t from = llround(evidence_num(r, "window_from", 0) * 1e6);
  int64_t to = cJSON_GetObjectItemCaseSensitive(r->evidence, "window_to") ? llround(evidence_num(r, "window_to", 0) * 1e6)
                                                                          : INT64_MAX;
  tl_t *m = tl_new();
  for (size_t i = 0; m && i < tl_count(ev->tl); i++) {
    const tl_event_t *e = tl_at(ev->tl, i);
    bool in = e->t_us >= from && e->t_us <= to && check_event_matches(e->obj, ck->event, ck->match);
    if (!(ck->kind == SC_CHECK_EXPECT && in)) copy_event(m, e);
  }
  if (m && ck->kind != SC_CHECK_EXPECT) {
    int extra = ck->kind == SC_CHECK_LIMIT ? ck->max - (int)evidence_num(r, "count", 0) + 1 : 1;
    int64_t at = to == INT64_MAX ? from + 1000 : from + (to - from) / 2;
    for (int i = 0; i < extra; i++) {
      cJSON *e = forged_event(ck, t, why, len);
      if (!e) {
        tl_free(m);
        return NULL;
      }
      char type[64];
      snprintf(type, sizeof type, "%s", ck->event);
      cJSON_DeleteItemFromObjectCaseSensitive(e, "t");
      cJSON_DeleteItemFromObjectCaseSensitive(e, "from");
      cJSON_DeleteItemFromObjectCaseSensitive(e, "type");
      tl_add(m, at, "mutation", type, e);
    }
  }
  if (m) tl_sort(m);
  return m;
}

/* Whether any real event of any run matches the check: a forbid shown to be reachable. */
static bool seen_somewhere(const sc_check_t *ck, const evidence_t *evs, int n) {
  for (int i = 0; i < n; i++)
    for (size_t k = 0; evs[i].tl && k < tl_count(evs[i].tl); k++)
      if (check_event_matches(tl_at(evs[i].tl, k)->obj, ck->event, ck->match)) return true;
  return false;
}

int cmd_mutate(int argc, char **argv) {
  static const struct option opts[] = {{"learn", required_argument, 0, 'l'}, {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  char *dirs[MAX_SCENARIOS], *learn_dirs[MAX_SCENARIOS * 2];
  int c, verbose = 0, n = 0, n_learn = 0, unseen = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
    if (c == 'v') verbose = 1;
    else if (c == 'l') n_learn += collect_dirs(optarg, learn_dirs + n_learn, MAX_SCENARIOS * 2 - n_learn);
    else return cli_help(mutate_help, c == 'h' ? EXIT_PASS : EXIT_USAGE);
  }
  if (optind >= argc) return cli_help(mutate_help, EXIT_USAGE);
  for (int a = optind; a < argc; a++) n += collect_dirs(argv[a], dirs + n, MAX_SCENARIOS - n);
  if (n == 0) {
    fprintf(stderr, "error: no finished scenario (a folder with result.json) in the given paths\n");
    return EXIT_USAGE;
  }
  templates_t t = {0};
  int n_all = n + n_learn;
  evidence_t *evs = calloc((size_t)n_all, sizeof *evs);
  int flipped = 0, stuck = 0, skipped = 0, broken = 0;
  for (int i = 0; evs && i < n_all; i++) {
    char err[1400];
    const char *dir = i < n ? dirs[i] : learn_dirs[i - n];
    if (evidence_load(dir, NULL, &evs[i], err, sizeof err) < 0) {
      printf("%-36s cannot be loaded: %s\n", base_name(dir), err);
      broken += i < n;
      continue;
    }
    learn_templates(&t, evs[i].tl);
  }
  for (int i = 0; evs && i < n; i++) {
    evidence_t *ev = &evs[i];
    if (!ev->sc) continue; /* could not be loaded; learned runs are past n */
    check_result_t base[SC_MAX_CHECKS] = {0};
    judge(ev, ev->tl, ev->speaks_session, base);
    for (int k = 0; k < ev->sc->n_checks; k++) {
      const sc_check_t *ck = &ev->sc->checks[k];
      if (base[k].verdict != VERDICT_PASS) {
        skipped++;
        if (verbose) printf("  skip  %s/%s: %s, not pass, in the run\n", ev->sc->id, ck->id, verdict_name(base[k].verdict));
        continue;
      }
      char why[300] = "";
      tl_t *m = mutated(ev, &base[k], &t, why, sizeof why);
      check_result_t res[SC_MAX_CHECKS] = {0};
      verdict_t want = check_is_precondition(ck) ? VERDICT_ERROR : VERDICT_FAIL;
      if (m) check_eval_all(ev->sc, m, ev->speaks_session, res);
      bool ok = m && res[k].verdict == want;
      bool never = ok && ck->kind != SC_CHECK_EXPECT && !seen_somewhere(ck, evs, n_all);
      if (ok) flipped++;
      else stuck++;
      unseen += never;
      if (!ok || verbose)
        printf("  %s %s/%s [%s] %s%s: %s\n", ok ? "flip " : "STUCK", ev->sc->id, ck->id, check_class(ck),
               ck->kind == SC_CHECK_EXPECT ? "matching events removed" : "matching event inserted",
               never ? " (never seen)" : "", !m ? why : ok ? res[k].message : verdict_name(res[k].verdict));
      if (m) check_results_free(res, ev->sc->n_checks);
      tl_free(m);
    }
    check_results_free(base, ev->sc->n_checks);
  }
  printf("mutated %d scenarios: %d checks flipped, %d could not flip, %d not passing in the run (skipped)%s\n", n - broken,
         flipped, stuck, skipped, broken ? ", some scenarios could not be loaded" : "");
  printf("%d forbids and limits flipped by an event that no run (of %d) has shown\n", unseen, n_all);
  for (int i = 0; i < n_all; i++)
    if (evs) evidence_free(&evs[i]);
  for (int i = 0; i < n; i++) free(dirs[i]);
  for (int i = 0; i < n_learn; i++) free(learn_dirs[i]);
  for (int k = 0; k < t.n; k++) cJSON_Delete(t.ev[k]);
  free(evs);
  return broken ? EXIT_ENV : stuck ? EXIT_FAIL : EXIT_PASS;
}
