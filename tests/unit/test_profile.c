/* Client profiles that extend another: the profile's keys replace the
 * base's, "timers" merge timer by timer, "args" are appended to the
 * command; a missing, looping or misplaced base is refused at the file,
 * line and column of its "extends"; a certificate hashes the bases; and
 * every shipped defect profile is the reference plus its --defect. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/artefacts.h"
#include "harness/profile.h"

/* Files for profile_parse_with, by path; NULL ends the list. */
typedef struct memfile {
  const char *path, *text;
} memfile_t;

static char *read_mem(void *ctx, const char *path) {
  for (const memfile_t *f = ctx; f->path; f++)
    if (strcmp(f->path, path) == 0) return strdup(f->text);
  errno = ENOENT;
  return NULL;
}

static const char base_text[] =
    "{\"name\": \"base\", \"description\": \"the base\",\n"
    " \"command\": [\"${bindir}/client\", \"--config\", \"${config}\"],\n"
    " \"probe\": [\"${bindir}/client\", \"probe\", \"${app}\"],\n"
    " \"timers\": {\"keepalive\": \"60s\", \"timeout\": \"10s\", \"retries\": 2, \"backoff\": \"1s\"}}\n";

static int64_t timer(const profile_t *p, const char *name) {
  for (int i = 0; i < p->n_timers; i++)
    if (strcmp(p->timers[i].name, name) == 0) return p->timers[i].value;
  return -1;
}

static profile_t *parse(const char *text, const memfile_t *files, diag_t *d) {
  memset(d, 0, sizeof *d);
  profile_t *p = profile_parse_with(text, "dir/child.json", read_mem, (void *)files, d);
  if (!p) diag_print(d, stderr);
  return p;
}

static void test_keys_replace_timers_merge_args_append(void **state) {
  const memfile_t files[] = {{"dir/base.json", base_text}, {NULL, NULL}};
  diag_t d;
  profile_t *p = parse("{\"extends\": \"base.json\", \"name\": \"child\", \"levels\": [\"network\"],\n"
                       " \"violates\": \"BC-TLS-02\", \"catch\": [\"cloud-down\"], \"timers\": {\"timeout\": \"5s\"},\n"
                       " \"args\": [\"--defect\", \"x\"]}",
                       files, &d);
  assert_non_null(p);
  assert_string_equal(p->name, "child");
  assert_string_equal(p->description, "the base");
  assert_string_equal(p->path, "dir/child.json");
  assert_string_equal(p->dir, "dir");
  assert_int_equal(p->argc, 5);
  assert_string_equal(p->argv[0], "${bindir}/client");
  assert_string_equal(p->argv[2], "${config}");
  assert_string_equal(p->argv[3], "--defect");
  assert_string_equal(p->argv[4], "x");
  assert_int_equal(p->probe_argc, 3);
  assert_int_equal(p->n_timers, 4);
  assert_int_equal(timer(p, "timeout"), 5000);
  assert_int_equal(timer(p, "keepalive"), 60000);
  assert_int_equal(timer(p, "retries"), 2);
  assert_false(p->speaks_session);
  assert_true(p->shows_on_wire);
  assert_string_equal(p->violates, "BC-TLS-02");
  assert_int_equal(p->n_catch, 1);
  assert_int_equal(p->n_bases, 1);
  assert_string_equal(p->bases[0], "dir/base.json");
  profile_free(p);
}

static void test_command_replaces_and_chains_add_up(void **state) {
  const memfile_t files[] = {
      {"dir/base.json", base_text},
      {"dir/mid.json", "{\"extends\": \"base.json\", \"name\": \"mid\", \"args\": [\"--a\"], \"shows_on\": \"session\"}"},
      {"dir/other.json", "{\"extends\": \"base.json\", \"name\": \"other\", \"command\": [\"own\"], \"args\": [\"--b\"]}"},
      {NULL, NULL}};
  diag_t d;
  profile_t *p = parse("{\"extends\": \"mid.json\", \"name\": \"child\", \"args\": [\"--b\"]}", files, &d);
  assert_non_null(p);
  assert_int_equal(p->argc, 5); /* the base's three, then mid's, then its own */
  assert_string_equal(p->argv[3], "--a");
  assert_string_equal(p->argv[4], "--b");
  assert_false(p->shows_on_wire);
  assert_int_equal(p->n_bases, 2);
  assert_string_equal(p->bases[0], "dir/mid.json");
  assert_string_equal(p->bases[1], "dir/base.json");
  profile_free(p);
  p = parse("{\"extends\": \"other.json\", \"name\": \"child\"}", files, &d);
  assert_non_null(p);
  assert_int_equal(p->argc, 2);
  assert_string_equal(p->argv[0], "own");
  assert_string_equal(p->argv[1], "--b");
  assert_int_equal(p->probe_argc, 3);
  profile_free(p);
}

/* text must be refused in file at line:col with a message containing msg. */
static void refused(const char *text, const memfile_t *files, const char *file, int line, int col, const char *msg) {
  diag_t d;
  memset(&d, 0, sizeof d);
  profile_t *p = profile_parse_with(text, "dir/child.json", read_mem, (void *)files, &d);
  if (p || strcmp(d.file, file) != 0 || d.line != line || d.col != col || !strstr(d.msg, msg)) {
    print_error("expected \"%s\" at %s:%d:%d, got %s:%d:%d: %s\n", msg, file, line, col, d.file, d.line, d.col, d.msg);
    fail();
  }
  assert_true(d.hint[0] != 0);
  profile_free(p);
}

static void test_bad_bases_are_refused_where_they_are_named(void **state) {
  const memfile_t files[] = {
      {"dir/base.json", base_text},
      {"dir/a.json", "{\"name\": \"a\",\n \"extends\": \"b.json\"}"},
      {"dir/b.json", "{\"name\": \"b\",\n \"extends\": \"./a.json\"}"},
      {"dir/broken.json", "{\"name\": \"broken\",\n \"command\": [\"x\", \"${nope}\"]}"},
      {NULL, NULL}};
  refused("{\"name\": \"c\",\n  \"extends\": \"nosuch.json\"}", files, "dir/child.json", 2, 14,
          "cannot read the base profile dir/nosuch.json");
  refused("{\"name\": \"c\", \"extends\": \"a.json\"}", files, "dir/b.json", 2, 13,
          "\"extends\" makes a loop: dir/child.json -> dir/a.json -> dir/b.json -> dir/a.json");
  refused("{\"name\": \"c\", \"extends\": \"child.json\"}", files, "dir/child.json", 1, 26, "makes a loop");
  refused("{\"name\": \"c\", \"extends\": \"../base.json\"}", files, "dir/child.json", 1, 26, "below this profile's folder");
  refused("{\"name\": \"c\", \"extends\": \"/etc/base.json\"}", files, "dir/child.json", 1, 26, "below this profile's folder");
  refused("{\"name\": \"c\", \"extends\": 7}", files, "dir/child.json", 1, 26, "below this profile's folder");
  refused("{\"name\": \"c\", \"extends\": \"broken.json\"}", files, "dir/broken.json", 2, 19,
          "unknown placeholder ${nope} (in a base of dir/child.json)");
  /* Every profile names itself: the base's name would be a second profile of that name. */
  refused("{\"extends\": \"base.json\"}", files, "dir/child.json", 1, 1, "\"name\"");
  refused("{\"extends\": \"base.json\", \"name\": \"c\",\n \"argz\": []}", files, "dir/child.json", 2, 2, "unknown key \"argz\"");
  refused("{\"extends\": \"base.json\", \"name\": \"c\",\n \"args\": [3]}", files, "dir/child.json", 2, 11,
          "bad command argument");
  refused("{\"extends\": \"base.json\", \"name\": \"c\",\n \"timers\": {\"timeout\": \"1s\", \"timeout\": \"2s\"}}", files,
          "dir/child.json", 2, 13, "timer \"timeout\" is given twice"); /* at its first */
  /* Without a base there is no command to add to. */
  refused("{\"name\": \"c\", \"args\": [\"--x\"]}", files, "dir/child.json", 1, 1, "\"command\" must be");
}

/* The shipped defect profiles are the reference's command plus --defect NAME,
 * with its probe and timers: what a 45-line copy of it used to say. */
static void test_shipped_defects_extend_reference(void **state) {
  diag_t d;
  profile_t *ref = profile_load(BCSIM_SOURCE_DIR "/fixtures/clients/reference.json", &d);
  assert_non_null(ref);
  DIR *dir = opendir(BCSIM_SOURCE_DIR "/fixtures/clients");
  assert_non_null(dir);
  int n = 0;
  for (struct dirent *e = readdir(dir); e; e = readdir(dir)) {
    size_t len = strlen(e->d_name);
    if (strncmp(e->d_name, "defect-", 7) != 0 || len < 12 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
    char path[1024], name[256];
    snprintf(path, sizeof path, "%s/fixtures/clients/%s", BCSIM_SOURCE_DIR, e->d_name);
    snprintf(name, sizeof name, "%.*s", (int)(len - 12), e->d_name + 7);
    profile_t *p = profile_load(path, &d);
    if (!p) diag_print(&d, stderr);
    assert_non_null(p);
    assert_int_equal(p->argc, ref->argc + 2);
    for (int i = 0; i < ref->argc; i++) assert_string_equal(p->argv[i], ref->argv[i]);
    assert_string_equal(p->argv[ref->argc], "--defect");
    assert_string_equal(p->argv[ref->argc + 1], name);
    assert_int_equal(p->probe_argc, ref->probe_argc);
    for (int i = 0; i < ref->probe_argc; i++) assert_string_equal(p->probe_argv[i], ref->probe_argv[i]);
    assert_int_equal(p->n_timers, ref->n_timers);
    for (int i = 0; i < ref->n_timers; i++) assert_int_equal(timer(p, ref->timers[i].name), ref->timers[i].value);
    assert_true(p->violates[0] != 0);
    assert_true(p->speaks_session);
    assert_int_equal(p->n_bases, 1);
    profile_free(p);
    n++;
  }
  closedir(dir);
  assert_true(n > 0);
  profile_free(ref);
}

static void write_file(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* A certificate hashes what the client ran with: a profile that declares its
 * artefacts still has its base among them, and the base's artefacts are
 * told at the base's own line. */
static void test_bases_are_artefacts(void **state) {
  char dir[] = "/tmp/test_profile.XXXXXX", sub[600], real[PATH_MAX];
  assert_non_null(mkdtemp(dir));
  snprintf(sub, sizeof sub, "%s/bin", dir);
  assert_int_equal(mkdir(sub, 0700), 0);
  write_file(dir, "bin/client", "#!/bin/sh\n");
  write_file(dir, "other.txt", "not an artefact\n");
  write_file(dir, "base.json", base_text);
  write_file(dir, "child.json", "{\"extends\": \"base.json\", \"name\": \"child\", \"artefacts\": [\"bin\"]}\n");
  write_file(dir, "grandchild.json", "{\"extends\": \"child.json\", \"name\": \"g\"}\n");
  write_file(dir, "nomatch.json", "{\"extends\": \"base.json\", \"name\": \"n\",\n \"artefacts\": [\"nosuch\"]}\n");
  write_file(dir, "user.json", "{\"extends\": \"nomatch.json\", \"name\": \"u\"}\n");
  char path[600];
  diag_t d;
  snprintf(path, sizeof path, "%s/grandchild.json", dir);
  profile_t *p = profile_load(path, &d);
  assert_non_null(p);
  artefacts_t *a = artefacts_new(p, NULL, 0, &d);
  assert_non_null(a);
  assert_int_equal(artefacts_count(a), 3); /* bin/client, child.json and base.json: not other.txt */
  snprintf(path, sizeof path, "%s/base.json", dir);
  assert_non_null(realpath(path, real));
  bool found = false;
  for (int i = 0; i < artefacts_count(a); i++) found = found || strcmp(artefacts_path(a, i), real) == 0;
  assert_true(found);
  artefacts_free(a);
  profile_free(p);
  snprintf(path, sizeof path, "%s/user.json", dir);
  p = profile_load(path, &d);
  assert_non_null(p);
  assert_null(artefacts_new(p, NULL, 0, &d));
  assert_true(strstr(d.file, "nomatch.json") != NULL);
  assert_int_equal(d.line, 2);
  profile_free(p);
  const char *names[] = {"bin/client", "bin", "other.txt", "base.json", "child.json", "grandchild.json", "nomatch.json",
                         "user.json"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    remove(path);
  }
  assert_int_equal(rmdir(dir), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keys_replace_timers_merge_args_append),
      cmocka_unit_test(test_command_replaces_and_chains_add_up),
      cmocka_unit_test(test_bad_bases_are_refused_where_they_are_named),
      cmocka_unit_test(test_shipped_defects_extend_reference),
      cmocka_unit_test(test_bases_are_artefacts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
