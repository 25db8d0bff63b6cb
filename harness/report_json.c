#include "harness/report_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "harness/buildinfo.h"
#include "harness/spec.h"

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
  cJSON_AddStringToObject(s, "verdict", verdict_name(VERDICT_ERROR));
  cJSON_AddStringToObject(s, "error", error);
  cJSON_AddArrayToObject(s, "checks");
  return s;
}

cJSON *report_new(const char *client_name, const char *client_profile) {
  cJSON *r = cJSON_CreateObject();
  cJSON_AddNumberToObject(r, "schema_version", REPORT_SCHEMA_VERSION);
  cJSON *tool = cJSON_AddObjectToObject(r, "tool");
  cJSON_AddStringToObject(tool, "name", "bcsim");
  cJSON_AddStringToObject(tool, "version", buildinfo_version());
  cJSON_AddStringToObject(tool, "commit", buildinfo_commit());
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

/* The waiver entry (of summary.waivers) a waived check's "waiver" belongs to: one per vendor
 * profile entry (list, match, reason), added on first sight. */
static cJSON *waiver_entry(cJSON *waivers, const cJSON *w) {
  for (cJSON *e = waivers->child; e; e = e->next)
    if (strcmp(report_str(e, "list"), report_str(w, "list")) == 0 && strcmp(report_str(e, "match"), report_str(w, "match")) == 0 &&
        strcmp(report_str(e, "reason"), report_str(w, "reason")) == 0)
      return e;
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "list", report_str(w, "list"));
  cJSON_AddStringToObject(e, "match", report_str(w, "match"));
  cJSON_AddStringToObject(e, "reason", report_str(w, "reason"));
  cJSON_AddBoolToObject(e, "waive_must", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(w, "waive_must")));
  cJSON_AddArrayToObject(e, "requirements");
  cJSON_AddNumberToObject(e, "checks", 0);
  cJSON_AddItemToArray(waivers, e);
  return e;
}

/* Notes a waived check in its waiver entry: one more check, and its requirement with its level. */
static void count_waiver(cJSON *waivers, const cJSON *check) {
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(check, "waiver");
  cJSON *e = waiver_entry(waivers, cJSON_IsObject(w) ? w : NULL);
  cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "checks");
  cJSON_SetNumberValue(n, n->valuedouble + 1);
  const char *req = report_str(check, "requirement");
  cJSON *reqs = cJSON_GetObjectItemCaseSensitive(e, "requirements");
  if (!*req) return; /* a precondition names none */
  for (const cJSON *r = reqs->child; r; r = r->next)
    if (strcmp(report_str(r, "id"), req) == 0) return;
  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "id", req);
  cJSON_AddStringToObject(r, "level", spec_level_name(spec_level(req)));
  cJSON_AddItemToArray(reqs, r);
}

int report_summarize(cJSON *report, int interrupted) {
  int scen[VERDICT_KINDS] = {0}, checks[VERDICT_KINDS] = {0}, n = 0;
  bool must_waived = false;
  cJSON *reqs = cJSON_CreateObject(), *waivers = cJSON_CreateArray();
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(report, "scenarios");
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
    n++;
    scen[report_verdict(s)]++;
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(s, "checks");
    for (const cJSON *c = cs ? cs->child : NULL; c; c = c->next) {
      verdict_t cv = report_verdict(c);
      checks[cv]++;
      count_requirement(reqs, c, cv);
      if (!verdict_waived(cv)) continue;
      count_waiver(waivers, c);
      must_waived = must_waived || spec_level(report_str(c, "requirement")) == SPEC_MUST;
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
  for (int i = 0; i < VERDICT_KINDS; i++) cJSON_AddNumberToObject(cj, verdict_name((verdict_t)i), checks[i]);
  cJSON_AddItemToObject(sum, "requirements", reqs);
  cJSON_AddItemToObject(sum, "waivers", waivers);
  cJSON_AddBoolToObject(sum, "interrupted", interrupted != 0);
  run_verdict_t v = verdict_of_run(scen[VERDICT_ERROR], scen[VERDICT_FAIL], must_waived, interrupted != 0);
  cJSON_AddStringToObject(sum, "verdict", verdict_run_name(v));
  return verdict_run_exit_code(v);
}

verdict_t report_judge_scenario(const cJSON *scenario, char *why, size_t len) {
  verdict_item_t items[SC_MAX_CHECKS];
  const char *ids[SC_MAX_TAGS];
  verdict_about_t about = {ids, 0};
  int n = 0;
  const cJSON *checks = cJSON_GetObjectItemCaseSensitive(scenario, "checks");
  for (const cJSON *c = checks ? checks->child : NULL; c && n < SC_MAX_CHECKS; c = c->next)
    items[n++] = (verdict_item_t){report_verdict(c), strcmp(report_str(c, "class"), "precondition") == 0,
                                  report_str(c, "requirement"), report_str(c, "id")};
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(scenario, "requirements");
  for (const cJSON *r = list ? list->child : NULL; r && about.n < SC_MAX_TAGS; r = r->next)
    if (cJSON_IsString(r)) ids[about.n++] = r->valuestring;
  bool harness_failed = *report_str(scenario, "error") != 0;
  if (why && harness_failed) why[0] = 0;
  else if (why) verdict_why_unsupported(items, n, about, why, len);
  return verdict_of_scenario_run(verdict_of_scenario(items, n, about), harness_failed);
}

verdict_t report_verdict(const cJSON *obj) {
  verdict_t v;
  return verdict_parse(report_str(obj, "verdict"), &v) ? v : VERDICT_ERROR;
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

int report_write_file(const cJSON *obj, const char *path) { return files_write_json(path, obj, 0666); }
