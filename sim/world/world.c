#include "sim/world/world.h"

#include <event2/util.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "base/dur.h"
#include "base/files.h"
#include "sim/dns/dns_server.h"
#include "sim/inject/inject.h"
#include "sim/lab/nft.h"
#include "sim/dns/zone.h"
#include "sim/pki/pki.h"
#include "sim/svc/services.h"
#include "sim/svc/tls_ep.h"
#include "sim/world/map.h"
#include "sim/world/tenant.h"
#include "sim/world/world_int.h"

#define APP_PORT 7000
/* The site resolver's wait for the public DNS before it answers SERVFAIL. */
#define FORWARD_TIMEOUT_MS 500
/* The client host's stub resolver (resolv.conf): each try waits this long,
 * and it tries twice. Short, so that scenarios last seconds. glibc takes
 * whole seconds, at most RESOLV_TIMEOUT_MAX_S. */
#define RESOLV_TIMEOUT_S 1
#define RESOLV_TIMEOUT_MAX_S 30
#define RESOLV_ATTEMPTS 2

/* One of the world's own timeouts at the run's time scale. */
static int64_t world_scaled_ms(const world_t *w, int64_t ms) { return (int64_t)((double)ms * w->time_scale + 0.5); }

/* A party's index in the world's table: the world keeps its per-party state at the same index. */
static size_t party_index(const map_party_t *p) { return (size_t)(p - map_parties); }
#define PUBLIC_DNS party_index(map_party_of_role(ROLE_PUBLIC_DNS))
#define CORP_DNS party_index(map_party_of_role(ROLE_RESOLVER))

const char *world_config_path(const world_t *w) { return w->config_path; }
const char *world_state_dir(const world_t *w) { return w->state_dir; }
const char *world_resolv_path(const world_t *w) { return w->resolv_path; }

/* Services report here; the address of the peer is named before it is logged. */
void world_service_log(void *arg, const char *service, const char *type, cJSON *fields) {
  world_t *w = arg;
  const map_party_t *self = map_party(service);
  if (self) cJSON_AddStringToObject(fields, "service_role", map_role_name(self->role));
  const char *peer = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fields, "peer"));
  if (peer) {
    const char *name;
    map_role_t role;
    bool known = map_addr_owner(peer, &name, &role);
    cJSON_AddStringToObject(fields, "peer_name", known ? name : "unknown");
    cJSON_AddStringToObject(fields, "peer_role", known ? map_role_name(role) : "unknown");
  }
  w->log(w->log_arg, service, type, fields);
}

typedef struct dns_log_ctx {
  world_t *w;
  const char *service;
} dns_log_ctx_t;
static dns_log_ctx_t corp_log, public_log;

static void on_dns_log(void *arg, const zone_answer_info_t *info, const char *proto, const char *peer,
                       const char *action) {
  dns_log_ctx_t *ctx = arg;
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "service", ctx->service);
  cJSON_AddStringToObject(f, "action", action);
  cJSON_AddStringToObject(f, "qname", info->qname);
  cJSON_AddStringToObject(f, "qtype", info->qtype);
  cJSON_AddNumberToObject(f, "rcode", info->rcode);
  cJSON_AddNumberToObject(f, "answers", info->n_answers);
  cJSON_AddStringToObject(f, "proto", proto);
  cJSON_AddStringToObject(f, "peer", peer);
  world_service_log(ctx->w, ctx->service, "svc.dns.query", f);
}

void world_party_fqdn(const world_t *w, const map_party_t *p, char *out, size_t len) {
  const char *domain = p->domain == MAP_DOMAIN_BC      ? w->bc_domain
                       : p->domain == MAP_DOMAIN_PUBLIC ? MAP_PUBLIC_DOMAIN
                                                        : w->cloud_domain;
  snprintf(out, len, "%s.%s", p->label, domain);
}

/* A socket bound to addr:port in host; SOCK_STREAM sockets also listen. */
static int bound_socket(world_t *w, lab_host_t host, const char *addr, int type, int port) {
  struct sockaddr_storage ss;
  socklen_t sl;
  if (lab_sockaddr(addr, port, &ss, &sl) < 0) return -1;
  int fam = ss.ss_family;
  int fd = lab_socket(w->lab, host, fam, type, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  /* A readable listener may have nothing to accept (the peer reset first):
   * a blocking accept would then freeze every service of the world. */
  evutil_make_socket_nonblocking(fd);
  if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || (type == SOCK_STREAM && listen(fd, 128) < 0)) {
    close(fd);
    return -1;
  }
  return fd;
}


const char *world_bc_domain(const world_t *w) { return w->bc_domain; }
const char *world_cloud_domain(const world_t *w) { return w->cloud_domain; }
const char *world_thumbprint(const world_t *w) { return tenant_thumbprint(w->tenant); }
const char *world_trust_store(const world_t *w) { return w->trust_path; }

/* What the admin portal hands out (Download Config, Copy Thumbprint), what
 * an enrolled client already holds in its state dir, and the lab's resolv.conf. */
static int write_client_files(world_t *w, const char *run_dir, bool enrolled, const map_site_t *site) {
  char path[700], sni[300];
  char *cloud_pem = pki_cert_pem(w->cloud_ca);
  cJSON *enr = cJSON_CreateObject();
  int rc = -1;
  if (!cloud_pem || !enr) goto out;
  snprintf(w->config_path, sizeof w->config_path, "%s/world/bc-config.json", run_dir);
  snprintf(w->state_dir, sizeof w->state_dir, "%s/state", run_dir);
  snprintf(w->resolv_path, sizeof w->resolv_path, "%s/resolv.conf", run_dir);
  snprintf(w->trust_path, sizeof w->trust_path, "%s/world/cloud-ca.pem", run_dir);
  if (tenant_write_config(w->tenant, w->config_path) < 0) goto out;
  snprintf(path, sizeof path, "%s/world/config-signing.pem", run_dir);
  if (pki_write_cert(tenant_signer(w->tenant), path) < 0) goto out;
  snprintf(path, sizeof path, "%s/world/thumbprint.txt", run_dir);
  char line[80];
  snprintf(line, sizeof line, "%s\n", tenant_thumbprint(w->tenant));
  if (files_write_text(path, line, 0644) < 0) goto out;
  snprintf(path, sizeof path, "%s/world/bc-sp-ca.pem", run_dir);
  if (pki_write_cert(w->bc_ca, path) < 0) goto out;
  if (pki_write_cert(w->cloud_ca, w->trust_path) < 0) goto out;
  if (mkdir(w->state_dir, 0755) < 0 && errno != EEXIST) goto out;
  if (enrolled) {
    cJSON_AddStringToObject(enr, "device_id", "device-0001");
    cJSON_AddStringToObject(enr, "token", w->device_token);
    snprintf(sni, sizeof sni, "broker.%s", w->cloud_domain);
    cJSON_AddStringToObject(enr, "broker", sni);
    cJSON_AddStringToObject(enr, "cloud_ca_pem", cloud_pem);
    snprintf(path, sizeof path, "%s/enrollment.json", w->state_dir);
    if (files_write_json(path, enr, 0644) < 0) goto out;
  }
  /* The client still uses the ordinary system resolver, through this file. */
  char resolv[128];
  int64_t timeout_s = (world_scaled_ms(w, RESOLV_TIMEOUT_S * 1000) + 500) / 1000;
  timeout_s = timeout_s < 1 ? 1 : timeout_s > RESOLV_TIMEOUT_MAX_S ? RESOLV_TIMEOUT_MAX_S : timeout_s;
  snprintf(resolv, sizeof resolv, "nameserver %s\noptions timeout:%lld attempts:%d\n",
           site->v6_only ? map_party_of_role((map_role_t)site->resolver_role)->v6
                         : map_party_of_role((map_role_t)site->resolver_role)->v4,
           (long long)timeout_s, RESOLV_ATTEMPTS);
  if (files_write_text(w->resolv_path, resolv, 0644) < 0) goto out;
  rc = 0;
out:
  free(cloud_pem);
  cJSON_Delete(enr);
  return rc;
}

static int start_https(world_t *w, size_t i, char *err, size_t errlen) {
  const map_party_t *p = &map_parties[i];
  char fqdn[300], c2[300], c2site[300];
  world_party_fqdn(w, p, fqdn, sizeof fqdn);
  snprintf(c2, sizeof c2, "c2.%s", w->bc_domain);
  snprintf(c2site, sizeof c2site, "c2site.%s", w->bc_domain);
  tls_ep_cert_t certs[3];
  int n = 0;
  char bcpsp[300];
  snprintf(bcpsp, sizeof bcpsp, "bcpsp.%s", w->bc_domain);
  if (p->domain == MAP_DOMAIN_CLOUD) {
    const char *names[] = {fqdn};
    w->certs[i][0] = pki_issue(w->cloud_ca, names, 1, -3600, 365);
    certs[n++] = (tls_ep_cert_t){fqdn, w->certs[i][0]};
  } else {
    /* PCCs and PSEs answer to the two BC SNIs, with one certificate each. */
    const char *n1[] = {c2}, *n2[] = {c2site};
    w->certs[i][0] = pki_issue(w->bc_ca, n1, 1, -3600, 365);
    w->certs[i][1] = pki_issue(w->bc_ca, n2, 1, -3600, 365);
    certs[n++] = (tls_ep_cert_t){c2, w->certs[i][0]};
    certs[n++] = (tls_ep_cert_t){c2site, w->certs[i][1]};
    if (p->role == ROLE_PCC) {
      /* The PCC also hosts the BC SP (local SAML): bcpsp.<bc_domain>. */
      const char *n3[] = {bcpsp};
      w->certs[i][2] = pki_issue(w->bc_ca, n3, 1, -3600, 365);
      certs[n++] = (tls_ep_cert_t){bcpsp, w->certs[i][2]};
    }
  }
  for (int k = 0; k < n; k++) {
    if (!certs[k].cert) {
      snprintf(err, errlen, "issuing a certificate for %s failed", p->name);
      return -1;
    }
  }
  svc_t *s = &w->svcs[i];
  snprintf(s->name, sizeof s->name, "%s", p->name);
  snprintf(s->addr, sizeof s->addr, "%s", p->v4);
  s->role = p->svc;
  s->host = p->host;
  s->env = &w->env;
  /* One listening socket per family; both feed the same endpoint. */
  int fd = bound_socket(w, p->host, p->v4, SOCK_STREAM, 443);
  int fd6 = bound_socket(w, p->host, p->v6, SOCK_STREAM, 443);
  if (fd < 0 || fd6 < 0) {
    if (fd >= 0) close(fd);
    if (fd6 >= 0) close(fd6);
    snprintf(err, errlen, "binding %s:443 failed: %s", p->name, strerror(errno));
    return -1;
  }
  w->eps[i] = tls_ep_new(w->base, p->name, fd, certs, n, svc_handle, s, world_service_log, w);
  if (!w->eps[i] || tls_ep_add_socket(w->eps[i], fd6) < 0) {
    snprintf(err, errlen, "starting the %s HTTPS service failed", p->name);
    return -1;
  }
  return 0;
}

static int start_dns(world_t *w, size_t i, char *err, size_t errlen) {
  const map_party_t *p = &map_parties[i];
  bool corp = i == CORP_DNS;
  dns_log_ctx_t *ctx = corp ? &corp_log : &public_log;
  ctx->w = w;
  ctx->service = p->name;
  dns_server_t *d = dns_server_new(w->base, corp ? w->zone : w->public_zone, on_dns_log, ctx);
  /* On both its addresses: a client at an IPv6-only site has no other way to it. */
  const char *addrs[2] = {p->v4, p->v6};
  for (int k = 0; k < 2; k++) {
    int udp = d ? bound_socket(w, p->host, addrs[k], SOCK_DGRAM, 53) : -1;
    int tcp = udp >= 0 ? bound_socket(w, p->host, addrs[k], SOCK_STREAM, 53) : -1;
    if (tcp < 0 || dns_server_listen(d, udp, tcp) < 0) {
      if (udp >= 0 && tcp < 0) close(udp);
      dns_server_free(d);
      snprintf(err, errlen, "starting the %s DNS server on %s failed", p->name, addrs[k]);
      return -1;
    }
  }
  dns_server_seed(d, w->seed ^ (uint64_t)i);
  dns_server_set_spoofer(d, world_on_spoof, w);
  if (corp) {
    w->dns = d;
    /* The forwarder's socket lives in the datacenter, like the resolver. */
    struct sockaddr_storage up;
    socklen_t ul;
    int fd = lab_socket(w->lab, p->host, AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || lab_sockaddr(map_parties[PUBLIC_DNS].v4, 53, &up, &ul) < 0 || connect(fd, (struct sockaddr *)&up, ul) < 0 ||
        dns_server_set_upstream(d, fd, (int)world_scaled_ms(w, FORWARD_TIMEOUT_MS)) < 0) {
      if (fd >= 0) close(fd);
      snprintf(err, errlen, "connecting the corporate resolver to the public DNS failed");
      return -1;
    }
  } else {
    w->public_dns = d;
  }
  return 0;
}

/* A party's addresses in its host, its names in the zones, and what the services must know of it. */
static int add_party(world_t *w, const map_party_t *p, char *err, size_t errlen) {
  char fqdn[300], pcc[300];
  svc_env_t *env = &w->env;
  if (lab_add_service_addr(w->lab, p->host, p->v4) < 0 || lab_add_service_addr(w->lab, p->host, p->v6) < 0) {
    snprintf(err, errlen, "adding the addresses of %s failed", p->name);
    return -1;
  }
  world_party_fqdn(w, p, fqdn, sizeof fqdn);
  /* The site's resolver answers for the BC domain itself; the public DNS for both. */
  zone_t *zones[2] = {p->domain == MAP_DOMAIN_BC ? w->zone : NULL, w->public_zone};
  for (int k = 0; k < 2; k++) {
    zone_t *z = zones[k];
    if (!z) continue;
    if (zone_add_addr(z, fqdn, p->v4) < 0 || zone_add_addr(z, fqdn, p->v6) < 0) return -1;
    if (p->role != ROLE_PCC) continue;
    const char *pcc_names[] = {"any2bcp", "bcpsp"}; /* the PCCs' DNS name, and the BC SP they host */
    for (int n = 0; n < 2; n++) {
      snprintf(pcc, sizeof pcc, "%s.%s", pcc_names[n], w->bc_domain);
      if (zone_add_addr(z, pcc, p->v4) < 0 || zone_add_addr(z, pcc, p->v6) < 0) return -1;
    }
  }
  size_t max_ses = sizeof env->service_edges / sizeof env->service_edges[0];
  size_t max_pses = sizeof env->pses / sizeof env->pses[0];
  if ((p->svc == SVC_SE && (size_t)env->n_service_edges >= max_ses) || (p->svc == SVC_PSE && (size_t)env->n_pses >= max_pses)) {
    snprintf(err, errlen, "%s: more Service Edges or PSEs than the services hold", p->name);
    return -1;
  }
  if (p->svc == SVC_SE) {
    env->service_edge_svcs[env->n_service_edges] = &w->svcs[party_index(p)];
    world_party_fqdn(w, p, env->service_edges[env->n_service_edges++], sizeof env->service_edges[0]);
  }
  if (p->svc == SVC_PSE) world_party_fqdn(w, p, env->pses[env->n_pses++], sizeof env->pses[0]);
  if (p->svc == SVC_BROKER) world_party_fqdn(w, p, env->broker, sizeof env->broker);
  if (p->serves == MAP_SERVES_APP) env->app_addr = p->v4;
  return 0;
}

/* Whether a link joins the two hosts. */
static bool linked(lab_host_t a, lab_host_t b) {
  for (int i = 0; i < map_n_links; i++)
    if ((map_links[i].a == a && map_links[i].b == b) || (map_links[i].a == b && map_links[i].b == a)) return true;
  return false;
}

/* The branch site's edge firewall: from the internet, only the published
 * parties' HTTPS (the PCCs and PSEs, for remote users), the answers to the
 * site's own connections, and the cloud reach the data center. The cloud
 * stands for the App Connectors' tunnels: a real connector dials out to the
 * cloud, and the Service Edges reach the app through it; the lab lets the
 * Service Edges connect to the app directly. */
static int publish_datacenter(world_t *w, char *err, size_t errlen) {
  const map_segment_t *dc = map_segment("datacenter"), *cloud = map_segment("cloud");
  for (int i = 0; i < map_n_links && dc; i++) {
    const map_link_t *l = &map_links[i];
    if (l->a != LAB_INTERNET || !linked(l->b, dc->host)) continue;
    nft_rules_t r = {.used = 0};
    const char *fam[2] = {"ip", "ip6"};
    for (int f = 0; f < 2; f++) {
      const char *dc_net = f ? dc->v6 : dc->v4;
      nft_rules_add(&r, "iifname \"%s\" %s daddr %s ct state established,related accept\n", l->ifname, fam[f], dc_net);
      if (cloud)
        nft_rules_add(&r, "iifname \"%s\" %s saddr %s %s daddr %s accept\n", l->ifname, fam[f], f ? cloud->v6 : cloud->v4,
                      fam[f], dc_net);
      for (int k = 0; k < map_n_parties; k++)
        if (map_parties[k].published)
          nft_rules_add(&r, "iifname \"%s\" %s daddr %s tcp dport 443 accept\n", l->ifname, fam[f],
                        f ? map_parties[k].v6 : map_parties[k].v4);
      nft_rules_add(&r, "iifname \"%s\" %s daddr %s drop\n", l->ifname, fam[f], dc_net);
    }
    if (r.full) {
      snprintf(err, errlen, "the data center's published rules do not fit");
      return -1;
    }
    if (nft_fault_add(w->lab, l->b, "published", "forward", r.text, err, errlen) < 0) return -1;
  }
  return 0;
}

/* Starts what a party serves. */
static int start_party(world_t *w, size_t i, char *err, size_t errlen) {
  const map_party_t *p = &map_parties[i];
  if (p->serves == MAP_SERVES_HTTPS) return start_https(w, i, err, errlen);
  if (p->serves == MAP_SERVES_DNS) return start_dns(w, i, err, errlen);
  if (p->serves == MAP_SERVES_NONE) return 0;
  int fd = bound_socket(w, p->host, p->v4, SOCK_STREAM, APP_PORT);
  w->app = fd >= 0 ? app_server_new(&w->env, fd) : NULL;
  if (!w->app) {
    snprintf(err, errlen, "starting the app server failed");
    return -1;
  }
  return 0;
}

world_t *world_new(struct event_base *base, lab_t *lab, const world_opts_t *opts, world_log_fn log,
                   void *log_arg, char *err, size_t errlen) {
  world_t *w = calloc(1, sizeof *w);
  char path[700];
  bool ok = false;
  err[0] = 0;
  if (!w) goto out;
  if (map_n_parties > MAP_MAX_PARTIES) { /* the per-party arrays of struct world hold that many */
    snprintf(err, errlen, "the world's table has %d parties, more than the %d the world holds (MAP_MAX_PARTIES)",
             map_n_parties, MAP_MAX_PARTIES);
    goto out;
  }
  w->base = base;
  w->seed = opts->seed;
  w->time_scale = opts->time_scale > 0 ? opts->time_scale : 1;
  w->lab = lab;
  w->log = log;
  w->log_arg = log_arg;
  snprintf(w->bc_domain, sizeof w->bc_domain, "%s", opts->bc_domain);
  snprintf(w->cloud_domain, sizeof w->cloud_domain, "%s", opts->cloud_domain);
  unsigned char rnd[16];
  FILE *ur = fopen("/dev/urandom", "rbe");
  if (!ur || fread(rnd, 1, sizeof rnd, ur) != sizeof rnd) {
    if (ur) fclose(ur);
    goto out;
  }
  fclose(ur);
  for (size_t i = 0; i < sizeof rnd; i++) snprintf(w->device_token + 2 * i, 3, "%02x", rnd[i]);

  snprintf(path, sizeof path, "%s/world", opts->run_dir);
  if (mkdir(path, 0755) < 0 && errno != EEXIST) goto out;
  w->tenant = opts->tenant_dir ? tenant_open(opts->tenant_dir, opts->bc_domain, opts->cloud_domain, err, errlen)
                               : tenant_new(opts->bc_domain, opts->cloud_domain, err, errlen);
  if (!w->tenant) goto out;
  /* A kept tenant has its own domains; the world serves those. */
  snprintf(w->bc_domain, sizeof w->bc_domain, "%s", tenant_bc_domain(w->tenant));
  snprintf(w->cloud_domain, sizeof w->cloud_domain, "%s", tenant_cloud_domain(w->tenant));
  w->bc_ca = tenant_bc_ca(w->tenant);
  w->cloud_ca = tenant_cloud_ca(w->tenant);
  const map_site_t *site = lab_site(lab);
  if (write_client_files(w, opts->run_dir, opts->enrolled, site) < 0) {
    snprintf(err, errlen, "writing the client's config and state under %s failed: %s", opts->run_dir,
             strerror(errno));
    goto out;
  }

  svc_env_t *env = &w->env;
  env->base = base;
  env->lab = lab;
  env->device_token = w->device_token;
  env->log = world_service_log;
  env->log_arg = w;
  env->app_name = map_party_of_role(ROLE_APP)->name;
  env->app_port = APP_PORT;
  env->pse_exit_after_ms = opts->pse_exit_after_ms;
  env->pse_exit_check_ms = opts->pse_exit_check_ms;
  env->new_user_enrollment = opts->new_user_enrollment;
  /* The corporate resolver is authoritative for the BC domain and forwards
   * the rest to the public DNS; the public DNS serves both domains, as a
   * customer that publishes its BC names does. */
  w->zone = zone_new(60);
  w->public_zone = zone_new(60);
  if (!w->zone || !w->public_zone || zone_add_origin(w->zone, w->bc_domain) < 0 ||
      zone_add_origin(w->public_zone, w->bc_domain) < 0 || zone_add_origin(w->public_zone, w->cloud_domain) < 0 ||
      zone_add_origin(w->public_zone, MAP_PUBLIC_DOMAIN) < 0)
    goto out;
  for (size_t i = 0; i < (size_t)map_n_parties; i++)
    if (add_party(w, &map_parties[i], err, errlen) < 0) goto out;
  for (size_t i = 0; i < (size_t)map_n_parties; i++)
    if (start_party(w, i, err, errlen) < 0) goto out;
  if (publish_datacenter(w, err, errlen) < 0) goto out;
  w->impair = impair_new(base, lab, w->seed);
  if (!w->impair) goto out;
  ok = true;
out:
  if (!ok) {
    if (!err[0]) snprintf(err, errlen, "building the world failed");
    world_free(w);
    w = NULL;
  }
  return w;
}

void world_free(world_t *w) {
  if (!w) return;
  impair_free(w->impair); /* first: held packets pass while the services still live */
  for (size_t i = 0; i < (size_t)map_n_parties; i++) {
    tls_ep_free(w->eps[i]);
    pki_cert_free(w->certs[i][0]);
    pki_cert_free(w->certs[i][1]);
    pki_cert_free(w->certs[i][2]);
  }
  for (size_t i = 0; i < (size_t)map_n_parties; i++)
    for (int k = 0; k < 3; k++) pki_cert_free(w->fault_certs[i][k]);
  pki_cert_free(w->rogue_ca);
  pki_cert_free(w->impostor_ca);
  app_server_free(w->app);
  dns_server_free(w->dns);
  dns_server_free(w->public_dns);
  zone_free(w->zone);
  zone_free(w->public_zone);
  tenant_free(w->tenant);
  free(w);
}

const zone_t *world_resolver_zone(const world_t *w) { return w->zone; }

cJSON *world_describe(const world_t *w) {
  cJSON *list = cJSON_CreateArray();
  for (size_t i = 0; i < (size_t)map_n_parties; i++) {
    char fqdn[300];
    world_party_fqdn(w, &map_parties[i], fqdn, sizeof fqdn);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", map_parties[i].name);
    cJSON_AddStringToObject(p, "role", map_role_name(map_parties[i].role));
    cJSON_AddStringToObject(p, "dns_name", fqdn);
    cJSON_AddStringToObject(p, "host", map_host_name(map_parties[i].host));
    cJSON_AddStringToObject(p, "v4", map_parties[i].v4);
    cJSON_AddStringToObject(p, "v6", map_parties[i].v6);
    cJSON_AddItemToArray(list, p);
  }
  return list;
}

int world_wire_parties(const world_t *w, wire_party_t *out, int max) {
  (void)w;
  int n = 0;
  for (int i = 0; i < map_n_parties; i++) {
    const char *addrs[2] = {map_parties[i].v4, map_parties[i].v6};
    for (int k = 0; k < 2 && n < max; k++, n++) {
      snprintf(out[n].addr, sizeof out[n].addr, "%s", addrs[k]);
      snprintf(out[n].name, sizeof out[n].name, "%s", map_parties[i].name);
      snprintf(out[n].role, sizeof out[n].role, "%s", map_role_name(map_parties[i].role));
    }
  }
  /* The named ends of links: the client and the router. */
  for (int i = 0; i < map_n_links; i++) {
    const map_link_t *l = &map_links[i];
    const char *ends[2][3] = {{l->a_name, l->a4, l->a6}, {l->b_name, l->b4, l->b6}};
    const lab_host_t hosts[2] = {l->a, l->b};
    for (int e = 0; e < 2; e++) {
      for (int k = 1; k < 3 && ends[e][0] && n < max; k++, n++) {
        snprintf(out[n].addr, sizeof out[n].addr, "%.*s", (int)strcspn(ends[e][k], "/"), ends[e][k]);
        snprintf(out[n].name, sizeof out[n].name, "%s", ends[e][0]);
        snprintf(out[n].role, sizeof out[n].role, "%s", map_role_name(map_end_role(hosts[e])));
      }
    }
  }
  return n;
}

