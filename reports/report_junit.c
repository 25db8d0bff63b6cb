#include "reports/report_junit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/markup.h"
#include "harness/report_json.h"
#include "harness/verdict.h"

/* Whether a result object (a scenario, a check) has this verdict; one that names none has none. */
static bool is(const cJSON *obj, verdict_t want) {
  verdict_t v;
  return verdict_parse(report_str(obj, "verdict"), &v) && v == want;
}

/* The element a check's verdict becomes in its testcase. CI goes red on a
 * failure and on an xpass (an expected failure that passed: the vendor
 * profile is out of date), shows an error as the harness's, and skips what
 * was not judged or was waived; a pass has none. */
static const char *const junit_element[] = {
    [VERDICT_PASS] = NULL,           [VERDICT_FAIL] = "failure",  [VERDICT_ERROR] = "error",
    [VERDICT_UNSUPPORTED] = "skipped", [VERDICT_XFAIL] = "skipped", [VERDICT_XPASS] = "failure",
    [VERDICT_DISABLED] = "skipped",
};
_Static_assert(sizeof junit_element / sizeof junit_element[0] == VERDICT_KINDS, "every verdict has an element");

/* A check's element; "skipped" for a verdict that is none: nothing was judged. */
static const char *check_element(const cJSON *k) {
  verdict_t v;
  return verdict_parse(report_str(k, "verdict"), &v) ? junit_element[v] : "skipped";
}

typedef struct counts {
  int tests, failures, errors, skipped;
} counts_t;

/* A scenario that produced no checks still needs one testcase, or CI tools
 * would show an empty, green suite for a lab that never ran. */
static bool needs_scenario_case(const cJSON *s) {
  const cJSON *checks = cJSON_GetObjectItemCaseSensitive(s, "checks");
  return cJSON_GetArraySize(checks) == 0 || is(s, VERDICT_ERROR) || is(s, VERDICT_DISABLED) || is(s, VERDICT_UNSUPPORTED);
}

static counts_t count(const cJSON *s) {
  counts_t c = {0};
  const cJSON *checks = cJSON_GetObjectItemCaseSensitive(s, "checks");
  for (const cJSON *k = checks ? checks->child : NULL; k; k = k->next) {
    c.tests++;
    const char *element = check_element(k);
    if (!element) continue;
    if (strcmp(element, "failure") == 0) c.failures++;
    else if (strcmp(element, "error") == 0) c.errors++;
    else c.skipped++;
  }
  if (needs_scenario_case(s)) {
    c.tests++;
    if (is(s, VERDICT_DISABLED) || is(s, VERDICT_UNSUPPORTED)) c.skipped++;
    else if (is(s, VERDICT_ERROR) || cJSON_GetArraySize(checks) == 0) c.errors++;
  }
  return c;
}

static void write_check(FILE *o, const char *scenario_id, const cJSON *k) {
  fputs("    <testcase classname=\"", o);
  markup_printf(o, "bcsim.%s", scenario_id);
  fputs("\" name=\"", o);
  markup_printf(o, "%s [%s]", report_str(k, "id"), report_check_proves(k));
  fputs("\" time=\"0\">\n", o);
  const char *v = report_str(k, "verdict"), *element = check_element(k);
  if (element) {
    fprintf(o, "      <%s message=\"", element);
    markup_printf(o, "%s: %s", v, report_str(k, "message"));
    fputs("\"", o);
    if (strcmp(element, "skipped") != 0) {
      fputs(" type=\"", o);
      markup_text(o, report_check_proves(k));
      fputs("\"", o);
    }
    fputs(">", o);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(k, "evidence");
    if (strcmp(element, "skipped") != 0) {
      markup_text(o, report_str(k, "description"));
      fputs("\nevidence: ", o);
      char *text = ev ? cJSON_Print(ev) : NULL;
      markup_text(o, text ? text : "{}");
      cJSON_free(text);
      fputs("\n", o);
    }
    fprintf(o, "</%s>\n", element);
  }
  fputs("    </testcase>\n", o);
}

static void write_scenario(FILE *o, const cJSON *s) {
  counts_t c = count(s);
  const char *id = report_str(s, "id");
  const cJSON *dur = cJSON_GetObjectItemCaseSensitive(s, "duration_s");
  fputs("  <testsuite name=\"", o);
  markup_text(o, id);
  fprintf(o, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n", c.tests, c.failures,
          c.errors, c.skipped, cJSON_IsNumber(dur) ? dur->valuedouble : 0.0);
  fputs("    <properties>\n", o);
  static const char *const props[] = {"title", "file", "verdict"};
  for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
    fprintf(o, "      <property name=\"%s\" value=\"", props[i]);
    markup_text(o, report_str(s, props[i]));
    fputs("\"/>\n", o);
  }
  fputs("    </properties>\n", o);
  const cJSON *checks = cJSON_GetObjectItemCaseSensitive(s, "checks");
  for (const cJSON *k = checks ? checks->child : NULL; k; k = k->next) write_check(o, id, k);
  if (needs_scenario_case(s)) {
    fputs("    <testcase classname=\"", o);
    markup_printf(o, "bcsim.%s", id);
    fputs("\" name=\"scenario\" time=\"0\">\n", o);
    const char *why = *report_str(s, "error") ? report_str(s, "error") : *report_str(s, "reason") ? report_str(s, "reason") : "no check was judged";
    if (is(s, VERDICT_DISABLED) || is(s, VERDICT_UNSUPPORTED)) fputs("      <skipped message=\"", o);
    else fputs("      <error type=\"harness\" message=\"", o);
    markup_text(o, why);
    fputs("\"/>\n    </testcase>\n", o);
  }
  const cJSON *art = cJSON_GetObjectItemCaseSensitive(s, "artifacts");
  if (art) {
    fputs("    <system-out>", o);
    for (const cJSON *a = art->child; a; a = a->next) markup_printf(o, "%s: %s\n", a->string, cJSON_GetStringValue(a));
    fputs("</system-out>\n", o);
  }
  fputs("  </testsuite>\n", o);
}

/* The run's waivers, when its vendor profile applied any: a testsuite of their
 * own, with the run verdict (pass-with-waivers must show in the CI's test
 * view, not only in report.json) and one skipped testcase per waiver. */
static counts_t write_waivers(FILE *o, const cJSON *report) {
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(report, "summary");
  const cJSON *waivers = cJSON_GetObjectItemCaseSensitive(sum, "waivers");
  counts_t c = {cJSON_GetArraySize(waivers), 0, 0, cJSON_GetArraySize(waivers)};
  if (!c.tests) return c;
  fprintf(o, "  <testsuite name=\"waivers\" tests=\"%d\" failures=\"0\" errors=\"0\" skipped=\"%d\" time=\"0\">\n",
          c.tests, c.skipped);
  fputs("    <properties>\n      <property name=\"verdict\" value=\"", o);
  markup_text(o, report_str(sum, "verdict"));
  fputs("\"/>\n    </properties>\n", o);
  for (const cJSON *w = waivers->child; w; w = w->next) {
    fputs("    <testcase classname=\"bcsim.waivers\" name=\"", o);
    markup_printf(o, "%s %s", report_str(w, "list"), report_str(w, "match"));
    fputs("\" time=\"0\">\n      <skipped message=\"", o);
    const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(w, "requirements");
    markup_text(o, "waives");
    for (const cJSON *r = reqs ? reqs->child : NULL; r; r = r->next)
      markup_printf(o, " %s (%s)", report_str(r, "id"), report_str(r, "level"));
    markup_printf(o, " in %d checks: %s", (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(w, "checks")),
                  report_str(w, "reason"));
    fputs("\"/>\n    </testcase>\n", o);
  }
  fputs("  </testsuite>\n", o);
  return c;
}

char *report_junit_render(const cJSON *report) {
  char *buf = NULL;
  size_t len = 0;
  FILE *o = open_memstream(&buf, &len);
  if (!o) return NULL;
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(report, "scenarios");
  counts_t total = {0};
  double time = 0;
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
    counts_t c = count(s);
    total.tests += c.tests;
    total.failures += c.failures;
    total.errors += c.errors;
    total.skipped += c.skipped;
    const cJSON *dur = cJSON_GetObjectItemCaseSensitive(s, "duration_s");
    time += cJSON_IsNumber(dur) ? dur->valuedouble : 0.0;
  }
  const cJSON *client = cJSON_GetObjectItemCaseSensitive(report, "client");
  int n_waivers = cJSON_GetArraySize(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(report, "summary"), "waivers"));
  total.tests += n_waivers;
  total.skipped += n_waivers;
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", o);
  markup_printf(o, "bcsim: %s", report_str(client, "name"));
  fprintf(o, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n", total.tests,
          total.failures, total.errors, total.skipped, time);
  write_waivers(o, report);
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) write_scenario(o, s);
  fputs("</testsuites>\n", o);
  if (fclose(o) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}
