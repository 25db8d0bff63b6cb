#include "harness/profile.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "base/jsonpos.h"
#include "base/jsonv.h"
#include "base/strv.h"

bool profile_placeholder_known(const char *name) {
  static const char *const names[] = {"bindir", "profile_dir", "config", "state_dir", "bc_domain", "app",
                                      "thumbprint", "trust_store"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(name, names[i]) == 0) return true;
  if (strncmp(name, "timer.", 6) == 0) {
    for (int i = 0; i < sc_n_timer_names; i++)
      if (strcmp(name + 6, sc_timer_names[i]) == 0) return true;
  }
  return false;
}

static const char *known_or_null(void *ctx, const char *name) {
  return profile_placeholder_known(name) ? "" : NULL;
}

static bool parse_argv(jsonv_t *v, const cJSON *root, const char *key, bool required, char **argv, int *argc) {
  char path[96], msg[256], bad[128];
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, key);
  if (!a && !required) return true;
  if (!cJSON_IsArray(a) || !a->child) {
    snprintf(msg, sizeof msg, "\"%s\" must be a non-empty array of strings", key);
    return jsonv_fail(v, a ? key : "", false, "write [\"/path/to/client\", \"--flag\", \"${config}\"]", msg);
  }
  int i = 0;
  for (const cJSON *it = a->child; it; it = it->next, i++) {
    snprintf(path, sizeof path, "%s/%d", key, i);
    if (!cJSON_IsString(it) || *argc >= PROFILE_MAX_ARGS - 1)
      return jsonv_fail(v, path, false, "every argument is a string", "bad command argument");
    char *probe = strv_expand(it->valuestring, known_or_null, NULL, bad, sizeof bad);
    if (!probe) {
      snprintf(msg, sizeof msg, "unknown placeholder ${%s}", bad);
      return jsonv_fail(v, path, false,
                        "placeholders: ${bindir} ${profile_dir} ${config} ${state_dir} ${bc_domain} "
                        "${app} ${timer.keepalive|timeout|retries|backoff}", msg);
    }
    free(probe);
    argv[(*argc)++] = strdup(it->valuestring);
  }
  return true;
}

/* "artefacts": globs below the profile's folder. A certificate names files
 * relative to that folder, so a glob that could leave it is refused. */
static bool parse_artefacts(jsonv_t *v, const cJSON *root, profile_t *p) {
  static const char hint[] = "write [\"bin/my-client\", \"lib/*.py\"]: paths or globs relative to the profile's folder";
  char path[64];
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "artefacts");
  if (!a) return true;
  if (!cJSON_IsArray(a) || !a->child)
    return jsonv_fail(v, "artefacts", false, hint, "\"artefacts\" must be a non-empty array of strings");
  int i = 0;
  for (const cJSON *it = a->child; it; it = it->next, i++) {
    snprintf(path, sizeof path, "artefacts/%d", i);
    if (p->n_artefacts >= PROFILE_MAX_ARTEFACTS)
      return jsonv_fail(v, path, false, "use globs, or name a folder: every file below it is hashed", "too many artefacts");
    const char *s = cJSON_GetStringValue(it);
    if (!s || !*s || strlen(s) >= sizeof p->artefacts[0])
      return jsonv_fail(v, path, false, hint, "an artefact must be a non-empty path");
    if (*s == '/' || strcmp(s, "..") == 0 || strncmp(s, "../", 3) == 0 || strstr(s, "/../") ||
        (strlen(s) >= 3 && strcmp(s + strlen(s) - 3, "/..") == 0))
      return jsonv_fail(v, path, false, "ship the client's files beside its profile, or put the profile beside them",
                        "an artefact must lie below the profile's folder (no absolute path, no \"..\")");
    snprintf(p->artefacts[p->n_artefacts], sizeof p->artefacts[0], "%s", s);
    jsonpos_locate(v->text, path, false, &p->artefact_line[p->n_artefacts], &p->artefact_col[p->n_artefacts]);
    p->n_artefacts++;
  }
  return true;
}

profile_t *profile_parse(const char *text, const char *path, diag_t *d) {
  static const char *const keys[] = {"name", "description", "command", "probe", "timers", "violates", "catch", "levels",
                                     "shows_on", "artefacts"};
  profile_t *p = calloc(1, sizeof *p);
  cJSON *root = NULL;
  bool ok = false;
  if (!p) goto out;
  snprintf(p->path, sizeof p->path, "%s", path);
  char tmp[512];
  snprintf(tmp, sizeof tmp, "%s", path);
  snprintf(p->dir, sizeof p->dir, "%s", dirname(tmp));
  root = jsonv_parse(text, path, d);
  jsonv_t v = {text, path, d, p, NULL};
  if (!root) goto out;
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "timers");
  const cJSON *catch = cJSON_GetObjectItemCaseSensitive(root, "catch");
  for (const cJSON *it = cJSON_IsArray(catch) ? catch->child : NULL; it && p->n_catch < 8; it = it->next)
    if (cJSON_IsString(it)) snprintf(p->catch_ids[p->n_catch++], SC_NAME, "%s", it->valuestring);
  p->speaks_session = true;
  const cJSON *levels = cJSON_GetObjectItemCaseSensitive(root, "levels");
  if (levels) {
    p->speaks_session = false;
    bool network = false;
    for (const cJSON *it = cJSON_IsArray(levels) ? levels->child : NULL; it; it = it->next) {
      if (cJSON_IsString(it) && strcmp(it->valuestring, "session") == 0) p->speaks_session = true;
      else if (cJSON_IsString(it) && strcmp(it->valuestring, "network") == 0) network = true;
      else {
        jsonv_fail(&v, "levels", false, "[\"network\"] or [\"network\", \"session\"]", "unknown level");
        goto out;
      }
    }
    if (!network) {
      jsonv_fail(&v, "levels", false, "every client speaks \"network\"", "\"levels\" must include \"network\"");
      goto out;
    }
  }
  char shows_on[16] = "wire";
  ok = jsonv_keys(&v, root, "", "a client profile", keys, 10) &&
       parse_artefacts(&v, root, p) &&
       jsonv_str(&v, root, "", "shows_on", false, shows_on, sizeof shows_on) &&
       jsonv_str(&v, root, "", "violates", false, p->violates, sizeof p->violates) &&
       jsonv_str(&v, root, "", "name", true, p->name, sizeof p->name) &&
       jsonv_str(&v, root, "", "description", false, p->description, sizeof p->description) &&
       parse_argv(&v, root, "command", true, p->argv, &p->argc) &&
       parse_argv(&v, root, "probe", false, p->probe_argv, &p->probe_argc) &&
       (!t || scenario_parse_timers(&v, t, "timers", p->timers, &p->n_timers));
  if (ok && strcmp(shows_on, "wire") != 0 && strcmp(shows_on, "session") != 0)
    ok = jsonv_fail(&v, "shows_on", false,
                    "\"wire\" (a network-level check can catch the defect) or \"session\" (only bcsim's protocol shows it)",
                    "unknown \"shows_on\"");
  p->shows_on_wire = strcmp(shows_on, "session") != 0;
out:
  cJSON_Delete(root);
  if (!ok) {
    profile_free(p);
    p = NULL;
  }
  return p;
}

profile_t *profile_load(const char *path, diag_t *d) {
  char *text = files_read(path, FILES_INPUT_MAX, NULL);
  if (!text) {
    diag_set(d, path, 0, 0, "profiles live in fixtures/clients/", "cannot read client profile: %s",
             strerror(errno ? errno : EIO));
    return NULL;
  }
  profile_t *p = profile_parse(text, path, d);
  free(text);
  return p;
}

void profile_free(profile_t *p) {
  if (!p) return;
  for (int i = 0; i < p->argc; i++) free(p->argv[i]);
  for (int i = 0; i < p->probe_argc; i++) free(p->probe_argv[i]);
  free(p);
}
