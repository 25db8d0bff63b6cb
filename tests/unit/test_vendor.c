/* Vendor profiles: parsing with positions, and the grading of results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "harness/vendor.h"

static cJSON *result(const char *verdict1, const char *verdict2) {
  char text[1024];
  snprintf(text, sizeof text,
           "{\"id\": \"dns-x\", \"verdict\": \"fail\", \"checks\": ["
           "{\"id\": \"a\", \"requirement\": \"BC-DNS-01\", \"verdict\": \"%s\", \"message\": \"m\"},"
           "{\"id\": \"b\", \"requirement\": \"BC-TLS-02\", \"verdict\": \"%s\", \"message\": \"m\"}]}",
           verdict1, verdict2);
  return cJSON_Parse(text);
}

static const char *verdict_of(const cJSON *res, int idx) {
  const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(res, "checks"), idx);
  return idx < 0 ? cJSON_GetObjectItem(res, "verdict")->valuestring : cJSON_GetObjectItem(c, "verdict")->valuestring;
}

static void test_grading(void **state) {
  diag_t d;
  vendor_t *v = vendor_parse("{\"name\": \"v\", \"expected_failures\": [{\"match\": \"BC-DNS-*\", \"reason\": \"r\"}],"
                             " \"disabled\": [{\"match\": \"*/b\", \"reason\": \"r\"}, {\"match\": \"nothing\", \"reason\": \"r\"}]}",
                             "v.json", &d);
  assert_non_null(v);
  cJSON *r = result("fail", "fail");
  vendor_apply(v, r);
  assert_string_equal(verdict_of(r, 0), "xfail");
  assert_string_equal(verdict_of(r, 1), "disabled");
  assert_string_equal(verdict_of(r, -1), "pass"); /* nothing left failing */
  cJSON_Delete(r);
  r = result("pass", "pass");
  vendor_apply(v, r);
  assert_string_equal(verdict_of(r, 0), "xpass");
  assert_string_equal(verdict_of(r, -1), "pass");
  cJSON_Delete(r);
  assert_int_equal(vendor_warn_unused(v, stderr), 1); /* "nothing" */
  assert_null(vendor_disabled_scenario(v, "dns-x"));
  vendor_free(v);
}

static void test_unmatched_failure_still_fails(void **state) {
  diag_t d;
  vendor_t *v = vendor_parse("{\"name\": \"v\", \"expected_failures\": [{\"match\": \"BC-FO-*\", \"reason\": \"r\"}]}", "v.json", &d);
  cJSON *r = result("fail", "pass");
  vendor_apply(v, r);
  assert_string_equal(verdict_of(r, 0), "fail");
  assert_string_equal(verdict_of(r, -1), "fail");
  cJSON_Delete(r);
  vendor_free(v);
}

static void test_bad_profiles(void **state) {
  diag_t d;
  assert_null(vendor_parse("{\"name\": \"v\",\n \"expected_failures\": [{\"match\": \"x\"}]}", "v.json", &d));
  assert_int_equal(d.line, 2);
  assert_non_null(strstr(d.msg, "reason"));
  assert_null(vendor_parse("{\"name\": \"v\", \"expected_failure\": []}", "v.json", &d));
  assert_non_null(strstr(d.hint, "expected_failures"));
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_grading), cmocka_unit_test(test_unmatched_failure_still_fails),
                                     cmocka_unit_test(test_bad_profiles)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
