#include "sim/lab/lab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct lab {
  int home; /* the lab process's own namespace, to come back to */
  int ns[LAB_N_HOSTS];
  const map_site_t *site; /* where the client sits */
};

const map_site_t *lab_site(const lab_t *lab) { return lab->site; }

static int enter(int fd) { return setns(fd, CLONE_NEWNET); }

static struct nl_sock *nl_open(void) {
  struct nl_sock *sk = nl_socket_alloc();
  if (sk && nl_connect(sk, NETLINK_ROUTE) < 0) {
    nl_socket_free(sk);
    sk = NULL;
  }
  return sk;
}

static int write_sysctl(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, value, strlen(value));
  close(fd);
  return n == (ssize_t)strlen(value) ? 0 : -1;
}

static int link_up(struct nl_sock *sk, const char *ifname, int *ifindex) {
  struct rtnl_link *orig = NULL, *chg = NULL;
  int rc = -1;
  if (rtnl_link_get_kernel(sk, 0, ifname, &orig) < 0) goto out;
  chg = rtnl_link_alloc();
  if (!chg) goto out;
  rtnl_link_set_flags(chg, IFF_UP);
  if (rtnl_link_change(sk, orig, chg, 0) < 0) goto out;
  if (ifindex) *ifindex = rtnl_link_get_ifindex(orig);
  rc = 0;
out:
  rtnl_link_put(orig);
  rtnl_link_put(chg);
  return rc;
}

static int add_addr(struct nl_sock *sk, int ifindex, const char *cidr) {
  struct rtnl_addr *a = rtnl_addr_alloc();
  struct nl_addr *local = NULL;
  int rc = -1;
  if (!a || nl_addr_parse(cidr, AF_UNSPEC, &local) < 0) goto out;
  rtnl_addr_set_ifindex(a, ifindex);
  rtnl_addr_set_local(a, local);
  /* No duplicate address detection: the lab is private, and DAD would hold
   * IPv6 addresses tentative for a second, longer than a whole scenario step. */
  rtnl_addr_set_flags(a, IFA_F_NODAD);
  rc = rtnl_addr_add(sk, a, 0) < 0 ? -1 : 0;
out:
  nl_addr_put(local);
  rtnl_addr_put(a);
  return rc;
}

static int change_route(struct nl_sock *sk, const char *dst, const char *via, int fault_type, bool add) {
  struct rtnl_route *r = rtnl_route_alloc();
  struct nl_addr *d = NULL, *gw = NULL;
  int rc = -1;
  if (!r || nl_addr_parse(dst, AF_UNSPEC, &d) < 0) goto out;
  rtnl_route_set_family(r, (uint8_t)nl_addr_get_family(d));
  rtnl_route_set_dst(r, d);
  rtnl_route_set_table(r, RT_TABLE_MAIN);
  if (fault_type) {
    rtnl_route_set_type(r, (uint8_t)fault_type);
    /* A lower metric than the normal routes (100), so it wins for the same
     * prefix. Not 0: for IPv6 the kernel reads 0 as "default", i.e. 1024. */
    rtnl_route_set_priority(r, 1);
    rtnl_route_set_scope(r, RT_SCOPE_UNIVERSE);
  } else {
    struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
    if (!nh || nl_addr_parse(via, AF_UNSPEC, &gw) < 0) {
      rtnl_route_nh_free(nh);
      goto out;
    }
    rtnl_route_nh_set_gateway(nh, gw);
    rtnl_route_add_nexthop(r, nh);
    rtnl_route_set_priority(r, 100);
  }
  rc = (add ? rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_EXCL) : rtnl_route_delete(sk, r, 0)) < 0 ? -1 : 0;
out:
  nl_addr_put(d);
  nl_addr_put(gw);
  rtnl_route_put(r);
  return rc;
}

/* ---- neighbours ----
 *
 * Every link end knows its peer's MAC from the start (a permanent
 * neighbour entry for each of the peer's addresses): no ARP or neighbour
 * discovery ever runs in the lab. A first solicitation that the kernel
 * cannot send yet (a link-local address not there, a probe lost to a
 * race) would otherwise hold a forwarded packet for a whole second, longer
 * than most timeouts of a scenario. The lab chooses each end's MAC when it
 * makes the veth, so both ends' entries are known without asking either. */

/* A locally administered MAC for end (0: a, 1: b) of the i-th link row. Owned by the caller. */
static struct nl_addr *end_mac(const map_link_t *l, int end) {
  char text[18];
  struct nl_addr *mac = NULL;
  snprintf(text, sizeof text, "02:bc:00:00:%02x:%02x", (unsigned)(l - map_links) & 0xff, (unsigned)end);
  return nl_addr_parse(text, AF_LLC, &mac) < 0 ? NULL : mac;
}

/* The peer's addresses on link l, with its MAC, as permanent neighbours of host h. */
static int set_neighbours(struct nl_sock *sk, const map_link_t *l, lab_host_t h, int ifindex) {
  const char *peer[2] = {l->a == h ? l->b4 : l->a4, l->a == h ? l->b6 : l->a6};
  struct nl_addr *mac = end_mac(l, l->a == h ? 1 : 0);
  int rc = mac ? 0 : -1;
  for (int k = 0; k < 2 && rc == 0; k++) {
    struct rtnl_neigh *n = rtnl_neigh_alloc();
    struct nl_addr *dst = NULL;
    rc = -1;
    if (n && nl_addr_parse(peer[k], AF_UNSPEC, &dst) >= 0) {
      nl_addr_set_prefixlen(dst, nl_addr_get_family(dst) == AF_INET ? 32 : 128);
      rtnl_neigh_set_ifindex(n, ifindex);
      rtnl_neigh_set_dst(n, dst);
      rtnl_neigh_set_lladdr(n, mac);
      rtnl_neigh_set_state(n, NUD_PERMANENT);
      rc = rtnl_neigh_add(sk, n, NLM_F_CREATE | NLM_F_REPLACE) < 0 ? -1 : 0;
    }
    nl_addr_put(dst);
    rtnl_neigh_put(n);
  }
  nl_addr_put(mac);
  return rc;
}

static int make_veth(struct nl_sock *sk, lab_t *lab, const map_link_t *l) {
  struct rtnl_link *veth = rtnl_link_veth_alloc();
  struct nl_addr *mac_a = end_mac(l, 0), *mac_b = end_mac(l, 1);
  int rc = -1;
  if (!veth || !mac_a || !mac_b) goto out;
  struct rtnl_link *peer = rtnl_link_veth_get_peer(veth);
  rtnl_link_set_name(veth, l->ifname);
  rtnl_link_set_addr(veth, mac_a);
  rtnl_link_set_ns_fd(veth, lab->ns[l->a]);
  rtnl_link_set_name(peer, l->ifname);
  rtnl_link_set_addr(peer, mac_b);
  rtnl_link_set_ns_fd(peer, lab->ns[l->b]);
  rtnl_link_put(peer);
  rc = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL) < 0 ? -1 : 0;
out:
  nl_addr_put(mac_a);
  nl_addr_put(mac_b);
  if (veth) rtnl_link_veth_release(veth);
  return rc;
}

/* Addresses, link state and forwarding of one host, configured from inside it. */
static int configure_host(lab_t *lab, lab_host_t h, char *err, size_t errlen) {
  const map_site_t *site = lab->site;
  struct nl_sock *sk = NULL;
  int rc = -1;
  if (enter(lab->ns[h]) < 0) goto out;
  sk = nl_open();
  if (!sk || link_up(sk, "lo", NULL) < 0) goto out;
  for (int i = 0; i < map_n_links; i++) {
    const map_link_t *l = &map_links[i];
    if ((l->a != h && l->b != h) || !map_link_built(l, site)) continue;
    int idx = 0;
    const char *v4 = l->a == h ? l->a4 : l->b4, *v6 = l->a == h ? l->a6 : l->b6;
    if (link_up(sk, l->ifname, &idx) < 0 || (map_addr_built(h, v4, site) && add_addr(sk, idx, v4) < 0) ||
        add_addr(sk, idx, v6) < 0 || set_neighbours(sk, l, h, idx) < 0) {
      snprintf(err, errlen, "configuring %s on %s failed", l->ifname, map_host_name(h));
      goto out;
    }
  }
  for (int i = 0; i < map_n_routes; i++) {
    if (map_routes[i].host != h || !map_route_built(&map_routes[i], site)) continue;
    if (change_route(sk, map_routes[i].dst, map_routes[i].via, 0, true) < 0) {
      snprintf(err, errlen, "route %s via %s on %s failed", map_routes[i].dst, map_routes[i].via, map_host_name(h));
      goto out;
    }
  }
  if (map_hosts[h].forwards && (write_sysctl("/proc/sys/net/ipv4/ip_forward", "1") < 0 ||
                          write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", "1") < 0)) {
    snprintf(err, errlen, "enabling forwarding on %s failed: %s", map_host_name(h), strerror(errno));
    goto out;
  }
  rc = 0;
out:
  if (rc != 0 && !err[0]) snprintf(err, errlen, "configuring host %s failed: %s", map_host_name(h), strerror(errno));
  if (sk) nl_socket_free(sk);
  if (enter(lab->home) < 0) rc = -1;
  return rc;
}

lab_t *lab_new(const char *site, char *err, size_t errlen) {
  lab_t *lab = calloc(1, sizeof *lab);
  struct nl_sock *sk = NULL;
  bool ok = false;
  err[0] = 0;
  if (!lab) goto out;
  /* Nothing open yet: lab_free must not close descriptor 0 for them. */
  lab->home = -1;
  for (int i = 0; i < LAB_N_HOSTS; i++) lab->ns[i] = -1;
  lab->site = map_site(site);
  if (!lab->site) {
    snprintf(err, errlen, "no site is called \"%s\"", site);
    goto out;
  }
  lab->home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (lab->home < 0) goto out;
  for (int i = 0; i < LAB_N_HOSTS; i++) {
    if (unshare(CLONE_NEWNET) < 0) {
      snprintf(err, errlen, "creating the %s network namespace: %s", map_host_name((lab_host_t)i), strerror(errno));
      goto out;
    }
    lab->ns[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    /* No duplicate address detection anywhere, link-local included: while an
     * fe80 address is tentative the first IPv6 packets of a scenario are lost,
     * and the lab is private, so there is nothing to detect. Set before any
     * link exists, so every interface inherits it. */
    /* And keep IPv6 addresses on a link that goes down (net.link-down), as
     * IPv4 does: otherwise they vanish and the link comes back v4-only. */
    if (lab->ns[i] < 0 || write_sysctl("/proc/sys/net/ipv6/conf/default/accept_dad", "0") < 0 ||
        write_sysctl("/proc/sys/net/ipv6/conf/all/accept_dad", "0") < 0 ||
        write_sysctl("/proc/sys/net/ipv6/conf/default/keep_addr_on_down", "1") < 0 ||
        write_sysctl("/proc/sys/net/ipv6/conf/all/keep_addr_on_down", "1") < 0 || enter(lab->home) < 0) {
      snprintf(err, errlen, "setting up the %s network namespace: %s", map_host_name((lab_host_t)i), strerror(errno));
      goto out;
    }
  }
  sk = nl_open();
  if (!sk) goto out;
  for (int i = 0; i < map_n_links; i++) {
    if (!map_link_built(&map_links[i], lab->site)) continue;
    if (make_veth(sk, lab, &map_links[i]) < 0) {
      snprintf(err, errlen, "creating veth %s: netlink refused", map_links[i].ifname);
      goto out;
    }
  }
  for (int h = 0; h < LAB_N_HOSTS; h++)
    if (configure_host(lab, (lab_host_t)h, err, errlen) < 0) goto out;
  ok = true;
out:
  if (sk) nl_socket_free(sk);
  if (!ok) {
    if (!err[0]) snprintf(err, errlen, "building the lab failed: %s", strerror(errno));
    lab_free(lab);
    lab = NULL;
  }
  return lab;
}

void lab_free(lab_t *lab) {
  if (!lab) return;
  for (int i = 0; i < LAB_N_HOSTS; i++)
    if (lab->ns[i] >= 0) close(lab->ns[i]);
  if (lab->home >= 0) close(lab->home);
  free(lab);
}

int lab_within(lab_t *lab, lab_host_t h, int (*fn)(void *), void *arg) {
  if (enter(lab->ns[h]) < 0) return -1;
  int rc = fn(arg);
  int saved = errno;
  if (enter(lab->home) < 0) abort(); /* continuing in the wrong namespace would corrupt the lab */
  errno = saved;
  return rc;
}

typedef struct sock_args {
  int domain, type, protocol;
} sock_args_t;

static int do_socket(void *p) {
  sock_args_t *a = p;
  return socket(a->domain, a->type | SOCK_CLOEXEC, a->protocol);
}

int lab_socket(lab_t *lab, lab_host_t h, int domain, int type, int protocol) {
  sock_args_t a = {domain, type, protocol};
  return lab_within(lab, h, do_socket, &a);
}

int lab_sockaddr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    *len = sizeof *s4;
    return 0;
  }
  if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    *len = sizeof *s6;
    return 0;
  }
  return -1;
}

int lab_enter(lab_t *lab, lab_host_t h) { return enter(lab->ns[h]); }

int lab_netns_fd(const lab_t *lab, lab_host_t h) { return lab->ns[h]; }

typedef struct addr_args {
  const char *addr;
} addr_args_t;

static int do_add_service_addr(void *p) {
  addr_args_t *a = p;
  char cidr[64];
  snprintf(cidr, sizeof cidr, "%s/%s", a->addr, strchr(a->addr, ':') ? "128" : "32");
  struct nl_sock *sk = nl_open();
  if (!sk) return -1;
  struct rtnl_link *lo = NULL;
  int rc = -1;
  if (rtnl_link_get_kernel(sk, 0, "lo", &lo) >= 0) rc = add_addr(sk, rtnl_link_get_ifindex(lo), cidr);
  rtnl_link_put(lo);
  nl_socket_free(sk);
  return rc;
}

int lab_add_service_addr(lab_t *lab, lab_host_t h, const char *addr) {
  addr_args_t a = {addr};
  return lab_within(lab, h, do_add_service_addr, &a);
}

typedef struct route_args {
  const char *prefix;
  int type;
  bool on;
} route_args_t;

static int do_route_fault(void *p) {
  route_args_t *a = p;
  struct nl_sock *sk = nl_open();
  if (!sk) return -1;
  int rc = change_route(sk, a->prefix, NULL, a->type, a->on);
  nl_socket_free(sk);
  return rc;
}

int lab_route_fault(lab_t *lab, lab_host_t h, const char *prefix, lab_route_fault_t kind, bool on) {
  route_args_t a = {prefix, kind == LAB_ROUTE_BLACKHOLE ? RTN_BLACKHOLE : RTN_UNREACHABLE, on};
  return lab_within(lab, h, do_route_fault, &a);
}

typedef struct link_args {
  const char *ifname;
  bool up;
} link_args_t;

static int do_link_set(void *p) {
  link_args_t *a = p;
  struct nl_sock *sk = nl_open();
  struct rtnl_link *orig = NULL, *chg = NULL;
  int rc = -1;
  if (!sk || rtnl_link_get_kernel(sk, 0, a->ifname, &orig) < 0 || !(chg = rtnl_link_alloc())) goto out;
  if (a->up) rtnl_link_set_flags(chg, IFF_UP);
  else rtnl_link_unset_flags(chg, IFF_UP);
  rc = rtnl_link_change(sk, orig, chg, 0) < 0 ? -1 : 0;
out:
  rtnl_link_put(orig);
  rtnl_link_put(chg);
  if (sk) nl_socket_free(sk);
  return rc;
}

/* The kernel flushes the routes and neighbour entries of a link that goes
 * down and does not bring them back with it: put back the link's neighbours
 * and every route of this host (those that survived just say "exists"). */
typedef struct restore_args {
  lab_host_t host;
  const map_site_t *site;
  const map_link_t *link; /* the link that came back up: its neighbour entries went with it */
} restore_args_t;

static int restore_routes(void *p) {
  const restore_args_t *a = p;
  struct nl_sock *sk = nl_open();
  struct rtnl_link *link = NULL;
  int rc = -1;
  if (!sk || rtnl_link_get_kernel(sk, 0, a->link->ifname, &link) < 0 ||
      set_neighbours(sk, a->link, a->host, rtnl_link_get_ifindex(link)) < 0)
    goto out;
  for (int i = 0; i < map_n_routes; i++)
    if (map_routes[i].host == a->host && map_route_built(&map_routes[i], a->site))
      (void)change_route(sk, map_routes[i].dst, map_routes[i].via, 0, true);
  rc = 0;
out:
  rtnl_link_put(link);
  if (sk) nl_socket_free(sk);
  return rc;
}

int lab_link_set(lab_t *lab, const char *ifname, bool up) {
  const map_link_t *l = map_link(ifname);
  link_args_t a = {ifname, up};
  if (!l || !map_link_built(l, lab->site)) return -1;
  /* The router's end: the b end of every link row. */
  if (lab_within(lab, l->b, do_link_set, &a) < 0) return -1;
  if (!up) return 0;
  lab_host_t ends[2] = {l->a, l->b};
  for (int k = 0; k < 2; k++) {
    restore_args_t r = {ends[k], lab->site, l};
    if (lab_within(lab, ends[k], restore_routes, &r) < 0) return -1;
  }
  return 0;
}
