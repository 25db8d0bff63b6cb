/* Checks over a hand-made timeline: windows, anchors, globs and forbids. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "harness/check.h"

static const char *scenario_text =
    "{\"id\": \"t\", \"duration\": \"10s\",\n"
    " \"timeline\": [{\"id\": \"outage\", \"at\": \"2s\", \"action\": \"net.blackhole\", \"target\": \"internet\"}],\n"
    " \"checks\": [\n"
    "  {\"id\": \"query\", \"requirement\": \"BC-DNS-01\", \"after\": \"outage\", \"within\": \"1s\",\n"
    "   \"expect\": {\"event\": \"dns.query\", \"match\": {\"qname\": \"any2bcp.${bc_domain}\"}}},\n"
    "  {\"id\": \"hello\", \"requirement\": \"BC-TLS-01\", \"after\": \"query\", \"within\": \"500ms\",\n"
    "   \"expect\": {\"event\": \"tls.client_hello\", \"match\": {\"sni\": \"c2.*\", \"dst_name\": \"pcc?\"}}},\n"
    "  {\"id\": \"no-c2site\", \"requirement\": \"BC-TLS-02\",\n"
    "   \"forbid\": {\"event\": \"tls.client_hello\", \"match\": {\"sni\": \"c2site.${bc_domain}\"}}},\n"
    "  {\"id\": \"probe\", \"requirement\": \"BC-FO-05\", \"within\": \"10s\",\n"
    "   \"expect\": {\"event\": \"probe.result\", \"match\": {\"ok\": true}}}\n"
    " ]}\n";

static void add(tl_t *tl, double t, const char *type, const char *k1, const char *v1, const char *k2, const char *v2) {
  cJSON *f = cJSON_CreateObject();
  if (k1) cJSON_AddStringToObject(f, k1, v1);
  if (k2) cJSON_AddStringToObject(f, k2, v2);
  assert_int_equal(tl_add(tl, (int64_t)(t * 1e6), "test", type, f), 0);
}

static verdict_t judge(tl_t *tl, check_result_t *res, scenario_t **out) {
  diag_t d;
  scenario_t *sc = scenario_parse(scenario_text, "t.json", &d);
  if (!sc) diag_print(&d, stderr);
  assert_non_null(sc);
  tl_sort(tl);
  *out = sc;
  return check_eval_all(sc, tl, res);
}

static void test_conforming_timeline_passes(void **state) {
  tl_t *tl = tl_new();
  check_result_t res[8];
  scenario_t *sc;
  add(tl, 2.0, "fault.on", "step", "outage", NULL, NULL);
  add(tl, 2.6, "dns.query", "qname", "any2bcp.bc.example.com", NULL, NULL);
  add(tl, 2.9, "tls.client_hello", "sni", "c2.bc.example.com", "dst_name", "pcc2");
  cJSON *f = cJSON_CreateObject();
  cJSON_AddBoolToObject(f, "ok", 1);
  tl_add(tl, 5000000, "harness", "probe.result", f);
  assert_int_equal(judge(tl, res, &sc), VERDICT_PASS);
  assert_int_equal(res[1].matched_us, 2900000);
  assert_non_null(strstr(res[1].message, "0.300s after query"));
  check_results_free(res, sc->n_checks);
  scenario_free(sc);
  tl_free(tl);
}

static void test_each_check_can_fail(void **state) {
  tl_t *tl = tl_new();
  check_result_t res[8];
  scenario_t *sc;
  add(tl, 2.0, "fault.on", "step", "outage", NULL, NULL);
  add(tl, 3.5, "dns.query", "qname", "any2bcp.bc.example.com", NULL, NULL); /* too late */
  add(tl, 3.6, "tls.client_hello", "sni", "c2site.bc.example.com", "dst_name", "pcc1");
  cJSON *f = cJSON_CreateObject();
  cJSON_AddBoolToObject(f, "ok", 0);
  tl_add(tl, 5000000, "harness", "probe.result", f);
  assert_int_equal(judge(tl, res, &sc), VERDICT_FAIL);
  assert_int_equal(res[0].verdict, VERDICT_FAIL);
  assert_non_null(strstr(res[0].message, "only outside the window"));
  assert_int_equal(res[1].verdict, VERDICT_FAIL); /* its anchor never matched */
  assert_int_equal(res[2].verdict, VERDICT_FAIL);
  assert_non_null(strstr(res[2].message, "happened 1 time(s), first at 3.600s"));
  assert_int_equal(res[3].verdict, VERDICT_FAIL); /* ok is false, not true */
  check_results_free(res, sc->n_checks);
  scenario_free(sc);
  tl_free(tl);
}

static void test_step_that_never_ran_is_an_error(void **state) {
  tl_t *tl = tl_new();
  check_result_t res[8];
  scenario_t *sc;
  add(tl, 2.6, "dns.query", "qname", "any2bcp.bc.example.com", NULL, NULL);
  assert_int_equal(judge(tl, res, &sc), VERDICT_ERROR);
  assert_int_equal(res[0].verdict, VERDICT_ERROR);
  check_results_free(res, sc->n_checks);
  scenario_free(sc);
  tl_free(tl);
}

static void test_matching(void **state) {
  cJSON *ev = cJSON_Parse("{\"type\": \"tls.client_hello\", \"sni\": \"c2.bc.example.com\", \"dport\": 443, \"has_sni\": true}");
  cJSON *m = cJSON_Parse("{\"sni\": \"c2.*\", \"dport\": 443, \"has_sni\": true}");
  assert_true(check_event_matches(ev, "tls.client_hello", m));
  assert_false(check_event_matches(ev, "dns.query", m));
  cJSON *m2 = cJSON_Parse("{\"sni\": \"c2site.*\"}");
  assert_false(check_event_matches(ev, "tls.client_hello", m2));
  cJSON *m3 = cJSON_Parse("{\"missing\": \"x\"}");
  assert_false(check_event_matches(ev, "tls.client_hello", m3));
  cJSON *m4 = cJSON_Parse("{\"dport\": \"443\"}"); /* types must agree */
  assert_false(check_event_matches(ev, "tls.client_hello", m4));
  cJSON_Delete(ev);
  cJSON_Delete(m);
  cJSON_Delete(m2);
  cJSON_Delete(m3);
  cJSON_Delete(m4);
}

static void test_timeline_order_and_cap(void **state) {
  tl_t *tl = tl_new();
  add(tl, 2.0, "b", NULL, NULL, NULL, NULL);
  add(tl, 1.0, "a", NULL, NULL, NULL, NULL);
  add(tl, 2.0, "c", NULL, NULL, NULL, NULL);
  tl_sort(tl);
  assert_string_equal(cJSON_GetObjectItem(tl_at(tl, 0)->obj, "type")->valuestring, "a");
  assert_string_equal(cJSON_GetObjectItem(tl_at(tl, 1)->obj, "type")->valuestring, "b"); /* stable */
  assert_string_equal(cJSON_GetObjectItem(tl_at(tl, 2)->obj, "type")->valuestring, "c");
  for (int i = 3; i < TL_MAX_EVENTS; i++) tl_add(tl, i, "flood", "x", NULL);
  assert_int_equal(tl_add(tl, 1, "flood", "x", NULL), -1);
  assert_int_equal(tl_count(tl), TL_MAX_EVENTS);
  assert_int_equal(tl_dropped(tl), 1);
  tl_free(tl);
}

/* A precondition proves the premise: unmet alone, the scenario is an error
 * (nothing proven); unmet beside a failed requirement, the failure stands. */
static void test_precondition(void **state) {
  static const char text[] =
      "{\"id\": \"p\", \"duration\": \"5s\", \"checks\": [\n"
      " {\"id\": \"fault-met\", \"class\": \"precondition\", \"within\": \"5s\", \"expect\": {\"event\": \"inject.rst\"}},\n"
      " {\"id\": \"no-c2site\", \"requirement\": \"BC-TLS-02\",\n"
      "  \"forbid\": {\"event\": \"tls.client_hello\", \"match\": {\"sni\": \"c2site.*\"}}}]}";
  diag_t d;
  scenario_t *sc = scenario_parse(text, "p.json", &d);
  if (!sc) diag_print(&d, stderr);
  assert_non_null(sc);
  assert_true(check_is_precondition(&sc->checks[0]));
  assert_string_equal(sc->checks[0].requirement, "");
  check_result_t res[2];
  tl_t *tl = tl_new();
  assert_int_equal(check_eval_all(sc, tl, res), VERDICT_ERROR);
  assert_int_equal(res[0].verdict, VERDICT_ERROR);
  assert_non_null(strstr(res[0].message, "premise did not hold"));
  check_results_free(res, 2);
  add(tl, 1, "tls.client_hello", "sni", "c2site.bc.example.com", NULL, NULL);
  tl_sort(tl);
  assert_int_equal(check_eval_all(sc, tl, res), VERDICT_FAIL);
  check_results_free(res, 2);
  add(tl, 0.5, "inject.rst", NULL, NULL, NULL, NULL);
  tl_sort(tl);
  assert_int_equal(check_eval_all(sc, tl, res), VERDICT_FAIL);
  assert_int_equal(res[0].verdict, VERDICT_PASS);
  check_results_free(res, 2);
  tl_free(tl);
  scenario_free(sc);
  /* A precondition names no requirement. */
  static const char bad[] = "{\"id\": \"p\", \"duration\": \"5s\", \"checks\": [{\"id\": \"x\", \"class\": \"precondition\","
                            " \"requirement\": \"BC-TLS-02\", \"within\": \"5s\", \"expect\": {\"event\": \"inject.rst\"}}]}";
  assert_null(scenario_parse(bad, "bad.json", &d));
  assert_non_null(strstr(d.msg, "names no requirement"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conforming_timeline_passes), cmocka_unit_test(test_each_check_can_fail),
      cmocka_unit_test(test_step_that_never_ran_is_an_error), cmocka_unit_test(test_matching),
      cmocka_unit_test(test_timeline_order_and_cap), cmocka_unit_test(test_precondition),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
