#include "sim/client/resolve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <ldns/ldns.h>
#include <netdb.h>
#include <pthread.h>
#include <resolv.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long the accept-spoofed defect waits for its one datagram, as the
 * blocking version it replaces did (SO_RCVTIMEO of 1 s). */
#define NAIVE_WAIT_S 1

struct cc_lookup {
  cc_resolver_t *r;
  cc_resolved_fn done; /* NULL once cancelled: it is then only freed */
  void *arg;
  struct cc_lookup *prev, *next;
  /* The lookup thread's work: it writes rc and res, then sets finished. */
  char name[300];
  pthread_t tid;
  atomic_bool finished;
  int rc;
  struct addrinfo *res;
  /* The naive resolver's socket and its event; -1 and NULL otherwise. */
  int fd;
  struct event *ev;
};

struct cc_resolver {
  struct event_base *base;
  struct event *wake;
  cc_resolver_opts_t opts;
  struct sockaddr_in nameserver; /* opts.nameserver points here */
  cc_lookup_t *lookups;
};

/* Each lookup runs on a thread of its own. That thread ends by bumping this
 * eventfd, which lives as long as the process: a report that
 * comes after a resolver is gone then never writes into a descriptor that was
 * closed and reused. The loop reads it and looks at which lookups are done.
 * One eventfd for the process, so one event loop may resolve: the client has
 * one. */
static int wake_fd = -1;
static pthread_once_t wake_once = PTHREAD_ONCE_INIT;

static void wake_fd_open(void) { wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

static void lookup_free(cc_lookup_t *l) {
  if (l->res) freeaddrinfo(l->res);
  if (l->ev) event_free(l->ev);
  if (l->fd >= 0) close(l->fd);
  free(l);
}

static void lookup_unlink(cc_lookup_t *l) {
  if (l->prev) l->prev->next = l->next;
  else l->r->lookups = l->next;
  if (l->next) l->next->prev = l->prev;
}

static cc_lookup_t *lookup_new(cc_resolver_t *r, const char *name, cc_resolved_fn done, void *arg) {
  cc_lookup_t *l = NULL;
  if (strlen(name) >= sizeof l->name || !(l = calloc(1, sizeof *l))) return NULL;
  l->r = r;
  l->done = done;
  l->arg = arg;
  l->fd = -1;
  snprintf(l->name, sizeof l->name, "%s", name);
  return l;
}

static void lookup_link(cc_lookup_t *l) {
  l->next = l->r->lookups;
  if (l->next) l->next->prev = l;
  l->r->lookups = l;
}

/* Frees l, then calls its done (if it was not cancelled): done may start or
 * cancel other lookups. */
static void lookup_finish(cc_lookup_t *l, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  cc_resolved_fn done = l->done;
  void *arg = l->arg;
  lookup_unlink(l);
  lookup_free(l);
  if (done) done(arg, n > 0 ? n : -1, addrs);
}

/* The distinct addresses of res, in its order. */
static int addrs_from(const struct addrinfo *res, char (*out)[INET6_ADDRSTRLEN], int max) {
  int n = 0;
  for (const struct addrinfo *a = res; a && n < max; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN];
    const void *p = a->ai_family == AF_INET ? (const void *)&((const struct sockaddr_in *)a->ai_addr)->sin_addr
                                            : (const void *)&((const struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
    if (!inet_ntop(a->ai_family, p, buf, sizeof buf)) continue;
    bool dup = false;
    for (int i = 0; i < n; i++) dup = dup || strcmp(out[i], buf) == 0;
    if (!dup) snprintf(out[n++], INET6_ADDRSTRLEN, "%s", buf);
  }
  return n;
}

static cc_lookup_t *first_finished(cc_resolver_t *r) {
  for (cc_lookup_t *l = r->lookups; l; l = l->next)
    if (l->fd < 0 && atomic_load(&l->finished)) return l;
  return NULL;
}

static void on_wake(evutil_socket_t fd, short what, void *arg) {
  cc_resolver_t *r = arg;
  uint64_t count;
  cc_lookup_t *l;
  (void)what;
  (void)!read(fd, &count, sizeof count);
  /* From the start each time: a done callback may change the list. */
  while ((l = first_finished(r)) != NULL) {
    char addrs[CC_MAX_ADDRS][INET6_ADDRSTRLEN];
    pthread_join(l->tid, NULL); /* it has finished, or is about to return */
    int n = l->rc == 0 ? addrs_from(l->res, addrs, CC_MAX_ADDRS) : -1;
    lookup_finish(l, n, addrs);
  }
}

cc_resolver_t *cc_resolver_new(struct event_base *base, const cc_resolver_opts_t *opts) {
  cc_resolver_t *r = NULL;
  pthread_once(&wake_once, wake_fd_open);
  if (wake_fd < 0 || !(r = calloc(1, sizeof *r))) return NULL;
  r->base = base;
  if (opts) r->opts = *opts;
  if (opts && opts->nameserver) {
    r->nameserver = *opts->nameserver;
    r->opts.nameserver = &r->nameserver;
  }
  r->wake = event_new(base, wake_fd, EV_READ | EV_PERSIST, on_wake, r);
  if (!r->wake || event_add(r->wake, NULL) < 0) {
    if (r->wake) event_free(r->wake);
    free(r);
    return NULL;
  }
  return r;
}

/* Waits for l's thread: getaddrinfo cannot be stopped once it has asked. */
static void lookup_wait(cc_lookup_t *l) {
  if (l->fd < 0) pthread_join(l->tid, NULL);
}

void cc_resolver_free(cc_resolver_t *r) {
  if (!r) return;
  while (r->lookups) {
    cc_lookup_t *l = r->lookups;
    lookup_wait(l);
    lookup_unlink(l);
    lookup_free(l);
  }
  event_free(r->wake);
  free(r);
}

/* The thread's own resolver state (glibc keeps one per thread), from
 * /etc/resolv.conf, bent as the options say. */
static void apply_opts(const cc_resolver_opts_t *o) {
  if (res_init() != 0) return; /* getaddrinfo then fails as it would */
  if (o->ignore_tc) _res.options |= RES_IGNTC;
  if (o->nameserver) {
    _res.nscount = 1;
    _res.nsaddr_list[0] = *o->nameserver;
    _res.retrans = 1;
    _res.retry = 1;
    _res.dnsrch[0] = NULL;
    _res.options &= ~(unsigned long)(RES_DEFNAMES | RES_DNSRCH);
  }
}

static void *lookup_thread(void *arg) {
  cc_lookup_t *l = arg;
  /* As an ordinary application asks: any family, a TCP service. */
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  uint64_t one = 1;
  apply_opts(&l->r->opts);
  l->rc = getaddrinfo(l->name, "443", &hints, &l->res);
  atomic_store(&l->finished, true);
  (void)!write(wake_fd, &one, sizeof one);
  return NULL;
}

cc_lookup_t *cc_resolve(cc_resolver_t *r, const char *name, cc_resolved_fn done, void *arg) {
  cc_lookup_t *l = lookup_new(r, name, done, arg);
  sigset_t all, old;
  int err;
  if (!l) return NULL;
  /* Signals are the loop's business: the thread takes none of them. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  err = pthread_create(&l->tid, NULL, lookup_thread, l);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err != 0) {
    lookup_free(l);
    return NULL;
  }
  lookup_link(l); /* before on_wake can run: it runs on this thread, in the loop */
  return l;
}

void cc_lookup_cancel(cc_lookup_t *l) {
  if (!l) return;
  l->done = NULL;
  /* A thread cannot be stopped inside getaddrinfo: on_wake frees its lookup once it ends. */
  if (l->fd < 0) return;
  lookup_unlink(l);
  lookup_free(l);
}

/* ---- the accept-spoofed defect ---- */

/* The first IPv4 nameserver of /etc/resolv.conf, or "". */
static void first_nameserver(char ns[INET6_ADDRSTRLEN]) {
  char line[256];
  FILE *rf = fopen("/etc/resolv.conf", "re");
  ns[0] = 0;
  while (rf && fgets(line, sizeof line, rf) && !ns[0]) sscanf(line, "nameserver %45s", ns);
  if (rf) fclose(rf);
}

/* A non-blocking UDP socket that has sent an A query for name; -1 on failure. */
static int naive_send(const char *name) {
  char ns[INET6_ADDRSTRLEN];
  ldns_pkt *q = NULL;
  uint8_t *wire = NULL;
  size_t len = 0;
  int fd = -1, ok = 0;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
  first_nameserver(ns);
  if (!ns[0] || inet_pton(AF_INET, ns, &sa.sin_addr) != 1 ||
      ldns_pkt_query_new_frm_str(&q, name, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK ||
      ldns_pkt2wire(&wire, q, &len) != LDNS_STATUS_OK ||
      (fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
    goto out;
  ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && send(fd, wire, len, 0) == (ssize_t)len;
out:
  if (!ok && fd >= 0) close(fd);
  free(wire);
  ldns_pkt_free(q);
  return ok ? fd : -1;
}

/* The A records of a datagram, checked for nothing: that is the defect. */
static int naive_parse(const uint8_t *buf, size_t len, char (*out)[INET6_ADDRSTRLEN], int max) {
  ldns_pkt *a = NULL;
  int n = 0;
  if (ldns_wire2pkt(&a, buf, len) != LDNS_STATUS_OK) return -1;
  ldns_rr_list *ans = ldns_pkt_answer(a);
  for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans) && n < max; i++) {
    ldns_rr *rr = ldns_rr_list_rr(ans, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_A || ldns_rr_rd_count(rr) < 1) continue;
    char *txt = ldns_rdf2str(ldns_rr_rdf(rr, 0));
    if (txt) snprintf(out[n++], INET6_ADDRSTRLEN, "%s", txt);
    free(txt);
  }
  ldns_pkt_free(a);
  return n;
}

static void on_naive(evutil_socket_t fd, short what, void *arg) {
  cc_lookup_t *l = arg;
  char addrs[CC_MAX_ADDRS][INET6_ADDRSTRLEN];
  uint8_t buf[4096];
  int n = -1;
  ssize_t got = (what & EV_READ) ? recv(fd, buf, sizeof buf, 0) : -1;
  if (got > 0) n = naive_parse(buf, (size_t)got, addrs, CC_MAX_ADDRS);
  lookup_finish(l, n, addrs);
}

cc_lookup_t *cc_resolve_naive(cc_resolver_t *r, const char *name, cc_resolved_fn done, void *arg) {
  cc_lookup_t *l = lookup_new(r, name, done, arg);
  struct timeval wait = {NAIVE_WAIT_S, 0};
  if (!l || (l->fd = naive_send(name)) < 0 || !(l->ev = event_new(r->base, l->fd, EV_READ, on_naive, l)) ||
      event_add(l->ev, &wait) < 0) {
    if (l) lookup_free(l);
    return NULL;
  }
  lookup_link(l);
  return l;
}
