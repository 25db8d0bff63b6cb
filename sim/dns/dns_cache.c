#include "sim/dns/dns_cache.h"

#include <ctype.h>
#include <fnmatch.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

/* One kept answer. The key is its question: name (lower case, no final dot), type, class. */
typedef struct entry {
  bool used;
  char name[256];
  ldns_rr_type type;
  ldns_rr_class cls;
  ldns_pkt *answer; /* as the upstream gave it, owned */
  int64_t stored_ms, expires_ms;
  uint64_t last_use; /* the cache's use counter when last read or written: the eviction order */
} entry_t;

struct dns_cache {
  size_t max;
  uint64_t uses;
  entry_t *entries;
};

dns_cache_t *dns_cache_new(size_t max_entries) {
  dns_cache_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->max = max_entries ? max_entries : 1;
  c->entries = calloc(c->max, sizeof *c->entries);
  if (!c->entries) {
    free(c);
    return NULL;
  }
  return c;
}

static void entry_clear(entry_t *e) {
  ldns_pkt_free(e->answer);
  memset(e, 0, sizeof *e);
}

void dns_cache_free(dns_cache_t *c) {
  if (!c) return;
  for (size_t i = 0; i < c->max; i++) entry_clear(&c->entries[i]);
  free(c->entries);
  free(c);
}

/* The one question of p as a key: 0, or -1 when p has not exactly one. */
static int question_key(const ldns_pkt *p, char *name, size_t len, ldns_rr_type *type, ldns_rr_class *cls) {
  if (ldns_rr_list_rr_count(ldns_pkt_question(p)) != 1) return -1;
  const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
  char *text = ldns_rdf2str(ldns_rr_owner(q));
  if (!text) return -1;
  /* A name whose text does not fit (escaped bytes make it up to four times
   * its wire length) has no key: cut short, two names could share one. */
  int fits = snprintf(name, len, "%s", text) < (int)len;
  free(text);
  if (!fits) return -1;
  size_t n = strlen(name);
  if (n > 1 && name[n - 1] == '.') name[n - 1] = 0;
  for (char *ch = name; *ch; ch++) *ch = (char)tolower((unsigned char)*ch);
  *type = ldns_rr_get_type(q);
  *cls = ldns_rr_get_class(q);
  return 0;
}

static bool same_question(const ldns_pkt *a, const ldns_pkt *b) {
  char na[256], nb[256];
  ldns_rr_type ta, tb;
  ldns_rr_class ca, cb;
  return question_key(a, na, sizeof na, &ta, &ca) == 0 && question_key(b, nb, sizeof nb, &tb, &cb) == 0 &&
         strcmp(na, nb) == 0 && ta == tb && ca == cb;
}

static bool answers(const ldns_pkt *q, const ldns_pkt *a) {
  return !ldns_pkt_qr(q) && ldns_pkt_qr(a) && ldns_pkt_id(q) == ldns_pkt_id(a) && same_question(q, a);
}

bool dns_cache_answers(const uint8_t *query, size_t qlen, const uint8_t *answer, size_t alen) {
  ldns_pkt *q = NULL, *a = NULL;
  bool ok = ldns_wire2pkt(&q, query, qlen) == LDNS_STATUS_OK && ldns_wire2pkt(&a, answer, alen) == LDNS_STATUS_OK &&
            answers(q, a);
  ldns_pkt_free(q);
  ldns_pkt_free(a);
  return ok;
}

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* How long an answer may be kept, in seconds (0: not at all). */
static uint32_t keep_for_s(const ldns_pkt *a) {
  ldns_pkt_rcode rcode = ldns_pkt_get_rcode(a);
  const ldns_rr_list *an = ldns_pkt_answer(a);
  if (rcode == LDNS_RCODE_NOERROR && ldns_rr_list_rr_count(an) > 0) {
    uint32_t ttl = DNS_CACHE_MAX_TTL_S;
    for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) ttl = min_u32(ttl, ldns_rr_ttl(ldns_rr_list_rr(an, i)));
    return ttl;
  }
  if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) return 0;
  /* RFC 2308 section 5: the negative TTL is the smaller of the SOA's own TTL and its MINIMUM. */
  const ldns_rr_list *ns = ldns_pkt_authority(a);
  for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
    const ldns_rr *rr = ldns_rr_list_rr(ns, i);
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || ldns_rr_rd_count(rr) < 7) continue;
    uint32_t minimum = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
    return min_u32(min_u32(ldns_rr_ttl(rr), minimum), DNS_CACHE_MAX_NEG_TTL_S);
  }
  return DNS_CACHE_NEG_TTL_NO_SOA_S;
}

static entry_t *find(dns_cache_t *c, const char *name, ldns_rr_type type, ldns_rr_class cls) {
  for (size_t i = 0; i < c->max; i++) {
    entry_t *e = &c->entries[i];
    if (e->used && e->type == type && e->cls == cls && strcmp(e->name, name) == 0) return e;
  }
  return NULL;
}

/* Where a new answer goes: a free slot, else an expired one, else the one used longest ago. */
static entry_t *slot_for(dns_cache_t *c, int64_t now_ms) {
  entry_t *oldest = &c->entries[0];
  for (size_t i = 0; i < c->max; i++) {
    entry_t *e = &c->entries[i];
    if (!e->used || now_ms >= e->expires_ms) return e;
    if (e->last_use < oldest->last_use) oldest = e;
  }
  return oldest;
}

int dns_cache_put(dns_cache_t *c, const uint8_t *query, size_t qlen, const uint8_t *answer, size_t alen,
                  int64_t now_ms) {
  ldns_pkt *q = NULL, *a = NULL;
  char name[256];
  ldns_rr_type type;
  ldns_rr_class cls;
  int rc = 0;
  if (ldns_wire2pkt(&q, query, qlen) != LDNS_STATUS_OK || ldns_wire2pkt(&a, answer, alen) != LDNS_STATUS_OK) goto out;
  /* A truncated answer is not the whole answer; a forged one is not the answer at all. */
  if (!answers(q, a) || ldns_pkt_tc(a) || question_key(q, name, sizeof name, &type, &cls) < 0) goto out;
  uint32_t ttl = keep_for_s(a);
  if (ttl == 0) goto out;
  entry_t *e = find(c, name, type, cls);
  if (!e) e = slot_for(c, now_ms);
  entry_clear(e);
  e->used = true;
  snprintf(e->name, sizeof e->name, "%s", name);
  e->type = type;
  e->cls = cls;
  e->answer = a;
  a = NULL;
  e->stored_ms = now_ms;
  e->expires_ms = now_ms + (int64_t)ttl * 1000;
  e->last_use = ++c->uses;
  rc = 1;
out:
  ldns_pkt_free(q);
  ldns_pkt_free(a);
  return rc;
}

/* Every TTL of a section less by elapsed seconds (never below 0). */
static void age_section(ldns_rr_list *list, uint32_t elapsed_s) {
  for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
    ldns_rr *rr = ldns_rr_list_rr(list, i);
    uint32_t ttl = ldns_rr_ttl(rr);
    ldns_rr_set_ttl(rr, ttl > elapsed_s ? ttl - elapsed_s : 0);
  }
}

/* A copy of a with q's ID and question: what a resolver sends the client that asked q. */
static ldns_pkt *reply_for(const ldns_pkt *q, const ldns_pkt *a) {
  ldns_pkt *r = ldns_pkt_clone(a);
  ldns_rr_list *question = ldns_rr_list_clone(ldns_pkt_question(q));
  if (!r || !question) {
    ldns_pkt_free(r);
    ldns_rr_list_deep_free(question);
    return NULL;
  }
  ldns_rr_list_deep_free(ldns_pkt_question(r));
  ldns_pkt_set_question(r, question);
  ldns_pkt_set_qdcount(r, (uint16_t)ldns_rr_list_rr_count(question));
  ldns_pkt_set_id(r, ldns_pkt_id(q));
  ldns_pkt_set_rd(r, ldns_pkt_rd(q));
  ldns_pkt_set_ra(r, true);
  ldns_pkt_set_aa(r, false); /* the site's resolver is not the authority for what it relays */
  return r;
}

int dns_cache_reply(const uint8_t *query, size_t qlen, const uint8_t *answer, size_t alen, uint8_t **out,
                    size_t *outlen) {
  ldns_pkt *q = NULL, *a = NULL, *r = NULL;
  int rc = -1;
  if (ldns_wire2pkt(&q, query, qlen) != LDNS_STATUS_OK || ldns_wire2pkt(&a, answer, alen) != LDNS_STATUS_OK) goto out;
  if (ldns_pkt_qr(q) || !ldns_pkt_qr(a) || ldns_rr_list_rr_count(ldns_pkt_question(q)) != 1) goto out;
  r = reply_for(q, a);
  if (r && ldns_pkt2wire(out, r, outlen) == LDNS_STATUS_OK) rc = 0;
out:
  ldns_pkt_free(q);
  ldns_pkt_free(a);
  ldns_pkt_free(r);
  return rc;
}

int dns_cache_get(dns_cache_t *c, const uint8_t *query, size_t qlen, int64_t now_ms, uint8_t **out, size_t *outlen) {
  ldns_pkt *q = NULL, *r = NULL;
  char name[256];
  ldns_rr_type type;
  ldns_rr_class cls;
  int rc = -1;
  if (ldns_wire2pkt(&q, query, qlen) != LDNS_STATUS_OK || ldns_pkt_qr(q) ||
      question_key(q, name, sizeof name, &type, &cls) < 0)
    goto out;
  entry_t *e = find(c, name, type, cls);
  if (e && now_ms >= e->expires_ms) {
    entry_clear(e);
    e = NULL;
  }
  if (!e) {
    rc = 0;
    goto out;
  }
  r = reply_for(q, e->answer);
  if (!r) goto out;
  uint32_t elapsed_s = (uint32_t)((now_ms - e->stored_ms) / 1000);
  age_section(ldns_pkt_answer(r), elapsed_s);
  age_section(ldns_pkt_authority(r), elapsed_s);
  age_section(ldns_pkt_additional(r), elapsed_s);
  if (ldns_pkt2wire(out, r, outlen) != LDNS_STATUS_OK) goto out;
  e->last_use = ++c->uses;
  rc = 1;
out:
  ldns_pkt_free(q);
  ldns_pkt_free(r);
  return rc;
}

size_t dns_cache_flush(dns_cache_t *c, const char *name_glob) {
  size_t n = 0;
  for (size_t i = 0; i < c->max; i++) {
    entry_t *e = &c->entries[i];
    if (!e->used || (name_glob && name_glob[0] && fnmatch(name_glob, e->name, FNM_CASEFOLD) != 0)) continue;
    entry_clear(e);
    n++;
  }
  return n;
}

size_t dns_cache_count(const dns_cache_t *c) {
  size_t n = 0;
  for (size_t i = 0; i < c->max; i++) n += c->entries[i].used;
  return n;
}
