/* dns_server: a lab DNS server on UDP and TCP port 53, answering from a zone.
 *
 * Runs on the world's libevent loop. Sockets are bound by the caller (inside
 * the right lab host); the server takes ownership of them. Names outside the
 * zone are forwarded to an upstream server when one is set (the corporate
 * resolver forwards public names to the internet's DNS, so an ISP outage
 * makes them fail for real). A server with an upstream keeps the upstream's
 * answers in a cache (dns_cache.h) for their TTL, and answers a name again
 * from there, as a recursive resolver does. DNS faults are switched on and
 * off at run time and decide the answer whether it would come from the
 * zone, the cache or the upstream; every query is reported through the log
 * callback. */
#ifndef BC_DNS_SERVER_H
#define BC_DNS_SERVER_H
#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/dns/zone.h"

typedef struct dns_server dns_server_t;
/* action: "answered" (from the zone), "delayed" (from the zone, late),
 * "cached" (from the cache), "forwarded" (sent upstream; its answer is
 * relayed without another call), "timeout" (the upstream never answered:
 * SERVFAIL), "dropped", "malformed". */
typedef void (*dns_server_log_fn)(void *arg, const zone_answer_info_t *info, const char *proto,
                                  const char *peer, const char *action);

/* One DNS fault, as the catalogue's dns.* actions describe it. */
typedef struct dns_fault_spec {
  char kind[32];  /* "servfail", "drop", "truncate", "no-cache", "flush", ... (the action without "dns."), or "loss" */
  char name[256]; /* query names it applies to (glob); "" means all */
  int64_t delay_ms;
  int ttl, keep; /* keep: for "loss", the percent lost */
  int first;     /* "loss": the first this many matching queries are lost for certain */
  char address[64];
  char mode[32];
} dns_fault_spec_t;

/* Called for dns.spoof before the real answer leaves, which waits a little
 * so that the forgery wins the race. */
typedef void (*dns_server_spoof_fn)(void *arg, const dns_fault_spec_t *f, const char *client, uint16_t port,
                                    const uint8_t *query, size_t qlen);

/* A server that listens nowhere yet (dns_server_listen). zone is borrowed and
 * must outlive the server. NULL when out of memory. */
dns_server_t *dns_server_new(struct event_base *base, const zone_t *zone, dns_server_log_fn log, void *log_arg);
void dns_server_free(dns_server_t *s);
/* Addresses a server listens on (its IPv4 and its IPv6 one), each a UDP and a TCP socket. */
#define DNS_SERVER_MAX_LISTENERS 2
/* Listens on a pair of bound sockets (TCP listening); takes ownership of
 * both, closed on failure. 0 or -1. */
int dns_server_listen(dns_server_t *s, int udp_fd, int tcp_fd);
/* Forwards non-authoritative queries through upstream_fd (a UDP socket
 * connected to the upstream server), and caches the answers (at most
 * DNS_CACHE_MAX_ENTRIES). 0, and upstream_fd is the server's from now on;
 * or -1, and it is still the caller's. */
int dns_server_set_upstream(dns_server_t *s, int upstream_fd, int timeout_ms);
/* Seeds the choices of the "loss" fault (keep = percent lost). */
void dns_server_seed(dns_server_t *s, uint64_t seed);
void dns_server_set_spoofer(dns_server_t *s, dns_server_spoof_fn fn, void *arg);
/* Switches a fault on (added) or off (removed by kind and name). "flush" is
 * a moment, not a state: switching it on empties the cache of the names it
 * matches; switching it off does nothing. 0 or -1. */
int dns_server_fault(dns_server_t *s, const dns_fault_spec_t *f, bool on);
#endif
