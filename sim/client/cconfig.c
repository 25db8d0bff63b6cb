#include "sim/client/cconfig.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rbe");
  char *buf = NULL;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && n < (1 << 20)) {
      rewind(f);
      buf = malloc((size_t)n + 1);
      if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) buf[n] = 0;
      else {
        free(buf);
        buf = NULL;
      }
    }
  }
  fclose(f);
  return buf;
}

static int take(const cJSON *obj, const char *key, char *out, size_t len) {
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
  if (!v || strlen(v) >= len) return -1;
  snprintf(out, len, "%s", v);
  return 0;
}

static char *take_dup(const cJSON *obj, const char *key) {
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
  return v ? strdup(v) : NULL;
}

/* Strict base64: returns a malloc'd buffer and its length, or NULL. */
static unsigned char *unb64(const char *in, size_t *len) {
  size_t n = in ? strlen(in) : 0;
  if (n == 0 || n % 4 != 0) return NULL;
  unsigned char *out = malloc(n / 4 * 3 + 1);
  if (!out) return NULL;
  int got = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
  if (got < 0) {
    free(out);
    return NULL;
  }
  size_t pad = (in[n - 1] == '=') + (in[n - 2] == '=');
  *len = (size_t)got - pad;
  out[*len] = 0;
  return out;
}

/* Checks signer and signature; returns the verified payload (malloc'd). */
static char *verified_payload(const cJSON *file, const char *thumbprint, bool skip_signature, char *err,
                              size_t errlen) {
  size_t plen = 0, slen = 0, klen = 0;
  unsigned char *payload = unb64(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(file, "payload")), &plen);
  unsigned char *sig = unb64(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(file, "signature")), &slen);
  unsigned char *spki = unb64(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(file, "signer")), &klen);
  EVP_PKEY *key = NULL;
  EVP_MD_CTX *md = NULL;
  char *result = NULL;
  if (!payload || !sig || !spki) {
    snprintf(err, errlen, "the config is not a signed BC config (payload, signature and signer are required)");
    goto out;
  }
  if (thumbprint) {
    unsigned char digest[32];
    char b64[64];
    SHA256(spki, klen, digest);
    EVP_EncodeBlock((unsigned char *)b64, digest, sizeof digest);
    if (strcmp(b64, thumbprint) != 0) {
      snprintf(err, errlen, "the config's signer does not match the thumbprint (signer %s, thumbprint %s)", b64, thumbprint);
      goto out;
    }
  }
  if (skip_signature) {
    result = (char *)payload;
    payload = NULL;
    goto out;
  }
  const unsigned char *p = spki;
  key = d2i_PUBKEY(NULL, &p, (long)klen);
  md = EVP_MD_CTX_new();
  if (!key || !md || EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) <= 0 ||
      EVP_DigestVerify(md, sig, slen, payload, plen) != 1) {
    snprintf(err, errlen, "the config's signature does not verify: it was changed after signing");
    goto out;
  }
  result = (char *)payload;
  payload = NULL;
out:
  free(payload);
  free(sig);
  free(spki);
  EVP_PKEY_free(key);
  EVP_MD_CTX_free(md);
  return result;
}

cc_config_status_t cc_config_parse(cc_config_t *cfg, const char *config_text, const char *config_name,
                                   const char *enrollment_text, const char *enrollment_name, const char *thumbprint,
                                   const char *trust_pem, bool skip_signature, char *err, size_t errlen) {
  char *payload = NULL;
  cJSON *file = NULL, *c = NULL, *e = NULL;
  cc_config_status_t rc = CC_CONFIG_UNREADABLE;
  memset(cfg, 0, sizeof *cfg);
  file = config_text ? cJSON_Parse(config_text) : NULL;
  if (!file) {
    snprintf(err, errlen, "cannot read the BC config %s", config_name);
    goto out;
  }
  payload = verified_payload(file, thumbprint, skip_signature, err, errlen);
  if (!payload) {
    rc = CC_CONFIG_REFUSED;
    goto out;
  }
  c = cJSON_Parse(payload);
  const char *sp_url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "sp_url"));
  if (!c || take(c, "bc_domain", cfg->bc_domain, sizeof cfg->bc_domain) < 0 ||
      take(c, "pcc_dns_name", cfg->pcc_dns_name, sizeof cfg->pcc_dns_name) < 0 ||
      take(c, "pcc_sni_enrolled", cfg->sni_enrolled, sizeof cfg->sni_enrolled) < 0 ||
      take(c, "pcc_sni_new", cfg->sni_new, sizeof cfg->sni_new) < 0 || !sp_url ||
      sscanf(sp_url, "https://%299[^/]", cfg->sp_host) != 1 || !(cfg->sp_ca_pem = take_dup(c, "sp_ca_pem"))) {
    snprintf(err, errlen, "the BC config %s lacks a required setting", config_name);
    goto out;
  }
  take(c, "cloud_sp", cfg->cloud_sp, sizeof cfg->cloud_sp);
  take(c, "portal", cfg->portal, sizeof cfg->portal);
  e = enrollment_text ? cJSON_Parse(enrollment_text) : NULL;
  if (e) {
    if (take(e, "device_id", cfg->device_id, sizeof cfg->device_id) < 0 ||
        take(e, "token", cfg->token, sizeof cfg->token) < 0 || take(e, "broker", cfg->broker, sizeof cfg->broker) < 0 ||
        !(cfg->cloud_ca_pem = take_dup(e, "cloud_ca_pem"))) {
      snprintf(err, errlen, "the enrollment in %s is damaged", enrollment_name);
      goto out;
    }
    cfg->enrolled = true;
  } else {
    snprintf(cfg->device_id, sizeof cfg->device_id, "device-new");
  }
  if (!cfg->cloud_ca_pem && trust_pem) cfg->cloud_ca_pem = strdup(trust_pem);
  if (!cfg->cloud_ca_pem) {
    snprintf(err, errlen, "no trust store: give --trust, or an enrollment with the cloud CA");
    goto out;
  }
  rc = CC_CONFIG_OK;
out:
  cJSON_Delete(file);
  cJSON_Delete(c);
  cJSON_Delete(e);
  free(payload);
  if (rc != CC_CONFIG_OK) cc_config_clear(cfg);
  return rc;
}

cc_config_status_t cc_config_load(cc_config_t *cfg, const char *config_path, const char *state_dir,
                                  const char *thumbprint, const char *trust_path, bool skip_signature, char *err,
                                  size_t errlen) {
  char enrollment_path[1024];
  snprintf(enrollment_path, sizeof enrollment_path, "%s/enrollment.json", state_dir);
  char *text = slurp(config_path), *etext = slurp(enrollment_path), *trust = trust_path ? slurp(trust_path) : NULL;
  cc_config_status_t rc = cc_config_parse(cfg, text, config_path, etext, enrollment_path, thumbprint, trust,
                                          skip_signature, err, errlen);
  free(text);
  free(etext);
  free(trust);
  return rc;
}

void cc_config_clear(cc_config_t *cfg) {
  free(cfg->sp_ca_pem);
  free(cfg->cloud_ca_pem);
  cfg->sp_ca_pem = cfg->cloud_ca_pem = NULL;
}

void cc_config_peek_pcc(const char *config_path) {
  char *text = slurp(config_path);
  cJSON *file = text ? cJSON_Parse(text) : NULL;
  size_t plen = 0;
  unsigned char *payload = unb64(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(file, "payload")), &plen);
  cJSON *c = payload ? cJSON_Parse((char *)payload) : NULL;
  const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "pcc_dns_name"));
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  if (name && getaddrinfo(name, "443", &hints, &res) == 0) freeaddrinfo(res);
  cJSON_Delete(c);
  free(payload);
  cJSON_Delete(file);
  free(text);
}
