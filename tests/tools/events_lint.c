/* events_lint: holds every event of real runs to its declared schema
 * (harness/events.h): a known type, no undeclared field, no field of the
 * wrong type, no required field missing. It reads each events.jsonl below
 * the folders (or files) given, prints file:line: what is wrong for each
 * bad event, and exits 1 if there was one, 2 if it found no event at all
 * (a test that read nothing proves nothing).
 * Usage: events_lint DIR|FILE... */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/events.h"

typedef struct tally {
  long events, bad;
} tally_t;

static void lint_file(const char *path, tally_t *t) {
  FILE *f = fopen(path, "re");
  char *line = NULL, why[512];
  size_t cap = 0;
  int lineno = 0, bad_here = 0;
  if (!f) {
    fprintf(stderr, "%s: cannot read it\n", path);
    t->bad++;
    return;
  }
  while (getline(&line, &cap, f) > 0) {
    lineno++;
    cJSON *e = cJSON_Parse(line);
    t->events++;
    if (!e) snprintf(why, sizeof why, "not JSON");
    if (!e || !events_conforms(e, why, sizeof why)) {
      /* A producer's mistake repeats on every event it makes: the first few of a file say it. */
      if (++bad_here <= 5) printf("%s:%d: %s\n", path, lineno, why);
      t->bad++;
    }
    cJSON_Delete(e);
  }
  if (bad_here > 5) printf("%s: %d more\n", path, bad_here - 5);
  free(line);
  fclose(f);
}

static void walk(const char *path, tally_t *t) {
  struct stat st;
  if (stat(path, &st) < 0) {
    fprintf(stderr, "%s: no such file or folder\n", path);
    t->bad++;
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    lint_file(path, t);
    return;
  }
  DIR *d = opendir(path);
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char sub[4096];
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    struct stat s2;
    if (lstat(sub, &s2) < 0) continue;
    if (S_ISDIR(s2.st_mode)) walk(sub, t);
    else if (S_ISREG(s2.st_mode) && strcmp(e->d_name, "events.jsonl") == 0) lint_file(sub, t);
  }
  if (d) closedir(d);
}

int main(int argc, char **argv) {
  tally_t t = {0, 0};
  if (argc < 2) {
    fprintf(stderr, "usage: events_lint DIR|FILE...\n");
    return 2;
  }
  for (int i = 1; i < argc; i++) walk(argv[i], &t);
  printf("%ld events, %ld not as their schema says\n", t.events, t.bad);
  return t.bad ? 1 : t.events ? 0 : 2;
}
