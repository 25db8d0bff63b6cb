/* control: a running lab's door for a person, while a world is served
 * (`bcsim serve`) or a failed lab is kept (`bcsim run --keep`).
 *
 * The lab publishes <dir>/lab.json: its pid on the host and the descriptor
 * of its client host's network namespace, which is all `bcsim exec` needs
 * to enter the client host (see control_exec). It also listens on
 * <dir>/control.sock (mode 0600) for one-line JSON requests, answered with
 * one line:
 *
 *   {"fault": "net.blackhole", "target": "internet", "on": true, "params": {}}
 *   -> {"ok": true} | {"ok": false, "error": "..."}
 */
#ifndef BC_CONTROL_H
#define BC_CONTROL_H
#include <cjson/cJSON.h>
#include <event2/event.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct control control_t;

/* Switches a fault; 0, or -1 with err. */
typedef int (*control_fault_fn)(void *arg, const char *name, const char *target, const cJSON *params, bool on,
                                char *err, size_t errlen);

/* Lab side: publishes lab.json (host_pid, the netns descriptor, and the
 * fields of info: where the client's config, thumbprint and state dir are)
 * and listens in dir. NULL with err on failure. */
control_t *control_new(struct event_base *base, const char *dir, pid_t host_pid, int client_netns_fd,
                       const cJSON *info, control_fault_fn fault, void *arg, char *err, size_t errlen);
/* Stops listening and removes lab.json and the socket. */
void control_free(control_t *c);

/* The lab's pid on the host, read before the lab mounts its own /proc. 0 if unknown. */
pid_t control_host_pid(void);

/* Person side: sends one request to the lab in dir; returns the answer
 * (caller frees) or NULL with err. */
cJSON *control_request(const char *dir, const cJSON *request, char *err, size_t errlen);

/* Person side: runs argv inside the client host of the lab in dir, as the
 * client under test would run (no capabilities, the file systems read-only
 * but its state dir), with this process's terminal. The lab's info fields are in its environment as BCSIM_<FIELD>
 * (BCSIM_CONFIG, BCSIM_THUMBPRINT, ...). Returns its exit code, or -1 with err when the lab cannot be
 * entered. */
int control_exec(const char *dir, char *const *argv, char *err, size_t errlen);
#endif
