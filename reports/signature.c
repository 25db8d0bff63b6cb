#include "reports/signature.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"
#include "harness/report_json.h"

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

int signature_sign(const char *cert_path, const char *key_path, const char *sig_path, char *err, size_t errlen) {
  size_t len = 0, siglen = 0;
  char *data = files_read(cert_path, FILES_INPUT_MAX, &len), *sig64 = NULL, *pem = NULL, thumb[64] = "";
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
  /* Written whole, then renamed: never half a signature. */
  rc = files_write_json(sig_path, out, 0666);
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

int signature_check(FILE *o, const char *data, size_t len, const cJSON *sig, const char *want_thumb) {
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

