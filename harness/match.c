#include "harness/match.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"

const char *const match_operators[] = {"not", "min", "max"};
const int match_n_operators = sizeof match_operators / sizeof match_operators[0];

/* ---- matching ---- */

/* A DNS name without its trailing dot (a copy), so "se1.x." and "se1.x" are one name. */
static char *undotted(const char *name) {
  size_t n = strlen(name);
  return strndup(name, n > 1 && name[n - 1] == '.' ? n - 1 : n);
}

static bool glob(ev_ftype_t type, const char *pattern, const char *value) {
  if (type != EV_DNS_NAME) return fnmatch(pattern, value, 0) == 0;
  char *p = undotted(pattern), *v = undotted(value);
  bool ok = p && v && fnmatch(p, v, FNM_CASEFOLD) == 0;
  free(p);
  free(v);
  return ok;
}

/* f may be NULL (a field the schema does not know); field NULL when the event lacks it. */
static bool value_matches(const ev_field_t *f, const cJSON *field, const cJSON *want) {
  if (cJSON_IsArray(want)) {
    for (const cJSON *alt = want->child; alt; alt = alt->next)
      if (value_matches(f, field, alt)) return true;
    return false;
  }
  if (cJSON_IsObject(want)) {
    const cJSON *neg = cJSON_GetObjectItemCaseSensitive(want, "not");
    if (neg) return !value_matches(f, field, neg);
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(want, "min"), *hi = cJSON_GetObjectItemCaseSensitive(want, "max");
    if (!cJSON_IsNumber(field) || (!lo && !hi)) return false;
    return (!cJSON_IsNumber(lo) || field->valuedouble >= lo->valuedouble) &&
           (!cJSON_IsNumber(hi) || field->valuedouble <= hi->valuedouble);
  }
  if (!field) return false;
  ev_ftype_t type = f ? f->type : EV_STRING;
  if (cJSON_IsString(want)) {
    if (cJSON_IsArray(field)) {
      for (const cJSON *a = field->child; a; a = a->next)
        if (cJSON_IsString(a) && glob(type, want->valuestring, a->valuestring)) return true;
      return false;
    }
    return cJSON_IsString(field) && glob(type, want->valuestring, field->valuestring);
  }
  if (cJSON_IsBool(want)) return cJSON_IsBool(field) && cJSON_IsTrue(want) == cJSON_IsTrue(field);
  if (cJSON_IsNumber(want)) return cJSON_IsNumber(field) && field->valuedouble == want->valuedouble;
  return false;
}

bool match_event(const cJSON *event, const char *type, const cJSON *match) {
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(event, "type");
  if (!cJSON_IsString(t) || strcmp(t->valuestring, type) != 0) return false;
  const ev_schema_t *s = events_find(type);
  for (const cJSON *m = match ? match->child : NULL; m; m = m->next) {
    const ev_field_t *f = s ? events_field(s, m->string) : NULL;
    if (!value_matches(f, cJSON_GetObjectItemCaseSensitive(event, m->string), m)) return false;
  }
  return true;
}

/* ---- examples ---- */

/* A string that the glob matches: '*' taken as nothing, '?' as 'x', a set as its first member. */
static void concretize(const char *glob, char *out, size_t len) {
  size_t o = 0;
  for (const char *p = glob; *p && o + 1 < len; p++) {
    if (*p == '*') continue;
    if (*p == '?') out[o++] = 'x';
    else if (*p == '[') {
      const char *end = strchr(p + 1, ']');
      if (!end) {
        out[o++] = *p;
        continue;
      }
      out[o++] = p[1] == '!' || p[1] == '^' ? '#' : p[1];
      p = end;
    } else if (*p == '\\' && p[1]) out[o++] = *++p;
    else out[o++] = *p;
  }
  out[o] = 0;
}

#define MAX_CANDIDATES 64

/* Candidate values from a match value: its literals (globs made concrete,
 * numbers and their neighbours), for every alternative and operator. */
static void candidates_of(const cJSON *want, cJSON *out) {
  char s[512];
  if (cJSON_GetArraySize(out) >= MAX_CANDIDATES) return;
  if (cJSON_IsArray(want) || cJSON_IsObject(want)) {
    for (const cJSON *it = want->child; it; it = it->next) candidates_of(it, out);
  } else if (cJSON_IsString(want)) {
    concretize(want->valuestring, s, sizeof s);
    cJSON_AddItemToArray(out, cJSON_CreateString(s));
  } else if (cJSON_IsNumber(want)) {
    for (int d = -1; d <= 1; d++) cJSON_AddItemToArray(out, cJSON_CreateNumber(want->valuedouble + d));
  } else if (cJSON_IsBool(want)) {
    cJSON_AddItemToArray(out, cJSON_CreateBool(cJSON_IsTrue(want)));
  }
}

cJSON *match_example(const char *type, const char *name, const cJSON *want, const cJSON *real) {
  const ev_schema_t *s = events_find(type);
  const ev_field_t *f = s ? events_field(s, name) : NULL;
  cJSON *cand = cJSON_CreateArray(), *found = NULL;
  if (!cand) return NULL;
  if (real) cJSON_AddItemToArray(cand, cJSON_Duplicate(real, 1));
  candidates_of(want, cand);
  /* Values no literal names, for "not": */
  cJSON_AddItemToArray(cand, cJSON_CreateString("#"));
  cJSON_AddItemToArray(cand, cJSON_CreateString(""));
  cJSON_AddItemToArray(cand, cJSON_CreateNumber(0));
  cJSON_AddItemToArray(cand, cJSON_CreateNumber(-1));
  cJSON_AddItemToArray(cand, cJSON_CreateFalse());
  cJSON_AddItemToArray(cand, cJSON_CreateTrue());
  for (const cJSON *c = cand->child; c && !found; c = c->next) {
    bool typed = !f || events_value_is(c, f->type == EV_ADDRESSES ? EV_STRING : f->type);
    if (typed && value_matches(f, c, want)) found = cJSON_Duplicate(c, 1);
  }
  cJSON_Delete(cand);
  return found;
}

/* ---- validation ---- */

/* What a value of field f may be, for hints. */
static const char *accepted(const ev_field_t *f) {
  switch (f->type) {
    case EV_INTEGER:
      return "write a whole number without quotes (200), a list of them ([200, 204]), a range ({\"min\": 200, "
             "\"max\": 299}) or {\"not\": ...}";
    case EV_NUMBER: return "write a number without quotes, a list of them, a range ({\"min\": 1.5}) or {\"not\": ...}";
    case EV_BOOLEAN: return "write true or false, without quotes";
    case EV_DNS_NAME:
      return "write a name in double quotes (a glob, any case: \"c2.*\"), a list of them, or {\"not\": ...}";
    default: return "write it in double quotes (a glob: \"pcc*\"), a list of them, or {\"not\": ...}";
  }
}

static bool wrong_type(jsonv_t *v, const char *path, const ev_field_t *f, const char *given) {
  char msg[256];
  snprintf(msg, sizeof msg, "\"%s\" is a%s %s field: %s never matches it", f->name,
           f->type == EV_INTEGER || f->type == EV_ADDRESS || f->type == EV_ADDRESSES ? "n" : "",
           events_type_name(f->type), given);
  return jsonv_fail(v, path, false, accepted(f), msg);
}

static bool validate_value(jsonv_t *v, const char *path, const ev_field_t *f, const cJSON *want, int depth);

static bool validate_range_end(jsonv_t *v, const char *path, const ev_field_t *f, const cJSON *end) {
  if (f->type != EV_INTEGER && f->type != EV_NUMBER) {
    char msg[256];
    snprintf(msg, sizeof msg, "a range needs a number field; \"%s\" is a %s", f->name, events_type_name(f->type));
    return jsonv_fail(v, path, false, accepted(f), msg);
  }
  if (!events_value_is(end, f->type))
    return jsonv_fail(v, path, false, accepted(f),
                      f->type == EV_INTEGER ? "a range's end must be a whole number" : "a range's end must be a number");
  return true;
}

static bool validate_operator(jsonv_t *v, const char *path, const ev_field_t *f, const cJSON *want, int depth) {
  char kpath[300], msg[256], hint[300];
  bool ok = true;
  const cJSON *neg = cJSON_GetObjectItemCaseSensitive(want, "not");
  const cJSON *lo = cJSON_GetObjectItemCaseSensitive(want, "min"), *hi = cJSON_GetObjectItemCaseSensitive(want, "max");
  for (const cJSON *it = want->child; it; it = it->next) {
    bool known = false;
    for (int i = 0; i < match_n_operators; i++) known = known || strcmp(it->string, match_operators[i]) == 0;
    if (known) continue;
    const char *near = diag_nearest(it->string, match_operators, (size_t)match_n_operators);
    snprintf(kpath, sizeof kpath, "%s/%s", path, it->string);
    snprintf(msg, sizeof msg, "unknown match operator \"%s\"", it->string);
    snprintf(hint, sizeof hint, "%s%s%san object value is an operator: {\"not\": VALUE} or {\"min\": N, \"max\": M}",
             near ? "did you mean \"" : "", near ? near : "", near ? "\"? " : "");
    ok = jsonv_fail(v, kpath, true, hint, msg);
  }
  if (!ok) return false;
  if (!want->child)
    return jsonv_fail(v, path, false, "write {\"not\": VALUE} or {\"min\": N, \"max\": M}", "an empty operator object");
  if (neg && (lo || hi))
    return jsonv_fail(v, path, false, "outside a range is {\"not\": {\"min\": N, \"max\": M}}",
                      "\"not\" cannot stand beside \"min\" or \"max\"");
  if (neg) {
    snprintf(kpath, sizeof kpath, "%s/not", path);
    return validate_value(v, kpath, f, neg, depth + 1);
  }
  if (lo) {
    snprintf(kpath, sizeof kpath, "%s/min", path);
    ok = validate_range_end(v, kpath, f, lo) && ok;
  }
  if (hi) {
    snprintf(kpath, sizeof kpath, "%s/max", path);
    ok = validate_range_end(v, kpath, f, hi) && ok;
  }
  if (ok && lo && hi && lo->valuedouble > hi->valuedouble)
    ok = jsonv_fail(v, path, false, "swap them: both ends are inside the range", "\"min\" is above \"max\": nothing matches");
  return ok;
}

static bool validate_value(jsonv_t *v, const char *path, const ev_field_t *f, const cJSON *want, int depth) {
  char ipath[300];
  if (depth > 8) return jsonv_fail(v, path, false, "write it flatter", "match value nested too deeply");
  if (cJSON_IsArray(want)) {
    if (!want->child) return jsonv_fail(v, path, false, "give at least one value, or drop the field", "an empty list matches nothing");
    bool ok = true;
    int i = 0;
    for (const cJSON *alt = want->child; alt; alt = alt->next, i++) {
      snprintf(ipath, sizeof ipath, "%s/%d", path, i);
      ok = validate_value(v, ipath, f, alt, depth + 1) && ok;
    }
    return ok;
  }
  if (cJSON_IsObject(want)) return validate_operator(v, path, f, want, depth);
  switch (f->type) {
    case EV_STRING:
    case EV_DNS_NAME:
    case EV_ADDRESS:
    case EV_ADDRESSES:
      return cJSON_IsString(want) || wrong_type(v, path, f, cJSON_IsNumber(want) ? "a number" : "this value");
    case EV_INTEGER:
      if (cJSON_IsString(want)) return wrong_type(v, path, f, "a string");
      if (!events_value_is(want, EV_INTEGER)) return wrong_type(v, path, f, cJSON_IsNumber(want) ? "a fraction" : "this value");
      return true;
    case EV_NUMBER: return cJSON_IsNumber(want) || wrong_type(v, path, f, cJSON_IsString(want) ? "a string" : "this value");
    case EV_BOOLEAN: return cJSON_IsBool(want) || wrong_type(v, path, f, cJSON_IsString(want) ? "a string" : "this value");
    case EV_OBJECT: break;
  }
  return wrong_type(v, path, f, "a value");
}

bool match_validate(jsonv_t *v, const char *path, const ev_schema_t *s, const cJSON *match) {
  char kpath[300], msg[256], hint[512];
  const char *names[64];
  bool ok = true;
  if (!cJSON_IsObject(match)) return jsonv_fail(v, path, false, "write { \"field\": value }", "\"match\" must be an object");
  for (const cJSON *m = match->child; m; m = m->next) {
    snprintf(kpath, sizeof kpath, "%s/%s", path, m->string);
    const ev_field_t *f = events_field(s, m->string);
    if (!f) {
      size_t n = events_field_names(s, names, 64);
      const char *near = diag_nearest(m->string, names, n);
      size_t used = (size_t)snprintf(hint, sizeof hint, "%s%s%s%s has:", near ? "did you mean \"" : "", near ? near : "",
                                     near ? "\"? " : "", s->type);
      for (size_t i = 0; i < n && used < sizeof hint; i++)
        used += (size_t)snprintf(hint + used, sizeof hint - used, " %s", names[i]);
      snprintf(msg, sizeof msg, "unknown field \"%s\" for %s: the check could never match", m->string, s->type);
      ok = jsonv_fail(v, kpath, true, hint, msg);
    } else if (f->type == EV_OBJECT) {
      snprintf(msg, sizeof msg, "\"%s\" is an object: it cannot be matched", m->string);
      ok = jsonv_fail(v, kpath, true, "match the fault by its step, name or target", msg);
    } else {
      ok = validate_value(v, kpath, f, m, 0) && ok;
    }
  }
  return ok;
}
