/* report_json: report.json, the machine-readable verdict of a run.
 *
 * Each scenario is judged inside its own lab, which writes one scenario
 * object (<out>/<id>/result.json); the outer process collects them into the
 * report, so a run that is interrupted still reports what finished. The
 * schema is documented in docs/report-format.md. */
#ifndef BC_REPORT_JSON_H
#define BC_REPORT_JSON_H
#include <cjson/cJSON.h>

#include "harness/check.h"

#define REPORT_SCHEMA_VERSION 1

/* A scenario's result object. error is NULL unless the harness failed. Returns a new object. */
cJSON *report_scenario(const scenario_t *sc, const check_result_t *results, verdict_t verdict,
                       double duration_s, const char *error);
/* A result for a scenario that never produced one (its lab died). */
cJSON *report_scenario_error(const char *id, const char *file, const char *error);
/* A new report for the given client profile. */
cJSON *report_new(const char *client_name, const char *client_profile);
/* Takes ownership of the scenario object. */
void report_add(cJSON *report, cJSON *scenario);
/* Recomputes the summary (counts, what was judged per requirement, the
 * waivers the vendor profile applied, the run verdict); returns the process
 * exit code the verdict implies (verdict_run_exit_code). */
int report_summarize(cJSON *report, int interrupted);
/* The verdict a scenario result must have: verdict_of_scenario over its
 * "checks" (verdict, class, requirement) and "requirements", or error when
 * its harness failed (it has an "error"), whatever its checks say
 * (verdict_of_scenario_run). why (may be NULL) gets the reason when that is
 * unsupported, else "". */
verdict_t report_judge_scenario(const cJSON *scenario, char *why, size_t len);
/* The verdict of a result object (a scenario or a check); error when it has
 * none, or one that is no verdict: nothing was proven. */
verdict_t report_verdict(const cJSON *obj);
/* A string field of a report object (a scenario, a check, the summary...),
 * or "" when it is missing or not a string: reports are read back from
 * files, so every field may be absent. */
const char *report_str(const cJSON *obj, const char *key);
/* What a check proves, for people: its requirement, or "precondition" for a
 * check of the scenario's premise, which names none. */
const char *report_check_proves(const cJSON *check);
/* When what decided a check happened (its evidence's "at": the offending
 * event, the needed match, or the end of the window searched), in seconds
 * since the scenario started; -1 for a check that was not judged. */
double report_check_at(const cJSON *check);
/* A scenario's checks in the order their evidence happened (stable; checks
 * with no time last, in file order) into out (room for max). Returns how many. */
int report_checks_by_time(const cJSON *scenario, const cJSON **out, int max);
/* Writes a result or report file atomically (files_write_json: a temporary
 * file, synced, then renamed). 0 or -1. */
int report_write_file(const cJSON *obj, const char *path);
#endif
