/* resolve: the reference client's name lookups, which never block its event
 * loop.
 *
 * A lookup is glibc's own getaddrinfo, on a thread of its own: the ordinary
 * system resolver that docs/protocol.md asks for, with the lab's
 * /etc/resolv.conf (its nameserver, "timeout:1 attempts:2", no search list),
 * TCP after a truncated answer, A and AAAA, RFC 6724 order. Its completion
 * comes back to the loop through an eventfd. Why not evdns or getaddrinfo_a:
 * see docs/architecture.md ("The reference client never blocks its loop").
 *
 * A blocking lookup on the loop does two kinds of harm: every keepalive and
 * timeout waits for it, and libevent, which caches the time at the start of
 * each loop iteration, arms every timer set after it in the same callback
 * short by the length of the lookup (a 300 ms connect timeout armed after a
 * 2 s lookup has already expired).
 *
 * Part of the reference client: it shares no code with the simulator. */
#ifndef BCC_RESOLVE_H
#define BCC_RESOLVE_H
#include <event2/event.h>
#include <netinet/in.h>
#include <stdbool.h>

#define CC_MAX_ADDRS 16

typedef struct cc_resolver cc_resolver_t;
typedef struct cc_lookup cc_lookup_t;

/* n distinct addresses (numeric, in the resolver's order), or n = -1 if the
 * name did not resolve (SERVFAIL, NXDOMAIN, REFUSED, no data, a timeout).
 * addrs is valid only during the call. */
typedef void (*cc_resolved_fn)(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]);

typedef struct cc_resolver_opts {
  /* The no-tcp-fallback defect: take a truncated answer as it is (glibc's
   * RES_IGNTC, which is per thread, hence an option here). */
  bool ignore_tc;
  /* Tests only: ask this nameserver, one try of 1 s, no search list, instead
   * of /etc/resolv.conf's. Copied. */
  const struct sockaddr_in *nameserver;
} cc_resolver_opts_t;

/* A resolver on base; opts may be NULL. NULL on failure. */
cc_resolver_t *cc_resolver_new(struct event_base *base, const cc_resolver_opts_t *opts);
/* Cancels every lookup (none calls back). getaddrinfo cannot be stopped once
 * it has asked: this waits for those, at most the resolver's own timeouts. */
void cc_resolver_free(cc_resolver_t *r);

/* Starts looking up name (port 443, TCP, any family). done(arg, ...) is
 * called later from the loop, never from inside this call. Returns the
 * lookup, or NULL if it could not start (done is then never called). */
cc_lookup_t *cc_resolve(cc_resolver_t *r, const char *name, cc_resolved_fn done, void *arg);

/* The accept-spoofed defect's resolver: one A query over UDP to the first
 * nameserver of /etc/resolv.conf, and the first datagram back within 1 s is
 * the answer, whatever its ID or question. Asynchronous like cc_resolve. */
cc_lookup_t *cc_resolve_naive(cc_resolver_t *r, const char *name, cc_resolved_fn done, void *arg);

/* done is never called; the lookup is freed (NULL is allowed). */
void cc_lookup_cancel(cc_lookup_t *l);
#endif
