/* spawn: starts a client or probe process inside a lab host, powerless.
 *
 * The child enters the host's network namespace, then gives up every
 * capability before exec: no_new_privs, an empty bounding and ambient set,
 * and the "no root" securebits, locked. So although it runs as uid 0 of the
 * lab's user namespace, it cannot change routes, firewall rules or anything
 * else of the lab that judges it.
 *
 * It also gets a mount namespace of its own in which every file system is
 * read-only except its state dir (which is also its TMPDIR), and /run is an
 * empty tmpfs. Without that it would keep the invoking user's file
 * permissions on the host (root's, when bcsim runs as root): it could edit
 * the run's own evidence, or the host. /run goes because a socket on a
 * read-only mount still accepts connections (a container daemon's, say).
 *
 * And it inherits no descriptor but 0, 1 and 2: every other one the harness
 * holds (the capture, its packet socket, the services' log, the lab's
 * namespaces) is closed at exec, whoever opened it and however
 * (sandbox_close_inherited). */
#ifndef BC_SPAWN_H
#define BC_SPAWN_H
#include <stddef.h>
#include <sys/types.h>

#include "sim/lab/lab.h"

typedef struct spawn_opts {
  lab_t *lab;
  lab_host_t host;
  char *const *argv; /* argv[0] is looked up in PATH if it has no slash */
  const char *cwd;            /* also the one folder it may write (its state dir); NULL: no confinement */
  const char *resolv_conf;    /* the lab's resolv.conf, kept visible if /etc/resolv.conf points into /run */
  int stdout_fd, stderr_fd; /* -1: /dev/null */
} spawn_opts_t;

/* Returns the child's pid (leader of its own process group), or -1 with a
 * message in err; a command that cannot be executed is reported here, before
 * anything runs, so it is never mistaken for a client failure. */
pid_t spawn_in_host(const spawn_opts_t *o, char *err, size_t errlen);
/* The calling process takes the client's view of the file systems described
 * above (writable: its state dir; resolv_conf: the lab's; program: what it
 * will exec). Needs CAP_SYS_ADMIN in the lab; call before dropping it. 0 or -1. */
int spawn_confine_filesystem(const char *writable, const char *resolv_conf, const char *program);
/* The calling process drops every capability as described above. 0 or -1. */
int spawn_drop_privileges(void);
#endif
