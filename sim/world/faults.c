/* The world's faults: each switched through its row's handler in the
 * world's fault table (sim/world/map.h), in the resolvers, the TLS
 * endpoints, the services, or the lab's routes and nftables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/dur.h"
#include "sim/inject/inject.h"
#include "sim/lab/nft.h"
#include "sim/world/world_int.h"

int world_config_fault(world_t *w, const char *action, char *err, size_t errlen) {
  int rc = -1;
  EVP_PKEY *other = NULL;
  char *edited = NULL;
  if (strcmp(action, "config.tampered") == 0) {
    /* Edited after signing: the signature and signer stay, the bytes change. */
    cJSON *settings = cJSON_Parse(tenant_settings(w->tenant));
    cJSON_ReplaceItemInObject(settings, "pcc_dns_name", cJSON_CreateString("any2bcp.attacker.example"));
    edited = cJSON_PrintUnformatted(settings);
    cJSON_Delete(settings);
    rc = edited ? tenant_write_signed(w->config_path, tenant_settings(w->tenant), edited, tenant_signer(w->tenant)->key) : -1;
  } else if (strcmp(action, "config.wrong-signer") == 0) {
    /* A valid signature, by a key the thumbprint does not name. */
    other = EVP_EC_gen("P-256");
    rc = other ? tenant_write_signed(w->config_path, tenant_settings(w->tenant), tenant_settings(w->tenant), other) : -1;
  }
  if (rc < 0) snprintf(err, errlen, "applying %s to the BC config failed", action);
  EVP_PKEY_free(other);
  cJSON_free(edited);
  return rc;
}


/* ---- faults ---- */

/* The indices of the parties a target names: one party, a group, or a whole segment. */
static int resolve_target(const char *target, size_t out[]) {
  map_target_set_t set;
  int n = map_target_parties(target, &set);
  for (int k = 0; k < n; k++) out[k] = (size_t)(set.parties[k] - map_parties);
  return n;
}

static const char *param_str(const cJSON *params, const char *key, const char *fallback) {
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, key));
  return v ? v : fallback;
}

static int param_int(const cJSON *params, const char *key, int fallback) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, key);
  return cJSON_IsNumber(v) ? v->valueint : fallback;
}

/* A duration the step leaves out is none: every default duration is in the
 * fault table (map_param_t.def), filled in before the step reaches the world,
 * so that --time-scale scales it (map.h). */
static int64_t param_dur(const cJSON *params, const char *key) {
  int64_t ms;
  const char *v = param_str(params, key, NULL);
  return v && dur_parse(v, &ms) ? ms : 0;
}

int world_param_int(const cJSON *params, const char *key) { return param_int(params, key, 0); }
int64_t world_param_dur(const cJSON *params, const char *key) { return param_dur(params, key); }

static int dns_fault(world_t *w, const char *kind, const char *target, const cJSON *params, bool on, char *err,
                     size_t errlen) {
  dns_fault_spec_t f = {0};
  snprintf(f.kind, sizeof f.kind, "%s", kind);
  snprintf(f.name, sizeof f.name, "%s", param_str(params, "name", ""));
  f.delay_ms = param_dur(params, "delay");
  f.ttl = param_int(params, "ttl", 0);
  f.keep = param_int(params, strcmp(kind, "loss") == 0 ? "percent" : "keep", 1);
  f.first = param_int(params, "first", 0);
  snprintf(f.address, sizeof f.address, "%s", param_str(params, "address", map_spare("wrong-address")->v4));
  snprintf(f.mode, sizeof f.mode, "%s", param_str(params, "mode", "wrong-id"));
  const map_party_t *p = map_party(target);
  dns_server_t *d = p && p->role == ROLE_PUBLIC_DNS ? w->public_dns : w->dns;
  if (dns_server_fault(d, &f, on) < 0) {
    snprintf(err, errlen, "too many DNS faults at once on %s", target);
    return -1;
  }
  return 0;
}

/* The forged answer of dns.spoof, sent from the resolver's own address. */
void world_on_spoof(void *arg, const dns_fault_spec_t *f, const char *client, uint16_t port, const uint8_t *query,
                    size_t qlen) {
  world_t *w = arg;
  const map_party_t *resolver = map_party_of_role(ROLE_RESOLVER);
  ldns_pkt *q = NULL;
  uint8_t *wire = NULL;
  size_t len = 0;
  char err[256] = "", qname[300];
  if (strchr(client, ':') || ldns_wire2pkt(&q, query, qlen) != LDNS_STATUS_OK) goto out;
  ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
  char *owner = ldns_rdf2str(ldns_rr_owner(qrr));
  bool wrong_question = strcmp(f->mode, "wrong-question") == 0;
  snprintf(qname, sizeof qname, "%s%s", wrong_question ? "spoofed." : "", owner ? owner : ".");
  free(owner);
  char rr_text[400];
  snprintf(rr_text, sizeof rr_text, "%s 60 IN A %s", qname, f->address);
  ldns_rr *answer = NULL, *question = NULL;
  if (ldns_rr_new_frm_str(&answer, rr_text, 0, NULL, NULL) != LDNS_STATUS_OK) goto out;
  snprintf(rr_text, sizeof rr_text, "%s IN A", qname);
  if (ldns_rr_new_question_frm_str(&question, rr_text, NULL, NULL) != LDNS_STATUS_OK) {
    ldns_rr_free(answer);
    goto out;
  }
  ldns_pkt *forged = ldns_pkt_new();
  ldns_pkt_set_id(forged, wrong_question ? ldns_pkt_id(q) : (uint16_t)(ldns_pkt_id(q) ^ 0x5a5a));
  ldns_pkt_set_qr(forged, true);
  ldns_pkt_set_aa(forged, true);
  ldns_pkt_set_rd(forged, true);
  ldns_pkt_set_ra(forged, true);
  ldns_pkt_push_rr(forged, LDNS_SECTION_QUESTION, question);
  ldns_pkt_push_rr(forged, LDNS_SECTION_ANSWER, answer);
  if (ldns_pkt2wire(&wire, forged, &len) == LDNS_STATUS_OK &&
      inject_udp(w->lab, resolver->host, resolver->v4, 53, client, port, wire, len, err, sizeof err) == 0) {
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "service", resolver->name);
    cJSON_AddStringToObject(ev, "mode", f->mode);
    cJSON_AddStringToObject(ev, "address", f->address);
    cJSON_AddStringToObject(ev, "qname", qname);
    cJSON_AddStringToObject(ev, "peer", client);
    world_service_log(w, resolver->name, "svc.dns.spoof", ev);
  } else {
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "message", err[0] ? err : "building the forged answer failed");
    w->log(w->log_arg, "harness", "harness.warning", ev);
  }
  ldns_pkt_free(forged);
out:
  free(wire);
  ldns_pkt_free(q);
}

/* Certificates a certificate fault serves in place of the real ones. */
static int cert_fault(world_t *w, size_t i, const char *kind, char *err, size_t errlen) {
  const map_party_t *p = &map_parties[i];
  char fqdn[300], c2[300], c2site[300], bcpsp[300], wrong[300];
  world_party_fqdn(w, p, fqdn, sizeof fqdn);
  snprintf(c2, sizeof c2, "c2.%s", w->bc_domain);
  snprintf(c2site, sizeof c2site, "c2site.%s", w->bc_domain);
  snprintf(bcpsp, sizeof bcpsp, "bcpsp.%s", w->bc_domain);
  snprintf(wrong, sizeof wrong, "wrong.%s", p->domain == MAP_DOMAIN_BC ? w->bc_domain : w->cloud_domain);
  const pki_cert_t *ca = p->domain == MAP_DOMAIN_BC ? w->bc_ca : w->cloud_ca;
  long not_before = -3600;
  int days = 365;
  if (strcmp(kind, "untrusted-ca") == 0) {
    if (!w->rogue_ca) w->rogue_ca = pki_ca_new("Rogue CA (bcsim lab)");
    ca = w->rogue_ca;
  } else if (strcmp(kind, "wrong-key") == 0) {
    if (!w->impostor_ca) {
      X509_NAME *name = X509_get_subject_name((p->domain == MAP_DOMAIN_BC ? w->bc_ca : w->cloud_ca)->cert);
      char cn[256] = "";
      X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof cn);
      w->impostor_ca = pki_ca_new(cn); /* same name, another key */
    }
    ca = w->impostor_ca;
  } else if (strcmp(kind, "expired") == 0) {
    not_before = -400L * 86400;
    days = 30;
  } else if (strcmp(kind, "not-yet-valid") == 0) {
    not_before = 86400;
  }
  if (!ca) goto fail;
  bool wrong_name = strcmp(kind, "wrong-name") == 0;
  tls_ep_cert_t certs[3];
  int n = 0;
  const char *names[3] = {fqdn, NULL, NULL};
  if (p->domain == MAP_DOMAIN_BC) {
    names[0] = c2;
    names[1] = c2site;
    if (p->role == ROLE_PCC) names[2] = bcpsp;
  }
  for (int k = 0; k < 3 && names[k]; k++) {
    /* Each name gets its own faulty certificate: only the fault may be wrong, never the name by accident. */
    const char *issued_for[1] = {wrong_name ? wrong : names[k]};
    pki_cert_free(w->fault_certs[i][k]);
    w->fault_certs[i][k] = pki_issue(ca, issued_for, 1, not_before, days);
    if (!w->fault_certs[i][k]) goto fail;
    certs[n++] = (tls_ep_cert_t){names[k], w->fault_certs[i][k]};
  }
  if (tls_ep_set_override(w->eps[i], certs, n) < 0) goto fail;
  return 0;
fail:
  snprintf(err, errlen, "preparing the %s certificates of %s failed", kind, p->name);
  return -1;
}

static int nft_for_parties(world_t *w, const char *chain_kind, const char *target, const size_t *idx, int n,
                           const char *rule4, const char *rule6, bool per_host, bool on, char *err, size_t errlen) {
  char chain[96];
  snprintf(chain, sizeof chain, "f_%s_%s", chain_kind, target);
  for (char *c = chain; *c; c++)
    if (*c == '-' || *c == '.') *c = '_';
  /* svc.down: the host(s) of the parties refuse, as a closed port would.
   * The rest: every site's edge router, which a client at any site crosses. */
  for (int h = 0; h < LAB_N_HOSTS; h++) {
    if (!per_host && !map_hosts[h].edge) continue;
    nft_rules_t r = {.used = 0};
    for (int k = 0; k < n; k++) {
      const map_party_t *p = &map_parties[idx[k]];
      if (per_host && (int)p->host != h) continue;
      nft_rules_add(&r, rule4, p->v4);
      nft_rules_add(&r, rule6, p->v6);
    }
    if (!r.used) continue;
    if (r.full) {
      snprintf(err, errlen, "the rules of %s for %s do not fit", chain_kind, target);
      return -1;
    }
    int rc = on ? nft_fault_add(w->lab, (lab_host_t)h, chain, per_host ? "input" : "forward", r.text, err, errlen)
                : nft_fault_del(w->lab, (lab_host_t)h, chain, err, errlen);
    if (rc < 0) return -1;
  }
  return 0;
}

/* A route to the prefix on every site's edge router. */
static int edge_route_fault(world_t *w, const char *prefix, lab_route_fault_t kind, bool on) {
  for (int h = 0; h < LAB_N_HOSTS; h++)
    if (map_hosts[h].edge && lab_route_fault(w->lab, (lab_host_t)h, prefix, kind, on) < 0) return -1;
  return 0;
}

static int route_fault(world_t *w, const char *target, const size_t *idx, int n, lab_route_fault_t kind, bool on,
                       char *err, size_t errlen) {
  char p4[64], p6[64];
  const map_segment_t *seg = map_segment(target);
  if (seg) {
    if (edge_route_fault(w, seg->v4, kind, on) < 0 || edge_route_fault(w, seg->v6, kind, on) < 0) goto fail;
    return 0;
  }
  for (int k = 0; k < n; k++) {
    snprintf(p4, sizeof p4, "%s/32", map_parties[idx[k]].v4);
    snprintf(p6, sizeof p6, "%s/128", map_parties[idx[k]].v6);
    if (edge_route_fault(w, p4, kind, on) < 0 || edge_route_fault(w, p6, kind, on) < 0) goto fail;
  }
  return 0;
fail:
  snprintf(err, errlen, "%s the route fault for %s failed", on ? "adding" : "removing", target);
  return -1;
}

static tls_ep_mode_t tls_mode(const char *kind) {
  return strcmp(kind, "alert") == 0          ? TLS_EP_ALERT
         : strcmp(kind, "no-sni-match") == 0 ? TLS_EP_NO_SNI
         : strcmp(kind, "close") == 0        ? TLS_EP_CLOSE
                                             : TLS_EP_OLD_VERSION;
}

/* A fault that acts in one party's service. */
static int party_fault(world_t *w, const map_fault_t *f, size_t i, const cJSON *params, bool on, char *err,
                       size_t errlen) {
  const map_party_t *p = &map_parties[i];
  svc_t *s = &w->svcs[i];
  bool dns = p->serves == MAP_SERVES_DNS, https = p->serves == MAP_SERVES_HTTPS;
  switch (f->handler) {
  case FAULT_SVC_SLOW:
    if (!https) return 0;
    s->delay_ms = on ? param_dur(params, "delay") : 0;
    return 0;
  case FAULT_HTTP_ERROR:
    if (dns) return 0;
    s->http_status = on ? param_int(params, "status", 503) : 0;
    snprintf(s->http_body, sizeof s->http_body, "%s", param_str(params, "body", ""));
    return 0;
  case FAULT_TLS_MODE: {
    if (!https) return 0;
    int alert = tls_ep_alert_code(param_str(params, "alert", "handshake_failure"));
    if (alert < 0) {
      snprintf(err, errlen, "unknown TLS alert \"%s\"", param_str(params, "alert", ""));
      return -1;
    }
    tls_ep_set_mode(w->eps[i], on ? tls_mode(f->name + 4) : TLS_EP_HONEST, alert);
    return 0;
  }
  case FAULT_TLS_CERT:
    if (!https) return 0;
    if (on) return cert_fault(w, i, f->name + 4, err, errlen);
    tls_ep_set_override(w->eps[i], NULL, 0);
    return 0;
  default:
    snprintf(err, errlen, "%s is not implemented for %s", f->name, p->name);
    return -1;
  }
}

int world_fault(world_t *w, const char *action, const char *target, const cJSON *params, bool on, char *err,
                size_t errlen) {
  size_t idx[MAP_MAX_PARTIES];
  int n = resolve_target(target, idx);
  const map_fault_t *f = map_fault(action);
  err[0] = 0;
  if (!f) {
    snprintf(err, errlen, "no fault is called \"%s\"", action);
    return -1;
  }
  switch (f->handler) {
  case FAULT_DNS:
    return dns_fault(w, action + 4, target, params, on, err, errlen);
  case FAULT_LINK:
    if (lab_link_set(w->lab, target, !on) < 0) {
      snprintf(err, errlen, "setting link %s %s failed", target, on ? "down" : "up");
      return -1;
    }
    return 0;
  case FAULT_BLACKHOLE:
    return route_fault(w, target, idx, n, LAB_ROUTE_BLACKHOLE, on, err, errlen);
  case FAULT_UNREACHABLE:
    return route_fault(w, target, idx, n, LAB_ROUTE_UNREACHABLE, on, err, errlen);
  case FAULT_REJECT:
    return nft_for_parties(w, "reject", target, idx, n, "ip daddr %s meta l4proto tcp reject with tcp reset\n",
                           "ip6 daddr %s meta l4proto tcp reject with tcp reset\n", false, on, err, errlen);
  case FAULT_TLS_STALL:
    /* The handshake completes in the kernel; the ClientHello never arrives. */
    return nft_for_parties(w, "stall", target, idx, n, "ip daddr %s tcp dport 443 ip length > 100 drop\n",
                           "ip6 daddr %s tcp dport 443 ip6 length > 80 drop\n", false, on, err, errlen);
  case FAULT_SVC_DOWN:
    /* The cloud knows its own services are down: the broker routes around them. */
    for (int k = 0; k < n; k++) w->svcs[idx[k]].outages += on ? 1 : -1;
    return nft_for_parties(w, "down", target, idx, n, "ip daddr %s tcp dport 443 reject with tcp reset\n",
                           "ip6 daddr %s tcp dport 443 reject with tcp reset\n", true, on, err, errlen);
  case FAULT_NET_DELAY:
  case FAULT_NET_LOSS:
  case FAULT_NET_REORDER:
  case FAULT_NET_DUPLICATE:
  case FAULT_NET_RATE:
  case FAULT_NET_MTU:
    return world_wire_fault(w, f, target, params, on, err, errlen);
  case FAULT_INJECT_RST:
  case FAULT_CONFIG:
  case FAULT_PROBE:
  case FAULT_PROBE_DNS:
    snprintf(err, errlen, "%s is the runner's, not the world's", action);
    return -1;
  default:
    break;
  }
  for (int k = 0; k < n; k++)
    if (party_fault(w, f, idx[k], params, on, err, errlen) < 0) return -1;
  if (n == 0) {
    snprintf(err, errlen, "%s: no party is called \"%s\"", action, target);
    return -1;
  }
  return 0;
}
