#include "reports/markup.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not valid. */
static int utf8_len(const unsigned char *s) {
  if (s[0] < 0x80) return 1;
  int n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
  if (n == 0 || (n == 2 && s[0] < 0xc2) || (n == 4 && s[0] > 0xf4)) return 0;
  uint32_t cp = s[0] & (0x7f >> n);
  for (int i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
    return 0;
  return n;
}

void markup_text(FILE *out, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (p && *p) {
    unsigned char c = *p;
    if (c == '&') fputs("&amp;", out);
    else if (c == '<') fputs("&lt;", out);
    else if (c == '>') fputs("&gt;", out);
    else if (c == '"') fputs("&quot;", out);
    else if (c == '\'') fputs("&#39;", out);
    else if (c == '\t' || c == '\n' || c == '\r') fputc(c, out);
    else if (c < 0x20 || c == 0x7f) fputc('?', out);
    else {
      int n = utf8_len(p);
      if (n == 0) {
        fputc('?', out);
        n = 1;
      } else {
        fwrite(p, 1, (size_t)n, out);
      }
      p += n;
      continue;
    }
    p++;
  }
}

void markup_printf(FILE *out, const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  markup_text(out, buf);
}
