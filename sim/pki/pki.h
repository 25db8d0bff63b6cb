/* pki: the certificate authorities and server certificates of one world.
 *
 * Everything is generated at run time (EC P-256, SHA-256); no private key is
 * ever written into the repository. A world has a BC SP CA (the one the admin
 * portal shows, issuing c2/c2site certificates to PCCs and PSEs) and a
 * separate public-cloud CA for the ZPA cloud's own names. */
#ifndef BC_PKI_H
#define BC_PKI_H
#include <openssl/evp.h>
#include <openssl/x509.h>

typedef struct pki_cert {
  EVP_PKEY *key;
  X509 *cert;
} pki_cert_t;

/* How long this process has spent in pki_ca_new and pki_issue, in µs:
 * keys and signatures, for the run's overhead (harness/overhead.h). */
int64_t pki_spent_us(void);
/* A self-signed CA. Returns NULL on failure. Free with pki_cert_free. */
pki_cert_t *pki_ca_new(const char *common_name);
/* A server certificate for names[0..n) (the first is also the CN), signed by
 * ca, valid from now+not_before_s for days. NULL on failure. */
pki_cert_t *pki_issue(const pki_cert_t *ca, const char *const *names, int n, long not_before_s, int days);
void pki_cert_free(pki_cert_t *c);
/* The certificate in PEM, malloc'd (caller frees), or NULL. */
char *pki_cert_pem(const pki_cert_t *c);
/* Writes the certificate as PEM to path, atomically (base/files.h). 0 or -1. */
int pki_write_cert(const pki_cert_t *c, const char *path);
/* Writes the certificate and its private key (mode 0600) as PEM, each atomically. 0 or -1. */
int pki_save(const pki_cert_t *c, const char *cert_path, const char *key_path);
/* Loads what pki_save wrote; NULL if either file is missing, unreadable, or
 * the key does not belong to the certificate. */
pki_cert_t *pki_load(const char *cert_path, const char *key_path);
#endif
