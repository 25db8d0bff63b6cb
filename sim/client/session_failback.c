/* session_failback: leaving Business Continuity (session_impl.h). When the
 * PSE's keepalive answer says "exit_bc", the client checks the cloud beside
 * the tunnel, which keeps carrying traffic, and leaves BC only once the
 * cloud answers: the broker, or for a new user who enrolled through BC, the
 * cloud SP and then the portal. */
#include <stdio.h>
#include <string.h>

#include "sim/client/session_impl.h"

/* Leaves BC for the cloud: the PSE tunnel goes, the broker is asked for a route. */
static void leave_bc(cc_session_t *s) {
  cc__say("the cloud answers: leaving Business Continuity");
  if (s->tun) evhttp_connection_set_closecb(s->tun, NULL, NULL);
  cc__drop(s, &s->tun);
  event_del(s->timer);
  s->failures = 0;
}

static void exit_check_done(cc_session_t *s, int status, cJSON *body) {
  struct evhttp_connection *c = s->checking;
  s->checking = NULL;
  cc__drop(s, &c);
  if (status != 200 || s->mode != CC_MODE_BC) {
    cc__say("the cloud is still unreachable (status %d): staying on the PSE until the next signal", status);
    return;
  }
  leave_bc(s);
  cc__route_done(s, status, body);
}

/* A new user who enrolled through BC has no broker: its check of the cloud
 * is the cloud SP, then an enrollment at the portal (docs/protocol.md). */
static void exit_portal_done(cc_session_t *s, int status, cJSON *body) {
  const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "token"));
  const char *broker = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "broker"));
  struct evhttp_connection *c = s->checking;
  s->checking = NULL;
  cc__drop(s, &c);
  if (status != 200 || !token || !broker || strlen(token) >= sizeof s->token || strlen(broker) >= sizeof s->broker ||
      s->mode != CC_MODE_BC) {
    cc__say("the portal does not enroll us yet (status %d): staying on the PSE until the next signal", status);
    return;
  }
  snprintf(s->token, sizeof s->token, "%s", token);
  snprintf(s->broker, sizeof s->broker, "%s", broker);
  s->new_user = false;
  leave_bc(s);
  cc__cloud_route(s);
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
  if (!addr[0] || s->mode != CC_MODE_BC ||
      !(s->checking = cc__tls_connect(s, addr, s->cfg->portal, s->cfg->portal, s->cloud_ctx))) {
    cc__say("the portal is unreachable: staying on the PSE");
    return;
  }
  cJSON *b = cc__device_body(s);
  cJSON_AddStringToObject(b, "assertion", s->exit_assertion);
  if (cc__send_req(s, s->checking, EVHTTP_REQ_POST, s->cfg->portal, "/v1/enroll", b, exit_portal_done) < 0)
    cc__drop(s, &s->checking);
}

static void exit_sp_done(cc_session_t *s, int status, cJSON *body) {
  const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "assertion"));
  struct evhttp_connection *c = s->checking;
  s->checking = NULL;
  cc__drop(s, &c);
  if (status != 200 || !a || strlen(a) >= sizeof s->exit_assertion || s->mode != CC_MODE_BC) {
    cc__say("the cloud SP is still unreachable (status %d): staying on the PSE until the next signal", status);
    return;
  }
  snprintf(s->exit_assertion, sizeof s->exit_assertion, "%s", a);
  if (!(s->exit_lookup = cc_resolve(s->resolver, s->cfg->portal, exit_portal_resolved, s)))
    cc__say("cannot look up the portal: staying on the PSE");
}

static void exit_cloud_known(cc_session_t *s, const char *addr) {
  bool via_sp = !s->broker[0];
  const char *host = via_sp ? s->cfg->cloud_sp : s->broker;
  if (!addr[0] || s->mode != CC_MODE_BC || !(s->checking = cc__tls_connect(s, addr, host, host, s->cloud_ctx))) {
    cc__say("the cloud is still unreachable (its name does not resolve): staying on the PSE");
    return;
  }
  cJSON *body = cc__device_body(s);
  if (via_sp) cJSON_AddStringToObject(body, "user", "new.user@example.com");
  if (cc__send_req(s, s->checking, EVHTTP_REQ_POST, host, via_sp ? "/v1/saml/login" : "/v1/route", body,
               via_sp ? exit_sp_done : exit_check_done) < 0)
    cc__drop(s, &s->checking);
}

void cc__exit_check(cc_session_t *s) {
  if (s->checking || s->exit_lookup) return;
  /* The broker is asked fresh: reachable means DNS, routing and TLS all work again.
   * A new user enrolled through BC has no broker: it asks the cloud SP. */
  s->exit_lookup = cc_resolve(s->resolver, s->broker[0] ? s->broker : s->cfg->cloud_sp, exit_cloud_resolved, s);
}
