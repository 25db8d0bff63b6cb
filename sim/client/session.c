/* session: the reference client's connection logic (session.h); this file
 * holds the tunnel, normal times in the cloud, the timers, the app probe and
 * the session's life. The other parts: session_impl.h. */
#include "sim/client/session.h"

#include <event2/buffer.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/client/session_impl.h"

void cc__say(const char *fmt, ...) {
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
int cc__retry_delay(cc_session_t *s) {
  if (s->bugs.tight_loop || s->bugs.enroll_storm) return 5;
  int d = s->t.backoff_ms << (s->failures < 4 ? s->failures : 4);
  s->failures++;
  return d;
}

/* The pause before trying the cloud again: the backoff timer as it is. */
static int cloud_pause(cc_session_t *s) { return s->bugs.tight_loop ? 5 : s->t.backoff_ms; }

void cc__after(cc_session_t *s, int ms, void (*fn)(cc_session_t *)) {
  s->timer_fn = fn;
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  evtimer_add(s->timer, &tv);
}

cJSON *cc__device_body(cc_session_t *s) {
  cJSON *b = cJSON_CreateObject();
  cJSON_AddStringToObject(b, "device_id", s->cfg->device_id);
  return b;
}

int cc__start_lookup(cc_session_t *s, const char *name, cc_resolved_fn done) {
  cc_lookup_cancel(s->lookup);
  s->lookup = name[0] ? cc_resolve(s->resolver, name, done, s) : NULL;
  return s->lookup ? 0 : -1;
}

/* ---- the tunnel, wherever it is ---- */

static void keepalive(cc_session_t *s);
static void se_failed(cc_session_t *s);
static void se_connect(cc_session_t *s);

static void tunnel_lost(cc_session_t *s) {
  if (!s->tun_id[0]) return; /* the close callback and a failed keepalive both report it */
  cc__say("tunnel %s lost", s->tun_desc);
  if (s->tun) evhttp_connection_set_closecb(s->tun, NULL, NULL);
  cc__drop(s, &s->tun);
  s->tun_id[0] = 0;
  if (s->mode == CC_MODE_CLOUD && s->bugs.eager_failover) {
    cc__enter_bc(s);
  } else if (s->mode == CC_MODE_CLOUD && s->bugs.skip_same_se) {
    s->se_attempts = s->t.retries - 1; /* the defect: the same Service Edge gets no second chance */
    se_failed(s);
  } else if (s->mode == CC_MODE_CLOUD) {
    s->se_attempts = 0; /* first the same Service Edge again */
    cc__after(s, cloud_pause(s), se_connect);
  } else {
    cc__after(s, cc__retry_delay(s), cc__enter_bc);
  }
}

static void keepalive_done(cc_session_t *s, int status, cJSON *body) {
  if (status != 200) {
    tunnel_lost(s);
    return;
  }
  if (s->mode == CC_MODE_BC && !s->bugs.never_failback &&
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "exit_bc"))) {
    cc__say("the PSE says: move back to the cloud; checking the cloud first");
    cc__exit_check(s);
  }
  cc__public_dns_check(s);
  cc__after(s, s->t.keepalive_ms, keepalive);
}

static void keepalive(cc_session_t *s) {
  char path[200];
  snprintf(path, sizeof path, "/v1/tunnel/%s/keepalive", s->tun_id);
  if (!s->tun || cc__send_req(s, s->tun, EVHTTP_REQ_POST, s->tun_host, path, cc__device_body(s), keepalive_done) < 0)
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

int cc__tunnel_opened(cc_session_t *s, int status, cJSON *body, const char *host, const char *desc) {
  const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "tunnel_id"));
  if (status != 200 || !id || strlen(id) >= sizeof s->tun_id) return -1;
  s->tun = s->pending;
  s->pending = NULL;
  evhttp_connection_set_closecb(s->tun, tunnel_closed, s);
  snprintf(s->tun_id, sizeof s->tun_id, "%s", id);
  snprintf(s->tun_host, sizeof s->tun_host, "%s", host);
  snprintf(s->tun_desc, sizeof s->tun_desc, "%s", desc);
  cc__say("tunnel up: %s (%s)", desc, id);
  s->failures = 0;
  cc__after(s, s->t.keepalive_ms, keepalive);
  return 0;
}

/* ---- normal times: the cloud ---- */

static void se_failed(cc_session_t *s) {
  cc__drop(s, &s->pending);
  if (++s->se_attempts >= s->t.retries) {
    s->se_attempts = 0;
    if (++s->se_idx >= s->n_ses && s->bugs.never_failover) {
      s->se_idx = 0; /* round and round the cloud */
    } else if (s->se_idx >= s->n_ses) {
      cc__say("every Service Edge failed %d times: entering Business Continuity", s->t.retries);
      s->se_idx = 0;
      cc__enter_bc(s);
      return;
    }
    cc__say("trying the next Service Edge, %s", s->ses[s->se_idx]);
  }
  cc__after(s, cloud_pause(s), se_connect);
}

static void se_tunnel_done(cc_session_t *s, int status, cJSON *body) {
  char desc[300];
  snprintf(desc, sizeof desc, "cloud via %s", s->ses[s->se_idx]);
  if (cc__tunnel_opened(s, status, body, s->ses[s->se_idx], desc) < 0) se_failed(s);
  else s->se_attempts = 0;
}

static void se_open(cc_session_t *s) {
  const char *se = s->ses[s->se_idx];
  if (!s->se_addr[s->se_idx][0] || !(s->pending = cc__tls_connect(s, s->se_addr[s->se_idx], se, se, s->cloud_ctx)) ||
      cc__send_req(s, s->pending, EVHTTP_REQ_POST, se, "/v1/tunnel", cc__device_body(s), se_tunnel_done) < 0) {
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
  cc__say("connecting to Service Edge %s (attempt %d)", se, s->se_attempts + 1);
  /* Reconnects use the address learnt while the cloud was healthy: when the
   * cloud is down, public names may not resolve at all. */
  if (s->se_addr[s->se_idx][0] || cc__start_lookup(s, se, se_resolved) < 0) se_open(s);
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
  while (s->se_idx < s->n_ses && cc__start_lookup(s, s->ses[s->se_idx], learnt_se) < 0) s->se_idx++;
  if (s->se_idx < s->n_ses) return; /* learnt_se goes on */
  s->se_idx = s->se_attempts = 0;
  se_connect(s);
}

/* The fixed-ses defect: the Service Edges it "knows", whatever the broker said. */
static void use_fixed_ses(cc_session_t *s) {
  const char *domain = strchr(s->broker, '.');
  s->n_ses = 0;
  for (int k = 1; k <= 2 && domain; k++) snprintf(s->ses[s->n_ses++], 256, "se%d%s", k, domain);
}

void cc__route_done(cc_session_t *s, int status, cJSON *body) {
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, "service_edges");
  cc__drop(s, &s->pending);
  s->mode = CC_MODE_CLOUD;
  s->n_ses = 0;
  memset(s->se_addr, 0, sizeof s->se_addr);
  for (const cJSON *it = list ? list->child : NULL; it && s->n_ses < CC_MAX_NAMES; it = it->next)
    if (cJSON_IsString(it) && strlen(it->valuestring) < 256) snprintf(s->ses[s->n_ses++], 256, "%s", it->valuestring);
  if (status != 200 || s->n_ses == 0) {
    cc__say("broker failed (status %d)", status);
    if (++s->se_attempts >= s->t.retries) {
      s->se_attempts = 0;
      cc__enter_bc(s);
    } else {
      cc__after(s, cloud_pause(s), cc__cloud_route);
    }
    return;
  }
  if (s->bugs.fixed_ses) use_fixed_ses(s);
  s->se_idx = 0;
  learn_ses(s);
}

void cc__cloud_route(cc_session_t *s) {
  s->mode = CC_MODE_CLOUD;
  cc__say("asking the broker %s for Service Edges", s->broker);
  cc__post_to(s, s->broker, s->broker, s->cloud_ctx, "/v1/route", cc__device_body(s), cc__route_done);
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
                             const cc_bugs_t *bugs, int probe_port) {
  cc_session_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->base = base;
  s->cfg = cfg;
  s->t = timers;
  if (bugs) s->bugs = *bugs;
  /* The short-timeout defect: a built-in patience, whatever the config says. */
  if (s->bugs.short_timeout && s->t.timeout_ms > CC_SHORT_TIMEOUT_MS) s->t.timeout_ms = CC_SHORT_TIMEOUT_MS;
  s->new_user = !cfg->enrolled;
  snprintf(s->token, sizeof s->token, "%s", cfg->token);
  snprintf(s->broker, sizeof s->broker, "%s", cfg->broker);
  s->cloud_ctx = cc__https_ctx_new(cfg->cloud_ca_pem);
  s->bc_ctx = cc__https_ctx_new(cfg->sp_ca_pem);
  if (s->bc_ctx && s->bugs.trust_ca_name) cc__https_trust_ca_by_name(s->bc_ctx, cfg->sp_ca_pem);
  s->timer = evtimer_new(base, on_timer, s);
  s->probe = evhttp_new(base);
  cc_resolver_opts_t ropts = {.ignore_tc = s->bugs.no_tcp_fallback};
  s->resolver = cc_resolver_new(base, &ropts);
  if (!s->cloud_ctx || !s->bc_ctx || !s->timer || !s->probe || !s->resolver ||
      (probe_port > 0 && evhttp_bind_socket(s->probe, "::1", (ev_uint16_t)probe_port) < 0)) {
    cc__say("setting up the client failed (CA certificates, the resolver or probe port %d)", probe_port);
    cc_session_free(s);
    return NULL;
  }
  evhttp_set_gencb(s->probe, on_probe, s);
  return s;
}

void cc_session_start(cc_session_t *s) {
  if (s->new_user) cc__enroll_start(s);
  else cc__cloud_route(s);
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
  cc__requests_free(s);
  SSL_CTX_free(s->cloud_ctx);
  SSL_CTX_free(s->bc_ctx);
  free(s);
}
