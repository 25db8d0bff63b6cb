/* match: a check's "match" object, against the event schemas (events.h).
 *
 * A match object maps field names to match values. A match value is
 *   - a string (a shell glob), a number or a boolean: the field equals it;
 *   - a list of match values: any of them matches (alternatives);
 *   - {"not": VALUE}: VALUE does not match (an event without the field
 *     matches no value, so it matches every "not");
 *   - {"min": N, "max": M}: a range of an integer or number field (either
 *     end may be left out; both ends are inside).
 * DNS-name fields (qname, sni) compare case-insensitively with a trailing dot
 * ignored; other strings exactly. match_validate refuses an unknown field
 * (with a did-you-mean), a value of the wrong type and a malformed operator,
 * so a check can no longer be vacuous by a typo.
 *
 * Pure: no I/O. docs/scenario-format.md ("Matching") is the contract. */
#ifndef BC_MATCH_H
#define BC_MATCH_H
#include <cjson/cJSON.h>
#include <stdbool.h>

#include "harness/events.h"
#include "base/jsonv.h"

/* The operator keys of a match value object. No event field has one of these
 * names (a unit test holds the schema to it), so an object value is never a
 * field's value. */
extern const char *const match_operators[];
extern const int match_n_operators;

/* True if event has this type and every field of match matches. Fields the
 * schema does not know compare by the value's JSON type, strings exactly. */
bool match_event(const cJSON *event, const char *type, const cJSON *match);
/* A value for field name of event type that want matches, preferring real
 * (the field's value in a real event, may be NULL): for `bcsim mutate`,
 * which forges the event a forbid check must catch. Every candidate is
 * tried with the matcher itself, so the answer is right by construction.
 * A new value, or NULL if none was found. */
cJSON *match_example(const char *type, const char *name, const cJSON *want, const cJSON *real);
/* Checks the match object at path (jsonpos syntax) against s. Every problem
 * is reported through v (so with a list, all of them); false if any. */
bool match_validate(jsonv_t *v, const char *path, const ev_schema_t *s, const cJSON *match);
#endif
