/* tenant: what a customer's ZPA tenant keeps, and its admin portal's
 * Business Continuity page shows: the BC SP CA, the config signing key with
 * its certificate, the BC settings, and the signed config file built from
 * them.
 *
 * A tenant is either made for one run (every scenario gets fresh keys), or
 * kept in a state directory, as a real tenant's keys are kept: the
 * thumbprint copied today then still matches the config downloaded
 * yesterday, and `bcsim serve` and `bcsim bc ...` agree on one world. The
 * directory holds private keys (mode 0600 in a 0700 folder), so it is the
 * user's, never the repository's. */
#ifndef BC_TENANT_H
#define BC_TENANT_H
#include <openssl/evp.h>

#include "sim/pki/pki.h"

typedef struct tenant tenant_t;

/* Fresh keys for one run. NULL with err on failure. */
tenant_t *tenant_new(const char *bc_domain, const char *cloud_domain, char *err, size_t errlen);
/* The tenant kept in dir: loaded if it is there, else created there with
 * these domains. A kept tenant keeps its own domains. NULL with err. */
tenant_t *tenant_open(const char *dir, const char *bc_domain, const char *cloud_domain, char *err, size_t errlen);
void tenant_free(tenant_t *t);

const char *tenant_bc_domain(const tenant_t *t);
const char *tenant_cloud_domain(const tenant_t *t);
const pki_cert_t *tenant_bc_ca(const tenant_t *t);
const pki_cert_t *tenant_cloud_ca(const tenant_t *t);
/* The config signing certificate; its key signs the BC config. */
const pki_cert_t *tenant_signer(const tenant_t *t);
/* base64(SHA-256(DER SubjectPublicKeyInfo)) of the signing key: "Copy Thumbprint". */
const char *tenant_thumbprint(const tenant_t *t);
/* The BC settings (compact JSON) the config carries. */
const char *tenant_settings(const tenant_t *t);

/* Writes a signed config file to path: payload (base64) with a signature
 * over signed_part by key, and key's public half as the signer. The normal
 * config is tenant_write_config; the two differ only for config faults. 0 or -1. */
int tenant_write_signed(const char *path, const char *signed_part, const char *payload, EVP_PKEY *key);
/* Download Config: the tenant's settings, signed by its signing key. 0 or -1. */
int tenant_write_config(const tenant_t *t, const char *path);
#endif
