/* session: the reference client's connection logic.
 *
 * Normal times: broker -> Service Edge tunnel with keepalives. On loss it
 * reconnects to the same Service Edge, then the next one, `retries` times
 * each; then it resolves the PCC DNS name with the system resolver (off the
 * event loop: sim/client/resolve.h), tries
 * each PCC address in turn with TLS (SNI c2.<bc_domain>, chain to the BC SP
 * CA, name, validity, TLS 1.2+), follows the redirect to a PSE and opens a
 * tunnel there. A local HTTP port serves the app probe through the current
 * tunnel. Deliberate defects (sim/client/bugs.h) each break a rule on purpose.
 *
 * The session is made of several files: see session_impl.h. */
#ifndef BCC_SESSION_H
#define BCC_SESSION_H
#include <event2/event.h>

#include "sim/client/bugs.h"
#include "sim/client/cconfig.h"

typedef struct cc_timers {
  int keepalive_ms;
  int timeout_ms;
  int retries;
  int backoff_ms;
} cc_timers_t;

typedef struct cc_session cc_session_t;

/* Borrows cfg, copies bugs (NULL: none, the conforming client). NULL on
 * failure. */
cc_session_t *cc_session_new(struct event_base *base, const cc_config_t *cfg, cc_timers_t timers,
                             const cc_bugs_t *bugs, int probe_port);
void cc_session_start(cc_session_t *s);
void cc_session_free(cc_session_t *s);
#endif
