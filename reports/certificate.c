#include "reports/certificate.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "harness/buildinfo.h"
#include "harness/report_json.h"
#include "reports/signature.h"

const char *const certificate_root_names[CERTIFICATE_N_ROOTS] = {"suite", "profile", "vendor", "bin"};

/* What a certificate is, in its own words (docs/certification.md says more). */
static const char attestation[] =
    "The signer's own attestation: the signer ran this bcsim on the files hashed here, with these run settings, "
    "and got these verdicts. bcsim verify checks the signature, that the certificate agrees with itself, and "
    "that local copies of the inputs have the same hashes; it does not run the test again.";

static void hex(const unsigned char *d, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
  out[2 * n] = 0;
}

int certificate_file_sha256(const char *path, char out[65]) {
  /* Regular files only: a certificate naming /dev/zero must not hang the verifier. */
  struct stat st;
  if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) return -1;
  FILE *f = fopen(path, "rbe");
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char buf[65536], digest[32];
  unsigned int dlen = 0;
  int rc = -1;
  if (!f || !md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) goto out;
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    if (EVP_DigestUpdate(md, buf, n) != 1) goto out;
  if (ferror(f) || EVP_DigestFinal_ex(md, digest, &dlen) != 1) goto out;
  hex(digest, dlen, out);
  rc = 0;
out:
  if (f) fclose(f);
  EVP_MD_CTX_free(md);
  return rc;
}

void certificate_scenario_set_sha256(const cJSON *scenarios, char out[65]) {
  int n = cJSON_GetArraySize(scenarios);
  const cJSON **sorted = calloc((size_t)n + 1, sizeof *sorted);
  int k = 0;
  for (const cJSON *s = scenarios ? scenarios->child : NULL; s && sorted; s = s->next) sorted[k++] = s;
  for (int i = 1; i < k; i++)
    for (int j = i; j > 0 && strcmp(report_str(sorted[j - 1], "id"), report_str(sorted[j], "id")) > 0; j--) {
      const cJSON *t = sorted[j];
      sorted[j] = sorted[j - 1];
      sorted[j - 1] = t;
    }
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char digest[32];
  unsigned int dlen = 0;
  out[0] = 0;
  if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1) {
    /* The parts one by one: the same bytes as the line, whatever the lengths (a crafted id may be long). */
    for (int i = 0; i < k; i++) {
      const char *id = report_str(sorted[i], "id"), *sha = report_str(sorted[i], "sha256");
      EVP_DigestUpdate(md, id, strlen(id));
      EVP_DigestUpdate(md, " ", 1);
      EVP_DigestUpdate(md, sha, strlen(sha));
      EVP_DigestUpdate(md, "\n", 1);
    }
    if (EVP_DigestFinal_ex(md, digest, &dlen) == 1) hex(digest, dlen, out);
  }
  EVP_MD_CTX_free(md);
  free(sorted);
}

/* The set hash of the listed scenarios, the run's summary, its verdict and waivers. */
static void finish(cJSON *cert, const cJSON *list, const cJSON *report) {
  char set[65];
  certificate_scenario_set_sha256(list, set);
  cJSON_AddStringToObject(cert, "scenario_set_sha256", set);
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(report, "summary");
  cJSON_AddItemToObject(cert, "summary", sum ? cJSON_Duplicate(sum, 1) : cJSON_CreateObject());
  cJSON_ReplaceItemInObjectCaseSensitive(cert, "verdict", cJSON_CreateString(report_str(sum, "verdict")));
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(sum, "waivers");
  cJSON_ReplaceItemInObjectCaseSensitive(cert, "waivers", w ? cJSON_Duplicate(w, 1) : cJSON_CreateArray());
}

/* The head every certificate starts with; verdict and waivers are placeholders
 * that finish() fills in, so that they come first, where a reader looks. */
static cJSON *head(const char *date, const cJSON *bcsim) {
  cJSON *c = cJSON_CreateObject();
  cJSON_AddNumberToObject(c, "certificate_version", CERTIFICATE_VERSION);
  cJSON_AddStringToObject(c, "attestation", attestation);
  cJSON_AddStringToObject(c, "date", date);
  if (bcsim) {
    cJSON_AddItemToObject(c, "bcsim", cJSON_Duplicate(bcsim, 1));
  } else {
    cJSON *b = cJSON_AddObjectToObject(c, "bcsim");
    cJSON_AddStringToObject(b, "version", buildinfo_version());
    cJSON_AddStringToObject(b, "commit", buildinfo_commit());
  }
  cJSON_AddStringToObject(c, "verdict", "");
  cJSON_AddArrayToObject(c, "waivers");
  return c;
}

void certificate_now(char date[32]) {
  time_t now = time(NULL);
  struct tm tm;
  strftime(date, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
}

int certificate_common_root(const char *const *paths, int n, char out[PATH_MAX]) {
  out[0] = 0;
  for (int i = 0; i < n; i++) {
    char real[PATH_MAX];
    if (!realpath(paths[i], real)) return -1;
    char *slash = strrchr(real, '/');
    if (slash) *slash = 0; /* its folder */
    if (i == 0) {
      snprintf(out, PATH_MAX, "%s", real);
      continue;
    }
    size_t k = 0;
    while (out[k] && out[k] == real[k]) k++;
    /* Back to a whole folder name: /a/bc and /a/bd share /a, not /a/b. */
    if (!(out[k] == 0 && (real[k] == '/' || real[k] == 0)))
      while (k > 0 && out[k] != '/') k--;
    out[k] = 0;
  }
  if (n > 0 && !out[0]) snprintf(out, PATH_MAX, "/");
  return n > 0 ? 0 : -1;
}

/* Where the tester's roots are, resolved. */
typedef struct roots {
  char dir[CERTIFICATE_N_ROOTS][PATH_MAX];
} roots_t;

/* {"root", "path", "sha256"} for a file below root r. NULL with err set when
 * it cannot be resolved, lies outside the root, or cannot be hashed. */
static cJSON *file_entry(const roots_t *rs, int r, const char *path, char *err, size_t errlen) {
  char real[PATH_MAX], h[65];
  const char *root = rs->dir[r];
  size_t len = strlen(root);
  if (!realpath(path, real) || certificate_file_sha256(real, h) < 0) {
    snprintf(err, errlen, "cannot hash %s", path);
    return NULL;
  }
  const char *rel = strcmp(root, "/") == 0 ? real + 1 : strncmp(real, root, len) == 0 && real[len] == '/' ? real + len + 1 : NULL;
  if (!rel) {
    snprintf(err, errlen, "%s is not below the %s root %s", real, certificate_root_names[r], root);
    return NULL;
  }
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "root", certificate_root_names[r]);
  cJSON_AddStringToObject(e, "path", rel);
  cJSON_AddStringToObject(e, "sha256", h);
  return e;
}

/* Adds file_entry's fields to obj. -1 with err set. */
static int add_file(cJSON *obj, const roots_t *rs, int r, const char *path, char *err, size_t errlen) {
  cJSON *e = file_entry(rs, r, path, err, errlen);
  if (!e) return -1;
  static const char *const keys[] = {"root", "path", "sha256"};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) cJSON_AddStringToObject(obj, keys[k], report_str(e, keys[k]));
  cJSON_Delete(e);
  return 0;
}

static int folder_of(const char *path, char out[PATH_MAX]) {
  if (!realpath(path, out)) return -1;
  char *slash = strrchr(out, '/');
  if (slash && slash != out) *slash = 0;
  else if (slash) slash[1] = 0;
  return 0;
}

/* A scenario of the report as the certificate lists it: its file, verdict,
 * what it is about, and each check's verdict with what decides it. */
static cJSON *scenario_entry(const cJSON *s, const roots_t *rs, char *err, size_t errlen) {
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "id", report_str(s, "id"));
  if (add_file(e, rs, CERTIFICATE_ROOT_SUITE, report_str(s, "file"), err, errlen) < 0) {
    cJSON_Delete(e);
    return NULL;
  }
  cJSON_AddStringToObject(e, "verdict", report_str(s, "verdict"));
  const cJSON *about = cJSON_GetObjectItemCaseSensitive(s, "requirements");
  cJSON_AddItemToObject(e, "requirements", about ? cJSON_Duplicate(about, 1) : cJSON_CreateArray());
  if (*report_str(s, "error")) cJSON_AddStringToObject(e, "error", report_str(s, "error"));
  const cJSON *rep = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s, "repeat"), "verdicts");
  if (rep) cJSON_AddItemToObject(e, "repeat_verdicts", cJSON_Duplicate(rep, 1));
  cJSON *checks = cJSON_AddArrayToObject(e, "checks");
  const cJSON *ks = cJSON_GetObjectItemCaseSensitive(s, "checks");
  static const char *const fields[] = {"id", "requirement", "class", "level", "verdict"};
  for (const cJSON *k = ks ? ks->child : NULL; k; k = k->next) {
    cJSON *ck = cJSON_CreateObject();
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) cJSON_AddStringToObject(ck, fields[f], report_str(k, fields[f]));
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(k, "waiver");
    if (w) cJSON_AddItemToObject(ck, "waiver", cJSON_Duplicate(w, 1));
    cJSON_AddItemToArray(checks, ck);
  }
  return e;
}

cJSON *certificate_artefacts(const char *profile_path, const char *const *paths, int n, char *err, size_t errlen) {
  roots_t rs = {0};
  if (folder_of(profile_path, rs.dir[CERTIFICATE_ROOT_PROFILE]) < 0) {
    snprintf(err, errlen, "cannot resolve the client profile %s", profile_path);
    return NULL;
  }
  cJSON *arts = cJSON_CreateArray();
  for (int i = 0; i < n; i++) {
    cJSON *e = file_entry(&rs, CERTIFICATE_ROOT_PROFILE, paths[i], err, errlen);
    if (!e) {
      cJSON_Delete(arts);
      return NULL;
    }
    cJSON_AddItemToArray(arts, e);
  }
  return arts;
}

cJSON *certificate_build(const cJSON *report, const certificate_inputs_t *in, char *err, size_t errlen) {
  roots_t rs = {0};
  cJSON *c = head(in->date, NULL);
  if (folder_of(in->client_profile, rs.dir[CERTIFICATE_ROOT_PROFILE]) < 0 || folder_of(in->client_binary, rs.dir[CERTIFICATE_ROOT_BIN]) < 0 ||
      (in->vendor_profile && folder_of(in->vendor_profile, rs.dir[CERTIFICATE_ROOT_VENDOR]) < 0)) {
    snprintf(err, errlen, "cannot resolve the client profile, its program or the vendor profile");
    goto bad;
  }
  snprintf(rs.dir[CERTIFICATE_ROOT_SUITE], PATH_MAX, "%s", in->suite_root);
  cJSON_AddItemToObject(c, "run", in->run ? cJSON_Duplicate(in->run, 1) : cJSON_CreateObject());
  /* The program is named from the profile's folder when it ships there, else from its own. */
  char real[PATH_MAX];
  size_t plen = strlen(rs.dir[CERTIFICATE_ROOT_PROFILE]);
  bool bin_in_profile = realpath(in->client_binary, real) && strncmp(real, rs.dir[CERTIFICATE_ROOT_PROFILE], plen) == 0 && real[plen] == '/';
  cJSON *roots = cJSON_AddObjectToObject(c, "roots");
  for (int r = 0; r < CERTIFICATE_N_ROOTS; r++) {
    if ((r == CERTIFICATE_ROOT_VENDOR && !in->vendor_profile) || (r == CERTIFICATE_ROOT_BIN && bin_in_profile)) continue;
    cJSON_AddStringToObject(roots, certificate_root_names[r], rs.dir[r]);
  }
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(report, "client");
  cJSON *client = cJSON_AddObjectToObject(c, "client");
  cJSON_AddStringToObject(client, "name", report_str(rc, "name"));
  cJSON *prof = cJSON_AddObjectToObject(client, "profile"), *bin = cJSON_AddObjectToObject(client, "binary");
  if (add_file(prof, &rs, CERTIFICATE_ROOT_PROFILE, in->client_profile, err, errlen) < 0 ||
      add_file(bin, &rs, bin_in_profile ? CERTIFICATE_ROOT_PROFILE : CERTIFICATE_ROOT_BIN, in->client_binary, err, errlen) < 0)
    goto bad;
  cJSON_AddBoolToObject(client, "artefacts_declared", in->artefacts_declared);
  cJSON_AddItemToObject(client, "artefacts", in->artefacts ? cJSON_Duplicate(in->artefacts, 1) : cJSON_CreateArray());
  if (in->vendor_profile) {
    cJSON *vp = cJSON_AddObjectToObject(c, "vendor_profile");
    cJSON_AddStringToObject(vp, "name", report_str(cJSON_GetObjectItemCaseSensitive(report, "vendor_profile"), "name"));
    if (add_file(vp, &rs, CERTIFICATE_ROOT_VENDOR, in->vendor_profile, err, errlen) < 0) goto bad;
  } else {
    cJSON_AddNullToObject(c, "vendor_profile");
  }
  cJSON *list = cJSON_AddArrayToObject(c, "scenarios");
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(report, "scenarios");
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
    cJSON *e = scenario_entry(s, &rs, err, errlen);
    if (!e) goto bad;
    cJSON_AddItemToArray(list, e);
  }
  finish(c, list, report);
  return c;
bad:
  cJSON_Delete(c);
  return NULL;
}

/* The run settings of a certificate without its shards, for comparing shards of one run. */
static cJSON *run_but_shards(const cJSON *cert) {
  cJSON *run = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cert, "run"), 1);
  if (!run) run = cJSON_CreateObject();
  cJSON_DeleteItemFromObjectCaseSensitive(run, "shards");
  return run;
}

/* Whether the same member of a and b is equal (both missing counts as equal). */
static bool same_item(const cJSON *a, const cJSON *b, const char *key) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, key), *y = cJSON_GetObjectItemCaseSensitive(b, key);
  return (!x && !y) || (x && y && cJSON_Compare(x, y, true));
}

cJSON *certificate_merge(cJSON *const *shards, int n, const cJSON *merged_report, const char *date, char *err,
                         size_t errlen) {
  cJSON *c = NULL, *run0 = NULL;
  if (n < 1) {
    snprintf(err, errlen, "no certificates to merge");
    goto bad;
  }
  run0 = run_but_shards(shards[0]);
  for (int i = 0; i < n; i++) {
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(shards[i], "certificate_version");
    if (!cJSON_IsNumber(version) || version->valueint != CERTIFICATE_VERSION) {
      snprintf(err, errlen, "shard %d's certificate is not of version %d: certify every shard with this bcsim", i + 1,
               CERTIFICATE_VERSION);
      goto bad;
    }
    cJSON *runi = run_but_shards(shards[i]);
    const char *what = !same_item(shards[0], shards[i], "client")           ? "client (profile, program or artefacts)"
                       : !same_item(shards[0], shards[i], "vendor_profile") ? "vendor profile"
                       : !same_item(shards[0], shards[i], "bcsim")          ? "bcsim (version or commit)"
                       : !cJSON_Compare(run0, runi, true)                   ? "set of run settings"
                                                                             : NULL;
    cJSON_Delete(runi);
    if (what) {
      snprintf(err, errlen, "shard %d of the merge ran another %s than the first: they are not one run", i + 1, what);
      goto bad;
    }
  }
  c = head(date, cJSON_GetObjectItemCaseSensitive(shards[0], "bcsim"));
  cJSON *run = cJSON_AddItemToObject(c, "run", run0) ? run0 : NULL;
  run0 = NULL;
  cJSON *all = cJSON_AddArrayToObject(run, "shards");
  for (int i = 0; i < n; i++) {
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(shards[i], "run"), "shards");
    for (const cJSON *k = list ? list->child : NULL; k; k = k->next) {
      for (const cJSON *seen = all->child; seen; seen = seen->next) {
        if (cJSON_Compare(seen, k, true)) {
          snprintf(err, errlen, "shard %s is in the merge twice", cJSON_GetStringValue(k) ? k->valuestring : "?");
          goto bad;
        }
      }
      cJSON_AddItemToArray(all, cJSON_Duplicate(k, 1));
    }
  }
  const char *const keep[] = {"roots", "client", "vendor_profile"};
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(shards[0], keep[i]);
    cJSON_AddItemToObject(c, keep[i], item ? cJSON_Duplicate(item, 1) : cJSON_CreateNull());
  }
  cJSON *list = cJSON_AddArrayToObject(c, "scenarios");
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(merged_report, "scenarios");
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
    const cJSON *found = NULL;
    for (int i = 0; i < n && !found; i++) {
      const cJSON *entries = cJSON_GetObjectItemCaseSensitive(shards[i], "scenarios");
      for (const cJSON *e = entries ? entries->child : NULL; e && !found; e = e->next)
        if (strcmp(report_str(e, "id"), report_str(s, "id")) == 0) found = e;
    }
    if (!found) {
      snprintf(err, errlen, "scenario %s is in the merged report but in no shard's certificate", report_str(s, "id"));
      goto bad;
    }
    cJSON_AddItemToArray(list, cJSON_Duplicate(found, 1));
  }
  finish(c, list, merged_report);
  return c;
bad:
  cJSON_Delete(run0);
  cJSON_Delete(c);
  return NULL;
}

int certificate_sign_in(const char *out_dir, const char *key_path, char *err, size_t errlen) {
  char cert_path[PATH_MAX], sig_path[PATH_MAX];
  snprintf(cert_path, sizeof cert_path, "%s/certificate.json", out_dir);
  snprintf(sig_path, sizeof sig_path, "%s/certificate.json.sig", out_dir);
  return signature_sign(cert_path, key_path, sig_path, err, errlen);
}
