/* clientlog: the client's stdout and stderr, into client.log, capped.
 *
 * The client writes into a pipe that the lab's loop reads, never into the
 * file itself: a client that writes gigabytes gets its first CLIENTLOG_CAP
 * bytes kept and the rest counted, the disk does not fill, and the report
 * says how much was cut. The pipe is drained until the end, so a client
 * that logs a lot is never blocked by the harness. */
#ifndef BC_CLIENTLOG_H
#define BC_CLIENTLOG_H
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#define CLIENTLOG_CAP (8u << 20)

typedef struct clientlog clientlog_t;

/* Creates path and a pipe; *client_fd is the end for the client's stdout and
 * stderr (the caller closes it once the client has it). NULL on failure. */
clientlog_t *clientlog_new(struct event_base *base, const char *path, int *client_fd);
/* Takes what is still in the pipe (without waiting for writers that are still
 * alive) and closes the file. */
void clientlog_finish(clientlog_t *l);
/* Bytes the client wrote in all, and bytes cut (read but not kept). */
uint64_t clientlog_total(const clientlog_t *l);
uint64_t clientlog_cut(const clientlog_t *l);
void clientlog_free(clientlog_t *l);
#endif
