/* certificate: certificate.json, the certification summary a vendor publishes.
 *
 * It binds the verdicts to exactly what was tested: the client profile and
 * the SHA-256 of the client binary, the bcsim version, the hash of the
 * scenario set (each scenario file's SHA-256, by id), the vendor profile, and
 * the date. `bcsim run --sign-key KEY` adds a detached signature
 * (certificate.json.sig); certificate_verify checks the signature and
 * recomputes every hash it can, so neither an edited verdict nor a swapped
 * binary passes. The format is in docs/report-format.md. */
#ifndef BC_CERTIFICATE_H
#define BC_CERTIFICATE_H
#include <cjson/cJSON.h>
#include <stdio.h>

#define CERTIFICATE_VERSION 1

typedef struct certificate_inputs {
  const char *client_profile; /* path of the client profile */
  const char *client_binary;  /* resolved path of the program it runs */
  const char *vendor_profile; /* path, or NULL */
  const char *date;           /* RFC 3339 UTC */
} certificate_inputs_t;

/* Now, as the date a certificate carries (RFC 3339, UTC). */
void certificate_now(char date[32]);

/* Builds the certificate of a finished run's report. Returns a new object,
 * or NULL with err set (a file that cannot be hashed). */
cJSON *certificate_build(const cJSON *report, const certificate_inputs_t *in, char *err, size_t errlen);

/* The certificate of a merged run (bcsim report merge): the shards'
 * certificates must name the same client binary and profile, vendor profile
 * and bcsim version; the scenarios are taken in the merged report's order,
 * and the set hash, summary and verdict are the merged run's. Returns a new
 * object, or NULL with err saying what differs. */
cJSON *certificate_merge(cJSON *const *shards, int n, const cJSON *merged_report, const char *date, char *err,
                         size_t errlen);

/* Signs the bytes of a written certificate with the PEM private key at
 * key_path (EC, RSA or Ed25519) and writes the detached signature to
 * sig_path. 0, or -1 with err set. */
int certificate_sign(const char *cert_path, const char *key_path, const char *sig_path, char *err, size_t errlen);
/* certificate_sign of <out_dir>/certificate.json into <out_dir>/certificate.json.sig. */
int certificate_sign_in(const char *out_dir, const char *key_path, char *err, size_t errlen);

/* Verifies cert_path against sig_path and recomputes the hashes, printing
 * each finding to out. want_thumbprint (may be NULL) pins the signer.
 * Returns 0 when everything holds, 1 when something does not, 2 when the
 * files cannot be read or parsed. */
int certificate_verify(const char *cert_path, const char *sig_path, const char *want_thumbprint, FILE *out);
/* The same from the files' bytes (either may be NULL: unreadable); the paths are for messages. */
int certificate_verify_text(const char *cert, size_t cert_len, const char *cert_path, const char *sig,
                            const char *sig_path, const char *want_thumbprint, FILE *out);

/* The SHA-256 of a regular file, in lower-case hex. 0 or -1. */
int certificate_file_sha256(const char *path, char hex[65]);
#endif
