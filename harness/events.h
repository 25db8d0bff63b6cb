/* events: the schema of every event on the timeline, in one table.
 *
 * Each event type declares its fields, their types, which of them are DNS
 * names (compared case-insensitively, a trailing dot ignored), the level a
 * client must speak for a check of it (scenario_check_level), and one line
 * of meaning. The scenario loader refuses match keys and values the schema
 * does not allow, the matcher (match.h) compares by it, `bcsim list
 * --events` prints it, and a test holds every event of real runs against it,
 * so a producer that emits an undeclared field fails the suite.
 *
 * Pure: no I/O. */
#ifndef BC_EVENTS_H
#define BC_EVENTS_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
  EV_STRING,    /* a string; match values are shell globs */
  EV_DNS_NAME,  /* a string that is a DNS name: globs, case-insensitive, a trailing dot ignored */
  EV_ADDRESS,   /* an IPv4 or IPv6 address as text; globs */
  EV_ADDRESSES, /* an array of addresses; a value matches when one element does */
  EV_INTEGER,   /* a whole number; match values are numbers or ranges */
  EV_NUMBER,    /* any number (a duration in ms with a fraction) */
  EV_BOOLEAN,   /* true or false */
  EV_OBJECT,    /* an object (a fault's params): shown, never matched */
} ev_ftype_t;

typedef struct ev_field {
  const char *name;
  ev_ftype_t type;
  bool optional; /* not on every event of its type */
  const char *doc;
} ev_field_t;

/* Field groups several types share (ev_schema_t.groups). */
#define EV_G_ENDPOINTS 1u /* src, src_name, src_role, sport, dst, dst_name, dst_role, dport */
#define EV_G_SERVICE 2u   /* service, service_role, peer, peer_name, peer_role */

typedef struct ev_schema {
  const char *type;
  const char *level; /* "network" or "session": what a client must speak to be judged by it */
  const char *from;  /* who emits it, as the event's "from" says it */
  const char *doc;   /* one line of meaning */
  unsigned groups;
  const ev_field_t *fields; /* its own fields, ended by a NULL name */
} ev_schema_t;

extern const ev_schema_t events_table[];
extern const int events_n;
/* Every event has these: t (seconds since the scenario started), from, type. */
extern const ev_field_t events_common[];

const ev_schema_t *events_find(const char *type);
/* The type names, for did-you-mean (diag_nearest); out has room for max. Returns how many. */
size_t events_names(const char **out, size_t max);
/* The field of s called name (its own, its groups' or a common one), or NULL. */
const ev_field_t *events_field(const ev_schema_t *s, const char *name);
/* Every field name of s (as events_field knows them) into out; returns how many. */
size_t events_field_names(const ev_schema_t *s, const char **out, size_t max);
/* Calls fn for each field of s in the order `list --events` shows them:
 * common, own, then the groups'. */
void events_each_field(const ev_schema_t *s, void (*fn)(const ev_field_t *f, void *arg), void *arg);
/* "string", "DNS name", "address", ... */
const char *events_type_name(ev_ftype_t t);
/* Whether v is a value of type t (integers: whole numbers within 2^53). */
bool events_value_is(const cJSON *v, ev_ftype_t t);
/* Whether an event object (with t, from and type) agrees with its schema:
 * a known type, no undeclared field, every field of its type, no required
 * field missing. false with why filled in. */
bool events_conforms(const cJSON *event, char *why, size_t len);
#endif
