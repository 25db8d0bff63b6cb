/* jsonpos: where a value sits in JSON text, as line and column.
 *
 * cJSON keeps no source positions, so after a semantic error (unknown key,
 * wrong type) we walk the original text along the same path to point the
 * user at it. Paths are "/"-separated: "checks/2/within". A numeric segment
 * indexes an array. */
#ifndef BC_JSONPOS_H
#define BC_JSONPOS_H
#include <stdbool.h>
#include <stddef.h>

/* Finds the value at path (or its key, if at_key). Returns true and sets
 * line/col (1-based); on a path that does not exist, returns the position of
 * the deepest container that does. */
bool jsonpos_locate(const char *text, const char *path, bool at_key, int *line, int *col);
/* Line and column of a byte offset. */
void jsonpos_linecol(const char *text, size_t offset, int *line, int *col);
#endif
