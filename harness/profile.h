/* profile: how to run one client under test (the JSON files in fixtures/clients/).
 *
 * The command and probe are argv templates with ${placeholders} that the
 * runner fills in per scenario: ${bindir}, ${profile_dir}, ${config},
 * ${state_dir}, ${bc_domain}, ${app}, and ${timer.NAME} (milliseconds, or a
 * count for retries). See docs/client-profile.md.
 *
 * A profile may "extends" another (a path relative to its folder) and give
 * only what differs: its keys replace the base's, "timers" merge timer by
 * timer, and "args" are appended to the command. The loader resolves the
 * chain, so a profile_t is always the whole profile. */
#ifndef BC_PROFILE_H
#define BC_PROFILE_H
#include "base/diag.h"
#include "harness/scenario.h"

#define PROFILE_MAX_ARGS 48
#define PROFILE_MAX_ARTEFACTS 64
#define PROFILE_MAX_BASES 8 /* profiles that may stand behind one ("extends", and theirs) */

typedef struct profile {
  char path[512];
  char dir[512]; /* path's folder: ${profile_dir}, and what "extends" and "artefacts" are relative to */
  /* The profiles it extends, nearest first (as paths from the current
   * folder): the client's own files too, which a certificate hashes. */
  int n_bases;
  char bases[PROFILE_MAX_BASES][512];
  char name[SC_NAME];
  char description[256];
  int argc, probe_argc;
  char *argv[PROFILE_MAX_ARGS];       /* owned */
  char *probe_argv[PROFILE_MAX_ARGS]; /* owned */
  int n_timers;
  sc_timer_t timers[SC_MAX_TIMERS]; /* what the client is configured with by default */
  /* Defect profiles: the requirement the defect breaks, and the scenarios
   * expected to catch it (bcsim selftest tries those first). */
  bool speaks_session; /* "levels": the client speaks bcsim's session protocol (default yes) */
  bool shows_on_wire;  /* defect profiles, "shows_on": a network-level check can catch it (default yes) */
  /* "artefacts": the client's own files a certificate hashes, as globs
   * relative to the profile's folder (none: every file below that folder). */
  int n_artefacts;
  char artefacts[PROFILE_MAX_ARTEFACTS][256];
  char artefacts_file[512]; /* the profile (path or a base) that declared them, for positions */
  int artefact_line[PROFILE_MAX_ARTEFACTS], artefact_col[PROFILE_MAX_ARTEFACTS];
  char violates[SC_NAME];
  int n_catch;
  char catch_ids[8][SC_NAME];
} profile_t;

/* Reads a base profile's text (malloc'd; the caller frees it), or returns
 * NULL with errno set. */
typedef char *(*profile_read_fn)(void *ctx, const char *path);

/* Loads and validates a profile and the profiles it extends; NULL with d
 * filled in on error (at the file, line and column of the mistake, which
 * may be in a base). Free with profile_free. */
profile_t *profile_load(const char *path, diag_t *d);
/* The same from text; path names it in diagnostics and anchors its relative
 * paths. Bases are read from the file system. */
profile_t *profile_parse(const char *text, const char *path, diag_t *d);
/* The same, with bases read through read(ctx, path): tests and the fuzz
 * target hand over text without touching files. */
profile_t *profile_parse_with(const char *text, const char *path, profile_read_fn read, void *ctx, diag_t *d);
void profile_free(profile_t *p);
/* The names a template may use, for validation and for `bcsim list`. */
bool profile_placeholder_known(const char *name);
#endif
