/* session_bc: Business Continuity (session_impl.h). The client resolves the
 * PCC DNS name with the system resolver, tries each address in turn with TLS
 * (SNI c2.<bc_domain> once enrolled, c2site for a new user, who enrolls
 * there first), follows the PCC's redirect to a PSE and opens its tunnel
 * there. Every failure comes back here after a backoff. */
#include <stdio.h>
#include <string.h>

#include "sim/client/session_impl.h"

static void pcc_connect(cc_session_t *s);
static void pse_connect(cc_session_t *s);

static const char *bc_sni(cc_session_t *s) {
  /* Enrolled clients use c2, new users c2site; the wrong-sni defect swaps them. */
  bool use_new = s->new_user != s->bugs.wrong_sni;
  return use_new ? s->cfg->sni_new : s->cfg->sni_enrolled;
}

static void pse_failed(cc_session_t *s) {
  cc__drop(s, &s->pending);
  if (++s->pse_idx >= s->n_pse) {
    cc__say("every PSE failed: asking the PCCs again");
    cc__after(s, cc__retry_delay(s), cc__enter_bc);
    return;
  }
  pse_connect(s);
}

static void pse_tunnel_done(cc_session_t *s, int status, cJSON *body) {
  char desc[300];
  snprintf(desc, sizeof desc, "BC via %s", s->pses[s->pse_idx]);
  if (cc__tunnel_opened(s, status, body, s->pses[s->pse_idx], desc) < 0) pse_failed(s);
}

static void pse_connect(cc_session_t *s) {
  const char *pse = s->pses[s->pse_idx];
  cc__say("connecting to PSE %s with SNI %s", pse, bc_sni(s));
  cc__post_to(s, pse, bc_sni(s), s->bc_ctx, "/v1/tunnel", cc__device_body(s), pse_tunnel_done);
}

static void pcc_failed(cc_session_t *s) {
  cc__drop(s, &s->pending);
  if (++s->pcc_idx >= s->n_pcc) {
    cc__say("every PCC address failed: resolving again after backoff");
    cc__after(s, cc__retry_delay(s), cc__enter_bc);
    return;
  }
  pcc_connect(s);
}

static void pcc_done(cc_session_t *s, int status, cJSON *body) {
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, "redirect");
  s->n_pse = 0;
  for (const cJSON *it = list ? list->child : NULL; it && s->n_pse < CC_MAX_NAMES; it = it->next)
    if (cJSON_IsString(it) && strlen(it->valuestring) < 256) snprintf(s->pses[s->n_pse++], 256, "%s", it->valuestring);
  if (status != 200 || s->n_pse == 0) {
    cc__say("PCC %s failed (status %d)", s->pcc_addrs[s->pcc_idx], status);
    pcc_failed(s);
    return;
  }
  cc__drop(s, &s->pending);
  if (s->bugs.ignore_redirect) {
    cc__say("PCC %s redirected us to %d PSE(s); the defect ignores it and asks again later", s->pcc_addrs[s->pcc_idx], s->n_pse);
    cc__after(s, cc__retry_delay(s), cc__enter_bc);
    return;
  }
  cc__say("PCC %s redirected us to %d PSE(s)", s->pcc_addrs[s->pcc_idx], s->n_pse);
  s->pse_idx = 0;
  pse_connect(s);
}

static void enroll_done(cc_session_t *s, int status, cJSON *body) {
  const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "token"));
  if (status == 403 && !s->bugs.enroll_storm) {
    /* The admin said no: that is an answer, not an outage. Asking the other
     * PCCs at once would only repeat it; wait the longest backoff instead. */
    cc__say("PCC %s: new-user enrollment is disabled; asking again later", s->pcc_addrs[s->pcc_idx]);
    cc__drop(s, &s->pending);
    s->failures = 4;
    cc__after(s, cc__retry_delay(s), cc__enter_bc);
    return;
  }
  if (status != 200 || !token || strlen(token) >= sizeof s->token) {
    cc__say("PCC %s refused the enrollment (status %d)", s->pcc_addrs[s->pcc_idx], status);
    pcc_failed(s);
    return;
  }
  snprintf(s->token, sizeof s->token, "%s", token);
  cc__say("enrolled through the PCC; asking for a PSE");
  cJSON *body2 = cc__device_body(s);
  cJSON_AddStringToObject(body2, "mode", "new");
  if (cc__send_req(s, s->pending, EVHTTP_REQ_POST, bc_sni(s), "/v1/bc/connect", body2, pcc_done) < 0) pcc_failed(s);
}

static void pcc_connect(cc_session_t *s) {
  const char *addr = s->pcc_addrs[s->pcc_idx];
  cc__say("connecting to PCC %s with SNI %s", addr, bc_sni(s));
  if (!(s->pending = cc__tls_connect(s, addr, bc_sni(s), bc_sni(s), s->bc_ctx))) {
    pcc_failed(s);
    return;
  }
  cJSON *body = cc__device_body(s);
  if (s->new_user && !s->token[0]) {
    /* A new user enrolls first, with the assertion from the BC SP. */
    cJSON_AddStringToObject(body, "assertion", s->assertion);
    if (cc__send_req(s, s->pending, EVHTTP_REQ_POST, bc_sni(s), "/v1/bc/enroll", body, enroll_done) < 0) pcc_failed(s);
    return;
  }
  cJSON_AddStringToObject(body, "mode", s->new_user ? "new" : "enrolled");
  if (cc__send_req(s, s->pending, EVHTTP_REQ_POST, bc_sni(s), "/v1/bc/connect", body, pcc_done) < 0) pcc_failed(s);
}

static const char *pcc_name(cc_session_t *s) {
  return s->bugs.wrong_pcc_name ? s->cfg->sni_enrolled : s->cfg->pcc_dns_name;
}

/* The addresses of the PCC name are in: the defects that bend them, then the
 * first PCC. */
static void pcc_resolved(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  s->lookup = NULL;
  s->n_pcc = n > 0 ? n : 0;
  if (n > 0) memcpy(s->pcc_addrs, addrs, (size_t)n * sizeof s->pcc_addrs[0]);
  if (s->bugs.skip_first_address && s->n_pcc > 1) {
    memmove(s->pcc_addrs[0], s->pcc_addrs[1], (size_t)(s->n_pcc - 1) * sizeof s->pcc_addrs[0]);
    s->n_pcc--;
  }
  if (s->bugs.first_pcc_only && s->n_pcc > 1) s->n_pcc = 1;
  if (s->bugs.unknown_server && s->n_pcc > 0 && s->n_pcc < CC_MAX_ADDRS) {
    /* A "built-in fallback PCC" next to the first IPv4 address DNS gave: an address nobody named. */
    for (int i = 0; i < s->n_pcc; i++) {
      char *dot = strchr(s->pcc_addrs[i], ':') ? NULL : strrchr(s->pcc_addrs[i], '.');
      if (!dot) continue;
      snprintf(s->pcc_addrs[s->n_pcc], INET6_ADDRSTRLEN, "%.*s.250", (int)(dot - s->pcc_addrs[i]), s->pcc_addrs[i]);
      s->n_pcc++;
      break;
    }
  }
  if (s->n_pcc < 1 && s->bugs.dns_give_up) {
    cc__say("resolving %s failed; the defect gives up", pcc_name(s));
    return;
  }
  if (s->n_pcc < 1) {
    cc__say("resolving %s failed; retrying after backoff", pcc_name(s));
    cc__after(s, cc__retry_delay(s), cc__enter_bc);
    return;
  }
  cc__say("%s has %d address(es)", s->cfg->pcc_dns_name, s->n_pcc);
  s->pcc_idx = 0;
  pcc_connect(s);
}

static void resolve_pcc(cc_session_t *s) {
  if (s->bugs.ignore_ttl && s->n_pcc > 0) {
    /* The defect keeps what it learnt the first time, TTL or not. */
    s->pcc_idx = 0;
    pcc_connect(s);
    return;
  }
  cc_lookup_cancel(s->lookup);
  /* The accept-spoofed defect asks with a resolver of its own, which takes any answer. */
  s->lookup = s->bugs.accept_spoofed ? cc_resolve_naive(s->resolver, pcc_name(s), pcc_resolved, s)
                                      : cc_resolve(s->resolver, pcc_name(s), pcc_resolved, s);
  if (!s->lookup) pcc_resolved(s, -1, NULL);
}

static void offline_gate_resolved(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  s->lookup = NULL;
  if (n < 1) {
    /* The defect: no public name resolves, so it takes the whole network for down and waits. */
    cc__say("public names do not resolve: we seem to be offline; not entering BC yet");
    cc__after(s, cc__retry_delay(s), cc__enter_bc);
    return;
  }
  resolve_pcc(s);
}

static void public_dns_gate_resolved(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  s->lookup = NULL;
  if (n >= 1) {
    /* The defect: a public name resolves, so it takes the cloud for up and goes back to it. */
    cc__say("public names resolve: the cloud cannot be down; back to the cloud");
    s->mode = CC_MODE_CLOUD;
    cc__after(s, cc__retry_delay(s), cc__cloud_route);
    return;
  }
  resolve_pcc(s);
}

static void public_dns_checked(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_session_t *s = arg;
  s->lookup = NULL;
  if (n >= 1 || s->mode != CC_MODE_CLOUD || !s->tun_id[0]) return;
  /* The defect: a public name stopped resolving, so it takes the cloud for down, though its tunnel works. */
  cc__say("public names stopped resolving: taking it for a cloud outage; entering Business Continuity");
  event_del(s->timer);
  evhttp_connection_set_closecb(s->tun, NULL, NULL);
  cc__drop(s, &s->tun);
  s->tun_id[0] = 0;
  s->mode = CC_MODE_BC;
  resolve_pcc(s);
}

void cc__public_dns_check(cc_session_t *s) {
  if (s->bugs.public_dns_gate && s->mode == CC_MODE_CLOUD && !s->lookup && s->broker[0])
    (void)cc__start_lookup(s, s->broker, public_dns_checked);
}

void cc__enter_bc(cc_session_t *s) {
  s->mode = CC_MODE_BC;
  if (s->bugs.public_dns_gate) {
    if (cc__start_lookup(s, s->broker[0] ? s->broker : s->cfg->cloud_sp, public_dns_gate_resolved) < 0)
      public_dns_gate_resolved(s, -1, NULL);
    return;
  }
  if (s->bugs.offline_gate) {
    if (cc__start_lookup(s, s->broker[0] ? s->broker : s->cfg->cloud_sp, offline_gate_resolved) < 0)
      offline_gate_resolved(s, -1, NULL);
    return;
  }
  resolve_pcc(s);
}
