#include "base/jsonv.h"

#include <stdio.h>
#include <string.h>

#include "base/jsonpos.h"
#include "base/dur.h"

cJSON *jsonv_parse(const char *text, const char *file, diag_t *d) {
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
  if (!root) {
    int line, col;
    jsonpos_linecol(text, end ? (size_t)(end - text) : 0, &line, &col);
    diag_set(d, file, line, col, "check for a missing comma, quote or bracket just before this point",
             "invalid JSON");
  }
  return root;
}

bool jsonv_fail(jsonv_t *v, const char *path, bool at_key, const char *hint, const char *msg) {
  int line = 0, col = 0;
  jsonpos_locate(v->text, path, at_key, &line, &col);
  diag_set(v->d, v->file, line, col, hint, "%s", msg);
  if (v->all) diag_list_add(v->all, v->d);
  return false;
}

bool jsonv_warn(jsonv_t *v, const char *path, bool at_key, const char *hint, const char *msg) {
  diag_t w;
  int line = 0, col = 0;
  if (!v->all) return true;
  jsonpos_locate(v->text, path, at_key, &line, &col);
  diag_set(&w, v->file, line, col, hint, "%s", msg);
  w.level = DIAG_WARNING;
  diag_list_add(v->all, &w);
  return true;
}

bool jsonv_keys(jsonv_t *v, const cJSON *obj, const char *path, const char *what,
                       const char *const *allowed, size_t n) {
  char msg[512], hint[512], kpath[256];
  if (!cJSON_IsObject(obj)) {
    snprintf(msg, sizeof msg, "%s must be an object", what);
    return jsonv_fail(v, path, false, "write it as { \"key\": value, ... }", msg);
  }
  bool ok = true;
  for (const cJSON *it = obj->child; it; it = it->next) {
    bool known = false;
    for (size_t i = 0; i < n; i++) known = known || strcmp(it->string, allowed[i]) == 0;
    if (known) continue;
    snprintf(kpath, sizeof kpath, "%s%s%s", path, *path ? "/" : "", it->string);
    snprintf(msg, sizeof msg, "unknown key \"%s\" in %s", it->string, what);
    const char *near = diag_nearest(it->string, allowed, n);
    size_t used = 0;
    used += (size_t)snprintf(hint, sizeof hint, "%s%s%sallowed keys:", near ? "did you mean \"" : "",
                             near ? near : "", near ? "\"? " : "");
    for (size_t i = 0; i < n && used < sizeof hint; i++)
      used += (size_t)snprintf(hint + used, sizeof hint - used, " %s", allowed[i]);
    ok = jsonv_fail(v, kpath, true, hint, msg);
    if (!v->all) break; /* without a list only one can be told */
  }
  return ok;
}

bool jsonv_str(jsonv_t *v, const cJSON *obj, const char *path, const char *key, bool required,
                    char *out, size_t outlen) {
  char kpath[256], msg[256];
  snprintf(kpath, sizeof kpath, "%s%s%s", path, *path ? "/" : "", key);
  const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!it) {
    if (!required) return true;
    snprintf(msg, sizeof msg, "missing required key \"%s\"", key);
    return jsonv_fail(v, path, false, "add it; see docs/scenario-format.md", msg);
  }
  if (!cJSON_IsString(it) || !it->valuestring[0]) {
    snprintf(msg, sizeof msg, "\"%s\" must be a non-empty string", key);
    return jsonv_fail(v, kpath, false, "put the value in double quotes", msg);
  }
  if (strlen(it->valuestring) >= outlen) {
    snprintf(msg, sizeof msg, "\"%s\" is longer than %zu characters", key, outlen - 1);
    return jsonv_fail(v, kpath, false, "shorten it", msg);
  }
  snprintf(out, outlen, "%s", it->valuestring);
  return true;
}

bool jsonv_dur(jsonv_t *v, const cJSON *obj, const char *path, const char *key, bool required,
                    int64_t *out) {
  char text[64] = "", kpath[256], msg[256];
  snprintf(kpath, sizeof kpath, "%s%s%s", path, *path ? "/" : "", key);
  if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(obj, key))) {
    snprintf(msg, sizeof msg, "\"%s\" must be a non-empty string", key);
    return jsonv_fail(v, kpath, false, "durations need a unit, as a string: \"500ms\", \"2s\", \"1m\"", msg);
  }
  if (!jsonv_str(v, obj, path, key, required, text, sizeof text)) return false;
  if (!text[0]) return true;
  if (!dur_parse(text, out)) {
    snprintf(msg, sizeof msg, "bad duration \"%s\" for \"%s\"", text, key);
    return jsonv_fail(v, kpath, false, "write a number with a unit: \"500ms\", \"1.5s\", \"2m\", \"1h\"",
                   msg);
  }
  return true;
}

