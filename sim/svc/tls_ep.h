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
/* Handshake faults (the tls.* actions that are not about certificates). */
typedef enum {
  TLS_EP_HONEST,
  TLS_EP_ALERT,       /* a fatal alert on the ClientHello */
  TLS_EP_NO_SNI,      /* unrecognized_name: no certificate for the SNI */
  TLS_EP_CLOSE,       /* close mid-handshake, without an alert */
  TLS_EP_OLD_VERSION, /* offer only TLS 1.0 and 1.1 */
} tls_ep_mode_t;

/* Switches the handshake behaviour; alert is a TLS alert code for TLS_EP_ALERT. */
void tls_ep_set_mode(tls_ep_t *ep, tls_ep_mode_t mode, int alert);
/* Serves other certificates (certificate faults) until called with n = 0,
 * which restores the real ones. Borrowed; they must outlive their use. 0 or -1. */
int tls_ep_set_override(tls_ep_t *ep, const tls_ep_cert_t *certs, int n);
/* TLS alert code for a name such as "handshake_failure"; -1 if unknown. */
int tls_ep_alert_code(const char *name);

/* The SNI the client sent on the connection carrying req ("" if none). */
const char *tls_ep_request_sni(struct evhttp_request *req);
/* The client's address for req. */
const char *tls_ep_request_peer(struct evhttp_request *req);
#endif
