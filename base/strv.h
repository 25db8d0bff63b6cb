/* strv: ${name} variable expansion for scenario and profile strings.
 *
 * Lookup is by callback so the caller decides what a name means; an unknown
 * name is an error, never an empty string, because a silently empty SNI or
 * path makes a check that cannot fail. */
#ifndef BC_STRV_H
#define BC_STRV_H
#include <stddef.h>

typedef const char *(*strv_lookup_fn)(void *ctx, const char *name);

/* Returns a malloc'd expansion (caller frees), or NULL with the first unknown
 * name copied into bad_name (if given). */
char *strv_expand(const char *in, strv_lookup_fn lookup, void *ctx, char *bad_name,
                  size_t bad_len);
#endif
