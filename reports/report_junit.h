/* report_junit: junit.xml, for CI systems that read JUnit results.
 *
 * One <testsuite> per scenario and one <testcase> per check. A failed check
 * is a <failure> whose message is the check's and whose body is the
 * evidence; a scenario the harness could not judge is an <error>; checks
 * that are unsupported, disabled or expected to fail (xfail) are <skipped>
 * with the reason. The shape is the one Jenkins, GitLab and the xunit
 * parsers share; tests/schemas/junit.xsd describes it and the suite
 * validates every run's file against it. */
#ifndef BC_REPORT_JUNIT_H
#define BC_REPORT_JUNIT_H
#include <cjson/cJSON.h>

/* Renders a report (as built by report_json) as JUnit XML. Returns a
 * malloc'd NUL-terminated string, or NULL when out of memory. */
char *report_junit_render(const cJSON *report);
#endif
