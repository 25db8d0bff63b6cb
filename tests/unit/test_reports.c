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

#include "reports/certificate.h"
#include "reports/markup.h"
#include "reports/report_json.h"
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
                     " \"has_sni\": true, \"src\": \"192.0.2.10\", \"src_name\": \"unknown\", \"dst\": \"198.51.100.11\","
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

/* A run of one scenario (two checks, both pass) by a program in bin/, its profile in prof/. */
static cJSON *certified_run(void) {
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
  write_text(scen, "{\"id\": \"s1\"}");
  write_text(prof, "{\"name\": \"c\"}");
  write_text(prog, "#!/bin/sh\n");
  write_text(path, "print('client')\n");
  char text[1024];
  snprintf(text, sizeof text,
           "{\"client\": {\"name\": \"c\"}, \"scenarios\": [{\"id\": \"s1\", \"file\": \"%s\", \"verdict\": \"pass\","
           " \"requirements\": [\"BC-TLS-01\"], \"checks\": ["
           "{\"id\": \"a\", \"requirement\": \"BC-TLS-01\", \"class\": \"network\", \"level\": \"network\", \"verdict\": \"pass\"},"
           "{\"id\": \"b\", \"requirement\": \"BC-TLS-02\", \"class\": \"network\", \"level\": \"network\", \"verdict\": \"pass\"}]}]}",
           scen);
  cJSON *report = cJSON_Parse(text);
  assert_int_equal(report_summarize(report, 0), 0);
  char suite[PATH_MAX], err[256];
  const char *files[] = {scen}, *arts[] = {path, prof};
  assert_int_equal(certificate_common_root(files, 1, suite), 0);
  cJSON *run = cJSON_Parse("{\"time_scale\": 3, \"seed\": 9}");
  certificate_inputs_t in = {prof, prog, arts, 2, false, NULL, suite, run, "2026-01-01T00:00:00Z"};
  cJSON *cert = certificate_build(report, &in, err, sizeof err);
  assert_non_null(cert);
  cJSON_Delete(run);
  cJSON_Delete(report);
  return cert;
}

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

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_markup), cmocka_unit_test(test_junit),
                                     cmocka_unit_test(test_html), cmocka_unit_test_setup_teardown(test_certificate, cert_setup, cert_teardown),
                                     cmocka_unit_test_setup_teardown(test_certificate_set_hash, cert_setup, cert_teardown),
                                     cmocka_unit_test_setup_teardown(test_certificate_long_id, cert_setup, cert_teardown),
                                     cmocka_unit_test(test_html_order_and_marks), cmocka_unit_test(test_checks_by_time)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
