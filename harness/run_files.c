#include "harness/run_files.h"

#include "base/files.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "base/dur.h"
#include "harness/report_json.h"
#include "sim/pki/pki.h"

void run_files_keep_scenario(const char *path, const char *out_dir) {
  char copy[700];
  char *text = scenario_read_file(path);
  snprintf(copy, sizeof copy, "%s/scenario.json", out_dir);
  if (text) (void)files_write_text(copy, text, 0644);
  free(text);
}

static int write_events(const char *out_dir, record_t *rec) {
  char path[700];
  snprintf(path, sizeof path, "%s/events.jsonl", out_dir);
  return tl_write_jsonl(record_timeline(rec), path);
}

int run_files_write_events(const char *out_dir, record_t *rec) {
  tl_sort(record_timeline(rec));
  return write_events(out_dir, rec);
}

/* What bcsim rejudge needs to judge the evidence again as this run did, and what the run cost. */
static void add_run_facts(cJSON *res, record_t *rec, const run_files_result_t *r) {
  const scenario_t *sc = r->sc;
  /* The time it ran (duration_s) against the time it declared: shorter when its verdict was decided early. */
  cJSON_AddNumberToObject(res, "declared_duration_s", (double)sc->duration_ms / 1e3);
  if (r->decided_us >= 0) cJSON_AddNumberToObject(res, "decided_at_s", (double)r->decided_us / 1e6);
  if (r->stopped_when_failed) cJSON_AddStringToObject(res, "stopped_when_failed", r->stopped_when_failed);
  cJSON_AddStringToObject(res, "client", r->prof->name);
  cJSON_AddNumberToObject(res, "seed", (double)sc->seed);
  cJSON_AddNumberToObject(res, "time_scale", r->time_scale);
  cJSON *levels = cJSON_AddArrayToObject(res, "levels");
  cJSON_AddItemToArray(levels, cJSON_CreateString("network"));
  if (r->prof->speaks_session) cJSON_AddItemToArray(levels, cJSON_CreateString("session"));
  cJSON *timers = cJSON_AddObjectToObject(res, "timers");
  for (int i = 0; i < r->n_timers; i++) cJSON_AddNumberToObject(timers, r->timers[i].name, (double)r->timers[i].value);
  tl_t *tl = record_timeline(rec);
  if (tl_dropped(tl)) cJSON_AddNumberToObject(res, "events_dropped", (double)tl_dropped(tl));
  /* What the lab cost: a flood must not grow it without bound. */
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0) cJSON_AddNumberToObject(res, "lab_peak_rss_kb", (double)ru.ru_maxrss);
  uint64_t svc_cut = record_services_log_cut(rec);
  if (svc_cut) {
    cJSON *sl = cJSON_AddObjectToObject(res, "services_log");
    cJSON_AddNumberToObject(sl, "written", (double)(record_services_log_written(rec) + svc_cut));
    cJSON_AddNumberToObject(sl, "cut", (double)svc_cut);
  }
  if (r->client_log_cut) {
    cJSON *cl = cJSON_AddObjectToObject(res, "client_log");
    cJSON_AddNumberToObject(cl, "written", (double)r->client_log_written);
    cJSON_AddNumberToObject(cl, "cut", (double)r->client_log_cut);
  }
}

int run_files_write(const char *out_dir, record_t *rec, overhead_t *cost, const run_files_result_t *r) {
  char path[700];
  int rc = 0;
  int64_t t0 = dur_now_us();
  overhead_add(cost, OH_PKI, pki_spent_us());
  record_harness(rec, "harness.overhead", overhead_json(cost));
  if (write_events(out_dir, rec) < 0) rc = -1;
  cJSON *res = report_scenario(r->sc, r->results, r->verdict, r->duration_s, record_error(rec));
  add_run_facts(res, rec, r);
  overhead_add(cost, OH_OUTPUTS, dur_now_us() - t0);
  cJSON_AddItemToObject(res, "overhead", overhead_json(cost));
  snprintf(path, sizeof path, "%s/result.json", out_dir);
  if (report_write_file(res, path) < 0) rc = -1;
  cJSON_Delete(res);
  return rc;
}
