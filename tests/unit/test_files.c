/* base/files: atomic writes leave the old file or the new one, reads are capped, tails read from the end. */
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

#include "base/files.h"

static char dir[64];

static int setup(void **state) {
  snprintf(dir, sizeof dir, "/tmp/test_files.XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

/* How many temporary files the test folder holds: any is one left behind. */
static int temporaries(void) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp.") != NULL;
  if (d) closedir(d);
  return n;
}

static void test_write_and_read(void **state) {
  char path[128];
  size_t len = 0;
  snprintf(path, sizeof path, "%s/a.json", dir);
  assert_int_equal(files_write_text(path, "old", 0600), 0);
  assert_int_equal(files_write_text(path, "new text", 0600), 0);
  char *text = files_read(path, 100, &len);
  assert_non_null(text);
  assert_string_equal(text, "new text");
  assert_int_equal(len, 8);
  free(text);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(temporaries(), 0);
}

static void test_dropped_write_keeps_the_old_file(void **state) {
  char path[128];
  snprintf(path, sizeof path, "%s/b.txt", dir);
  assert_int_equal(files_write_text(path, "whole", 0644), 0);
  files_atomic_t *a = files_atomic_new(path, 0644);
  assert_non_null(a);
  fputs("half", files_atomic_stream(a));
  files_atomic_free(a);
  char *text = files_read(path, 100, NULL);
  assert_string_equal(text, "whole");
  free(text);
  assert_int_equal(temporaries(), 0);
}

static void test_no_folder(void **state) {
  char path[128];
  snprintf(path, sizeof path, "%s/missing/c.txt", dir);
  assert_int_equal(files_write_text(path, "x", 0644), -1);
  assert_int_equal(errno, ENOENT);
  assert_null(files_read(path, 100, NULL));
}

static void test_read_cap(void **state) {
  char path[128];
  snprintf(path, sizeof path, "%s/d.txt", dir);
  assert_int_equal(files_write_text(path, "0123456789", 0644), 0);
  char *text = files_read(path, 10, NULL);
  assert_non_null(text); /* exactly the cap */
  free(text);
  errno = 0;
  assert_null(files_read(path, 9, NULL));
  assert_int_equal(errno, EFBIG);
  /* A file without a size is read as far as the cap, then refused. */
  errno = 0;
  assert_null(files_read("/dev/zero", 1000, NULL));
  assert_int_equal(errno, EFBIG);
}

static void test_json(void **state) {
  char path[128];
  snprintf(path, sizeof path, "%s/e.json", dir);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "n", 7);
  assert_int_equal(files_write_json(path, o, 0644), 0);
  cJSON_Delete(o);
  char *text = files_read(path, 100, NULL);
  assert_string_equal(text, "{\n\t\"n\":\t7\n}\n"); /* cJSON_Print and a final newline */
  free(text);
  cJSON *back = files_read_json(path);
  assert_int_equal(cJSON_GetObjectItem(back, "n")->valueint, 7);
  cJSON_Delete(back);
}

static void test_tail(void **state) {
  char path[128], out[8];
  snprintf(path, sizeof path, "%s/lab.log", dir);
  assert_int_equal(files_write_text(path, "first line\nlast one\n\n", 0644), 0);
  files_tail(path, out, sizeof out);
  assert_string_equal(out, "t one"); /* the last 7 bytes, then its final newlines dropped */
  assert_int_equal(files_write_text(path, "ok\n", 0644), 0);
  files_tail(path, out, sizeof out);
  assert_string_equal(out, "ok");
  snprintf(path, sizeof path, "%s/none.log", dir);
  files_tail(path, out, sizeof out);
  assert_string_equal(out, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_write_and_read), cmocka_unit_test(test_dropped_write_keeps_the_old_file),
      cmocka_unit_test(test_no_folder),      cmocka_unit_test(test_read_cap),
      cmocka_unit_test(test_json),           cmocka_unit_test(test_tail),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
