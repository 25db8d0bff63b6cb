#include "base/strv.h"

#include <stdlib.h>
#include <string.h>

char *strv_expand(const char *in, strv_lookup_fn lookup, void *ctx, char *bad_name,
                  size_t bad_len) {
  size_t cap = strlen(in) + 64, len = 0;
  char *out = malloc(cap);
  char *result = NULL;
  if (!out) goto out;
  for (const char *p = in; *p;) {
    const char *piece = p;
    size_t piece_len = 1;
    if (p[0] == '$' && p[1] == '{') {
      const char *close = strchr(p + 2, '}');
      if (!close) goto bad;
      char name[128];
      size_t n = (size_t)(close - p - 2);
      if (n == 0 || n >= sizeof name) goto bad;
      memcpy(name, p + 2, n);
      name[n] = 0;
      piece = lookup(ctx, name);
      if (!piece) {
        if (bad_name && bad_len) {
          strncpy(bad_name, name, bad_len - 1);
          bad_name[bad_len - 1] = 0;
        }
        goto out;
      }
      piece_len = strlen(piece);
      p = close + 1;
    } else {
      p++;
    }
    if (len + piece_len + 1 > cap) {
      cap = (len + piece_len + 1) * 2;
      char *grown = realloc(out, cap);
      if (!grown) goto out;
      out = grown;
    }
    memcpy(out + len, piece, piece_len);
    len += piece_len;
  }
  out[len] = 0;
  result = out;
  out = NULL;
  goto out;
bad:
  if (bad_name && bad_len) {
    strncpy(bad_name, "(unterminated or empty ${...})", bad_len - 1);
    bad_name[bad_len - 1] = 0;
  }
out:
  free(out);
  return result;
}
