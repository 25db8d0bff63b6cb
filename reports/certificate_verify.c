#include "reports/certificate_verify.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/files.h"
#include "harness/buildinfo.h"
#include "harness/check.h"
#include "harness/report_json.h"
#include "harness/scenario.h"
#include "harness/spec.h"
#include "harness/vendor.h"
#include "harness/verdict.h"
#include "reports/certificate.h"
#include "reports/signature.h"


/* A verification in progress: where the roots are, and what was found. */
typedef struct verify {
  FILE *o;
  const certificate_verify_opts_t *opts;
  const cJSON *roots;       /* the certificate's: where the tester had them */
  char dir[CERTIFICATE_N_ROOTS][PATH_MAX]; /* where they are here; "" when not here */
  bool given[CERTIFICATE_N_ROOTS];         /* named by --root, not found where the tester had it */
  bool sig_bad;                /* the signature does not hold: no root but --root's is looked in */
  /* Written by another bcsim version: what depends on the spec and the
   * verdict rules (consistency, checks, waivers) is not re-checked, and a
   * disagreement there is a note, not a rejection. */
  bool other_version;
  vendor_t *vendor;            /* the vendor profile, when its file is here, matches and loads */
  int bad, unchecked, checked;
} verify_t;

static int root_index(const char *name) {
  for (int r = 0; r < CERTIFICATE_N_ROOTS; r++)
    if (strcmp(certificate_root_names[r], name) == 0) return r;
  return -1;
}

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Finds each root the certificate names: --root first, else where the tester had it. */
static void find_roots(verify_t *v) {
  for (const cJSON *r = v->roots ? v->roots->child : NULL; r; r = r->next) {
    int idx = root_index(r->string ? r->string : "");
    if (idx < 0) continue;
    const char *given = NULL;
    for (int i = 0; i < v->opts->n_roots; i++)
      if (strcmp(v->opts->roots[i].name, r->string) == 0) given = v->opts->roots[i].dir;
    const char *tested = cJSON_GetStringValue(r) ? r->valuestring : "";
    if (given && is_dir(given)) {
      snprintf(v->dir[idx], PATH_MAX, "%s", given);
      v->given[idx] = true;
      fprintf(v->o, "  root  %s: %s (given)\n", r->string, given);
    } else if (given) {
      fprintf(v->o, "  skip  root %s: %s is not a folder here\n", r->string, given);
    } else if (v->sig_bad) {
      /* A certificate nobody vouches for must not choose which local files verify reads. */
      fprintf(v->o, "  skip  root %s: the signature does not hold, so the tester's folder is not looked in (--root %s=DIR)\n",
              r->string, r->string);
    } else if (*tested && is_dir(tested)) {
      snprintf(v->dir[idx], PATH_MAX, "%s", tested);
      fprintf(v->o, "  root  %s: %s (where the tester had it; --root %s=DIR names another copy)\n", r->string, tested,
              r->string);
    } else {
      fprintf(v->o, "  skip  root %s: not given, and the tester's %s is not here (--root %s=DIR)\n", r->string,
              tested, r->string);
    }
  }
}

/* A path a certificate names must stay below its root: a crafted one must not lead verify elsewhere. */
static bool path_below(const char *p) {
  if (!*p || *p == '/') return false;
  for (const char *s = p; *s;) {
    size_t n = strcspn(s, "/");
    if (n == 2 && strncmp(s, "..", 2) == 0) return false;
    s += n + (s[n] == '/');
  }
  return true;
}

#define FULL_MAX (PATH_MAX * 2)

/* Re-checks one {"root", "path", "sha256"} entry; quiet prints only what is not ok.
 * 1 when the local file matches (its path in full, if not NULL), 0 when it
 * could not be re-checked, -1 when it is wrong. */
static int recheck(verify_t *v, const char *what, const cJSON *e, bool quiet, char full[FULL_MAX]) {
  const char *root = report_str(e, "root"), *path = report_str(e, "path"), *want = report_str(e, "sha256");
  int r = root_index(root);
  char here[FULL_MAX], h[65];
  if (!full) full = here;
  if (r < 0 || !path_below(path)) {
    fprintf(v->o, "  BAD   %s: \"%s\" in root \"%s\" is no path below a root\n", what, path, root);
    v->bad = 1;
    return -1;
  }
  if (!v->dir[r][0]) {
    fprintf(v->o, "  skip  %s: %s/%s, root %s is not here\n", what, root, path, root);
    v->unchecked++;
    return 0;
  }
  snprintf(full, FULL_MAX, "%s/%s", v->dir[r], path);
  if (certificate_file_sha256(full, h) < 0) {
    fprintf(v->o, "  skip  %s: %s is not here, its hash is not rechecked\n", what, full);
    v->unchecked++;
    return 0;
  }
  if (strcmp(h, want) != 0 && r == CERTIFICATE_ROOT_BIN) {
    /* The bin root holds a program outside the client's own files (an interpreter such as
     * /usr/bin/python3): a customer's copy is their machine's build, so a difference is not
     * tampering, and it is not proof either. The client's own files are under "profile". */
    fprintf(v->o, "  skip  %s: %s differs on this machine: another build of the host's program, not re-checked\n",
            what, full);
    v->unchecked++;
    return 0;
  }
  if (strcmp(h, want) != 0) {
    fprintf(v->o, "  BAD   %s: %s has SHA-256 %s, the certificate says %s\n", what, full, h, want);
    v->bad = 1;
    return -1;
  }
  v->checked++;
  if (!quiet) fprintf(v->o, "  ok    %s: %s matches\n", what, full);
  return 1;
}

/* What a finding against the certificate is: "BAD", or under another bcsim version a "note". */
static const char *bad_tag(const verify_t *v) { return v->other_version ? "note " : "BAD  "; }

/* Ends a section of findings: rejected, or under another bcsim version, not re-checked. */
static void found_wrong(verify_t *v, const char *what) {
  if (!v->other_version) {
    v->bad = 1;
    return;
  }
  fprintf(v->o, "  skip  %s: judged by this bcsim's spec and rules, not by those of the bcsim that wrote it\n", what);
  v->unchecked++;
}

/* The first place where want and got differ, as a path into them ("checks.fail"). */
static bool first_diff(const cJSON *want, const cJSON *got, char *path, size_t len, const cJSON **w, const cJSON **g) {
  if (!want || !got || cJSON_IsObject(want) != cJSON_IsObject(got) || !cJSON_IsObject(want)) {
    *w = want;
    *g = got;
    return !(want && got && cJSON_Compare(want, got, true));
  }
  for (int pass = 0; pass < 2; pass++) {
    for (const cJSON *k = (pass ? got : want)->child; k; k = k->next) {
      const cJSON *other = cJSON_GetObjectItemCaseSensitive(pass ? want : got, k->string);
      if (!first_diff(pass ? other : k, pass ? k : other, path, len, w, g)) continue;
      char inner[256];
      snprintf(inner, sizeof inner, "%s", path);
      snprintf(path, len, "%s%s%s", k->string, *inner ? "." : "", inner);
      return true;
    }
  }
  return false;
}

static void print_value(FILE *o, const cJSON *x) {
  char *t = x ? cJSON_PrintUnformatted(x) : NULL;
  fprintf(o, "%.120s%s", t ? t : "nothing", t && strlen(t) > 120 ? "..." : "");
  cJSON_free(t);
}

/* The verdict a listed scenario must have: its checks' (verdict_of_scenario),
 * error when the harness failed (report_judge_scenario), the worst of its
 * runs under --repeat (verdict_worse). */
static const char *due_verdict(const cJSON *s, char *why, size_t len) {
  verdict_t v = report_judge_scenario(s, NULL, 0);
  const cJSON *runs = cJSON_GetObjectItemCaseSensitive(s, "repeat_verdicts");
  int n_checks = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "checks"));
  int n_about = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s, "requirements"));
  why[0] = 0;
  /* The scenario rule reads at most this many: a check past them must not hide there. */
  if (n_checks > SC_MAX_CHECKS || n_about > SC_MAX_TAGS) {
    snprintf(why, len, "it lists %d checks and %d requirements, more than a scenario can have (%d, %d)", n_checks,
             n_about, SC_MAX_CHECKS, SC_MAX_TAGS);
    return verdict_name(VERDICT_ERROR);
  }
  if (cJSON_IsArray(runs)) {
    verdict_t first = VERDICT_ERROR, worst = VERDICT_PASS, r;
    if (!verdict_parse(cJSON_GetStringValue(runs->child), &first) || first != v) {
      snprintf(why, len, "its checks make its first run \"%s\", but it lists \"%s\"", verdict_name(v),
               cJSON_GetStringValue(runs->child) ? runs->child->valuestring : "nothing");
      return verdict_name(v);
    }
    for (const cJSON *k = runs->child; k; k = k->next)
      if (verdict_parse(cJSON_GetStringValue(k), &r)) worst = verdict_worse(worst, r);
    v = worst;
  }
  return verdict_name(v);
}

/* Does the certificate agree with itself? Scenario verdicts from their checks,
 * the summary from the scenarios (report_summarize, the one summary rule),
 * the verdict and waivers from the summary. Names the first disagreement. */
static void check_consistency(verify_t *v, const cJSON *cert) {
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(cert, "scenarios");
  int n = 0, wrong = 0, found = 0;
  const char *tag = bad_tag(v);
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next, n++) {
    char why[256];
    const char *due = due_verdict(s, why, sizeof why);
    if (!why[0] && strcmp(due, report_str(s, "verdict")) == 0) continue;
    if (!wrong++)
      fprintf(v->o, "  %s scenario %s: its verdict is \"%s\", but %s%s%s\n", tag, report_str(s, "id"), report_str(s, "verdict"),
              why[0] ? why : "its checks make it \"", why[0] ? "" : due, why[0] ? "" : "\"");
  }
  if (wrong > 1) fprintf(v->o, "  %s ... and %d more scenarios whose verdict does not follow from their checks\n", tag, wrong - 1);
  found |= wrong > 0;
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(cert, "summary");
  cJSON *again = cJSON_CreateObject();
  cJSON_AddItemToObject(again, "scenarios", scs ? cJSON_Duplicate(scs, 1) : cJSON_CreateArray());
  report_summarize(again, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sum, "interrupted")));
  const cJSON *due = cJSON_GetObjectItemCaseSensitive(again, "summary");
  char path[256] = "";
  const cJSON *w = NULL, *g = NULL;
  if (first_diff(due, sum, path, sizeof path, &w, &g)) {
    fprintf(v->o, "  %s summary: %s%s is ", tag, *path ? "summary." : "", path);
    print_value(v->o, g);
    fputs(", but the scenarios make it ", v->o);
    print_value(v->o, w);
    fputc('\n', v->o);
    found = 1;
  }
  const char *verdict = report_str(cert, "verdict");
  const cJSON *waivers = cJSON_GetObjectItemCaseSensitive(due, "waivers");
  if (strcmp(verdict, report_str(due, "verdict")) != 0) {
    fprintf(v->o, "  %s verdict: \"%s\", but the scenarios make it \"%s\"\n", tag, verdict, report_str(due, "verdict"));
    found = 1;
  } else if (!cJSON_Compare(waivers, cJSON_GetObjectItemCaseSensitive(cert, "waivers"), true)) {
    fprintf(v->o, "  %s waivers: the list does not match the waived checks of the scenarios\n", tag);
    found = 1;
  }
  /* A MUST waived without waive_must: a profile bcsim refuses, so not a run bcsim made. */
  for (const cJSON *e = waivers ? waivers->child : NULL; e; e = e->next) {
    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(e, "requirements");
    for (const cJSON *r = reqs ? reqs->child : NULL; r; r = r->next) {
      if (spec_level(report_str(r, "id")) != SPEC_MUST || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "waive_must"))) continue;
      fprintf(v->o, "  %s waiver \"%s\": waives MUST requirement %s without \"waive_must\", which bcsim refuses\n", tag,
              report_str(e, "match"), report_str(r, "id"));
      found = 1;
    }
  }
  if (found) found_wrong(v, "consistency");
  else if (v->other_version) {
    fprintf(v->o, "  skip  consistent by this bcsim's spec and rules, which need not be those of the bcsim that wrote it\n");
    v->unchecked++;
  } else
    fprintf(v->o, "  ok    consistent: %d scenario verdicts follow from their checks, the summary from the scenarios, "
                  "the verdict \"%s\" from the summary (%d waivers)\n",
            n, verdict, cJSON_GetArraySize(waivers));
  cJSON_Delete(again);
}

/* A certificate check as its scenario file has it: the same requirement, class and level. */
static const sc_check_t *file_check(const scenario_t *sc, const char *id) {
  for (int i = 0; i < sc->n_checks; i++)
    if (strcmp(sc->checks[i].id, id) == 0) return &sc->checks[i];
  return NULL;
}

/* The checks a scenario lists are exactly its file's (with the built-in
 * SC_UNKNOWN_ADDRESS_CHECK the loader adds), each with the file's
 * requirement, class and level: none dropped, none made up. A scenario the
 * harness could not run (an "error" without checks) lists none. 1 when
 * compared and the same, else 0. */
static int check_scenario_checks(verify_t *v, const cJSON *s, const char *full) {
  const char *id = report_str(s, "id"), *tag = bad_tag(v);
  char *text = scenario_read_file(full);
  diag_t d;
  scenario_t *sc = text ? scenario_parse(text, full, &d) : NULL;
  free(text);
  if (!sc) {
    fprintf(v->o, "  skip  scenario %s: %s does not load with this bcsim, its checks are not compared with it\n", id, full);
    v->unchecked++;
    return 0;
  }
  const cJSON *ks = cJSON_GetObjectItemCaseSensitive(s, "checks");
  int n = cJSON_GetArraySize(ks), wrong = 0;
  char why[256] = "";
  if (strcmp(sc->id, id) != 0) {
    snprintf(why, sizeof why, "its file is scenario \"%s\"", sc->id);
    wrong = 1;
  } else if (n == 0 && *report_str(s, "error")) {
    scenario_free(sc);
    return 1;
  }
  for (const cJSON *k = ks ? ks->child : NULL; k && !wrong; k = k->next) {
    const char *kid = report_str(k, "id");
    const sc_check_t *ck = file_check(sc, kid);
    int twice = 0;
    for (const cJSON *o = ks->child; o; o = o->next) twice += strcmp(report_str(o, "id"), kid) == 0;
    if (!ck) snprintf(why, sizeof why, "it lists check \"%.64s\", which its file does not have", kid);
    else if (twice > 1) snprintf(why, sizeof why, "it lists check \"%s\" %d times", kid, twice);
    else if (strcmp(ck->requirement, report_str(k, "requirement")) != 0 || strcmp(check_class(ck), report_str(k, "class")) != 0 ||
             strcmp(scenario_check_level(ck), report_str(k, "level")) != 0)
      snprintf(why, sizeof why, "check \"%s\" is of requirement \"%s\" (%s, %s) in its file", kid, ck->requirement,
               check_class(ck), scenario_check_level(ck));
    wrong = why[0] != 0;
  }
  for (int i = 0; i < sc->n_checks && !wrong; i++) {
    bool listed = false;
    for (const cJSON *k = ks ? ks->child : NULL; k && !listed; k = k->next) listed = strcmp(report_str(k, "id"), sc->checks[i].id) == 0;
    if (!listed) {
      snprintf(why, sizeof why, "its file's check \"%s\" (%s) is not listed", sc->checks[i].id, sc->checks[i].requirement);
      wrong = 1;
    }
  }
  scenario_free(sc);
  if (!wrong) return 1;
  fprintf(v->o, "  %s scenario %s: %s\n", tag, id, why);
  found_wrong(v, "checks");
  return 0;
}

/* Every waiver the certificate lists (on a check, and in "waivers") is an
 * entry of the vendor profile it hashes, the same in every field. */
static void check_waivers(verify_t *v, const cJSON *cert) {
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(cert, "scenarios"), *all = cJSON_GetObjectItemCaseSensitive(cert, "waivers");
  int n = 0, wrong = 0;
  const char *tag = bad_tag(v);
  for (int pass = 0; pass < 2; pass++) {
    for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
      const cJSON *ks = cJSON_GetObjectItemCaseSensitive(s, "checks");
      for (const cJSON *k = ks ? ks->child : NULL; k; k = k->next) {
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(k, "waiver");
        if (!w) continue;
        if (!pass) n++;
        else if (!vendor_has_waiver(v->vendor, w, report_str(s, "id"), report_str(k, "id"), report_str(k, "requirement")) &&
                 !wrong++)
          fprintf(v->o, "  %s waiver of %s/%s: \"%s\" is no entry of the vendor profile that covers it (match, reason, waive_must)\n",
                  tag, report_str(s, "id"), report_str(k, "id"), report_str(w, "match"));
      }
    }
    for (const cJSON *w = all ? all->child : NULL; w; w = w->next) {
      if (!pass) n++;
      else if (!vendor_has_waiver(v->vendor, w, NULL, NULL, NULL) && !wrong++)
        fprintf(v->o, "  %s waiver \"%s\": no entry of the vendor profile (match, reason, waive_must)\n", tag, report_str(w, "match"));
    }
    if (!n) return;
    if (pass) break;
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(cert, "vendor_profile"))) {
      fprintf(v->o, "  %s waivers: %d waivers, but the certificate names no vendor profile\n", tag, n);
      found_wrong(v, "waivers");
      return;
    }
    if (!v->vendor) {
      fprintf(v->o, "  skip  waivers: the vendor profile is not here, its %d waivers are not compared with it\n", n);
      v->unchecked++;
      return;
    }
  }
  if (wrong > 1) fprintf(v->o, "  %s ... and %d more waivers not in the vendor profile\n", tag, wrong - 1);
  if (wrong) found_wrong(v, "waivers");
  else fprintf(v->o, "  ok    waivers: all %d are entries of the vendor profile\n", n);
}

/* Every file the certificate hashes, re-checked where its root is here. */
static void check_files(verify_t *v, const cJSON *cert) {
  const cJSON *client = cJSON_GetObjectItemCaseSensitive(cert, "client");
  recheck(v, "client profile", cJSON_GetObjectItemCaseSensitive(client, "profile"), false, NULL);
  recheck(v, "client program", cJSON_GetObjectItemCaseSensitive(client, "binary"), false, NULL);
  const cJSON *arts = cJSON_GetObjectItemCaseSensitive(client, "artefacts");
  int before = v->checked, bad = v->bad;
  v->bad = 0;
  for (const cJSON *a = arts ? arts->child : NULL; a; a = a->next) recheck(v, "client artefact", a, true, NULL);
  if (!v->bad && v->checked > before) fprintf(v->o, "  ok    client artefacts: %d files match\n", v->checked - before);
  v->bad |= bad;
  const cJSON *vp = cJSON_GetObjectItemCaseSensitive(cert, "vendor_profile");
  char full[FULL_MAX];
  if (cJSON_IsObject(vp) && recheck(v, "vendor profile", vp, false, full) == 1) {
    diag_t d;
    if (!(v->vendor = vendor_load(full, &d)))
      fprintf(v->o, "  note  vendor profile: %s does not load with this bcsim (%s): its waivers are not compared with it\n",
              full, d.msg);
  }
  int compared = 0;
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(cert, "scenarios");
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
    char what[300];
    if (!scenario_id_valid(report_str(s, "id"))) {
      fprintf(v->o, "  BAD   scenario \"%.80s%s\": not a scenario id (at most %d of a-z, 0-9, '-', '_', '.')\n",
              report_str(s, "id"), strlen(report_str(s, "id")) > 80 ? "..." : "", SC_NAME - 1);
      v->bad = 1;
      continue;
    }
    snprintf(what, sizeof what, "scenario %s", report_str(s, "id"));
    if (recheck(v, what, s, false, full) == 1) compared += check_scenario_checks(v, s, full);
  }
  if (compared) fprintf(v->o, "  ok    checks: the checks of %d scenario%s are those of %s file%s\n", compared,
                        compared == 1 ? "" : "s", compared == 1 ? "its" : "their", compared == 1 ? "" : "s");
  char set[65];
  certificate_scenario_set_sha256(scs, set);
  if (strcmp(set, report_str(cert, "scenario_set_sha256")) != 0) {
    fprintf(v->o, "  BAD   scenario set: the listed scenarios hash to %s, the certificate says %s\n", set,
            report_str(cert, "scenario_set_sha256"));
    v->bad = 1;
  } else {
    fprintf(v->o, "  ok    scenario set: %d scenarios, SHA-256 %s\n", cJSON_GetArraySize(scs), set);
  }
}

/* A certificate of another version is refused with what to do: its fields mean other things. */
static bool version_ok(FILE *o, const char *cert_path, const cJSON *cert) {
  const cJSON *ver = cJSON_GetObjectItemCaseSensitive(cert, "certificate_version");
  if (cJSON_IsNumber(ver) && ver->valuedouble == CERTIFICATE_VERSION) return true;
  if (cJSON_IsNumber(ver) && ver->valuedouble < CERTIFICATE_VERSION)
    fprintf(o, "%s: error: certificate_version %g was written by an older bcsim; this one verifies version %d only\n"
               "  hint: version %d names files by absolute paths, hashes no client artefacts and records no run "
               "settings; certify again with this bcsim\n",
            cert_path, ver->valuedouble, CERTIFICATE_VERSION, (int)ver->valuedouble);
  else
    fprintf(o, "%s: error: %s\n  hint: verify it with the bcsim that wrote it\n", cert_path,
            cJSON_IsNumber(ver) ? "written by a newer bcsim (a later certificate_version)" : "no certificate_version: not a bcsim certificate");
  return false;
}

int certificate_verify_text(const char *data, size_t len, const char *cert_path, const char *sigtext,
                            const char *sig_path, const certificate_verify_opts_t *opts, FILE *o) {
  static const certificate_verify_opts_t none = {0};
  cJSON *cert = data ? cJSON_ParseWithLength(data, len) : NULL, *sig = sigtext ? cJSON_Parse(sigtext) : NULL;
  verify_t v = {.o = o, .opts = opts ? opts : &none};
  int rc = EXIT_USAGE;
  if (!data || !cert || !cJSON_IsObject(cert)) {
    fprintf(o, "%s: error: %s\n", cert_path, data ? "not a JSON certificate" : "cannot read it");
    goto out;
  }
  if (!version_ok(o, cert_path, cert)) goto out;
  v.roots = cJSON_GetObjectItemCaseSensitive(cert, "roots");
  for (int i = 0; i < v.opts->n_roots; i++) {
    if (!cJSON_GetObjectItemCaseSensitive(v.roots, v.opts->roots[i].name) || root_index(v.opts->roots[i].name) < 0) {
      fprintf(o, "%s: error: --root %s: the certificate has no such root\n  hint: its roots are named in \"roots\": "
                 "suite, profile, vendor, bin\n", cert_path, v.opts->roots[i].name);
      goto out;
    }
  }
  if (!sigtext || !sig) {
    fprintf(o, "%s: error: %s\n  hint: sign a run with bcsim run --sign-key KEY\n", sig_path,
            sigtext ? "not a signature file" : "no signature: an unsigned certificate proves nothing");
    rc = EXIT_FAIL;
    goto out;
  }
  fprintf(o, "%s:\n", cert_path);
  v.sig_bad = signature_check(o, data, len, sig, v.opts->want_thumbprint) != 0;
  v.bad |= v.sig_bad;
  /* The spec levels and verdict rules verify judges by are its own build's. */
  const cJSON *bcsim = cJSON_GetObjectItemCaseSensitive(cert, "bcsim");
  v.other_version = strcmp(report_str(bcsim, "version"), buildinfo_version()) != 0;
  if (v.other_version || strcmp(report_str(bcsim, "commit"), buildinfo_commit()) != 0)
    fprintf(o, "  note  written by bcsim %.40s (commit %.60s); this is %s (commit %s): verify with the bcsim that wrote it "
               "for a result that means anything%s\n",
            report_str(bcsim, "version"), report_str(bcsim, "commit"), buildinfo_version(), buildinfo_commit(),
            v.other_version ? " (its consistency, checks and waivers are not re-checked here)" : "");
  find_roots(&v);
  check_files(&v, cert);
  check_waivers(&v, cert);
  check_consistency(&v, cert);
  const char *verdict = report_str(cert, "verdict");
  if (v.bad) {
    fprintf(o, "REJECTED: the certificate is not to be trusted (verdict %s)\n", verdict);
    rc = EXIT_FAIL;
  } else if (v.unchecked && v.opts->strict) {
    fprintf(o, "REJECTED (--strict): %d item%s could not be re-checked here (listed as skip above)\n  hint: give a "
               "copy of each root with --root NAME=DIR\n", v.unchecked, v.unchecked == 1 ? "" : "s");
    rc = EXIT_FAIL;
  } else if (v.unchecked) {
    fprintf(o, "PARTIAL: signed and consistent, and the %d file%s re-checked match, but %d item%s could not be "
               "re-checked (listed as skip above); --root NAME=DIR gives a copy, --strict refuses this\n",
            v.checked, v.checked == 1 ? "" : "s", v.unchecked, v.unchecked == 1 ? "" : "s");
    rc = CERTIFICATE_PARTIAL;
  } else {
    fprintf(o, "VALID: the certificate is intact and every file it names matches (verdict %s, bcsim %s commit %s, %s)\n",
            verdict, report_str(bcsim, "version"), report_str(bcsim, "commit"), report_str(cert, "date"));
    rc = EXIT_PASS;
  }
  if (rc == EXIT_PASS || rc == CERTIFICATE_PARTIAL)
    fprintf(o, "note: it remains the signer's own attestation; bcsim did not run the test again (docs/certification.md)\n");
out:
  vendor_free(v.vendor);
  cJSON_Delete(cert);
  cJSON_Delete(sig);
  return rc;
}

int certificate_verify(const char *cert_path, const char *sig_path, const certificate_verify_opts_t *opts, FILE *o) {
  size_t len = 0, slen = 0;
  char *data = files_read(cert_path, FILES_INPUT_MAX, &len), *sigtext = files_read(sig_path, FILES_INPUT_MAX, &slen);
  int rc = certificate_verify_text(data, len, cert_path, sigtext, sig_path, opts, o);
  free(data);
  free(sigtext);
  return rc;
}
