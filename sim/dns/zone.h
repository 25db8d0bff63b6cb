/* zone: the names a lab DNS server is authoritative for, and how it answers.
 *
 * Pure: takes a query in wire format and returns the answer in wire format.
 * The server module does the sockets; tests drive this module directly. */
#ifndef BC_ZONE_H
#define BC_ZONE_H
#include <stddef.h>
#include <stdint.h>

typedef struct zone zone_t;

typedef struct zone_answer_info {
  char qname[256];
  char qtype[16];
  uint16_t id;
  int rcode;
  int n_answers;
} zone_answer_info_t;

/* Returns a new empty zone with the given TTL for every record, or NULL. */
zone_t *zone_new(uint32_t ttl);
void zone_free(zone_t *z);
/* The i-th record, in the order added: its name and its address (IPv4 or
 * IPv6 text), both owned by the zone. 0, or -1 past the last record. */
int zone_record(const zone_t *z, int i, const char **name, const char **addr);
/* Names under an origin that have no records get NXDOMAIN; names outside
 * every origin get REFUSED, as an authoritative-only server would answer. */
int zone_add_origin(zone_t *z, const char *origin);
/* addr is IPv4 or IPv6 text; the record type follows from it. 0 or -1. */
int zone_add_addr(zone_t *z, const char *name, const char *addr);
/* How to bend an answer: what DNS faults do. Zeroed (or NULL) is honest. */
typedef struct zone_policy {
  int rcode;               /* >0: answer with this rcode and no records */
  int nodata;              /* answer NOERROR with no records */
  int truncate;            /* set TC and drop the records (UDP only) */
  const char *wrong_addr;  /* answer A queries with this address, AAAA with none */
  int keep;                /* >0: keep only this many records */
  int ttl;                 /* >=0 with ttl_set: use this TTL */
  int ttl_set;
} zone_policy_t;

/* Whether qname lies under one of the zone's origins. */
int zone_is_authoritative(const zone_t *z, const char *qname);
/* Reads the id, question name and type of a query without answering it. 0 or -1. */
int zone_peek(const uint8_t *query, size_t qlen, uint16_t *id, char *qname, size_t qname_len, char *qtype,
              size_t qtype_len);

/* Builds the answer for one query. On success returns 0 and a malloc'd wire
 * message in *out (caller frees). Returns -1 for bytes that are not a query
 * (the server drops them: answering garbage would amplify it). */
int zone_answer(const zone_t *z, const uint8_t *query, size_t qlen, const zone_policy_t *policy,
                uint8_t **out, size_t *outlen, zone_answer_info_t *info);

/* Bends an answer that did not come from the zone (one the resolver relays
 * from upstream or from its cache) by the record parts of a policy:
 * wrong_addr (one A record with that address in place of the addresses; no
 * AAAA), keep and ttl, as zone_answer bends its own. The rcode, nodata and
 * truncate parts are not for this function: a resolver answers those itself
 * (zone_answer). On success returns 0, a malloc'd wire message in *out
 * (caller frees) and what it says in *info. -1 for bytes that are not an
 * answer with one question. */
int zone_bend(const uint8_t *answer, size_t alen, const zone_policy_t *policy, uint8_t **out, size_t *outlen,
              zone_answer_info_t *info);
#endif
