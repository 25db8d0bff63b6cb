#include "sim/world/map.h"

#include <stdio.h>
#include <string.h>

/* ---- hosts, links, routes ---- */

const map_host_t map_hosts[LAB_N_HOSTS] = {
    [LAB_CLIENT] = {"client", false, false, "the client under test"},
    [LAB_ROUTER] = {"router", true, true, "the branch site's router: its LAN, its ISP, and the WAN to the data center"},
    [LAB_HOME] = {"home", true, true, "a remote user's home router and its ISP"},
    [LAB_INTERNET] = {"internet", true, false, "the internet: public DNS, and the routes between the sites and the cloud"},
    [LAB_CLOUD] = {"cloud", false, false, "the ZPA cloud: broker, Service Edges, cloud SP, portal"},
    [LAB_DATACENTER] = {"datacenter", false, false, "the customer's data center: PCCs, PSEs, the app, the site's resolver"},
};

const char *map_host_name(lab_host_t h) { return h < LAB_N_HOSTS ? map_hosts[h].name : "?"; }

int map_host_by_name(const char *name) {
  for (int i = 0; i < LAB_N_HOSTS; i++)
    if (strcmp(name, map_hosts[i].name) == 0) return i;
  return -1;
}

/*                    cloud (the ZPA cloud)
 *                      |cloud0
 *   client --lan0-- router --isp0-- internet (public DNS) --hisp0-- home --hlan0-- client
 *   (branch)            \--wan0-- datacenter                                       (home)
 * The client sits at one site and has one link: lan0 at the branch, hlan0 at
 * home. The data center publishes its PCCs and PSEs on the internet through
 * the branch site's ISP (isp0), as a customer does for its remote users. */
const map_link_t map_links[] = {
    {LAB_CLIENT, LAB_ROUTER, "lan0", "192.0.2.10/26", "192.0.2.1/26", "2001:db8:1::10/64", "2001:db8:1::1/64", "client",
     "router", true, "a branch office's LAN"},
    {LAB_CLIENT, LAB_HOME, "hlan0", "192.0.2.138/26", "192.0.2.129/26", "2001:db8:2::10/64", "2001:db8:2::1/64",
     "client", "home", true, "the remote user's home LAN"},
    {LAB_INTERNET, LAB_ROUTER, "isp0", "192.0.2.66/30", "192.0.2.65/30", "2001:db8:f1::2/64", "2001:db8:f1::1/64", NULL,
     NULL, false, "the branch site's ISP: its only way to the internet, the cloud and its remote users"},
    {LAB_DATACENTER, LAB_ROUTER, "wan0", "192.0.2.70/30", "192.0.2.69/30", "2001:db8:f2::2/64", "2001:db8:f2::1/64",
     NULL, NULL, false, "the private WAN between the branch and the data center"},
    {LAB_INTERNET, LAB_HOME, "hisp0", "192.0.2.74/30", "192.0.2.73/30", "2001:db8:f3::2/64", "2001:db8:f3::1/64", NULL,
     NULL, false, "the home ISP"},
    {LAB_CLOUD, LAB_INTERNET, "cloud0", "192.0.2.78/30", "192.0.2.77/30", "2001:db8:f4::2/64", "2001:db8:f4::1/64",
     NULL, NULL, false, "the ZPA cloud's link to the internet"},
};
const int map_n_links = sizeof map_links / sizeof map_links[0];

bool map_link_built(const map_link_t *l, const map_site_t *site) {
  if (!site) site = &map_sites[0];
  return !l->client || strcmp(site->client_link, l->ifname) == 0;
}

bool map_addr_built(lab_host_t host, const char *addr, const map_site_t *site) {
  if (!site) site = &map_sites[0];
  return !(host == LAB_CLIENT && site->v6_only && !strchr(addr, ':'));
}

const map_link_t *map_link(const char *ifname) {
  for (int i = 0; i < map_n_links; i++)
    if (strcmp(map_links[i].ifname, ifname) == 0) return &map_links[i];
  return NULL;
}

const map_route_t map_routes[] = {
    {LAB_CLIENT, "0.0.0.0/0", "192.0.2.1", "lan0"},
    {LAB_CLIENT, "::/0", "2001:db8:1::1", "lan0"},
    {LAB_CLIENT, "0.0.0.0/0", "192.0.2.129", "hlan0"},
    {LAB_CLIENT, "::/0", "2001:db8:2::1", "hlan0"},
    {LAB_ROUTER, "0.0.0.0/0", "192.0.2.66", NULL},
    {LAB_ROUTER, "::/0", "2001:db8:f1::2", NULL},
    {LAB_ROUTER, "198.51.100.0/24", "192.0.2.70", NULL},
    {LAB_ROUTER, "2001:db8:200::/64", "2001:db8:f2::2", NULL},
    {LAB_HOME, "0.0.0.0/0", "192.0.2.74", NULL},
    {LAB_HOME, "::/0", "2001:db8:f3::2", NULL},
    {LAB_CLOUD, "0.0.0.0/0", "192.0.2.77", NULL},
    {LAB_CLOUD, "::/0", "2001:db8:f4::1", NULL},
    {LAB_DATACENTER, "0.0.0.0/0", "192.0.2.69", NULL},
    {LAB_DATACENTER, "::/0", "2001:db8:f2::1", NULL},
    /* The internet knows each network's way: the cloud, the branch site (its
     * LAN, its WAN and the data center behind it) and the home. */
    {LAB_INTERNET, "203.0.113.0/25", "192.0.2.78", NULL},
    {LAB_INTERNET, "2001:db8:100::/64", "2001:db8:f4::2", NULL},
    {LAB_INTERNET, "192.0.2.0/26", "192.0.2.65", NULL},
    {LAB_INTERNET, "2001:db8:1::/64", "2001:db8:f1::1", NULL},
    {LAB_INTERNET, "192.0.2.68/30", "192.0.2.65", NULL},
    {LAB_INTERNET, "2001:db8:f2::/64", "2001:db8:f1::1", NULL},
    {LAB_INTERNET, "198.51.100.0/24", "192.0.2.65", NULL},
    {LAB_INTERNET, "2001:db8:200::/64", "2001:db8:f1::1", NULL},
    {LAB_INTERNET, "192.0.2.128/26", "192.0.2.73", NULL},
    {LAB_INTERNET, "2001:db8:2::/64", "2001:db8:f3::1", NULL},
};
const int map_n_routes = sizeof map_routes / sizeof map_routes[0];

bool map_route_built(const map_route_t *r, const map_site_t *site) {
  const map_link_t *l = r->link ? map_link(r->link) : NULL;
  return (!l || map_link_built(l, site)) && map_addr_built(r->host, r->dst, site);
}

/* A branch user asks the site's resolver; a remote user at home asks its
 * ISP's, which is the public DNS. */
const map_site_t map_sites[] = {
    {"branch", "lan0", "isp0", ROLE_RESOLVER, false,
     "an office of the company: its router, ISP and WAN to the data center"},
    {"home", "hlan0", "hisp0", ROLE_PUBLIC_DNS, false,
     "a remote user at home: a home router and ISP, the PCCs reached over the internet"},
    {"branch-v6", "lan0", "isp0", ROLE_RESOLVER, true,
     "the branch office, its LAN IPv6 only: the client has no IPv4 address or route"},
};
const int map_n_sites = sizeof map_sites / sizeof map_sites[0];

const map_site_t *map_site(const char *name) {
  if (!name || !name[0]) return &map_sites[0];
  for (int i = 0; i < map_n_sites; i++)
    if (strcmp(map_sites[i].name, name) == 0) return &map_sites[i];
  return NULL;
}

lab_host_t map_site_router(const map_site_t *s) { return map_link(s->client_link)->b; }

const map_segment_t map_segments[] = {
    {"internet", "203.0.113.128/25", "2001:db8:101::/64", LAB_INTERNET, "the internet's own services: the public DNS"},
    {"cloud", "203.0.113.0/25", "2001:db8:100::/64", LAB_CLOUD, "the ZPA cloud, and nothing else"},
    {"datacenter", "198.51.100.0/24", "2001:db8:200::/64", LAB_DATACENTER, "the customer's data center"},
};
const int map_n_segments = sizeof map_segments / sizeof map_segments[0];
enum { SEG_INTERNET, SEG_CLOUD, SEG_DATACENTER }; /* map_segments' order */

const map_segment_t *map_segment(const char *name) {
  for (int i = 0; i < map_n_segments; i++)
    if (strcmp(map_segments[i].name, name) == 0) return &map_segments[i];
  return NULL;
}

/* ---- parties ---- */

static const char *const role_names[MAP_N_ROLES] = {"client", "router", "cloud", "public-dns", "web",
                                                     "resolver", "pcc", "pse", "app"};

const char *map_role_name(map_role_t r) { return r < MAP_N_ROLES ? role_names[r] : "?"; }

const map_party_t map_parties[] = {
    {"broker", "broker", ROLE_CLOUD, NULL, MAP_SERVES_HTTPS, SVC_BROKER, LAB_CLOUD, "203.0.113.10", "2001:db8:100::10",
     MAP_DOMAIN_CLOUD, false},
    {"se1", "se1", ROLE_CLOUD, "ses", MAP_SERVES_HTTPS, SVC_SE, LAB_CLOUD, "203.0.113.20", "2001:db8:100::20",
     MAP_DOMAIN_CLOUD, false},
    {"se2", "se2", ROLE_CLOUD, "ses", MAP_SERVES_HTTPS, SVC_SE, LAB_CLOUD, "203.0.113.21", "2001:db8:100::21",
     MAP_DOMAIN_CLOUD, false},
    {"se3", "se3", ROLE_CLOUD, "ses", MAP_SERVES_HTTPS, SVC_SE, LAB_CLOUD, "203.0.113.22", "2001:db8:100::22",
     MAP_DOMAIN_CLOUD, false},
    {"cloud-sp", "samlsp", ROLE_CLOUD, NULL, MAP_SERVES_HTTPS, SVC_CLOUD_SP, LAB_CLOUD, "203.0.113.30",
     "2001:db8:100::30", MAP_DOMAIN_CLOUD, false},
    {"portal", "portal", ROLE_CLOUD, NULL, MAP_SERVES_HTTPS, SVC_PORTAL, LAB_CLOUD, "203.0.113.40", "2001:db8:100::40",
     MAP_DOMAIN_CLOUD, false},
    {"public-dns", "ns", ROLE_PUBLIC_DNS, NULL, MAP_SERVES_DNS, SVC_NONE, LAB_INTERNET, "203.0.113.153",
     "2001:db8:101::53", MAP_DOMAIN_CLOUD, false},
    {"web", "www", ROLE_WEB, NULL, MAP_SERVES_NONE, SVC_NONE, LAB_INTERNET, "203.0.113.180", "2001:db8:101::80",
     MAP_DOMAIN_PUBLIC, false},
    {"pcc1", "pcc1", ROLE_PCC, "pccs", MAP_SERVES_HTTPS, SVC_PCC, LAB_DATACENTER, "198.51.100.11", "2001:db8:200::11",
     MAP_DOMAIN_BC, true},
    {"pcc2", "pcc2", ROLE_PCC, "pccs", MAP_SERVES_HTTPS, SVC_PCC, LAB_DATACENTER, "198.51.100.12", "2001:db8:200::12",
     MAP_DOMAIN_BC, true},
    {"pse1", "pse1", ROLE_PSE, "pses", MAP_SERVES_HTTPS, SVC_PSE, LAB_DATACENTER, "198.51.100.21", "2001:db8:200::21",
     MAP_DOMAIN_BC, true},
    {"pse2", "pse2", ROLE_PSE, "pses", MAP_SERVES_HTTPS, SVC_PSE, LAB_DATACENTER, "198.51.100.22", "2001:db8:200::22",
     MAP_DOMAIN_BC, true},
    {"app1", "app1", ROLE_APP, NULL, MAP_SERVES_APP, SVC_NONE, LAB_DATACENTER, "198.51.100.80", "2001:db8:200::80",
     MAP_DOMAIN_BC, false},
    {"dns", "dns", ROLE_RESOLVER, NULL, MAP_SERVES_DNS, SVC_NONE, LAB_DATACENTER, "198.51.100.53", "2001:db8:200::53",
     MAP_DOMAIN_BC, false},
};
const int map_n_parties = sizeof map_parties / sizeof map_parties[0];

const map_party_t *map_party(const char *name) {
  for (int i = 0; i < map_n_parties; i++)
    if (strcmp(map_parties[i].name, name) == 0) return &map_parties[i];
  return NULL;
}

const map_party_t *map_party_of_role(map_role_t r) {
  for (int i = 0; i < map_n_parties; i++)
    if (map_parties[i].role == r) return &map_parties[i];
  return NULL;
}

/* Whether a link end's "addr/len" is addr. */
static bool end_is(const char *end, const char *addr) {
  size_t n = strlen(addr);
  return strncmp(end, addr, n) == 0 && end[n] == '/';
}

map_role_t map_end_role(lab_host_t h) { return h == LAB_CLIENT ? ROLE_CLIENT : ROLE_ROUTER; }

bool map_addr_owner(const char *addr, const char **name, map_role_t *role) {
  for (int i = 0; i < map_n_parties; i++) {
    if (strcmp(map_parties[i].v4, addr) == 0 || strcmp(map_parties[i].v6, addr) == 0) {
      *name = map_parties[i].name;
      *role = map_parties[i].role;
      return true;
    }
  }
  for (int i = 0; i < map_n_links; i++) {
    const map_link_t *l = &map_links[i];
    if (l->a_name && (end_is(l->a4, addr) || end_is(l->a6, addr))) {
      *name = l->a_name;
      *role = map_end_role(l->a);
      return true;
    }
    if (l->b_name && (end_is(l->b4, addr) || end_is(l->b6, addr))) {
      *name = l->b_name;
      *role = map_end_role(l->b);
      return true;
    }
  }
  return false;
}

const map_spare_t map_spares[] = {
    {"wrong-address", LAB_DATACENTER, "198.51.100.66", "2001:db8:200::66"},
    {"bench-rival", LAB_DATACENTER, "198.51.100.54", "2001:db8:200::54"},
};

const int map_n_spares = sizeof map_spares / sizeof map_spares[0];

const map_spare_t *map_spare(const char *purpose) {
  for (int i = 0; i < map_n_spares; i++)
    if (strcmp(map_spares[i].purpose, purpose) == 0) return &map_spares[i];
  return NULL;
}

/* ---- targets ---- */

int map_target_parties(const char *target, map_target_set_t *out) {
  const map_segment_t *seg = map_segment(target);
  out->n = 0;
  for (int i = 0; i < map_n_parties && out->n < (int)(sizeof out->parties / sizeof out->parties[0]); i++) {
    const map_party_t *p = &map_parties[i];
    bool hit = strcmp(target, p->name) == 0 || (p->group && strcmp(target, p->group) == 0) || (seg && p->host == seg->host);
    if (hit) out->parties[out->n++] = p;
  }
  return out->n;
}

/* ---- faults ---- */

static const map_param_t p_name[] = {{"name", MAP_PARAM_STR, "query names it applies to (glob, default *)", NULL},
                                     {0}};
static const map_param_t p_slow[] = {{"name", MAP_PARAM_STR, "query names (glob)", NULL},
                                     {"delay", MAP_PARAM_DUR, "added delay", "1s"}, {0}};
static const map_param_t p_ttl[] = {{"name", MAP_PARAM_STR, "query names (glob)", NULL},
                                    {"ttl", MAP_PARAM_INT, "TTL in seconds", NULL}, {0}};
static const map_param_t p_wrong[] = {{"name", MAP_PARAM_STR, "query names (glob)", NULL},
                                      {"address", MAP_PARAM_STR, "the address to answer with", NULL}, {0}};
static const map_param_t p_partial[] = {{"name", MAP_PARAM_STR, "query names (glob)", NULL},
                                        {"keep", MAP_PARAM_INT, "how many addresses to keep (default 1)", NULL}, {0}};
static const map_param_t p_spoof[] = {{"name", MAP_PARAM_STR, "query names (glob)", NULL},
                                      {"mode", MAP_PARAM_STR, "wrong-id or wrong-question", NULL},
                                      {"address", MAP_PARAM_STR, "the forged answer's address", NULL}, {0}};
static const map_param_t p_alert[] = {
    {"alert", MAP_PARAM_STR, "handshake_failure, internal_error, access_denied, ...", NULL}, {0}};
static const map_param_t p_delay[] = {{"delay", MAP_PARAM_DUR, "added delay", "1s"}, {0}};
static const map_param_t p_dns_loss[] = {
    {"percent", MAP_PARAM_INT, "share of queries lost, 0-100 (seeded)", NULL},
    {"name", MAP_PARAM_STR, "the query names it applies to (glob)", NULL},
    {"first", MAP_PARAM_INT, "the first N matching queries are lost for certain", NULL},
    {0}};
static const map_param_t p_net_delay[] = {
    {"delay", MAP_PARAM_DUR, "how long each packet waits, each way", "100ms"},
    {"jitter", MAP_PARAM_DUR, "plus or minus this, uniform and seeded; packets keep their order", "0ms"},
    {0}};
static const map_param_t p_net_loss[] = {
    {"percent", MAP_PARAM_INT, "share of packets lost at random, 0-100 (seeded)", "10"},
    {"p", MAP_PARAM_INT, "bursts (Gilbert-Elliott) when above 0: percent chance per packet to go from the good state to the bad", "0"},
    {"r", MAP_PARAM_INT, "bursts: percent chance per packet to go from the bad state back to the good", "25"},
    {"loss_bad", MAP_PARAM_INT, "bursts: percent of packets lost in the bad state", "100"},
    {"loss_good", MAP_PARAM_INT, "bursts: percent of packets lost in the good state", "0"},
    {0}};
static const map_param_t p_net_reorder[] = {
    {"percent", MAP_PARAM_INT, "share of packets held back behind later ones, 0-100 (seeded)", "25"},
    {"gap", MAP_PARAM_INT, "a held packet passes after this many later ones", "3"},
    {"hold", MAP_PARAM_DUR, "or after this long, if fewer come", "50ms"},
    {0}};
static const map_param_t p_net_duplicate[] = {
    {"percent", MAP_PARAM_INT, "share of packets sent twice, 0-100 (seeded)", "10"}, {0}};
static const map_param_t p_net_rate[] = {
    {"rate", MAP_PARAM_INT, "kilobits per second, each direction", NULL},
    {"burst", MAP_PARAM_INT, "bytes sent at line rate before the limit bites", "10000"},
    {0}};
static const map_param_t p_net_mtu[] = {
    {"mtu", MAP_PARAM_INT, "packets longer than this (bytes of IP) vanish: IPv4 with DF, and IPv6", "1280"},
    {0}};
static const map_param_t p_probe_dns[] = {
    {"party", MAP_PARAM_STR, "the party whose DNS name is asked (web: a public site)", "web"}, {0}};
static const map_param_t p_http[] = {{"status", MAP_PARAM_INT, "HTTP status", NULL},
                                     {"body", MAP_PARAM_STR, "response body", NULL}, {0}};

#define DNS_ROLES (MAP_ROLE_BIT(ROLE_RESOLVER) | MAP_ROLE_BIT(ROLE_PUBLIC_DNS))
#define TLS_ROLES (MAP_ROLE_BIT(ROLE_CLOUD) | MAP_ROLE_BIT(ROLE_PCC) | MAP_ROLE_BIT(ROLE_PSE))
#define NET_ROLES (TLS_ROLES | DNS_ROLES | MAP_ROLE_BIT(ROLE_APP))
#define ALL_SEGMENTS (MAP_SEGMENT_BIT(SEG_INTERNET) | MAP_SEGMENT_BIT(SEG_CLOUD) | MAP_SEGMENT_BIT(SEG_DATACENTER))
#define DNS_FAULT(name, params, doc) {name, DNS_ROLES, 0, false, false, params, doc, FAULT_DNS}
#define TLS_FAULT(name, params, doc, handler) {name, TLS_ROLES, 0, false, false, params, doc, handler}
#define NET_FAULT(name, params, doc, handler) {name, NET_ROLES, ALL_SEGMENTS, false, false, params, doc, handler}
/* On the wire: a party, group or segment (on the client's access router), or any link (on its b end). */
#define WIRE_FAULT(name, params, doc, handler) {name, NET_ROLES, ALL_SEGMENTS, true, false, params, doc, handler}

const map_fault_t map_faults[] = {
    DNS_FAULT("dns.nxdomain", p_name, "answers NXDOMAIN"),
    DNS_FAULT("dns.servfail", p_name, "answers SERVFAIL"),
    DNS_FAULT("dns.refused", p_name, "answers REFUSED"),
    DNS_FAULT("dns.nodata", p_name, "answers NOERROR with no records"),
    DNS_FAULT("dns.drop", p_name, "does not answer (the client times out)"),
    DNS_FAULT("dns.truncate", p_name, "UDP answers carry the TC bit and no records; TCP works"),
    DNS_FAULT("dns.wrong-address", p_wrong, "answers with an address no PCC has"),
    DNS_FAULT("dns.partial", p_partial, "answers with only some of the addresses"),
    DNS_FAULT("dns.slow", p_slow, "answers late"),
    DNS_FAULT("dns.loss", p_dns_loss, "loses a share of queries (seeded), the first N for certain"),
    DNS_FAULT("dns.ttl", p_ttl, "answers with another TTL"),
    DNS_FAULT("dns.spoof", p_spoof, "a forged answer (libnet) races the real one"),
    {"dns.no-cache", MAP_ROLE_BIT(ROLE_RESOLVER), 0, false, false, p_name,
     "the resolver neither reads nor fills its cache: every forwarded name goes upstream", FAULT_DNS},
    {"dns.flush", MAP_ROLE_BIT(ROLE_RESOLVER), 0, false, false, p_name,
     "the resolver empties its cache as the fault goes on (an outage longer than every TTL)", FAULT_DNS},
    TLS_FAULT("tls.untrusted-ca", NULL, "certificate from a CA the client does not trust", FAULT_TLS_CERT),
    TLS_FAULT("tls.expired", NULL, "expired certificate", FAULT_TLS_CERT),
    TLS_FAULT("tls.not-yet-valid", NULL, "certificate valid only from tomorrow", FAULT_TLS_CERT),
    TLS_FAULT("tls.wrong-name", NULL, "certificate for another name", FAULT_TLS_CERT),
    TLS_FAULT("tls.wrong-key", NULL, "chain with the BC SP CA's name but another key", FAULT_TLS_CERT),
    TLS_FAULT("tls.no-sni-match", NULL, "no certificate for the SNI: unrecognized_name alert", FAULT_TLS_MODE),
    TLS_FAULT("tls.alert", p_alert, "fatal alert on the ClientHello", FAULT_TLS_MODE),
    TLS_FAULT("tls.stall", NULL, "TCP accepted, no ServerHello ever", FAULT_TLS_STALL),
    TLS_FAULT("tls.close", NULL, "connection closed mid-handshake, without an alert", FAULT_TLS_MODE),
    TLS_FAULT("tls.old-version", NULL, "offers only TLS 1.0 and 1.1", FAULT_TLS_MODE),
    {"net.link-down", 0, 0, true, false, NULL, "a lab link goes down (the router's end)", FAULT_LINK},
    NET_FAULT("net.blackhole", NULL, "the router silently drops traffic to the target", FAULT_BLACKHOLE),
    NET_FAULT("net.unreachable", NULL, "the router answers ICMP unreachable", FAULT_UNREACHABLE),
    NET_FAULT("net.reject", NULL, "TCP connects get a RST (nftables on the router)", FAULT_REJECT),
    NET_FAULT("net.inject-rst", NULL, "a forged RST (libnet) ends the client's live connection to the target",
              FAULT_INJECT_RST),
    WIRE_FAULT("net.delay", p_net_delay, "packets to and from the target wait on the wire, with jitter",
               FAULT_NET_DELAY),
    WIRE_FAULT("net.loss", p_net_loss, "packets to and from the target are lost: at random, or in bursts",
               FAULT_NET_LOSS),
    WIRE_FAULT("net.reorder", p_net_reorder, "packets to and from the target are held back behind later ones",
               FAULT_NET_REORDER),
    WIRE_FAULT("net.duplicate", p_net_duplicate, "packets to and from the target arrive twice", FAULT_NET_DUPLICATE),
    {"net.rate", 0, 0, true, false, p_net_rate, "a link carries at most a rate, each way (tbf)", FAULT_NET_RATE},
    WIRE_FAULT("net.mtu-blackhole", p_net_mtu,
               "large packets to and from the target vanish, and no ICMP says why (path MTU black hole)", FAULT_NET_MTU),
    {"svc.slow", TLS_ROLES, MAP_SEGMENT_BIT(SEG_CLOUD), false, false, p_delay,
     "the service answers every request late", FAULT_SVC_SLOW},
    {"svc.down", TLS_ROLES, MAP_SEGMENT_BIT(SEG_CLOUD), false, false, NULL, "the service is down: its port is closed",
     FAULT_SVC_DOWN},
    {"svc.http-error", TLS_ROLES, MAP_SEGMENT_BIT(SEG_CLOUD), false, false, p_http,
     "the service answers every request with an HTTP error", FAULT_HTTP_ERROR},
    {"config.tampered", 0, 0, false, true, NULL, "the BC config handed to a new client is edited after signing",
     FAULT_CONFIG},
    {"config.wrong-signer", 0, 0, false, true, NULL, "the BC config handed to a new client is signed by another key",
     FAULT_CONFIG},
    {"probe.app", MAP_ROLE_BIT(ROLE_APP), 0, false, false, NULL,
     "runs the client profile's probe command inside the client host", FAULT_PROBE},
    {"probe.dns", DNS_ROLES, 0, false, false, p_probe_dns,
     "the harness asks the target resolver, from the client's site router, for a party's name: a probe.dns event",
     FAULT_PROBE_DNS},
};
const int map_n_faults = sizeof map_faults / sizeof map_faults[0];

const map_fault_t *map_fault(const char *name) {
  for (int i = 0; i < map_n_faults; i++)
    if (strcmp(map_faults[i].name, name) == 0) return &map_faults[i];
  return NULL;
}

bool map_fault_is_probe(const map_fault_t *f) { return f->handler == FAULT_PROBE || f->handler == FAULT_PROBE_DNS; }

/* Whether every member of a group has a role the fault may target. */
static bool group_allowed(const map_fault_t *f, const char *group) {
  int members = 0;
  for (int i = 0; i < map_n_parties; i++) {
    if (!map_parties[i].group || strcmp(map_parties[i].group, group) != 0) continue;
    if (!(f->roles & MAP_ROLE_BIT(map_parties[i].role))) return false;
    members++;
  }
  return members > 0;
}

bool map_fault_allows(const map_fault_t *f, const char *target) {
  if (f->config && strcmp(target, "config") == 0) return true;
  for (int i = 0; i < map_n_links && f->links; i++)
    if (strcmp(map_links[i].ifname, target) == 0) return true;
  for (int i = 0; i < map_n_segments; i++)
    if ((f->segments & MAP_SEGMENT_BIT(i)) && strcmp(map_segments[i].name, target) == 0) return true;
  const map_party_t *p = map_party(target);
  if (p) return (f->roles & MAP_ROLE_BIT(p->role)) != 0;
  return group_allowed(f, target);
}

static void add_name(char *out, size_t len, const char *name) {
  size_t used = strlen(out);
  snprintf(out + used, len - used, "%s%s", used ? "," : "", name);
}

void map_fault_targets(const map_fault_t *f, char *out, size_t len) {
  out[0] = 0;
  for (int i = 0; i < map_n_segments; i++)
    if (f->segments & MAP_SEGMENT_BIT(i)) add_name(out, len, map_segments[i].name);
  for (int i = 0; i < map_n_parties; i++) {
    const map_party_t *p = &map_parties[i];
    if (!(f->roles & MAP_ROLE_BIT(p->role))) continue;
    add_name(out, len, p->name);
    /* A group follows its last member. */
    bool last = p->group && (i + 1 == map_n_parties || !map_parties[i + 1].group || strcmp(map_parties[i + 1].group, p->group) != 0);
    if (last && group_allowed(f, p->group)) add_name(out, len, p->group);
  }
  for (int i = 0; i < map_n_links && f->links; i++) add_name(out, len, map_links[i].ifname);
  if (f->config) add_name(out, len, "config");
}
