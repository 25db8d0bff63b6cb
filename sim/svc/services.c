#include "sim/svc/services.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/dur.h"
#include "sim/svc/tls_ep.h"

#define APP_RELAY_TIMEOUT_S 2

static void reply_json(struct evhttp_request *req, int status, cJSON *body) {
  char *text = cJSON_PrintUnformatted(body);
  struct evbuffer *out = evbuffer_new();
  if (text && out) {
    evbuffer_add(out, text, strlen(text));
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evhttp_send_reply(req, status, status == 200 ? "OK" : "Error", out);
  } else {
    evhttp_send_error(req, 500, "Internal Server Error");
  }
  if (out) evbuffer_free(out);
  cJSON_free(text);
  cJSON_Delete(body);
}

static cJSON *error_body(const char *msg) {
  cJSON *b = cJSON_CreateObject();
  cJSON_AddStringToObject(b, "error", msg);
  return b;
}

static void log_request(svc_t *s, struct evhttp_request *req, int status, const char *what) {
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "service", s->name);
  cJSON_AddStringToObject(f, "method", evhttp_request_get_command(req) == EVHTTP_REQ_GET ? "GET" : "POST");
  cJSON_AddStringToObject(f, "path", evhttp_request_get_uri(req));
  cJSON_AddNumberToObject(f, "status", status);
  cJSON_AddStringToObject(f, "sni", tls_ep_request_sni(req));
  cJSON_AddStringToObject(f, "peer", tls_ep_request_peer(req));
  if (what) cJSON_AddStringToObject(f, "action", what);
  s->env->log(s->env->log_arg, s->name, "svc.http.request", f);
}

static int authorized(svc_t *s, struct evhttp_request *req) {
  const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
  if (!auth || strncmp(auth, "Bearer ", 7) != 0) return 0;
  if (strcmp(auth + 7, s->env->device_token) == 0) return 1;
  for (int i = 0; i < s->env->n_issued; i++)
    if (strncmp(s->env->issued[i], "token-", 6) == 0 && strcmp(auth + 7, s->env->issued[i]) == 0) return 1;
  return 0;
}

/* The request body as JSON (NULL if absent or not JSON). */
static cJSON *body_json(struct evhttp_request *req) {
  struct evbuffer *in = evhttp_request_get_input_buffer(req);
  size_t n = evbuffer_get_length(in);
  char *text = n < 65536 ? malloc(n + 1) : NULL;
  cJSON *j = NULL;
  if (text) {
    evbuffer_copyout(in, text, n);
    text[n] = 0;
    j = cJSON_Parse(text);
    free(text);
  }
  return j;
}

/* Hands out an assertion or token and remembers it. */
static const char *issue(svc_t *s, const char *kind) {
  svc_env_t *env = (svc_env_t *)s->env;
  if (env->n_issued >= 16) return NULL;
  char *slot = env->issued[env->n_issued++];
  snprintf(slot, 64, "%s-%s-%d", kind, s->name, env->n_issued);
  return slot;
}

static bool was_issued(const svc_t *s, const char *value) {
  for (int i = 0; value && i < s->env->n_issued; i++)
    if (strncmp(s->env->issued[i], "assertion-", 10) == 0 && strcmp(value, s->env->issued[i]) == 0) return true;
  return false;
}

/* Logins and enrollment come before a client has a token. Returns true if handled. */
static bool handle_unauthenticated(svc_t *s, struct evhttp_request *req, const char *uri) {
  const char *sni = tls_ep_request_sni(req);
  if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) return false;
  bool login = strcmp(uri, "/v1/saml/login") == 0;
  if (login && (s->role == SVC_CLOUD_SP || (s->role == SVC_PCC && strncmp(sni, "bcpsp.", 6) == 0))) {
    /* The SP would redirect to the IdP; the lab's IdP says yes to everyone. */
    cJSON *b = cJSON_CreateObject();
    const char *a = issue(s, "assertion");
    cJSON_AddStringToObject(b, "assertion", a ? a : "");
    log_request(s, req, 200, s->role == SVC_PCC ? "bc-sp-login" : "cloud-sp-login");
    reply_json(req, 200, b);
    return true;
  }
  bool enroll = (s->role == SVC_PCC && strcmp(uri, "/v1/bc/enroll") == 0) ||
                (s->role == SVC_PORTAL && strcmp(uri, "/v1/enroll") == 0);
  if (!enroll) return false;
  cJSON *in = body_json(req);
  const char *assertion = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(in, "assertion"));
  int status = 200;
  const char *action = s->role == SVC_PCC ? "enroll" : "portal-enroll";
  if (s->role == SVC_PCC && !s->env->new_user_enrollment) {
    status = 403;
    action = "enroll-refused";
  } else if (s->role == SVC_PCC && strncmp(sni, "c2site.", 7) != 0) {
    status = 421; /* new users enroll under the new-user SNI only */
    action = "enroll-wrong-sni";
  } else if (!was_issued(s, assertion)) {
    status = 401;
    action = "enroll-unauthenticated";
  }
  cJSON *b = cJSON_CreateObject();
  if (status == 200) {
    const char *t = issue(s, "token");
    cJSON_AddStringToObject(b, "device_id", "device-new-0001");
    cJSON_AddStringToObject(b, "token", t ? t : "");
    if (s->role == SVC_PORTAL) cJSON_AddStringToObject(b, "broker", s->env->broker);
  } else {
    cJSON_AddStringToObject(b, "error", action);
  }
  log_request(s, req, status, action);
  reply_json(req, status, b);
  cJSON_Delete(in);
  return true;
}

/* ---- app relay: a Service Edge fetches the app for the client ---- */

typedef struct relay {
  svc_t *svc;
  struct evhttp_request *req; /* NULL once the client went away */
  struct bufferevent *bev;
  struct evbuffer *got;
} relay_t;

static void relay_finish(relay_t *r, int ok) {
  if (r->req) {
    cJSON *b = cJSON_CreateObject();
    size_t n = evbuffer_get_length(r->got);
    char *text = calloc(1, n + 1);
    if (text) evbuffer_remove(r->got, text, n);
    cJSON_AddStringToObject(b, "app", r->svc->env->app_name);
    cJSON_AddStringToObject(b, "reply", text ? text : "");
    cJSON_AddStringToObject(b, "via", r->svc->name);
    free(text);
    evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), NULL, NULL);
    log_request(r->svc, r->req, ok ? 200 : 502, "app-relay");
    reply_json(r->req, ok ? 200 : 502, ok ? b : (cJSON_Delete(b), error_body("app unreachable")));
  }
  bufferevent_free(r->bev);
  evbuffer_free(r->got);
  free(r);
}

static void relay_read(struct bufferevent *bev, void *arg) {
  relay_t *r = arg;
  evbuffer_add_buffer(r->got, bufferevent_get_input(bev));
  if (evbuffer_get_length(r->got) > 4096) relay_finish(r, 1);
}

static void relay_event(struct bufferevent *bev, short what, void *arg) {
  relay_t *r = arg;
  if (what & BEV_EVENT_CONNECTED) return;
  relay_finish(r, (what & BEV_EVENT_EOF) && evbuffer_get_length(r->got) > 0);
}

static void relay_client_gone(struct evhttp_connection *c, void *arg) {
  relay_t *r = arg;
  r->req = NULL;
}

static void start_relay(svc_t *s, struct evhttp_request *req) {
  const svc_env_t *env = s->env;
  struct sockaddr_storage ss;
  socklen_t sl;
  int fam = lab_sockaddr(env->app_addr, env->app_port, &ss, &sl) == 0 ? ss.ss_family : AF_UNSPEC;
  /* The relay connects from the Service Edge's own host, as a real one would. */
  int fd = lab_socket(env->lab, s->host, fam, SOCK_STREAM, 0);
  relay_t *r = fd >= 0 ? calloc(1, sizeof *r) : NULL;
  if (!r) goto fail;
  evutil_make_socket_nonblocking(fd);
  struct sockaddr_in self = {.sin_family = AF_INET};
  if (fam == AF_INET && inet_pton(AF_INET, s->addr, &self.sin_addr) == 1)
    (void)bind(fd, (struct sockaddr *)&self, sizeof self); /* so the app sees which edge relayed */
  r->svc = s;
  r->req = req;
  r->got = evbuffer_new();
  r->bev = bufferevent_socket_new(env->base, fd, BEV_OPT_CLOSE_ON_FREE);
  fd = -1;
  if (!r->got || !r->bev) {
    if (r->bev) bufferevent_free(r->bev);
    if (r->got) evbuffer_free(r->got);
    free(r);
    goto fail;
  }
  struct timeval tv = {APP_RELAY_TIMEOUT_S, 0};
  bufferevent_set_timeouts(r->bev, &tv, &tv);
  bufferevent_setcb(r->bev, relay_read, NULL, relay_event, r);
  bufferevent_enable(r->bev, EV_READ);
  evhttp_connection_set_closecb(evhttp_request_get_connection(req), relay_client_gone, r);
  if (bufferevent_socket_connect(r->bev, (struct sockaddr *)&ss, (int)sl) < 0) {
    r->req = NULL;
    evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
    bufferevent_free(r->bev);
    evbuffer_free(r->got);
    free(r);
    goto fail;
  }
  return;
fail:
  if (fd >= 0) close(fd);
  log_request(s, req, 502, "app-relay");
  reply_json(req, 502, error_body("relay failed"));
}

/* ---- request routing per role ---- */

/* The Service Edges the broker hands out, nearest first: a few, as ZPA's
 * does, not every one; and never one whose service is down (svc.down), which
 * the cloud knows of its own. A path fault it cannot see. */
#define BROKER_ROUTE_SES 2
static cJSON *route_list(const svc_env_t *env) {
  cJSON *list = cJSON_CreateArray();
  for (int k = 0; k < env->n_service_edges && cJSON_GetArraySize(list) < BROKER_ROUTE_SES; k++)
    if (!env->service_edge_svcs[k] || env->service_edge_svcs[k]->outages == 0)
      cJSON_AddItemToArray(list, cJSON_CreateString(env->service_edges[k]));
  return list;
}

static cJSON *name_list(const char names[][256], int n) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateString(names[i]));
  return a;
}

static void svc_route(svc_t *s, struct evhttp_request *req);

typedef struct held {
  svc_t *svc;
  struct evhttp_request *req; /* NULL once the client went away */
} held_t;

static void held_gone(struct evhttp_connection *c, void *arg) { ((held_t *)arg)->req = NULL; }

static void held_release(evutil_socket_t fd, short what, void *arg) {
  held_t *h = arg;
  if (h->req) {
    evhttp_connection_set_closecb(evhttp_request_get_connection(h->req), NULL, NULL);
    svc_route(h->svc, h->req);
  }
  free(h);
}

void svc_handle(struct evhttp_request *req, void *arg) {
  svc_t *s = arg;
  if (s->delay_ms > 0) {
    held_t *h = calloc(1, sizeof *h);
    if (h) {
      h->svc = s;
      h->req = req;
      evhttp_connection_set_closecb(evhttp_request_get_connection(req), held_gone, h);
      struct timeval tv = {(time_t)(s->delay_ms / 1000), (suseconds_t)(s->delay_ms % 1000) * 1000};
      if (event_base_once(s->env->base, -1, EV_TIMEOUT, held_release, h, &tv) == 0) return;
      evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL, NULL);
      free(h);
    }
  }
  svc_route(s, req);
}

static void svc_route(svc_t *s, struct evhttp_request *req) {
  const char *uri = evhttp_request_get_uri(req);
  enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
  char tunnel_prefix[96];
  if (s->http_status) {
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "error", s->http_body[0] ? s->http_body : "injected error");
    log_request(s, req, s->http_status, "http-error");
    reply_json(req, s->http_status, b);
    return;
  }
  if (handle_unauthenticated(s, req, uri)) return;
  if (!authorized(s, req)) {
    log_request(s, req, 401, "unauthorized");
    reply_json(req, 401, error_body("missing or wrong bearer token"));
    return;
  }
  if (s->role == SVC_BROKER && cmd == EVHTTP_REQ_POST && strcmp(uri, "/v1/route") == 0) {
    cJSON *b = cJSON_CreateObject();
    cJSON_AddItemToObject(b, "service_edges", route_list(s->env));
    log_request(s, req, 200, "route");
    reply_json(req, 200, b);
    return;
  }
  if (s->role == SVC_PCC && cmd == EVHTTP_REQ_POST && strcmp(uri, "/v1/bc/connect") == 0) {
    cJSON *b = cJSON_CreateObject();
    cJSON_AddItemToObject(b, "redirect", name_list(s->env->pses, s->env->n_pses));
    log_request(s, req, 200, "redirect");
    reply_json(req, 200, b);
    return;
  }
  if ((s->role == SVC_SE || s->role == SVC_PSE) && cmd == EVHTTP_REQ_POST && strcmp(uri, "/v1/tunnel") == 0) {
    cJSON *b = cJSON_CreateObject();
    char id[96];
    snprintf(id, sizeof id, "%s-t%d", s->name, ++s->tunnels);
    s->tunnel_conn[s->tunnels % 64] = evhttp_request_get_connection(req);
    s->tunnel_opened_us[s->tunnels % 64] = dur_now_us();
    s->tunnel_signalled_us[s->tunnels % 64] = 0;
    cJSON_AddStringToObject(b, "tunnel_id", id);
    log_request(s, req, 200, "tunnel-open");
    reply_json(req, 200, b);
    return;
  }
  snprintf(tunnel_prefix, sizeof tunnel_prefix, "/v1/tunnel/%s-t", s->name);
  if ((s->role == SVC_SE || s->role == SVC_PSE) && strncmp(uri, tunnel_prefix, strlen(tunnel_prefix)) == 0) {
    char *num_end = NULL;
    long num = strtol(uri + strlen(tunnel_prefix), &num_end, 10);
    const char *rest = strchr(uri + strlen(tunnel_prefix), '/');
    if (num < 1 || num > s->tunnels || num_end != rest ||
        s->tunnel_conn[num % 64] != evhttp_request_get_connection(req)) {
      log_request(s, req, 410, "tunnel-gone");
      reply_json(req, 410, error_body("no such tunnel on this connection"));
      return;
    }
    if (rest && cmd == EVHTTP_REQ_POST && strcmp(rest, "/keepalive") == 0) {
      cJSON *b = cJSON_CreateObject();
      cJSON_AddBoolToObject(b, "ok", 1);
      /* The PSE's exit check: after exit_after, once per exit_check interval,
       * it tells the client to move back to the cloud. */
      int64_t now = dur_now_us(), *last = &s->tunnel_signalled_us[num % 64];
      const svc_env_t *e = s->env;
      bool signal = s->role == SVC_PSE && e->pse_exit_after_ms > 0 &&
                    now - s->tunnel_opened_us[num % 64] >= e->pse_exit_after_ms * 1000 &&
                    (*last == 0 || now - *last >= e->pse_exit_check_ms * 1000);
      if (signal) *last = now;
      cJSON_AddBoolToObject(b, "exit_bc", signal);
      log_request(s, req, 200, signal ? "exit-signal" : "keepalive");
      reply_json(req, 200, b);
      return;
    }
    char app_path[128];
    snprintf(app_path, sizeof app_path, "/app/%s", s->env->app_name);
    if (rest && cmd == EVHTTP_REQ_GET && strcmp(rest, app_path) == 0) {
      start_relay(s, req);
      return;
    }
  }
  log_request(s, req, 404, NULL);
  reply_json(req, 404, error_body("no such endpoint"));
}

/* ---- the app ---- */

struct app_server {
  const svc_env_t *env;
  struct evconnlistener *l;
};

static void app_written(struct bufferevent *bev, void *arg) { bufferevent_free(bev); }
static void app_event(struct bufferevent *bev, short what, void *arg) { bufferevent_free(bev); }

static void app_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg) {
  app_server_t *a = arg;
  char peer[INET6_ADDRSTRLEN] = "";
  if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, peer, sizeof peer);
  else inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, peer, sizeof peer);
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "service", a->env->app_name);
  cJSON_AddStringToObject(f, "peer", peer);
  a->env->log(a->env->log_arg, a->env->app_name, "app.request", f);
  struct bufferevent *bev = bufferevent_socket_new(a->env->base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    close(fd);
    return;
  }
  char line[160];
  int n = snprintf(line, sizeof line, "%s ok, seen from %s\n", a->env->app_name, peer);
  bufferevent_setcb(bev, NULL, app_written, app_event, a);
  bufferevent_enable(bev, EV_WRITE);
  bufferevent_write(bev, line, (size_t)n);
}

app_server_t *app_server_new(const svc_env_t *env, int listen_fd) {
  app_server_t *a = calloc(1, sizeof *a);
  if (!a) {
    close(listen_fd);
    return NULL;
  }
  a->env = env;
  a->l = evconnlistener_new(env->base, app_accept, a, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 64, listen_fd);
  if (!a->l) {
    close(listen_fd);
    free(a);
    return NULL;
  }
  return a;
}

void app_server_free(app_server_t *a) {
  if (!a) return;
  evconnlistener_free(a->l);
  free(a);
}
