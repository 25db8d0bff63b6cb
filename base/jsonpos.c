#include "base/jsonpos.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *s;
  size_t i;
} jp_t;

static void ws(jp_t *p) {
  while (p->s[p->i] && isspace((unsigned char)p->s[p->i])) p->i++;
}

static bool skip_string(jp_t *p) {
  if (p->s[p->i] != '"') return false;
  for (p->i++; p->s[p->i]; p->i++) {
    if (p->s[p->i] == '\\' && p->s[p->i + 1]) p->i++;
    else if (p->s[p->i] == '"') {
      p->i++;
      return true;
    }
  }
  return false;
}

static bool skip_value(jp_t *p, int depth) {
  ws(p);
  char c = p->s[p->i];
  if (depth > 64 || !c) return false;
  if (c == '"') return skip_string(p);
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    p->i++;
    for (;;) {
      ws(p);
      if (p->s[p->i] == close) {
        p->i++;
        return true;
      }
      if (c == '{') {
        if (!skip_string(p)) return false;
        ws(p);
        if (p->s[p->i] != ':') return false;
        p->i++;
      }
      if (!skip_value(p, depth + 1)) return false;
      ws(p);
      if (p->s[p->i] == ',') p->i++;
      else if (p->s[p->i] != close) return false;
    }
  }
  while (p->s[p->i] && !strchr(",]} \t\r\n", p->s[p->i])) p->i++;
  return true;
}

void jsonpos_linecol(const char *text, size_t offset, int *line, int *col) {
  int l = 1, c = 1;
  for (size_t i = 0; i < offset && text[i]; i++) {
    if (text[i] == '\n') {
      l++;
      c = 1;
    } else {
      c++;
    }
  }
  *line = l;
  *col = c;
}

/* Moves p to the value of member `key` in the object at p; false if absent. */
static bool enter_member(jp_t *p, const char *key, size_t keylen, size_t *key_at) {
  p->i++;
  for (;;) {
    ws(p);
    if (p->s[p->i] != '"') return false;
    size_t start = p->i;
    if (!skip_string(p)) return false;
    bool same = p->i - start - 2 == keylen && strncmp(p->s + start + 1, key, keylen) == 0;
    ws(p);
    if (p->s[p->i] != ':') return false;
    p->i++;
    ws(p);
    if (same) {
      *key_at = start;
      return true;
    }
    if (!skip_value(p, 0)) return false;
    ws(p);
    if (p->s[p->i] != ',') return false;
    p->i++;
  }
}

static bool enter_element(jp_t *p, long index) {
  p->i++;
  for (long k = 0;; k++) {
    ws(p);
    if (p->s[p->i] == ']') return false;
    if (k == index) return true;
    if (!skip_value(p, 0)) return false;
    ws(p);
    if (p->s[p->i] != ',') return false;
    p->i++;
  }
}

bool jsonpos_locate(const char *text, const char *path, bool at_key, int *line, int *col) {
  jp_t p = {text, 0};
  ws(&p);
  size_t found = p.i, key_at = p.i;
  bool ok = true;
  const char *seg = path;
  while (seg && *seg) {
    const char *slash = strchr(seg, '/');
    size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
    ws(&p);
    size_t container = p.i;
    bool entered = false;
    if (p.s[p.i] == '{') {
      entered = enter_member(&p, seg, n, &key_at);
    } else if (p.s[p.i] == '[' && n > 0 && isdigit((unsigned char)seg[0])) {
      entered = enter_element(&p, strtol(seg, NULL, 10));
      key_at = p.i;
    }
    if (!entered) {
      found = container;
      ok = false;
      break;
    }
    found = p.i;
    seg = slash ? slash + 1 : NULL;
  }
  if (ok && at_key) found = key_at;
  jsonpos_linecol(text, found, line, col);
  return ok;
}
