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

/* Appends the array at key to argv. required: it must be there. */
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

static void free_argv(char **argv, int *argc) {
  for (int i = 0; i < *argc; i++) free(argv[i]);
  *argc = 0;
}

/* Whether a relative path stays below the folder it is relative to: not
 * absolute, no ".." component. */
static bool stays_below(const char *s) {
  size_t n = strlen(s);
  return *s != '/' && strcmp(s, "..") != 0 && strncmp(s, "../", 3) != 0 && !strstr(s, "/../") &&
         !(n >= 3 && strcmp(s + n - 3, "/..") == 0);
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
  p->n_artefacts = 0; /* a base's are replaced, not added to */
  snprintf(p->artefacts_file, sizeof p->artefacts_file, "%s", v->file);
  int i = 0;
  for (const cJSON *it = a->child; it; it = it->next, i++) {
    snprintf(path, sizeof path, "artefacts/%d", i);
    if (p->n_artefacts >= PROFILE_MAX_ARTEFACTS)
      return jsonv_fail(v, path, false, "use globs, or name a folder: every file below it is hashed", "too many artefacts");
    const char *s = cJSON_GetStringValue(it);
    if (!s || !*s || strlen(s) >= sizeof p->artefacts[0])
      return jsonv_fail(v, path, false, hint, "an artefact must be a non-empty path");
    if (!stays_below(s))
      return jsonv_fail(v, path, false, "ship the client's files beside its profile, or put the profile beside them",
                        "an artefact must lie below the profile's folder (no absolute path, no \"..\")");
    snprintf(p->artefacts[p->n_artefacts], sizeof p->artefacts[0], "%s", s);
    jsonpos_locate(v->text, path, false, &p->artefact_line[p->n_artefacts], &p->artefact_col[p->n_artefacts]);
    p->n_artefacts++;
  }
  return true;
}

static bool parse_levels(jsonv_t *v, const cJSON *root, profile_t *p) {
  const cJSON *levels = cJSON_GetObjectItemCaseSensitive(root, "levels");
  bool network = false, session = false;
  if (!levels) return true;
  for (const cJSON *it = cJSON_IsArray(levels) ? levels->child : NULL; it; it = it->next) {
    if (cJSON_IsString(it) && strcmp(it->valuestring, "session") == 0) session = true;
    else if (cJSON_IsString(it) && strcmp(it->valuestring, "network") == 0) network = true;
    else return jsonv_fail(v, "levels", false, "[\"network\"] or [\"network\", \"session\"]", "unknown level");
  }
  if (!network) return jsonv_fail(v, "levels", false, "every client speaks \"network\"", "\"levels\" must include \"network\"");
  p->speaks_session = session;
  return true;
}

static bool parse_shows_on(jsonv_t *v, const cJSON *root, profile_t *p) {
  char shows_on[16] = "";
  if (!cJSON_GetObjectItemCaseSensitive(root, "shows_on")) return true; /* the base's, or the default */
  if (!jsonv_str(v, root, "", "shows_on", false, shows_on, sizeof shows_on)) return false;
  if (strcmp(shows_on, "wire") != 0 && strcmp(shows_on, "session") != 0)
    return jsonv_fail(v, "shows_on", false,
                      "\"wire\" (a network-level check can catch the defect) or \"session\" (only bcsim's protocol shows it)",
                      "unknown \"shows_on\"");
  p->shows_on_wire = strcmp(shows_on, "wire") == 0;
  return true;
}

static void parse_catch(const cJSON *root, profile_t *p) {
  const cJSON *catch = cJSON_GetObjectItemCaseSensitive(root, "catch");
  if (!catch) return;
  p->n_catch = 0;
  for (const cJSON *it = cJSON_IsArray(catch) ? catch->child : NULL; it && p->n_catch < 8; it = it->next)
    if (cJSON_IsString(it)) snprintf(p->catch_ids[p->n_catch++], SC_NAME, "%s", it->valuestring);
}

/* "timers" merge timer by timer: each one given replaces the base's of that
 * name, and the others stay. */
static bool parse_timers(jsonv_t *v, const cJSON *root, profile_t *p) {
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "timers");
  sc_timer_t given[SC_MAX_TIMERS] = {0};
  int n_given = 0;
  char path[96], msg[128];
  if (!t) return true;
  /* cJSON keeps a key given twice; the array has room for each name once. */
  for (const cJSON *it = cJSON_IsObject(t) ? t->child : NULL; it; it = it->next) {
    for (const cJSON *before = t->child; before != it; before = before->next) {
      if (strcmp(before->string, it->string) != 0) continue;
      snprintf(path, sizeof path, "timers/%s", it->string);
      snprintf(msg, sizeof msg, "timer \"%s\" is given twice", it->string);
      return jsonv_fail(v, path, true, "give each timer once", msg);
    }
  }
  if (!scenario_parse_timers(v, t, "timers", given, &n_given)) return false;
  for (int i = 0; i < n_given; i++) {
    int k = 0;
    while (k < p->n_timers && strcmp(p->timers[k].name, given[i].name) != 0) k++;
    if (k == p->n_timers) p->n_timers++;
    p->timers[k] = given[i];
  }
  return true;
}

/* The command: the profile's own "command" (which replaces the base's) or
 * the base's, then "args" appended to it. */
static bool parse_command(jsonv_t *v, const cJSON *root, profile_t *p) {
  if (cJSON_GetObjectItemCaseSensitive(root, "command")) free_argv(p->argv, &p->argc);
  if (!parse_argv(v, root, "command", p->argc == 0, p->argv, &p->argc)) return false;
  if (cJSON_GetObjectItemCaseSensitive(root, "probe")) free_argv(p->probe_argv, &p->probe_argc);
  return parse_argv(v, root, "args", false, p->argv, &p->argc) &&
         parse_argv(v, root, "probe", false, p->probe_argv, &p->probe_argc);
}

/* Lays the keys of one profile file over p (a fresh profile, or its base). */
static bool overlay(jsonv_t *v, const cJSON *root, profile_t *p) {
  char tmp[512];
  snprintf(p->path, sizeof p->path, "%s", v->file);
  snprintf(tmp, sizeof tmp, "%s", v->file);
  snprintf(p->dir, sizeof p->dir, "%s", dirname(tmp));
  p->name[0] = 0; /* never the base's: every profile names itself */
  parse_catch(root, p);
  return parse_levels(v, root, p) && parse_artefacts(v, root, p) && parse_shows_on(v, root, p) &&
         jsonv_str(v, root, "", "violates", false, p->violates, sizeof p->violates) &&
         jsonv_str(v, root, "", "name", true, p->name, sizeof p->name) &&
         jsonv_str(v, root, "", "description", false, p->description, sizeof p->description) &&
         parse_command(v, root, p) && parse_timers(v, root, p);
}

/* ---- "extends" ---- */

/* The profiles being read, outermost first, to find a loop. */
typedef struct chain {
  profile_read_fn read;
  void *ctx;
  int n;
  char files[PROFILE_MAX_BASES + 1][512]; /* each lexically normalized */
} chain_t;

/* path with "." and "dir/.." components and repeated slashes removed, so
 * that two spellings of one file compare equal. */
static void normalize(const char *path, char *out, size_t outlen) {
  size_t used = 0;
  if (*path == '/' && outlen > 1) out[used++] = '/';
  out[used] = 0;
  for (const char *seg = path; *seg;) {
    size_t len = strcspn(seg, "/");
    bool up = len == 2 && strncmp(seg, "..", 2) == 0;
    char *last = strrchr(out, '/');
    const char *prev = last ? last + 1 : out;
    bool can_pop = used > 0 && strcmp(prev, "..") != 0 && *prev;
    if (len == 0 || (len == 1 && *seg == '.')) {
      /* nothing */
    } else if (up && can_pop) {
      used = last ? (size_t)(last - out) + (last == out) : 0;
      out[used] = 0;
    } else if (used + len + 2 < outlen) {
      used += (size_t)snprintf(out + used, outlen - used, "%s%.*s", used && out[used - 1] != '/' ? "/" : "", (int)len, seg);
    }
    seg += len;
    if (*seg == '/') seg++;
  }
  if (used == 0 && outlen > 1) snprintf(out, outlen, ".");
}

static profile_t *parse_level(const char *text, const char *path, chain_t *ch, diag_t *d);

/* Says why the base cannot be read: at "extends", with the way out. */
static bool base_missing(jsonv_t *v, const char *base, const char *dir) {
  char msg[1200], hint[700];
  snprintf(msg, sizeof msg, "cannot read the base profile %s: %s", base, strerror(errno ? errno : EIO));
  snprintf(hint, sizeof hint, "\"extends\" is a path relative to this profile's folder (%s), such as \"reference.json\"", dir);
  return jsonv_fail(v, "extends", false, hint, msg);
}

/* Says that the chain of bases comes back to a profile already in it. */
static bool base_loops(jsonv_t *v, const chain_t *ch, const char *again) {
  char msg[1400];
  size_t used = (size_t)snprintf(msg, sizeof msg, "\"extends\" makes a loop:");
  for (int i = 0; i < ch->n && used < sizeof msg; i++)
    used += (size_t)snprintf(msg + used, sizeof msg - used, " %s ->", ch->files[i]);
  if (used < sizeof msg) snprintf(msg + used, sizeof msg - used, " %s", again);
  return jsonv_fail(v, "extends", false,
                    "a profile cannot stand behind itself: let each profile extend a shared base (such as "
                    "reference.json), not one another", msg);
}

/* The profile that root "extends", read and resolved (its own bases too),
 * ready for root's keys to be laid over it; a fresh profile when root
 * extends none. NULL with d set. */
static profile_t *base_of(jsonv_t *v, const cJSON *root, chain_t *ch) {
  const cJSON *ext = cJSON_GetObjectItemCaseSensitive(root, "extends");
  char base[1100], key[512], tmp[512];
  profile_t *p = NULL;
  char *text = NULL;
  if (!ext) {
    if ((p = calloc(1, sizeof *p))) p->speaks_session = p->shows_on_wire = true;
    else diag_set(v->d, v->file, 0, 0, "", "out of memory");
    return p;
  }
  const char *rel = cJSON_GetStringValue(ext);
  if (!rel || !*rel || strlen(rel) >= 400 || !stays_below(rel)) {
    jsonv_fail(v, "extends", false,
               "write \"extends\": \"reference.json\": a path below this profile's folder (no absolute path, no "
               "\"..\"), since a certificate hashes the base as one of the client's files",
               "\"extends\" must name a profile file below this profile's folder");
    goto out;
  }
  snprintf(tmp, sizeof tmp, "%s", v->file);
  const char *dir = dirname(tmp);
  if (strcmp(dir, ".") == 0) snprintf(base, sizeof base, "%s", rel); /* "reference.json", not "./reference.json" */
  else snprintf(base, sizeof base, "%s/%s", dir, rel);
  if (strlen(base) >= sizeof ch->files[0]) {
    jsonv_fail(v, "extends", false, "move the profiles to a shorter path", "the base's path is too long");
    goto out;
  }
  normalize(base, key, sizeof key);
  for (int i = 0; i < ch->n; i++) {
    if (strcmp(ch->files[i], key) != 0) continue;
    base_loops(v, ch, key);
    goto out;
  }
  if (ch->n > PROFILE_MAX_BASES) {
    jsonv_fail(v, "extends", false, "at most 8 profiles may stand behind one: extend a shared base directly",
               "too many profiles extend one another");
    goto out;
  }
  errno = 0;
  if (!(text = ch->read(ch->ctx, base))) {
    base_missing(v, base, dir);
    goto out;
  }
  snprintf(ch->files[ch->n++], sizeof ch->files[0], "%s", key);
  p = parse_level(text, base, ch, v->d);
  ch->n--;
  if (p) { /* the nearest first: this base, then those behind it */
    memmove(p->bases[1], p->bases[0], (size_t)(PROFILE_MAX_BASES - 1) * sizeof p->bases[0]);
    snprintf(p->bases[0], sizeof p->bases[0], "%s", base);
    if (p->n_bases < PROFILE_MAX_BASES) p->n_bases++;
  }
out:
  free(text);
  return p;
}

/* One file of the chain: its base (resolved), and its own keys over it. */
static profile_t *parse_level(const char *text, const char *path, chain_t *ch, diag_t *d) {
  static const char *const keys[] = {"name",     "description", "extends", "command", "args",
                                     "probe",    "timers",      "violates", "catch",   "levels",
                                     "shows_on", "artefacts"};
  profile_t *p = NULL;
  bool ok = false;
  cJSON *root = jsonv_parse(text, path, d);
  jsonv_t v = {text, path, d, NULL, NULL};
  if (!root || !jsonv_keys(&v, root, "", "a client profile", keys, sizeof keys / sizeof keys[0])) goto out;
  if (!(p = base_of(&v, root, ch))) goto out;
  v.user = p;
  ok = overlay(&v, root, p);
out:
  cJSON_Delete(root);
  if (!ok) {
    profile_free(p);
    p = NULL;
  }
  return p;
}

profile_t *profile_parse_with(const char *text, const char *path, profile_read_fn read, void *ctx, diag_t *d) {
  chain_t *ch = calloc(1, sizeof *ch);
  profile_t *p = NULL;
  if (!ch) {
    diag_set(d, path, 0, 0, "", "out of memory");
    return NULL;
  }
  ch->read = read;
  ch->ctx = ctx;
  normalize(path, ch->files[ch->n++], sizeof ch->files[0]);
  p = parse_level(text, path, ch, d);
  if (!p && strcmp(d->file, path) != 0) { /* the mistake is in a base: say whose */
    size_t used = strlen(d->msg);
    snprintf(d->msg + used, sizeof d->msg - used, " (in a base of %s)", path);
  }
  free(ch);
  return p;
}

static char *read_file(void *ctx, const char *path) { return files_read(path, FILES_INPUT_MAX, NULL); }

profile_t *profile_parse(const char *text, const char *path, diag_t *d) {
  return profile_parse_with(text, path, read_file, NULL, d);
}

profile_t *profile_load(const char *path, diag_t *d) {
  errno = 0;
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
  free_argv(p->argv, &p->argc);
  free_argv(p->probe_argv, &p->probe_argc);
  free(p);
}
