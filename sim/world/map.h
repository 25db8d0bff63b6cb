/* map: the world's one description, as tables. Pure data, no I/O.
 *
 * Every host, link, route, network segment, party and fault of the lab is
 * one row here, and nothing else names them: the lab builds its hosts and
 * links from these rows, the world starts a service per party and switches a
 * fault through its row's handler, and the judge's catalogue, `bcsim list`,
 * the scenario validator's target checks and hints, and the wire decoder's
 * address book are views of them. Adding a Service Edge is one party row.
 *
 * It is a library of its own (bcmap) so that the judge reads the tables
 * without linking the lab's code (docs/architecture.md, "Layers").
 *
 * Addresses are from the documentation ranges (RFC 5737, RFC 3849), and no
 * other file of bcsim names one: integration.addresses greps for them. */
#ifndef BC_MAP_H
#define BC_MAP_H
#include <stdbool.h>
#include <stddef.h>

/* ---- hosts, links, routes ---- */

/* The lab's hosts: one network namespace each. */
typedef enum { LAB_CLIENT, LAB_ROUTER, LAB_HOME, LAB_INTERNET, LAB_CLOUD, LAB_DATACENTER, LAB_N_HOSTS } lab_host_t;

typedef struct map_host {
  const char *name;
  bool forwards; /* a router: IP forwarding on */
  bool edge;     /* a site's edge router: route faults (net.blackhole, net.unreachable) are enforced here */
  const char *doc;
} map_host_t;
extern const map_host_t map_hosts[LAB_N_HOSTS];

const char *map_host_name(lab_host_t h);
/* -1 if the name is not a host. */
int map_host_by_name(const char *name);

/* A veth pair whose ends land in two hosts, with the same name at both ends.
 * By convention the b end is the forwarding one (the router that joins the
 * link to the rest of the lab): faults that act on a whole link (net.delay,
 * net.loss, ... on a link target) put their rules in host b, where every
 * packet crossing the link in either direction passes. */
typedef struct map_link {
  lab_host_t a, b;
  const char *ifname;
  const char *a4, *b4, *a6, *b6; /* each end's address, with its prefix length */
  const char *a_name;            /* the a end's owner, as the timeline names it ("client"), or NULL */
  const char *b_name;
  bool client;                   /* a client's link: built only at the site whose client_link it is */
  const char *doc;
} map_link_t;
extern const map_link_t map_links[];
extern const int map_n_links;
/* Where the client sits (below). */
typedef struct map_site map_site_t;
/* Whether the lab of a client at site (NULL: the default site) has this link (or route). */
bool map_link_built(const map_link_t *l, const map_site_t *site);
/* Whether a link end's address ("addr/len") is configured at site: none of
 * the client's IPv4 ones at an IPv6-only site. */
bool map_addr_built(lab_host_t host, const char *addr, const map_site_t *site);

typedef struct map_route {
  lab_host_t host;
  const char *dst, *via;
  const char *link; /* built only when this link is (a client's link); NULL: always */
} map_route_t;
extern const map_route_t map_routes[];
extern const int map_n_routes;
bool map_route_built(const map_route_t *r, const map_site_t *site);

/* Where the client sits: its link, its router, and the resolver its
 * resolv.conf names. The first row is the default. */
struct map_site {
  const char *name;
  const char *client_link; /* a map_links ifname */
  const char *uplink;      /* the router's link to the internet (a map_links ifname) */
  int resolver_role;       /* a map_role_t: whose resolver the client is given */
  bool v6_only;            /* the client has IPv6 only: no IPv4 address or route, an IPv6 resolver */
  const char *doc;
};
extern const map_site_t map_sites[];
extern const int map_n_sites;
/* NULL for an unknown name; NULL or "" names the default site. */
const map_site_t *map_site(const char *name);
/* The client's access router at a site: the b end of its client link. */
lab_host_t map_site_router(const map_site_t *s);
/* A link by interface name, or NULL. */
const map_link_t *map_link(const char *ifname);

/* A network a fault may name as a whole ("internet", "cloud", "datacenter"):
 * its prefixes, and the host its parties live on. */
typedef struct map_segment {
  const char *name;
  const char *v4, *v6;
  lab_host_t host;
  const char *doc;
} map_segment_t;
extern const map_segment_t map_segments[];
extern const int map_n_segments;
const map_segment_t *map_segment(const char *name);

/* ---- parties ---- */

/* What checks and reports group a party by. The client and router are
 * roles too: the wire names their addresses. */
typedef enum {
  ROLE_CLIENT,
  ROLE_ROUTER,
  ROLE_CLOUD,      /* the ZPA cloud: broker, Service Edges, cloud SP, portal */
  ROLE_PUBLIC_DNS, /* the internet's resolver */
  ROLE_WEB,        /* a public site of the internet, not the cloud's */
  ROLE_RESOLVER,   /* the site's resolver */
  ROLE_PCC,
  ROLE_PSE,
  ROLE_APP,
  MAP_N_ROLES
} map_role_t;
const char *map_role_name(map_role_t r);

/* What a party serves. */
typedef enum { MAP_SERVES_HTTPS, MAP_SERVES_APP, MAP_SERVES_DNS, MAP_SERVES_NONE } map_serves_t;
/* How an HTTPS party behaves (docs/protocol.md). */
typedef enum { SVC_BROKER, SVC_SE, SVC_PCC, SVC_PSE, SVC_PORTAL, SVC_CLOUD_SP, SVC_NONE } svc_role_t;
/* Which domain its DNS name is under. */
typedef enum { MAP_DOMAIN_CLOUD, MAP_DOMAIN_BC, MAP_DOMAIN_PUBLIC } map_domain_t;
/* The domain of the internet's own sites (MAP_DOMAIN_PUBLIC): neither the cloud's nor the customer's. */
#define MAP_PUBLIC_DOMAIN "example.org"

typedef struct map_party {
  const char *name;  /* as scenarios name it */
  const char *label; /* its DNS label under its domain */
  map_role_t role;
  const char *group; /* a target that names every party of the group ("ses"), or NULL */
  map_serves_t serves;
  svc_role_t svc;
  lab_host_t host;
  const char *v4, *v6;
  map_domain_t domain;
  bool published; /* reachable from the internet: the data center publishes it for remote users */
} map_party_t;
extern const map_party_t map_parties[];
extern const int map_n_parties;
const map_party_t *map_party(const char *name);
/* The first party of a role (the site's resolver, the app). */
const map_party_t *map_party_of_role(map_role_t r);

/* The role of a named link end in host h: the client, or a router. */
map_role_t map_end_role(lab_host_t h);
/* Who an address belongs to: a party, or a named end of a link (the client,
 * the router). False if it is no one's. */
bool map_addr_owner(const char *addr, const char **name, map_role_t *role);

/* Addresses of no party, each for one purpose. */
typedef struct map_spare {
  const char *purpose;
  lab_host_t host;
  const char *v4, *v6;
} map_spare_t;
extern const map_spare_t map_spares[];
extern const int map_n_spares;
/* "wrong-address": what dns.wrong-address answers by default (in the datacenter's range, nobody's);
 * "bench-rival": where bcsim bench-dns serves its rival resolver. NULL for an unknown purpose. */
const map_spare_t *map_spare(const char *purpose);

/* ---- targets ---- */

/* What a fault's target names: parties (one, a group, or a whole segment), a link, or the config. */
/* At most this many parties: the world keeps per-party state in arrays of this size. */
#define MAP_MAX_PARTIES 32
typedef struct map_target_set {
  int n;
  const map_party_t *parties[MAP_MAX_PARTIES];
} map_target_set_t;
/* The parties a target names. 0 if none (a link, "config", or an unknown name). */
int map_target_parties(const char *target, map_target_set_t *out);

/* ---- faults ---- */

typedef enum { MAP_PARAM_DUR, MAP_PARAM_INT, MAP_PARAM_STR } map_param_type_t;

/* A fault's parameter. Durations (MAP_PARAM_DUR) follow --time-scale as the
 * timeline does: the scenario engine scales every one a step carries
 * (scenario_scale). So a parameter's default is here, in def, and the loader
 * writes it into the step when the scenario leaves it out (a duration or a
 * string as a JSON string, a whole number as a JSON number); the world's
 * handlers take no default of their own, and `bcsim list` prints it. */
typedef struct map_param {
  const char *name;
  map_param_type_t type;
  const char *doc;
  const char *def; /* the value when left out, as text: "1s" (a duration), "10" (a whole number); NULL: none */
} map_param_t;

/* What switches a fault: the world's code for each kind of fault. */
typedef enum {
  FAULT_DNS,             /* the resolvers: dns.<kind> */
  FAULT_LINK,            /* a lab link down */
  FAULT_BLACKHOLE,       /* routes on the router */
  FAULT_UNREACHABLE,
  FAULT_REJECT,          /* nftables on the router */
  FAULT_TLS_STALL,
  FAULT_SVC_DOWN,        /* nftables on the party's host */
  FAULT_INJECT_RST,      /* the runner: it knows the live connections */
  FAULT_SVC_SLOW,        /* the service answers late */
  FAULT_NET_DELAY,       /* packets on the wire: the impairment engine (sim/impair) */
  FAULT_NET_LOSS,
  FAULT_NET_REORDER,
  FAULT_NET_DUPLICATE,
  FAULT_NET_RATE,        /* a tbf qdisc on both ends of a link */
  FAULT_NET_MTU,         /* nftables drops large packets, and no ICMP says so */
  FAULT_HTTP_ERROR,
  FAULT_TLS_MODE,        /* the TLS endpoint misbehaves in the handshake */
  FAULT_TLS_CERT,        /* the TLS endpoint serves another certificate */
  FAULT_CONFIG,          /* the BC config handed to a new client, before it starts */
  FAULT_PROBE,           /* not a fault: the client profile's probe */
  FAULT_PROBE_DNS,       /* not a fault: the harness asks a resolver from the client's site */
} map_handler_t;

#define MAP_ROLE_BIT(r) (1u << (r))
#define MAP_SEGMENT_BIT(i) (1u << (i))

typedef struct map_fault {
  const char *name;
  unsigned roles;      /* MAP_ROLE_BIT of each role whose parties (and groups of them) it may target */
  unsigned segments;   /* MAP_SEGMENT_BIT of each segment it may target, by map_segments' index */
  bool links;          /* it targets a lab link */
  bool config;         /* it targets the BC config ("config") */
  const map_param_t *params; /* NULL-terminated by name, or NULL */
  const char *doc;
  map_handler_t handler;
} map_fault_t;
extern const map_fault_t map_faults[];
extern const int map_n_faults;
const map_fault_t *map_fault(const char *name);
/* Whether a row is not a fault but a probe (probe.app, probe.dns): it runs at its time, is never switched. */
bool map_fault_is_probe(const map_fault_t *f);
/* Whether a fault may target this name. */
bool map_fault_allows(const map_fault_t *f, const char *target);
/* Every target a fault allows, comma-separated, in table order (segments,
 * then parties with their groups, then links): into out. */
void map_fault_targets(const map_fault_t *f, char *out, size_t len);
#endif
