/* signature: the detached signature of a certificate (certificate.json.sig).
 *
 * The signature is over the exact bytes of the file; the signature file
 * carries the public key and its thumbprint (base64 of the SHA-256 of the
 * DER SubjectPublicKeyInfo, the form a BC config's signer has), so anyone
 * can check it, and must compare the thumbprint with the one the signer
 * published. Format: docs/report-format.md. */
#ifndef BC_SIGNATURE_H
#define BC_SIGNATURE_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* Signs the bytes of the file at cert_path with the PEM private key at
 * key_path (EC, RSA or Ed25519) and writes the detached signature to
 * sig_path, atomically. 0, or -1 with err set. */
int signature_sign(const char *cert_path, const char *key_path, const char *sig_path, char *err, size_t errlen);
/* Checks sig (a parsed signature file) over the bytes data[0..len) and
 * prints the finding to o; want_thumb (may be NULL) pins the signer.
 * 0 when it holds, 1 when it does not. */
int signature_check(FILE *o, const char *data, size_t len, const cJSON *sig, const char *want_thumb);
#endif
