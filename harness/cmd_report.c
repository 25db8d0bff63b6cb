/* bcsim report merge, bcsim verify: working on the outputs of finished runs. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/files.h"
#include "harness/cli.h"
#include "harness/scenario.h"
#include "reports/certificate.h"
#include "reports/certificate_verify.h"
#include "reports/outputs.h"
#include "harness/report_json.h"

/* The most run dirs one merge takes: the shards of a CI matrix. The whole
 * suite runs in well under a minute on one machine, so a matrix wider than
 * this would spend more on starting machines than on running labs. */
#define MERGE_MAX_DIRS 64
/* The most scenarios a merge holds, and report verdicts lists: twice what one
 * run loads (MAX_SCENARIOS), room for shards of runs that were given more
 * than one copy of a folder. */
#define MERGE_MAX_SCENARIOS (2 * MAX_SCENARIOS)
/* The most --root NAME=DIR verify takes: a certificate has four roots
 * (certificate_root_names), and a script may repeat one. */
#define VERIFY_MAX_ROOTS 16

static const char merge_help[] =
    "usage: bcsim report merge [--out DIR] [--sign-key KEY] RUN_DIR...\n"
    "       bcsim report verdicts RUN_DIR\n"
    "\n"
    "verdicts prints every scenario's and every check's verdict, one per line\n"
    "(scenario, check, requirement or \"precondition\", verdict), in a stable\n"
    "order: diff two runs with it.\n"
    "\n"
    "Merges the out dirs of sharded runs (bcsim run --shard K/N) into one run:\n"
    "report.json, junit.xml and report.html, with every scenario's artefacts\n"
    "copied in. The result has the same scenarios, in the same order, and the\n"
    "same verdicts as one unsharded run of the same scenarios.\n"
    "\n"
    "When every run dir has a certificate.json, the merged run gets one too (the\n"
    "shards must have run the same client binary and profiles); --sign-key signs it.\n"
    "\n"
    "  --out DIR       where the merged run goes (default: merged)\n"
    "  --sign-key KEY  sign the merged certificate.json with this PEM private key\n"
    "\n"
    "exit codes: the merged run's (0 pass, 1 fail, 3 error, 4 pass-with-waivers, 130 interrupted),\n"
    "            2 bad input\n";

/* The order bcsim run gives: folder by folder, names sorted within each. */
static int cmp_path(const char *a, const char *b) {
  while (*a && *b) {
    size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
    size_t n = la < lb ? la : lb;
    int c = strncmp(a, b, n);
    if (c == 0 && la != lb) c = la < lb ? -1 : 1;
    if (c != 0) return c;
    a += la + (a[la] == '/');
    b += lb + (b[lb] == '/');
  }
  return *a ? 1 : *b ? -1 : 0;
}

static int cmp_scenario(const void *x, const void *y) {
  const cJSON *a = *(cJSON *const *)x, *b = *(cJSON *const *)y;
  return cmp_path(report_str(a, "file"), report_str(b, "file"));
}

/* A scenario of a merge, and the run dir it came from. */
typedef struct merged_scenario {
  cJSON *result;
  int dir;
} merged_scenario_t;

static int cmp_merged(const void *x, const void *y) {
  return cmp_scenario(&((const merged_scenario_t *)x)->result, &((const merged_scenario_t *)y)->result);
}

/* The merged run's certificate, when every shard has one; NULL (said why) otherwise. */
static cJSON *merge_certificates(char **dirs, int n_dirs, const cJSON *merged, int *code) {
  cJSON *certs[MERGE_MAX_DIRS] = {0}, *cert = NULL;
  int have = 0;
  for (int i = 0; i < n_dirs; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/certificate.json", dirs[i]);
    have += (certs[i] = files_read_json(path)) != NULL;
  }
  if (have == n_dirs) {
    char date[32], err[512];
    certificate_now(date);
    if (!(cert = certificate_merge(certs, n_dirs, merged, date, err, sizeof err))) {
      fprintf(stderr, "error: %s\n  hint: merge the shards of one run (same client, profiles and bcsim)\n", err);
      *code = EXIT_USAGE;
    }
  } else if (have > 0) {
    fprintf(stderr, "warning: no certificate.json: only %d of the %d run dirs have one\n", have, n_dirs);
  }
  for (int i = 0; i < n_dirs; i++) cJSON_Delete(certs[i]);
  return cert;
}

/* Reads every run dir's report.json into reports[] and its scenarios into
 * list (at most MERGE_MAX_SCENARIOS); *interrupted when any was. The run dirs
 * must be shards of one run: the same report schema and client profile, no
 * scenario twice, ids that are folder names. 0, or -1 after saying why. */
static int read_shards(char **dirs, int n_dirs, cJSON **reports, merged_scenario_t *list, int *n, bool *interrupted) {
  const char *client = NULL;
  for (int i = 0; i < n_dirs; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/report.json", dirs[i]);
    reports[i] = files_read_json(path);
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(reports[i], "schema_version");
    if (!reports[i] || !cJSON_IsNumber(version) || version->valueint != REPORT_SCHEMA_VERSION) {
      fprintf(stderr, "%s: error: %s\n  hint: give the --out folders of bcsim run\n", path,
              reports[i] ? "written by another report schema version" : "missing or not JSON");
      return -1;
    }
    const char *c = report_str(cJSON_GetObjectItemCaseSensitive(reports[i], "client"), "profile");
    if (client && strcmp(client, c) != 0) {
      fprintf(stderr, "%s: error: client profile %s, but %s used %s\n  hint: merge only shards of one run\n", path, c,
              dirs[0], client);
      return -1;
    }
    client = c;
    *interrupted |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reports[i], "summary"), "interrupted"));
    const cJSON *scs = cJSON_GetObjectItemCaseSensitive(reports[i], "scenarios");
    for (cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
      /* Ids name folders here: never let a report lead the copy out of the run dirs. */
      const char *id = report_str(s, "id");
      if (!scenario_id_valid(id)) {
        fprintf(stderr, "%s: error: scenario id \"%s\" is not a folder name\n  hint: give the out dirs of bcsim run\n", path, id);
        return -1;
      }
      for (int k = 0; k < *n; k++) {
        if (strcmp(report_str(list[k].result, "id"), id) == 0) {
          fprintf(stderr, "%s: error: scenario %s is in more than one run dir\n  hint: shards of one run never overlap\n",
                  path, id);
          return -1;
        }
      }
      if (*n == MERGE_MAX_SCENARIOS) {
        fprintf(stderr, "error: more than %d scenarios to merge\n", MERGE_MAX_SCENARIOS);
        return -1;
      }
      list[(*n)++] = (merged_scenario_t){s, i};
    }
  }
  return 0;
}

/* Copies each merged scenario's artefacts into out: those of the run that
 * produced its result (a stale folder of the same name in another run dir is
 * not this scenario's). 0, or -1 after saying why. */
static int copy_artefacts(const char *out, char **dirs, const merged_scenario_t *list, int n) {
  for (int k = 0; k < n; k++) {
    char from[PATH_MAX], to[PATH_MAX];
    snprintf(from, sizeof from, "%s/%s", dirs[list[k].dir], report_str(list[k].result, "id"));
    snprintf(to, sizeof to, "%s/%s", out, report_str(list[k].result, "id"));
    struct stat a, b;
    if (stat(from, &a) < 0 || (stat(to, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)) continue;
    if (cli_copy_tree(from, to) < 0) {
      fprintf(stderr, "error: cannot copy %s to %s\n", from, to);
      return -1;
    }
  }
  return 0;
}

/* The merged run's report: the shards' scenarios in bcsim run's order, with the first shard's client, vendor profile and seed. */
static cJSON *merged_report(cJSON *const *reports, merged_scenario_t *list, int n) {
  qsort(list, (size_t)n, sizeof *list, cmp_merged);
  const cJSON *c0 = cJSON_GetObjectItemCaseSensitive(reports[0], "client");
  cJSON *merged = report_new(report_str(c0, "name"), report_str(c0, "profile"));
  const cJSON *vp = cJSON_GetObjectItemCaseSensitive(reports[0], "vendor_profile");
  if (vp) cJSON_AddItemToObject(merged, "vendor_profile", cJSON_Duplicate(vp, 1));
  cJSON *seed = cJSON_GetObjectItemCaseSensitive(reports[0], "seed");
  if (seed) cJSON_AddItemToObject(merged, "seed", cJSON_Duplicate(seed, 1));
  for (int k = 0; k < n; k++) report_add(merged, cJSON_Duplicate(list[k].result, 1));
  return merged;
}

/* Writes the merged run into out, signed when sign_key is given. The exit code: the merged run's verdict's, unless something failed. */
static int write_merged(const char *out, char **dirs, int n_dirs, cJSON *merged, const char *sign_key) {
  cJSON *cert = NULL;
  int cert_code = 0, code = EXIT_USAGE;
  cert = merge_certificates(dirs, n_dirs, merged, &cert_code);
  if (cert_code) {
    code = cert_code;
    goto out;
  }
  if (sign_key && !cert) {
    fprintf(stderr, "error: --sign-key: the shards have no certificates to merge and sign\n");
    goto out;
  }
  char err[PATH_MAX + 64];
  if (outputs_write(merged, cert, out, true, err, sizeof err) < 0 ||
      (sign_key && certificate_sign_in(out, sign_key, err, sizeof err) < 0)) {
    fprintf(stderr, "error: %s\n", err);
    code = EXIT_ENV;
    goto out;
  }
  code = EXIT_PASS;
out:
  cJSON_Delete(cert);
  return code;
}

static int merge(const char *out, char **dirs, int n_dirs, const char *sign_key) {
  cJSON *merged = NULL, *reports[MERGE_MAX_DIRS] = {0};
  merged_scenario_t list[MERGE_MAX_SCENARIOS];
  int n = 0, code = EXIT_USAGE;
  bool interrupted = false;
  if (n_dirs > MERGE_MAX_DIRS) {
    fprintf(stderr, "error: at most %d run dirs can be merged at once\n", MERGE_MAX_DIRS);
    return EXIT_USAGE;
  }
  if (read_shards(dirs, n_dirs, reports, list, &n, &interrupted) < 0) goto out;
  merged = merged_report(reports, list, n);
  if (cli_mkdirs(out) < 0) {
    fprintf(stderr, "%s: error: cannot create the output folder\n", out);
    goto out;
  }
  if (copy_artefacts(out, dirs, list, n) < 0) {
    code = EXIT_ENV;
    goto out;
  }
  int verdict_code = report_summarize(merged, interrupted);
  if ((code = write_merged(out, dirs, n_dirs, merged, sign_key)) != EXIT_PASS) goto out;
  code = verdict_code;
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(merged, "summary");
  printf("merged %d run dirs: %d scenarios, %d passed, %d failed, %d errors. Report: %s/report.json\n", n_dirs, n,
         (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "passed")),
         (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "failed")),
         (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(sum, "errors")), out);
out:
  cJSON_Delete(merged);
  for (int i = 0; i < n_dirs; i++) cJSON_Delete(reports[i]);
  return code;
}

static int verdicts(const char *dir) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/report.json", dir);
  cJSON *report = files_read_json(path);
  if (!report) {
    fprintf(stderr, "%s: error: missing or not JSON\n  hint: give the --out folder of bcsim run\n", path);
    return EXIT_USAGE;
  }
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(report, "scenarios");
  int n = 0;
  const cJSON *list[MERGE_MAX_SCENARIOS];
  for (const cJSON *s = scs ? scs->child : NULL; s && n < MERGE_MAX_SCENARIOS; s = s->next) list[n++] = s;
  qsort(list, (size_t)n, sizeof *list, cmp_scenario);
  for (int i = 0; i < n; i++) {
    printf("%s - - %s\n", report_str(list[i], "id"), report_str(list[i], "verdict"));
    const cJSON *checks = cJSON_GetObjectItemCaseSensitive(list[i], "checks");
    for (const cJSON *k = checks ? checks->child : NULL; k; k = k->next)
      printf("%s %s %s %s\n", report_str(list[i], "id"), report_str(k, "id"), report_check_proves(k),
             report_str(k, "verdict"));
  }
  cJSON_Delete(report);
  return EXIT_PASS;
}

int cmd_report(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "verdicts") == 0) return verdicts(argv[2]);
  static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                       {"sign-key", required_argument, 0, 'K'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  if (argc < 2 || strcmp(argv[1], "merge") != 0)
    return cli_help(merge_help, argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ? EXIT_PASS : EXIT_USAGE);
  const char *out = "merged", *sign_key = NULL;
  int c;
  optind = 1;
  argc--, argv++;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    if (c == 'o') out = optarg;
    else if (c == 'K') sign_key = optarg;
    else return cli_help(merge_help, c == 'h' ? EXIT_PASS : EXIT_USAGE);
  }
  if (optind >= argc) {
    fprintf(stderr, "error: no run dir given\n  hint: bcsim report merge --out all shard1 shard2\n");
    return EXIT_USAGE;
  }
  return merge(out, argv + optind, argc - optind, sign_key);
}

static const char verify_help[] =
    "usage: bcsim verify [--signature FILE] [--thumbprint T] [--root NAME=DIR]... [--strict] CERTIFICATE\n"
    "\n"
    "Checks a certification summary (certificate.json): its detached signature\n"
    "(default CERTIFICATE.sig); every file it hashes that can be found here (the\n"
    "client profile, program and artefacts, the vendor profile, each scenario,\n"
    "the scenario set); and that it agrees with itself: each scenario's verdict\n"
    "follows from its checks, the summary from the scenarios, the verdict and\n"
    "the waivers from the summary. Where the vendor profile and the scenario\n"
    "files are here, the waivers must be its entries and each scenario's checks\n"
    "its file's. A certificate names files relative to roots (suite, profile,\n"
    "vendor, bin); a root not given is looked for where the tester had it, but\n"
    "only when the signature holds. A program under the tester's bin root that\n"
    "differs here is not re-checked (give --root bin=DIR: then it must match).\n"
    "A certificate of another bcsim version is judged by this one's spec: a note,\n"
    "and its consistency counts as not re-checked. What a valid certificate\n"
    "proves: docs/certification.md.\n"
    "\n"
    "  --signature FILE  the detached signature (default: CERTIFICATE.sig)\n"
    "  --thumbprint T    require this signer: base64(SHA-256(SPKI)) of the signing key\n"
    "  --root NAME=DIR   the local copy of a root (repeatable), e.g. --root suite=scenarios\n"
    "  --strict          reject the certificate if any item cannot be re-checked here\n"
    "\n"
    "exit codes: 0 valid, every item re-checked; 1 rejected (edited, inconsistent, wrong\n"
    "            signer, unsigned, a hash differs; with --strict, an item not re-checked);\n"
    "            2 unreadable input, another certificate version, or bad usage;\n"
    "            4 partial: nothing is wrong, but some items could not be re-checked here\n";

int cmd_verify(int argc, char **argv) {
  static const struct option opts[] = {{"signature", required_argument, 0, 's'},
                                       {"thumbprint", required_argument, 0, 't'},
                                       {"root", required_argument, 0, 'r'},
                                       {"strict", no_argument, 0, 'S'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  certificate_root_t roots[VERIFY_MAX_ROOTS];
  certificate_verify_opts_t vo = {.roots = roots};
  const char *sig = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "s:t:h", opts, NULL)) != -1) {
    if (c == 's') sig = optarg;
    else if (c == 't') vo.want_thumbprint = optarg;
    else if (c == 'S') vo.strict = true;
    else if (c == 'r') {
      char *eq = strchr(optarg, '=');
      if (!eq || eq == optarg || !eq[1] || vo.n_roots == VERIFY_MAX_ROOTS) {
        fprintf(stderr, "error: --root takes NAME=DIR (at most %d), such as suite=scenarios, not \"%s\"\n",
                VERIFY_MAX_ROOTS, optarg);
        return EXIT_USAGE;
      }
      *eq = 0;
      roots[vo.n_roots++] = (certificate_root_t){optarg, eq + 1};
    } else return cli_help(verify_help, c == 'h' ? EXIT_PASS : EXIT_USAGE);
  }
  if (optind != argc - 1) return cli_help(verify_help, EXIT_USAGE);
  char def[PATH_MAX];
  snprintf(def, sizeof def, "%s.sig", argv[optind]);
  return certificate_verify(argv[optind], sig ? sig : def, &vo, stdout);
}
