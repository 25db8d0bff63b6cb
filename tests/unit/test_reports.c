/* The report renderers, driven with hand-made reports: hostile text is
 * escaped, JUnit counts follow the verdicts, the HTML matrix shows the worst
 * verdict of a requirement, and diagrams come from the events given. The
 * certificate of a hand-made run verifies, from copies found by --root;
 * re-signed edits that make it disagree with itself are rejected. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/artefacts.h"
#include "harness/buildinfo.h"
#include "harness/profile.h"
#include "reports/certificate.h"
#include "reports/certificate_verify.h"
#include "reports/markup.h"
#include "harness/report_json.h"
#include "reports/report_html.h"
#include "reports/report_junit.h"

static char *escaped(const char *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  markup_text(f, s);
  fclose(f);
  return buf;
}

static void test_markup(void **state) {
  char *a = escaped("<script>&\"'");
  assert_string_equal(a, "&lt;script&gt;&amp;&quot;&#39;");
  char *b = escaped("a\x01" "b\x7f" "c\td");
  assert_string_equal(b, "a?b?c\td");
  char *c = escaped("\xff\xfe ok \xc3\xa9 \xe2\x82"); /* invalid, valid é, truncated */
  assert_string_equal(c, "?? ok \xc3\xa9 ??");
  char *d = escaped("\xed\xa0\x80"); /* a UTF-16 surrogate is not UTF-8 */
  assert_string_equal(d, "???");
  free(a), free(b), free(c), free(d);
}

static const char report_text[] =
    "{\"client\": {\"name\": \"c\", \"profile\": \"p\"}, \"summary\": {\"verdict\": \"fail\"}, \"scenarios\": ["
    "{\"id\": \"s1\", \"verdict\": \"fail\", \"duration_s\": 2, \"artifacts\": {\"events\": \"s1/events.jsonl\"},"
    " \"checks\": ["
    "  {\"id\": \"a\", \"requirement\": \"BC-TLS-01\", \"verdict\": \"pass\", \"message\": \"ok\", \"evidence\": {}},"
    "  {\"id\": \"b\", \"requirement\": \"BC-TLS-01\", \"verdict\": \"fail\", \"message\": \"SNI <x>\","
    "   \"evidence\": {\"window_to\": 1.5}},"
    "  {\"id\": \"c\", \"requirement\": \"BC-DNS-01\", \"verdict\": \"xfail\", \"message\": \"known\", \"evidence\": {}},"
    "  {\"id\": \"d\", \"requirement\": \"BC-DNS-02\", \"verdict\": \"unsupported\", \"message\": \"n/a\", \"evidence\": {}}]},"
    "{\"id\": \"s2\", \"verdict\": \"error\", \"error\": \"lab died\", \"checks\": []}]}";

static void test_junit(void **state) {
  cJSON *r = cJSON_Parse(report_text);
  char *x = report_junit_render(r);
  assert_non_null(x);
  /* s1: 4 checks, 1 failure, 2 skipped (xfail, unsupported); s2: one error case. */
  assert_non_null(strstr(x, "<testsuite name=\"s1\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"2\""));
  assert_non_null(strstr(x, "<testsuite name=\"s2\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\""));
  assert_non_null(strstr(x, "<testsuites name=\"bcsim: c\" tests=\"5\" failures=\"1\" errors=\"1\" skipped=\"2\""));
  assert_non_null(strstr(x, "message=\"fail: SNI &lt;x&gt;\" type=\"BC-TLS-01\""));
  assert_non_null(strstr(x, "<error type=\"harness\" message=\"lab died\"/>"));
  assert_null(strstr(x, "<x>"));
  free(x);
  cJSON_Delete(r);
}

static int loads;

static cJSON *events(void *ctx, const char *path) {
  loads++;
  assert_string_equal(path, "s1/events.jsonl");
  return cJSON_Parse("[{\"t\": 0.5, \"from\": \"wire\", \"type\": \"tls.client_hello\", \"sni\": \"c2site.bc\","
                     " \"has_sni\": true, \"src\": \"198.18.0.10\", \"src_name\": \"unknown\", \"dst\": \"198.18.1.11\","
                     " \"dst_name\": \"pcc1\"},"
                     " {\"t\": 1.0, \"from\": \"harness\", \"type\": \"fault.on\", \"name\": \"net.blackhole\","
                     " \"target\": \"internet\", \"step\": \"x\"}]");
}

static void test_html(void **state) {
  cJSON *r = cJSON_Parse(report_text);
  loads = 0;
  char *h = report_html_render(r, NULL, events, NULL);
  assert_non_null(h);
  assert_int_equal(loads, 1); /* s2 has no events artefact */
  /* BC-TLS-01 in s1: pass and fail, shown as fail. */
  assert_non_null(strstr(h, "title=\"BC-TLS-01 in s1: fail\""));
  assert_non_null(strstr(h, "title=\"BC-DNS-01 in s1: xfail\""));
  assert_non_null(strstr(h, "ClientHello SNI=c2site.bc (pcc1)"));
  assert_non_null(strstr(h, "fault on: net.blackhole internet"));
  assert_non_null(strstr(h, "fail b [BC-TLS-01]"));
  assert_int_equal((int)(strstr(h, "<svg") != NULL), 1);
  assert_null(strstr(h, "<x>"));
  free(h);
  cJSON_Delete(r);
}

static char tmp[64];

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* Verifies dir/out/certificate.json against its signature, with the output in *said. */
static int verify_written(const certificate_verify_opts_t *o, char **said) {
  char path[128], sig[160];
  size_t len = 0;
  FILE *out = open_memstream(said, &len);
  snprintf(path, sizeof path, "%s/out/certificate.json", tmp);
  snprintf(sig, sizeof sig, "%s.sig", path);
  int rc = certificate_verify(path, sig, o, out);
  fclose(out);
  return rc;
}

/* Signs dir/certificate.json (cert, written out first) and verifies it; the output goes to *said. */
static int sign_and_verify(const cJSON *cert, const certificate_verify_opts_t *o, char **said) {
  char path[128], err[256];
  snprintf(path, sizeof path, "%s/out/certificate.json", tmp);
  assert_int_equal(report_write_file(cert, path), 0);
  snprintf(path, sizeof path, "%s/out", tmp);
  char key[128];
  snprintf(key, sizeof key, "%s/k.pem", tmp);
  assert_int_equal(certificate_sign_in(path, key, err, sizeof err), 0);
  size_t len = 0;
  FILE *out = open_memstream(said, &len);
  char sig[160];
  snprintf(path, sizeof path, "%s/out/certificate.json", tmp);
  snprintf(sig, sizeof sig, "%s.sig", path);
  int rc = certificate_verify(path, sig, o, out);
  fclose(out);
  return rc;
}

/* The scenario file: checks a and b, and the built-in no-unknown-address. */
static const char scenario_text[] =
    "{\"id\": \"s1\", \"duration\": \"3s\", \"checks\": ["
    " {\"id\": \"a\", \"requirement\": \"BC-TLS-01\", \"forbid\": {\"event\": \"tls.client_hello\", \"match\": {\"sni\": \"x\"}}},"
    " {\"id\": \"b\", \"requirement\": \"BC-TLS-02\", \"forbid\": {\"event\": \"tls.client_hello\", \"match\": {\"sni\": \"y\"}}}]}";

/* The checks of s1 in a run where all three pass. */
static const char all_pass[] =
    "{\"id\": \"a\", \"requirement\": \"BC-TLS-01\", \"class\": \"network\", \"level\": \"network\", \"verdict\": \"pass\"},"
    "{\"id\": \"b\", \"requirement\": \"BC-TLS-02\", \"class\": \"network\", \"level\": \"network\", \"verdict\": \"pass\"},"
    "{\"id\": \"no-unknown-address\", \"requirement\": \"BC-FO-08\", \"class\": \"network\", \"level\": \"network\","
    " \"verdict\": \"pass\"}";

/* A run of one scenario, s1, with these checks (the JSON of their list) by a
 * program in bin/, its profile in prof/; with vendor, a vendor profile in
 * vendor/ of that text. */
static cJSON *certified_run_with(const char *checks, const char *vendor) {
  char path[128], prog[128], prof[128], scen[128];
  static const char *const dirs[] = {"suite", "prof", "bin", "out"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s", tmp, dirs[i]);
    mkdir(path, 0700);
  }
  snprintf(scen, sizeof scen, "%s/suite/s1.json", tmp);
  snprintf(prof, sizeof prof, "%s/prof/p.json", tmp);
  snprintf(prog, sizeof prog, "%s/bin/client", tmp);
  snprintf(path, sizeof path, "%s/prof/client.py", tmp);
  write_text(scen, scenario_text);
  write_text(prof, "{\"name\": \"c\"}");
  write_text(prog, "#!/bin/sh\n");
  write_text(path, "print('client')\n");
  char vpath[128];
  snprintf(vpath, sizeof vpath, "%s/vendor", tmp);
  mkdir(vpath, 0700);
  snprintf(vpath, sizeof vpath, "%s/vendor/v.json", tmp);
  if (vendor) write_text(vpath, vendor);
  char text[2048];
  snprintf(text, sizeof text,
           "{\"client\": {\"name\": \"c\"}, \"vendor_profile\": {\"name\": \"v\"}, \"scenarios\": [{\"id\": \"s1\","
           " \"file\": \"%s\", \"verdict\": \"pass\", \"requirements\": [\"BC-TLS-01\"], \"checks\": [%s]}]}",
           scen, checks);
  cJSON *report = cJSON_Parse(text);
  assert_non_null(report);
  report_summarize(report, 0);
  char suite[PATH_MAX], err[256];
  const char *files[] = {scen}, *arts[] = {path, prof};
  assert_int_equal(certificate_common_root(files, 1, suite), 0);
  cJSON *run = cJSON_Parse("{\"time_scale\": 3, \"seed\": 9}");
  cJSON *hashed = certificate_artefacts(prof, arts, 2, err, sizeof err);
  assert_non_null(hashed);
  certificate_inputs_t in = {prof, prog, hashed, false, vendor ? vpath : NULL, suite, run, "2026-01-01T00:00:00Z"};
  cJSON *cert = certificate_build(report, &in, err, sizeof err);
  assert_non_null(cert);
  cJSON_Delete(hashed);
  cJSON_Delete(run);
  cJSON_Delete(report);
  return cert;
}

static cJSON *certified_run(void) { return certified_run_with(all_pass, NULL); }

/* A fresh folder with a signing key (k.pem) for each certificate test. */
static int cert_setup(void **state) {
  snprintf(tmp, sizeof tmp, "/tmp/bcsim-test-cert.XXXXXX");
  if (!mkdtemp(tmp)) return -1;
  char key[128];
  snprintf(key, sizeof key, "%s/k.pem", tmp);
  EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
  FILE *kf = fopen(key, "w");
  int ok = k && kf && PEM_write_PrivateKey(kf, k, NULL, NULL, 0, NULL, NULL) == 1;
  if (kf) fclose(kf);
  EVP_PKEY_free(k);
  return ok ? 0 : -1;
}

static int cert_teardown(void **state) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
  return system(cmd) == 0 ? 0 : -1;
}

static void test_certificate(void **state) {
  char *said = NULL;
  cJSON *cert = certified_run();
  /* Paths relative to named roots; the run settings recorded. */
  const cJSON *s1 = cJSON_GetArrayItem(cJSON_GetObjectItem(cert, "scenarios"), 0);
  assert_string_equal(report_str(s1, "root"), "suite");
  assert_string_equal(report_str(s1, "path"), "s1.json");
  assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cert, "run"), "time_scale")->valueint, 3);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(cert, "client"), "artefacts")), 2);
  certificate_verify_opts_t strict = {.strict = true};
  assert_int_equal(sign_and_verify(cert, &strict, &said), 0);
  assert_non_null(strstr(said, "VALID"));
  free(said);

  /* The suite moved, as on another machine: --root finds it; without it, partial, and --strict refuses. */
  char from[160], to[160];
  snprintf(from, sizeof from, "%s/suite", tmp);
  snprintf(to, sizeof to, "%s/elsewhere", tmp);
  assert_int_equal(rename(from, to), 0);
  certificate_verify_opts_t plain = {0};
  assert_int_equal(sign_and_verify(cert, &plain, &said), CERTIFICATE_PARTIAL);
  assert_non_null(strstr(said, "PARTIAL"));
  free(said);
  assert_int_equal(sign_and_verify(cert, &strict, &said), 1);
  assert_non_null(strstr(said, "REJECTED (--strict)"));
  free(said);
  certificate_root_t roots[] = {{"suite", to}};
  certificate_verify_opts_t found = {.roots = roots, .n_roots = 1, .strict = true};
  assert_int_equal(sign_and_verify(cert, &found, &said), 0);
  free(said);

  /* Re-signed, but a check failed inside a passing scenario: rejected, naming it. */
  cJSON *edit = cJSON_Duplicate(cert, 1);
  cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(edit, "scenarios"), 0), "checks"), 1);
  cJSON_ReplaceItemInObject(b, "verdict", cJSON_CreateString("fail"));
  assert_int_equal(sign_and_verify(edit, &found, &said), 1);
  assert_non_null(strstr(said, "BAD   scenario s1: its verdict is \"pass\", but its checks make it \"fail\""));
  free(said);
  cJSON_Delete(edit);
  /* An edited summary count. */
  edit = cJSON_Duplicate(cert, 1);
  cJSON_ReplaceItemInObject(cJSON_GetObjectItem(edit, "summary"), "passed", cJSON_CreateNumber(999));
  assert_int_equal(sign_and_verify(edit, &found, &said), 1);
  assert_non_null(strstr(said, "summary.passed is 999, but the scenarios make it 1"));
  free(said);
  cJSON_Delete(edit);
  /* A path that leaves its root. */
  edit = cJSON_Duplicate(cert, 1);
  cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(edit, "scenarios"), 0), "path", cJSON_CreateString("../k.pem"));
  assert_int_equal(sign_and_verify(edit, &found, &said), 1);
  assert_non_null(strstr(said, "no path below a root"));
  free(said);
  cJSON_Delete(edit);
  /* An older certificate version is refused with what to do. */
  edit = cJSON_Duplicate(cert, 1);
  cJSON_ReplaceItemInObject(edit, "certificate_version", cJSON_CreateNumber(1));
  assert_int_equal(sign_and_verify(edit, &found, &said), 2);
  assert_non_null(strstr(said, "older bcsim"));
  free(said);
  cJSON_Delete(edit);
  cJSON_Delete(cert);
}

/* The scenario set hash is SHA-256 over "id sha256\n" lines: certificates already published still verify. */
static void test_certificate_set_hash(void **state) {
  cJSON *cert = certified_run();
  const cJSON *s1 = cJSON_GetArrayItem(cJSON_GetObjectItem(cert, "scenarios"), 0);
  char line[128], want[65];
  unsigned char d[32];
  unsigned int n = 0;
  snprintf(line, sizeof line, "s1 %s\n", report_str(s1, "sha256"));
  assert_int_equal(EVP_Digest(line, strlen(line), d, &n, EVP_sha256(), NULL), 1);
  for (unsigned i = 0; i < n; i++) snprintf(want + 2 * i, 3, "%02x", d[i]);
  assert_string_equal(report_str(cert, "scenario_set_sha256"), want);
  cJSON_Delete(cert);
}

/* A scenario id no scenario can have (1000 characters): refused, not read past a buffer. */
static void test_certificate_long_id(void **state) {
  cJSON *cert = certified_run();
  char id[1001], *said = NULL;
  memset(id, 'a', 1000);
  id[1000] = 0;
  cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(cert, "scenarios"), 0), "id", cJSON_CreateString(id));
  certificate_verify_opts_t plain = {0};
  assert_int_equal(sign_and_verify(cert, &plain, &said), 1);
  assert_non_null(strstr(said, "BAD   scenario \"aaaaaaaaaa"));
  assert_non_null(strstr(said, "not a scenario id"));
  assert_non_null(strstr(said, "REJECTED"));
  free(said);
  cJSON_Delete(cert);
}

/* Failed scenarios come first, in the matrix and the sections; an xpass has
 * its own mark, never the failure's cross. */
static void test_html_order_and_marks(void **state) {
  cJSON *r = cJSON_Parse(
      "{\"client\": {\"name\": \"c\"}, \"summary\": {\"verdict\": \"fail\"}, \"scenarios\": ["
      "{\"id\": \"ok1\", \"verdict\": \"pass\", \"checks\": ["
      "  {\"id\": \"a\", \"requirement\": \"BC-FO-01\", \"verdict\": \"xpass\", \"message\": \"\", \"evidence\": {}}]},"
      "{\"id\": \"bad2\", \"verdict\": \"fail\", \"checks\": ["
      "  {\"id\": \"b\", \"requirement\": \"BC-FO-01\", \"verdict\": \"fail\", \"message\": \"\", \"evidence\": {}}]},"
      "{\"id\": \"err3\", \"verdict\": \"error\", \"checks\": []}]}");
  char *h = report_html_render(r, NULL, NULL, NULL);
  assert_non_null(h);
  const char *bad = strstr(h, "<h2 id=\"s-bad2\">"), *err = strstr(h, "<h2 id=\"s-err3\">"),
             *ok = strstr(h, "<h2 id=\"s-ok1\">");
  assert_true(bad && err && ok && bad < err && err < ok);
  const char *col_bad = strstr(h, "<th class=\"sc\">bad2"), *col_ok = strstr(h, "<th class=\"sc\">ok1");
  assert_true(col_bad && col_ok && col_bad < col_ok);
  assert_non_null(strstr(h, "title=\"BC-FO-01 in ok1: xpass\"><a href=\"#s-ok1\">&#10003;!</a>"));
  assert_non_null(strstr(h, "title=\"BC-FO-01 in bad2: fail\"><a href=\"#s-bad2\">&#10007;</a>"));
  free(h);
  cJSON_Delete(r);
}

/* Checks in the order their evidence happened; those not judged last, in file order. */
static void test_checks_by_time(void **state) {
  cJSON *s = cJSON_Parse("{\"checks\": [{\"id\": \"n1\", \"evidence\": {}}, {\"id\": \"late\", \"evidence\": {\"at\": 2.5}},"
                         " {\"id\": \"early\", \"evidence\": {\"at\": 1.25}}, {\"id\": \"n2\"},"
                         " {\"id\": \"early-too\", \"evidence\": {\"at\": 1.25}}]}");
  const cJSON *order[8];
  assert_int_equal(report_checks_by_time(s, order, 8), 5);
  static const char *const want[] = {"early", "early-too", "late", "n1", "n2"};
  for (int i = 0; i < 5; i++) assert_string_equal(report_str(order[i], "id"), want[i]);
  assert_true(report_check_at(order[0]) == 1.25);
  assert_true(report_check_at(order[3]) < 0);
  cJSON_Delete(s);
}

/* Edits the first scenario's first check's field to value (a string). */
static void set_check(cJSON *cert, int check, const char *field, const char *value) {
  cJSON *k = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cert, "scenarios"), 0), "checks"), check);
  cJSON_ReplaceItemInObject(k, field, cJSON_CreateString(value));
}

/* The waivers a certificate lists are the vendor profile's entries, and its
 * checks are those of the scenario file: a re-signed edit or a certificate
 * made from other files is rejected when those files are here. */
static void test_certificate_compares_inputs(void **state) {
  static const char xfail_b[] =
      "{\"id\": \"a\", \"requirement\": \"BC-TLS-01\", \"class\": \"network\", \"level\": \"network\", \"verdict\": \"pass\"},"
      "{\"id\": \"b\", \"requirement\": \"BC-TLS-02\", \"class\": \"network\", \"level\": \"network\", \"verdict\": \"xfail\","
      " \"waiver\": {\"list\": \"expected_failures\", \"match\": \"s1/b\", \"reason\": \"VEN-1\", \"waive_must\": true}},"
      "{\"id\": \"no-unknown-address\", \"requirement\": \"BC-FO-08\", \"class\": \"network\", \"level\": \"network\","
      " \"verdict\": \"pass\"}";
  char *said = NULL;
  certificate_verify_opts_t strict = {.strict = true};
  /* The waiver is the vendor profile's: valid, and verify says it compared them. */
  cJSON *cert = certified_run_with(
      xfail_b, "{\"name\": \"v\", \"expected_failures\": [{\"match\": \"s1/b\", \"reason\": \"VEN-1\", \"waive_must\": true}]}");
  assert_string_equal(report_str(cert, "verdict"), "pass-with-waivers");
  assert_int_equal(sign_and_verify(cert, &strict, &said), 0);
  assert_non_null(strstr(said, "ok    waivers: all 2 are entries of the vendor profile"));
  assert_non_null(strstr(said, "ok    checks: the checks of 1 scenario are those of its file"));
  free(said);
  cJSON_Delete(cert);
  /* "waive_must": true in the certificate, not in the vendor profile it hashes. */
  cert = certified_run_with(xfail_b, "{\"name\": \"v\", \"expected_failures\": [{\"match\": \"s1/b\", \"reason\": \"VEN-1\"}]}");
  assert_int_equal(sign_and_verify(cert, &strict, &said), 1);
  assert_non_null(strstr(said, "BAD   waiver of s1/b: \"s1/b\" is no entry of the vendor profile"));
  free(said);
  cJSON_Delete(cert);
  /* Another reason than the profile's. */
  cert = certified_run_with(
      xfail_b, "{\"name\": \"v\", \"expected_failures\": [{\"match\": \"s1/b\", \"reason\": \"VEN-2\", \"waive_must\": true}]}");
  assert_int_equal(sign_and_verify(cert, &strict, &said), 1);
  assert_non_null(strstr(said, "is no entry of the vendor profile"));
  free(said);
  /* The vendor profile not here: the waivers are not compared, so not VALID. */
  char path[128];
  snprintf(path, sizeof path, "%s/vendor/v.json", tmp);
  assert_int_equal(unlink(path), 0);
  certificate_verify_opts_t plain = {0};
  assert_int_equal(sign_and_verify(cert, &plain, &said), CERTIFICATE_PARTIAL);
  assert_non_null(strstr(said, "skip  waivers: the vendor profile is not here, its 2 waivers are not compared with it"));
  free(said);
  cJSON_Delete(cert);

  /* A failing check dropped from the list: the scenario file has it. */
  cert = certified_run_with(
      "{\"id\": \"a\", \"requirement\": \"BC-TLS-01\", \"class\": \"network\", \"level\": \"network\", \"verdict\": \"pass\"},"
      "{\"id\": \"no-unknown-address\", \"requirement\": \"BC-FO-08\", \"class\": \"network\", \"level\": \"network\","
      " \"verdict\": \"pass\"}",
      NULL);
  assert_int_equal(sign_and_verify(cert, &strict, &said), 1);
  assert_non_null(strstr(said, "BAD   scenario s1: its file's check \"b\" (BC-TLS-02) is not listed"));
  free(said);
  cJSON_Delete(cert);
  /* A check moved to another requirement, or made up. */
  cert = certified_run();
  set_check(cert, 1, "requirement", "BC-TLS-01");
  assert_int_equal(sign_and_verify(cert, &strict, &said), 1);
  assert_non_null(strstr(said, "BAD   scenario s1: check \"b\" is of requirement \"BC-TLS-02\" (network, network) in its file"));
  free(said);
  set_check(cert, 1, "requirement", "BC-TLS-02");
  set_check(cert, 1, "id", "made-up");
  assert_int_equal(sign_and_verify(cert, &strict, &said), 1);
  assert_non_null(strstr(said, "BAD   scenario s1: it lists check \"made-up\", which its file does not have"));
  free(said);
  cJSON_Delete(cert);
}

/* A certificate of another bcsim: a note, and under another version what
 * depends on the spec is not re-checked (PARTIAL), not BAD. */
static void test_certificate_other_bcsim(void **state) {
  char *said = NULL;
  certificate_verify_opts_t strict = {.strict = true}, plain = {0};
  cJSON *cert = certified_run();
  cJSON *b = cJSON_GetObjectItem(cert, "bcsim");
  cJSON_ReplaceItemInObject(b, "commit", cJSON_CreateString("0123abc"));
  assert_int_equal(sign_and_verify(cert, &strict, &said), 0);
  char want[256];
  snprintf(want, sizeof want, "note  written by bcsim %s (commit 0123abc); this is %s (commit %s): verify with the bcsim that wrote it",
           buildinfo_version(), buildinfo_version(), buildinfo_commit());
  assert_non_null(strstr(said, want));
  free(said);
  cJSON_ReplaceItemInObject(b, "version", cJSON_CreateString("0.0.1"));
  assert_int_equal(sign_and_verify(cert, &plain, &said), CERTIFICATE_PARTIAL);
  assert_non_null(strstr(said, "note  written by bcsim 0.0.1 (commit 0123abc)"));
  assert_non_null(strstr(said, "skip  consistent by this bcsim's spec and rules"));
  free(said);
  assert_int_equal(sign_and_verify(cert, &strict, &said), 1);
  assert_non_null(strstr(said, "REJECTED (--strict)"));
  free(said);
  /* What this bcsim judges a MUST waived without waive_must is a note, not tampering. */
  cJSON_ReplaceItemInObject(cJSON_GetObjectItem(cert, "summary"), "passed", cJSON_CreateNumber(999));
  assert_int_equal(sign_and_verify(cert, &plain, &said), CERTIFICATE_PARTIAL);
  assert_non_null(strstr(said, "note  summary: summary.passed is 999"));
  assert_null(strstr(said, "BAD"));
  free(said);
  cJSON_Delete(cert);
}

/* The program under the tester's bin root: another build here is not
 * tampering unless --root bin names the tester's copy; and with a bad
 * signature no recorded folder is read at all. */
static void test_certificate_bin_and_bad_signature(void **state) {
  char *said = NULL, prog[128], bin[128];
  certificate_verify_opts_t plain = {0};
  cJSON *cert = certified_run();
  snprintf(prog, sizeof prog, "%s/bin/client", tmp);
  snprintf(bin, sizeof bin, "%s/bin", tmp);
  write_text(prog, "#!/bin/sh\n# another build\n");
  assert_int_equal(sign_and_verify(cert, &plain, &said), CERTIFICATE_PARTIAL);
  assert_non_null(strstr(said, "bin/client differs on this machine: another build of the host's program, not re-checked"));
  assert_null(strstr(said, "BAD"));
  free(said);
  /* A customer's own bin folder is their machine's build either way: not proof, never tampering. */
  certificate_root_t roots[] = {{"bin", bin}};
  certificate_verify_opts_t given = {.roots = roots, .n_roots = 1};
  assert_int_equal(sign_and_verify(cert, &given, &said), CERTIFICATE_PARTIAL);
  assert_null(strstr(said, "BAD"));
  free(said);
  certificate_verify_opts_t strict = {.roots = roots, .n_roots = 1, .strict = true};
  assert_int_equal(sign_and_verify(cert, &strict, &said), 1);
  free(said);
  /* Signed, then edited: nothing under the recorded roots is hashed. */
  assert_int_equal(sign_and_verify(cert, &plain, &said), CERTIFICATE_PARTIAL);
  free(said);
  cJSON_ReplaceItemInObject(cJSON_GetObjectItem(cert, "bcsim"), "commit", cJSON_CreateString("edited"));
  char path[128];
  snprintf(path, sizeof path, "%s/out/certificate.json", tmp);
  assert_int_equal(report_write_file(cert, path), 0);
  assert_int_equal(verify_written(&plain, &said), 1);
  assert_non_null(strstr(said, "skip  root profile: the signature does not hold, so the tester's folder is not looked in"));
  assert_null(strstr(said, "ok    client"));
  assert_null(strstr(said, "has SHA-256"));
  assert_null(strstr(said, "differs on this machine"));
  free(said);
  cJSON_Delete(cert);
}

/* The artefacts are the client's files, hashed before the run: never what
 * the run writes (--out, below the profile's folder), never a file outside
 * the profile's folder. */
static void test_artefacts(void **state) {
  char path[256], prof[128], out[128], secret[128];
  snprintf(path, sizeof path, "%s/prof", tmp);
  mkdir(path, 0700);
  snprintf(out, sizeof out, "%s/prof/out", tmp);
  mkdir(out, 0700);
  snprintf(prof, sizeof prof, "%s/prof/p.json", tmp);
  write_text(prof, "{\"name\": \"c\", \"command\": [\"/bin/true\"]}");
  snprintf(path, sizeof path, "%s/prof/client.py", tmp);
  write_text(path, "print('client')\n");
  /* The previous run's outputs, more than ARTEFACTS_MAX of them. */
  for (int i = 0; i <= ARTEFACTS_MAX; i++) {
    snprintf(path, sizeof path, "%s/f%d", out, i);
    write_text(path, "x");
  }
  diag_t d;
  profile_t *p = profile_load(prof, &d);
  assert_non_null(p);
  artefacts_t *a = artefacts_new(p, NULL, 0, &d);
  assert_null(a); /* without the exclusion: too many */
  char real_out[PATH_MAX], later[PATH_MAX], want[PATH_MAX + 16];
  assert_int_equal(artefacts_resolve(out, real_out), 0);
  const char *excl[] = {real_out};
  a = artefacts_new(p, excl, 1, &d);
  assert_non_null(a);
  assert_int_equal(artefacts_count(a), 2); /* client.py, p.json */
  /* An --out folder not made yet resolves too. */
  snprintf(path, sizeof path, "%s/new/deeper/", out);
  assert_int_equal(artefacts_resolve(path, later), 0);
  snprintf(want, sizeof want, "%s/new/deeper", real_out);
  assert_string_equal(later, want);
  /* Hashed when listed: a later change is not the certificate's. */
  const char *files[2] = {artefacts_path(a, 0), artefacts_path(a, 1)};
  char err[PATH_MAX + 128];
  cJSON *hashed = certificate_artefacts(prof, files, 2, err, sizeof err);
  assert_non_null(hashed);
  char before[65];
  snprintf(before, sizeof before, "%s", report_str(cJSON_GetArrayItem(hashed, 0), "sha256"));
  assert_string_equal(report_str(cJSON_GetArrayItem(hashed, 0), "path"), "client.py");
  cJSON_Delete(hashed);
  artefacts_free(a);
  /* A symbolic link out of the folder: refused when hashed, before any lab. */
  snprintf(secret, sizeof secret, "%s/secret.txt", tmp);
  write_text(secret, "not the client's\n");
  snprintf(path, sizeof path, "%s/prof/link", tmp);
  assert_int_equal(symlink(secret, path), 0);
  a = artefacts_new(p, excl, 1, &d);
  assert_non_null(a);
  const char *all[3];
  for (int i = 0; i < artefacts_count(a); i++) all[i] = artefacts_path(a, i);
  assert_int_equal(artefacts_count(a), 3);
  assert_null(certificate_artefacts(prof, all, 3, err, sizeof err));
  assert_non_null(strstr(err, "secret.txt is not below the profile root"));
  artefacts_free(a);
  profile_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_markup), cmocka_unit_test(test_junit),
                                     cmocka_unit_test(test_html), cmocka_unit_test_setup_teardown(test_certificate, cert_setup, cert_teardown),
                                     cmocka_unit_test_setup_teardown(test_certificate_set_hash, cert_setup, cert_teardown),
                                     cmocka_unit_test_setup_teardown(test_certificate_long_id, cert_setup, cert_teardown),
                                     cmocka_unit_test_setup_teardown(test_certificate_compares_inputs, cert_setup, cert_teardown),
                                     cmocka_unit_test_setup_teardown(test_certificate_other_bcsim, cert_setup, cert_teardown),
                                     cmocka_unit_test_setup_teardown(test_certificate_bin_and_bad_signature, cert_setup, cert_teardown),
                                     cmocka_unit_test_setup_teardown(test_artefacts, cert_setup, cert_teardown),
                                     cmocka_unit_test(test_html_order_and_marks), cmocka_unit_test(test_checks_by_time)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
