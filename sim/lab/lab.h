/* lab: the private network of one scenario.
 *
 * Its hosts (the map's: client, router, home, internet, cloud, datacenter) are network namespaces,
 * held only as file descriptors: nothing is registered under /run/netns, so
 * the host sees nothing and the namespaces vanish with the lab process.
 * Links are veth pairs made through netlink (libnl-route-3). Must run inside
 * the user+net namespace that sandbox.c sets up; the lab has no link to the
 * host's network at all, so it has no route out.
 * The hosts, links and routes are rows of the world's tables (sim/world/map.h).
 */
#ifndef BC_LAB_H
#define BC_LAB_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "sim/world/map.h"


typedef struct lab lab_t;

/* Builds the topology for a client at site (a map_sites name; NULL or "":
 * the default). Only the site's client link is built. Returns NULL and a
 * message in err on failure. */
lab_t *lab_new(const char *site, char *err, size_t errlen);
/* Closes the namespaces; the kernel removes them and every link with them. */
void lab_free(lab_t *lab);
/* Where the client sits: its row of the world's sites table. */
const map_site_t *lab_site(const lab_t *lab);
/* Adds a service address (v4 /32 or v6 /128) on the host's loopback. 0 or -1. */
int lab_add_service_addr(lab_t *lab, lab_host_t h, const char *addr);
/* Fills a sockaddr for a numeric IPv4 or IPv6 address and port. 0 or -1. */
int lab_sockaddr(const char *addr, int port, struct sockaddr_storage *ss, socklen_t *len);
/* socket(2) inside a host's namespace; the caller's namespace is restored. */
int lab_socket(lab_t *lab, lab_host_t h, int domain, int type, int protocol);
/* Moves the calling process into a host's namespace for good (for a child before exec). */
int lab_enter(lab_t *lab, lab_host_t h);
/* The descriptor holding a host's network namespace, for a lab that hands
 * its client host to `bcsim exec` (through /proc/<pid>/fd). Owned by the lab. */
int lab_netns_fd(const lab_t *lab, lab_host_t h);
/* Runs fn inside a host's namespace and comes back (for libpcap and the like). */
int lab_within(lab_t *lab, lab_host_t h, int (*fn)(void *), void *arg);
/* A route fault on a router (h) for a prefix (a segment's, or a party's /32 or /128): a blackhole
 * silently drops traffic, as in a real outage; unreachable makes the router
 * answer ICMP unreachable. on=false removes it. 0 or -1. */
typedef enum { LAB_ROUTE_BLACKHOLE, LAB_ROUTE_UNREACHABLE } lab_route_fault_t;
int lab_route_fault(lab_t *lab, lab_host_t h, const char *prefix, lab_route_fault_t kind, bool on);
/* Brings a link down or up at its router's end (the b end of its row). 0 or -1. */
int lab_link_set(lab_t *lab, const char *ifname, bool up);
#endif
