/* certificate: certificate.json, the certification summary a vendor publishes.
 *
 * It binds the verdicts to everything that decided them: the client profile,
 * the program it runs and the client's own files (artefacts), the vendor
 * profile and the waivers it applied, each scenario file, bcsim's version
 * and commit, and the run settings that can change a verdict. Files are
 * named by a path relative to a named root (suite, profile, vendor, bin), so
 * a third party with copies of the same inputs can recompute every hash.
 * `bcsim run --sign-key KEY` adds a detached signature (reports/signature.h),
 * and bcsim verify checks one (reports/certificate_verify.h).
 * What a certificate proves, and what it does not: docs/certification.md;
 * the format: docs/report-format.md. */
#ifndef BC_CERTIFICATE_H
#define BC_CERTIFICATE_H
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

/* 2: paths relative to named roots, artefacts, run settings, waivers, commit. */
#define CERTIFICATE_VERSION 2

typedef struct certificate_inputs {
  const char *client_profile;   /* path of the client profile */
  const char *client_binary;    /* resolved path of the program it runs */
  const cJSON *artefacts;       /* the client's own files, hashed before the run (certificate_artefacts) */
  bool artefacts_declared;      /* named by the profile's "artefacts", not its whole folder */
  const char *vendor_profile;   /* path, or NULL */
  const char *suite_root;       /* the folder scenario files are named from (certificate_common_root) */
  const cJSON *run;             /* the run settings that can change a verdict; copied */
  const char *date;             /* RFC 3339 UTC */
} certificate_inputs_t;

/* Now, as the date a certificate carries (RFC 3339, UTC). */
void certificate_now(char date[32]);

/* The deepest folder that holds every one of the files (resolved), into out:
 * the suite root of a run. 0, or -1 when a file cannot be resolved. */
int certificate_common_root(const char *const *paths, int n, char out[PATH_MAX]);

/* The client's artefacts (harness/artefacts.h) as the certificate lists
 * them: {"root": "profile", "path", "sha256"} each, relative to the folder
 * of the client profile at profile_path. bcsim run calls it before any lab
 * starts, so the hashes are of the files the client ran with. A new array,
 * or NULL with err set: a file that cannot be hashed, or that resolves
 * outside the profile's folder (a symbolic link out of it). */
cJSON *certificate_artefacts(const char *profile_path, const char *const *paths, int n, char *err, size_t errlen);

/* Builds the certificate of a finished run's report. Returns a new object,
 * or NULL with err set (a file that cannot be hashed, or lies outside its root). */
cJSON *certificate_build(const cJSON *report, const certificate_inputs_t *in, char *err, size_t errlen);

/* The certificate of a merged run (bcsim report merge): the shards'
 * certificates must name the same client (profile, binary, artefacts),
 * vendor profile, bcsim and run settings, and no shard twice; the scenarios
 * are taken in the merged report's order, and the set hash, summary and
 * verdict are the merged run's. Returns a new object, or NULL with err
 * saying what differs. */
cJSON *certificate_merge(cJSON *const *shards, int n, const cJSON *merged_report, const char *date, char *err,
                         size_t errlen);

/* Signs <out_dir>/certificate.json into <out_dir>/certificate.json.sig. 0, or -1 with err set. */
int certificate_sign_in(const char *out_dir, const char *key_path, char *err, size_t errlen);

/* The named roots a certificate's paths are relative to: the scenarios
 * (suite), the client profile's folder (profile), the vendor profile's
 * (vendor), and the folder of the program the profile runs (bin). */
enum { CERTIFICATE_ROOT_SUITE, CERTIFICATE_ROOT_PROFILE, CERTIFICATE_ROOT_VENDOR, CERTIFICATE_ROOT_BIN, CERTIFICATE_N_ROOTS };
/* Each root's name in a certificate's "roots" and file entries. */
extern const char *const certificate_root_names[CERTIFICATE_N_ROOTS];

/* SHA-256 over "id sha256\n" lines in id order, into out (lower-case hex):
 * the scenario set's identity, independent of where the files were on the
 * tester's disk. scenarios is a certificate's "scenarios". */
void certificate_scenario_set_sha256(const cJSON *scenarios, char out[65]);

/* The SHA-256 of a regular file, in lower-case hex. 0 or -1. */
int certificate_file_sha256(const char *path, char hex[65]);
#endif
