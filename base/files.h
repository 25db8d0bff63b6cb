/* files: the ways bcsim reads and writes whole files, in one place.
 *
 * Every report, result, timeline and world file is written atomically: into
 * a temporary file beside it, flushed to the disk (fsync), then renamed over
 * it. A reader (a person, CI, bcsim itself reading a run back) therefore
 * sees the old file or the new one, never half of one, even when bcsim is
 * killed or the machine stops mid-write.
 *
 * Every input is read with a cap on its size, so a huge or endless file (a
 * crafted report, /dev/zero named as a scenario) costs an error, not the
 * machine's memory. The tail of a log is read from its end, whatever its
 * size. */
#ifndef BC_FILES_H
#define BC_FILES_H
#include <cjson/cJSON.h>
#include <stdio.h>
#include <sys/types.h>

/* The most bcsim reads of a file it parses whole: a scenario, a client or
 * vendor profile, docs/SPEC.md, a result, a report, a certificate. The
 * largest is the whole suite's report.json, about 400 KiB: this holds ten
 * times the suite, and no file a person writes comes near it. */
#define FILES_INPUT_MAX (4 << 20)

/* A file being written atomically (opaque). */
typedef struct files_atomic files_atomic_t;

/* Starts writing path atomically: what is written to files_atomic_stream()
 * goes to a temporary file beside path (the same folder, so the rename is
 * atomic), created close-on-exec with mode (less the umask). Returns a new
 * handle, or NULL with errno set; path is untouched until the commit. */
files_atomic_t *files_atomic_new(const char *path, mode_t mode);
/* The stream to write to; owned by the handle. */
FILE *files_atomic_stream(files_atomic_t *a);
/* Flushes the temporary file, syncs it to the disk and renames it over
 * path; then frees a. 0, or -1 with errno set (a write, the sync or the
 * rename failed): the temporary file is removed and path is untouched. */
int files_atomic_commit(files_atomic_t *a);
/* Drops what was written (the temporary file is removed) and frees a.
 * NULL does nothing. */
void files_atomic_free(files_atomic_t *a);

/* Writes len bytes of data to path atomically (files_atomic_new, commit). 0 or -1 with errno set. */
int files_write(const char *path, const void *data, size_t len, mode_t mode);
/* The same for a string. */
int files_write_text(const char *path, const char *text, mode_t mode);
/* The same for JSON: cJSON_Print's text and a final newline, as every JSON file bcsim writes. */
int files_write_json(const char *path, const cJSON *obj, mode_t mode);

/* The whole of path, at most max bytes, as a malloc'd buffer with a NUL
 * after the last byte (the caller frees it); its length into *len when len
 * is not NULL. NULL with errno set when it cannot be read, or EFBIG when it
 * holds more than max bytes. Pipes and other files without a size are read
 * as far as max too. */
char *files_read(const char *path, size_t max, size_t *len);
/* path parsed as JSON (at most FILES_INPUT_MAX bytes), or NULL when it cannot
 * be read or is not JSON. The caller frees it with cJSON_Delete. */
cJSON *files_read_json(const char *path);
/* The last outlen - 1 bytes of path (a log), without its final newlines,
 * into out; "" when it cannot be read. Reads from the end: the size of the
 * file does not matter. */
void files_tail(const char *path, char *out, size_t outlen);
#endif
