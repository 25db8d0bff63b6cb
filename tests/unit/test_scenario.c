/* The scenario loader: the shipped scenarios load; every kind of bad input
 * is refused with the right line, column and hint. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include <string.h>

#include "base/jsonpos.h"
#include "harness/catalogue.h"
#include "harness/profile.h"
#include "harness/scenario.h"
#include "base/dur.h"

static void test_mission_file_loads(void **state) {
  diag_t d;
  scenario_t *sc = scenario_load(BCSIM_SOURCE_DIR "/scenarios/cloud-down.json", &d);
  if (!sc) diag_print(&d, stderr);
  assert_non_null(sc);
  assert_string_equal(sc->id, "cloud-down");
  assert_string_equal(sc->bc_domain, "bc.example.com");
  assert_int_equal(sc->duration_ms, 6000);
  assert_int_equal(scenario_timer(sc, "keepalive", -1), 250);
  assert_int_equal(scenario_timer(sc, "retries", -1), 2);
  assert_int_equal(scenario_timer(sc, "nonexistent", -7), -7);
  const sc_step_t *outage = NULL;
  for (int i = 0; i < sc->n_steps; i++)
    if (strcmp(sc->steps[i].id, "cloud-blackhole") == 0) outage = &sc->steps[i];
  assert_non_null(outage);
  assert_string_equal(outage->action, "net.blackhole");
  assert_string_equal(outage->target, "cloud");
  assert_int_equal(outage->at_ms, 1500);
  assert_int_equal(outage->for_ms, 0);
  int found = 0;
  for (int i = 0; i < sc->n_checks; i++) {
    if (strcmp(sc->checks[i].id, "never-c2site") == 0) {
      found = 1;
      assert_int_equal(sc->checks[i].kind, SC_CHECK_FORBID);
      const cJSON *sni = cJSON_GetObjectItemCaseSensitive(sc->checks[i].match, "sni");
      assert_string_equal(sni->valuestring, "c2site.bc.example.com"); /* ${bc_domain} expanded */
    }
  }
  assert_true(found);
  scenario_free(sc);
}

static void test_profiles_load(void **state) {
  diag_t d;
  profile_t *p = profile_load(BCSIM_SOURCE_DIR "/fixtures/clients/reference.json", &d);
  assert_non_null(p);
  assert_string_equal(p->name, "reference");
  assert_true(p->argc > 3);
  profile_free(p);
  p = profile_load(BCSIM_SOURCE_DIR "/fixtures/clients/defect-wrong-sni.json", &d);
  assert_non_null(p);
  profile_free(p);
}

#define BASE_HEAD "{\n  \"id\": \"t\",\n  \"duration\": \"5s\",\n"
#define GOOD_CHECK "  \"checks\": [{\"id\": \"c\", \"requirement\": \"R-1\", \"forbid\": {\"event\": \"dns.query\"}}]\n}\n"

typedef struct bad_case {
  const char *name;
  const char *text;
  int line, col;
  const char *msg_part, *hint_part;
} bad_case_t;

static const bad_case_t bad_cases[] = {
    {"typo in action",
     BASE_HEAD "  \"timeline\": [\n    {\"at\": \"1s\", \"action\": \"net.blackhol\", \"target\": \"internet\"}\n  ],\n" GOOD_CHECK,
     5, 28, "unknown action \"net.blackhol\"", "did you mean \"net.blackhole\"?"},
    {"unknown top-level key",
     BASE_HEAD "  \"timelime\": [],\n" GOOD_CHECK, 4, 3, "unknown key \"timelime\"", "did you mean \"timeline\"?"},
    {"duration without unit",
     "{\n  \"id\": \"t\",\n  \"duration\": \"5\",\n" GOOD_CHECK, 3, 15, "bad duration \"5\"", "with a unit"},
    {"duration as a number",
     "{\n  \"id\": \"t\",\n  \"duration\": 5,\n" GOOD_CHECK, 3, 15, "must be a non-empty string", "need a unit"},
    {"invalid JSON",
     "{\n  \"id\": \"t\"\n  \"duration\": \"5s\"\n}\n", 3, 3, "invalid JSON", "missing comma"},
    {"no checks",
     BASE_HEAD "  \"checks\": []\n}\n", 4, 13, "non-empty array", "proves nothing"},
    {"unknown event type",
     BASE_HEAD "  \"checks\": [{\"id\": \"c\", \"requirement\": \"R\",\n    \"expect\": {\"event\": \"dns.querry\"}, \"within\": \"1s\"}]\n}\n",
     5, 25, "unknown event type", "did you mean \"dns.query\"?"},
    {"unknown variable",
     BASE_HEAD "  \"checks\": [{\"id\": \"c\", \"requirement\": \"R\",\n    \"forbid\": {\"event\": \"dns.query\", \"match\": {\"qname\": \"${bc_domian}\"}}}]\n}\n",
     5, 57, "unknown variable ${bc_domian}", "${bc_domain}"},
    {"unknown anchor",
     BASE_HEAD "  \"checks\": [{\"id\": \"c\", \"requirement\": \"R\", \"after\": \"nowhere\",\n    \"expect\": {\"event\": \"dns.query\"}, \"within\": \"1s\"}]\n}\n",
     4, 55, "unknown anchor \"nowhere\"", "timeline step id"},
    {"expect without window",
     BASE_HEAD "  \"checks\": [{\"id\": \"c\", \"requirement\": \"R\", \"expect\": {\"event\": \"dns.query\"}}]\n}\n",
     4, 14, "needs \"within\"", "within"},
    {"target not allowed",
     BASE_HEAD "  \"timeline\": [{\"at\": \"1s\", \"action\": \"net.blackhole\", \"target\": \"moon\"}],\n" GOOD_CHECK,
     4, 66, "cannot target \"moon\"", "internet"},
    {"step after the end",
     BASE_HEAD "  \"timeline\": [{\"at\": \"9s\", \"action\": \"net.blackhole\", \"target\": \"internet\"}],\n" GOOD_CHECK,
     4, 23, "after the scenario ends", "duration"},
    {"missing requirement",
     BASE_HEAD "  \"checks\": [{\"id\": \"c\", \"forbid\": {\"event\": \"dns.query\"}}]\n}\n", 4, 14,
     "missing required key \"requirement\"", "scenario-format"},
    {"both expect and forbid",
     BASE_HEAD "  \"checks\": [{\"id\": \"c\", \"requirement\": \"R\", \"forbid\": {\"event\": \"dns.query\"}, \"expect\": {\"event\": \"dns.query\"}}]\n}\n",
     4, 14, "exactly one of", "forbid"},
    {"bad timer",
     BASE_HEAD "  \"client\": {\"timers\": {\"retries\": 1.5}},\n" GOOD_CHECK, 4, 36, "whole number", "whole number"},
    {"zero timer",
     BASE_HEAD "  \"client\": {\"timers\": {\"timeout\": \"0ms\"}},\n" GOOD_CHECK, 4, 36, "longer than 0", "spin"},
    /* Each repeat of a key would have taken a slot of the scenario's 16 timers. */
    {"timer given twice",
     BASE_HEAD "  \"client\": {\"timers\": {\"timeout\": \"1s\", \"timeout\": \"1s\", \"timeout\": \"1s\", \"timeout\": \"1s\", "
     "\"timeout\": \"1s\", \"timeout\": \"1s\", \"timeout\": \"1s\", \"timeout\": \"1s\", \"timeout\": \"1s\", \"timeout\": \"1s\", "
     "\"timeout\": \"1s\", \"timeout\": \"1s\", \"timeout\": \"1s\", \"timeout\": \"1s\", \"timeout\": \"1s\", \"timeout\": \"1s\", "
     "\"timeout\": \"1s\", \"timeout\": \"1s\"}},\n" GOOD_CHECK, 4, 36, "given twice", "each timer once"},
};

static void test_bad_inputs(void **state) {
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
    const bad_case_t *c = &bad_cases[i];
    diag_t d;
    memset(&d, 0, sizeof d);
    scenario_t *sc = scenario_parse(c->text, "bad.json", &d);
    if (sc || d.line != c->line || d.col != c->col || !strstr(d.msg, c->msg_part) || !strstr(d.hint, c->hint_part)) {
      fprintf(stderr, "case \"%s\": got %s:%d:%d %s | hint: %s\n", c->name, d.file, d.line, d.col, d.msg, d.hint);
    }
    assert_null(sc);
    assert_string_equal(d.file, "bad.json");
    assert_int_equal(d.line, c->line);
    assert_int_equal(d.col, c->col);
    assert_non_null(strstr(d.msg, c->msg_part));
    assert_non_null(strstr(d.hint, c->hint_part));
  }
}

static void test_jsonpos(void **state) {
  const char *text = "{\n \"a\": [1, {\"b\": \"x\"}],\n \"c\": {\"d\": [true, false]}\n}";
  int line, col;
  assert_true(jsonpos_locate(text, "a/1/b", false, &line, &col));
  assert_int_equal(line, 2);
  assert_int_equal(col, 17);
  assert_true(jsonpos_locate(text, "c/d/1", false, &line, &col));
  assert_int_equal(line, 3);
  assert_int_equal(col, 20);
  assert_true(jsonpos_locate(text, "c", true, &line, &col));
  assert_int_equal(col, 2);
  assert_false(jsonpos_locate(text, "c/zz", false, &line, &col));
  assert_int_equal(line, 3); /* the deepest container that exists */
}

static void test_durations(void **state) {
  int64_t ms = -1;
  assert_true(dur_parse("250ms", &ms));
  assert_int_equal(ms, 250);
  assert_true(dur_parse("1.5s", &ms));
  assert_int_equal(ms, 1500);
  assert_true(dur_parse("2m", &ms));
  assert_int_equal(ms, 120000);
  ms = 42;
  assert_false(dur_parse("5", &ms));
  assert_false(dur_parse("-1s", &ms));
  assert_false(dur_parse("1 s", &ms));
  assert_false(dur_parse("9999h", &ms));
  assert_false(dur_parse("", &ms));
  assert_int_equal(ms, 42);
}

static int64_t param_ms(const sc_step_t *st, const char *name) {
  int64_t ms = -1;
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st->params, name));
  assert_non_null(v);
  assert_true(dur_parse(v, &ms));
  return ms;
}

/* --time-scale scales every parameter the fault table types as a duration,
 * a default as much as a value written out, and nothing else. */
static void test_scale_fault_params(void **state) {
  diag_t d;
  scenario_t *sc = scenario_parse(
      "{\"id\": \"s\", \"duration\": \"5s\", \"timeline\": [\n"
      " {\"id\": \"slow\", \"at\": \"0s\", \"action\": \"dns.slow\", \"target\": \"dns\",\n"
      "  \"params\": {\"name\": \"a.example\", \"delay\": \"600ms\"}},\n"
      " {\"id\": \"late\", \"at\": \"0s\", \"action\": \"svc.slow\", \"target\": \"pcc1\"},\n"
      " {\"id\": \"short\", \"at\": \"0s\", \"action\": \"dns.ttl\", \"target\": \"dns\", \"params\": {\"ttl\": 1}}],\n"
      " \"checks\": [{\"id\": \"c\", \"requirement\": \"BC-DNS-01\", \"expect\": {\"event\": \"dns.query\"}, \"within\": \"1s\"}]}",
      "scale.json", &d);
  if (!sc) diag_print(&d, stderr);
  assert_non_null(sc);
  assert_true(sc->time_scale == 1);
  assert_int_equal(param_ms(&sc->steps[0], "delay"), 600);
  assert_int_equal(param_ms(&sc->steps[1], "delay"), 1000); /* the table's default, written in */
  scenario_scale(sc, 4);
  assert_true(sc->time_scale == 4);
  assert_int_equal(param_ms(&sc->steps[0], "delay"), 2400);
  assert_int_equal(param_ms(&sc->steps[1], "delay"), 4000);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(sc->steps[0].params, "name")), "a.example");
  assert_int_equal(cJSON_GetObjectItem(sc->steps[2].params, "ttl")->valueint, 1); /* a count of seconds on the wire */
  scenario_scale(sc, 0.5);
  assert_true(sc->time_scale == 2);
  assert_int_equal(param_ms(&sc->steps[0], "delay"), 1200);
  scenario_free(sc);
}

/* Every default in the fault table is one a scenario could write, and the
 * loader writes it with the parameter's type: a duration as a string, a whole
 * number as a JSON number (the world reads numbers only). */
static void test_param_defaults(void **state) {
  int n_dur = 0, n_int = 0;
  for (int i = 0; i < cat_n_actions; i++)
    for (const cat_param_t *p = cat_actions[i].params; p && p->name; p++) {
      if (!p->def) continue;
      cJSON *params = cJSON_CreateObject();
      assert_true(cat_fill_defaults(&cat_actions[i], params));
      const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, p->name);
      int64_t ms;
      char *end = NULL;
      long whole;
      switch (p->type) {
      case CAT_DUR:
        assert_true(dur_parse(p->def, &ms) && cJSON_IsString(v) && strcmp(v->valuestring, p->def) == 0);
        n_dur++;
        break;
      case CAT_INT:
        whole = strtol(p->def, &end, 10);
        assert_true(*p->def && !*end && cJSON_IsNumber(v) && v->valuedouble == (double)whole);
        n_int++;
        break;
      default:
        assert_true(cJSON_IsString(v));
      }
      cJSON_Delete(params);
    }
  assert_true(n_dur > 0 && n_int > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mission_file_loads), cmocka_unit_test(test_profiles_load),
      cmocka_unit_test(test_bad_inputs),         cmocka_unit_test(test_jsonpos),
      cmocka_unit_test(test_durations),          cmocka_unit_test(test_scale_fault_params),
      cmocka_unit_test(test_param_defaults),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
