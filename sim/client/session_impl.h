/* session_impl: the insides of the reference client's session, shared by the
 * files that make it up; nothing else includes this header.
 *
 *   session.c           the tunnel, normal times in the cloud, timers, the app
 *                       probe, the session's life
 *   session_https.c     TLS contexts, connections and JSON requests
 *   session_bc.c        Business Continuity: resolving the PCC name, PCCs, PSEs
 *   session_enroll.c    a new user: the cloud SP and the portal, else the BC SP
 *   session_failback.c  the PSE's exit signal: checking the cloud, then leaving BC
 *
 * Every part works on the one cc_session_t, on one event loop. Functions one
 * part offers the others carry the prefix cc__ (two underscores: internal). */
#ifndef BCC_SESSION_IMPL_H
#define BCC_SESSION_IMPL_H
#include <cjson/cJSON.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdbool.h>

#include "sim/client/bugs.h"
#include "sim/client/resolve.h"
#include "sim/client/session.h"

#define CC_MAX_NAMES 8 /* Service Edges the broker names, PSEs a PCC names */

typedef enum { CC_MODE_CLOUD, CC_MODE_BC } cc_mode_t;

/* What a request's answer goes to: status 0 when none came (or the
 * certificate was refused); body is NULL unless it was JSON, and is freed
 * after the call. */
typedef void (*cc__done_fn)(cc_session_t *s, int status, cJSON *body);

struct cc_session {
  struct event_base *base;
  const cc_config_t *cfg;
  cc_timers_t t;
  cc_bugs_t bugs;
  SSL_CTX *cloud_ctx, *bc_ctx;
  cc_mode_t mode;
  /* cloud */
  char ses[CC_MAX_NAMES][256];
  char se_addr[CC_MAX_NAMES][INET6_ADDRSTRLEN]; /* resolved while the cloud was healthy */
  int n_ses, se_idx, se_attempts;
  /* BC */
  char pcc_addrs[CC_MAX_ADDRS][INET6_ADDRSTRLEN];
  int n_pcc, pcc_idx;
  char pses[CC_MAX_NAMES][256];
  int n_pse, pse_idx;
  /* the connection of the request in flight, and the live tunnel */
  struct evhttp_connection *pending, *tun;
  char tun_id[128], tun_host[256], tun_desc[300];
  struct event *timer;
  void (*timer_fn)(cc_session_t *);
  struct evhttp *probe;
  int failures; /* consecutive failures, for the backoff */
  struct evhttp_connection *checking; /* the failback check of the cloud, in flight */
  cc_resolver_t *resolver;
  cc_lookup_t *lookup;      /* the lookup the sequence waits for, in flight */
  cc_lookup_t *exit_lookup; /* the failback check's lookup, in flight beside the tunnel */
  struct {                  /* what cc__post_to sends once its host resolves */
    char host[300], sni[300], path[64];
    SSL_CTX *ctx;
    cJSON *body;
    cc__done_fn done;
  } post;
  char exit_assertion[256];           /* a new user's failback check: the cloud SP's assertion */
  struct cc__request *requests;       /* in flight (session_https.c) */
  bool new_user;                      /* no enrollment yet: c2site, enroll first */
  char token[256], broker[300], assertion[256];
};

/* ---- session.c ---- */

/* A line of the client's log, stamped with the monotonic clock. */
void cc__say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Calls fn(s) in ms milliseconds; replaces the timer set before. */
void cc__after(cc_session_t *s, int ms, void (*fn)(cc_session_t *));
/* The next retry's delay: exponential backoff, reset once something works. */
int cc__retry_delay(cc_session_t *s);
/* A new JSON body {"device_id": ...}; the caller owns it. */
cJSON *cc__device_body(cc_session_t *s);
/* Starts the lookup the sequence waits for (one at a time; a newer one
 * replaces an older). -1 if it could not start: done is then not called. */
int cc__start_lookup(cc_session_t *s, const char *name, cc_resolved_fn done);
/* The public-dns-gate defect, while on the cloud: looks up a public name and enters BC if it fails. */
void cc__public_dns_check(cc_session_t *s);
/* Takes s->pending as the tunnel if the answer opened one; 0, or -1. */
int cc__tunnel_opened(cc_session_t *s, int status, cJSON *body, const char *host, const char *desc);
/* Asks the broker for Service Edges (normal times). */
void cc__cloud_route(cc_session_t *s);
/* The broker's answer: connects to its Service Edges, or retries. */
void cc__route_done(cc_session_t *s, int status, cJSON *body);

/* ---- session_https.c ---- */

/* A client context trusting the CAs of ca_pem; NULL on failure. */
SSL_CTX *cc__https_ctx_new(const char *ca_pem);
/* The trust-ca-name defect: ctx trusts any chain up to a CA named as
 * ca_pem's, whatever its key. */
void cc__https_trust_ca_by_name(SSL_CTX *ctx, const char *ca_pem);
/* A TLS connection to ip:443 with SNI sni, expecting a certificate for
 * verify_name; NULL on failure. The caller owns it (cc__drop). */
struct evhttp_connection *cc__tls_connect(cc_session_t *s, const char *ip, const char *sni, const char *verify_name,
                                          SSL_CTX *ctx);
/* Frees *c once the loop is back (evhttp must not free a connection from
 * inside its own callback), and sets *c to NULL. */
void cc__drop(cc_session_t *s, struct evhttp_connection **c);
/* Sends a request with body (consumed; may be NULL) on c; done gets the
 * answer. -1 if it could not be sent (done is then not called). */
int cc__send_req(cc_session_t *s, struct evhttp_connection *c, enum evhttp_cmd_type cmd, const char *host,
                 const char *path, cJSON *body, cc__done_fn done);
/* POSTs body (consumed) to https://host/path: host resolved off the loop,
 * TLS with SNI and expected name sni against ctx. A failure before the
 * request leaves reaches done() as status 0, like a lost answer. */
void cc__post_to(cc_session_t *s, const char *host, const char *sni, SSL_CTX *ctx, const char *path, cJSON *body,
                 cc__done_fn done);
/* Frees every request still in flight (at the session's end). */
void cc__requests_free(cc_session_t *s);

/* ---- session_bc.c ---- */

/* Enters Business Continuity: resolves the PCC name, then PCC, then PSE. */
void cc__enter_bc(cc_session_t *s);

/* ---- session_enroll.c ---- */

/* A new user's first steps: the cloud SP and the portal, else the BC SP. */
void cc__enroll_start(cc_session_t *s);

/* ---- session_failback.c ---- */

/* The PSE said to move back: checks the cloud beside the tunnel, and leaves
 * BC only once it answers. */
void cc__exit_check(cc_session_t *s);
#endif
