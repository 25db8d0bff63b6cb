#include "sim/svc/tls_ep.h"

#include <arpa/inet.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define TLS_EP_MAX_CERTS 4

struct tls_ep {
  char service[64];
  struct evhttp *http;
  int n;
  SSL_CTX *ctx[TLS_EP_MAX_CERTS];
  char sni[TLS_EP_MAX_CERTS][256];
  tls_ep_log_fn log;
  void *log_arg;
};

static void peer_of_fd(int fd, char *out, size_t len) {
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  out[0] = 0;
  if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) < 0) return;
  if (ss.ss_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)len);
  else inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out, (socklen_t)len);
}

static void log_handshake(tls_ep_t *ep, const SSL *ssl, const char *result, const char *alert) {
  if (!ep->log) return;
  char peer[INET6_ADDRSTRLEN];
  peer_of_fd(SSL_get_fd(ssl), peer, sizeof peer);
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
  const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!sni) return SSL_TLSEXT_ERR_NOACK;
  for (int i = 0; i < ep->n; i++) {
    if (strcasecmp(sni, ep->sni[i]) == 0) {
      if (i > 0) SSL_set_SSL_CTX(ssl, ep->ctx[i]);
      return SSL_TLSEXT_ERR_OK;
    }
  }
  return SSL_TLSEXT_ERR_OK; /* unknown name: the default certificate, as most servers do */
}

static struct bufferevent *make_bev(struct event_base *base, void *arg) {
  tls_ep_t *ep = arg;
  SSL *ssl = SSL_new(ep->ctx[0]);
  if (!ssl) return NULL;
  struct bufferevent *bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                           BEV_OPT_CLOSE_ON_FREE);
  if (bev) bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
  return bev;
}

tls_ep_t *tls_ep_new(struct event_base *base, const char *service, int listen_fd,
                     const tls_ep_cert_t *certs, int n_certs,
                     void (*handler)(struct evhttp_request *, void *), void *handler_arg,
                     tls_ep_log_fn log, void *log_arg) {
  tls_ep_t *ep = calloc(1, sizeof *ep);
  if (!ep || n_certs < 1 || n_certs > TLS_EP_MAX_CERTS) goto fail;
  snprintf(ep->service, sizeof ep->service, "%s", service);
  ep->log = log;
  ep->log_arg = log_arg;
  for (int i = 0; i < n_certs; i++) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    ep->ctx[ep->n] = ctx;
    snprintf(ep->sni[ep->n], sizeof ep->sni[0], "%s", certs[i].sni);
    ep->n++;
    if (!ctx || !SSL_CTX_use_certificate(ctx, certs[i].cert->cert) ||
        !SSL_CTX_use_PrivateKey(ctx, certs[i].cert->key))
      goto fail;
    SSL_CTX_set_app_data(ctx, ep);
    SSL_CTX_set_info_callback(ctx, on_info);
    SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
    SSL_CTX_set_tlsext_servername_arg(ctx, ep);
  }
  ep->http = evhttp_new(base);
  if (!ep->http) goto fail;
  evhttp_set_timeout(ep->http, 30);
  evhttp_set_max_body_size(ep->http, 64 * 1024);
  evhttp_set_max_headers_size(ep->http, 16 * 1024);
  evhttp_set_allowed_methods(ep->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
  evhttp_set_bevcb(ep->http, make_bev, ep);
  evhttp_set_gencb(ep->http, handler, handler_arg);
  if (!evhttp_accept_socket_with_handle(ep->http, listen_fd)) goto fail;
  return ep;
fail:
  close(listen_fd);
  tls_ep_free(ep);
  return NULL;
}

int tls_ep_add_socket(tls_ep_t *ep, int listen_fd) {
  if (evhttp_accept_socket_with_handle(ep->http, listen_fd)) return 0;
  close(listen_fd);
  return -1;
}

void tls_ep_free(tls_ep_t *ep) {
  if (!ep) return;
  if (ep->http) evhttp_free(ep->http);
  for (int i = 0; i < ep->n; i++) SSL_CTX_free(ep->ctx[i]);
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
