#include "reports/report_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

cJSON *report_scenario(const scenario_t *sc, const check_result_t *results, verdict_t verdict,
                       double duration_s, const char *error) {
  cJSON *s = cJSON_CreateObject();
  cJSON_AddStringToObject(s, "id", sc->id);
  cJSON_AddStringToObject(s, "title", sc->title);
  cJSON_AddStringToObject(s, "file", sc->path);
  cJSON_AddStringToObject(s, "verdict", verdict_name(verdict));
  cJSON_AddNumberToObject(s, "duration_s", duration_s);
  cJSON *tags = cJSON_AddArrayToObject(s, "tags");
  for (int i = 0; i < sc->n_tags; i++) cJSON_AddItemToArray(tags, cJSON_CreateString(sc->tags[i]));
  if (error) cJSON_AddStringToObject(s, "error", error);
  cJSON *checks = cJSON_AddArrayToObject(s, "checks");
  for (int i = 0; results && i < sc->n_checks; i++) {
    const check_result_t *r = &results[i];
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "id", r->check->id);
    cJSON_AddStringToObject(c, "requirement", r->check->requirement);
    cJSON_AddStringToObject(c, "class", check_class(r->check));
    cJSON_AddStringToObject(c, "description", r->check->description);
    cJSON_AddStringToObject(c, "verdict", verdict_name(r->verdict));
    cJSON_AddStringToObject(c, "message", r->message);
    cJSON_AddItemToObject(c, "evidence", r->evidence ? cJSON_Duplicate(r->evidence, 1) : cJSON_CreateObject());
    cJSON_AddItemToArray(checks, c);
  }
  cJSON *art = cJSON_AddObjectToObject(s, "artifacts");
  char buf[600];
  snprintf(buf, sizeof buf, "%s/capture.pcap", sc->id);
  cJSON_AddStringToObject(art, "capture", buf);
  snprintf(buf, sizeof buf, "%s/events.jsonl", sc->id);
  cJSON_AddStringToObject(art, "events", buf);
  snprintf(buf, sizeof buf, "%s/services.log", sc->id);
  cJSON_AddStringToObject(art, "services_log", buf);
  snprintf(buf, sizeof buf, "%s/client.log", sc->id);
  cJSON_AddStringToObject(art, "client_log", buf);
  return s;
}

cJSON *report_scenario_error(const char *id, const char *file, const char *error) {
  cJSON *s = cJSON_CreateObject();
  cJSON_AddStringToObject(s, "id", id);
  cJSON_AddStringToObject(s, "file", file);
  cJSON_AddStringToObject(s, "verdict", "error");
  cJSON_AddStringToObject(s, "error", error);
  cJSON_AddArrayToObject(s, "checks");
  return s;
}

cJSON *report_new(const char *client_name, const char *client_profile) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddNumberToObject(r, "schema_version", REPORT_SCHEMA_VERSION);
  cJSON *tool = cJSON_AddObjectToObject(r, "tool");
  cJSON_AddStringToObject(tool, "name", "bcsim");
  cJSON_AddStringToObject(tool, "version", BCSIM_VERSION);
  cJSON *client = cJSON_AddObjectToObject(r, "client");
  cJSON_AddStringToObject(client, "name", client_name);
  cJSON_AddStringToObject(client, "profile", client_profile);
  cJSON_AddArrayToObject(r, "scenarios");
  return r;
}

void report_add(cJSON *report, cJSON *scenario) {
  cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(report, "scenarios"), scenario);
}

int report_summarize(cJSON *report, int interrupted) {
  static const char *const names[] = {"pass", "fail", "error", "unsupported", "xfail", "xpass", "disabled"};
  int scen[7] = {0}, checks[7] = {0}, n = 0;
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(report, "scenarios");
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
    n++;
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "verdict"));
    int k = 2;
    for (int i = 0; v && i < 7; i++)
      if (strcmp(v, names[i]) == 0) k = i;
    scen[k]++;
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(s, "checks");
    for (const cJSON *c = cs ? cs->child : NULL; c; c = c->next) {
      const char *cv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "verdict"));
      int j = 2;
      for (int i = 0; cv && i < 7; i++)
        if (strcmp(cv, names[i]) == 0) j = i;
      checks[j]++;
    }
  }
  cJSON_DeleteItemFromObjectCaseSensitive(report, "summary");
  cJSON *sum = cJSON_AddObjectToObject(report, "summary");
  cJSON_AddNumberToObject(sum, "scenarios", n);
  cJSON_AddNumberToObject(sum, "passed", scen[0]);
  cJSON_AddNumberToObject(sum, "failed", scen[1]);
  cJSON_AddNumberToObject(sum, "errors", scen[2]);
  cJSON_AddNumberToObject(sum, "disabled", scen[6]);
  cJSON *cj = cJSON_AddObjectToObject(sum, "checks");
  for (int i = 0; i < 7; i++) cJSON_AddNumberToObject(cj, names[i], checks[i]);
  cJSON_AddBoolToObject(sum, "interrupted", interrupted != 0);
  int code = scen[2] ? 3 : scen[1] ? 1 : 0;
  if (interrupted) code = 130;
  cJSON_AddStringToObject(sum, "verdict", code == 0 ? "pass" : code == 1 ? "fail" : code == 3 ? "error" : "interrupted");
  return code;
}

const char *report_str(const cJSON *obj, const char *key) {
  const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
  return s ? s : "";
}

const char *report_check_proves(const cJSON *check) {
  return *report_str(check, "requirement") ? report_str(check, "requirement") : report_str(check, "class");
}

int report_write_file(const cJSON *obj, const char *path) {
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
  char *text = cJSON_Print(obj);
  FILE *f = text ? fopen(tmp, "w") : NULL;
  int rc = -1;
  if (!f) goto out;
  if (fputs(text, f) >= 0 && fputc('\n', f) != EOF) rc = 0;
  if (fclose(f) != 0) rc = -1;
  if (rc == 0 && rename(tmp, path) != 0) rc = -1;
  if (rc != 0) unlink(tmp);
out:
  cJSON_free(text);
  return rc;
}
