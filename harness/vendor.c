#include "harness/vendor.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/jsonpos.h"
#include "harness/jsonv.h"
#include "harness/scenario.h"
#include "harness/verdict.h"

#define VENDOR_MAX 128

typedef struct entry {
  char match[128];
  char reason[256];
  bool used;
  int line;
} entry_t;

struct vendor {
  char path[512];
  char name[SC_NAME];
  int n_xfail, n_disabled;
  entry_t xfail[VENDOR_MAX], disabled[VENDOR_MAX];
};

static bool parse_entries(jsonv_t *v, const cJSON *root, const char *key, entry_t *out, int *n) {
  static const char *const keys[] = {"match", "reason"};
  char path[96];
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, key);
  if (!list) return true;
  if (!cJSON_IsArray(list)) return jsonv_fail(v, key, false, "write [{\"match\": GLOB, \"reason\": TEXT}, ...]", "must be an array");
  int i = 0;
  for (const cJSON *it = list->child; it; it = it->next, i++) {
    snprintf(path, sizeof path, "%s/%d", key, i);
    if (*n >= VENDOR_MAX) return jsonv_fail(v, path, false, "use globs to cover more with one entry", "too many entries");
    entry_t *e = &out[(*n)++];
    int col;
    jsonpos_locate(v->text, path, false, &e->line, &col);
    if (!jsonv_keys(v, it, path, "an entry", keys, 2) || !jsonv_str(v, it, path, "match", true, e->match, sizeof e->match) ||
        !jsonv_str(v, it, path, "reason", true, e->reason, sizeof e->reason))
      return false;
  }
  return true;
}

vendor_t *vendor_parse(const char *text, const char *path, diag_t *d) {
  static const char *const keys[] = {"name", "description", "expected_failures", "disabled"};
  vendor_t *v = calloc(1, sizeof *v);
  cJSON *root = NULL;
  bool ok = false;
  if (!v) goto out;
  snprintf(v->path, sizeof v->path, "%s", path);
  root = jsonv_parse(text, path, d);
  jsonv_t jv = {text, path, d, v, NULL};
  char desc[256];
  ok = root && jsonv_keys(&jv, root, "", "a vendor profile", keys, 4) &&
       jsonv_str(&jv, root, "", "name", true, v->name, sizeof v->name) &&
       jsonv_str(&jv, root, "", "description", false, desc, sizeof desc) &&
       parse_entries(&jv, root, "expected_failures", v->xfail, &v->n_xfail) &&
       parse_entries(&jv, root, "disabled", v->disabled, &v->n_disabled);
out:
  cJSON_Delete(root);
  if (!ok) {
    free(v);
    v = NULL;
  }
  return v;
}

vendor_t *vendor_load(const char *path, diag_t *d) {
  char *text = scenario_read_file(path);
  if (!text) {
    diag_set(d, path, 0, 0, "vendor profiles live in fixtures/vendors/", "cannot read the vendor profile");
    return NULL;
  }
  vendor_t *v = vendor_parse(text, path, d);
  free(text);
  return v;
}

void vendor_free(vendor_t *v) { free(v); }
const char *vendor_name(const vendor_t *v) { return v->name; }

static entry_t *find(entry_t *list, int n, const char *scenario, const char *check, const char *requirement) {
  char both[200];
  snprintf(both, sizeof both, "%s/%s", scenario, check ? check : "");
  for (int i = 0; i < n; i++) {
    const char *m = list[i].match;
    if ((requirement && fnmatch(m, requirement, 0) == 0) || fnmatch(m, scenario, 0) == 0 ||
        (check && fnmatch(m, both, 0) == 0)) {
      list[i].used = true;
      return &list[i];
    }
  }
  return NULL;
}

const char *vendor_disabled_scenario(vendor_t *v, const char *scenario_id) {
  for (int i = 0; i < v->n_disabled; i++) {
    if (fnmatch(v->disabled[i].match, scenario_id, 0) == 0) {
      v->disabled[i].used = true;
      return v->disabled[i].reason;
    }
  }
  return NULL;
}

static void set_verdict(cJSON *obj, const char *verdict) {
  cJSON_ReplaceItemInObjectCaseSensitive(obj, "verdict", cJSON_CreateString(verdict));
}

void vendor_apply(vendor_t *v, cJSON *res) {
  const char *sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "id"));
  cJSON *checks = cJSON_GetObjectItemCaseSensitive(res, "checks");
  verdict_item_t items[SC_MAX_CHECKS];
  int n = 0;
  if (!sid) return;
  for (cJSON *c = checks ? checks->child : NULL; c && n < SC_MAX_CHECKS; c = c->next) {
    const char *cid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "id"));
    const char *req = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "requirement"));
    const char *verdict = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "verdict"));
    const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "message"));
    const char *cls = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "class"));
    char note[1024];
    entry_t *e;
    verdict_t vd;
    if (!verdict_parse(verdict, &vd)) continue;
    if (vd != VERDICT_ERROR && (e = find(v->disabled, v->n_disabled, sid, cid, req))) {
      snprintf(note, sizeof note, "disabled by vendor profile %s: %s", v->name, e->reason);
      vd = VERDICT_DISABLED;
      set_verdict(c, verdict_name(vd));
      cJSON_ReplaceItemInObjectCaseSensitive(c, "message", cJSON_CreateString(note));
    } else if ((vd == VERDICT_FAIL || vd == VERDICT_PASS) && (e = find(v->xfail, v->n_xfail, sid, cid, req))) {
      bool failed = vd == VERDICT_FAIL;
      snprintf(note, sizeof note, "%s (vendor profile %s: %s) %s", failed ? "expected failure" : "UNEXPECTED PASS of an expected failure",
               v->name, e->reason, msg ? msg : "");
      vd = failed ? VERDICT_XFAIL : VERDICT_XPASS;
      set_verdict(c, verdict_name(vd));
      cJSON_ReplaceItemInObjectCaseSensitive(c, "message", cJSON_CreateString(note));
    }
    items[n++] = (verdict_item_t){vd, cls && strcmp(cls, "precondition") == 0, req ? req : "", cid};
  }
  const char *sv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "verdict"));
  if (sv && strcmp(sv, "error") == 0) return; /* the harness failed: nothing to grade */
  const char *ids[SC_MAX_TAGS];
  verdict_about_t about = {ids, 0};
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(res, "requirements");
  for (const cJSON *r = list ? list->child : NULL; r && about.n < SC_MAX_TAGS; r = r->next)
    if (cJSON_IsString(r)) ids[about.n++] = r->valuestring;
  verdict_t sv2 = verdict_of_scenario(items, n, about);
  set_verdict(res, verdict_name(sv2));
  cJSON_DeleteItemFromObjectCaseSensitive(res, "reason");
  if (sv2 == VERDICT_UNSUPPORTED) {
    char why[256];
    verdict_why_unsupported(items, n, about, why, sizeof why);
    cJSON_AddStringToObject(res, "reason", why);
  }
}

int vendor_warn_unused(const vendor_t *v, FILE *to) {
  int n = 0;
  const entry_t *lists[2] = {v->xfail, v->disabled};
  int counts[2] = {v->n_xfail, v->n_disabled};
  for (int l = 0; l < 2; l++) {
    for (int i = 0; i < counts[l]; i++) {
      if (lists[l][i].used) continue;
      fprintf(to, "%s:%d: warning: %s entry \"%s\" matched nothing in this run\n", v->path, lists[l][i].line,
              l == 0 ? "expected_failures" : "disabled", lists[l][i].match);
      n++;
    }
  }
  return n;
}
