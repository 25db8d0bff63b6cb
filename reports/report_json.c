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
  cJSON *about = cJSON_AddArrayToObject(s, "requirements");
  for (int i = 0; i < sc->n_about; i++) cJSON_AddItemToArray(about, cJSON_CreateString(sc->about[i]));
  if (verdict == VERDICT_UNSUPPORTED && results) {
    char why[256];
    check_why_unsupported(sc, results, why, sizeof why);
    cJSON_AddStringToObject(s, "reason", why);
  }
  cJSON *checks = cJSON_AddArrayToObject(s, "checks");
  for (int i = 0; results && i < sc->n_checks; i++) {
    const check_result_t *r = &results[i];
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "id", r->check->id);
    cJSON_AddStringToObject(c, "requirement", r->check->requirement);
    cJSON_AddStringToObject(c, "class", check_class(r->check));
    cJSON_AddStringToObject(c, "level", scenario_check_level(r->check));
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

/* Per requirement and level: how many checks there were, and how many judged the client. */
static void count_requirement(cJSON *reqs, const cJSON *check, verdict_t v) {
  const char *req = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(check, "requirement"));
  const char *level = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(check, "level"));
  if (!req || !*req || !level) return;
  cJSON *r = cJSON_GetObjectItemCaseSensitive(reqs, req);
  if (!r) {
    r = cJSON_AddObjectToObject(reqs, req);
    static const char *const levels[] = {"network", "session"};
    for (int i = 0; i < 2; i++) {
      cJSON *l = cJSON_AddObjectToObject(r, levels[i]);
      cJSON_AddNumberToObject(l, "checks", 0);
      cJSON_AddNumberToObject(l, "judged", 0);
    }
  }
  cJSON *l = cJSON_GetObjectItemCaseSensitive(r, level);
  if (!l) return;
  cJSON *n = cJSON_GetObjectItemCaseSensitive(l, "checks");
  cJSON_SetNumberValue(n, n->valuedouble + 1);
  if (!verdict_judged(v)) return;
  n = cJSON_GetObjectItemCaseSensitive(l, "judged");
  cJSON_SetNumberValue(n, n->valuedouble + 1);
}

int report_summarize(cJSON *report, int interrupted) {
  int scen[7] = {0}, checks[7] = {0}, n = 0;
  cJSON *reqs = cJSON_CreateObject();
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(report, "scenarios");
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
    n++;
    verdict_t v = VERDICT_ERROR;
    (void)verdict_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "verdict")), &v);
    scen[v]++;
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(s, "checks");
    for (const cJSON *c = cs ? cs->child : NULL; c; c = c->next) {
      verdict_t cv = VERDICT_ERROR;
      (void)verdict_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "verdict")), &cv);
      checks[cv]++;
      count_requirement(reqs, c, cv);
    }
  }
  cJSON_DeleteItemFromObjectCaseSensitive(report, "summary");
  cJSON *sum = cJSON_AddObjectToObject(report, "summary");
  cJSON_AddNumberToObject(sum, "scenarios", n);
  cJSON_AddNumberToObject(sum, "passed", scen[VERDICT_PASS]);
  cJSON_AddNumberToObject(sum, "failed", scen[VERDICT_FAIL]);
  cJSON_AddNumberToObject(sum, "errors", scen[VERDICT_ERROR]);
  cJSON_AddNumberToObject(sum, "unsupported", scen[VERDICT_UNSUPPORTED]);
  cJSON_AddNumberToObject(sum, "disabled", scen[VERDICT_DISABLED]);
  cJSON *cj = cJSON_AddObjectToObject(sum, "checks");
  for (int i = 0; i < 7; i++) cJSON_AddNumberToObject(cj, verdict_name((verdict_t)i), checks[i]);
  cJSON_AddItemToObject(sum, "requirements", reqs);
  cJSON_AddBoolToObject(sum, "interrupted", interrupted != 0);
  int code = scen[VERDICT_ERROR] ? 3 : scen[VERDICT_FAIL] ? 1 : 0;
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

double report_check_at(const cJSON *check) {
  const cJSON *at = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(check, "evidence"), "at");
  return cJSON_IsNumber(at) && at->valuedouble >= 0 ? at->valuedouble : -1;
}

int report_checks_by_time(const cJSON *scenario, const cJSON **out, int max) {
  const cJSON *checks = cJSON_GetObjectItemCaseSensitive(scenario, "checks");
  int n = 0;
  for (const cJSON *c = checks ? checks->child : NULL; c && n < max; c = c->next) {
    /* Insertion sort, stable: a scenario has a few dozen checks. */
    double t = report_check_at(c);
    int k = n++;
    while (k > 0 && t >= 0 && (report_check_at(out[k - 1]) < 0 || report_check_at(out[k - 1]) > t)) {
      out[k] = out[k - 1];
      k--;
    }
    out[k] = c;
  }
  return n;
}

int report_write_file(const cJSON *obj, const char *path) {
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
  char *text = cJSON_Print(obj);
  FILE *f = text ? fopen(tmp, "we") : NULL;
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
