#include "reports/certificate.h"

#include <limits.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "reports/report_json.h"

static void hex(const unsigned char *d, size_t n, char *out) {
  for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
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

/* SHA-256 over "id sha256\n" lines in id order: the scenario set's identity,
 * independent of where the files were on the tester's disk. */
static void scenario_set_sha256(const cJSON *scenarios, char out[65]) {
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
    for (int i = 0; i < k; i++) {
      char line[512];
      int len = snprintf(line, sizeof line, "%s %s\n", report_str(sorted[i], "id"), report_str(sorted[i], "sha256"));
      EVP_DigestUpdate(md, line, (size_t)len);
    }
    if (EVP_DigestFinal_ex(md, digest, &dlen) == 1) hex(digest, dlen, out);
  }
  EVP_MD_CTX_free(md);
  free(sorted);
}

/* The set hash of the listed scenarios, and the run's summary and verdict. */
static void finish(cJSON *cert, const cJSON *list, const cJSON *report) {
  char set[65];
  scenario_set_sha256(list, set);
  cJSON_AddStringToObject(cert, "scenario_set_sha256", set);
  const cJSON *sum = cJSON_GetObjectItemCaseSensitive(report, "summary");
  cJSON_AddItemToObject(cert, "summary", sum ? cJSON_Duplicate(sum, 1) : cJSON_CreateObject());
  cJSON_AddStringToObject(cert, "verdict", report_str(sum, "verdict"));
}

void certificate_now(char date[32]) {
  time_t now = time(NULL);
  struct tm tm;
  strftime(date, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
}

static int add_file(cJSON *obj, const char *key, const char *path, char *err, size_t errlen) {
  char h[65];
  if (certificate_file_sha256(path, h) < 0) {
    snprintf(err, errlen, "cannot hash %s", path);
    return -1;
  }
  cJSON_AddStringToObject(obj, key, h);
  return 0;
}

cJSON *certificate_build(const cJSON *report, const certificate_inputs_t *in, char *err, size_t errlen) {
  cJSON *c = cJSON_CreateObject();
  cJSON_AddNumberToObject(c, "certificate_version", CERTIFICATE_VERSION);
  cJSON_AddStringToObject(c, "date", in->date);
  cJSON_AddStringToObject(c, "bcsim_version", BCSIM_VERSION);
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(report, "client");
  cJSON *client = cJSON_AddObjectToObject(c, "client");
  cJSON_AddStringToObject(client, "name", report_str(rc, "name"));
  cJSON_AddStringToObject(client, "profile", in->client_profile);
  if (add_file(client, "profile_sha256", in->client_profile, err, errlen) < 0) goto bad;
  cJSON_AddStringToObject(client, "binary", in->client_binary);
  if (add_file(client, "binary_sha256", in->client_binary, err, errlen) < 0) goto bad;
  if (in->vendor_profile) {
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(report, "vendor_profile");
    cJSON *vp = cJSON_AddObjectToObject(c, "vendor_profile");
    cJSON_AddStringToObject(vp, "name", report_str(rv, "name"));
    cJSON_AddStringToObject(vp, "path", in->vendor_profile);
    if (add_file(vp, "sha256", in->vendor_profile, err, errlen) < 0) goto bad;
  } else {
    cJSON_AddNullToObject(c, "vendor_profile");
  }
  cJSON *list = cJSON_AddArrayToObject(c, "scenarios");
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(report, "scenarios");
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToArray(list, e);
    cJSON_AddStringToObject(e, "id", report_str(s, "id"));
    cJSON_AddStringToObject(e, "file", report_str(s, "file"));
    if (add_file(e, "sha256", report_str(s, "file"), err, errlen) < 0) goto bad;
    cJSON_AddStringToObject(e, "verdict", report_str(s, "verdict"));
    cJSON *checks = cJSON_AddArrayToObject(e, "checks");
    const cJSON *ks = cJSON_GetObjectItemCaseSensitive(s, "checks");
    for (const cJSON *k = ks ? ks->child : NULL; k; k = k->next) {
      cJSON *ck = cJSON_CreateObject();
      cJSON_AddStringToObject(ck, "id", report_str(k, "id"));
      cJSON_AddStringToObject(ck, "requirement", report_str(k, "requirement"));
      cJSON_AddStringToObject(ck, "verdict", report_str(k, "verdict"));
      cJSON_AddItemToArray(checks, ck);
    }
  }
  finish(c, list, report);
  return c;
bad:
  cJSON_Delete(c);
  return NULL;
}

/* The same string at key in a and b (both missing counts as the same). */
static bool same(const cJSON *a, const cJSON *b, const char *key) {
  return strcmp(report_str(a, key), report_str(b, key)) == 0;
}

cJSON *certificate_merge(cJSON *const *shards, int n, const cJSON *merged_report, const char *date, char *err,
                         size_t errlen) {
  if (n < 1) {
    snprintf(err, errlen, "no certificates to merge");
    return NULL;
  }
  const cJSON *c0 = cJSON_GetObjectItemCaseSensitive(shards[0], "client");
  const cJSON *v0 = cJSON_GetObjectItemCaseSensitive(shards[0], "vendor_profile");
  for (int i = 1; i < n; i++) {
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(shards[i], "client");
    const cJSON *vi = cJSON_GetObjectItemCaseSensitive(shards[i], "vendor_profile");
    const char *what = !same(c0, ci, "binary_sha256")       ? "client binary"
                       : !same(c0, ci, "profile_sha256")    ? "client profile"
                       : !same(v0, vi, "sha256")            ? "vendor profile"
                       : !same(shards[0], shards[i], "bcsim_version") ? "bcsim version"
                                                                       : NULL;
    if (what) {
      snprintf(err, errlen, "shard %d of the merge ran another %s than the first: they are not one run", i + 1, what);
      return NULL;
    }
  }
  cJSON *c = cJSON_CreateObject();
  cJSON_AddNumberToObject(c, "certificate_version", CERTIFICATE_VERSION);
  cJSON_AddStringToObject(c, "date", date);
  cJSON_AddStringToObject(c, "bcsim_version", report_str(shards[0], "bcsim_version"));
  cJSON_AddItemToObject(c, "client", cJSON_Duplicate(c0, 1));
  cJSON_AddItemToObject(c, "vendor_profile", v0 ? cJSON_Duplicate(v0, 1) : cJSON_CreateNull());
  cJSON *list = cJSON_AddArrayToObject(c, "scenarios");
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(merged_report, "scenarios");
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
    const cJSON *found = NULL;
    for (int i = 0; i < n && !found; i++) {
      const cJSON *entries = cJSON_GetObjectItemCaseSensitive(shards[i], "scenarios");
      for (const cJSON *e = entries ? entries->child : NULL; e && !found; e = e->next)
        if (same(e, s, "id")) found = e;
    }
    if (!found) {
      snprintf(err, errlen, "scenario %s is in the merged report but in no shard's certificate", report_str(s, "id"));
      cJSON_Delete(c);
      return NULL;
    }
    cJSON_AddItemToArray(list, cJSON_Duplicate(found, 1));
  }
  finish(c, list, merged_report);
  return c;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rbe");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0, got;
  do {
    if (n + 4096 + 1 > cap) {
      char *nb = realloc(buf, cap = (cap ? cap * 2 : 8192));
      if (!nb) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = nb;
    }
    got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
  } while (got > 0);
  fclose(f);
  buf[n] = 0;
  *len = n;
  return buf;
}

static char *b64_encode(const unsigned char *d, size_t n) {
  char *out = malloc(4 * ((n + 2) / 3) + 1);
  if (out) EVP_EncodeBlock((unsigned char *)out, d, (int)n);
  return out;
}

static unsigned char *b64_decode(const char *s, size_t *n) {
  size_t len = strlen(s);
  unsigned char *out = malloc(len / 4 * 3 + 3);
  int got = out ? EVP_DecodeBlock(out, (const unsigned char *)s, (int)len) : -1;
  if (got < 0 || len % 4) {
    free(out);
    return NULL;
  }
  while (len && s[len - 1] == '=') {
    got--;
    len--;
  }
  *n = (size_t)got;
  return out;
}

/* base64(SHA-256(DER SubjectPublicKeyInfo)), the same thumbprint form as a BC config's signer. */
static int key_thumbprint(EVP_PKEY *key, char out[64]) {
  unsigned char *der = NULL, digest[32];
  unsigned int dlen = 0;
  int n = i2d_PUBKEY(key, &der);
  int rc = n > 0 && EVP_Digest(der, (size_t)n, digest, &dlen, EVP_sha256(), NULL) == 1 ? 0 : -1;
  if (rc == 0) EVP_EncodeBlock((unsigned char *)out, digest, (int)dlen);
  OPENSSL_free(der);
  return rc;
}

/* Ed25519 signs the message itself; the others sign its SHA-256. */
static const EVP_MD *digest_for(EVP_PKEY *key) {
  return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 || EVP_PKEY_get_id(key) == EVP_PKEY_ED448 ? NULL : EVP_sha256();
}

int certificate_sign(const char *cert_path, const char *key_path, const char *sig_path, char *err, size_t errlen) {
  size_t len = 0, siglen = 0;
  char *data = read_all(cert_path, &len), *sig64 = NULL, *pem = NULL, thumb[64] = "";
  FILE *kf = fopen(key_path, "re");
  EVP_PKEY *key = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char *sig = NULL;
  BIO *bio = BIO_new(BIO_s_mem());
  cJSON *out = NULL;
  int rc = -1;
  if (kf) fclose(kf);
  if (!data) {
    snprintf(err, errlen, "cannot read %s", cert_path);
    goto out;
  }
  if (!key) {
    snprintf(err, errlen, "%s is not a PEM private key (make one with: openssl genpkey -algorithm ed25519 -out %s)",
             key_path, key_path);
    goto out;
  }
  if (!md || EVP_DigestSignInit(md, NULL, digest_for(key), NULL, key) != 1 ||
      EVP_DigestSign(md, NULL, &siglen, (unsigned char *)data, len) != 1 || !(sig = malloc(siglen)) ||
      EVP_DigestSign(md, sig, &siglen, (unsigned char *)data, len) != 1) {
    snprintf(err, errlen, "signing with %s failed", key_path);
    goto out;
  }
  char *bio_data = NULL;
  long bio_len;
  if (!bio || PEM_write_bio_PUBKEY(bio, key) != 1 || (bio_len = BIO_get_mem_data(bio, &bio_data)) <= 0 ||
      !(pem = strndup(bio_data, (size_t)bio_len)) || key_thumbprint(key, thumb) < 0 || !(sig64 = b64_encode(sig, siglen)))
    goto out;
  out = cJSON_CreateObject();
  cJSON_AddStringToObject(out, "format", "bcsim-detached-signature");
  cJSON_AddStringToObject(out, "signed_file", "certificate.json");
  cJSON_AddStringToObject(out, "algorithm", EVP_PKEY_get0_type_name(key));
  cJSON_AddStringToObject(out, "digest", digest_for(key) ? "sha256" : "none");
  cJSON_AddStringToObject(out, "signer_thumbprint", thumb);
  cJSON_AddStringToObject(out, "public_key", pem);
  cJSON_AddStringToObject(out, "signature", sig64);
  /* Written whole, then renamed (report_write_file): never half a signature. */
  rc = report_write_file(out, sig_path);
  if (rc < 0) snprintf(err, errlen, "cannot write %s", sig_path);
out:
  cJSON_Delete(out);
  BIO_free(bio);
  free(sig);
  free(sig64);
  free(pem);
  free(data);
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  return rc;
}

int certificate_sign_in(const char *out_dir, const char *key_path, char *err, size_t errlen) {
  char cert_path[PATH_MAX], sig_path[PATH_MAX];
  snprintf(cert_path, sizeof cert_path, "%s/certificate.json", out_dir);
  snprintf(sig_path, sizeof sig_path, "%s/certificate.json.sig", out_dir);
  return certificate_sign(cert_path, key_path, sig_path, err, errlen);
}

/* Rechecks a recorded file hash if the file is here. Returns 1 on a mismatch. */
static int recheck(FILE *o, const char *what, const char *path, const char *want) {
  char h[65];
  if (!*path) return 0;
  if (certificate_file_sha256(path, h) < 0) {
    fprintf(o, "  skip  %s: %s is not here, its hash is not rechecked\n", what, path);
    return 0;
  }
  if (strcmp(h, want) == 0) {
    fprintf(o, "  ok    %s: %s matches\n", what, path);
    return 0;
  }
  fprintf(o, "  BAD   %s: %s has SHA-256 %s, the certificate says %s\n", what, path, h, want);
  return 1;
}

static int check_signature(FILE *o, const char *data, size_t len, const cJSON *sig, const char *want_thumb) {
  const char *pem = report_str(sig, "public_key");
  BIO *bio = BIO_new_mem_buf(pem, -1);
  EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  size_t slen = 0;
  unsigned char *raw = b64_decode(report_str(sig, "signature"), &slen);
  char thumb[64] = "";
  int bad = 1;
  if (!key || !raw || !md || key_thumbprint(key, thumb) < 0) {
    fprintf(o, "  BAD   signature file: no usable public key or signature in it\n");
    goto out;
  }
  if (EVP_DigestVerifyInit(md, NULL, digest_for(key), NULL, key) != 1 ||
      EVP_DigestVerify(md, raw, slen, (const unsigned char *)data, len) != 1) {
    fprintf(o, "  BAD   signature: does not verify; the certificate was changed after signing\n");
    goto out;
  }
  if (want_thumb && strcmp(want_thumb, thumb) != 0) {
    fprintf(o, "  BAD   signer: %s, not the expected %s\n", thumb, want_thumb);
    goto out;
  }
  fprintf(o, "  ok    signature: valid, by the %s key with thumbprint %s%s\n", EVP_PKEY_get0_type_name(key), thumb,
          want_thumb ? " (as expected)" : "\n        trust it only if you know that thumbprint (pin it with --thumbprint)");
  bad = 0;
out:
  free(raw);
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  BIO_free(bio);
  return bad;
}

int certificate_verify_text(const char *data, size_t len, const char *cert_path, const char *sigtext,
                            const char *sig_path, const char *want_thumbprint, FILE *o) {
  cJSON *cert = data ? cJSON_ParseWithLength(data, len) : NULL, *sig = sigtext ? cJSON_Parse(sigtext) : NULL;
  int bad = 0, rc = 2;
  if (!data || !cert || !cJSON_IsObject(cert)) {
    fprintf(o, "%s: error: %s\n", cert_path, data ? "not a JSON certificate" : "cannot read it");
    goto out;
  }
  if (!sigtext || !sig) {
    fprintf(o, "%s: error: %s\n  hint: sign a run with bcsim run --sign-key KEY\n", sig_path,
            sigtext ? "not a signature file" : "no signature: an unsigned certificate proves nothing");
    rc = 1;
    goto out;
  }
  fprintf(o, "%s:\n", cert_path);
  bad |= check_signature(o, data, len, sig, want_thumbprint);
  const cJSON *client = cJSON_GetObjectItemCaseSensitive(cert, "client");
  bad |= recheck(o, "client binary", report_str(client, "binary"), report_str(client, "binary_sha256"));
  bad |= recheck(o, "client profile", report_str(client, "profile"), report_str(client, "profile_sha256"));
  const cJSON *vp = cJSON_GetObjectItemCaseSensitive(cert, "vendor_profile");
  if (cJSON_IsObject(vp)) bad |= recheck(o, "vendor profile", report_str(vp, "path"), report_str(vp, "sha256"));
  const cJSON *scs = cJSON_GetObjectItemCaseSensitive(cert, "scenarios");
  int worst = 0; /* 0 pass, 1 fail, 2 error */
  for (const cJSON *s = scs ? scs->child : NULL; s; s = s->next) {
    char what[300];
    snprintf(what, sizeof what, "scenario %s", report_str(s, "id"));
    bad |= recheck(o, what, report_str(s, "file"), report_str(s, "sha256"));
    const char *v = report_str(s, "verdict");
    int w = strcmp(v, "error") == 0 ? 2 : strcmp(v, "fail") == 0 ? 1 : 0;
    if (w > worst) worst = w;
  }
  char set[65];
  scenario_set_sha256(scs, set);
  if (strcmp(set, report_str(cert, "scenario_set_sha256")) != 0) {
    fprintf(o, "  BAD   scenario set: the listed scenarios hash to %s, the certificate says %s\n", set,
            report_str(cert, "scenario_set_sha256"));
    bad = 1;
  } else {
    fprintf(o, "  ok    scenario set: %d scenarios, SHA-256 %s\n", cJSON_GetArraySize(scs), set);
  }
  const char *verdict = report_str(cert, "verdict");
  const char *implied = worst == 2 ? "error" : worst == 1 ? "fail" : "pass";
  if (strcmp(verdict, implied) != 0 && strcmp(verdict, "interrupted") != 0) {
    fprintf(o, "  BAD   verdict: \"%s\", but the scenario verdicts make it \"%s\"\n", verdict, implied);
    bad = 1;
  }
  fprintf(o, "%s: the certificate is %s (verdict %s, bcsim %s, %s)\n", bad ? "REJECTED" : "VALID",
          bad ? "not to be trusted" : "intact", verdict, report_str(cert, "bcsim_version"), report_str(cert, "date"));
  rc = bad ? 1 : 0;
out:
  cJSON_Delete(cert);
  cJSON_Delete(sig);
  return rc;
}

int certificate_verify(const char *cert_path, const char *sig_path, const char *want_thumbprint, FILE *o) {
  size_t len = 0, slen = 0;
  char *data = read_all(cert_path, &len), *sigtext = read_all(sig_path, &slen);
  int rc = certificate_verify_text(data, len, cert_path, sigtext, sig_path, want_thumbprint, o);
  free(data);
  free(sigtext);
  return rc;
}
