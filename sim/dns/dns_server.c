#include "sim/dns/dns_server.h"

#include "base/dur.h"
#include "base/rng.h"
#include "sim/dns/dns_cache.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <fnmatch.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DNS_TCP_MAX_CONNS 64
#define DNS_TCP_IDLE_S 5
#define DNS_MAX_FAULTS 16
#define DNS_MAX_PENDING 128
#define DNS_SPOOF_HEAD_START_MS 50

typedef struct tcp_conn {
  struct dns_server *s;
  struct bufferevent *bev; /* NULL once closed */
  int refs;
  char peer[INET6_ADDRSTRLEN];
} tcp_conn_t;

/* Where an answer goes: a UDP peer, or a TCP connection. */
typedef struct reply_to {
  int udp_fd; /* the socket the UDP query came in on: the answer leaves from the same address */
  struct sockaddr_storage addr;
  socklen_t alen;
  tcp_conn_t *conn; /* holds a reference */
  char peer[INET6_ADDRSTRLEN];
} reply_to_t;

typedef struct pending {
  bool used;
  uint16_t up_id, orig_id;
  reply_to_t to;
  uint8_t query[512];
  size_t qlen;
  struct event *timeout;
  struct dns_server *s;
} pending_t;

typedef struct delayed {
  struct dns_server *s;
  reply_to_t to;
  uint8_t *msg;
  size_t len;
  struct event *ev;
} delayed_t;

struct dns_server {
  struct event_base *base;
  const zone_t *zone;
  int udp_fd[DNS_SERVER_MAX_LISTENERS], up_fd, up_timeout_ms;
  struct event *udp_ev[DNS_SERVER_MAX_LISTENERS], *up_ev;
  struct evconnlistener *tcp[DNS_SERVER_MAX_LISTENERS];
  int n_listeners;
  int tcp_conns;
  dns_server_log_fn log;
  void *log_arg;
  dns_server_spoof_fn spoof;
  void *spoof_arg;
  dns_fault_spec_t faults[DNS_MAX_FAULTS];
  int n_faults;
  pending_t pending[DNS_MAX_PENDING];
  uint16_t next_up_id;
  uint64_t rng;
  dns_cache_t *cache; /* of forwarded answers; NULL without an upstream */
};

static void peer_name(const struct sockaddr *sa, char *out, size_t len) {
  out[0] = 0;
  if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
  else if (sa->sa_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)len);
}

static void conn_unref(tcp_conn_t *c) {
  if (c && --c->refs == 0) free(c);
}

static void send_now(dns_server_t *s, const reply_to_t *to, const uint8_t *msg, size_t len) {
  if (to->conn) {
    if (to->conn->bev && len <= 65535) {
      uint8_t pre[2] = {(uint8_t)(len >> 8), (uint8_t)len};
      bufferevent_write(to->conn->bev, pre, 2);
      bufferevent_write(to->conn->bev, msg, len);
    }
  } else {
    (void)sendto(to->udp_fd, msg, len, MSG_DONTWAIT, (const struct sockaddr *)&to->addr, to->alen);
  }
}

static void on_delayed(evutil_socket_t fd, short what, void *arg) {
  delayed_t *d = arg;
  send_now(d->s, &d->to, d->msg, d->len);
  conn_unref(d->to.conn);
  event_free(d->ev);
  free(d->msg);
  free(d);
}

/* Takes ownership of msg; keeps the connection alive until it is sent. */
static void send_later(dns_server_t *s, const reply_to_t *to, uint8_t *msg, size_t len, int64_t delay_ms) {
  delayed_t *d = calloc(1, sizeof *d);
  if (!d) {
    free(msg);
    return;
  }
  d->s = s;
  d->to = *to;
  if (d->to.conn) d->to.conn->refs++;
  d->msg = msg;
  d->len = len;
  d->ev = evtimer_new(s->base, on_delayed, d);
  struct timeval tv = {(time_t)(delay_ms / 1000), (suseconds_t)(delay_ms % 1000) * 1000};
  evtimer_add(d->ev, &tv);
}

static const dns_fault_spec_t *find_fault(const dns_server_t *s, const char *kind, const char *qname) {
  for (int i = 0; i < s->n_faults; i++) {
    const dns_fault_spec_t *f = &s->faults[i];
    if (strcmp(f->kind, kind) == 0 && (!f->name[0] || fnmatch(f->name, qname, FNM_CASEFOLD) == 0)) return f;
  }
  return NULL;
}

static void log_query(dns_server_t *s, const uint8_t *q, size_t n, const reply_to_t *to, const char *action,
                      const zone_answer_info_t *known) {
  zone_answer_info_t info;
  if (known) info = *known;
  else {
    memset(&info, 0, sizeof info);
    if (zone_peek(q, n, &info.id, info.qname, sizeof info.qname, info.qtype, sizeof info.qtype) < 0)
      snprintf(info.qtype, sizeof info.qtype, "-"); /* not a query at all */
  }
  if (s->log) s->log(s->log_arg, &info, to->conn ? "tcp" : "udp", to->peer, action);
}

static void forward(dns_server_t *s, const uint8_t *q, size_t n, const reply_to_t *to, uint16_t id);

/* Whether the cache may be read and filled for qname: there is one, and dns.no-cache is not on for the name. */
static bool cache_on(const dns_server_t *s, const char *qname) {
  return s->cache && !find_fault(s, "no-cache", qname);
}

/* The faults that bend an answer's records (dns.wrong-address, dns.partial, dns.ttl). */
static void record_policy(const dns_server_t *s, const char *qname, zone_policy_t *pol) {
  const dns_fault_spec_t *f;
  if ((f = find_fault(s, "wrong-address", qname))) pol->wrong_addr = f->address;
  if ((f = find_fault(s, "partial", qname))) pol->keep = f->keep > 0 ? f->keep : 1;
  if ((f = find_fault(s, "ttl", qname))) {
    pol->ttl = f->ttl;
    pol->ttl_set = 1;
  }
}

/* Sends ans (owned) for query q: late under dns.slow, after a forgery under
 * dns.spoof. action is what to log; "answered" becomes "delayed" when late. */
static void deliver(dns_server_t *s, const uint8_t *q, size_t n, const reply_to_t *to, uint8_t *ans, size_t anslen,
                    const zone_answer_info_t *info, const char *action) {
  const dns_fault_spec_t *f;
  int64_t delay = 0;
  if ((f = find_fault(s, "slow", info->qname))) delay += f->delay_ms;
  const dns_fault_spec_t *spoof = find_fault(s, "spoof", info->qname);
  if (spoof && s->spoof && !to->conn) {
    uint16_t port = to->addr.ss_family == AF_INET ? ntohs(((const struct sockaddr_in *)&to->addr)->sin_port)
                                                 : ntohs(((const struct sockaddr_in6 *)&to->addr)->sin6_port);
    s->spoof(s->spoof_arg, spoof, to->peer, port, q, n);
    delay += DNS_SPOOF_HEAD_START_MS;
  }
  if (action) log_query(s, q, n, to, delay && strcmp(action, "answered") == 0 ? "delayed" : action, info);
  if (delay > 0) {
    send_later(s, to, ans, anslen, delay);
    return;
  }
  send_now(s, to, ans, anslen);
  free(ans);
}

/* Sends reply (owned; the client's ID and question already) with the record
 * faults applied: an answer from the cache or the upstream. */
static void deliver_relayed(dns_server_t *s, const uint8_t *q, size_t n, const reply_to_t *to, uint8_t *reply,
                            size_t rlen, const char *action) {
  zone_policy_t pol = {0};
  zone_answer_info_t info;
  uint8_t *bent = NULL;
  size_t blen = 0;
  char qname[256], qtype[16];
  uint16_t id;
  if (zone_peek(q, n, &id, qname, sizeof qname, qtype, sizeof qtype) == 0) record_policy(s, qname, &pol);
  if (zone_bend(reply, rlen, &pol, &bent, &blen, &info) == 0) deliver(s, q, n, to, bent, blen, &info, action);
  free(reply);
}

static void handle_query(dns_server_t *s, const uint8_t *q, size_t n, const reply_to_t *to) {
  char qname[256], qtype[16];
  uint16_t id;
  if (zone_peek(q, n, &id, qname, sizeof qname, qtype, sizeof qtype) < 0) {
    log_query(s, q, n, to, "malformed", NULL); /* said, and dropped: never amplify garbage */
    return;
  }
  /* A loss fault may lose its first queries for certain: the scenario's premise then holds for every seed. */
  dns_fault_spec_t *loss = (dns_fault_spec_t *)find_fault(s, "loss", qname);
  bool lost = loss && (loss->first > 0 ? (loss->first--, true) : (int)rng_below(&s->rng, 100) < loss->keep);
  if (find_fault(s, "drop", qname) || lost) {
    log_query(s, q, n, to, "dropped", NULL);
    return;
  }
  /* The faults decide before the cache does: a name the cache holds is bent the same. */
  zone_policy_t pol = {0};
  if (find_fault(s, "servfail", qname)) pol.rcode = LDNS_RCODE_SERVFAIL;
  else if (find_fault(s, "nxdomain", qname)) pol.rcode = LDNS_RCODE_NXDOMAIN;
  else if (find_fault(s, "refused", qname)) pol.rcode = LDNS_RCODE_REFUSED;
  else if (find_fault(s, "nodata", qname)) pol.nodata = 1;
  else if (!to->conn && find_fault(s, "truncate", qname)) pol.truncate = 1;
  record_policy(s, qname, &pol);
  bool bent = pol.rcode || pol.nodata || pol.truncate;
  if (!bent && s->up_fd >= 0 && !zone_is_authoritative(s->zone, qname)) {
    uint8_t *hit = NULL;
    size_t hitlen = 0;
    if (cache_on(s, qname) && dns_cache_get(s->cache, q, n, dur_now_us() / 1000, &hit, &hitlen) == 1) {
      deliver_relayed(s, q, n, to, hit, hitlen, "cached");
      return;
    }
    forward(s, q, n, to, id);
    return;
  }
  uint8_t *ans = NULL;
  size_t anslen = 0;
  zone_answer_info_t info;
  if (zone_answer(s->zone, q, n, &pol, &ans, &anslen, &info) < 0) return;
  deliver(s, q, n, to, ans, anslen, &info, "answered");
}

/* ---- forwarding to the upstream resolver ---- */

static void pending_free(pending_t *p) {
  conn_unref(p->to.conn);
  if (p->timeout) event_free(p->timeout);
  memset(p, 0, sizeof *p);
}

static void on_forward_timeout(evutil_socket_t fd, short what, void *arg) {
  pending_t *p = arg;
  dns_server_t *s = p->s;
  zone_policy_t pol = {.rcode = LDNS_RCODE_SERVFAIL};
  uint8_t *ans = NULL;
  size_t anslen = 0;
  zone_answer_info_t info;
  /* The upstream never answered: what a resolver cut off from the internet says. */
  if (zone_answer(s->zone, p->query, p->qlen, &pol, &ans, &anslen, &info) == 0) {
    log_query(s, p->query, p->qlen, &p->to, "timeout", &info);
    send_now(s, &p->to, ans, anslen);
  }
  free(ans);
  pending_free(p);
}

static void forward(dns_server_t *s, const uint8_t *q, size_t n, const reply_to_t *to, uint16_t id) {
  pending_t *p = NULL;
  for (int i = 0; i < DNS_MAX_PENDING && !p; i++)
    if (!s->pending[i].used) p = &s->pending[i];
  if (!p || n > sizeof p->query) {
    log_query(s, q, n, to, "dropped", NULL);
    return;
  }
  p->used = true;
  p->s = s;
  p->orig_id = id;
  p->up_id = ++s->next_up_id;
  p->to = *to;
  if (p->to.conn) p->to.conn->refs++;
  memcpy(p->query, q, n);
  p->qlen = n;
  uint8_t out[512];
  memcpy(out, q, n);
  out[0] = (uint8_t)(p->up_id >> 8);
  out[1] = (uint8_t)p->up_id;
  (void)send(s->up_fd, out, n, MSG_DONTWAIT);
  p->timeout = evtimer_new(s->base, on_forward_timeout, p);
  struct timeval tv = {s->up_timeout_ms / 1000, (s->up_timeout_ms % 1000) * 1000};
  evtimer_add(p->timeout, &tv);
  log_query(s, q, n, to, "forwarded", NULL);
}

/* The upstream's answer for p: kept when it answers the query as sent, then relayed. */
static void upstream_answer(dns_server_t *s, pending_t *p, const uint8_t *ans, size_t alen) {
  uint8_t sent[sizeof p->query], *reply = NULL;
  size_t rlen = 0;
  char qname[256], qtype[16];
  uint16_t id;
  memcpy(sent, p->query, p->qlen);
  sent[0] = (uint8_t)(p->up_id >> 8);
  sent[1] = (uint8_t)p->up_id;
  /* A forged or mismatched answer is not the answer: wait on for the real one, or the timeout. */
  if (!dns_cache_answers(sent, p->qlen, ans, alen)) return;
  if (zone_peek(p->query, p->qlen, &id, qname, sizeof qname, qtype, sizeof qtype) == 0 && cache_on(s, qname))
    (void)dns_cache_put(s->cache, sent, p->qlen, ans, alen, dur_now_us() / 1000);
  if (dns_cache_reply(p->query, p->qlen, ans, alen, &reply, &rlen) == 0)
    deliver_relayed(s, p->query, p->qlen, &p->to, reply, rlen, NULL);
  pending_free(p);
}

static void on_upstream(evutil_socket_t fd, short what, void *arg) {
  dns_server_t *s = arg;
  uint8_t buf[4096];
  for (int k = 0; k < 64; k++) {
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0) return;
    if (n < 12) continue;
    uint16_t id = (uint16_t)(buf[0] << 8 | buf[1]);
    for (int i = 0; i < DNS_MAX_PENDING; i++) {
      pending_t *p = &s->pending[i];
      if (!p->used || p->up_id != id) continue;
      upstream_answer(s, p, buf, (size_t)n);
      break;
    }
  }
}

int dns_server_set_upstream(dns_server_t *s, int upstream_fd, int timeout_ms) {
  /* Everything that can fail comes first: on failure the descriptor is still the caller's. */
  dns_cache_t *cache = dns_cache_new(DNS_CACHE_MAX_ENTRIES);
  struct event *ev = cache ? event_new(s->base, upstream_fd, EV_READ | EV_PERSIST, on_upstream, s) : NULL;
  if (!ev || event_add(ev, NULL) < 0) {
    if (ev) event_free(ev);
    dns_cache_free(cache);
    return -1;
  }
  evutil_make_socket_nonblocking(upstream_fd);
  s->up_fd = upstream_fd;
  s->up_timeout_ms = timeout_ms;
  s->up_ev = ev;
  s->cache = cache;
  return 0;
}

/* ---- sockets ---- */

static void on_udp(evutil_socket_t fd, short what, void *arg) {
  dns_server_t *s = arg;
  uint8_t buf[4096];
  /* Bounded per wakeup: a flooding client cannot starve the rest of the loop. */
  for (int i = 0; i < 64; i++) {
    reply_to_t to = {.udp_fd = fd, .alen = sizeof to.addr};
    ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&to.addr, &to.alen);
    if (n <= 0) return;
    peer_name((struct sockaddr *)&to.addr, to.peer, sizeof to.peer);
    handle_query(s, buf, (size_t)n, &to);
  }
}

static void tcp_close(tcp_conn_t *c) {
  c->s->tcp_conns--;
  bufferevent_free(c->bev);
  c->bev = NULL;
  conn_unref(c);
}

static void on_tcp_read(struct bufferevent *bev, void *arg) {
  tcp_conn_t *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  while (evbuffer_get_length(in) >= 2) {
    uint8_t lenbuf[2];
    evbuffer_copyout(in, lenbuf, 2);
    size_t need = (size_t)(lenbuf[0] << 8 | lenbuf[1]);
    if (evbuffer_get_length(in) < need + 2) return;
    uint8_t *msg = malloc(need ? need : 1);
    if (!msg) return;
    evbuffer_drain(in, 2);
    evbuffer_remove(in, msg, need);
    reply_to_t to = {.conn = c};
    snprintf(to.peer, sizeof to.peer, "%s", c->peer);
    handle_query(c->s, msg, need, &to);
    free(msg);
  }
}

static void on_tcp_event(struct bufferevent *bev, short what, void *arg) {
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) tcp_close(arg);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg) {
  dns_server_t *s = arg;
  if (s->tcp_conns >= DNS_TCP_MAX_CONNS) {
    close(fd);
    return;
  }
  tcp_conn_t *c = calloc(1, sizeof *c);
  struct bufferevent *bev = c ? bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE) : NULL;
  if (!bev) {
    free(c);
    close(fd);
    return;
  }
  c->s = s;
  c->bev = bev;
  c->refs = 1;
  peer_name(sa, c->peer, sizeof c->peer);
  s->tcp_conns++;
  struct timeval idle = {DNS_TCP_IDLE_S, 0};
  bufferevent_set_timeouts(bev, &idle, &idle);
  bufferevent_setcb(bev, on_tcp_read, NULL, on_tcp_event, c);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
}

int dns_server_listen(dns_server_t *s, int udp_fd, int tcp_fd) {
  int k = s->n_listeners;
  if (k >= DNS_SERVER_MAX_LISTENERS) goto fail;
  evutil_make_socket_nonblocking(udp_fd);
  s->udp_ev[k] = event_new(s->base, udp_fd, EV_READ | EV_PERSIST, on_udp, s);
  if (!s->udp_ev[k] || event_add(s->udp_ev[k], NULL) < 0) goto fail;
  s->tcp[k] = evconnlistener_new(s->base, on_accept, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 64, tcp_fd);
  if (!s->tcp[k]) goto fail;
  s->udp_fd[k] = udp_fd;
  s->n_listeners++;
  return 0;
fail:
  if (k < DNS_SERVER_MAX_LISTENERS && s->udp_ev[k]) event_free(s->udp_ev[k]);
  if (k < DNS_SERVER_MAX_LISTENERS) s->udp_ev[k] = NULL;
  close(udp_fd);
  close(tcp_fd);
  return -1;
}

dns_server_t *dns_server_new(struct event_base *base, const zone_t *zone, dns_server_log_fn log, void *log_arg) {
  dns_server_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->base = base;
  s->zone = zone;
  s->log = log;
  s->log_arg = log_arg;
  s->up_fd = -1;
  return s;
}

void dns_server_seed(dns_server_t *s, uint64_t seed) { s->rng = seed; }

void dns_server_set_spoofer(dns_server_t *s, dns_server_spoof_fn fn, void *arg) {
  s->spoof = fn;
  s->spoof_arg = arg;
}

int dns_server_fault(dns_server_t *s, const dns_fault_spec_t *f, bool on) {
  if (strcmp(f->kind, "flush") == 0) {
    /* A moment, not a state: the cache is emptied as the fault goes on, and fills again after. */
    if (on && s->cache) (void)dns_cache_flush(s->cache, f->name);
    return 0;
  }
  for (int i = 0; i < s->n_faults; i++) {
    if (strcmp(s->faults[i].kind, f->kind) == 0 && strcmp(s->faults[i].name, f->name) == 0) {
      if (on) {
        s->faults[i] = *f;
      } else {
        s->faults[i] = s->faults[--s->n_faults];
      }
      return 0;
    }
  }
  if (!on) return 0;
  if (s->n_faults >= DNS_MAX_FAULTS) return -1;
  s->faults[s->n_faults++] = *f;
  return 0;
}

void dns_server_free(dns_server_t *s) {
  if (!s) return;
  for (int i = 0; i < DNS_MAX_PENDING; i++)
    if (s->pending[i].used) pending_free(&s->pending[i]);
  for (int k = 0; k < s->n_listeners; k++) {
    event_free(s->udp_ev[k]);
    close(s->udp_fd[k]);
    evconnlistener_free(s->tcp[k]);
  }
  if (s->up_ev) event_free(s->up_ev);
  if (s->up_fd >= 0) close(s->up_fd);
  dns_cache_free(s->cache);
  free(s);
}
