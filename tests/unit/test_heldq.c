/* The impairment engine's held packets: the order in which they leave. Times
 * are the test's, in microseconds: no queue, no clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/impair/heldq.h"

typedef struct owner {
  uint64_t passed;
} owner_t;

static uint64_t passed_of(const void *owner) { return ((const owner_t *)owner)->passed; }

/* Pops every packet due at now, of any owner, into ids; counts them as passed. */
static int drain(heldq_t *q, int64_t now, bool all, uint32_t *ids, int max) {
  heldq_pkt_t p;
  int n = 0;
  while (n < max && heldq_pop_due(q, NULL, now, all, passed_of, &p)) {
    ((owner_t *)p.owner)->passed++;
    ids[n++] = p.id;
  }
  return n;
}

/* Jitter clamped to the previous release makes ties; they leave in the order held,
 * though the swap-with-last removal moves them around in the queue. */
static void test_ties_keep_order(void **state) {
  owner_t o = {0};
  heldq_t *q = heldq_new(16);
  assert_non_null(q);
  const int64_t at[] = {100, 200, 200, 200, 200, 300, 300};
  for (uint32_t i = 0; i < 7; i++) assert_true(heldq_push(q, &o, i + 1, at[i], 0));
  uint32_t ids[8];
  assert_int_equal(drain(q, 150, false, ids, 8), 1);
  assert_int_equal(ids[0], 1);
  assert_int_equal(heldq_earliest(q), 200);
  assert_int_equal(drain(q, 1000, false, ids, 8), 6);
  for (int i = 0; i < 6; i++) assert_int_equal(ids[i], (uint32_t)i + 2);
  assert_int_equal(heldq_count(q), 0);
  assert_int_equal(heldq_earliest(q), INT64_MAX);
  heldq_free(q);
}

/* Earlier release times leave first, whatever the order they were held in. */
static void test_earliest_first(void **state) {
  owner_t o = {0};
  heldq_t *q = heldq_new(4);
  assert_true(heldq_push(q, &o, 1, 300, 0));
  assert_true(heldq_push(q, &o, 2, 100, 0));
  assert_true(heldq_push(q, &o, 3, 200, 0));
  uint32_t ids[4];
  assert_int_equal(drain(q, 0, true, ids, 4), 3); /* all: due or not */
  assert_int_equal(ids[0], 2);
  assert_int_equal(ids[1], 3);
  assert_int_equal(ids[2], 1);
  heldq_free(q);
}

/* A packet held back for reordering leaves once its owner passed enough,
 * before its time; another owner's packets do not count. */
static void test_after_and_owner(void **state) {
  owner_t a = {0}, b = {0};
  heldq_t *q = heldq_new(4);
  heldq_pkt_t p;
  assert_true(heldq_push(q, &a, 7, 5000, 2));
  assert_true(heldq_push(q, &b, 8, 10, 0));
  assert_false(heldq_pop_due(q, &a, 100, false, passed_of, &p)); /* b's packet is due, a's is not */
  b.passed = 5;
  assert_false(heldq_pop_due(q, &a, 100, false, passed_of, &p));
  a.passed = 2;
  assert_true(heldq_pop_due(q, &a, 100, false, passed_of, &p));
  assert_int_equal(p.id, 7);
  assert_true(heldq_pop_due(q, NULL, 100, false, passed_of, &p));
  assert_int_equal(p.id, 8);
  heldq_free(q);
}

/* A full queue holds nothing more, and says so. */
static void test_full(void **state) {
  owner_t o = {0};
  heldq_t *q = heldq_new(2);
  assert_true(heldq_push(q, &o, 1, 1, 0));
  assert_true(heldq_push(q, &o, 2, 1, 0));
  assert_false(heldq_push(q, &o, 3, 1, 0));
  assert_int_equal(heldq_count(q), 2);
  heldq_free(q);
  assert_null(heldq_new(0));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ties_keep_order),
      cmocka_unit_test(test_earliest_first),
      cmocka_unit_test(test_after_and_owner),
      cmocka_unit_test(test_full),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
