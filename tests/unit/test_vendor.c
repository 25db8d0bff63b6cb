/* Vendor profiles: parsing with positions, and the grading of results. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <stdlib.h>

#include "harness/spec.h"
#include "harness/vendor.h"
#include "harness/report_json.h"

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

/* A scenario whose harness failed stays an error: a waiver grades what was judged, and nothing was. */
static void test_harness_error_stays(void **state) {
  diag_t d;
  vendor_t *v = vendor_parse("{\"name\": \"v\", \"disabled\": [{\"match\": \"dns-*\", \"reason\": \"r\"}]}", "v.json", &d);
  cJSON *r = cJSON_Parse("{\"id\": \"dns-x\", \"verdict\": \"error\", \"error\": \"the lab died\", \"checks\": []}");
  vendor_apply(v, r);
  assert_string_equal(verdict_of(r, -1), "error");
  assert_null(cJSON_GetObjectItem(r, "reason"));
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

/* A scenario "s" with a MUST check "m" (BC-FO-04) and a SHOULD check "sh" (BC-DNS-05). */
static scenario_t *two_levels(void) {
  scenario_t *sc = calloc(1, sizeof *sc);
  snprintf(sc->id, sizeof sc->id, "s");
  sc->n_checks = 2;
  snprintf(sc->checks[0].id, SC_NAME, "m");
  snprintf(sc->checks[0].requirement, SC_NAME, "BC-FO-04");
  snprintf(sc->checks[1].id, SC_NAME, "sh");
  snprintf(sc->checks[1].requirement, SC_NAME, "BC-DNS-05");
  return sc;
}

/* Whether a profile with one entry of list (with or without waive_must) passes the level rule. */
static bool allowed(const char *list, const char *match, bool waive, diag_t *d) {
  char text[512];
  snprintf(text, sizeof text, "{\"name\": \"v\",\n \"%s\": [{\"match\": \"%s\", \"reason\": \"r\"%s}]}", list, match,
           waive ? ", \"waive_must\": true" : "");
  vendor_t *v = vendor_parse(text, "v.json", d);
  assert_non_null(v);
  scenario_t *sc = two_levels();
  bool ok = vendor_check_levels(v, &sc, 1, d);
  free(sc);
  vendor_free(v);
  return ok;
}

static void test_levels_from_the_spec(void **state) {
  assert_int_equal(spec_level("BC-TLS-02"), SPEC_MUST);
  assert_int_equal(spec_level("BC-DNS-05"), SPEC_SHOULD);
  assert_int_equal(spec_level("BC-NOPE-01"), SPEC_UNKNOWN);
  assert_true(spec_count() > 20);
}

static void test_waivers_are_bounded(void **state) {
  diag_t d;
  /* A SHOULD, by ID or through its check: allowed. */
  assert_true(allowed("expected_failures", "BC-DNS-05", false, &d));
  assert_true(allowed("disabled", "s/sh", false, &d));
  /* A MUST by ID, by a glob, or through a scenario glob that covers a MUST check: refused where the entry is. */
  assert_false(allowed("expected_failures", "BC-TLS-0[12]", false, &d));
  assert_int_equal(d.line, 2);
  assert_true(d.col > 1);
  assert_non_null(strstr(d.msg, "MUST requirement BC-TLS-01"));
  assert_non_null(strstr(d.hint, "waive_must"));
  assert_non_null(strstr(d.hint, "docs/vendor-profile.md"));
  assert_false(allowed("disabled", "s", false, &d));
  assert_non_null(strstr(d.msg, "BC-FO-04 (through check s/m)"));
  assert_false(allowed("disabled", "s/m", false, &d));
  /* With waive_must, each is allowed. */
  assert_true(allowed("expected_failures", "BC-TLS-0[12]", true, &d));
  assert_true(allowed("disabled", "s", true, &d));
  /* waive_must is a boolean. */
  assert_null(vendor_parse("{\"name\": \"v\", \"disabled\": [{\"match\": \"x\", \"reason\": \"r\", \"waive_must\": 1}]}",
                           "v.json", &d));
  assert_non_null(strstr(d.msg, "waive_must"));
  assert_null(vendor_parse("{\"name\": \"v\", \"disabled\": [{\"match\": \"x\", \"reason\": \"\"}]}", "v.json", &d));
  assert_non_null(strstr(d.msg, "\"reason\" must be a non-empty string"));
}

/* The run verdict of one scenario's result after the profile is applied. */
static const char *run_verdict(const char *profile, const char *v1, const char *v2, const char **waiver_level) {
  static char out[32], level[16];
  diag_t d;
  vendor_t *v = vendor_parse(profile, "v.json", &d);
  assert_non_null(v);
  cJSON *report = cJSON_Parse("{\"scenarios\": []}");
  cJSON *r = result(v1, v2); /* a: BC-DNS-01 (MUST), b: BC-TLS-02 (MUST) */
  vendor_apply(v, r);
  report_add(report, r);
  int code = report_summarize(report, 0);
  const cJSON *sum = cJSON_GetObjectItem(report, "summary");
  snprintf(out, sizeof out, "%s", cJSON_GetObjectItem(sum, "verdict")->valuestring);
  const cJSON *w = cJSON_GetArrayItem(cJSON_GetObjectItem(sum, "waivers"), 0);
  const cJSON *req = cJSON_GetArrayItem(cJSON_GetObjectItem(w, "requirements"), 0);
  snprintf(level, sizeof level, "%s", req ? cJSON_GetObjectItem(req, "level")->valuestring : "");
  *waiver_level = level;
  if (strcmp(out, "pass-with-waivers") == 0) assert_int_equal(code, 4);
  if (strcmp(out, "pass") == 0) assert_int_equal(code, 0);
  if (strcmp(out, "fail") == 0) assert_int_equal(code, 1);
  const cJSON *check = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "checks"), 1);
  if (w) assert_non_null(cJSON_GetObjectItem(check, "waiver")); /* the waived check says by what */
  cJSON_Delete(report);
  vendor_free(v);
  return out;
}

static void test_pass_with_waivers(void **state) {
  const char *level;
  static const char waive[] =
      "{\"name\": \"v\", \"disabled\": [{\"match\": \"BC-TLS-02\", \"reason\": \"r\", \"waive_must\": true}]}";
  /* A MUST disabled: never a plain pass, and the waiver lists it as MUST. */
  assert_string_equal(run_verdict(waive, "pass", "fail", &level), "pass-with-waivers");
  assert_string_equal(level, "MUST");
  /* A real failure elsewhere stays a failure. */
  assert_string_equal(run_verdict(waive, "fail", "fail", &level), "fail");
  /* No waiver touched: a plain pass. */
  assert_string_equal(run_verdict("{\"name\": \"v\"}", "pass", "pass", &level), "pass");
  assert_string_equal(level, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_grading), cmocka_unit_test(test_unmatched_failure_still_fails),
                                     cmocka_unit_test(test_harness_error_stays),
                                     cmocka_unit_test(test_bad_profiles), cmocka_unit_test(test_levels_from_the_spec),
                                     cmocka_unit_test(test_waivers_are_bounded), cmocka_unit_test(test_pass_with_waivers)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
