/* session: the reference client's connection logic.
 *
 * Normal times: broker -> Service Edge tunnel with keepalives. On loss it
 * reconnects to the same Service Edge, then the next one, `retries` times
 * each; then it resolves the PCC DNS name with the system resolver (off the
 * event loop: sim/client/resolve.h), tries
 * each PCC address in turn with TLS (SNI c2.<bc_domain>, chain to the BC SP
 * CA, name, validity, TLS 1.2+), follows the redirect to a PSE and opens a
 * tunnel there. A local HTTP port serves the app probe through the current
 * tunnel. Defects (--defect) break one rule each, on purpose. */
#ifndef BCC_SESSION_H
#define BCC_SESSION_H
#include <event2/event.h>

#include "sim/client/cconfig.h"

typedef struct cc_timers {
  int keepalive_ms;
  int timeout_ms;
  int retries;
  int backoff_ms;
} cc_timers_t;

/* Deliberate defects, one requirement each (docs/SPEC.md), so the suite can
 * show it catches such a client. See fixtures/clients/defect-*.json. */
typedef enum {
  CC_DEFECT_NONE,
  CC_DEFECT_WRONG_SNI,       /* BC-TLS-02: c2site while enrolled (c2 while new) */
  CC_DEFECT_NO_SNI,          /* BC-TLS-01: no SNI to PCCs and PSEs */
  CC_DEFECT_SKIP_VERIFY,     /* BC-TLS-03: accepts any certificate */
  CC_DEFECT_IGNORE_EXPIRY,   /* BC-TLS-03: ignores the validity period */
  CC_DEFECT_IGNORE_NAME,     /* BC-TLS-03: ignores the certificate's name */
  CC_DEFECT_EARLY_SEND,      /* BC-TLS-05: sends the request, then checks the certificate */
  CC_DEFECT_OLD_TLS,         /* BC-TLS-06: offers TLS 1.0 and 1.1 */
  CC_DEFECT_NO_STALL_TIMEOUT, /* BC-TLS-07: waits forever for a ServerHello */
  CC_DEFECT_FIRST_PCC_ONLY,  /* BC-FO-04: tries only the first PCC address */
  CC_DEFECT_NO_TCP_FALLBACK, /* BC-DNS-04: ignores truncation instead of retrying over TCP */
  CC_DEFECT_ACCEPT_SPOOFED,  /* BC-DNS-06: takes the first DNS answer that arrives */
  CC_DEFECT_IGNORE_TTL,      /* BC-DNS-05: keeps PCC addresses forever */
  CC_DEFECT_EAGER_FAILOVER,  /* BC-FO-03: enters BC on the first lost keepalive */
  CC_DEFECT_NEVER_FAILOVER,  /* BC-FO-01: retries the cloud forever */
  CC_DEFECT_NEVER_FAILBACK,  /* BC-FO-06: ignores the exit signal */
  CC_DEFECT_TIGHT_LOOP,      /* BC-FO-07: retries without backoff */
  CC_DEFECT_UNKNOWN_SERVER,  /* BC-FO-08: falls back to a built-in PCC address */
  CC_DEFECT_NO_PINNING,      /* BC-CFG-01: does not compare the signer with the thumbprint */
  CC_DEFECT_ACCEPT_TAMPERED, /* BC-CFG-01: does not verify the config's signature */
  CC_DEFECT_SKIP_CLOUD_SP,   /* BC-ENR-01: a new user goes straight to the BC SP */
  CC_DEFECT_ENROLL_STORM,    /* BC-ENR-02: retries a refused enrollment at once */
  CC_DEFECT_RESOLVE_REFUSED, /* BC-CFG-02: refuses the config, but still looks up its PCC name */
  CC_DEFECT_WRONG_PCC_NAME,  /* BC-DNS-01: resolves the SNI name c2.<bc_domain>, not the PCC DNS name */
  CC_DEFECT_SKIP_FIRST_ADDRESS, /* BC-DNS-02: an off-by-one: never tries the first address */
  CC_DEFECT_DNS_GIVE_UP,     /* BC-DNS-03: a failed lookup of the PCC name is never retried */
  CC_DEFECT_TRUST_CA_NAME,   /* BC-TLS-04: trusts a chain whose CA has the BC SP CA's name, whatever its key */
  CC_DEFECT_SKIP_SAME_SE,    /* BC-FO-02: after a lost tunnel goes to the next Service Edge at once */
  CC_DEFECT_IGNORE_REDIRECT, /* BC-FO-05: never follows the PCC's redirect to a PSE */
  CC_DEFECT_OFFLINE_GATE,    /* BC-FO-09: enters BC only while public names resolve ("are we online?") */
} cc_defect_t;

typedef struct cc_session cc_session_t;

/* Borrows cfg. NULL on failure. */
cc_session_t *cc_session_new(struct event_base *base, const cc_config_t *cfg, cc_timers_t timers,
                             cc_defect_t defect, int probe_port);
void cc_session_start(cc_session_t *s);
void cc_session_free(cc_session_t *s);
#endif
