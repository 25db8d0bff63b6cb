/* dns_cache: the site resolver's cache of forwarded answers, as a recursive
 * resolver keeps one.
 *
 * Pure: wire messages in, wire messages out, and the time passed in by the
 * caller (milliseconds on the world's clock), so tests drive it without a
 * network or a clock. Entries are keyed by the question (the name without
 * regard to case, the type and the class). Positive answers live for the
 * smallest TTL of their answer section; negative ones (NXDOMAIN, or NOERROR
 * with no answer) for the SOA's negative TTL (RFC 2308: the smaller of the
 * SOA record's TTL and its MINIMUM field), or DNS_CACHE_NEG_TTL_NO_SOA_S
 * when the answer carries no SOA. Only an answer that answers the query is
 * stored: same ID, the same one question, QR set, not truncated, NOERROR or
 * NXDOMAIN. When the cache is full, an expired entry makes room, else the
 * one used longest ago. */
#ifndef BC_DNS_CACHE_H
#define BC_DNS_CACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How many answers the site's resolver keeps at most. */
#define DNS_CACHE_MAX_ENTRIES 256
/* The negative TTL of a negative answer without an SOA: short, since the
 * upstream gave no bound of its own (seconds). */
#define DNS_CACHE_NEG_TTL_NO_SOA_S 5
/* No answer is kept longer than this, whatever its TTL (seconds; RFC 2308
 * suggests one to three hours for negative answers, unbound caps at a day). */
#define DNS_CACHE_MAX_TTL_S 86400
#define DNS_CACHE_MAX_NEG_TTL_S 3600

typedef struct dns_cache dns_cache_t;

/* An empty cache of at most max_entries answers (at least 1). NULL when out of memory. */
dns_cache_t *dns_cache_new(size_t max_entries);
void dns_cache_free(dns_cache_t *c);

/* Whether answer (wire) answers query (wire): QR set, the query's ID, and
 * exactly the query's one question (name without regard to case, type,
 * class). A forged answer with another ID or question does not. */
bool dns_cache_answers(const uint8_t *query, size_t qlen, const uint8_t *answer, size_t alen);

/* Keeps answer, the upstream's answer to query, from now_ms on. Returns 1
 * when kept (replacing an older answer to the same question), 0 when the
 * answer is not one to keep (see the top of this file, or a TTL of 0), -1
 * when out of memory. The cache copies what it keeps. */
int dns_cache_put(dns_cache_t *c, const uint8_t *query, size_t qlen, const uint8_t *answer, size_t alen,
                  int64_t now_ms);

/* The answer to query (wire) from the cache at now_ms. On a hit returns 1
 * and a malloc'd wire answer in *out (the caller frees it): the kept
 * answer with the query's ID and question (its case as the query has it),
 * every TTL decreased by the whole seconds since it was kept. 0 on a miss
 * (an expired entry is dropped), -1 when query is not a query or out of
 * memory; *out is then untouched. */
int dns_cache_get(dns_cache_t *c, const uint8_t *query, size_t qlen, int64_t now_ms, uint8_t **out, size_t *outlen);

/* The answer to query built from answer (both wire): answer's sections and
 * flags, with query's ID and question. What the resolver sends a client for
 * an answer it relays. 0, or -1 (not a query, not an answer, out of memory). */
int dns_cache_reply(const uint8_t *query, size_t qlen, const uint8_t *answer, size_t alen, uint8_t **out,
                    size_t *outlen);

/* Drops every entry whose name matches the glob (fnmatch, without regard
 * to case; "" or NULL: every entry). Returns how many were dropped. */
size_t dns_cache_flush(dns_cache_t *c, const char *name_glob);
/* How many entries the cache holds (expired ones included until looked up or evicted). */
size_t dns_cache_count(const dns_cache_t *c);
#endif
