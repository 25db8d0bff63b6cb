/* dns_server: a lab DNS server on UDP and TCP port 53, answering from a zone.
 *
 * Runs on the world's libevent loop. Sockets are bound by the caller (inside
 * the right lab host); the server takes ownership of them. Every query is
 * reported through the log callback, which is how services' own view of the
 * client reaches the timeline. */
#ifndef BC_DNS_SERVER_H
#define BC_DNS_SERVER_H
#include <event2/event.h>

#include "sim/dns/zone.h"

typedef struct dns_server dns_server_t;
typedef void (*dns_server_log_fn)(void *arg, const zone_answer_info_t *info, const char *proto,
                                  const char *peer);

/* Takes ownership of udp_fd and tcp_fd (listening). zone is borrowed and must
 * outlive the server. Returns NULL on failure (the fds are then closed). */
dns_server_t *dns_server_new(struct event_base *base, const zone_t *zone, int udp_fd, int tcp_fd,
                             dns_server_log_fn log, void *log_arg);
void dns_server_free(dns_server_t *s);
#endif
