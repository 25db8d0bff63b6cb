/* Checks over a hand-made timeline: windows, anchors, globs and forbids. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "harness/check.h"
#include "harness/window.h"

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
  return check_eval_all(sc, tl, true, res);
}

static void test_conforming_timeline_passes(void **state) {
  tl_t *tl = tl_new();
  check_result_t res[SC_MAX_CHECKS];
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
  check_result_t res[SC_MAX_CHECKS];
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
  /* Its anchor failed: not judged, so one mistake fails one requirement, not two. */
  assert_int_equal(res[1].verdict, VERDICT_UNSUPPORTED);
  assert_non_null(strstr(res[1].message, "not judged: its start anchor \"query\" failed"));
  assert_int_equal(res[2].verdict, VERDICT_FAIL);
  assert_non_null(strstr(res[2].message, "happened 1 time(s), first at 3.600s"));
  assert_int_equal(res[3].verdict, VERDICT_FAIL); /* ok is false, not true */
  check_results_free(res, sc->n_checks);
  scenario_free(sc);
  tl_free(tl);
}

static void test_step_that_never_ran_is_an_error(void **state) {
  tl_t *tl = tl_new();
  check_result_t res[SC_MAX_CHECKS];
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
  check_result_t res[SC_MAX_CHECKS];
  tl_t *tl = tl_new();
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_ERROR);
  assert_int_equal(res[0].verdict, VERDICT_ERROR);
  assert_non_null(strstr(res[0].message, "premise did not hold"));
  check_results_free(res, sc->n_checks);
  add(tl, 1, "tls.client_hello", "sni", "c2site.bc.example.com", NULL, NULL);
  tl_sort(tl);
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_FAIL);
  check_results_free(res, sc->n_checks);
  add(tl, 0.5, "inject.rst", NULL, NULL, NULL, NULL);
  tl_sort(tl);
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_FAIL);
  assert_int_equal(res[0].verdict, VERDICT_PASS);
  check_results_free(res, sc->n_checks);
  tl_free(tl);
  scenario_free(sc);
  /* A precondition names no requirement. */
  static const char bad[] = "{\"id\": \"p\", \"duration\": \"5s\", \"checks\": [{\"id\": \"x\", \"class\": \"precondition\","
                            " \"requirement\": \"BC-TLS-02\", \"within\": \"5s\", \"expect\": {\"event\": \"inject.rst\"}}]}";
  assert_null(scenario_parse(bad, "bad.json", &d));
  assert_non_null(strstr(d.msg, "names no requirement"));
}

static scenario_t *parse_ok(const char *text) {
  diag_t d;
  scenario_t *sc = scenario_parse(text, "s.json", &d);
  if (!sc) diag_print(&d, stderr);
  assert_non_null(sc);
  return sc;
}

/* A client that speaks only the network level: session checks are
 * unsupported, and a scenario whose requirement only they judge is no pass. */
static void test_network_only_client(void **state) {
  scenario_t *sc = parse_ok(
      "{\"id\": \"n\", \"duration\": \"5s\", \"checks\": [\n"
      " {\"id\": \"pcc2\", \"requirement\": \"BC-FO-04\", \"within\": \"5s\",\n"
      "  \"expect\": {\"event\": \"svc.http.request\", \"match\": {\"service\": \"pcc2\"}}},\n"
      " {\"id\": \"after-pcc2\", \"requirement\": \"BC-FO-05\", \"after\": \"pcc2\", \"within\": \"1s\",\n"
      "  \"expect\": {\"event\": \"svc.http.request\", \"match\": {\"service\": \"pse1\"}}},\n"
      " {\"id\": \"no-c2site\", \"requirement\": \"BC-TLS-02\",\n"
      "  \"forbid\": {\"event\": \"tls.client_hello\", \"match\": {\"sni\": \"c2site.*\"}}}]}");
  tl_t *tl = tl_new();
  check_result_t res[SC_MAX_CHECKS];
  /* Nothing judged BC-FO-04 or BC-FO-05: unsupported, though nothing failed. */
  assert_int_equal(check_eval_all(sc, tl, false, res), VERDICT_UNSUPPORTED);
  assert_int_equal(res[0].verdict, VERDICT_UNSUPPORTED);
  assert_non_null(strstr(res[0].message, "does not speak the session level"));
  assert_int_equal(res[1].verdict, VERDICT_UNSUPPORTED);
  assert_null(strstr(res[1].message, "anchor")); /* the level decides first: no anchor message */
  assert_int_equal(res[2].verdict, VERDICT_PASS);
  check_results_free(res, sc->n_checks);
  /* The same timeline for a client that speaks the session: the expects fail. */
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_FAIL);
  assert_int_equal(res[0].verdict, VERDICT_FAIL);
  check_results_free(res, sc->n_checks);
  tl_free(tl);
  scenario_free(sc);
}

/* A network check may not hang on a session check: a network-only client could never be judged by it. */
static void test_network_check_on_session_anchor_is_refused(void **state) {
  diag_t d;
  assert_null(scenario_parse(
      "{\"id\": \"n\", \"duration\": \"5s\", \"checks\": [\n"
      " {\"id\": \"login\", \"requirement\": \"BC-ENR-01\", \"within\": \"5s\",\n"
      "  \"expect\": {\"event\": \"svc.http.request\", \"match\": {\"action\": \"bc-sp-login\"}}},\n"
      " {\"id\": \"c2site\", \"requirement\": \"BC-TLS-01\", \"after\": \"login\", \"within\": \"1s\",\n"
      "  \"expect\": {\"event\": \"tls.client_hello\", \"match\": {\"sni\": \"c2site.*\"}}}]}",
      "n.json", &d));
  assert_non_null(strstr(d.msg, "anchored on the session check \"login\""));
  assert_int_equal(d.line, 4);
  /* Said to be session level, the same check is fine. */
  scenario_t *sc = parse_ok(
      "{\"id\": \"n\", \"duration\": \"5s\", \"checks\": [\n"
      " {\"id\": \"login\", \"requirement\": \"BC-ENR-01\", \"within\": \"5s\",\n"
      "  \"expect\": {\"event\": \"svc.http.request\", \"match\": {\"action\": \"bc-sp-login\"}}},\n"
      " {\"id\": \"c2site\", \"requirement\": \"BC-TLS-01\", \"level\": \"session\", \"after\": \"login\", \"within\": \"1s\",\n"
      "  \"expect\": {\"event\": \"tls.client_hello\", \"match\": {\"sni\": \"c2site.*\"}}}]}");
  assert_string_equal(scenario_check_level(&sc->checks[1]), "session");
  scenario_free(sc);
}

/* "min": at least that many matches, and the anchor time is when the last needed one came. */
static void test_min_count(void **state) {
  scenario_t *sc = parse_ok(
      "{\"id\": \"m\", \"duration\": \"5s\", \"checks\": [\n"
      " {\"id\": \"twice\", \"requirement\": \"BC-FO-02\", \"within\": \"3s\",\n"
      "  \"expect\": {\"event\": \"tcp.connect\", \"match\": {\"dst_name\": \"se1\"}, \"min\": 2}},\n"
      " {\"id\": \"then\", \"requirement\": \"BC-FO-02\", \"after\": \"twice\", \"within\": \"1s\",\n"
      "  \"expect\": {\"event\": \"tcp.connect\", \"match\": {\"dst_name\": \"se2\"}}}]}");
  assert_int_equal(sc->checks[0].min, 2);
  tl_t *tl = tl_new();
  check_result_t res[SC_MAX_CHECKS];
  add(tl, 1.0, "tcp.connect", "dst_name", "se1", NULL, NULL);
  add(tl, 1.5, "tcp.connect", "dst_name", "se2", NULL, NULL);
  tl_sort(tl);
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_FAIL); /* se1 only once */
  assert_int_equal(res[0].verdict, VERDICT_FAIL);
  assert_non_null(strstr(res[0].message, "at least 2 times"));
  assert_int_equal(res[1].verdict, VERDICT_UNSUPPORTED);
  check_results_free(res, sc->n_checks);
  add(tl, 1.2, "tcp.connect", "dst_name", "se1", NULL, NULL);
  tl_sort(tl);
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_PASS);
  assert_int_equal(res[0].matched_us, 1200000);
  check_results_free(res, sc->n_checks);
  tl_free(tl);
  scenario_free(sc);
  diag_t d;
  assert_null(scenario_parse("{\"id\": \"m\", \"duration\": \"5s\", \"checks\": [{\"id\": \"x\", \"requirement\": \"R\","
                             " \"forbid\": {\"event\": \"tcp.connect\", \"min\": 2}}]}", "m.json", &d));
}

/* "until": a forbid's window ends at an anchor. */
static void test_until(void **state) {
  scenario_t *sc = parse_ok(
      "{\"id\": \"u\", \"duration\": \"9s\",\n"
      " \"timeline\": [{\"id\": \"outage\", \"at\": \"1s\", \"action\": \"net.blackhole\", \"target\": \"internet\"}],\n"
      " \"checks\": [\n"
      " {\"id\": \"se2\", \"requirement\": \"BC-FO-02\", \"after\": \"outage\", \"within\": \"5s\",\n"
      "  \"expect\": {\"event\": \"tcp.connect\", \"match\": {\"dst_name\": \"se2\"}}},\n"
      " {\"id\": \"no-pcc-yet\", \"requirement\": \"BC-FO-02\", \"after\": \"outage\", \"until\": \"se2\",\n"
      "  \"forbid\": {\"event\": \"dns.query\", \"match\": {\"qname\": \"any2bcp.*\"}}}]}");
  tl_t *tl = tl_new();
  check_result_t res[SC_MAX_CHECKS];
  add(tl, 1.0, "fault.on", "step", "outage", NULL, NULL);
  add(tl, 3.0, "tcp.connect", "dst_name", "se2", NULL, NULL);
  add(tl, 3.5, "dns.query", "qname", "any2bcp.bc.example.com", NULL, NULL); /* after se2: allowed */
  tl_sort(tl);
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_PASS);
  check_results_free(res, sc->n_checks);
  add(tl, 2.0, "dns.query", "qname", "any2bcp.bc.example.com", NULL, NULL); /* before se2: not */
  tl_sort(tl);
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_FAIL);
  assert_int_equal(res[1].verdict, VERDICT_FAIL);
  check_results_free(res, sc->n_checks);
  tl_free(tl);
  scenario_free(sc);
}

/* The time of a check's evidence ("at" in its evidence), in microseconds, or -1. */
static int64_t evidence_at(const check_result_t *r) {
  const cJSON *at = cJSON_GetObjectItemCaseSensitive(r->evidence, "at");
  return cJSON_IsNumber(at) ? (int64_t)(at->valuedouble * 1e6 + 0.5) : -1;
}

/* Judges sc over the connects to pcc1 at the times given (seconds); results in res. */
static verdict_t judge_connects(const scenario_t *sc, const double *t, int n, check_result_t *res) {
  tl_t *tl = tl_new();
  for (int i = 0; i < n; i++) add(tl, t[i], "tcp.connect", "dst_name", "pcc1", NULL, NULL);
  tl_sort(tl);
  verdict_t v = check_eval_all(sc, tl, true, res);
  tl_free(tl);
  return v;
}

/* "min" and "max" on an expect: between. Too many is a failure at the first extra event. */
static void test_between(void **state) {
  scenario_t *sc = parse_ok(
      "{\"id\": \"b\", \"duration\": \"5s\", \"checks\": [\n"
      " {\"id\": \"twice\", \"requirement\": \"BC-FO-02\", \"within\": \"3s\",\n"
      "  \"expect\": {\"event\": \"tcp.connect\", \"match\": {\"dst_name\": \"pcc1\"}, \"min\": 2, \"max\": 3}}]}");
  check_result_t res[SC_MAX_CHECKS];
  const double two[] = {1.0, 1.5}, four[] = {1.0, 1.5, 2.0, 2.5}, one[] = {1.0}, late[] = {1.0, 1.5, 2.0, 4.0};
  assert_int_equal(judge_connects(sc, two, 2, res), VERDICT_PASS);
  assert_int_equal(res[0].matched_us, 1500000);
  assert_int_equal(evidence_at(&res[0]), 1500000);
  check_results_free(res, sc->n_checks);
  assert_int_equal(judge_connects(sc, four, 4, res), VERDICT_FAIL);
  assert_non_null(strstr(res[0].message, "at most 3 allowed; the 4-th at 2.500s"));
  assert_int_equal(evidence_at(&res[0]), 2500000);
  assert_int_equal(res[0].matched_us, -1); /* a failed check is no anchor */
  check_results_free(res, sc->n_checks);
  assert_int_equal(judge_connects(sc, one, 1, res), VERDICT_FAIL);
  assert_non_null(strstr(res[0].message, "at least 2 times"));
  assert_int_equal(evidence_at(&res[0]), 3000000); /* the end of the window */
  check_results_free(res, sc->n_checks);
  assert_int_equal(judge_connects(sc, late, 4, res), VERDICT_PASS); /* the 4th is outside the window */
  check_results_free(res, sc->n_checks);
  scenario_free(sc);
}

/* "min_gap" on an expect: at least min matches, each at least min_gap after the last. */
static void test_min_gap_expect(void **state) {
  scenario_t *sc = parse_ok(
      "{\"id\": \"g\", \"duration\": \"5s\", \"checks\": [\n"
      " {\"id\": \"paced\", \"requirement\": \"BC-FO-07\", \"within\": \"4s\",\n"
      "  \"expect\": {\"event\": \"tcp.connect\", \"match\": {\"dst_name\": \"pcc1\"}, \"min\": 3, \"min_gap\": \"100ms\"}}]}");
  assert_int_equal(sc->checks[0].min_gap_ms, 100);
  check_result_t res[SC_MAX_CHECKS];
  const double paced[] = {1.0, 1.1, 1.3, 1.7}, tight[] = {1.0, 1.2, 1.205, 1.4}, few[] = {1.0, 1.5};
  assert_int_equal(judge_connects(sc, paced, 4, res), VERDICT_PASS);
  assert_int_equal(res[0].matched_us, 1300000);
  check_results_free(res, sc->n_checks);
  assert_int_equal(judge_connects(sc, tight, 4, res), VERDICT_FAIL);
  assert_non_null(strstr(res[0].message, "came again 0.005s after the previous one (at 1.200s, then 1.205s)"));
  assert_int_equal(evidence_at(&res[0]), 1205000); /* the second of the pair */
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res[0].evidence, "too_close")), 2);
  check_results_free(res, sc->n_checks);
  assert_int_equal(judge_connects(sc, few, 2, res), VERDICT_FAIL); /* too few: the count fails, as any expect */
  assert_non_null(strstr(res[0].message, "at least 3 times"));
  check_results_free(res, sc->n_checks);
  scenario_free(sc);
}

/* "min_gap" on a limit, written in the client's timers; fewer than two
 * matches cannot show a pace, so the check is not judged (never a failure). */
static void test_min_gap_limit(void **state) {
  scenario_t *sc = parse_ok(
      "{\"id\": \"g\", \"duration\": \"5s\", \"checks\": [\n"
      " {\"id\": \"calm\", \"requirement\": \"BC-FO-07\",\n"
      "  \"limit\": {\"event\": \"tcp.connect\", \"match\": {\"dst_name\": \"pcc1\"}, \"max\": 10, \"min_gap\": \"backoff\"}}]}");
  assert_string_equal(sc->checks[0].min_gap_expr, "backoff");
  assert_int_equal(sc->checks[0].min_gap_ms, 1000); /* validated with the reference defaults */
  sc_timer_t t[] = {{"backoff", 100}};
  char err[300];
  assert_int_equal(scenario_bind_timers(sc, t, 1, err, sizeof err), 0);
  assert_int_equal(sc->checks[0].min_gap_ms, 100);
  check_result_t res[SC_MAX_CHECKS];
  const double paced[] = {1.0, 1.1, 1.3}, tight[] = {1.0, 1.05}, one[] = {1.0};
  assert_int_equal(judge_connects(sc, paced, 3, res), VERDICT_PASS);
  assert_int_equal(evidence_at(&res[0]), 5000000); /* the whole run: its end */
  check_results_free(res, sc->n_checks);
  assert_int_equal(judge_connects(sc, tight, 2, res), VERDICT_FAIL);
  assert_non_null(strstr(res[0].message, "0.050s after the previous one"));
  assert_non_null(strstr(res[0].message, "at least 0.100s = backoff"));
  check_results_free(res, sc->n_checks);
  assert_int_equal(judge_connects(sc, one, 1, res), VERDICT_UNSUPPORTED);
  assert_non_null(strstr(res[0].message, "no gap between two of them could be measured"));
  assert_int_equal(evidence_at(&res[0]), -1);
  check_results_free(res, sc->n_checks);
  assert_int_equal(judge_connects(sc, NULL, 0, res), VERDICT_UNSUPPORTED);
  check_results_free(res, sc->n_checks);
  scenario_scale(sc, 2.0); /* --time-scale stretches the gap like every window */
  assert_int_equal(sc->checks[0].min_gap_ms, 200);
  assert_int_equal(judge_connects(sc, paced, 3, res), VERDICT_FAIL); /* 1.0 -> 1.1 is now too close */
  check_results_free(res, sc->n_checks);
  scenario_free(sc);
}

/* A flood drops events: two too close is still a failure; a pace that looks calm proves nothing. */
static void test_min_gap_flooded(void **state) {
  scenario_t *sc = parse_ok(
      "{\"id\": \"g\", \"duration\": \"9s\", \"checks\": [\n"
      " {\"id\": \"calm\", \"requirement\": \"BC-FO-07\",\n"
      "  \"limit\": {\"event\": \"tcp.connect\", \"match\": {\"dst_name\": \"pcc1\"}, \"max\": 10, \"min_gap\": \"1ms\"}}]}");
  tl_t *tl = tl_new();
  add(tl, 0.5, "tcp.connect", "dst_name", "pcc1", NULL, NULL);
  add(tl, 0.7, "tcp.connect", "dst_name", "pcc1", NULL, NULL);
  for (int i = 0; i < TL_MAX_EVENTS; i++) (void)tl_add(tl, 1000000 + i * 10, "wire", "dns.query", cJSON_CreateObject());
  tl_sort(tl);
  check_result_t res[SC_MAX_CHECKS];
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_UNSUPPORTED);
  assert_non_null(strstr(res[0].message, "the timeline was full"));
  check_results_free(res, sc->n_checks);
  tl_free(tl);
  scenario_free(sc);
}

/* "until" ends a limit's window and a forbid's at an anchor, as an expect's. */
static void test_until_limit(void **state) {
  scenario_t *sc = parse_ok(
      "{\"id\": \"u\", \"duration\": \"9s\",\n"
      " \"timeline\": [{\"id\": \"reject\", \"at\": \"0s\", \"for\": \"3s\", \"action\": \"net.reject\", \"target\": \"pccs\"}],\n"
      " \"checks\": [\n"
      " {\"id\": \"calm\", \"requirement\": \"BC-FO-07\", \"until\": \"reject.off\",\n"
      "  \"limit\": {\"event\": \"tcp.connect\", \"match\": {\"dst_name\": \"pcc1\"}, \"max\": 2}},\n"
      " {\"id\": \"none\", \"requirement\": \"BC-FO-07\", \"after\": \"reject\", \"until\": \"reject.off\",\n"
      "  \"forbid\": {\"event\": \"dns.query\"}}]}");
  tl_t *tl = tl_new();
  add(tl, 0.0, "fault.on", "step", "reject", NULL, NULL);
  add(tl, 3.0, "fault.off", "step", "reject", NULL, NULL);
  add(tl, 1.0, "tcp.connect", "dst_name", "pcc1", NULL, NULL);
  add(tl, 2.0, "tcp.connect", "dst_name", "pcc1", NULL, NULL);
  add(tl, 4.0, "tcp.connect", "dst_name", "pcc1", NULL, NULL); /* after the anchor: not counted */
  add(tl, 5.0, "dns.query", "qname", "any2bcp.bc.example.com", NULL, NULL);
  tl_sort(tl);
  check_result_t res[SC_MAX_CHECKS];
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_PASS);
  assert_int_equal(evidence_at(&res[0]), 3000000); /* the window's end: the anchor */
  check_results_free(res, sc->n_checks);
  add(tl, 2.5, "tcp.connect", "dst_name", "pcc1", NULL, NULL);
  add(tl, 2.6, "dns.query", "qname", "any2bcp.bc.example.com", NULL, NULL);
  tl_sort(tl);
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_FAIL);
  assert_int_equal(res[0].verdict, VERDICT_FAIL);
  assert_non_null(strstr(res[0].message, "3 tcp.connect"));
  assert_int_equal(evidence_at(&res[0]), 2500000);
  assert_int_equal(res[1].verdict, VERDICT_FAIL);
  assert_int_equal(evidence_at(&res[1]), 2600000);
  check_results_free(res, sc->n_checks);
  tl_free(tl);
  scenario_free(sc);
}

/* Operators where they make no sense are refused, at the key, with a hint. */
static void test_operator_misuse(void **state) {
  static const struct {
    const char *body, *check_extra, *msg, *hint;
    int col;
  } cases[] = {
      {"\"forbid\": {\"event\": \"tcp.connect\", \"min_gap\": \"1s\"}", "", "no gap between two to measure",
       "use \"limit\"", 68},
      {"\"forbid\": {\"event\": \"tcp.connect\", \"max\": 2}", "", "it has no \"max\"", "\"limit\" with \"max\"", 68},
      {"\"limit\": {\"event\": \"tcp.connect\", \"max\": 4, \"min\": 2}", "", "it has no \"min\"",
       "\"expect\" with \"min\" and \"max\"", 77},
      {"\"expect\": {\"event\": \"tcp.connect\", \"min\": 3, \"max\": 2}", ", \"within\": \"1s\"",
       "\"min\" (3) is more than \"max\" (2)", "between", 85},
      {"\"expect\": {\"event\": \"tcp.connect\", \"max\": 0}", ", \"within\": \"1s\"", "at least 1",
       "\"min\": 2", 75},
      {"\"expect\": {\"event\": \"tcp.connect\", \"min_gap\": \"1s\"}", ", \"within\": \"1s\"",
       "\"min_gap\" needs \"min\" of 2", "\"min\": 3", 79},
      {"\"limit\": {\"event\": \"tcp.connect\", \"max\": 1, \"min_gap\": \"1s\"}", "", "needs a \"max\" of 2",
       "raise \"max\"", 88},
      {"\"expect\": {\"event\": \"tcp.connect\", \"min\": 3, \"min_gap\": \"1s\"}", ", \"within\": \"1500ms\"",
       "take 2.000s, longer than the window", "make \"within\" longer", 89},
      {"\"limit\": {\"event\": \"tcp.connect\", \"max\": 5, \"min_gap\": \"2*bakoff\"}", "", "not a timer",
       "backoff", 88},
      {"\"limit\": {\"event\": \"tcp.connect\", \"max\": 5, \"min_gap\": \"0ms\"}", "", "longer than 0", "500ms",
       88},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[512];
    snprintf(text, sizeof text,
             "{\"id\": \"m\", \"duration\": \"5s\", \"checks\": [\n{\"id\": \"x\", \"requirement\": \"R\", %s%s}]}",
             cases[i].body, cases[i].check_extra);
    diag_t d;
    memset(&d, 0, sizeof d);
    scenario_t *sc = scenario_parse(text, "m.json", &d);
    if (sc || d.line != 2 || d.col != cases[i].col || !strstr(d.msg, cases[i].msg) || !strstr(d.hint, cases[i].hint))
      fprintf(stderr, "case %zu: got %d:%d %s | hint: %s\n", i, d.line, d.col, d.msg, d.hint);
    assert_null(sc);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, cases[i].col);
    assert_non_null(strstr(d.msg, cases[i].msg));
    assert_non_null(strstr(d.hint, cases[i].hint));
  }
}

/* Windows in the client's own timers: evaluated with its timers, and never a failure when they outlast the scenario. */
static void test_timer_windows(void **state) {
  sc_timer_t t[] = {{"keepalive", 250}, {"timeout", 300}, {"retries", 2}, {"backoff", 100}};
  int64_t ms;
  char err[300];
  assert_int_equal(window_eval("keepalive + timeout + 2*retries*(timeout + backoff) + 2s", t, 4, &ms, err, sizeof err), 0);
  assert_int_equal(ms, 250 + 300 + 2 * 2 * 400 + 2000);
  assert_int_equal(window_eval("1.5s", t, 4, &ms, err, sizeof err), 0);
  assert_int_equal(ms, 1500);
  assert_int_equal(window_eval("timeout*timeout", t, 4, &ms, err, sizeof err), -1);
  assert_non_null(strstr(err, "a duration times a duration"));
  assert_int_equal(window_eval("2*retries", t, 4, &ms, err, sizeof err), -1);
  assert_non_null(strstr(err, "a count, not a duration"));
  assert_int_equal(window_eval("timeout + jitter", t, 4, &ms, err, sizeof err), -1);
  assert_non_null(strstr(err, "column 11"));
  assert_int_equal(window_eval("keepalive", t, 1, &ms, err, sizeof err), 0);
  assert_int_equal(window_eval("backoff", t, 1, &ms, err, sizeof err), -1); /* unset: no silent zero */

  scenario_t *sc = parse_ok(
      "{\"id\": \"w\", \"duration\": \"3s\", \"client\": {\"timers\": {\"retries\": 2}},\n"
      " \"checks\": [{\"id\": \"pcc\", \"requirement\": \"BC-FO-01\", \"within\": \"2*retries*timeout\",\n"
      "  \"expect\": {\"event\": \"dns.query\"}}]}");
  assert_string_equal(sc->checks[0].within_expr, "2*retries*timeout");
  assert_int_equal(sc->checks[0].within_ms, 40000); /* validated with the reference defaults */
  assert_int_equal(scenario_bind_timers(sc, t, 4, err, sizeof err), 0);
  assert_int_equal(sc->checks[0].within_ms, 1200); /* the scenario's retries, the profile's timeout */
  tl_t *tl = tl_new();
  check_result_t res[SC_MAX_CHECKS];
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_FAIL); /* 1.2 s fits the 3 s scenario */
  check_results_free(res, sc->n_checks);
  sc_timer_t slow[] = {{"timeout", 10000}};
  assert_int_equal(scenario_bind_timers(sc, slow, 1, err, sizeof err), 0);
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_UNSUPPORTED); /* 40 s does not */
  assert_non_null(strstr(res[0].message, "ends at 40.000s, after the scenario"));
  check_results_free(res, sc->n_checks);
  tl_free(tl);
  scenario_free(sc);
  diag_t d;
  assert_null(scenario_parse("{\"id\": \"w\", \"duration\": \"3s\", \"checks\": [{\"id\": \"x\", \"requirement\": \"R\","
                             " \"within\": \"2*tmeout\", \"expect\": {\"event\": \"dns.query\"}}]}", "w.json", &d));
  assert_non_null(strstr(d.msg, "not a timer"));
}

/* A client that floods the timeline: from the first dropped event on, an
 * absence proves nothing (unsupported), a presence still does (fail). */
static void test_flooded_timeline(void **state) {
  scenario_t *sc = parse_ok(
      "{\"id\": \"f\", \"duration\": \"9s\", \"checks\": [\n"
      " {\"id\": \"pcc\", \"requirement\": \"BC-FO-01\", \"within\": \"8s\",\n"
      "  \"expect\": {\"event\": \"tls.client_hello\", \"match\": {\"sni\": \"c2.*\"}}},\n"
      " {\"id\": \"calm\", \"requirement\": \"BC-FO-07\",\n"
      "  \"limit\": {\"event\": \"dns.query\", \"max\": 10}},\n"
      " {\"id\": \"no-c2site\", \"requirement\": \"BC-TLS-02\",\n"
      "  \"forbid\": {\"event\": \"tls.client_hello\", \"match\": {\"sni\": \"c2site.*\"}}}]}");
  tl_t *tl = tl_new();
  for (int i = 0; i < TL_MAX_EVENTS + 5; i++) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "qname", "flood.example");
    (void)tl_add(tl, 1000000 + i, "wire", "dns.query", f);
  }
  assert_int_equal(tl_dropped(tl), 5);
  assert_true(tl_first_drop(tl) > 1000000);
  tl_sort(tl);
  check_result_t res[SC_MAX_CHECKS];
  assert_int_equal(check_eval_all(sc, tl, true, res), VERDICT_FAIL);
  assert_int_equal(res[0].verdict, VERDICT_UNSUPPORTED); /* its ClientHello may be among the dropped */
  assert_non_null(strstr(res[0].message, "the timeline was full"));
  assert_int_equal(res[1].verdict, VERDICT_FAIL); /* the flood itself is a failure */
  assert_int_equal(res[2].verdict, VERDICT_UNSUPPORTED);
  check_results_free(res, sc->n_checks);
  /* The harness's own events still fit after the cap. */
  assert_int_equal(tl_add(tl, 2000000, "harness", "fault.on", NULL), 0);
  tl_free(tl);
  scenario_free(sc);
}

/* The scenario rule, item by item. */
static void test_scenario_rule(void **state) {
  verdict_item_t a[] = {{VERDICT_PASS, false, "R1", "c"}, {VERDICT_UNSUPPORTED, false, "R1", "c"}, {VERDICT_UNSUPPORTED, false, "R2", "c"}};
  const verdict_about_t all = {NULL, 0};
  const char *r1[] = {"R1"};
  const verdict_about_t only_r1 = {r1, 1};
  assert_int_equal(verdict_of_scenario(a, 2, all), VERDICT_PASS);        /* R1 judged once is enough */
  assert_int_equal(verdict_of_scenario(a, 3, all), VERDICT_UNSUPPORTED); /* R2 never judged */
  assert_int_equal(verdict_of_scenario(a, 3, only_r1), VERDICT_PASS);    /* the scenario is not about R2 */
  char why[256];
  verdict_why_unsupported(a, 3, all, why, sizeof why);
  assert_string_equal(why, "no check judged R2 at the levels the client speaks");
  verdict_item_t b[] = {{VERDICT_UNSUPPORTED, true, "", "c"}, {VERDICT_PASS, false, "R1", "c"}};
  assert_int_equal(verdict_of_scenario(b, 2, all), VERDICT_UNSUPPORTED); /* the premise is unknown */
  verdict_why_unsupported(b, 2, all, why, sizeof why);
  assert_non_null(strstr(why, "its premise (c) cannot be judged"));
  verdict_item_t c[] = {{VERDICT_ERROR, true, "", "c"}, {VERDICT_FAIL, false, "R1", "c"}};
  assert_int_equal(verdict_of_scenario(c, 2, all), VERDICT_FAIL);
  assert_int_equal(verdict_of_scenario(c, 1, all), VERDICT_ERROR);
  verdict_item_t d[] = {{VERDICT_DISABLED, false, "R1", "c"}, {VERDICT_XFAIL, false, "R2", "c"}};
  assert_int_equal(verdict_of_scenario(d, 2, all), VERDICT_PASS);
  assert_int_equal(verdict_of_scenario(d, 1, all), VERDICT_DISABLED);
  /* A waiver cannot make a premise hold: an expected failure of one is still unmet. */
  verdict_item_t e[] = {{VERDICT_XFAIL, true, "", "c"}, {VERDICT_PASS, false, "R1", "c"}};
  assert_int_equal(verdict_of_scenario(e, 2, all), VERDICT_ERROR);
  verdict_t v;
  assert_true(verdict_parse("xpass", &v));
  assert_int_equal(v, VERDICT_XPASS);
  assert_false(verdict_parse("passed", &v));
}

/* The orders verdicts are ranked in, and the harness rule, as verdict.h states them. */
static void test_verdict_orders(void **state) {
  /* The worst of several runs: a failure outweighs a pass, an error everything. */
  assert_int_equal(verdict_worse(VERDICT_PASS, VERDICT_FAIL), VERDICT_FAIL);
  assert_int_equal(verdict_worse(VERDICT_ERROR, VERDICT_FAIL), VERDICT_ERROR);
  assert_int_equal(verdict_worse(VERDICT_UNSUPPORTED, VERDICT_DISABLED), VERDICT_DISABLED);
  assert_int_equal(verdict_worse(VERDICT_PASS, VERDICT_XPASS), VERDICT_PASS); /* as bad: the first */
  assert_int_equal(verdict_worse(VERDICT_PASS, (verdict_t)99), (verdict_t)99); /* no verdict counts as error */
  /* A report shows an error before a failure in a cell, but lists failed scenarios before erred ones. */
  static const verdict_t shown[] = {VERDICT_ERROR, VERDICT_FAIL, VERDICT_XPASS, VERDICT_XFAIL,
                                    VERDICT_PASS,  VERDICT_UNSUPPORTED, VERDICT_DISABLED};
  for (int i = 0; i < 7; i++) assert_int_equal(verdict_display_rank(shown[i]), i);
  assert_int_equal(verdict_listing_group(VERDICT_FAIL), 0);
  assert_int_equal(verdict_listing_group(VERDICT_ERROR), 1);
  assert_int_equal(verdict_listing_group(VERDICT_UNSUPPORTED), VERDICT_LISTING_GROUPS - 1);
  assert_string_equal(verdict_name((verdict_t)99), "error");
  /* The harness failed: error, whatever the checks say. */
  assert_int_equal(verdict_of_scenario_run(VERDICT_PASS, true), VERDICT_ERROR);
  assert_int_equal(verdict_of_scenario_run(VERDICT_FAIL, false), VERDICT_FAIL);
}

/* A window that runs past the end, or closes before it opens, cannot tell a
 * short count from a client that still had time: unsupported, never fail. */
static void test_windows_that_cannot_tell(void **state) {
  scenario_t *sc = parse_ok(
      "{\"id\": \"e\", \"duration\": \"3s\",\n"
      " \"timeline\": [{\"id\": \"a\", \"at\": \"2s\", \"action\": \"net.blackhole\", \"target\": \"internet\"},\n"
      "              {\"id\": \"b\", \"at\": \"1s\", \"action\": \"net.blackhole\", \"target\": \"internet\"}],\n"
      " \"checks\": [\n"
      " {\"id\": \"first\", \"requirement\": \"BC-DNS-01\", \"within\": \"3s\",\n"
      "  \"expect\": {\"event\": \"dns.query\"}},\n"
      " {\"id\": \"then\", \"requirement\": \"BC-TLS-01\", \"after\": \"first\", \"within\": \"1s\",\n"
      "  \"expect\": {\"event\": \"tcp.connect\"}},\n"
      " {\"id\": \"empty\", \"requirement\": \"BC-FO-02\", \"after\": \"a\", \"until\": \"b\",\n"
      "  \"forbid\": {\"event\": \"tcp.reset\"}}]}");
  check_result_t res[SC_MAX_CHECKS];
  tl_t *tl = tl_new();
  add(tl, 1.0, "fault.on", "step", "b", NULL, NULL);
  add(tl, 2.0, "fault.on", "step", "a", NULL, NULL);
  add(tl, 2.5, "tcp.reset", NULL, NULL, NULL, NULL);
  add(tl, 1.0, "dns.query", NULL, NULL, NULL, NULL); /* "then" has 1.0 s to 2.0 s, inside the scenario */
  tl_sort(tl);
  check_eval_all(sc, tl, true, res);
  assert_int_equal(res[1].verdict, VERDICT_FAIL);
  assert_int_equal(res[2].verdict, VERDICT_UNSUPPORTED); /* the reset at 2.5 s is in no window */
  assert_non_null(strstr(res[2].message, "window is empty"));
  check_results_free(res, sc->n_checks);
  tl_free(tl);
  tl = tl_new();
  add(tl, 1.0, "fault.on", "step", "b", NULL, NULL);
  add(tl, 2.0, "fault.on", "step", "a", NULL, NULL);
  add(tl, 2.8, "dns.query", NULL, NULL, NULL, NULL); /* "then" runs to 3.8 s: past the end */
  tl_sort(tl);
  check_eval_all(sc, tl, true, res);
  assert_int_equal(res[0].verdict, VERDICT_PASS);
  assert_int_equal(res[1].verdict, VERDICT_UNSUPPORTED);
  assert_non_null(strstr(res[1].message, "still had time"));
  check_results_free(res, sc->n_checks);
  add(tl, 2.9, "tcp.connect", NULL, NULL, NULL, NULL); /* met before the end: judged */
  tl_sort(tl);
  check_eval_all(sc, tl, true, res);
  assert_int_equal(res[1].verdict, VERDICT_PASS);
  check_results_free(res, sc->n_checks);
  tl_free(tl);
  scenario_free(sc);
  diag_t d;
  assert_null(scenario_parse("{\"id\": \"s\", \"duration\": \"3s\", \"checks\": [{\"id\": \"x\", \"requirement\": \"R\","
                             " \"until\": \"start\", \"forbid\": {\"event\": \"dns.query\"}}]}", "s.json", &d));
  assert_non_null(strstr(d.msg, "ends before it opens"));
  /* A window planned to close at the end, from a step that ran 5 ms late: the overrun is the
   * harness's jitter, so the check is judged (and fails) rather than left unsupported. */
  sc = parse_ok("{\"id\": \"p\", \"duration\": \"3s\",\n"
                " \"timeline\": [{\"id\": \"probe\", \"at\": \"2s\", \"action\": \"net.blackhole\", \"target\": \"internet\"}],\n"
                " \"checks\": [{\"id\": \"ok\", \"requirement\": \"BC-FO-05\", \"after\": \"probe\", \"within\": \"1s\",\n"
                "  \"expect\": {\"event\": \"probe.result\"}}]}");
  tl = tl_new();
  add(tl, 2.005, "fault.on", "step", "probe", NULL, NULL);
  tl_sort(tl);
  check_eval_all(sc, tl, true, res);
  assert_int_equal(res[0].verdict, VERDICT_FAIL);
  check_results_free(res, sc->n_checks);
  tl_free(tl);
  scenario_free(sc);
}


/* Early stop: decided only once every window is behind the horizon or was settled by what happened,
 * and then the events after the horizon change no verdict. */
static const char *bounded_text =
    "{\"id\": \"b\", \"duration\": \"10s\",\n"
    " \"timeline\": [{\"id\": \"outage\", \"at\": \"2s\", \"action\": \"net.blackhole\", \"target\": \"internet\"}],\n"
    " \"checks\": [\n"
    "  {\"id\": \"query\", \"requirement\": \"BC-DNS-01\", \"after\": \"outage\", \"within\": \"1s\",\n"
    "   \"expect\": {\"event\": \"dns.query\", \"match\": {\"qname\": \"any2bcp.${bc_domain}\"}}},\n"
    "  {\"id\": \"no-c2site\", \"requirement\": \"BC-TLS-02\", \"after\": \"start\", \"within\": \"4s\",\n"
    "   \"forbid\": {\"event\": \"tls.client_hello\", \"match\": {\"sni\": \"c2site.${bc_domain}\"}}},\n"
    /* In place of the built-in one, which watches the whole run. */
    "  {\"id\": \"" SC_UNKNOWN_ADDRESS_CHECK "\", \"requirement\": \"BC-FO-08\", \"after\": \"start\", \"within\": \"3s\",\n"
    "   \"forbid\": {\"event\": \"ip.unknown\"}}\n"
    " ]}\n";

static void test_decided_once_windows_close(void **state) {
  diag_t d;
  scenario_t *sc = scenario_parse(bounded_text, "b.json", &d);
  assert_non_null(sc);
  tl_t *tl = tl_new();
  add(tl, 2.0, "fault.on", "step", "outage", NULL, NULL);
  add(tl, 2.5, "dns.query", "qname", "any2bcp.bc.example.com", NULL, NULL);
  tl_sort(tl);
  assert_int_equal(check_decided(sc, tl, true, 1900000, NULL), CHECK_UNDECIDED); /* the step has not come */
  assert_int_equal(check_decided(sc, tl, true, 2400000, NULL), CHECK_UNDECIDED); /* nothing met yet */
  assert_int_equal(check_decided(sc, tl, true, 3000000, NULL), CHECK_UNDECIDED); /* met, but the forbid is open */
  assert_int_equal(check_decided(sc, tl, true, 4000000, NULL), CHECK_DECIDED);
  check_result_t early[SC_MAX_CHECKS], late[SC_MAX_CHECKS];
  verdict_t v_early = check_eval_all(sc, tl, true, early);
  /* What a run that went on would have seen: nothing of it counts. */
  add(tl, 5.0, "tls.client_hello", "sni", "c2site.bc.example.com", NULL, NULL);
  add(tl, 6.0, "dns.query", "qname", "any2bcp.bc.example.com", NULL, NULL);
  tl_sort(tl);
  verdict_t v_late = check_eval_all(sc, tl, true, late);
  assert_int_equal(v_early, VERDICT_PASS);
  assert_int_equal(v_late, v_early);
  for (int i = 0; i < sc->n_checks; i++) assert_int_equal(late[i].verdict, early[i].verdict);
  check_results_free(early, sc->n_checks);
  check_results_free(late, sc->n_checks);
  scenario_free(sc);
  tl_free(tl);
}

static void test_open_forbid_waits_for_the_end(void **state) {
  diag_t d;
  scenario_t *sc = scenario_parse(scenario_text, "t.json", &d);
  assert_non_null(sc);
  tl_t *tl = tl_new();
  add(tl, 2.0, "fault.on", "step", "outage", NULL, NULL);
  add(tl, 2.6, "dns.query", "qname", "any2bcp.bc.example.com", NULL, NULL);
  add(tl, 2.9, "tls.client_hello", "sni", "c2.bc.example.com", "dst_name", "pcc2");
  cJSON *f = cJSON_CreateObject();
  cJSON_AddBoolToObject(f, "ok", 1);
  tl_add(tl, 5000000, "harness", "probe.result", f);
  tl_sort(tl);
  /* Every expect is met, but "no-c2site" watches the whole run: a c2site hello at 9.9 s would fail it. */
  assert_int_equal(check_decided(sc, tl, true, 9900000, NULL), CHECK_UNDECIDED);
  /* Once it has failed, nothing can undo that, though the built-in unknown-address check still watches. */
  add(tl, 6.0, "tls.client_hello", "sni", "c2site.bc.example.com", "dst_name", "pcc1");
  tl_sort(tl);
  assert_int_equal(check_decided(sc, tl, true, 6500000, NULL), CHECK_UNDECIDED);
  assert_int_equal(check_decided(sc, tl, true, 6500000, "BC-TLS-02"), CHECK_REQUIREMENT_FAILED);
  scenario_free(sc);
  tl_free(tl);
}

static void test_stop_when_requirement_fails(void **state) {
  diag_t d;
  scenario_t *sc = scenario_parse(scenario_text, "t.json", &d);
  assert_non_null(sc);
  tl_t *tl = tl_new();
  add(tl, 2.0, "fault.on", "step", "outage", NULL, NULL); /* and no query within 1 s */
  tl_sort(tl);
  assert_int_equal(check_decided(sc, tl, true, 2900000, "BC-DNS-01"), CHECK_UNDECIDED); /* its window is open */
  assert_int_equal(check_decided(sc, tl, true, 3100000, "BC-DNS-01"), CHECK_REQUIREMENT_FAILED);
  assert_int_equal(check_decided(sc, tl, true, 3100000, "BC-TLS-02"), CHECK_UNDECIDED);
  assert_int_equal(check_decided(sc, tl, true, 3100000, NULL), CHECK_UNDECIDED);
  check_result_t res[SC_MAX_CHECKS];
  assert_int_equal(check_eval_stopped(sc, tl, true, 3100000, "BC-DNS-01", res), VERDICT_FAIL);
  assert_int_equal(res[0].verdict, VERDICT_FAIL);        /* query: failed for good */
  assert_int_equal(res[1].verdict, VERDICT_UNSUPPORTED); /* hello: its anchor failed */
  /* no-c2site and probe were still open: not judged, never a pass and never a failure. */
  assert_int_equal(res[2].verdict, VERDICT_UNSUPPORTED);
  assert_int_equal(res[3].verdict, VERDICT_UNSUPPORTED);
  assert_non_null(strstr(res[3].message, "stopped at 3.100s"));
  check_results_free(res, sc->n_checks);
  scenario_free(sc);
  tl_free(tl);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_conforming_timeline_passes), cmocka_unit_test(test_each_check_can_fail),
      cmocka_unit_test(test_step_that_never_ran_is_an_error), cmocka_unit_test(test_matching),
      cmocka_unit_test(test_timeline_order_and_cap), cmocka_unit_test(test_precondition),
      cmocka_unit_test(test_network_only_client), cmocka_unit_test(test_network_check_on_session_anchor_is_refused),
      cmocka_unit_test(test_min_count), cmocka_unit_test(test_scenario_rule), cmocka_unit_test(test_verdict_orders),
      cmocka_unit_test(test_until),
      cmocka_unit_test(test_timer_windows), cmocka_unit_test(test_flooded_timeline),
      cmocka_unit_test(test_between), cmocka_unit_test(test_min_gap_expect), cmocka_unit_test(test_min_gap_limit),
      cmocka_unit_test(test_min_gap_flooded), cmocka_unit_test(test_until_limit), cmocka_unit_test(test_operator_misuse),
      cmocka_unit_test(test_windows_that_cannot_tell), cmocka_unit_test(test_decided_once_windows_close),
      cmocka_unit_test(test_open_forbid_waits_for_the_end), cmocka_unit_test(test_stop_when_requirement_fails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
