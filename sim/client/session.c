#include "sim/client/session.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <openssl/x509_vfy.h>

#include "sim/client/resolve.h"

#define MAX_NAMES 8
#define MAX_ADDRS CC_MAX_ADDRS

typedef enum { MODE_CLOUD, MODE_BC } mode_t_;

typedef struct cc_session cc_session_t;
typedef void (*done_fn)(cc_session_t *s, int status, cJSON *body);

struct cc_session {
  struct event_base *base;
  const cc_config_t *cfg;
  cc_timers_t t;
  cc_defect_t defect;
  SSL_CTX *cloud_ctx, *bc_ctx;
  mode_t_ mode;
  /* cloud */
  char ses[MAX_NAMES][256];
  char se_addr[MAX_NAMES][INET6_ADDRSTRLEN]; /* resolved while the cloud was healthy */
  int n_ses, se_idx, se_attempts;
  /* BC */
  char pcc_addrs[MAX_ADDRS][INET6_ADDRSTRLEN];
  int n_pcc, pcc_idx;
  char pses[MAX_NAMES][256];
  int n_pse, pse_idx;
  /* the connection of the request in flight, and the live tunnel */
  struct evhttp_connection *pending, *tun;
  char tun_id[128], tun_host[256], tun_desc[300];
  done_fn on_done;
  struct event *timer;
  void (*timer_fn)(cc_session_t *);
  struct evhttp *probe;
  int failures; /* consecutive failures, for the backoff */
  struct evhttp_connection *checking; /* the failback check of the cloud, in flight */
  cc_resolver_t *resolver;
  cc_lookup_t *lookup;      /* the lookup the sequence waits for, in flight */
  cc_lookup_t *exit_lookup; /* the failback check's lookup, in flight beside the tunnel */
  struct {                  /* what post_to sends once its host resolves */
    char host[300], sni[300], path[64];
    SSL_CTX *ctx;
    cJSON *body;
    done_fn done;
  } post;
  char exit_assertion[256];           /* a new user's failback check: the cloud SP's assertion */
  struct req_ctx *requests;           /* in flight (see req_ctx) */
  bool new_user;                      /* no enrollment yet: c2site, enroll first */
  char token[256], broker[300], assertion[256];
};

static void say(const char *fmt, ...) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  fprintf(stderr, "[%ld.%03ld] ", (long)ts.tv_sec, ts.tv_nsec / 1000000);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* ---- timers ---- */

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  cc_session_t *s = arg;
  if (s->timer_fn) s->timer_fn(s);
}

/* Retries back off exponentially (x2 each, at most 16x the base) and the
 * pace resets once something works: a long outage never turns into a storm. */
static int retry_delay(cc_session_t *s) {
  if (s->defect == CC_DEFECT_TIGHT_LOOP || s->defect == CC_DEFECT_ENROLL_STORM) return 5;
  int d = s->t.backoff_ms << (s->failures < 4 ? s->failures : 4);
  s->failures++;
  return d;
}

static void after(cc_session_t *s, int ms, void (*fn)(cc_session_t *)) {
  s->timer_fn = fn;
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  evtimer_add(s->timer, &tv);
}

/* ---- TLS + HTTP ---- */

/* The trust-ca-name defect: the BC SP CA is known by its name alone, so a
 * chain up to any CA of that name passes, whatever its key. */
static X509_NAME *trusted_ca_name;

static int trust_by_name(int ok, X509_STORE_CTX *ctx) {
  if (ok) return 1;
  int err = X509_STORE_CTX_get_error(ctx);
  X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
  bool named = cur && trusted_ca_name && (X509_NAME_cmp(X509_get_issuer_name(cur), trusted_ca_name) == 0 ||
                                          X509_NAME_cmp(X509_get_subject_name(cur), trusted_ca_name) == 0);
  return named && (err == X509_V_ERR_CERT_SIGNATURE_FAILURE || err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                   err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                   err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE || err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
}

static void remember_ca_name(const char *ca_pem) {
  BIO *bio = BIO_new_mem_buf(ca_pem, -1);
  X509 *ca = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
  if (ca) trusted_ca_name = X509_NAME_dup(X509_get_subject_name(ca));
  X509_free(ca);
  BIO_free(bio);
}

static SSL_CTX *make_ctx(const char *ca_pem) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  BIO *bio = BIO_new_mem_buf(ca_pem, -1);
  X509 *ca = NULL;
  int ok = 0;
  if (!ctx || !bio) goto out;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  while ((ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    ok = X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca);
    X509_free(ca);
    if (!ok) break;
  }
  ERR_clear_error();
out:
  BIO_free(bio);
  if (!ok) {
    SSL_CTX_free(ctx);
    ctx = NULL;
  }
  return ctx;
}

static void free_conn_later(evutil_socket_t fd, short what, void *arg) { evhttp_connection_free(arg); }

/* evhttp must not free a connection from inside its own callback. */
static void drop(cc_session_t *s, struct evhttp_connection **c) {
  if (!*c) return;
  event_base_once(s->base, -1, EV_TIMEOUT, free_conn_later, *c, NULL);
  *c = NULL;
}

static struct evhttp_connection *tls_connect(cc_session_t *s, const char *ip, const char *sni,
                                             const char *verify_name, SSL_CTX *ctx) {
  SSL *ssl = SSL_new(ctx);
  bool bc = ctx == s->bc_ctx;
  if (!ssl) return NULL;
  if (!(bc && s->defect == CC_DEFECT_NO_SNI)) SSL_set_tlsext_host_name(ssl, sni);
  if (s->defect != CC_DEFECT_IGNORE_NAME) SSL_set1_host(ssl, verify_name);
  if (s->defect == CC_DEFECT_SKIP_VERIFY || (bc && s->defect == CC_DEFECT_EARLY_SEND))
    SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
  if (s->defect == CC_DEFECT_IGNORE_EXPIRY)
    X509_VERIFY_PARAM_set_flags(SSL_get0_param(ssl), X509_V_FLAG_NO_CHECK_TIME);
  if (s->defect == CC_DEFECT_OLD_TLS) {
    SSL_set_security_level(ssl, 0);
    SSL_set_cipher_list(ssl, "DEFAULT:@SECLEVEL=0");
    SSL_set_min_proto_version(ssl, TLS1_VERSION);
  }
  struct bufferevent *bev = bufferevent_openssl_socket_new(s->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                           BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
  if (!bev) {
    SSL_free(ssl);
    return NULL;
  }
  bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
  struct evhttp_connection *c = evhttp_connection_base_bufferevent_new(s->base, NULL, bev, ip, 443);
  if (!c) {
    bufferevent_free(bev);
    return NULL;
  }
  int timeout_ms = bc && s->defect == CC_DEFECT_NO_STALL_TIMEOUT ? 600000 : s->t.timeout_ms;
  struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  evhttp_connection_set_timeout_tv(c, &tv);
  evhttp_connection_set_retries(c, 0);
  return c;
}

static void log_tls_error(struct evhttp_connection *c) {
  struct bufferevent *bev = evhttp_connection_get_bufferevent(c);
  unsigned long e;
  char buf[256];
  while (bev && (e = bufferevent_get_openssl_error(bev)) != 0) {
    ERR_error_string_n(e, buf, sizeof buf);
    say("  tls: %s", buf);
  }
}

/* A request in flight. evhttp frees a request whose connection goes without
 * calling back, so the session keeps every one and frees those at its end. */
typedef struct req_ctx {
  cc_session_t *s;
  struct evhttp_connection *conn;
  done_fn done;
  struct req_ctx *prev, *next;
} req_ctx_t;

static void forget_request(cc_session_t *s, req_ctx_t *rc) {
  if (rc->prev) rc->prev->next = rc->next;
  else s->requests = rc->next;
  if (rc->next) rc->next->prev = rc->prev;
  free(rc);
}

static void on_response(struct evhttp_request *req, void *arg) {
  req_ctx_t *rc = arg;
  cc_session_t *s = rc->s;
  int status = req ? evhttp_request_get_response_code(req) : 0;
  cJSON *body = NULL;
  if (s->defect == CC_DEFECT_EARLY_SEND && status) {
    /* The defect checks the certificate only once the request has gone out. */
    struct bufferevent *bev = evhttp_connection_get_bufferevent(rc->conn);
    SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
    if (ssl && SSL_get_verify_mode(ssl) == SSL_VERIFY_NONE) {
      X509 *peer = SSL_get1_peer_certificate(ssl);
      X509_STORE_CTX *vctx = X509_STORE_CTX_new();
      STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
      int ok = peer && vctx && X509_STORE_CTX_init(vctx, SSL_CTX_get_cert_store(s->bc_ctx), peer, chain) == 1 &&
               X509_verify_cert(vctx) == 1;
      X509_STORE_CTX_free(vctx);
      X509_free(peer);
      if (!ok) status = 0;
    }
  }
  if (req && status) {
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    char *text = n < 65536 ? malloc(n + 1) : NULL;
    if (text) {
      evbuffer_copyout(in, text, n);
      text[n] = 0;
      body = cJSON_Parse(text);
      free(text);
    }
  } else {
    log_tls_error(rc->conn);
  }
  done_fn done = rc->done;
  forget_request(s, rc);
  done(s, status, body);
  cJSON_Delete(body);
}

static int send_req(cc_session_t *s, struct evhttp_connection *c, enum evhttp_cmd_type cmd, const char *host,
                    const char *path, cJSON *body, done_fn done) {
  req_ctx_t *rc = calloc(1, sizeof *rc);
  struct evhttp_request *req = rc ? evhttp_request_new(on_response, rc) : NULL;
  char auth[300];
  if (!req) {
    free(rc);
    cJSON_Delete(body);
    return -1;
  }
  rc->s = s;
  rc->conn = c;
  rc->done = done;
  rc->next = s->requests;
  if (s->requests) s->requests->prev = rc;
  s->requests = rc;
  struct evkeyvalq *h = evhttp_request_get_output_headers(req);
  evhttp_add_header(h, "Host", host);
  if (s->token[0]) {
    snprintf(auth, sizeof auth, "Bearer %s", s->token);
    evhttp_add_header(h, "Authorization", auth);
  }
  evhttp_add_header(h, "Connection", "keep-alive");
  if (body) {
    char *text = cJSON_PrintUnformatted(body);
    evhttp_add_header(h, "Content-Type", "application/json");
    if (text) evbuffer_add(evhttp_request_get_output_buffer(req), text, strlen(text));
    cJSON_free(text);
    cJSON_Delete(body);
  }
  if (evhttp_make_request(c, req, cmd, path) < 0) return -1; /* evhttp frees req */
  return 0;
}

static cJSON *device_body(cc_session_t *s) {
  cJSON *b = cJSON_CreateObject();
  cJSON_AddStringToObject(b, "device_id", s->cfg->device_id);
  return b;
}

/* Starts the lookup the sequence waits for (one at a time; a newer one
 * replaces an older). -1 if it could not start: done is then not called. */
static int start_lookup(cc_session_t *s, const char *name, cc_resolved_fn done) {
  cc_lookup_cancel(s->lookup);
  s->lookup = name[0] ? cc_resolve(s->resolver, name, done, s) : NULL;
  return s->lookup ? 0 : -1;
}

static void post_resolved(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  cJSON *body = s->post.body;
  s->lookup = NULL;
  s->post.body = NULL;
  if (n < 1 || !(s->pending = tls_connect(s, addrs[0], s->post.sni, s->post.sni, s->post.ctx))) {
    cJSON_Delete(body);
    s->post.done(s, 0, NULL);
    return;
  }
  if (send_req(s, s->pending, EVHTTP_REQ_POST, s->post.host, s->post.path, body, s->post.done) < 0)
    s->post.done(s, 0, NULL);
}

/* POSTs body (consumed) to https://host/path: host resolved with the system
 * resolver (off the loop), TLS with SNI and expected name sni against ctx. A
 * failure before the request leaves reaches done() as status 0, like a lost
 * answer. */
static void post_to(cc_session_t *s, const char *host, const char *sni, SSL_CTX *ctx, const char *path, cJSON *body,
                    done_fn done) {
  cJSON_Delete(s->post.body);
  snprintf(s->post.host, sizeof s->post.host, "%s", host);
  snprintf(s->post.sni, sizeof s->post.sni, "%s", sni);
  snprintf(s->post.path, sizeof s->post.path, "%s", path);
  s->post.ctx = ctx;
  s->post.body = body;
  s->post.done = done;
  if (start_lookup(s, host, post_resolved) < 0) {
    cJSON_Delete(s->post.body);
    s->post.body = NULL;
    done(s, 0, NULL);
  }
}

/* ---- the tunnel, wherever it is ---- */

static void keepalive(cc_session_t *s);
static void tunnel_lost(cc_session_t *s);
static void se_failed(cc_session_t *s);
static void route_done(cc_session_t *s, int status, cJSON *body);
static void cloud_route(cc_session_t *s);
static void se_connect(cc_session_t *s);
static void enter_bc(cc_session_t *s);
static void pcc_connect(cc_session_t *s);
static void pse_connect(cc_session_t *s);

static void tunnel_lost(cc_session_t *s) {
  if (!s->tun_id[0]) return; /* the close callback and a failed keepalive both report it */
  say("tunnel %s lost", s->tun_desc);
  if (s->tun) evhttp_connection_set_closecb(s->tun, NULL, NULL);
  drop(s, &s->tun);
  s->tun_id[0] = 0;
  if (s->mode == MODE_CLOUD && s->defect == CC_DEFECT_EAGER_FAILOVER) {
    enter_bc(s);
  } else if (s->mode == MODE_CLOUD && s->defect == CC_DEFECT_SKIP_SAME_SE) {
    s->se_attempts = s->t.retries - 1; /* the defect: the same Service Edge gets no second chance */
    se_failed(s);
  } else if (s->mode == MODE_CLOUD) {
    s->se_attempts = 0; /* first the same Service Edge again */
    after(s, s->defect == CC_DEFECT_TIGHT_LOOP ? 5 : s->t.backoff_ms, se_connect);
  } else {
    after(s, retry_delay(s), enter_bc);
  }
}

static void exit_check(cc_session_t *s);

static void keepalive_done(cc_session_t *s, int status, cJSON *body) {
  if (status != 200) {
    tunnel_lost(s);
    return;
  }
  if (s->mode == MODE_BC && s->defect != CC_DEFECT_NEVER_FAILBACK &&
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "exit_bc"))) {
    say("the PSE says: move back to the cloud; checking the cloud first");
    exit_check(s);
  }
  after(s, s->t.keepalive_ms, keepalive);
}

static void keepalive(cc_session_t *s) {
  char path[200];
  snprintf(path, sizeof path, "/v1/tunnel/%s/keepalive", s->tun_id);
  if (!s->tun || send_req(s, s->tun, EVHTTP_REQ_POST, s->tun_host, path, device_body(s), keepalive_done) < 0)
    tunnel_lost(s);
}

/* evhttp would quietly reconnect a closed connection; a tunnel must not survive that. */
static void tunnel_closed(struct evhttp_connection *c, void *arg) {
  cc_session_t *s = arg;
  if (s->tun != c) return;
  evhttp_connection_set_closecb(c, NULL, NULL);
  event_del(s->timer);
  tunnel_lost(s);
}

static int tunnel_opened(cc_session_t *s, int status, cJSON *body, const char *host, const char *desc) {
  const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "tunnel_id"));
  if (status != 200 || !id || strlen(id) >= sizeof s->tun_id) return -1;
  s->tun = s->pending;
  s->pending = NULL;
  evhttp_connection_set_closecb(s->tun, tunnel_closed, s);
  snprintf(s->tun_id, sizeof s->tun_id, "%s", id);
  snprintf(s->tun_host, sizeof s->tun_host, "%s", host);
  snprintf(s->tun_desc, sizeof s->tun_desc, "%s", desc);
  say("tunnel up: %s (%s)", desc, id);
  s->failures = 0;
  after(s, s->t.keepalive_ms, keepalive);
  return 0;
}

/* ---- normal times: the cloud ---- */

static void se_failed(cc_session_t *s) {
  drop(s, &s->pending);
  if (++s->se_attempts >= s->t.retries) {
    s->se_attempts = 0;
    if (++s->se_idx >= s->n_ses && s->defect == CC_DEFECT_NEVER_FAILOVER) {
      s->se_idx = 0; /* round and round the cloud */
    } else if (s->se_idx >= s->n_ses) {
      say("every Service Edge failed %d times: entering Business Continuity", s->t.retries);
      s->se_idx = 0;
      enter_bc(s);
      return;
    }
    say("trying the next Service Edge, %s", s->ses[s->se_idx]);
  }
  after(s, s->defect == CC_DEFECT_TIGHT_LOOP ? 5 : s->t.backoff_ms, se_connect);
}

static void se_tunnel_done(cc_session_t *s, int status, cJSON *body) {
  char desc[300];
  snprintf(desc, sizeof desc, "cloud via %s", s->ses[s->se_idx]);
  if (tunnel_opened(s, status, body, s->ses[s->se_idx], desc) < 0) se_failed(s);
  else s->se_attempts = 0;
}

static void se_open(cc_session_t *s) {
  const char *se = s->ses[s->se_idx];
  if (!s->se_addr[s->se_idx][0] || !(s->pending = tls_connect(s, s->se_addr[s->se_idx], se, se, s->cloud_ctx)) ||
      send_req(s, s->pending, EVHTTP_REQ_POST, se, "/v1/tunnel", device_body(s), se_tunnel_done) < 0) {
    se_failed(s);
  }
}

static void se_resolved(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  s->lookup = NULL;
  if (n > 0) snprintf(s->se_addr[s->se_idx], INET6_ADDRSTRLEN, "%s", addrs[0]);
  se_open(s);
}

static void se_connect(cc_session_t *s) {
  const char *se = s->ses[s->se_idx];
  say("connecting to Service Edge %s (attempt %d)", se, s->se_attempts + 1);
  /* Reconnects use the address learnt while the cloud was healthy: when the
   * cloud is down, public names may not resolve at all. */
  if (s->se_addr[s->se_idx][0] || start_lookup(s, se, se_resolved) < 0) se_open(s);
}

/* Learns the address of each Service Edge from se_idx on, one lookup after
 * the other, while the cloud is healthy; then connects to the first. */
static void learn_ses(cc_session_t *s);

static void learnt_se(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  s->lookup = NULL;
  if (n > 0) snprintf(s->se_addr[s->se_idx], INET6_ADDRSTRLEN, "%s", addrs[0]);
  s->se_idx++;
  learn_ses(s);
}

static void learn_ses(cc_session_t *s) {
  while (s->se_idx < s->n_ses && start_lookup(s, s->ses[s->se_idx], learnt_se) < 0) s->se_idx++;
  if (s->se_idx < s->n_ses) return; /* learnt_se goes on */
  s->se_idx = s->se_attempts = 0;
  se_connect(s);
}

static void route_done(cc_session_t *s, int status, cJSON *body) {
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, "service_edges");
  drop(s, &s->pending);
  s->mode = MODE_CLOUD;
  s->n_ses = 0;
  memset(s->se_addr, 0, sizeof s->se_addr);
  for (const cJSON *it = list ? list->child : NULL; it && s->n_ses < MAX_NAMES; it = it->next)
    if (cJSON_IsString(it) && strlen(it->valuestring) < 256) snprintf(s->ses[s->n_ses++], 256, "%s", it->valuestring);
  if (status != 200 || s->n_ses == 0) {
    say("broker failed (status %d)", status);
    if (++s->se_attempts >= s->t.retries) {
      s->se_attempts = 0;
      enter_bc(s);
    } else {
      after(s, s->defect == CC_DEFECT_TIGHT_LOOP ? 5 : s->t.backoff_ms, cloud_route);
    }
    return;
  }
  s->se_idx = 0;
  learn_ses(s);
}

/* ---- failback: the exit signal ---- */

/* Leaves BC for the cloud: the PSE tunnel goes, the broker is asked for a route. */
static void leave_bc(cc_session_t *s) {
  say("the cloud answers: leaving Business Continuity");
  if (s->tun) evhttp_connection_set_closecb(s->tun, NULL, NULL);
  drop(s, &s->tun);
  event_del(s->timer);
  s->failures = 0;
}

static void exit_check_done(cc_session_t *s, int status, cJSON *body) {
  struct evhttp_connection *c = s->checking;
  s->checking = NULL;
  drop(s, &c);
  if (status != 200 || s->mode != MODE_BC) {
    say("the cloud is still unreachable (status %d): staying on the PSE until the next signal", status);
    return;
  }
  leave_bc(s);
  route_done(s, status, body);
}

/* A new user who enrolled through BC has no broker: its check of the cloud
 * is the cloud SP, then an enrollment at the portal (docs/protocol.md). */
static void exit_portal_done(cc_session_t *s, int status, cJSON *body) {
  const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "token"));
  const char *broker = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "broker"));
  struct evhttp_connection *c = s->checking;
  s->checking = NULL;
  drop(s, &c);
  if (status != 200 || !token || !broker || strlen(token) >= sizeof s->token || strlen(broker) >= sizeof s->broker ||
      s->mode != MODE_BC) {
    say("the portal does not enroll us yet (status %d): staying on the PSE until the next signal", status);
    return;
  }
  snprintf(s->token, sizeof s->token, "%s", token);
  snprintf(s->broker, sizeof s->broker, "%s", broker);
  s->new_user = false;
  leave_bc(s);
  cloud_route(s);
}

/* The cloud check runs while the PSE tunnel carries traffic, beside the
 * sequence: its lookups are its own (exit_lookup), one at a time. done gets
 * the first address, or "". */
static void exit_portal_known(cc_session_t *s, const char *addr);
static void exit_cloud_known(cc_session_t *s, const char *addr);

static void exit_portal_resolved(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  s->exit_lookup = NULL;
  exit_portal_known(s, n > 0 ? addrs[0] : "");
}

static void exit_cloud_resolved(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  s->exit_lookup = NULL;
  exit_cloud_known(s, n > 0 ? addrs[0] : "");
}

static void exit_portal_known(cc_session_t *s, const char *addr) {
  if (!addr[0] || s->mode != MODE_BC ||
      !(s->checking = tls_connect(s, addr, s->cfg->portal, s->cfg->portal, s->cloud_ctx))) {
    say("the portal is unreachable: staying on the PSE");
    return;
  }
  cJSON *b = device_body(s);
  cJSON_AddStringToObject(b, "assertion", s->exit_assertion);
  if (send_req(s, s->checking, EVHTTP_REQ_POST, s->cfg->portal, "/v1/enroll", b, exit_portal_done) < 0)
    drop(s, &s->checking);
}

static void exit_sp_done(cc_session_t *s, int status, cJSON *body) {
  const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "assertion"));
  struct evhttp_connection *c = s->checking;
  s->checking = NULL;
  drop(s, &c);
  if (status != 200 || !a || strlen(a) >= sizeof s->exit_assertion || s->mode != MODE_BC) {
    say("the cloud SP is still unreachable (status %d): staying on the PSE until the next signal", status);
    return;
  }
  snprintf(s->exit_assertion, sizeof s->exit_assertion, "%s", a);
  if (!(s->exit_lookup = cc_resolve(s->resolver, s->cfg->portal, exit_portal_resolved, s)))
    say("cannot look up the portal: staying on the PSE");
}

static void exit_cloud_known(cc_session_t *s, const char *addr) {
  bool via_sp = !s->broker[0];
  const char *host = via_sp ? s->cfg->cloud_sp : s->broker;
  if (!addr[0] || s->mode != MODE_BC || !(s->checking = tls_connect(s, addr, host, host, s->cloud_ctx))) {
    say("the cloud is still unreachable (its name does not resolve): staying on the PSE");
    return;
  }
  cJSON *body = device_body(s);
  if (via_sp) cJSON_AddStringToObject(body, "user", "new.user@example.com");
  if (send_req(s, s->checking, EVHTTP_REQ_POST, host, via_sp ? "/v1/saml/login" : "/v1/route", body,
               via_sp ? exit_sp_done : exit_check_done) < 0)
    drop(s, &s->checking);
}

static void exit_check(cc_session_t *s) {
  if (s->checking || s->exit_lookup) return;
  /* The broker is asked fresh: reachable means DNS, routing and TLS all work again.
   * A new user enrolled through BC has no broker: it asks the cloud SP. */
  s->exit_lookup = cc_resolve(s->resolver, s->broker[0] ? s->broker : s->cfg->cloud_sp, exit_cloud_resolved, s);
}

static void cloud_route(cc_session_t *s) {
  s->mode = MODE_CLOUD;
  say("asking the broker %s for Service Edges", s->broker);
  post_to(s, s->broker, s->broker, s->cloud_ctx, "/v1/route", device_body(s), route_done);
}

/* ---- Business Continuity: PCC, then PSE ---- */

static const char *bc_sni(cc_session_t *s) {
  /* Enrolled clients use c2, new users c2site; the wrong-sni defect swaps them. */
  bool use_new = s->new_user != (s->defect == CC_DEFECT_WRONG_SNI);
  return use_new ? s->cfg->sni_new : s->cfg->sni_enrolled;
}

static void pse_failed(cc_session_t *s) {
  drop(s, &s->pending);
  if (++s->pse_idx >= s->n_pse) {
    say("every PSE failed: asking the PCCs again");
    after(s, retry_delay(s), enter_bc);
    return;
  }
  pse_connect(s);
}

static void pse_tunnel_done(cc_session_t *s, int status, cJSON *body) {
  char desc[300];
  snprintf(desc, sizeof desc, "BC via %s", s->pses[s->pse_idx]);
  if (tunnel_opened(s, status, body, s->pses[s->pse_idx], desc) < 0) pse_failed(s);
}

static void pse_connect(cc_session_t *s) {
  const char *pse = s->pses[s->pse_idx];
  say("connecting to PSE %s with SNI %s", pse, bc_sni(s));
  post_to(s, pse, bc_sni(s), s->bc_ctx, "/v1/tunnel", device_body(s), pse_tunnel_done);
}

static void pcc_failed(cc_session_t *s) {
  drop(s, &s->pending);
  if (++s->pcc_idx >= s->n_pcc) {
    say("every PCC address failed: resolving again after backoff");
    after(s, retry_delay(s), enter_bc);
    return;
  }
  pcc_connect(s);
}

static void pcc_done(cc_session_t *s, int status, cJSON *body) {
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, "redirect");
  s->n_pse = 0;
  for (const cJSON *it = list ? list->child : NULL; it && s->n_pse < MAX_NAMES; it = it->next)
    if (cJSON_IsString(it) && strlen(it->valuestring) < 256) snprintf(s->pses[s->n_pse++], 256, "%s", it->valuestring);
  if (status != 200 || s->n_pse == 0) {
    say("PCC %s failed (status %d)", s->pcc_addrs[s->pcc_idx], status);
    pcc_failed(s);
    return;
  }
  drop(s, &s->pending);
  if (s->defect == CC_DEFECT_IGNORE_REDIRECT) {
    say("PCC %s redirected us to %d PSE(s); the defect ignores it and asks again later", s->pcc_addrs[s->pcc_idx], s->n_pse);
    after(s, retry_delay(s), enter_bc);
    return;
  }
  say("PCC %s redirected us to %d PSE(s)", s->pcc_addrs[s->pcc_idx], s->n_pse);
  s->pse_idx = 0;
  pse_connect(s);
}

static void enroll_done(cc_session_t *s, int status, cJSON *body) {
  const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "token"));
  if (status == 403 && s->defect != CC_DEFECT_ENROLL_STORM) {
    /* The admin said no: that is an answer, not an outage. Asking the other
     * PCCs at once would only repeat it; wait the longest backoff instead. */
    say("PCC %s: new-user enrollment is disabled; asking again later", s->pcc_addrs[s->pcc_idx]);
    drop(s, &s->pending);
    s->failures = 4;
    after(s, retry_delay(s), enter_bc);
    return;
  }
  if (status != 200 || !token || strlen(token) >= sizeof s->token) {
    say("PCC %s refused the enrollment (status %d)", s->pcc_addrs[s->pcc_idx], status);
    pcc_failed(s);
    return;
  }
  snprintf(s->token, sizeof s->token, "%s", token);
  say("enrolled through the PCC; asking for a PSE");
  cJSON *body2 = device_body(s);
  cJSON_AddStringToObject(body2, "mode", "new");
  if (send_req(s, s->pending, EVHTTP_REQ_POST, bc_sni(s), "/v1/bc/connect", body2, pcc_done) < 0) pcc_failed(s);
}

static void pcc_connect(cc_session_t *s) {
  const char *addr = s->pcc_addrs[s->pcc_idx];
  say("connecting to PCC %s with SNI %s", addr, bc_sni(s));
  if (!(s->pending = tls_connect(s, addr, bc_sni(s), bc_sni(s), s->bc_ctx))) {
    pcc_failed(s);
    return;
  }
  cJSON *body = device_body(s);
  if (s->new_user && !s->token[0]) {
    /* A new user enrolls first, with the assertion from the BC SP. */
    cJSON_AddStringToObject(body, "assertion", s->assertion);
    if (send_req(s, s->pending, EVHTTP_REQ_POST, bc_sni(s), "/v1/bc/enroll", body, enroll_done) < 0) pcc_failed(s);
    return;
  }
  cJSON_AddStringToObject(body, "mode", s->new_user ? "new" : "enrolled");
  if (send_req(s, s->pending, EVHTTP_REQ_POST, bc_sni(s), "/v1/bc/connect", body, pcc_done) < 0) pcc_failed(s);
}

/* ---- a new user: cloud SP and portal first, then the BC SP ---- */

static void cloud_sp_login(cc_session_t *s);
static void bc_sp_login(cc_session_t *s);

static void bc_sp_done(cc_session_t *s, int status, cJSON *body) {
  const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "assertion"));
  drop(s, &s->pending);
  if (status != 200 || !a || strlen(a) >= sizeof s->assertion) {
    say("the BC SP failed (status %d); starting over after backoff", status);
    after(s, retry_delay(s), cloud_sp_login);
    return;
  }
  snprintf(s->assertion, sizeof s->assertion, "%s", a);
  say("authenticated at the BC SP; enrolling through a PCC");
  enter_bc(s);
}

static void bc_sp_login(cc_session_t *s) {
  cJSON *body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "user", "new.user@example.com");
  say("authenticating at the BC SP %s", s->cfg->sp_host);
  post_to(s, s->cfg->sp_host, s->cfg->sp_host, s->bc_ctx, "/v1/saml/login", body, bc_sp_done);
}

static void portal_done(cc_session_t *s, int status, cJSON *body) {
  const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "token"));
  const char *broker = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "broker"));
  drop(s, &s->pending);
  if (status != 200 || !token || !broker || strlen(token) >= sizeof s->token || strlen(broker) >= sizeof s->broker) {
    say("the portal failed (status %d): trying the BC SP", status);
    bc_sp_login(s);
    return;
  }
  snprintf(s->token, sizeof s->token, "%s", token);
  snprintf(s->broker, sizeof s->broker, "%s", broker);
  s->new_user = false;
  say("enrolled at the portal");
  cloud_route(s);
}

static void cloud_sp_done(cc_session_t *s, int status, cJSON *body) {
  const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "assertion"));
  drop(s, &s->pending);
  if (status != 200 || !a || strlen(a) >= sizeof s->assertion) {
    say("the cloud SP failed (status %d): trying the BC SP", status);
    bc_sp_login(s);
    return;
  }
  snprintf(s->assertion, sizeof s->assertion, "%s", a);
  cJSON *b = device_body(s);
  cJSON_AddStringToObject(b, "assertion", s->assertion);
  post_to(s, s->cfg->portal, s->cfg->portal, s->cloud_ctx, "/v1/enroll", b, portal_done);
}

static void cloud_sp_login(cc_session_t *s) {
  cJSON *body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "user", "new.user@example.com");
  say("new user: authenticating at the cloud SP %s", s->cfg->cloud_sp);
  post_to(s, s->cfg->cloud_sp, s->cfg->cloud_sp, s->cloud_ctx, "/v1/saml/login", body, cloud_sp_done);
}

static const char *pcc_name(cc_session_t *s) {
  return s->defect == CC_DEFECT_WRONG_PCC_NAME ? s->cfg->sni_enrolled : s->cfg->pcc_dns_name;
}

/* The addresses of the PCC name are in: the defects that bend them, then the
 * first PCC. */
static void pcc_resolved(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  s->lookup = NULL;
  s->n_pcc = n > 0 ? n : 0;
  if (n > 0) memcpy(s->pcc_addrs, addrs, (size_t)n * sizeof s->pcc_addrs[0]);
  if (s->defect == CC_DEFECT_SKIP_FIRST_ADDRESS && s->n_pcc > 1) {
    memmove(s->pcc_addrs[0], s->pcc_addrs[1], (size_t)(s->n_pcc - 1) * sizeof s->pcc_addrs[0]);
    s->n_pcc--;
  }
  if (s->defect == CC_DEFECT_FIRST_PCC_ONLY && s->n_pcc > 1) s->n_pcc = 1;
  if (s->defect == CC_DEFECT_UNKNOWN_SERVER && s->n_pcc > 0 && s->n_pcc < MAX_ADDRS) {
    /* A "built-in fallback PCC" next to the first IPv4 address DNS gave: an address nobody named. */
    for (int i = 0; i < s->n_pcc; i++) {
      char *dot = strchr(s->pcc_addrs[i], ':') ? NULL : strrchr(s->pcc_addrs[i], '.');
      if (!dot) continue;
      snprintf(s->pcc_addrs[s->n_pcc], INET6_ADDRSTRLEN, "%.*s.250", (int)(dot - s->pcc_addrs[i]), s->pcc_addrs[i]);
      s->n_pcc++;
      break;
    }
  }
  if (s->n_pcc < 1 && s->defect == CC_DEFECT_DNS_GIVE_UP) {
    say("resolving %s failed; the defect gives up", pcc_name(s));
    return;
  }
  if (s->n_pcc < 1) {
    say("resolving %s failed; retrying after backoff", pcc_name(s));
    after(s, retry_delay(s), enter_bc);
    return;
  }
  say("%s has %d address(es)", s->cfg->pcc_dns_name, s->n_pcc);
  s->pcc_idx = 0;
  pcc_connect(s);
}

static void resolve_pcc(cc_session_t *s) {
  if (s->defect == CC_DEFECT_IGNORE_TTL && s->n_pcc > 0) {
    /* The defect keeps what it learnt the first time, TTL or not. */
    s->pcc_idx = 0;
    pcc_connect(s);
    return;
  }
  cc_lookup_cancel(s->lookup);
  /* The accept-spoofed defect asks with a resolver of its own, which takes any answer. */
  s->lookup = s->defect == CC_DEFECT_ACCEPT_SPOOFED ? cc_resolve_naive(s->resolver, pcc_name(s), pcc_resolved, s)
                                                    : cc_resolve(s->resolver, pcc_name(s), pcc_resolved, s);
  if (!s->lookup) pcc_resolved(s, -1, NULL);
}

static void offline_gate_resolved(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  s->lookup = NULL;
  if (n < 1) {
    /* The defect: no public name resolves, so it takes the whole network for down and waits. */
    say("public names do not resolve: we seem to be offline; not entering BC yet");
    after(s, retry_delay(s), enter_bc);
    return;
  }
  resolve_pcc(s);
}

static void enter_bc(cc_session_t *s) {
  s->mode = MODE_BC;
  if (s->defect == CC_DEFECT_OFFLINE_GATE) {
    if (start_lookup(s, s->broker[0] ? s->broker : s->cfg->cloud_sp, offline_gate_resolved) < 0)
      offline_gate_resolved(s, -1, NULL);
    return;
  }
  resolve_pcc(s);
}

/* ---- the app probe: a local HTTP port, served through the tunnel ---- */

static void app_done(struct evhttp_request *req, void *arg) {
  struct evhttp_request *probe_req = arg;
  int status = req ? evhttp_request_get_response_code(req) : 0;
  struct evbuffer *out = evbuffer_new();
  if (status == 200) {
    evbuffer_add_buffer(out, evhttp_request_get_input_buffer(req));
    evhttp_send_reply(probe_req, 200, "OK", out);
  } else {
    evbuffer_add_printf(out, "app request through the tunnel failed (status %d)\n", status);
    evhttp_send_reply(probe_req, 502, "Bad Gateway", out);
  }
  evbuffer_free(out);
}

static void on_probe(struct evhttp_request *req, void *arg) {
  cc_session_t *s = arg;
  const char *uri = evhttp_request_get_uri(req);
  char path[300], auth[300];
  if (strncmp(uri, "/app/", 5) != 0 || strlen(uri) > 100) {
    evhttp_send_error(req, 404, "use /app/NAME");
    return;
  }
  if (!s->tun) {
    evhttp_send_error(req, 503, "no tunnel");
    return;
  }
  snprintf(path, sizeof path, "/v1/tunnel/%s%s", s->tun_id, uri);
  struct evhttp_request *up = evhttp_request_new(app_done, req);
  if (!up) {
    evhttp_send_error(req, 500, "oom");
    return;
  }
  evhttp_add_header(evhttp_request_get_output_headers(up), "Host", s->tun_host);
  snprintf(auth, sizeof auth, "Bearer %s", s->token);
  evhttp_add_header(evhttp_request_get_output_headers(up), "Authorization", auth);
  if (evhttp_make_request(s->tun, up, EVHTTP_REQ_GET, path) < 0) evhttp_send_error(req, 502, "tunnel request failed");
}

/* ---- lifecycle ---- */

cc_session_t *cc_session_new(struct event_base *base, const cc_config_t *cfg, cc_timers_t timers,
                             cc_defect_t defect, int probe_port) {
  cc_session_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->base = base;
  s->cfg = cfg;
  s->t = timers;
  s->defect = defect;
  s->new_user = !cfg->enrolled;
  snprintf(s->token, sizeof s->token, "%s", cfg->token);
  snprintf(s->broker, sizeof s->broker, "%s", cfg->broker);
  s->cloud_ctx = make_ctx(cfg->cloud_ca_pem);
  s->bc_ctx = make_ctx(cfg->sp_ca_pem);
  if (s->bc_ctx && defect == CC_DEFECT_TRUST_CA_NAME) {
    remember_ca_name(cfg->sp_ca_pem);
    SSL_CTX_set_verify(s->bc_ctx, SSL_VERIFY_PEER, trust_by_name);
  }
  s->timer = evtimer_new(base, on_timer, s);
  s->probe = evhttp_new(base);
  cc_resolver_opts_t ropts = {.ignore_tc = defect == CC_DEFECT_NO_TCP_FALLBACK};
  s->resolver = cc_resolver_new(base, &ropts);
  if (!s->cloud_ctx || !s->bc_ctx || !s->timer || !s->probe || !s->resolver ||
      (probe_port > 0 && evhttp_bind_socket(s->probe, "127.0.0.1", (ev_uint16_t)probe_port) < 0)) {
    say("setting up the client failed (CA certificates, the resolver or probe port %d)", probe_port);
    cc_session_free(s);
    return NULL;
  }
  evhttp_set_gencb(s->probe, on_probe, s);
  return s;
}

void cc_session_start(cc_session_t *s) {
  if (s->new_user && s->defect == CC_DEFECT_SKIP_CLOUD_SP) bc_sp_login(s);
  else if (s->new_user) cloud_sp_login(s);
  else cloud_route(s);
}

void cc_session_free(cc_session_t *s) {
  if (!s) return;
  if (s->pending) evhttp_connection_free(s->pending);
  if (s->tun) evhttp_connection_free(s->tun);
  if (s->checking) evhttp_connection_free(s->checking);
  cc_resolver_free(s->resolver); /* cancels s->lookup and s->exit_lookup */
  cJSON_Delete(s->post.body);
  if (s->probe) evhttp_free(s->probe);
  if (s->timer) event_free(s->timer);
  while (s->requests) forget_request(s, s->requests);
  SSL_CTX_free(s->cloud_ctx);
  SSL_CTX_free(s->bc_ctx);
  free(s);
}
