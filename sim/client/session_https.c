/* session_https: the session's TLS and HTTP (session_impl.h): contexts,
 * connections with the defects that bend TLS, and JSON requests whose
 * answers come back to a cc__done_fn. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/client/session_impl.h"

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

void cc__https_trust_ca_by_name(SSL_CTX *ctx, const char *ca_pem) {
  BIO *bio = BIO_new_mem_buf(ca_pem, -1);
  X509 *ca = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
  if (ca) trusted_ca_name = X509_NAME_dup(X509_get_subject_name(ca));
  X509_free(ca);
  BIO_free(bio);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, trust_by_name);
}

SSL_CTX *cc__https_ctx_new(const char *ca_pem) {
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

void cc__drop(cc_session_t *s, struct evhttp_connection **c) {
  if (!*c) return;
  event_base_once(s->base, -1, EV_TIMEOUT, free_conn_later, *c, NULL);
  *c = NULL;
}

/* The defects that bend one TLS connection; bc: to a PCC, a PSE or the BC SP. */
static void bend_tls(const cc_bugs_t *bugs, SSL *ssl, bool bc) {
  if (bugs->skip_verify || (bc && bugs->early_send)) SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
  if (bugs->ignore_expiry) X509_VERIFY_PARAM_set_flags(SSL_get0_param(ssl), X509_V_FLAG_NO_CHECK_TIME);
  if (bugs->old_tls) {
    SSL_set_security_level(ssl, 0);
    SSL_set_cipher_list(ssl, "DEFAULT:@SECLEVEL=0");
    SSL_set_min_proto_version(ssl, TLS1_VERSION);
  }
}

struct evhttp_connection *cc__tls_connect(cc_session_t *s, const char *ip, const char *sni, const char *verify_name,
                                          SSL_CTX *ctx) {
  SSL *ssl = SSL_new(ctx);
  bool bc = ctx == s->bc_ctx;
  if (!ssl) return NULL;
  if (!(bc && s->bugs.no_sni)) SSL_set_tlsext_host_name(ssl, sni);
  if (!s->bugs.ignore_name) SSL_set1_host(ssl, verify_name);
  bend_tls(&s->bugs, ssl, bc);
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
  int timeout_ms = bc && s->bugs.no_stall_timeout ? 600000 : s->t.timeout_ms;
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
    cc__say("  tls: %s", buf);
  }
}

/* A request in flight. evhttp frees a request whose connection goes without
 * calling back, so the session keeps every one and frees those at its end. */
typedef struct cc__request {
  cc_session_t *s;
  struct evhttp_connection *conn;
  cc__done_fn done;
  struct cc__request *prev, *next;
} request_t;

static void forget_request(cc_session_t *s, request_t *rc) {
  if (rc->prev) rc->prev->next = rc->next;
  else s->requests = rc->next;
  if (rc->next) rc->next->prev = rc->prev;
  free(rc);
}

void cc__requests_free(cc_session_t *s) {
  while (s->requests) forget_request(s, s->requests);
}

/* The early-send defect checks the certificate only once the request has
 * gone out: whether the peer's chain verifies against the BC SP CA. */
static bool verified_late(cc_session_t *s, struct evhttp_connection *conn) {
  struct bufferevent *bev = evhttp_connection_get_bufferevent(conn);
  SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
  /* Only connections to BC servers send early; any other was verified in its handshake, or not at all. */
  if (!ssl || SSL_get_SSL_CTX(ssl) != s->bc_ctx || SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE) return true;
  X509 *peer = SSL_get1_peer_certificate(ssl);
  X509_STORE_CTX *vctx = X509_STORE_CTX_new();
  STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
  bool ok = peer && vctx && X509_STORE_CTX_init(vctx, SSL_CTX_get_cert_store(s->bc_ctx), peer, chain) == 1 &&
            X509_verify_cert(vctx) == 1;
  X509_STORE_CTX_free(vctx);
  X509_free(peer);
  return ok;
}

static void on_response(struct evhttp_request *req, void *arg) {
  request_t *rc = arg;
  cc_session_t *s = rc->s;
  int status = req ? evhttp_request_get_response_code(req) : 0;
  cJSON *body = NULL;
  if (s->bugs.early_send && status && !verified_late(s, rc->conn)) status = 0;
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
  cc__done_fn done = rc->done;
  forget_request(s, rc);
  done(s, status, body);
  cJSON_Delete(body);
}

int cc__send_req(cc_session_t *s, struct evhttp_connection *c, enum evhttp_cmd_type cmd, const char *host,
                 const char *path, cJSON *body, cc__done_fn done) {
  request_t *rc = calloc(1, sizeof *rc);
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

static void post_resolved(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  cJSON *body = s->post.body;
  s->lookup = NULL;
  s->post.body = NULL;
  if (n < 1 || !(s->pending = cc__tls_connect(s, addrs[0], s->post.sni, s->post.sni, s->post.ctx))) {
    cJSON_Delete(body);
    s->post.done(s, 0, NULL);
    return;
  }
  if (cc__send_req(s, s->pending, EVHTTP_REQ_POST, s->post.host, s->post.path, body, s->post.done) < 0)
    s->post.done(s, 0, NULL);
}

void cc__post_to(cc_session_t *s, const char *host, const char *sni, SSL_CTX *ctx, const char *path, cJSON *body,
                 cc__done_fn done) {
  cJSON_Delete(s->post.body);
  snprintf(s->post.host, sizeof s->post.host, "%s", host);
  snprintf(s->post.sni, sizeof s->post.sni, "%s", sni);
  snprintf(s->post.path, sizeof s->post.path, "%s", path);
  s->post.ctx = ctx;
  s->post.body = body;
  s->post.done = done;
  if (cc__start_lookup(s, host, post_resolved) < 0) {
    cJSON_Delete(s->post.body);
    s->post.body = NULL;
    done(s, 0, NULL);
  }
}
