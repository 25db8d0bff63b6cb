/* The report renderers, driven with hand-made reports: hostile text is
 * escaped, JUnit counts follow the verdicts, the HTML matrix shows the worst
 * verdict of a requirement, and diagrams come from the events given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/markup.h"
#include "reports/report_html.h"
#include "reports/report_json.h"
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
                                     cmocka_unit_test(test_html), cmocka_unit_test(test_html_order_and_marks),
                                     cmocka_unit_test(test_checks_by_time)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
