/* services: what the lab's HTTPS servers answer (the session protocol of
 * docs/protocol.md), and the app server behind the Service Edges.
 *
 *   broker  POST /v1/route                    -> {"service_edges": [...]}
 *   se/pse  POST /v1/tunnel                   -> {"tunnel_id", "keepalive_ms"}
 *           POST /v1/tunnel/<id>/keepalive    -> {"ok": true}
 *           GET  /v1/tunnel/<id>/app/<app>    -> the app's reply, relayed
 *   pcc     POST /v1/bc/connect               -> {"redirect": [PSE names]}
 *           POST /v1/saml/login  (SNI bcpsp.) -> {"assertion"}  the BC SP, for new users
 *           POST /v1/bc/enroll   (SNI c2site.)-> {"device_id", "token"}
 *   cloud-sp POST /v1/saml/login              -> {"assertion"}
 *   portal  POST /v1/enroll                   -> {"device_id", "token", "broker"}
 *
 * The app is a plain TCP service in the datacenter: it answers every
 * connection with one line naming the peer, so the app log shows whether a
 * request came through a PSE or through a public Service Edge. */
#ifndef BC_SERVICES_H
#define BC_SERVICES_H
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdbool.h>

#include "sim/lab/lab.h"

/* svc_role_t, how an HTTPS party behaves, is a column of the world's party table (sim/world/map.h). */

typedef void (*svc_log_fn)(void *arg, const char *service, const char *type, cJSON *fields);

/* What every service knows of its world. Borrowed by each svc_t. */
typedef struct svc_env {
  struct event_base *base;
  lab_t *lab;
  const char *device_token; /* the enrolled device's bearer token */
  char issued[16][64];      /* assertions and tokens handed out during the run */
  int n_issued;
  bool new_user_enrollment; /* the admin allows BC enrollment of new users */
  char broker[256];
  char service_edges[4][256];
  const struct svc *service_edge_svcs[4]; /* each one's service, for whether it is up */
  int n_service_edges;
  char pses[4][256];
  int n_pses;
  const char *app_name;
  const char *app_addr; /* in the datacenter */
  int app_port;
  int64_t pse_exit_after_ms, pse_exit_check_ms; /* see docs/protocol.md, "Exit" */
  svc_log_fn log;
  void *log_arg;
} svc_env_t;

typedef struct svc {
  char name[64];
  svc_role_t role;
  lab_host_t host;
  char addr[INET6_ADDRSTRLEN]; /* its IPv4 service address */
  const svc_env_t *env;
  int tunnels; /* tunnels opened so far: the id of the next one */
  int outages; /* svc.down faults on it now: the broker routes around a Service Edge that has any */
  /* A tunnel is its connection: requests for it on any other are refused. */
  struct evhttp_connection *tunnel_conn[64]; /* by tunnel number, modulo 64 */
  int64_t tunnel_opened_us[64], tunnel_signalled_us[64];
  /* Faults of the service itself (svc.slow, svc.http-error); loss and delay on the wire are sim/impair's. */
  int64_t delay_ms;
  int http_status;
  char http_body[256];
} svc_t;

/* The evhttp handler of every HTTPS service; arg is the svc_t. */
void svc_handle(struct evhttp_request *req, void *arg);

typedef struct app_server app_server_t;
/* Serves the app on listen_fd (bound; owned from now on). NULL on failure. */
app_server_t *app_server_new(const svc_env_t *env, int listen_fd);
void app_server_free(app_server_t *a);
#endif
