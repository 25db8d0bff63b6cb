/* markup: safe text for XML and HTML reports.
 *
 * Report text carries what the client sent (an SNI, a DNS name, a log line),
 * so it is hostile input: it is escaped, control characters that XML 1.0
 * forbids are replaced, and invalid UTF-8 is replaced byte by byte, so a
 * client can never make junit.xml unparseable or inject markup into
 * report.html. */
#ifndef BC_MARKUP_H
#define BC_MARKUP_H
#include <stdio.h>

/* Writes s (NULL writes nothing), escaped for XML/HTML text and attribute values. */
void markup_text(FILE *out, const char *s);
/* markup_text of a printf-formatted string. */
void markup_printf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
