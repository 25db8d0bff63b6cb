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

#include "sim/dns/dns_server.h"
#include "sim/dns/zone.h"
#include "sim/pki/pki.h"
#include "sim/svc/services.h"
#include "sim/svc/tls_ep.h"

#define APP_PORT 7000

typedef enum { KIND_HTTPS, KIND_APP, KIND_DNS } party_kind_t;
typedef enum { DOM_CLOUD, DOM_BC } party_domain_t;

typedef struct party_def {
  const char *name;
  party_kind_t kind;
  svc_role_t role;
  lab_host_t host;
  const char *v4, *v6;
  party_domain_t domain;
  bool is_pcc;
} party_def_t;

static const party_def_t parties[] = {
    {"broker", KIND_HTTPS, SVC_BROKER, LAB_INTERNET, "203.0.113.10", "2001:db8:100::10", DOM_CLOUD, false},
    {"se1", KIND_HTTPS, SVC_SE, LAB_INTERNET, "203.0.113.20", "2001:db8:100::20", DOM_CLOUD, false},
    {"se2", KIND_HTTPS, SVC_SE, LAB_INTERNET, "203.0.113.21", "2001:db8:100::21", DOM_CLOUD, false},
    {"pcc1", KIND_HTTPS, SVC_PCC, LAB_DATACENTER, "198.51.100.11", "2001:db8:200::11", DOM_BC, true},
    {"pcc2", KIND_HTTPS, SVC_PCC, LAB_DATACENTER, "198.51.100.12", "2001:db8:200::12", DOM_BC, true},
    {"pse1", KIND_HTTPS, SVC_PSE, LAB_DATACENTER, "198.51.100.21", "2001:db8:200::21", DOM_BC, false},
    {"pse2", KIND_HTTPS, SVC_PSE, LAB_DATACENTER, "198.51.100.22", "2001:db8:200::22", DOM_BC, false},
    {"app1", KIND_APP, SVC_SE, LAB_DATACENTER, "198.51.100.80", "2001:db8:200::80", DOM_BC, false},
    {"dns", KIND_DNS, SVC_SE, LAB_DATACENTER, "198.51.100.53", "2001:db8:200::53", DOM_BC, false},
};
#define N_PARTIES (sizeof parties / sizeof parties[0])

static const struct {
  const char *addr, *name;
} fixed_names[] = {
    {"192.0.2.10", "client"}, {"2001:db8:1::10", "client"}, {"192.0.2.1", "router"},
    {"2001:db8:1::1", "router"},
};

static const struct {
  const char *target, *v4, *v6;
} host_prefixes[] = {
    {"internet", "203.0.113.0/24", "2001:db8:100::/64"},
    {"cloud", "203.0.113.0/24", "2001:db8:100::/64"},
    {"datacenter", "198.51.100.0/24", "2001:db8:200::/64"},
};

struct world {
  struct event_base *base;
  lab_t *lab;
  world_log_fn log;
  void *log_arg;
  char bc_domain[128], cloud_domain[128];
  char config_path[600], state_dir[600], resolv_path[600];
  char device_token[64];
  pki_cert_t *bc_ca, *cloud_ca;
  pki_cert_t *certs[N_PARTIES][2];
  svc_env_t env;
  svc_t svcs[N_PARTIES];
  tls_ep_t *eps[N_PARTIES];
  app_server_t *app;
  zone_t *zone;
  dns_server_t *dns;
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
  const char *peer = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fields, "peer"));
  if (peer) {
    const char *name = world_addr_name(w, peer);
    cJSON_AddStringToObject(fields, "peer_name", name ? name : "unknown");
  }
  w->log(w->log_arg, service, type, fields);
}

static void on_dns_log(void *arg, const zone_answer_info_t *info, const char *proto, const char *peer) {
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "service", "dns");
  cJSON_AddStringToObject(f, "qname", info->qname);
  cJSON_AddStringToObject(f, "qtype", info->qtype);
  cJSON_AddNumberToObject(f, "rcode", info->rcode);
  cJSON_AddNumberToObject(f, "answers", info->n_answers);
  cJSON_AddStringToObject(f, "proto", proto);
  cJSON_AddStringToObject(f, "peer", peer);
  on_service_log(arg, "dns", "svc.dns.query", f);
}

static void party_fqdn(const world_t *w, const party_def_t *p, char *out, size_t len) {
  snprintf(out, len, "%s.%s", p->name, p->domain == DOM_BC ? w->bc_domain : w->cloud_domain);
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
  FILE *f = fopen(path, "w");
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

/* What the admin portal hands out (Download Config), and what an enrolled
 * client already holds in its state dir. */
static int write_client_files(world_t *w, const char *run_dir) {
  char path[700], sni[300];
  char *bc_pem = pki_cert_pem(w->bc_ca), *cloud_pem = pki_cert_pem(w->cloud_ca);
  cJSON *cfg = cJSON_CreateObject(), *enr = cJSON_CreateObject();
  int rc = -1;
  if (!bc_pem || !cloud_pem || !cfg || !enr) goto out;
  cJSON_AddNumberToObject(cfg, "version", 1);
  cJSON_AddStringToObject(cfg, "bc_domain", w->bc_domain);
  snprintf(sni, sizeof sni, "any2bcp.%s", w->bc_domain);
  cJSON_AddStringToObject(cfg, "pcc_dns_name", sni);
  snprintf(sni, sizeof sni, "c2.%s", w->bc_domain);
  cJSON_AddStringToObject(cfg, "pcc_sni_enrolled", sni);
  snprintf(sni, sizeof sni, "c2site.%s", w->bc_domain);
  cJSON_AddStringToObject(cfg, "pcc_sni_new", sni);
  snprintf(sni, sizeof sni, "https://bcpsp.%s/", w->bc_domain);
  cJSON_AddStringToObject(cfg, "sp_url", sni);
  cJSON_AddStringToObject(cfg, "sp_ca_pem", bc_pem);

  snprintf(w->config_path, sizeof w->config_path, "%s/world/bc-config.json", run_dir);
  snprintf(w->state_dir, sizeof w->state_dir, "%s/state", run_dir);
  snprintf(w->resolv_path, sizeof w->resolv_path, "%s/resolv.conf", run_dir);
  if (write_json(w->config_path, cfg) < 0) goto out;
  snprintf(path, sizeof path, "%s/world/bc-sp-ca.pem", run_dir);
  if (pki_write_cert(w->bc_ca, path) < 0) goto out;
  snprintf(path, sizeof path, "%s/world/cloud-ca.pem", run_dir);
  if (pki_write_cert(w->cloud_ca, path) < 0) goto out;

  cJSON_AddStringToObject(enr, "device_id", "device-0001");
  cJSON_AddStringToObject(enr, "token", w->device_token);
  snprintf(sni, sizeof sni, "broker.%s", w->cloud_domain);
  cJSON_AddStringToObject(enr, "broker", sni);
  cJSON_AddStringToObject(enr, "cloud_ca_pem", cloud_pem);
  snprintf(path, sizeof path, "%s/enrollment.json", w->state_dir);
  if (mkdir(w->state_dir, 0755) < 0 && errno != EEXIST) goto out;
  if (write_json(path, enr) < 0) goto out;
  /* Short resolver timeouts keep scenarios to seconds; the client still uses
   * the ordinary system resolver through this file. */
  if (write_text(w->resolv_path, "nameserver 198.51.100.53\noptions timeout:1 attempts:2\n") < 0) goto out;
  rc = 0;
out:
  free(bc_pem);
  free(cloud_pem);
  cJSON_Delete(cfg);
  cJSON_Delete(enr);
  return rc;
}

static int start_https(world_t *w, size_t i, char *err, size_t errlen) {
  const party_def_t *p = &parties[i];
  char fqdn[300], c2[300], c2site[300];
  party_fqdn(w, p, fqdn, sizeof fqdn);
  snprintf(c2, sizeof c2, "c2.%s", w->bc_domain);
  snprintf(c2site, sizeof c2site, "c2site.%s", w->bc_domain);
  tls_ep_cert_t certs[2];
  int n = 0;
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
  s->role = p->role;
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

world_t *world_new(struct event_base *base, lab_t *lab, const world_opts_t *opts, world_log_fn log,
                   void *log_arg, char *err, size_t errlen) {
  world_t *w = calloc(1, sizeof *w);
  char path[700], fqdn[300];
  bool ok = false;
  err[0] = 0;
  if (!w) goto out;
  w->base = base;
  w->lab = lab;
  w->log = log;
  w->log_arg = log_arg;
  snprintf(w->bc_domain, sizeof w->bc_domain, "%s", opts->bc_domain);
  snprintf(w->cloud_domain, sizeof w->cloud_domain, "%s", opts->cloud_domain);
  unsigned char rnd[16];
  FILE *ur = fopen("/dev/urandom", "rb");
  if (!ur || fread(rnd, 1, sizeof rnd, ur) != sizeof rnd) {
    if (ur) fclose(ur);
    goto out;
  }
  fclose(ur);
  for (size_t i = 0; i < sizeof rnd; i++) snprintf(w->device_token + 2 * i, 3, "%02x", rnd[i]);

  snprintf(path, sizeof path, "%s/world", opts->run_dir);
  if (mkdir(path, 0755) < 0 && errno != EEXIST) goto out;
  w->bc_ca = pki_ca_new("BC SP CA (bcsim lab)");
  w->cloud_ca = pki_ca_new("Public cloud CA (bcsim lab)");
  if (!w->bc_ca || !w->cloud_ca) {
    snprintf(err, errlen, "generating the lab's certificate authorities failed");
    goto out;
  }
  if (write_client_files(w, opts->run_dir) < 0) {
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
  w->zone = zone_new(60);
  if (!w->zone || zone_add_origin(w->zone, w->bc_domain) < 0 || zone_add_origin(w->zone, w->cloud_domain) < 0)
    goto out;
  for (size_t i = 0; i < N_PARTIES; i++) {
    const party_def_t *p = &parties[i];
    if (lab_add_service_addr(lab, p->host, p->v4) < 0 || lab_add_service_addr(lab, p->host, p->v6) < 0) {
      snprintf(err, errlen, "adding the addresses of %s failed", p->name);
      goto out;
    }
    party_fqdn(w, p, fqdn, sizeof fqdn);
    if (zone_add_addr(w->zone, fqdn, p->v4) < 0 || zone_add_addr(w->zone, fqdn, p->v6) < 0) goto out;
    if (p->is_pcc) {
      snprintf(fqdn, sizeof fqdn, "any2bcp.%s", w->bc_domain);
      if (zone_add_addr(w->zone, fqdn, p->v4) < 0 || zone_add_addr(w->zone, fqdn, p->v6) < 0) goto out;
    }
    if (p->role == SVC_SE && p->kind == KIND_HTTPS)
      party_fqdn(w, p, env->service_edges[env->n_service_edges++], sizeof env->service_edges[0]);
    if (p->role == SVC_PSE) party_fqdn(w, p, env->pses[env->n_pses++], sizeof env->pses[0]);
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
    if (p->kind == KIND_DNS) {
      int udp = bound_socket(w, p->host, p->v4, SOCK_DGRAM, 53);
      int tcp = bound_socket(w, p->host, p->v4, SOCK_STREAM, 53);
      w->dns = (udp >= 0 && tcp >= 0) ? dns_server_new(base, w->zone, udp, tcp, on_dns_log, w) : NULL;
      if (!w->dns) {
        snprintf(err, errlen, "starting the DNS server failed");
        goto out;
      }
    }
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
  }
  app_server_free(w->app);
  dns_server_free(w->dns);
  zone_free(w->zone);
  pki_cert_free(w->bc_ca);
  pki_cert_free(w->cloud_ca);
  free(w);
}

static int blackhole_prefix(world_t *w, const char *prefix, bool on, char *err, size_t errlen) {
  if (lab_blackhole(w->lab, prefix, on) < 0) {
    snprintf(err, errlen, "%s the blackhole route for %s failed", on ? "adding" : "removing", prefix);
    return -1;
  }
  return 0;
}

int world_blackhole(world_t *w, const char *target, bool on, char *err, size_t errlen) {
  char p4[64], p6[64];
  for (size_t i = 0; i < sizeof host_prefixes / sizeof host_prefixes[0]; i++) {
    if (strcmp(host_prefixes[i].target, target) == 0)
      return blackhole_prefix(w, host_prefixes[i].v4, on, err, errlen) ||
             blackhole_prefix(w, host_prefixes[i].v6, on, err, errlen) ? -1 : 0;
  }
  for (size_t i = 0; i < N_PARTIES; i++) {
    if (strcmp(parties[i].name, target) != 0) continue;
    snprintf(p4, sizeof p4, "%s/32", parties[i].v4);
    snprintf(p6, sizeof p6, "%s/128", parties[i].v6);
    return blackhole_prefix(w, p4, on, err, errlen) || blackhole_prefix(w, p6, on, err, errlen) ? -1 : 0;
  }
  snprintf(err, errlen, "unknown blackhole target \"%s\"", target);
  return -1;
}
