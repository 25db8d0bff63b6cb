/* The reference client's resolver never blocks its event loop.
 *
 * The nameserver here is a UDP socket on the same event loop as the lookup,
 * and it answers only from that loop. A resolver that blocked the loop would
 * keep the nameserver from ever answering: its lookup would end in the
 * resolver's own timeout, with no address. So the test needs no clock: the
 * address arrives only if the loop ran while the lookup was outstanding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <event2/event.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/client/resolve.h"

#define ANSWER_ADDR "198.18.0.77"

typedef struct fixture {
  struct event_base *base;
  int ns_fd;
  struct sockaddr_in ns;
  struct event *ns_ev;
  int queries;              /* seen by the nameserver */
  int queries_while_pending; /* of those, seen while the lookup was outstanding */
  bool done;
  int n;
  char first[INET6_ADDRSTRLEN];
} fixture_t;

/* The answer to one query: the address for A, no data for anything else. */
static void answer(fixture_t *f, const uint8_t *buf, size_t len, const struct sockaddr *peer, socklen_t plen) {
  ldns_pkt *q = NULL;
  uint8_t *wire = NULL;
  size_t wlen = 0;
  assert_int_equal(ldns_wire2pkt(&q, buf, len), LDNS_STATUS_OK);
  ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(q), 0);
  ldns_pkt_set_qr(q, true);
  ldns_pkt_set_ra(q, true);
  if (ldns_rr_get_type(question) == LDNS_RR_TYPE_A) {
    ldns_rr *rr = NULL;
    char *owner = ldns_rdf2str(ldns_rr_owner(question));
    char text[400];
    snprintf(text, sizeof text, "%s 60 IN A %s", owner, ANSWER_ADDR);
    free(owner);
    assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL), LDNS_STATUS_OK);
    ldns_pkt_push_rr(q, LDNS_SECTION_ANSWER, rr);
  }
  assert_int_equal(ldns_pkt2wire(&wire, q, &wlen), LDNS_STATUS_OK);
  assert_int_equal(sendto(f->ns_fd, wire, wlen, 0, peer, plen), (ssize_t)wlen);
  free(wire);
  ldns_pkt_free(q);
}

static void on_query(evutil_socket_t fd, short what, void *arg) {
  fixture_t *f = arg;
  uint8_t buf[1500];
  struct sockaddr_storage peer;
  socklen_t plen = sizeof peer;
  ssize_t got = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen);
  if (got <= 0) return;
  f->queries++;
  if (!f->done) f->queries_while_pending++;
  answer(f, buf, (size_t)got, (struct sockaddr *)&peer, plen);
}

static void on_resolved(void *arg, int n, char (*addrs)[INET6_ADDRSTRLEN]) {
  fixture_t *f = arg;
  f->done = true;
  f->n = n;
  if (n > 0) snprintf(f->first, sizeof f->first, "%s", addrs[0]);
  event_base_loopexit(f->base, NULL);
}

/* A nameserver on this loop, for the resolver's nameserver option (one try
 * of 1 s, no search list). */
static void use_nameserver(fixture_t *f) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  f->ns_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  assert_true(f->ns_fd >= 0);
  assert_int_equal(bind(f->ns_fd, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(getsockname(f->ns_fd, (struct sockaddr *)&sa, &len), 0);
  f->ns = sa;
  f->ns_ev = event_new(f->base, f->ns_fd, EV_READ | EV_PERSIST, on_query, f);
  assert_non_null(f->ns_ev);
  assert_int_equal(event_add(f->ns_ev, NULL), 0);
}

/* A loop, its nameserver, and a resolver that asks it. */
static cc_resolver_t *fixture_open(fixture_t *f) {
  f->base = event_base_new();
  assert_non_null(f->base);
  use_nameserver(f);
  cc_resolver_opts_t opts = {.nameserver = &f->ns};
  cc_resolver_t *r = cc_resolver_new(f->base, &opts);
  assert_non_null(r);
  return r;
}

static void fixture_close(fixture_t *f, cc_resolver_t *r) {
  cc_resolver_free(r);
  event_free(f->ns_ev);
  close(f->ns_fd);
  event_base_free(f->base);
}

static void test_lookup_leaves_the_loop_running(void **state) {
  fixture_t f = {0};
  cc_resolver_t *r = fixture_open(&f);
  assert_non_null(cc_resolve(r, "pcc.bcsim-unit.test.", on_resolved, &f));
  /* The lookup never calls back from inside cc_resolve. */
  assert_false(f.done);
  assert_int_equal(event_base_dispatch(f.base), 0);
  assert_true(f.done);
  assert_true(f.queries_while_pending >= 1);
  assert_int_equal(f.n, 1);
  assert_string_equal(f.first, ANSWER_ADDR);
  fixture_close(&f, r);
}

/* A cancelled lookup never calls back, and freeing the resolver with a lookup
 * glibc has started waits for it rather than leaving glibc a freed request. */
static void test_cancel_and_free(void **state) {
  fixture_t f = {0};
  cc_resolver_t *r = fixture_open(&f);
  cc_lookup_t *l = cc_resolve(r, "cancelled.bcsim-unit.test.", on_resolved, &f);
  assert_non_null(l);
  cc_lookup_cancel(l);
  assert_non_null(cc_resolve(r, "outstanding.bcsim-unit.test.", on_resolved, &f));
  fixture_close(&f, r);
  assert_false(f.done);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lookup_leaves_the_loop_running),
      cmocka_unit_test(test_cancel_and_free),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
