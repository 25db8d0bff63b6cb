/* capture: libpcap on one interface of a lab host, for the whole scenario.
 *
 * Every frame goes to a pcap file (what Wireshark and tshark open) and to a
 * callback on the world's loop, where the decoders turn it into events. */
#ifndef BC_CAPTURE_H
#define BC_CAPTURE_H
#include <event2/event.h>
#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/lab/lab.h"

typedef struct capture capture_t;
typedef void (*capture_fn)(void *arg, const struct pcap_pkthdr *h, const uint8_t *frame, int linktype);

/* Opens ifname inside host and writes to pcap_path; fn (may be NULL: the file only) gets every frame. NULL with err on failure. */
capture_t *capture_new(lab_t *lab, lab_host_t host, const char *ifname, const char *pcap_path,
                       struct event_base *base, capture_fn fn, void *arg, char *err, size_t errlen);
/* Reads what the kernel still holds, flushes and closes the file. */
void capture_free(capture_t *c);
/* Reads every frame the kernel holds now, up to a bound: 0 when nothing is
 * left (every frame captured until now has reached the callback), -1 when a
 * backlog remains (a flood) or reading failed. */
int capture_catch_up(capture_t *c);
/* Packets seen and packets the kernel dropped (buffer full). */
void capture_stats(capture_t *c, unsigned *seen, unsigned *dropped);
#endif
