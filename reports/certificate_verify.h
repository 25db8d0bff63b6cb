/* certificate_verify: bcsim verify, the check of a signed certificate.json.
 *
 * It checks the signature, recomputes every hash it can find (the roots are
 * given with --root, else looked for where the tester had them, but only
 * when the signature holds), and checks that the certificate agrees with
 * itself: each scenario's verdict follows from its checks (the verdict
 * model, harness/verdict.h), the summary from the scenarios and the run
 * verdict from the summary (report_summarize), with the same code that made
 * it. Where the vendor profile and the scenario files are here, each waiver
 * must be one of the profile's entries and each scenario's checks its
 * file's. What a valid certificate proves: docs/certification.md. */
#ifndef BC_CERTIFICATE_VERIFY_H
#define BC_CERTIFICATE_VERIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/exit.h"

/* certificate_verify's exit code when nothing is wrong but some items could not be re-checked. */
#define CERTIFICATE_PARTIAL EXIT_QUALIFIED

/* Where verify finds a root's local copy: bcsim verify --root NAME=DIR. */
typedef struct certificate_root {
  const char *name, *dir;
} certificate_root_t;

typedef struct certificate_verify_opts {
  const char *want_thumbprint;     /* pins the signer; may be NULL */
  const certificate_root_t *roots; /* --root; a root not given is looked for where the tester had it */
  int n_roots;
  bool strict;                     /* an item that could not be re-checked rejects the certificate */
} certificate_verify_opts_t;

/* Verifies cert_path against sig_path, printing each finding to out.
 * Returns bcsim verify's exit code (base/exit.h): EXIT_PASS when everything
 * holds and every item was re-checked; EXIT_FAIL when something does not
 * hold (or, with strict, an item could not be re-checked);
 * CERTIFICATE_PARTIAL when nothing is wrong but some items could not be
 * re-checked; EXIT_USAGE when the files cannot be read or parsed, are of
 * another certificate version, or opts names a root the certificate does
 * not have. */
int certificate_verify(const char *cert_path, const char *sig_path, const certificate_verify_opts_t *opts, FILE *out);
/* The same from the files' bytes (either may be NULL: unreadable); the paths are for messages. */
int certificate_verify_text(const char *cert, size_t cert_len, const char *cert_path, const char *sig,
                            const char *sig_path, const certificate_verify_opts_t *opts, FILE *out);
#endif
