#include "sim/svc/tls_ep.h"

#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define TLS_EP_MAX_CERTS 4

/* One set of certificates, each in its own context, chosen by SNI. */
typedef struct cert_set {
  int n;
  SSL_CTX *ctx[TLS_EP_MAX_CERTS];
  char sni[TLS_EP_MAX_CERTS][256];
} cert_set_t;

struct tls_ep {
  char service[64];
  struct evhttp *http;
  cert_set_t real, over;
  bool use_over;
  tls_ep_mode_t mode;
  int alert;
  tls_ep_log_fn log;
  void *log_arg;
  void (*handler)(struct evhttp_request *, void *);
  void *handler_arg;
  struct conn_note *notes; /* every live connection's note: the endpoint may go first */
};

static void peer_of_fd(int fd, char *out, size_t len) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  out[0] = 0;
  if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) < 0) return;
  if (ss.ss_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)len);
  else inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)len);
}

/* What the endpoint knows of one connection, kept with its SSL: the
 * client's address (noted on its ClientHello: by the time an alert is logged
 * the peer may have gone, and getpeername with it), and whether it ever made
 * a request. When the SSL goes, a connection that sent bytes but never a
 * handshake, or never a request after one, is logged: garbage is said, not
 * swallowed. */
typedef struct conn_note {
  tls_ep_t *ep; /* NULL once the endpoint is gone (its connections may be freed after it) */
  struct conn_note *prev, *next;
  char peer[INET6_ADDRSTRLEN];
  int requests;
  uint64_t read_at_handshake; /* bytes read from the client when its handshake ended */
} conn_note_t;

static int note_index = -1;

static void log_handshake(tls_ep_t *ep, const SSL *ssl, const char *result, const char *alert);
static void log_garbage(const conn_note_t *n, const SSL *ssl);

static void free_note(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
  conn_note_t *n = ptr;
  if (!n) return;
  if (n->ep) {
    if (parent) log_garbage(n, parent);
    if (n->prev) n->prev->next = n->next;
    else n->ep->notes = n->next;
    if (n->next) n->next->prev = n->prev;
  }
  free(n);
}

static conn_note_t *note_of(const SSL *ssl) { return note_index >= 0 ? SSL_get_ex_data(ssl, note_index) : NULL; }

static void note_peer(SSL *ssl, tls_ep_t *ep) {
  if (note_index < 0 || note_of(ssl)) return;
  conn_note_t *n = calloc(1, sizeof *n);
  if (!n) return;
  n->ep = ep;
  peer_of_fd(SSL_get_fd(ssl), n->peer, sizeof n->peer);
  if (!SSL_set_ex_data(ssl, note_index, n)) {
    free(n);
    return;
  }
  n->next = ep->notes;
  if (ep->notes) ep->notes->prev = n;
  ep->notes = n;
}

static uint64_t bytes_read(const SSL *ssl) {
  BIO *rbio = SSL_get_rbio(ssl);
  return rbio ? BIO_number_read(rbio) : 0;
}

static void log_handshake(tls_ep_t *ep, const SSL *ssl, const char *result, const char *alert) {
  if (!ep->log) return;
  char peer[INET6_ADDRSTRLEN];
  const conn_note_t *noted = note_of(ssl);
  if (noted && noted->peer[0]) snprintf(peer, sizeof peer, "%s", noted->peer);
  else peer_of_fd(SSL_get_fd(ssl), peer, sizeof peer);
  const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "service", ep->service);
  cJSON_AddStringToObject(f, "result", result);
  cJSON_AddStringToObject(f, "sni", sni ? sni : "");
  cJSON_AddBoolToObject(f, "has_sni", sni != NULL);
  cJSON_AddStringToObject(f, "version", SSL_get_version(ssl));
  cJSON_AddStringToObject(f, "peer", peer);
  if (alert) cJSON_AddStringToObject(f, "alert", alert);
  ep->log(ep->log_arg, ep->service, "svc.tls.handshake", f);
}

static void on_info(const SSL *ssl, int where, int ret) {
  tls_ep_t *ep = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
  if (!ep) return;
  if (where & SSL_CB_HANDSHAKE_DONE) {
    /* TLS 1.3 reports "done" again for post-handshake messages; log the first only. */
    if (!SSL_get_app_data(ssl)) {
      SSL_set_app_data((SSL *)ssl, (void *)1);
      conn_note_t *n = note_of(ssl);
      if (n) n->read_at_handshake = bytes_read(ssl);
      log_handshake(ep, ssl, "ok", NULL);
    }
  } else if ((where & SSL_CB_ALERT) && SSL_get_app_data(ssl) == NULL) {
    /* An alert before the handshake finished: who sent it tells whether the
     * client rejected us or we rejected the client. */
    const char *desc = SSL_alert_desc_string_long(ret);
    SSL_set_app_data((SSL *)ssl, (void *)2);
    log_handshake(ep, ssl, (where & SSL_CB_READ) ? "client-alert" : "server-alert", desc);
  }
}

static int on_servername(SSL *ssl, int *al, void *arg) {
  tls_ep_t *ep = arg;
  const cert_set_t *set = ep->use_over ? &ep->over : &ep->real;
  const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  for (int i = 0; sni && i < set->n; i++) {
    if (strcasecmp(sni, set->sni[i]) == 0) {
      SSL_set_SSL_CTX(ssl, set->ctx[i]);
      return SSL_TLSEXT_ERR_OK;
    }
  }
  /* No SNI, or an unknown name: the default certificate, as most servers do. */
  SSL_set_SSL_CTX(ssl, set->ctx[0]);
  return sni ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

/* Runs first, on the raw ClientHello: the handshake faults act here. */
static int on_client_hello(SSL *ssl, int *al, void *arg) {
  tls_ep_t *ep = arg;
  note_peer(ssl, ep);
  switch (ep->mode) {
    case TLS_EP_ALERT:
      *al = ep->alert;
      return SSL_CLIENT_HELLO_ERROR;
    case TLS_EP_NO_SNI:
      *al = SSL_AD_UNRECOGNIZED_NAME;
      return SSL_CLIENT_HELLO_ERROR;
    case TLS_EP_CLOSE:
      /* Both directions shut: OpenSSL's alert cannot leave; the client sees EOF. */
      shutdown(SSL_get_fd(ssl), SHUT_RDWR);
      SSL_set_app_data(ssl, (void *)2);
      log_handshake(ep, ssl, "closed-by-fault", NULL);
      *al = SSL_AD_INTERNAL_ERROR;
      return SSL_CLIENT_HELLO_ERROR;
    case TLS_EP_OLD_VERSION:
      SSL_set_security_level(ssl, 0);
      SSL_set_cipher_list(ssl, "DEFAULT:@SECLEVEL=0");
      SSL_set_min_proto_version(ssl, TLS1_VERSION);
      SSL_set_max_proto_version(ssl, TLS1_1_VERSION);
      return SSL_CLIENT_HELLO_SUCCESS;
    default:
      return SSL_CLIENT_HELLO_SUCCESS;
  }
}

static int fill_set(tls_ep_t *ep, cert_set_t *set, const tls_ep_cert_t *certs, int n) {
  for (int i = 0; i < n; i++) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    set->ctx[set->n] = ctx;
    snprintf(set->sni[set->n], sizeof set->sni[0], "%s", certs[i].sni);
    set->n++;
    if (!ctx || !SSL_CTX_use_certificate(ctx, certs[i].cert->cert) || !SSL_CTX_use_PrivateKey(ctx, certs[i].cert->key))
      return -1;
    SSL_CTX_set_app_data(ctx, ep);
    /* Thousands of idle connections (a client that floods) must not each hold 32 KB of buffers. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_info_callback(ctx, on_info);
    SSL_CTX_set_client_hello_cb(ctx, on_client_hello, ep);
    SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
    SSL_CTX_set_tlsext_servername_arg(ctx, ep);
  }
  return 0;
}

static void clear_set(cert_set_t *set) {
  for (int i = 0; i < set->n; i++) SSL_CTX_free(set->ctx[i]);
  set->n = 0;
}

void tls_ep_set_mode(tls_ep_t *ep, tls_ep_mode_t mode, int alert) {
  ep->mode = mode;
  ep->alert = alert;
}

int tls_ep_set_override(tls_ep_t *ep, const tls_ep_cert_t *certs, int n) {
  ep->use_over = false;
  clear_set(&ep->over);
  if (n == 0) return 0;
  if (n > TLS_EP_MAX_CERTS || fill_set(ep, &ep->over, certs, n) < 0) {
    clear_set(&ep->over);
    return -1;
  }
  ep->use_over = true;
  return 0;
}

int tls_ep_alert_code(const char *name) {
  static const struct {
    const char *name;
    int code;
  } alerts[] = {{"close_notify", 0}, {"unexpected_message", 10}, {"bad_record_mac", 20},
                {"handshake_failure", 40}, {"bad_certificate", 42}, {"certificate_expired", 45},
                {"certificate_unknown", 46}, {"illegal_parameter", 47}, {"unknown_ca", 48},
                {"access_denied", 49}, {"decode_error", 50}, {"protocol_version", 70},
                {"insufficient_security", 71}, {"internal_error", 80}, {"user_canceled", 90},
                {"unrecognized_name", 112}};
  for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++)
    if (strcmp(alerts[i].name, name) == 0) return alerts[i].code;
  return -1;
}

static SSL *request_ssl(struct evhttp_request *req);

/* Every request counts for its connection before the service sees it. */
static void dispatch(struct evhttp_request *req, void *arg) {
  tls_ep_t *ep = arg;
  SSL *ssl = request_ssl(req);
  conn_note_t *n = ssl ? note_of(ssl) : NULL;
  if (n) n->requests++;
  ep->handler(req, ep->handler_arg);
}

/* A TLS 1.3 close_notify: an encrypted record of 5 + 2 + 1 + 16 bytes. */
#define CLOSE_NOTIFY_BYTES 24

static void log_garbage(const conn_note_t *n, const SSL *ssl) {
  uint64_t got = bytes_read(ssl);
  const char *why = NULL;
  if (!SSL_get_app_data(ssl) && got > 0) why = "no TLS handshake came of the bytes it sent";
  else if (SSL_get_app_data(ssl) == (void *)1 && n->requests == 0 && got > n->read_at_handshake + CLOSE_NOTIFY_BYTES)
    why = "it sent data after its handshake, but never a request";
  if (!why || !n->ep->log) return;
  cJSON *f = cJSON_CreateObject();
  const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  cJSON_AddStringToObject(f, "service", n->ep->service);
  cJSON_AddStringToObject(f, "result", SSL_get_app_data(ssl) ? "no-request" : "garbage");
  cJSON_AddStringToObject(f, "sni", sni ? sni : "");
  cJSON_AddNumberToObject(f, "bytes", (double)got);
  cJSON_AddStringToObject(f, "peer", n->peer);
  cJSON_AddStringToObject(f, "why", why);
  n->ep->log(n->ep->log_arg, n->ep->service, SSL_get_app_data(ssl) ? "svc.http.malformed" : "svc.tls.handshake", f);
}

static struct bufferevent *make_bev(struct event_base *base, void *arg) {
  tls_ep_t *ep = arg;
  SSL *ssl = SSL_new(ep->real.ctx[0]);
  if (!ssl) return NULL;
  struct bufferevent *bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                           BEV_OPT_CLOSE_ON_FREE);
  if (bev) bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
  return bev;
}

/* Out of descriptors (a client holds thousands): stop accepting for a moment
 * instead of spinning on a listener that stays readable. */
static void resume_accepting(evutil_socket_t fd, short what, void *arg) { evconnlistener_enable(arg); }

static void on_accept_error(struct evconnlistener *l, void *arg) {
  struct timeval pause = {0, 50 * 1000};
  evconnlistener_disable(l);
  event_base_once(evconnlistener_get_base(l), -1, EV_TIMEOUT, resume_accepting, l, &pause);
}

static int accept_on(tls_ep_t *ep, int listen_fd) {
  struct evhttp_bound_socket *b = evhttp_accept_socket_with_handle(ep->http, listen_fd);
  if (!b) return -1;
  evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(b), on_accept_error);
  return 0;
}

tls_ep_t *tls_ep_new(struct event_base *base, const char *service, int listen_fd,
                     const tls_ep_cert_t *certs, int n_certs,
                     void (*handler)(struct evhttp_request *, void *), void *handler_arg,
                     tls_ep_log_fn log, void *log_arg) {
  tls_ep_t *ep = calloc(1, sizeof *ep);
  if (note_index < 0) note_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, free_note);
  if (!ep || n_certs < 1 || n_certs > TLS_EP_MAX_CERTS) goto fail;
  snprintf(ep->service, sizeof ep->service, "%s", service);
  ep->log = log;
  ep->log_arg = log_arg;
  if (fill_set(ep, &ep->real, certs, n_certs) < 0) goto fail;
  ep->http = evhttp_new(base);
  if (!ep->http) goto fail;
  evhttp_set_timeout(ep->http, 180); /* idle close: longer than the vendor's 60 s keepalive */
  evhttp_set_max_body_size(ep->http, 64 * 1024);
  evhttp_set_max_headers_size(ep->http, 16 * 1024);
  evhttp_set_allowed_methods(ep->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
  evhttp_set_bevcb(ep->http, make_bev, ep);
  ep->handler = handler;
  ep->handler_arg = handler_arg;
  evhttp_set_gencb(ep->http, dispatch, ep);
  if (accept_on(ep, listen_fd) < 0) goto fail;
  return ep;
fail:
  close(listen_fd);
  tls_ep_free(ep);
  return NULL;
}

int tls_ep_add_socket(tls_ep_t *ep, int listen_fd) {
  if (accept_on(ep, listen_fd) == 0) return 0;
  close(listen_fd);
  return -1;
}

void tls_ep_free(tls_ep_t *ep) {
  if (!ep) return;
  /* Connections freed from now on (some only when the loop goes) are no one's garbage. */
  for (conn_note_t *n = ep->notes; n; n = n->next) n->ep = NULL;
  ep->notes = NULL;
  if (ep->http) evhttp_free(ep->http);
  clear_set(&ep->real);
  clear_set(&ep->over);
  free(ep);
}

static SSL *request_ssl(struct evhttp_request *req) {
  struct evhttp_connection *c = evhttp_request_get_connection(req);
  struct bufferevent *bev = c ? evhttp_connection_get_bufferevent(c) : NULL;
  return bev ? bufferevent_openssl_get_ssl(bev) : NULL;
}

const char *tls_ep_request_sni(struct evhttp_request *req) {
  SSL *ssl = request_ssl(req);
  const char *sni = ssl ? SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) : NULL;
  return sni ? sni : "";
}

const char *tls_ep_request_peer(struct evhttp_request *req) {
  static char peer[INET6_ADDRSTRLEN];
  SSL *ssl = request_ssl(req);
  peer_of_fd(ssl ? SSL_get_fd(ssl) : -1, peer, sizeof peer);
  return peer;
}
