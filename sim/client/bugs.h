/* bugs: the reference client's deliberate defects, as named knobs.
 *
 * Each defect breaks a rule of docs/protocol.md on purpose, so that the
 * suite can show it catches a client that does the same. As in BoringSSL's
 * test shim (ProtocolBugs), every defect is a named field of one struct, and
 * one table (bugs.c) maps the name given to `--defect` to its field and says
 * in a line what it does. The client's code asks `bugs->wrong_sni`, so
 * defects combine: `--defect wrong-sni,old-tls`, or `--defect` twice.
 *
 * Which requirement a defect violates is not the client's to know: it is
 * the "violates" of its profile (fixtures/clients/defect-<name>.json), which
 * `bcsim selftest` reads, as it does for clients that are not ours.
 *
 * Part of the reference client: it shares no code with the simulator. */
#ifndef BCC_BUGS_H
#define BCC_BUGS_H
#include <stdbool.h>
#include <stddef.h>

/* Every field is a bool that the table names (bugs.c); what each does is
 * the table's line. All false: the conforming client. */
typedef struct cc_bugs {
  /* TLS */
  bool wrong_sni;
  bool no_sni;
  bool skip_verify;
  bool ignore_expiry;
  bool ignore_name;
  bool early_send;
  bool old_tls;
  bool no_stall_timeout;
  bool trust_ca_name;
  /* DNS */
  bool no_tcp_fallback;
  bool accept_spoofed;
  bool ignore_ttl;
  bool wrong_pcc_name;
  bool skip_first_address;
  bool dns_give_up;
  /* failover and failback */
  bool first_pcc_only;
  bool eager_failover;
  bool never_failover;
  bool never_failback;
  bool tight_loop;
  bool unknown_server;
  bool skip_same_se;
  bool fixed_ses;
  bool ignore_redirect;
  bool offline_gate;
  bool public_dns_gate;
  bool short_timeout;
  /* the config and enrollment */
  bool no_pinning;
  bool accept_tampered;
  bool resolve_refused;
  bool skip_cloud_sp;
  bool enroll_storm;
} cc_bugs_t;

/* The short-timeout defect's patience for any request, whatever the configured timeout (ms). */
#define CC_SHORT_TIMEOUT_MS 300

/* One row of the table: the name `--defect` takes, and what it does. */
typedef struct cc_bug_info {
  const char *name;
  const char *what;
} cc_bug_info_t;

/* The i-th row of the table, in the order of docs/client-profile.md; NULL
 * past the last. */
const cc_bug_info_t *cc_bug_at(size_t i);

/* Turns on the defects that list names ("a", or "a,b,..."), beside those
 * already on. 0; or -1 with err saying which name is unknown or empty, and
 * bugs left as they were. */
int cc_bugs_enable(cc_bugs_t *bugs, const char *list, char *err, size_t errlen);

/* Writes the names of the defects that are on, comma-separated, into out
 * ("" for none); returns how many are on. */
int cc_bugs_names(const cc_bugs_t *bugs, char *out, size_t outlen);
#endif
