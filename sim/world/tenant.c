#include "sim/world/tenant.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/files.h"

/* tenant.json holds two domain names: anything longer is not one. */
#define TENANT_META_MAX 4096

struct tenant {
  char bc_domain[128], cloud_domain[128];
  pki_cert_t *bc_ca, *cloud_ca, *signer;
  char thumbprint[64];
  char *settings;
};

static char *b64(const unsigned char *data, size_t len) {
  char *out = malloc(4 * ((len + 2) / 3) + 1);
  if (out) EVP_EncodeBlock((unsigned char *)out, data, (int)len);
  return out;
}

/* base64 of the DER SubjectPublicKeyInfo, and of its SHA-256 (the thumbprint). */
static int spki_b64(EVP_PKEY *key, char **spki, char *thumb, size_t thumb_len) {
  unsigned char *der = NULL, digest[32];
  int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return -1;
  SHA256(der, (size_t)n, digest);
  *spki = b64(der, (size_t)n);
  char *t = b64(digest, sizeof digest);
  if (t) snprintf(thumb, thumb_len, "%s", t);
  free(t);
  OPENSSL_free(der);
  return *spki && thumb[0] ? 0 : -1;
}

int tenant_write_signed(const char *path, const char *signed_part, const char *payload, EVP_PKEY *key) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned char sig[256];
  size_t siglen = sizeof sig;
  char *p64 = NULL, *s64 = NULL, *spki = NULL, *text = NULL, thumb[64] = "";
  cJSON *file = cJSON_CreateObject();
  int rc = -1;
  if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) <= 0 ||
      EVP_DigestSign(md, sig, &siglen, (const unsigned char *)signed_part, strlen(signed_part)) <= 0)
    goto out;
  p64 = b64((const unsigned char *)payload, strlen(payload));
  s64 = b64(sig, siglen);
  if (!p64 || !s64 || spki_b64(key, &spki, thumb, sizeof thumb) < 0) goto out;
  cJSON_AddNumberToObject(file, "version", 1);
  cJSON_AddStringToObject(file, "format", "bcsim-signed-config");
  cJSON_AddStringToObject(file, "payload", p64);
  cJSON_AddStringToObject(file, "signature", s64);
  cJSON_AddStringToObject(file, "signer", spki);
  text = cJSON_Print(file);
  rc = text ? files_write_text(path, text, 0666) : -1;
out:
  EVP_MD_CTX_free(md);
  cJSON_free(text);
  free(p64);
  free(s64);
  free(spki);
  cJSON_Delete(file);
  return rc;
}

int tenant_write_config(const tenant_t *t, const char *path) {
  return tenant_write_signed(path, t->settings, t->settings, t->signer->key);
}

/* What the BC page lists: the PCC name, the two SNIs, the SP and its CA. */
static int build_settings(tenant_t *t) {
  char v[300], *bc_pem = pki_cert_pem(t->bc_ca), *spki = NULL;
  cJSON *cfg = cJSON_CreateObject();
  int rc = -1;
  if (!bc_pem || !cfg) goto out;
  cJSON_AddStringToObject(cfg, "bc_domain", t->bc_domain);
  snprintf(v, sizeof v, "any2bcp.%s", t->bc_domain);
  cJSON_AddStringToObject(cfg, "pcc_dns_name", v);
  snprintf(v, sizeof v, "c2.%s", t->bc_domain);
  cJSON_AddStringToObject(cfg, "pcc_sni_enrolled", v);
  snprintf(v, sizeof v, "c2site.%s", t->bc_domain);
  cJSON_AddStringToObject(cfg, "pcc_sni_new", v);
  snprintf(v, sizeof v, "https://bcpsp.%s/", t->bc_domain);
  cJSON_AddStringToObject(cfg, "sp_url", v);
  cJSON_AddStringToObject(cfg, "sp_ca_pem", bc_pem);
  snprintf(v, sizeof v, "samlsp.%s", t->cloud_domain);
  cJSON_AddStringToObject(cfg, "cloud_sp", v);
  snprintf(v, sizeof v, "portal.%s", t->cloud_domain);
  cJSON_AddStringToObject(cfg, "portal", v);
  t->settings = cJSON_PrintUnformatted(cfg);
  if (t->settings && spki_b64(t->signer->key, &spki, t->thumbprint, sizeof t->thumbprint) == 0) rc = 0;
out:
  free(bc_pem);
  free(spki);
  cJSON_Delete(cfg);
  return rc;
}

static pki_cert_t *issue_signer(const tenant_t *t) {
  char name[200];
  snprintf(name, sizeof name, "config-signing.%s", t->bc_domain);
  const char *names[] = {name};
  return pki_issue(t->bc_ca, names, 1, -3600, 3650);
}

tenant_t *tenant_new(const char *bc_domain, const char *cloud_domain, char *err, size_t errlen) {
  tenant_t *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  snprintf(t->bc_domain, sizeof t->bc_domain, "%s", bc_domain);
  snprintf(t->cloud_domain, sizeof t->cloud_domain, "%s", cloud_domain);
  t->bc_ca = pki_ca_new("BC SP CA (bcsim lab)");
  t->cloud_ca = pki_ca_new("Public cloud CA (bcsim lab)");
  t->signer = t->bc_ca ? issue_signer(t) : NULL;
  if (!t->cloud_ca || !t->signer || build_settings(t) < 0) {
    snprintf(err, errlen, "generating the tenant's keys and certificates failed");
    tenant_free(t);
    return NULL;
  }
  return t;
}

static const char *const part_names[3] = {"bc-sp-ca", "cloud-ca", "config-signing"};

static pki_cert_t **part(tenant_t *t, int i) { return i == 0 ? &t->bc_ca : i == 1 ? &t->cloud_ca : &t->signer; }

tenant_t *tenant_open(const char *dir, const char *bc_domain, const char *cloud_domain, char *err, size_t errlen) {
  char meta[PATH_MAX], crt[PATH_MAX], key[PATH_MAX];
  snprintf(meta, sizeof meta, "%s/tenant.json", dir);
  char *text = files_read(meta, TENANT_META_MAX, NULL);
  if (!text && errno != ENOENT) {
    /* A tenant that is there but cannot be read must never be replaced: its keys would be lost. */
    snprintf(err, errlen, "%s: cannot read it: %s", meta, strerror(errno));
    return NULL;
  }
  if (!text) {
    /* A new tenant: the folder is private before any key goes into it. */
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
      snprintf(err, errlen, "%s: cannot create the tenant's folder: %s", dir, strerror(errno));
      return NULL;
    }
    tenant_t *t = tenant_new(bc_domain, cloud_domain, err, errlen);
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "bc_domain", bc_domain);
    cJSON_AddStringToObject(m, "cloud_domain", cloud_domain);
    char *out = cJSON_Print(m);
    int rc = t && out ? 0 : -1;
    for (int i = 0; rc == 0 && i < 3; i++) {
      snprintf(crt, sizeof crt, "%s/%s.pem", dir, part_names[i]);
      snprintf(key, sizeof key, "%s/%s.key", dir, part_names[i]);
      rc = pki_save(*part(t, i), crt, key);
    }
    if (rc == 0) rc = files_write_text(meta, out, 0666); /* last: a tenant.json means a complete tenant */
    cJSON_free(out);
    cJSON_Delete(m);
    if (rc < 0 && t) {
      snprintf(err, errlen, "%s: cannot write the tenant's keys: %s", dir, strerror(errno));
      tenant_free(t);
      t = NULL;
    }
    return t;
  }
  cJSON *m = cJSON_Parse(text);
  free(text);
  tenant_t *t = calloc(1, sizeof *t);
  const char *bc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "bc_domain"));
  const char *cloud = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "cloud_domain"));
  if (!t || !bc || !cloud) {
    snprintf(err, errlen, "%s: not a tenant description (bc_domain and cloud_domain)", meta);
    goto bad;
  }
  snprintf(t->bc_domain, sizeof t->bc_domain, "%s", bc);
  snprintf(t->cloud_domain, sizeof t->cloud_domain, "%s", cloud);
  for (int i = 0; i < 3; i++) {
    snprintf(crt, sizeof crt, "%s/%s.pem", dir, part_names[i]);
    snprintf(key, sizeof key, "%s/%s.key", dir, part_names[i]);
    if (!(*part(t, i) = pki_load(crt, key))) {
      snprintf(err, errlen, "%s or %s is missing, unreadable, or not a matching pair", crt, key);
      goto bad;
    }
  }
  if (build_settings(t) < 0) {
    snprintf(err, errlen, "%s: cannot rebuild the BC settings", dir);
    goto bad;
  }
  cJSON_Delete(m);
  return t;
bad:
  cJSON_Delete(m);
  tenant_free(t);
  return NULL;
}

void tenant_free(tenant_t *t) {
  if (!t) return;
  pki_cert_free(t->bc_ca);
  pki_cert_free(t->cloud_ca);
  pki_cert_free(t->signer);
  free(t->settings);
  free(t);
}

const char *tenant_bc_domain(const tenant_t *t) { return t->bc_domain; }
const char *tenant_cloud_domain(const tenant_t *t) { return t->cloud_domain; }
const pki_cert_t *tenant_bc_ca(const tenant_t *t) { return t->bc_ca; }
const pki_cert_t *tenant_cloud_ca(const tenant_t *t) { return t->cloud_ca; }
const pki_cert_t *tenant_signer(const tenant_t *t) { return t->signer; }
const char *tenant_thumbprint(const tenant_t *t) { return t->thumbprint; }
const char *tenant_settings(const tenant_t *t) { return t->settings; }
