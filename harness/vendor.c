#include "harness/vendor.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/check.h"
#include "base/files.h"
#include "base/jsonpos.h"
#include "base/jsonv.h"
#include "harness/spec.h"
#include "harness/verdict.h"
#include "harness/report_json.h"

#define VENDOR_MAX 128

/* The two lists of a profile, by the name they have in the file and in a waiver. */
enum { LIST_XFAIL, LIST_DISABLED, N_LISTS };
static const char *const list_names[N_LISTS] = {"expected_failures", "disabled"};

typedef struct entry {
  char match[128];
  char reason[256];
  bool waive_must; /* the vendor knowingly waives MUST requirements with it */
  bool used;
  int line, col;
} entry_t;

struct vendor {
  char path[512];
  char name[SC_NAME];
  int n[N_LISTS];
  entry_t lists[N_LISTS][VENDOR_MAX];
};

static bool parse_entries(jsonv_t *v, const cJSON *root, int list, entry_t *out, int *n) {
  static const char *const keys[] = {"match", "reason", "waive_must"};
  const char *key = list_names[list];
  char path[96];
  const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, key);
  if (!items) return true;
  if (!cJSON_IsArray(items))
    return jsonv_fail(v, key, false, "write [{\"match\": GLOB, \"reason\": TEXT}, ...]", "must be an array");
  int i = 0;
  for (const cJSON *it = items->child; it; it = it->next, i++) {
    snprintf(path, sizeof path, "%s/%d", key, i);
    if (*n >= VENDOR_MAX) return jsonv_fail(v, path, false, "use globs to cover more with one entry", "too many entries");
    entry_t *e = &out[(*n)++];
    char at[128];
    snprintf(at, sizeof at, "%s/match", path); /* errors about the entry point at what it matches */
    jsonpos_locate(v->text, at, false, &e->line, &e->col);
    if (!jsonv_keys(v, it, path, "an entry", keys, 3) || !jsonv_str(v, it, path, "match", true, e->match, sizeof e->match) ||
        !jsonv_str(v, it, path, "reason", true, e->reason, sizeof e->reason))
      return false;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(it, "waive_must");
    snprintf(at, sizeof at, "%s/waive_must", path);
    if (w && !cJSON_IsBool(w))
      return jsonv_fail(v, at, false, "write \"waive_must\": true (see docs/vendor-profile.md)",
                        "\"waive_must\" must be true or false");
    e->waive_must = cJSON_IsTrue(w);
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
       jsonv_str(&jv, root, "", "description", false, desc, sizeof desc);
  for (int l = 0; ok && l < N_LISTS; l++) ok = parse_entries(&jv, root, l, v->lists[l], &v->n[l]);
out:
  cJSON_Delete(root);
  if (!ok) {
    free(v);
    v = NULL;
  }
  return v;
}

vendor_t *vendor_load(const char *path, diag_t *d) {
  char *text = files_read(path, FILES_INPUT_MAX, NULL);
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

/* Whether an entry covers a check: by its requirement, its scenario's id, or "scenario/check". */
static bool entry_matches(const entry_t *e, const char *scenario, const char *check, const char *requirement) {
  char both[200];
  snprintf(both, sizeof both, "%s/%s", scenario, check ? check : "");
  return (requirement && *requirement && fnmatch(e->match, requirement, 0) == 0) || fnmatch(e->match, scenario, 0) == 0 ||
         (check && fnmatch(e->match, both, 0) == 0);
}

/* The MUST requirement an entry reaches (into req, and through what into via), or false. */
static bool reaches_must(const entry_t *e, scenario_t *const *scs, int n, char *req, size_t reqlen, char *via,
                         size_t vialen) {
  for (int i = 0; i < spec_count(); i++) {
    if (spec_level(spec_id(i)) == SPEC_MUST && fnmatch(e->match, spec_id(i), 0) == 0) {
      snprintf(req, reqlen, "%s", spec_id(i));
      snprintf(via, vialen, "by its ID");
      return true;
    }
  }
  for (int i = 0; i < n; i++) {
    for (int c = 0; c < scs[i]->n_checks; c++) {
      const sc_check_t *ck = &scs[i]->checks[c];
      if (spec_level(ck->requirement) != SPEC_MUST || !entry_matches(e, scs[i]->id, ck->id, ck->requirement)) continue;
      snprintf(req, reqlen, "%s", ck->requirement);
      snprintf(via, vialen, "through check %s/%s", scs[i]->id, ck->id);
      return true;
    }
  }
  return false;
}

bool vendor_check_levels(const vendor_t *v, scenario_t *const *scs, int n, diag_t *d) {
  for (int l = 0; l < N_LISTS; l++) {
    for (int i = 0; i < v->n[l]; i++) {
      const entry_t *e = &v->lists[l][i];
      char req[SC_NAME], via[160];
      if (e->waive_must || !reaches_must(e, scs, n, req, sizeof req, via, sizeof via)) continue;
      diag_set(d, v->path, e->line, e->col,
               "only a SHOULD requirement may be waived; narrow the glob, or add \"waive_must\": true with the reason "
               "and accept that the run is then pass-with-waivers, never pass (docs/vendor-profile.md)",
               "%s entry \"%s\" waives MUST requirement %s (%s)", list_names[l], e->match, req, via);
      return false;
    }
  }
  return true;
}

static entry_t *find(entry_t *list, int n, const char *scenario, const char *check, const char *requirement) {
  for (int i = 0; i < n; i++) {
    if (entry_matches(&list[i], scenario, check, requirement)) {
      list[i].used = true;
      return &list[i];
    }
  }
  return NULL;
}

const char *vendor_disabled_scenario(vendor_t *v, const char *scenario_id) {
  for (int i = 0; i < v->n[LIST_DISABLED]; i++) {
    entry_t *e = &v->lists[LIST_DISABLED][i];
    if (fnmatch(e->match, scenario_id, 0) == 0) {
      e->used = true;
      return e->reason;
    }
  }
  return NULL;
}

static void set_verdict(cJSON *obj, const char *verdict) {
  cJSON_ReplaceItemInObjectCaseSensitive(obj, "verdict", cJSON_CreateString(verdict));
}

/* Marks a check as changed by entry e of list l: docs/report-format.md ("waiver"). */
static void set_waiver(cJSON *check, int l, const entry_t *e) {
  cJSON *w = cJSON_CreateObject();
  cJSON_AddStringToObject(w, "list", list_names[l]);
  cJSON_AddStringToObject(w, "match", e->match);
  cJSON_AddStringToObject(w, "reason", e->reason);
  cJSON_AddBoolToObject(w, "waive_must", e->waive_must);
  cJSON_DeleteItemFromObjectCaseSensitive(check, "waiver");
  cJSON_AddItemToObject(check, "waiver", w);
}

void vendor_apply(vendor_t *v, cJSON *res) {
  const char *sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "id"));
  cJSON *checks = cJSON_GetObjectItemCaseSensitive(res, "checks");
  const char *disabled_why = NULL;
  if (!sid) return;
  for (cJSON *c = checks ? checks->child : NULL; c; c = c->next) {
    const char *cid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "id"));
    const char *req = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "requirement"));
    const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "message"));
    char note[1024];
    entry_t *e;
    verdict_t vd;
    if (!verdict_parse(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "verdict")), &vd)) continue;
    if (vd != VERDICT_ERROR && (e = find(v->lists[LIST_DISABLED], v->n[LIST_DISABLED], sid, cid, req))) {
      snprintf(note, sizeof note, "disabled by vendor profile %s: %s", v->name, e->reason);
      set_verdict(c, verdict_name(VERDICT_DISABLED));
      cJSON_ReplaceItemInObjectCaseSensitive(c, "message", cJSON_CreateString(note));
      set_waiver(c, LIST_DISABLED, e);
      if (!disabled_why) disabled_why = e->reason;
    } else if ((vd == VERDICT_FAIL || vd == VERDICT_PASS) && (e = find(v->lists[LIST_XFAIL], v->n[LIST_XFAIL], sid, cid, req))) {
      bool failed = vd == VERDICT_FAIL;
      snprintf(note, sizeof note, "%s (vendor profile %s: %s) %s", failed ? "expected failure" : "UNEXPECTED PASS of an expected failure",
               v->name, e->reason, msg ? msg : "");
      set_verdict(c, verdict_name(failed ? VERDICT_XFAIL : VERDICT_XPASS));
      cJSON_ReplaceItemInObjectCaseSensitive(c, "message", cJSON_CreateString(note));
      set_waiver(c, LIST_XFAIL, e);
    }
  }
  /* The scenario again, by the one scenario rule (harness/verdict.h), over the waived checks. */
  char why[512];
  verdict_t sv = report_judge_scenario(res, why, sizeof why);
  set_verdict(res, verdict_name(sv));
  cJSON_DeleteItemFromObjectCaseSensitive(res, "reason");
  if (sv == VERDICT_DISABLED && disabled_why) snprintf(why, sizeof why, "disabled by vendor profile %s: %s", v->name, disabled_why);
  if (why[0]) cJSON_AddStringToObject(res, "reason", why);
}

cJSON *vendor_disabled_result(vendor_t *v, const scenario_t *sc) {
  if (!vendor_disabled_scenario(v, sc->id)) return NULL;
  check_result_t results[SC_MAX_CHECKS];
  memset(results, 0, sizeof results);
  for (int i = 0; i < sc->n_checks; i++) {
    results[i].check = &sc->checks[i];
    results[i].verdict = VERDICT_DISABLED;
    results[i].matched_us = -1;
  }
  cJSON *res = report_scenario(sc, results, VERDICT_DISABLED, 0, NULL);
  cJSON_DeleteItemFromObjectCaseSensitive(res, "artifacts"); /* it never ran: there are none */
  vendor_apply(v, res); /* each check gets its message and waiver, the scenario its reason */
  return res;
}

int vendor_warn_unused(const vendor_t *v, FILE *to) {
  int n = 0;
  for (int l = 0; l < N_LISTS; l++) {
    for (int i = 0; i < v->n[l]; i++) {
      if (v->lists[l][i].used) continue;
      fprintf(to, "%s:%d: warning: %s entry \"%s\" matched nothing in this run\n", v->path, v->lists[l][i].line,
              list_names[l], v->lists[l][i].match);
      n++;
    }
  }
  return n;
}

bool vendor_has_waiver(const vendor_t *v, const cJSON *waiver, const char *scenario, const char *check,
                       const char *requirement) {
  const char *list = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(waiver, "list"));
  const char *match = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(waiver, "match"));
  const char *reason = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(waiver, "reason"));
  const cJSON *must = cJSON_GetObjectItemCaseSensitive(waiver, "waive_must");
  if (!list || !match || !reason || !cJSON_IsBool(must)) return false;
  for (int l = 0; l < N_LISTS; l++) {
    if (strcmp(list, list_names[l]) != 0) continue;
    for (int i = 0; i < v->n[l]; i++) {
      const entry_t *e = &v->lists[l][i];
      if (strcmp(e->match, match) == 0 && strcmp(e->reason, reason) == 0 && e->waive_must == cJSON_IsTrue(must) &&
          (!scenario || entry_matches(e, scenario, check, requirement)))
        return true;
    }
  }
  return false;
}
