/* tls_ep: an HTTPS endpoint of the lab (evhttp over bufferevent_openssl).
 *
 * The certificate is chosen by the SNI the client sends, as on a PCC that
 * serves both c2.<bc_domain> and c2site.<bc_domain>. Every handshake outcome
 * is logged with the SNI the server saw, including alerts the client sends
 * when it rejects our certificate. */
#ifndef BC_TLS_EP_H
#define BC_TLS_EP_H
#include <cjson/cJSON.h>
#include <event2/event.h>
#include <event2/http.h>

#include "sim/pki/pki.h"

typedef struct tls_ep tls_ep_t;

typedef struct tls_ep_cert {
  const char *sni;         /* the SNI that selects it; the first entry is the default */
  const pki_cert_t *cert;  /* borrowed */
} tls_ep_cert_t;

/* Log sink: takes ownership of fields. */
typedef void (*tls_ep_log_fn)(void *arg, const char *service, const char *type, cJSON *fields);

/* Serves HTTPS on listen_fd (bound, owned from now on) with handler for
 * every request. Returns NULL on failure. */
tls_ep_t *tls_ep_new(struct event_base *base, const char *service, int listen_fd,
                     const tls_ep_cert_t *certs, int n_certs,
                     void (*handler)(struct evhttp_request *, void *), void *handler_arg,
                     tls_ep_log_fn log, void *log_arg);
void tls_ep_free(tls_ep_t *ep);
/* Serves the same endpoint on one more bound socket (e.g. the IPv6 one); owned from now on. */
int tls_ep_add_socket(tls_ep_t *ep, int listen_fd);
/* The SNI the client sent on the connection carrying req ("" if none). */
const char *tls_ep_request_sni(struct evhttp_request *req);
/* The client's address for req. */
const char *tls_ep_request_peer(struct evhttp_request *req);
#endif
