/* The event schemas and match values: each operator matches what it should
 * and nothing else, DNS names compare in any case, the loader refuses
 * unknown fields and values of the wrong type with a did-you-mean, reports
 * every error of a file at once, and holds events to their schema. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "harness/events.h"
#include "harness/match.h"
#include "harness/scenario.h"

static bool matches(const char *event_json, const char *match_json) {
  cJSON *ev = cJSON_Parse(event_json), *m = cJSON_Parse(match_json);
  assert_non_null(ev);
  assert_non_null(m);
  const char *type = cJSON_GetObjectItemCaseSensitive(ev, "type")->valuestring;
  bool got = match_event(ev, type, m);
  cJSON_Delete(ev);
  cJSON_Delete(m);
  return got;
}

#define HTTP(status) "{\"type\": \"svc.http.request\", \"service\": \"pse1\", \"status\": " #status ", \"sni\": \"c2.bc.example.com\"}"

static void test_scalars_and_dns_names(void **state) {
  const char *q = "{\"type\": \"dns.query\", \"qname\": \"any2bcp.bc.example.com\", \"proto\": \"udp\"}";
  assert_true(matches(q, "{\"qname\": \"any2bcp.bc.example.com\"}"));
  /* DNS names: any case, a trailing dot ignored, globs still work. */
  assert_true(matches(q, "{\"qname\": \"ANY2BCP.BC.Example.com\"}"));
  assert_true(matches(q, "{\"qname\": \"any2bcp.bc.example.com.\"}"));
  assert_true(matches("{\"type\": \"dns.query\", \"qname\": \"Any2bcp.bc.example.com.\"}", "{\"qname\": \"any2bcp.*\"}"));
  assert_false(matches(q, "{\"qname\": \"c2.bc.example.com\"}"));
  assert_false(matches(q, "{\"qname\": \"ANY2BCP.bc.example.org\"}"));
  /* A field that is no DNS name stays exact. */
  assert_false(matches(q, "{\"proto\": \"UDP\"}"));
  const char *hello = "{\"type\": \"tls.client_hello\", \"sni\": \"se1.zpa.example.net\"}";
  assert_true(matches(hello, "{\"sni\": \"SE1.zpa.example.net\"}"));
  assert_false(matches(hello, "{\"sni\": \"SE2.zpa.example.net\"}"));
  /* An address list matches when one element does. */
  const char *ans = "{\"type\": \"dns.answer\", \"addrs\": [\"198.18.1.11\", \"198.18.1.12\"]}";
  assert_true(matches(ans, "{\"addrs\": \"198.18.1.12\"}"));
  assert_false(matches(ans, "{\"addrs\": \"203.0.113.*\"}"));
}

static void test_alternatives(void **state) {
  assert_true(matches(HTTP(200), "{\"status\": [200, 204]}"));
  assert_true(matches(HTTP(204), "{\"status\": [200, 204]}"));
  assert_false(matches(HTTP(500), "{\"status\": [200, 204]}"));
  assert_true(matches(HTTP(200), "{\"service\": [\"pcc*\", \"pse*\"]}"));
  assert_false(matches(HTTP(200), "{\"service\": [\"pcc*\", \"se?\"]}"));
}

static void test_negation(void **state) {
  assert_true(matches(HTTP(500), "{\"status\": {\"not\": 200}}"));
  assert_false(matches(HTTP(200), "{\"status\": {\"not\": 200}}"));
  assert_true(matches(HTTP(200), "{\"sni\": {\"not\": \"c2site.*\"}}"));
  assert_false(matches(HTTP(200), "{\"sni\": {\"not\": \"C2.*\"}}")); /* DNS rules inside "not" too */
  assert_false(matches(HTTP(200), "{\"service\": {\"not\": [\"pcc*\", \"pse*\"]}}"));
  assert_true(matches(HTTP(200), "{\"service\": {\"not\": [\"pcc*\", \"se*\"]}}"));
  /* An event without the field matches no value, so it matches every "not". */
  const char *no_alert = "{\"type\": \"svc.tls.handshake\", \"result\": \"ok\"}";
  assert_true(matches(no_alert, "{\"alert\": {\"not\": \"handshake_failure\"}}"));
  assert_false(matches(no_alert, "{\"alert\": \"handshake_failure\"}"));
}

static void test_ranges(void **state) {
  const char *range = "{\"status\": {\"min\": 200, \"max\": 299}}";
  assert_true(matches(HTTP(200), range));
  assert_true(matches(HTTP(299), range)); /* both ends are inside */
  assert_false(matches(HTTP(199), range));
  assert_false(matches(HTTP(300), range));
  assert_false(matches(HTTP(404), range));
  assert_true(matches(HTTP(500), "{\"status\": {\"min\": 500}}"));
  assert_false(matches(HTTP(499), "{\"status\": {\"min\": 500}}"));
  assert_true(matches(HTTP(302), "{\"status\": {\"not\": {\"min\": 200, \"max\": 299}}}"));
  assert_false(matches(HTTP(201), "{\"status\": {\"not\": {\"min\": 200, \"max\": 299}}}"));
  /* A range never matches a field that is not a number. */
  assert_false(matches("{\"type\": \"svc.http.request\", \"status\": \"200\"}", range));
}

static void test_operators_are_no_field_names(void **state) {
  for (int i = 0; i < events_n; i++)
    for (int k = 0; k < match_n_operators; k++) assert_null(events_field(&events_table[i], match_operators[k]));
}

/* A scenario with one check of event EVENT and match MATCH. */
#define ONE_CHECK(event, match)                                                                                  \
  "{\"id\": \"t\", \"duration\": \"5s\",\n \"checks\": [{\"id\": \"c\", \"requirement\": \"BC-FO-01\",\n  \"forbid\": " \
  "{\"event\": \"" event "\", \"match\": " match "}}]}\n"

typedef struct bad_match {
  const char *text;
  int line, col;
  const char *msg_part, *hint_part;
} bad_match_t;

static const bad_match_t bad_matches[] = {
    {ONE_CHECK("dns.query", "{\"qnam\": \"any2bcp.*\"}"), 3, 46, "unknown field \"qnam\" for dns.query", "did you mean \"qname\"?"},
    {ONE_CHECK("svc.http.request", "{\"servic\": \"pcc1\"}"), 3, 53, "unknown field \"servic\"", "did you mean \"service\"?"},
    {ONE_CHECK("tcp.connect", "{\"dst_nam\": \"pcc1\"}"), 3, 48, "unknown field \"dst_nam\"", "did you mean \"dst_name\"?"},
    {ONE_CHECK("svc.http.request", "{\"status\": \"200\"}"), 3, 63, "\"status\" is an integer field: a string never matches it", "{\"min\": 200"},
    {ONE_CHECK("svc.http.request", "{\"status\": \"2*\"}"), 3, 63, "a string never matches it", "without quotes"},
    {ONE_CHECK("svc.http.request", "{\"status\": 200.5}"), 3, 63, "a fraction never matches it", "whole number"},
    {ONE_CHECK("dns.answer", "{\"tc\": \"true\"}"), 3, 53, "\"tc\" is a boolean field", "true or false"},
    {ONE_CHECK("dns.query", "{\"qname\": 5}"), 3, 55, "\"qname\" is a DNS name field: a number never matches it", "double quotes"},
    {ONE_CHECK("svc.http.request", "{\"status\": {\"min\": \"200\"}}"), 3, 71, "a range's end must be a whole number", "range"},
    {ONE_CHECK("svc.http.request", "{\"sni\": {\"min\": 1}}"), 3, 68, "a range needs a number field", "double quotes"},
    {ONE_CHECK("svc.http.request", "{\"status\": {\"nott\": 200}}"), 3, 64, "unknown match operator \"nott\"", "did you mean \"not\"?"},
    {ONE_CHECK("svc.http.request", "{\"status\": {\"min\": 300, \"max\": 200}}"), 3, 63, "\"min\" is above \"max\"", "swap"},
    {ONE_CHECK("svc.http.request", "{\"status\": []}"), 3, 63, "an empty list matches nothing", "at least one"},
    {ONE_CHECK("svc.http.request", "{\"status\": [200, \"204\"]}"), 3, 69, "a string never matches it", "without quotes"},
    {ONE_CHECK("svc.http.request", "{\"status\": {\"not\": 200, \"max\": 5}}"), 3, 63, "\"not\" cannot stand beside", "not"},
    {ONE_CHECK("fault.on", "{\"params\": {\"name\": \"x\"}}"), 3, 45, "\"params\" is an object", "step"},
};

static void test_bad_matches(void **state) {
  for (size_t i = 0; i < sizeof bad_matches / sizeof bad_matches[0]; i++) {
    const bad_match_t *c = &bad_matches[i];
    diag_t d;
    memset(&d, 0, sizeof d);
    scenario_t *sc = scenario_parse(c->text, "m.json", &d);
    if (sc || d.line != c->line || d.col != c->col || !strstr(d.msg, c->msg_part) || !strstr(d.hint, c->hint_part))
      fprintf(stderr, "case %zu: got %d:%d %s | hint: %s\n", i, d.line, d.col, d.msg, d.hint);
    assert_null(sc);
    assert_int_equal(d.line, c->line);
    assert_int_equal(d.col, c->col);
    assert_non_null(strstr(d.msg, c->msg_part));
    assert_non_null(strstr(d.hint, c->hint_part));
  }
}

static void test_good_matches_load(void **state) {
  static const char *const good[] = {
      ONE_CHECK("svc.http.request", "{\"status\": {\"min\": 200, \"max\": 299}, \"service\": [\"pcc*\", \"pse*\"]}"),
      ONE_CHECK("svc.http.request", "{\"sni\": {\"not\": \"c2site.${bc_domain}\"}, \"status\": {\"not\": [401, 403]}}"),
      ONE_CHECK("dns.query", "{\"qname\": \"ANY2BCP.${bc_domain}.\"}"),
      ONE_CHECK("lab.ready", "{\"setup_ms\": {\"max\": 1.5}}"),
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    diag_t d;
    scenario_t *sc = scenario_parse(good[i], "g.json", &d);
    if (!sc) diag_print(&d, stderr);
    assert_non_null(sc);
    scenario_free(sc);
  }
  /* ${vars} are expanded inside operators and lists too. */
  diag_t d;
  scenario_t *sc = scenario_parse(good[1], "g.json", &d);
  const cJSON *not = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sc->checks[0].match, "sni"), "not");
  assert_string_equal(not->valuestring, "c2site.bc.example.com");
  scenario_free(sc);
}

/* Five planted problems in one file: each is told, in one parse, at its place. */
static const char *const five =
    "{\"id\": \"five\", \"duration\": \"5s\",\n"                                                          /* 1 */
    " \"checks\": [\n"                                                                                    /* 2 */
    "  {\"id\": \"a\", \"requirement\": \"BC-DNS-01\", \"forbid\": {\"event\": \"dns.query\",\n"          /* 3 */
    "     \"match\": {\"qnam\": \"any2bcp.*\"}}},\n"                                                      /* 4 */
    "  {\"id\": \"b\", \"requirement\": \"BC-FO-05\", \"forbid\": {\"event\": \"svc.http.request\",\n"    /* 5 */
    "     \"match\": {\"status\": \"200\"}}},\n"                                                          /* 6 */
    "  {\"id\": \"c\", \"requirement\": \"BC-FO-99\", \"forbid\": {\"event\": \"tcp.connect\"}},\n"       /* 7 */
    "  {\"id\": \"d\", \"requirement\": \"BC-FO-01\", \"expect\": {\"event\": \"tcp.connect\"},\n"        /* 8 */
    "     \"within\": \"9s\"},\n"                                                                         /* 9 */
    "  {\"id\": \"e\", \"requirement\": \"BC-FO-01\", \"forbid\": {\"event\": \"tls.hello\"}}\n"          /* 10 */
    " ]}\n";

static void test_every_error_at_once(void **state) {
  static const char *const spec_ids[] = {"BC-DNS-01", "BC-FO-01", "BC-FO-05", "BC-FO-09"};
  diag_list_t *all = diag_list_new();
  scenario_opts_t o = {spec_ids, 4, "SPEC.md", all};
  diag_t d;
  scenario_t *sc = scenario_parse_opts(five, "five.json", &o, &d);
  assert_null(sc);
  assert_int_equal(diag_list_errors(all), 4);
  assert_int_equal(diag_list_count(all), 5);
  static const struct {
    int line;
    diag_level_t level;
    const char *msg, *hint;
  } want[] = {
      {4, DIAG_ERROR, "unknown field \"qnam\"", "did you mean \"qname\"?"},
      {6, DIAG_ERROR, "\"status\" is an integer field", "without quotes"},
      {7, DIAG_ERROR, "unknown requirement \"BC-FO-99\"", "did you mean \"BC-FO-09\"?"},
      {9, DIAG_WARNING, "the window ends at 9.000s", "duration"},
      {10, DIAG_ERROR, "unknown event type \"tls.hello\"", "list --events"},
  };
  for (size_t i = 0; i < 5; i++) {
    const diag_t *got = diag_list_at(all, i);
    if (got->line != want[i].line || !strstr(got->msg, want[i].msg))
      fprintf(stderr, "diag %zu: %d:%d %s | %s\n", i, got->line, got->col, got->msg, got->hint);
    assert_int_equal(got->line, want[i].line);
    assert_true(got->col > 0);
    assert_int_equal(got->level, want[i].level);
    assert_non_null(strstr(got->msg, want[i].msg));
    assert_non_null(strstr(got->hint, want[i].hint));
  }
  /* The one-diag API still gets the first error found. */
  assert_int_equal(d.line, 4);
  diag_list_free(all);
}

/* Each step and the file's own keys are read past an error too; a bad
 * duration is not compared with, so it brings no errors of its own. */
static void test_errors_across_steps(void **state) {
  const char *text =
      "{\"id\": \"s\", \"duration\": \"5 parsecs\", \"titel\": \"x\",\n"
      " \"timeline\": [\n"
      "  {\"at\": \"1s\", \"action\": \"net.blackhol\", \"target\": \"internet\"},\n"
      "  {\"at\": \"9s\", \"action\": \"net.blackhole\", \"target\": \"moon\"}],\n"
      " \"checks\": [{\"id\": \"c\", \"requirement\": \"R\", \"forbid\": {\"event\": \"dns.query\"}}]}\n";
  diag_list_t *all = diag_list_new();
  scenario_opts_t o = {NULL, 0, NULL, all};
  diag_t d;
  assert_null(scenario_parse_opts(text, "s.json", &o, &d));
  assert_int_equal(diag_list_errors(all), 4);
  const char *want[] = {"unknown key \"titel\"", "bad duration", "unknown action \"net.blackhol\"", "cannot target \"moon\""};
  for (size_t i = 0; i < 4; i++) {
    bool seen = false;
    for (size_t k = 0; k < diag_list_count(all); k++) seen = seen || strstr(diag_list_at(all, k)->msg, want[i]);
    if (!seen) fprintf(stderr, "missing: %s\n", want[i]);
    assert_true(seen);
  }
  diag_list_free(all);
}

/* An unknown requirement is told even when its check has another problem. */
static void test_requirement_beside_another_error(void **state) {
  static const char *const ids[] = {"BC-DNS-01"}; /* ONE_CHECK names BC-FO-01: unknown here */
  diag_list_t *all = diag_list_new();
  scenario_opts_t o = {ids, 1, "SPEC.md", all};
  diag_t d;
  assert_null(scenario_parse_opts(ONE_CHECK("tls.hello", "{}"), "r.json", &o, &d));
  assert_int_equal(diag_list_errors(all), 2);
  assert_non_null(strstr(diag_list_at(all, 0)->msg, "unknown event type"));
  assert_non_null(strstr(diag_list_at(all, 1)->msg, "unknown requirement \"BC-FO-01\""));
  diag_list_free(all);
}

static void test_warnings_do_not_refuse(void **state) {
  /* A window past the end, and an anchor that comes after it, warn; the file loads. */
  const char *text =
      "{\"id\": \"w\", \"duration\": \"5s\",\n"
      " \"timeline\": [{\"id\": \"cut\", \"at\": \"4s\", \"for\": \"3s\", \"action\": \"net.blackhole\", \"target\": \"internet\"}],\n"
      " \"checks\": [\n"
      "  {\"id\": \"a\", \"requirement\": \"R\", \"after\": \"cut\", \"within\": \"2s\", \"expect\": {\"event\": \"tcp.connect\"}},\n"
      "  {\"id\": \"b\", \"requirement\": \"R\", \"after\": \"cut.off\", \"forbid\": {\"event\": \"tcp.connect\"}},\n"
      "  {\"id\": \"c\", \"requirement\": \"R\", \"after\": \"cut\", \"within\": \"1s\", \"expect\": {\"event\": \"tcp.connect\"}}\n"
      " ]}\n";
  diag_list_t *all = diag_list_new();
  scenario_opts_t o = {NULL, 0, NULL, all};
  diag_t d;
  scenario_t *sc = scenario_parse_opts(text, "w.json", &o, &d);
  assert_non_null(sc);
  assert_int_equal(diag_list_errors(all), 0);
  assert_int_equal(diag_list_count(all), 2); /* c's window ends at 5s: no warning */
  assert_non_null(strstr(diag_list_at(all, 0)->msg, "the window ends at 6.000s"));
  assert_int_equal(diag_list_at(all, 0)->line, 4);
  assert_non_null(strstr(diag_list_at(all, 1)->msg, "anchor \"cut.off\" comes at 7.000s"));
  assert_int_equal(diag_list_at(all, 1)->line, 5);
  scenario_free(sc);
  diag_list_free(all);
}

static void test_events_conform(void **state) {
  char why[256];
  cJSON *e = cJSON_Parse("{\"t\": 1.5, \"from\": \"wire\", \"type\": \"tls.client_hello\", \"sni\": \"c2.x\", "
                         "\"has_sni\": true, \"max_version\": \"1.3\", \"min_version\": \"1.2\", \"alpn\": \"\", "
                         "\"src\": \"198.18.0.10\", \"src_name\": \"client\", \"src_role\": \"client\", \"sport\": 40000, "
                         "\"dst\": \"198.18.1.11\", \"dst_name\": \"pcc1\", \"dst_role\": \"pcc\", \"dport\": 443}");
  assert_true(events_conforms(e, why, sizeof why));
  /* A producer that emits an undeclared field. */
  cJSON_AddStringToObject(e, "cipher", "x");
  assert_false(events_conforms(e, why, sizeof why));
  assert_non_null(strstr(why, "undeclared field \"cipher\""));
  cJSON_DeleteItemFromObjectCaseSensitive(e, "cipher");
  /* A field of the wrong type. */
  cJSON_ReplaceItemInObjectCaseSensitive(e, "dport", cJSON_CreateString("443"));
  assert_false(events_conforms(e, why, sizeof why));
  assert_non_null(strstr(why, "\"dport\" is not of its declared type (integer)"));
  cJSON_ReplaceItemInObjectCaseSensitive(e, "dport", cJSON_CreateNumber(443));
  /* A required field missing. */
  cJSON_DeleteItemFromObjectCaseSensitive(e, "sni");
  assert_false(events_conforms(e, why, sizeof why));
  assert_non_null(strstr(why, "lacks its field \"sni\""));
  cJSON_Delete(e);
  e = cJSON_Parse("{\"t\": 0, \"from\": \"harness\", \"type\": \"tls.hello\"}");
  assert_false(events_conforms(e, why, sizeof why));
  assert_non_null(strstr(why, "unknown event type"));
  cJSON_Delete(e);
  /* Optional fields may be absent. */
  e = cJSON_Parse("{\"t\": 9, \"from\": \"harness\", \"type\": \"client.exit\", \"exit\": 0}");
  assert_true(events_conforms(e, why, sizeof why));
  cJSON_Delete(e);
}

/* bcsim mutate forges events from match_example: its value must match, whatever the operator. */
static void test_examples_match(void **state) {
  static const struct {
    const char *type, *field, *want, *real;
  } cases[] = {
      {"tls.client_hello", "sni", "{\"not\": \"c2.bc.example.com\"}", "\"c2.bc.example.com\""},
      {"tls.client_hello", "dst_role", "[\"pcc\", \"pse\"]", "\"cloud\""},
      {"tls.client_hello", "min_version", "{\"not\": [\"1.2\", \"1.3\"]}", "\"1.3\""},
      {"svc.http.request", "status", "{\"min\": 400, \"max\": 499}", "200"},
      {"svc.http.request", "status", "{\"not\": {\"min\": 200, \"max\": 299}}", "200"},
      {"svc.http.request", "service", "\"pcc[12]\"", "\"broker\""},
      {"dns.answer", "tc", "{\"not\": false}", "false"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cJSON *want = cJSON_Parse(cases[i].want), *real = cJSON_Parse(cases[i].real);
    cJSON *v = match_example(cases[i].type, cases[i].field, want, real);
    assert_non_null(v);
    cJSON *ev = cJSON_CreateObject(), *m = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "type", cases[i].type);
    cJSON_AddItemToObject(ev, cases[i].field, v);
    cJSON_AddItemToObject(m, cases[i].field, want);
    assert_true(match_event(ev, cases[i].type, m));
    cJSON_Delete(ev);
    cJSON_Delete(m);
    cJSON_Delete(real);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scalars_and_dns_names), cmocka_unit_test(test_alternatives),
      cmocka_unit_test(test_negation), cmocka_unit_test(test_ranges),
      cmocka_unit_test(test_operators_are_no_field_names), cmocka_unit_test(test_bad_matches),
      cmocka_unit_test(test_good_matches_load), cmocka_unit_test(test_every_error_at_once),
      cmocka_unit_test(test_warnings_do_not_refuse), cmocka_unit_test(test_events_conform),
      cmocka_unit_test(test_examples_match), cmocka_unit_test(test_errors_across_steps),
      cmocka_unit_test(test_requirement_beside_another_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
