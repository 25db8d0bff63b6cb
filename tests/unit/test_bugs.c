/* The reference client's defects as named knobs (sim/client/bugs.h): the
 * table names every field once, --defect lists combine, unknown or empty
 * names are refused without touching what was on, and the shipped profile
 * that combines two defects turns both knobs on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "harness/profile.h"
#include "sim/client/bugs.h"

static int count_on(const cc_bugs_t *b) {
  char names[1024];
  return cc_bugs_names(b, names, sizeof names);
}

/* Each name turns on exactly one field, and no two names the same one: with
 * the build's check that the table has a row per field, every field has its
 * name. */
static void test_each_name_is_one_field(void **state) {
  const size_t n_fields = sizeof(cc_bugs_t) / sizeof(bool);
  bool seen[sizeof(cc_bugs_t)] = {0};
  size_t i = 0;
  char err[256];
  for (; cc_bug_at(i); i++) {
    cc_bugs_t b = {0};
    assert_int_equal(cc_bugs_enable(&b, cc_bug_at(i)->name, err, sizeof err), 0);
    const bool *field = (const bool *)&b;
    int on = 0;
    for (size_t f = 0; f < n_fields; f++) {
      if (!field[f]) continue;
      on++;
      assert_false(seen[f]);
      seen[f] = true;
    }
    assert_int_equal(on, 1);
    assert_true(strlen(cc_bug_at(i)->what) > 10);
  }
  assert_int_equal(i, n_fields);
}

static void test_lists_combine(void **state) {
  cc_bugs_t b = {0};
  char err[256], names[256];
  assert_int_equal(cc_bugs_enable(&b, "wrong-sni,old-tls", err, sizeof err), 0);
  assert_true(b.wrong_sni && b.old_tls);
  assert_int_equal(cc_bugs_enable(&b, "no-sni", err, sizeof err), 0); /* a second --defect adds */
  assert_true(b.wrong_sni && b.old_tls && b.no_sni);
  assert_int_equal(cc_bugs_names(&b, names, sizeof names), 3);
  assert_string_equal(names, "wrong-sni,no-sni,old-tls"); /* in the table's order */
  assert_int_equal(cc_bugs_names(&b, names, 12), 3);   /* whole names only when short of room */
  assert_string_equal(names, "wrong-sni");
  cc_bugs_t none = {0};
  assert_int_equal(cc_bugs_names(&none, names, sizeof names), 0);
  assert_string_equal(names, "");
}

static void test_unknown_and_empty_names_change_nothing(void **state) {
  cc_bugs_t b = {0};
  char err[256];
  b.tight_loop = true;
  const char *bad[] = {"wrong-sni,nosuch", "", "wrong-sni,", ",wrong-sni", "wrong-sni,,old-tls", "wrong_sni", "WRONG-SNI"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = 0;
    assert_int_equal(cc_bugs_enable(&b, bad[i], err, sizeof err), -1);
    assert_true(err[0] != 0);
    assert_int_equal(count_on(&b), 1);
    assert_true(b.tight_loop);
  }
  cc_bugs_enable(&b, "wrong-sni,nosuch", err, sizeof err);
  assert_string_equal(err, "unknown defect \"nosuch\"");
}

/* The profile that combines two defects: the command it runs, read as the
 * client reads --defect, turns both knobs on and no other. */
static void test_combined_profile_turns_both_on(void **state) {
  diag_t d;
  profile_t *p = profile_load(BCSIM_SOURCE_DIR "/fixtures/clients/combined-wrong-sni-old-tls.json", &d);
  if (!p) diag_print(&d, stderr);
  assert_non_null(p);
  cc_bugs_t b = {0};
  char err[256];
  int given = 0;
  for (int i = 0; i + 1 < p->argc; i++) {
    if (strcmp(p->argv[i], "--defect") != 0) continue;
    assert_int_equal(cc_bugs_enable(&b, p->argv[i + 1], err, sizeof err), 0);
    given++;
  }
  assert_int_equal(given, 1);
  assert_true(b.wrong_sni);
  assert_true(b.old_tls);
  assert_int_equal(count_on(&b), 2);
  assert_string_equal(p->argv[1], "run"); /* the reference's command, extended */
  profile_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_name_is_one_field),
      cmocka_unit_test(test_lists_combine),
      cmocka_unit_test(test_unknown_and_empty_names_change_nothing),
      cmocka_unit_test(test_combined_profile_turns_both_on),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
