/* bcsim validate and bcsim list: what the inputs say, without running them. */
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

#include "base/files.h"
#include "harness/catalogue.h"
#include "harness/check.h"
#include "harness/cli.h"
#include "harness/profile.h"
#include "harness/runner.h"
#include "harness/vendor.h"
#include "harness/scenario.h"
#include "harness/events.h"
#include "harness/mapview.h"
#include "harness/spec.h"
#include "harness/specdoc.h"
#include "reports/certificate.h"
#include "reports/outputs.h"
#include "harness/report_json.h"
#include "base/strv.h"
#include "base/dur.h"
#include "sim/lab/lab.h"
#include "sim/lab/sandbox.h"


static const char validate_help[] =
    "usage: bcsim validate [--as scenario|client|vendor] FILE|DIR...\n"
    "\n"
    "Checks scenario files, client profiles and vendor profiles without running\n"
    "anything. Each file's kind is told by its content (a client profile has a\n"
    "\"command\" or \"extends\", a vendor profile \"expected_failures\" or\n"
    "\"disabled\"), or set with --as. Every problem of a file is reported in one\n"
    "run, as file:line:col with a hint; a client profile's bases are checked with\n"
    "it. Scenario match fields and values are held to the event schemas (bcsim\n"
    "list --events), requirement IDs to docs/SPEC.md; a window or anchor past the\n"
    "scenario's duration is a warning, which does not change the exit code. A\n"
    "vendor profile's waivers are judged against docs/SPEC.md and the shipped\n"
    "scenarios: one that reaches a MUST requirement needs \"waive_must\": true.\n"
    "\n"
    "exit codes: 0 all valid, 2 a problem in any file\n";

typedef enum { KIND_SCENARIO, KIND_CLIENT, KIND_VENDOR } file_kind_t;

static file_kind_t kind_of(const char *path) {
  cJSON *j = files_read_json(path);
  file_kind_t k = KIND_SCENARIO; /* unparseable files get the scenario loader's line:col */
  if (cJSON_GetObjectItemCaseSensitive(j, "command") || cJSON_GetObjectItemCaseSensitive(j, "extends")) k = KIND_CLIENT;
  else if (cJSON_GetObjectItemCaseSensitive(j, "expected_failures") || cJSON_GetObjectItemCaseSensitive(j, "disabled"))
    k = KIND_VENDOR;
  cJSON_Delete(j);
  return k;
}

int cmd_validate(int argc, char **argv) {
  static const struct option opts[] = {{"as", required_argument, 0, 'a'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  int c, forced = -1;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'a' && strcmp(optarg, "scenario") == 0) forced = KIND_SCENARIO;
    else if (c == 'a' && strcmp(optarg, "client") == 0) forced = KIND_CLIENT;
    else if (c == 'a' && strcmp(optarg, "vendor") == 0) forced = KIND_VENDOR;
    else return cli_help(validate_help, c == 'h' ? EXIT_PASS : EXIT_USAGE);
  }
  if (optind >= argc) return cli_help(validate_help, EXIT_USAGE);
  char *files[MAX_SCENARIOS * 2];
  int n = 0, bad = 0, n_sc = 0;
  for (int i = optind; i < argc; i++)
    if (cli_collect_json(argv[i], files, &n, MAX_SCENARIOS * 2) < 0) bad = 1;
  scenario_t *scs[MAX_SCENARIOS], *shipped[MAX_SCENARIOS];
  int n_shipped = 0;
  bool shipped_loaded = false;
  /* Requirement IDs are held to the spec, as the build compiled it (spec.h). */
  scenario_opts_t o = {spec_ids(), (size_t)spec_count(), "docs/SPEC.md", NULL};
  for (int i = 0; i < n; i++) {
    file_kind_t k = forced >= 0 ? (file_kind_t)forced : kind_of(files[i]);
    diag_t d;
    if (k == KIND_CLIENT) {
      profile_t *p = profile_load(files[i], &d);
      if (p) printf("ok %s (client profile %s)\n", files[i], p->name);
      else diag_print(&d, stderr), bad = 1;
      profile_free(p);
    } else if (k == KIND_VENDOR) {
      /* Its waivers are judged against the shipped scenarios, as bcsim run judges them against those it is given. */
      if (!shipped_loaded) {
        char dir[PATH_MAX + 16];
        snprintf(dir, sizeof dir, "%s/scenarios", cli_srcdir);
        char *dirs[] = {dir};
        shipped_loaded = true;
        if (cli_load_scenarios(1, dirs, shipped, &n_shipped) < 0) bad = 1;
      }
      vendor_t *v = vendor_load(files[i], &d);
      if (v && vendor_check_levels(v, shipped, n_shipped, &d)) printf("ok %s (vendor profile %s)\n", files[i], vendor_name(v));
      else diag_print(&d, stderr), bad = 1;
      vendor_free(v);
    } else if (n_sc < MAX_SCENARIOS) {
      scenario_t *sc = cli_load_scenario(files[i], &o);
      bool dup = false;
      for (int j = 0; sc && j < n_sc && !dup; j++) {
        if (strcmp(scs[j]->id, sc->id) != 0) continue;
        fprintf(stderr, "%s: error: scenario id \"%s\" is already used by %s\n  hint: ids name output folders; make them unique\n",
                files[i], sc->id, scs[j]->path);
        dup = true;
      }
      if (sc && !dup) printf("ok %s (scenario %s)\n", files[i], sc->id);
      if (!sc || dup) bad = 1;
      if (sc) scs[n_sc++] = sc;
    }
    free(files[i]);
  }
  for (int i = 0; i < n_sc; i++) scenario_free(scs[i]);
  for (int i = 0; i < n_shipped; i++) scenario_free(shipped[i]);
  return bad ? EXIT_USAGE : EXIT_PASS;
}

/* Each requirement's level is MUST or SHOULD, and, when the spec is the one
 * bcsim was built from, the level it was built with: the vendor profile rules
 * and the run verdict read them (harness/spec.h), and a waiver must not
 * follow another spec. 1 when any is wrong (said why), else 0. */
static int check_levels(const char *spec_path, const specdoc_t *sp, bool built_from) {
  const specdoc_req_t *reqs = specdoc_at(sp, 0);
  int nr = specdoc_count(sp), bad = 0;
  for (int r = 0; r < nr; r++) {
    if (spec_level_parse(reqs[r].level) == SPEC_UNKNOWN) {
      fprintf(stderr, "%s:%d: error: requirement %s has level %s\n  hint: a level is MUST or SHOULD\n", spec_path,
              reqs[r].line, reqs[r].id, reqs[r].level);
      bad = 1;
    } else if (built_from && spec_level(reqs[r].id) != spec_level_parse(reqs[r].level)) {
      fprintf(stderr, "%s:%d: error: requirement %s is %s here, but bcsim was built with it %s\n  hint: rebuild bcsim\n",
              spec_path, reqs[r].line, reqs[r].id, reqs[r].level, spec_level_name(spec_level(reqs[r].id)));
      bad = 1;
    }
  }
  if (built_from && nr != spec_count()) {
    fprintf(stderr, "%s: error: %d requirements here, but bcsim was built with %d\n  hint: rebuild bcsim\n", spec_path, nr,
            spec_count());
    bad = 1;
  }
  return bad;
}

/* One requirement's row of the matrix: its checks, scenario by scenario. 1
 * when nothing checks it or its "Checked by" line is out of date (said
 * why), else 0. */
static int requirement_row(const char *spec_path, const specdoc_req_t *req, scenario_t *const *scs, int n) {
  char line_buf[8192] = "", expected[2048] = "";
  size_t used = 0, eused = 0;
  int n_checks = 0, n_scen = 0;
  for (int i = 0; i < n; i++) {
    int here = 0;
    for (int c = 0; c < scs[i]->n_checks; c++) {
      if (strcmp(scs[i]->checks[c].requirement, req->id) != 0) continue;
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
  /* The built-in check (in every scenario) is said once in the spec's text, not in each list. */
  for (int i = 0; i < n; i++)
    for (int c = 0; c < scs[i]->n_checks; c++)
      if (strcmp(scs[i]->checks[c].requirement, req->id) == 0 && strcmp(scs[i]->checks[c].id, SC_UNKNOWN_ADDRESS_CHECK) != 0) {
        names[k++] = scs[i]->id;
        break;
      }
  qsort(names, (size_t)k, sizeof *names, cli_cmp_str);
  for (int i = 0; i < k; i++) eused += (size_t)snprintf(expected + eused, sizeof expected - eused, "%s`%s`", i ? ", " : " ", names[i]);
  printf("%-11s %-6s %6d %9d  %s\n", req->id, req->level, n_checks, n_scen, line_buf);
  if (n_checks == 0) {
    fprintf(stderr, "%s:%d: error: requirement %s has no check in any scenario\n  hint: write a scenario that can fail a client that breaks it\n",
            spec_path, req->line, req->id);
    return 1;
  }
  if (strcmp(expected, req->checked_by) != 0) {
    fprintf(stderr, "%s:%d: error: the \"Checked by\" line of %s is out of date\n  hint: it should read: - Checked by:%s\n",
            spec_path, req->line, req->id, expected);
    return 1;
  }
  return 0;
}

/* The requirement matrix: docs/SPEC.md against every check of every
 * scenario. Inconsistencies are errors (exit 2): a requirement nothing
 * checks, a check of a requirement the spec lacks, or a stale "Checked by". */
static int list_requirements(const char *spec_path, const char *scen_dir, bool built_from) {
  char *spec = files_read(spec_path, FILES_INPUT_MAX, NULL);
  scenario_t *scs[MAX_SCENARIOS];
  int n = 0, bad = 0;
  if (!spec) {
    fprintf(stderr, "%s: error: cannot read the spec\n", spec_path);
    return EXIT_USAGE;
  }
  char *dirs[] = {(char *)scen_dir};
  if (cli_load_scenarios(1, dirs, scs, &n) < 0) {
    free(spec);
    return EXIT_USAGE;
  }
  specdoc_t *sp = specdoc_parse(spec);
  if (!sp) {
    fprintf(stderr, "error: out of memory\n");
    free(spec);
    return EXIT_USAGE;
  }
  const specdoc_req_t *reqs = specdoc_at(sp, 0);
  int nr = specdoc_count(sp);
  bad = check_levels(spec_path, sp, built_from);
  for (int i = 0; i < n; i++) {
    for (int c = 0; c < scs[i]->n_checks; c++) {
      if (check_is_precondition(&scs[i]->checks[c])) continue;
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
  for (int r = 0; r < nr; r++) bad |= requirement_row(spec_path, &reqs[r], scs, n);
  for (int i = 0; i < n; i++) scenario_free(scs[i]);
  specdoc_free(sp);
  free(spec);
  return bad ? EXIT_USAGE : EXIT_PASS;
}

static void print_field(const ev_field_t *f, void *arg) {
  (void)arg;
  printf("  %-14s %-12s %s%s%s\n", f->name, events_type_name(f->type), f->optional ? "(optional) " : "", f->doc,
         f->type == EV_DNS_NAME ? " [DNS name: any case, trailing dot ignored]" : "");
}

/* The event schemas (events.h), for people writing checks. */
static void print_event_schemas(void) {
  for (int i = 0; i < events_n; i++) {
    const ev_schema_t *e = &events_table[i];
    printf("%s  (%s level; from %s)\n  %s\n", e->type, e->level, e->from, e->doc);
    events_each_field(e, print_field, NULL);
    printf("\n");
  }
}

static const char list_help[] =
    "usage: bcsim list [DIR]\n"
    "       bcsim list --json [DIR]\n"
    "       bcsim list --actions\n"
    "       bcsim list --events\n"
    "       bcsim list --world\n"
    "       bcsim list --requirements [SPEC [DIR]]\n"
    "\n"
    "Shows the scenarios of DIR (default: the shipped scenarios/) with their titles\n"
    "and tags; --json adds each scenario's requirements and the fault catalogue\n"
    "(targets and parameters); --actions prints the fault names; --events prints\n"
    "every event type checks can name, with its fields, their types (which are DNS\n"
    "names), its level and what it means; --world prints the world's tables (hosts,\n"
    "links, routes, segments, parties with their roles, addresses and DNS names) as\n"
    "JSON; --requirements\n"
    "prints the requirement matrix of docs/SPEC.md and exits 2 if a requirement is\n"
    "unchecked, a check names an unknown one, or a \"Checked by\" line is stale.\n";

/* The scenarios of dir, or the shipped ones for NULL. As cli_load_scenarios returns. */
static int load_listed(const char *dir, scenario_t **scs, int *n) {
  char def[PATH_MAX + 16];
  snprintf(def, sizeof def, "%s/scenarios", cli_srcdir);
  char *dirs[] = {dir ? (char *)dir : def};
  return cli_load_scenarios(1, dirs, scs, n);
}

/* bcsim list --json: the scenarios of dir (NULL: the shipped ones) with their
 * requirements, the fault catalogue and the event types, for tools. */
static int list_json(const char *dir) {
  scenario_t *scs[MAX_SCENARIOS];
  int n = 0;
  int rc = load_listed(dir, scs, &n);
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
      bool seen = check_is_precondition(&scs[i]->checks[c]);
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
  for (int i = 0; i < events_n; i++) cJSON_AddItemToArray(evs, cJSON_CreateString(events_table[i].type));
  char *text = cJSON_Print(root);
  printf("%s\n", text ? text : "{}");
  cJSON_free(text);
  cJSON_Delete(root);
  return rc < 0 ? EXIT_USAGE : EXIT_PASS;
}

/* bcsim list: the scenarios of dir (NULL: the shipped ones), how many check
 * each requirement, the timeline actions and the event types, for people. */
static int list_plain(const char *dir) {
  scenario_t *scs[MAX_SCENARIOS];
  int n = 0;
  int rc = load_listed(dir, scs, &n);
  printf("scenarios:\n");
  const char *reqs[256];
  int req_count[256] = {0}, n_reqs = 0;
  for (int i = 0; i < n; i++) {
    printf("  %-32s %s [", scs[i]->id, scs[i]->title);
    for (int t = 0; t < scs[i]->n_tags; t++) printf("%s%s", t ? " " : "", scs[i]->tags[t]);
    printf("]\n");
    /* How many scenarios check each requirement (the matrix is list --requirements). */
    for (int k = 0; k < scs[i]->n_checks; k++) {
      const char *r = scs[i]->checks[k].requirement;
      bool earlier = check_is_precondition(&scs[i]->checks[k]);
      for (int j = 0; j < k && !earlier; j++) earlier = strcmp(scs[i]->checks[j].requirement, r) == 0;
      if (earlier) continue;
      int at = 0;
      while (at < n_reqs && strcmp(reqs[at], r) != 0) at++;
      if (at == n_reqs && n_reqs < 256) reqs[n_reqs++] = strdup(r);
      if (at < n_reqs) req_count[at]++;
    }
  }
  printf("requirements (scenarios checking each; bcsim list --requirements has the matrix):\n");
  for (int i = 1; i < n_reqs; i++)
    for (int j = i; j > 0 && strcmp(reqs[j - 1], reqs[j]) > 0; j--) {
      const char *t = reqs[j];
      int c = req_count[j];
      reqs[j] = reqs[j - 1], req_count[j] = req_count[j - 1];
      reqs[j - 1] = t, req_count[j - 1] = c;
    }
  for (int i = 0; i < n_reqs; i++) {
    printf("  %-12s %d\n", reqs[i], req_count[i]);
    free((char *)reqs[i]);
  }
  for (int i = 0; i < n; i++) scenario_free(scs[i]);
  printf("timeline actions:\n");
  for (int i = 0; i < cat_n_actions; i++) {
    const cat_action_t *a = &cat_actions[i];
    printf("  %-20s %s\n  %-20s   targets: %s\n", a->name, a->doc, "", a->targets);
    for (const cat_param_t *p = a->params; p && p->name; p++)
      printf("  %-20s   param %s: %s%s%s%s\n", "", p->name, p->doc, p->def ? " (default " : "", p->def ? p->def : "",
             p->def ? ")" : "");
  }
  printf("event types (bcsim list --events has their fields):\n ");
  for (int i = 0; i < events_n; i++) printf(" %s", events_table[i].type);
  printf("\n");
  return rc < 0 ? EXIT_USAGE : EXIT_PASS;
}

int cmd_list(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) return cli_help(list_help, EXIT_PASS);
  if (argc > 1 && strcmp(argv[1], "--requirements") == 0) {
    char spec[PATH_MAX + 32], dir[PATH_MAX + 32];
    snprintf(spec, sizeof spec, "%s/docs/SPEC.md", cli_srcdir);
    snprintf(dir, sizeof dir, "%s/scenarios", cli_srcdir);
    return list_requirements(argc > 2 ? argv[2] : spec, argc > 3 ? argv[3] : dir, argc <= 2);
  }
  if (argc > 1 && strcmp(argv[1], "--json") == 0) return list_json(argc > 2 ? argv[2] : NULL);
  if (argc > 1 && strcmp(argv[1], "--events") == 0) {
    print_event_schemas();
    return EXIT_PASS;
  }
  if (argc > 1 && strcmp(argv[1], "--world") == 0) {
    cJSON *world = mapview_world();
    char *text = cJSON_Print(world);
    printf("%s\n", text ? text : "{}");
    cJSON_free(text);
    cJSON_Delete(world);
    return EXIT_PASS;
  }
  if (argc > 1 && strcmp(argv[1], "--actions") == 0) {
    for (int i = 0; i < cat_n_actions; i++) printf("%s\n", cat_actions[i].name);
    return EXIT_PASS;
  }
  return list_plain(argc > 1 ? argv[1] : NULL);
}

