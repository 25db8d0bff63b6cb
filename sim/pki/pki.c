#include "sim/pki/pki.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dur.h"
#include "base/files.h"

/* Time this process spent making keys and signing certificates: part of what a run costs. */
static int64_t spent_us;

int64_t pki_spent_us(void) { return spent_us; }

void pki_cert_free(pki_cert_t *c) {
  if (!c) return;
  EVP_PKEY_free(c->key);
  X509_free(c->cert);
  free(c);
}

static int add_ext(X509 *cert, const X509 *issuer, int nid, const char *value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, (X509 *)issuer, cert, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (!ext) return -1;
  int rc = X509_add_ext(cert, ext, -1) ? 0 : -1;
  X509_EXTENSION_free(ext);
  return rc;
}

/* A fresh key and a certificate skeleton (serial, validity, subject). */
static pki_cert_t *new_cert(const char *cn, long not_before_s, int days) {
  pki_cert_t *c = calloc(1, sizeof *c);
  ASN1_INTEGER *serial = NULL;
  BIGNUM *bn = NULL;
  if (!c) return NULL;
  c->key = EVP_EC_gen("P-256");
  c->cert = X509_new();
  bn = BN_new();
  if (!c->key || !c->cert || !bn || !BN_rand(bn, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY)) goto fail;
  serial = BN_to_ASN1_INTEGER(bn, NULL);
  X509_NAME *name = X509_get_subject_name(c->cert);
  if (!serial || !X509_set_version(c->cert, 2) || !X509_set_serialNumber(c->cert, serial) ||
      !X509_gmtime_adj(X509_getm_notBefore(c->cert), not_before_s) ||
      !X509_gmtime_adj(X509_getm_notAfter(c->cert), not_before_s + (long)days * 86400) ||
      !X509_set_pubkey(c->cert, c->key) ||
      !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"bcsim lab", -1, -1, 0) ||
      !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0))
    goto fail;
  ASN1_INTEGER_free(serial);
  BN_free(bn);
  return c;
fail:
  ASN1_INTEGER_free(serial);
  BN_free(bn);
  pki_cert_free(c);
  return NULL;
}

static pki_cert_t *ca_new(const char *common_name);

pki_cert_t *pki_ca_new(const char *common_name) {
  int64_t t0 = dur_now_us();
  pki_cert_t *c = ca_new(common_name);
  spent_us += dur_now_us() - t0;
  return c;
}

static pki_cert_t *ca_new(const char *common_name) {
  pki_cert_t *c = new_cert(common_name, -3600, 365);
  if (!c) return NULL;
  if (!X509_set_issuer_name(c->cert, X509_get_subject_name(c->cert)) ||
      add_ext(c->cert, c->cert, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
      add_ext(c->cert, c->cert, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
      add_ext(c->cert, c->cert, NID_subject_key_identifier, "hash") < 0 ||
      !X509_sign(c->cert, c->key, EVP_sha256())) {
    pki_cert_free(c);
    return NULL;
  }
  return c;
}

static pki_cert_t *issue(const pki_cert_t *ca, const char *const *names, int n, long not_before_s, int days);

pki_cert_t *pki_issue(const pki_cert_t *ca, const char *const *names, int n, long not_before_s, int days) {
  int64_t t0 = dur_now_us();
  pki_cert_t *c = issue(ca, names, n, not_before_s, days);
  spent_us += dur_now_us() - t0;
  return c;
}

static pki_cert_t *issue(const pki_cert_t *ca, const char *const *names, int n, long not_before_s, int days) {
  char san[1024] = "";
  size_t used = 0;
  if (n < 1) return NULL;
  pki_cert_t *c = new_cert(names[0], not_before_s, days);
  if (!c) return NULL;
  for (int i = 0; i < n && used < sizeof san; i++)
    used += (size_t)snprintf(san + used, sizeof san - used, "%sDNS:%s", i ? "," : "", names[i]);
  if (used >= sizeof san || !X509_set_issuer_name(c->cert, X509_get_subject_name(ca->cert)) ||
      add_ext(c->cert, ca->cert, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
      add_ext(c->cert, ca->cert, NID_key_usage, "critical,digitalSignature") < 0 ||
      add_ext(c->cert, ca->cert, NID_ext_key_usage, "serverAuth") < 0 ||
      add_ext(c->cert, ca->cert, NID_authority_key_identifier, "keyid:always") < 0 ||
      add_ext(c->cert, ca->cert, NID_subject_alt_name, san) < 0 ||
      !X509_sign(c->cert, ca->key, EVP_sha256())) {
    pki_cert_free(c);
    return NULL;
  }
  return c;
}

char *pki_cert_pem(const pki_cert_t *c) {
  BIO *b = BIO_new(BIO_s_mem());
  char *out = NULL;
  if (!b || !PEM_write_bio_X509(b, c->cert)) goto done;
  char *data = NULL;
  long n = BIO_get_mem_data(b, &data);
  out = malloc((size_t)n + 1);
  if (out) {
    memcpy(out, data, (size_t)n);
    out[n] = 0;
  }
done:
  BIO_free(b);
  return out;
}

int pki_write_cert(const pki_cert_t *c, const char *path) {
  files_atomic_t *a = files_atomic_new(path, 0666);
  if (!a) return -1;
  if (PEM_write_X509(files_atomic_stream(a), c->cert)) return files_atomic_commit(a);
  files_atomic_free(a);
  return -1;
}

int pki_save(const pki_cert_t *c, const char *cert_path, const char *key_path) {
  if (pki_write_cert(c, cert_path) < 0) return -1;
  /* Created 0600 from the start: a private key is never readable by others, not even briefly. */
  files_atomic_t *a = files_atomic_new(key_path, 0600);
  if (!a) return -1;
  if (PEM_write_PrivateKey(files_atomic_stream(a), c->key, NULL, NULL, 0, NULL, NULL)) return files_atomic_commit(a);
  files_atomic_free(a);
  return -1;
}

pki_cert_t *pki_load(const char *cert_path, const char *key_path) {
  pki_cert_t *c = calloc(1, sizeof *c);
  FILE *cf = fopen(cert_path, "re"), *kf = fopen(key_path, "re");
  if (c && cf) c->cert = PEM_read_X509(cf, NULL, NULL, NULL);
  if (c && kf) c->key = PEM_read_PrivateKey(kf, NULL, NULL, NULL);
  if (cf) fclose(cf);
  if (kf) fclose(kf);
  if (c && (!c->cert || !c->key || X509_check_private_key(c->cert, c->key) != 1)) {
    pki_cert_free(c);
    c = NULL;
  }
  return c;
}
