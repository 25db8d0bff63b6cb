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
#include "sim/dns/dns_server.h"
#include "sim/inject/inject.h"
#include "sim/lab/nft.h"
#include "sim/dns/zone.h"
#include "sim/pki/pki.h"
#include "sim/svc/services.h"
#include "sim/svc/tls_ep.h"
#include "sim/world/tenant.h"

#define APP_PORT 7000

typedef enum { KIND_HTTPS, KIND_APP, KIND_DNS } party_kind_t;
typedef enum { DOM_CLOUD, DOM_BC } party_domain_t;

typedef struct party_def {
  const char *name;  /* as scenarios name it */
  const char *label; /* its DNS label under its domain */
  party_kind_t kind;
  svc_role_t svc; /* how its HTTPS service behaves */
  lab_host_t host;
  const char *v4, *v6;
  party_domain_t domain;
  bool is_pcc;
  const char *role; /* what checks and reports group it by: cloud, pcc, pse, app, resolver, public-dns */
} party_def_t;

static const party_def_t parties[] = {
    {"broker", "broker", KIND_HTTPS, SVC_BROKER, LAB_INTERNET, "203.0.113.10", "2001:db8:100::10", DOM_CLOUD, false, "cloud"},
    {"se1", "se1", KIND_HTTPS, SVC_SE, LAB_INTERNET, "203.0.113.20", "2001:db8:100::20", DOM_CLOUD, false, "cloud"},
    {"se2", "se2", KIND_HTTPS, SVC_SE, LAB_INTERNET, "203.0.113.21", "2001:db8:100::21", DOM_CLOUD, false, "cloud"},
    {"cloud-sp", "samlsp", KIND_HTTPS, SVC_CLOUD_SP, LAB_INTERNET, "203.0.113.30", "2001:db8:100::30", DOM_CLOUD, false, "cloud"},
    {"portal", "portal", KIND_HTTPS, SVC_PORTAL, LAB_INTERNET, "203.0.113.40", "2001:db8:100::40", DOM_CLOUD, false, "cloud"},
    {"public-dns", "ns", KIND_DNS, SVC_SE, LAB_INTERNET, "203.0.113.53", "2001:db8:100::53", DOM_CLOUD, false, "public-dns"},
    {"pcc1", "pcc1", KIND_HTTPS, SVC_PCC, LAB_DATACENTER, "198.51.100.11", "2001:db8:200::11", DOM_BC, true, "pcc"},
    {"pcc2", "pcc2", KIND_HTTPS, SVC_PCC, LAB_DATACENTER, "198.51.100.12", "2001:db8:200::12", DOM_BC, true, "pcc"},
    {"pse1", "pse1", KIND_HTTPS, SVC_PSE, LAB_DATACENTER, "198.51.100.21", "2001:db8:200::21", DOM_BC, false, "pse"},
    {"pse2", "pse2", KIND_HTTPS, SVC_PSE, LAB_DATACENTER, "198.51.100.22", "2001:db8:200::22", DOM_BC, false, "pse"},
    {"app1", "app1", KIND_APP, SVC_SE, LAB_DATACENTER, "198.51.100.80", "2001:db8:200::80", DOM_BC, false, "app"},
    {"dns", "dns", KIND_DNS, SVC_SE, LAB_DATACENTER, "198.51.100.53", "2001:db8:200::53", DOM_BC, false, "resolver"},
};
#define N_PARTIES (sizeof parties / sizeof parties[0])

static size_t party_index(const char *name) {
  for (size_t i = 0; i < N_PARTIES; i++)
    if (strcmp(parties[i].name, name) == 0) return i;
  abort(); /* a name below is not in the table: a bug in this file */
}
#define PUBLIC_DNS party_index("public-dns")
#define CORP_DNS party_index("dns")
#define FORWARD_TIMEOUT_MS 500
#define DEFAULT_WRONG_ADDR "198.51.100.66" /* in the datacenter's range, but nobody's */

static const struct {
  const char *addr, *name;
} fixed_names[] = {
    {"192.0.2.10", "client"}, {"2001:db8:1::10", "client"}, {"192.0.2.1", "router"},
    {"2001:db8:1::1", "router"},
};

/* The role of an address's owner, as world_addr_name names it. */
static const char *addr_role(const char *addr) {
  for (size_t i = 0; i < N_PARTIES; i++)
    if (strcmp(parties[i].v4, addr) == 0 || strcmp(parties[i].v6, addr) == 0) return parties[i].role;
  for (size_t i = 0; i < sizeof fixed_names / sizeof fixed_names[0]; i++)
    if (strcmp(fixed_names[i].addr, addr) == 0) return fixed_names[i].name; /* client, router */
  return NULL;
}

static const struct {
  const char *target, *v4, *v6;
} host_prefixes[] = {
    {"internet", "203.0.113.0/24", "2001:db8:100::/64"},
    {"cloud", "203.0.113.0/24", "2001:db8:100::/64"},
    {"datacenter", "198.51.100.0/24", "2001:db8:200::/64"},
};

struct world {
  uint64_t seed;
  pki_cert_t *fault_certs[N_PARTIES][3]; /* certificates a certificate fault serves, one per name */
  pki_cert_t *rogue_ca;                  /* tls.untrusted-ca */
  pki_cert_t *impostor_ca;               /* tls.wrong-key: the BC SP CA's name, another key */
  struct event_base *base;
  lab_t *lab;
  world_log_fn log;
  void *log_arg;
  char bc_domain[128], cloud_domain[128];
  char config_path[600], state_dir[600], resolv_path[600], trust_path[600];
  tenant_t *tenant; /* the keys, the settings, the signed config */
  char device_token[64];
  const pki_cert_t *bc_ca, *cloud_ca; /* the tenant's */
  pki_cert_t *certs[N_PARTIES][3];
  svc_env_t env;
  svc_t svcs[N_PARTIES];
  tls_ep_t *eps[N_PARTIES];
  app_server_t *app;
  zone_t *zone, *public_zone;
  dns_server_t *dns, *public_dns;
};

const char *world_addr_name(const world_t *w, const char *addr) {
  for (size_t i = 0; i < N_PARTIES; i++)
    if (strcmp(parties[i].v4, addr) == 0 || strcmp(parties[i].v6, addr) == 0) return parties[i].name;
  for (size_t i = 0; i < sizeof fixed_names / sizeof fixed_names[0]; i++)
    if (strcmp(fixed_names[i].addr, addr) == 0) return fixed_names[i].name;
  return NULL;
}

const char *world_config_path(const world_t *w) { return w->config_path; }
const char *world_state_dir(const world_t *w) { return w->state_dir; }
const char *world_resolv_path(const world_t *w) { return w->resolv_path; }

/* Services report here; the address of the peer is named before it is logged. */
static void on_service_log(void *arg, const char *service, const char *type, cJSON *fields) {
  world_t *w = arg;
  for (size_t i = 0; i < N_PARTIES; i++)
    if (strcmp(parties[i].name, service) == 0) cJSON_AddStringToObject(fields, "service_role", parties[i].role);
  const char *peer = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fields, "peer"));
  if (peer) {
    const char *name = world_addr_name(w, peer), *role = addr_role(peer);
    cJSON_AddStringToObject(fields, "peer_name", name ? name : "unknown");
    cJSON_AddStringToObject(fields, "peer_role", role ? role : "unknown");
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
  on_service_log(ctx->w, ctx->service, "svc.dns.query", f);
}

static void party_fqdn(const world_t *w, const party_def_t *p, char *out, size_t len) {
  snprintf(out, len, "%s.%s", p->label, p->domain == DOM_BC ? w->bc_domain : w->cloud_domain);
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

static int write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "we");
  if (!f) return -1;
  int ok = fputs(text, f) >= 0;
  return fclose(f) == 0 && ok ? 0 : -1;
}

static int write_json(const char *path, const cJSON *obj) {
  char *text = cJSON_Print(obj);
  int rc = text ? write_text(path, text) : -1;
  cJSON_free(text);
  return rc;
}

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

const char *world_bc_domain(const world_t *w) { return w->bc_domain; }
const char *world_cloud_domain(const world_t *w) { return w->cloud_domain; }
const char *world_thumbprint(const world_t *w) { return tenant_thumbprint(w->tenant); }
const char *world_trust_store(const world_t *w) { return w->trust_path; }

/* What the admin portal hands out (Download Config, Copy Thumbprint), what
 * an enrolled client already holds in its state dir, and the lab's resolv.conf. */
static int write_client_files(world_t *w, const char *run_dir, bool enrolled) {
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
  if (write_text(path, line) < 0) goto out;
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
    if (write_json(path, enr) < 0) goto out;
  }
  /* Short resolver timeouts keep scenarios to seconds; the client still uses
   * the ordinary system resolver through this file. */
  if (write_text(w->resolv_path, "nameserver 198.51.100.53\noptions timeout:1 attempts:2\n") < 0) goto out;
  rc = 0;
out:
  free(cloud_pem);
  cJSON_Delete(enr);
  return rc;
}

static int start_https(world_t *w, size_t i, char *err, size_t errlen) {
  const party_def_t *p = &parties[i];
  char fqdn[300], c2[300], c2site[300];
  party_fqdn(w, p, fqdn, sizeof fqdn);
  snprintf(c2, sizeof c2, "c2.%s", w->bc_domain);
  snprintf(c2site, sizeof c2site, "c2site.%s", w->bc_domain);
  tls_ep_cert_t certs[3];
  int n = 0;
  char bcpsp[300];
  snprintf(bcpsp, sizeof bcpsp, "bcpsp.%s", w->bc_domain);
  if (p->domain == DOM_CLOUD) {
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
    if (p->is_pcc) {
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
  w->eps[i] = tls_ep_new(w->base, p->name, fd, certs, n, svc_handle, s, on_service_log, w);
  if (!w->eps[i] || tls_ep_add_socket(w->eps[i], fd6) < 0) {
    snprintf(err, errlen, "starting the %s HTTPS service failed", p->name);
    return -1;
  }
  return 0;
}

static void on_spoof(void *arg, const dns_fault_spec_t *f, const char *client, uint16_t port, const uint8_t *query,
                     size_t qlen);

static int start_dns(world_t *w, size_t i, char *err, size_t errlen) {
  const party_def_t *p = &parties[i];
  bool corp = i == CORP_DNS;
  dns_log_ctx_t *ctx = corp ? &corp_log : &public_log;
  ctx->w = w;
  ctx->service = p->name;
  int udp = bound_socket(w, p->host, p->v4, SOCK_DGRAM, 53);
  int tcp = bound_socket(w, p->host, p->v4, SOCK_STREAM, 53);
  dns_server_t *d = (udp >= 0 && tcp >= 0) ? dns_server_new(w->base, corp ? w->zone : w->public_zone, udp, tcp,
                                                             on_dns_log, ctx)
                                           : NULL;
  if (!d) {
    snprintf(err, errlen, "starting the %s DNS server failed", p->name);
    return -1;
  }
  dns_server_seed(d, w->seed ^ (uint64_t)i);
  dns_server_set_spoofer(d, on_spoof, w);
  if (corp) {
    w->dns = d;
    /* The forwarder's socket lives in the datacenter, like the resolver. */
    struct sockaddr_storage up;
    socklen_t ul;
    int fd = lab_socket(w->lab, p->host, AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || lab_sockaddr(parties[PUBLIC_DNS].v4, 53, &up, &ul) < 0 || connect(fd, (struct sockaddr *)&up, ul) < 0 ||
        dns_server_set_upstream(d, fd, FORWARD_TIMEOUT_MS) < 0) {
      if (fd >= 0) close(fd);
      snprintf(err, errlen, "connecting the corporate resolver to the public DNS failed");
      return -1;
    }
  } else {
    w->public_dns = d;
  }
  return 0;
}

world_t *world_new(struct event_base *base, lab_t *lab, const world_opts_t *opts, world_log_fn log,
                   void *log_arg, char *err, size_t errlen) {
  world_t *w = calloc(1, sizeof *w);
  char path[700], fqdn[300];
  bool ok = false;
  err[0] = 0;
  if (!w) goto out;
  w->base = base;
  w->seed = opts->seed;
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
  if (write_client_files(w, opts->run_dir, opts->enrolled) < 0) {
    snprintf(err, errlen, "writing the client's config and state under %s failed: %s", opts->run_dir,
             strerror(errno));
    goto out;
  }

  svc_env_t *env = &w->env;
  env->base = base;
  env->lab = lab;
  env->device_token = w->device_token;
  env->log = on_service_log;
  env->log_arg = w;
  env->app_name = "app1";
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
      zone_add_origin(w->public_zone, w->bc_domain) < 0 || zone_add_origin(w->public_zone, w->cloud_domain) < 0)
    goto out;
  for (size_t i = 0; i < N_PARTIES; i++) {
    const party_def_t *p = &parties[i];
    if (lab_add_service_addr(lab, p->host, p->v4) < 0 || lab_add_service_addr(lab, p->host, p->v6) < 0) {
      snprintf(err, errlen, "adding the addresses of %s failed", p->name);
      goto out;
    }
    party_fqdn(w, p, fqdn, sizeof fqdn);
    zone_t *home = p->domain == DOM_BC ? w->zone : NULL;
    for (int k = 0; k < 2; k++) {
      zone_t *z = k == 0 ? home : w->public_zone;
      if (!z) continue;
      if (zone_add_addr(z, fqdn, p->v4) < 0 || zone_add_addr(z, fqdn, p->v6) < 0) goto out;
      if (p->is_pcc) {
        char pcc[300];
        snprintf(pcc, sizeof pcc, "any2bcp.%s", w->bc_domain);
        if (zone_add_addr(z, pcc, p->v4) < 0 || zone_add_addr(z, pcc, p->v6) < 0) goto out;
        snprintf(pcc, sizeof pcc, "bcpsp.%s", w->bc_domain);
        if (zone_add_addr(z, pcc, p->v4) < 0 || zone_add_addr(z, pcc, p->v6) < 0) goto out;
      }
    }
    if (p->svc == SVC_SE && p->kind == KIND_HTTPS)
      party_fqdn(w, p, env->service_edges[env->n_service_edges++], sizeof env->service_edges[0]);
    if (p->svc == SVC_PSE) party_fqdn(w, p, env->pses[env->n_pses++], sizeof env->pses[0]);
    if (p->svc == SVC_BROKER) party_fqdn(w, p, env->broker, sizeof env->broker);
    if (p->kind == KIND_APP) env->app_addr = p->v4;
  }
  for (size_t i = 0; i < N_PARTIES; i++) {
    const party_def_t *p = &parties[i];
    if (p->kind == KIND_HTTPS && start_https(w, i, err, errlen) < 0) goto out;
    if (p->kind == KIND_APP) {
      int fd = bound_socket(w, p->host, p->v4, SOCK_STREAM, APP_PORT);
      w->app = fd >= 0 ? app_server_new(env, fd) : NULL;
      if (!w->app) {
        snprintf(err, errlen, "starting the app server failed");
        goto out;
      }
    }
    if (p->kind == KIND_DNS && start_dns(w, i, err, errlen) < 0) goto out;
  }
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
  for (size_t i = 0; i < N_PARTIES; i++) {
    tls_ep_free(w->eps[i]);
    pki_cert_free(w->certs[i][0]);
    pki_cert_free(w->certs[i][1]);
    pki_cert_free(w->certs[i][2]);
  }
  for (size_t i = 0; i < N_PARTIES; i++)
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

/* ---- faults ---- */

/* The parties a target names: one party, a group, or a whole host. */
static int resolve_target(const char *target, size_t out[], int max) {
  static const struct {
    const char *group, *members;
  } groups[] = {{"ses", ",se1,se2,"}, {"pccs", ",pcc1,pcc2,"}, {"pses", ",pse1,pse2,"}};
  int n = 0;
  for (size_t i = 0; i < N_PARTIES && n < max; i++) {
    const party_def_t *p = &parties[i];
    char needle[80];
    snprintf(needle, sizeof needle, ",%s,", p->name);
    bool hit = strcmp(target, p->name) == 0;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
      hit = hit || (strcmp(target, groups[g].group) == 0 && strstr(groups[g].members, needle));
    hit = hit || ((strcmp(target, "cloud") == 0 || strcmp(target, "internet") == 0) && p->host == LAB_INTERNET);
    hit = hit || (strcmp(target, "datacenter") == 0 && p->host == LAB_DATACENTER);
    if (hit) out[n++] = i;
  }
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

static int64_t param_dur(const cJSON *params, const char *key, int64_t fallback) {
  int64_t ms;
  const char *v = param_str(params, key, NULL);
  return v && dur_parse(v, &ms) ? ms : fallback;
}

static int dns_fault(world_t *w, const char *kind, const char *target, const cJSON *params, bool on, char *err,
                     size_t errlen) {
  dns_fault_spec_t f = {0};
  snprintf(f.kind, sizeof f.kind, "%s", kind);
  snprintf(f.name, sizeof f.name, "%s", param_str(params, "name", ""));
  f.delay_ms = param_dur(params, "delay", 1000);
  f.ttl = param_int(params, "ttl", 0);
  f.keep = param_int(params, strcmp(kind, "loss") == 0 ? "percent" : "keep", 1);
  f.first = param_int(params, "first", 0);
  snprintf(f.address, sizeof f.address, "%s", param_str(params, "address", DEFAULT_WRONG_ADDR));
  snprintf(f.mode, sizeof f.mode, "%s", param_str(params, "mode", "wrong-id"));
  dns_server_t *d = strcmp(target, "public-dns") == 0 ? w->public_dns : w->dns;
  if (dns_server_fault(d, &f, on) < 0) {
    snprintf(err, errlen, "too many DNS faults at once on %s", target);
    return -1;
  }
  return 0;
}

/* The forged answer of dns.spoof, sent from the resolver's own address. */
static void on_spoof(void *arg, const dns_fault_spec_t *f, const char *client, uint16_t port, const uint8_t *query,
                     size_t qlen) {
  world_t *w = arg;
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
      inject_udp(w->lab, LAB_DATACENTER, parties[CORP_DNS].v4, 53, client, port, wire, len, err, sizeof err) == 0) {
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "service", "dns");
    cJSON_AddStringToObject(ev, "mode", f->mode);
    cJSON_AddStringToObject(ev, "address", f->address);
    cJSON_AddStringToObject(ev, "qname", qname);
    cJSON_AddStringToObject(ev, "peer", client);
    on_service_log(w, "dns", "svc.dns.spoof", ev);
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
  const party_def_t *p = &parties[i];
  char fqdn[300], c2[300], c2site[300], bcpsp[300], wrong[300];
  party_fqdn(w, p, fqdn, sizeof fqdn);
  snprintf(c2, sizeof c2, "c2.%s", w->bc_domain);
  snprintf(c2site, sizeof c2site, "c2site.%s", w->bc_domain);
  snprintf(bcpsp, sizeof bcpsp, "bcpsp.%s", w->bc_domain);
  snprintf(wrong, sizeof wrong, "wrong.%s", p->domain == DOM_BC ? w->bc_domain : w->cloud_domain);
  const pki_cert_t *ca = p->domain == DOM_BC ? w->bc_ca : w->cloud_ca;
  long not_before = -3600;
  int days = 365;
  if (strcmp(kind, "untrusted-ca") == 0) {
    if (!w->rogue_ca) w->rogue_ca = pki_ca_new("Rogue CA (bcsim lab)");
    ca = w->rogue_ca;
  } else if (strcmp(kind, "wrong-key") == 0) {
    if (!w->impostor_ca) {
      X509_NAME *name = X509_get_subject_name((p->domain == DOM_BC ? w->bc_ca : w->cloud_ca)->cert);
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
  if (p->domain == DOM_BC) {
    names[0] = c2;
    names[1] = c2site;
    if (p->is_pcc) names[2] = bcpsp;
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
  char rules[4096] = "", chain[96];
  size_t used = 0;
  lab_host_t host = LAB_ROUTER;
  for (int k = 0; k < n; k++) {
    const party_def_t *p = &parties[idx[k]];
    if (per_host) host = p->host;
    used += (size_t)snprintf(rules + used, sizeof rules - used, rule4, p->v4);
    used += (size_t)snprintf(rules + used, sizeof rules - used, rule6, p->v6);
  }
  snprintf(chain, sizeof chain, "f_%s_%s", chain_kind, target);
  for (char *c = chain; *c; c++)
    if (*c == '-' || *c == '.') *c = '_';
  if (per_host) {
    /* svc.down: the host(s) of the parties refuse, as a closed port would. */
    for (int h = LAB_INTERNET; h <= LAB_DATACENTER; h++) {
      char hr[4096] = "";
      size_t hu = 0;
      for (int k = 0; k < n; k++) {
        const party_def_t *p = &parties[idx[k]];
        if ((int)p->host != h) continue;
        hu += (size_t)snprintf(hr + hu, sizeof hr - hu, rule4, p->v4);
        hu += (size_t)snprintf(hr + hu, sizeof hr - hu, rule6, p->v6);
      }
      if (!hu) continue;
      int rc = on ? nft_fault_add(w->lab, (lab_host_t)h, chain, "input", hr, err, errlen)
                  : nft_fault_del(w->lab, (lab_host_t)h, chain, err, errlen);
      if (rc < 0) return -1;
    }
    return 0;
  }
  return on ? nft_fault_add(w->lab, host, chain, "forward", rules, err, errlen)
            : nft_fault_del(w->lab, host, chain, err, errlen);
}

static int route_fault(world_t *w, const char *target, const size_t *idx, int n, lab_route_fault_t kind, bool on,
                       char *err, size_t errlen) {
  char p4[64], p6[64];
  for (size_t i = 0; i < sizeof host_prefixes / sizeof host_prefixes[0]; i++) {
    if (strcmp(host_prefixes[i].target, target) != 0) continue;
    if (lab_route_fault(w->lab, host_prefixes[i].v4, kind, on) < 0 ||
        lab_route_fault(w->lab, host_prefixes[i].v6, kind, on) < 0)
      goto fail;
    return 0;
  }
  for (int k = 0; k < n; k++) {
    snprintf(p4, sizeof p4, "%s/32", parties[idx[k]].v4);
    snprintf(p6, sizeof p6, "%s/128", parties[idx[k]].v6);
    if (lab_route_fault(w->lab, p4, kind, on) < 0 || lab_route_fault(w->lab, p6, kind, on) < 0) goto fail;
  }
  return 0;
fail:
  snprintf(err, errlen, "%s the route fault for %s failed", on ? "adding" : "removing", target);
  return -1;
}

int world_fault(world_t *w, const char *action, const char *target, const cJSON *params, bool on, char *err,
                size_t errlen) {
  size_t idx[N_PARTIES];
  int n = resolve_target(target, idx, (int)N_PARTIES);
  err[0] = 0;
  if (strncmp(action, "dns.", 4) == 0) return dns_fault(w, action + 4, target, params, on, err, errlen);
  if (strcmp(action, "net.link-down") == 0) {
    if (lab_link_set(w->lab, target, !on) < 0) {
      snprintf(err, errlen, "setting link %s %s failed", target, on ? "down" : "up");
      return -1;
    }
    return 0;
  }
  if (strcmp(action, "net.blackhole") == 0) return route_fault(w, target, idx, n, LAB_ROUTE_BLACKHOLE, on, err, errlen);
  if (strcmp(action, "net.unreachable") == 0)
    return route_fault(w, target, idx, n, LAB_ROUTE_UNREACHABLE, on, err, errlen);
  if (strcmp(action, "net.reject") == 0)
    return nft_for_parties(w, "reject", target, idx, n, "ip daddr %s meta l4proto tcp reject with tcp reset\n",
                           "ip6 daddr %s meta l4proto tcp reject with tcp reset\n", false, on, err, errlen);
  if (strcmp(action, "tls.stall") == 0)
    /* The handshake completes in the kernel; the ClientHello never arrives. */
    return nft_for_parties(w, "stall", target, idx, n, "ip daddr %s tcp dport 443 ip length > 100 drop\n",
                           "ip6 daddr %s tcp dport 443 ip6 length > 80 drop\n", false, on, err, errlen);
  if (strcmp(action, "svc.down") == 0)
    return nft_for_parties(w, "down", target, idx, n, "ip daddr %s tcp dport 443 reject with tcp reset\n",
                           "ip6 daddr %s tcp dport 443 reject with tcp reset\n", true, on, err, errlen);
  for (int k = 0; k < n; k++) {
    size_t i = idx[k];
    const party_def_t *p = &parties[i];
    if (p->kind == KIND_DNS) {
      if (strcmp(action, "net.delay") == 0 || strcmp(action, "net.loss") == 0) {
        if (dns_fault(w, strcmp(action, "net.delay") == 0 ? "slow" : "loss", p->name, params, on, err, errlen) < 0)
          return -1;
      }
      continue;
    }
    svc_t *s = &w->svcs[i];
    if (strcmp(action, "net.delay") == 0) {
      s->delay_ms = on ? param_dur(params, "delay", 1000) : 0;
    } else if (strcmp(action, "net.loss") == 0) {
      s->loss_percent = on ? param_int(params, "percent", 50) : 0;
      s->rng = w->seed ^ ((uint64_t)i << 32);
    } else if (strcmp(action, "svc.http-error") == 0) {
      s->http_status = on ? param_int(params, "status", 503) : 0;
      snprintf(s->http_body, sizeof s->http_body, "%s", param_str(params, "body", ""));
    } else if (strncmp(action, "tls.", 4) == 0 && p->kind == KIND_HTTPS) {
      const char *kind = action + 4;
      if (strcmp(kind, "alert") == 0 || strcmp(kind, "no-sni-match") == 0 || strcmp(kind, "close") == 0 ||
          strcmp(kind, "old-version") == 0) {
        tls_ep_mode_t mode = strcmp(kind, "alert") == 0          ? TLS_EP_ALERT
                             : strcmp(kind, "no-sni-match") == 0 ? TLS_EP_NO_SNI
                             : strcmp(kind, "close") == 0        ? TLS_EP_CLOSE
                                                                 : TLS_EP_OLD_VERSION;
        int alert = tls_ep_alert_code(param_str(params, "alert", "handshake_failure"));
        if (alert < 0) {
          snprintf(err, errlen, "unknown TLS alert \"%s\"", param_str(params, "alert", ""));
          return -1;
        }
        tls_ep_set_mode(w->eps[i], on ? mode : TLS_EP_HONEST, alert);
      } else if (on) {
        if (cert_fault(w, i, kind, err, errlen) < 0) return -1;
      } else {
        tls_ep_set_override(w->eps[i], NULL, 0);
      }
    } else if (p->kind == KIND_HTTPS || strncmp(action, "tls.", 4) != 0) {
      snprintf(err, errlen, "%s is not implemented for %s", action, p->name);
      return -1;
    }
  }
  if (n == 0) {
    snprintf(err, errlen, "%s: no party is called \"%s\"", action, target);
    return -1;
  }
  return 0;
}

int world_party_addrs(const world_t *w, const char *name, const char **v4, const char **v6) {
  for (size_t i = 0; i < N_PARTIES; i++) {
    if (strcmp(parties[i].name, name) == 0) {
      *v4 = parties[i].v4;
      *v6 = parties[i].v6;
      return 0;
    }
  }
  return -1;
}

const zone_t *world_resolver_zone(const world_t *w) { return w->zone; }

cJSON *world_describe(const world_t *w) {
  cJSON *list = cJSON_CreateArray();
  for (size_t i = 0; i < N_PARTIES; i++) {
    char fqdn[300];
    snprintf(fqdn, sizeof fqdn, "%s.%s", parties[i].label,
             parties[i].domain == DOM_BC ? w->bc_domain : w->cloud_domain);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", parties[i].name);
    cJSON_AddStringToObject(p, "role", parties[i].role);
    cJSON_AddStringToObject(p, "dns_name", fqdn);
    cJSON_AddStringToObject(p, "host", lab_host_name(parties[i].host));
    cJSON_AddStringToObject(p, "v4", parties[i].v4);
    cJSON_AddStringToObject(p, "v6", parties[i].v6);
    cJSON_AddItemToArray(list, p);
  }
  return list;
}

int world_wire_parties(const world_t *w, wire_party_t *out, int max) {
  int n = 0;
  for (size_t i = 0; i < N_PARTIES; i++) {
    const char *addrs[2] = {parties[i].v4, parties[i].v6};
    for (int k = 0; k < 2 && n < max; k++, n++) {
      snprintf(out[n].addr, sizeof out[n].addr, "%s", addrs[k]);
      snprintf(out[n].name, sizeof out[n].name, "%s", parties[i].name);
      snprintf(out[n].role, sizeof out[n].role, "%s", parties[i].role);
    }
  }
  for (size_t i = 0; i < sizeof fixed_names / sizeof fixed_names[0] && n < max; i++, n++) {
    snprintf(out[n].addr, sizeof out[n].addr, "%s", fixed_names[i].addr);
    snprintf(out[n].name, sizeof out[n].name, "%s", fixed_names[i].name);
    snprintf(out[n].role, sizeof out[n].role, "%s", fixed_names[i].name);
  }
  return n;
}

int world_target_parties(const world_t *w, const char *target, const char **names, int max) {
  size_t idx[N_PARTIES];
  int n = resolve_target(target, idx, max < (int)N_PARTIES ? max : (int)N_PARTIES);
  for (int k = 0; k < n; k++) names[k] = parties[idx[k]].name;
  return n;
}
