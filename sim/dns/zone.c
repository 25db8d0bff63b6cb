#include "sim/dns/zone.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#define ZONE_MAX 64

struct zone {
  uint32_t ttl;
  int n_origins, n_records;
  char origins[8][256];
  struct {
    char name[256];
    ldns_rr_type type;
    char addr[INET6_ADDRSTRLEN];
  } rec[ZONE_MAX];
};

static void canon(const char *in, char *out, size_t outlen) {
  snprintf(out, outlen, "%s", in);
  size_t n = strlen(out);
  if (n > 1 && out[n - 1] == '.') out[n - 1] = 0;
}

zone_t *zone_new(uint32_t ttl) {
  zone_t *z = calloc(1, sizeof *z);
  if (z) z->ttl = ttl;
  return z;
}

void zone_free(zone_t *z) { free(z); }

int zone_add_origin(zone_t *z, const char *origin) {
  if (z->n_origins >= 8) return -1;
  canon(origin, z->origins[z->n_origins++], 256);
  return 0;
}

int zone_add_addr(zone_t *z, const char *name, const char *addr) {
  unsigned char buf[16];
  if (z->n_records >= ZONE_MAX) return -1;
  ldns_rr_type type;
  if (inet_pton(AF_INET, addr, buf) == 1) type = LDNS_RR_TYPE_A;
  else if (inet_pton(AF_INET6, addr, buf) == 1) type = LDNS_RR_TYPE_AAAA;
  else return -1;
  canon(name, z->rec[z->n_records].name, 256);
  z->rec[z->n_records].type = type;
  snprintf(z->rec[z->n_records].addr, INET6_ADDRSTRLEN, "%s", addr);
  z->n_records++;
  return 0;
}

int zone_record(const zone_t *z, int i, const char **name, const char **addr) {
  if (i < 0 || i >= z->n_records) return -1;
  *name = z->rec[i].name;
  *addr = z->rec[i].addr;
  return 0;
}

static int in_origin(const zone_t *z, const char *name) {
  size_t n = strlen(name);
  for (int i = 0; i < z->n_origins; i++) {
    size_t o = strlen(z->origins[i]);
    if (n == o && strcasecmp(name, z->origins[i]) == 0) return 1;
    if (n > o && name[n - o - 1] == '.' && strcasecmp(name + n - o, z->origins[i]) == 0) return 1;
  }
  return 0;
}

int zone_is_authoritative(const zone_t *z, const char *qname) {
  char name[256];
  canon(qname, name, sizeof name);
  return in_origin(z, name);
}

int zone_peek(const uint8_t *query, size_t qlen, uint16_t *id, char *qname, size_t qname_len, char *qtype,
              size_t qtype_len) {
  ldns_pkt *q = NULL;
  char *name = NULL, *tname = NULL;
  int rc = -1;
  if (ldns_wire2pkt(&q, query, qlen) != LDNS_STATUS_OK || ldns_rr_list_rr_count(ldns_pkt_question(q)) != 1)
    goto out;
  name = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
  if (!name) goto out;
  canon(name, qname, qname_len);
  for (char *c = qname; *c; c++) *c = (char)tolower((unsigned char)*c);
  *id = ldns_pkt_id(q);
  tname = ldns_rr_type2str(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(q), 0)));
  snprintf(qtype, qtype_len, "%s", tname ? tname : "?");
  rc = 0;
out:
  free(tname);
  free(name);
  ldns_pkt_free(q);
  return rc;
}

/* The answer section of a with the policy's record changes applied. */
static ldns_rr_list *bent_answers(const ldns_pkt *a, ldns_rr_type qtype, const zone_policy_t *policy) {
  const ldns_rr_list *in = ldns_pkt_answer(a);
  ldns_rr_list *out = ldns_rr_list_new();
  int kept = 0;
  for (size_t i = 0; out && i < ldns_rr_list_rr_count(in); i++) {
    const ldns_rr *rr = ldns_rr_list_rr(in, i);
    ldns_rr_type t = ldns_rr_get_type(rr);
    bool addr = t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA;
    if (addr && t == qtype && policy->keep > 0 && kept >= policy->keep) continue;
    ldns_rr *copy = ldns_rr_clone(rr);
    if (!copy) goto fail;
    if (addr && policy->wrong_addr) {
      /* One forged A record in place of every real address. */
      ldns_rdf *data = kept == 0 && t == LDNS_RR_TYPE_A ? ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, policy->wrong_addr) : NULL;
      if (!data) {
        ldns_rr_free(copy);
        continue;
      }
      ldns_rdf_deep_free(ldns_rr_set_rdf(copy, data, 0));
    }
    if (policy->ttl_set) ldns_rr_set_ttl(copy, (uint32_t)policy->ttl);
    if (!ldns_rr_list_push_rr(out, copy)) {
      ldns_rr_free(copy);
      goto fail;
    }
    if (addr && t == qtype) kept++;
  }
  return out;
fail:
  ldns_rr_list_deep_free(out);
  return NULL;
}

/* Applies the policy's record changes (dns.partial, dns.wrong-address,
 * dns.ttl) to a's answer section in place: the one home of what they do, to
 * the zone's own answers and to relayed ones alike. The new count, or -1. */
static int bend_answers(ldns_pkt *a, ldns_rr_type qtype, const zone_policy_t *policy) {
  ldns_rr_list *answers = bent_answers(a, qtype, policy);
  if (!answers) return -1;
  ldns_rr_list_deep_free(ldns_pkt_answer(a));
  ldns_pkt_set_answer(a, answers);
  ldns_pkt_set_ancount(a, (uint16_t)ldns_rr_list_rr_count(answers));
  return (int)ldns_rr_list_rr_count(answers);
}

int zone_answer(const zone_t *z, const uint8_t *query, size_t qlen, const zone_policy_t *policy,
                uint8_t **out, size_t *outlen, zone_answer_info_t *info) {
  static const zone_policy_t honest = {0};
  if (!policy) policy = &honest;
  ldns_pkt *q = NULL, *a = NULL;
  char *qname_str = NULL;
  int rc = -1;
  memset(info, 0, sizeof *info);
  if (ldns_wire2pkt(&q, query, qlen) != LDNS_STATUS_OK) goto out;
  if (ldns_pkt_qr(q) || ldns_rr_list_rr_count(ldns_pkt_question(q)) != 1) goto out;
  ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
  ldns_rr_type qtype = ldns_rr_get_type(qrr);
  qname_str = ldns_rdf2str(ldns_rr_owner(qrr));
  if (!qname_str) goto out;
  canon(qname_str, info->qname, sizeof info->qname);
  char *tname = ldns_rr_type2str(qtype);
  snprintf(info->qtype, sizeof info->qtype, "%s", tname ? tname : "?");
  free(tname);
  info->id = ldns_pkt_id(q);

  a = ldns_pkt_new();
  if (!a) goto out;
  ldns_pkt_set_id(a, ldns_pkt_id(q));
  ldns_pkt_set_qr(a, true);
  ldns_pkt_set_rd(a, ldns_pkt_rd(q));
  ldns_pkt_set_ra(a, true);
  ldns_pkt_push_rr(a, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));

  int name_exists = 0;
  int bent = policy->rcode > 0 || policy->nodata || policy->truncate;
  for (int i = 0; i < z->n_records && !bent; i++) {
    if (strcasecmp(z->rec[i].name, info->qname) != 0) continue;
    name_exists = 1;
    if (z->rec[i].type != qtype) continue;
    /* ldns_rr_new_frm_type() would pre-allocate empty rdata slots; start bare. */
    ldns_rr *rr = ldns_rr_new();
    if (rr) ldns_rr_set_type(rr, z->rec[i].type);
    ldns_rdf *owner = ldns_rdf_clone(ldns_rr_owner(qrr));
    ldns_rdf *data = ldns_rdf_new_frm_str(
        z->rec[i].type == LDNS_RR_TYPE_A ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA, z->rec[i].addr);
    if (!rr || !owner || !data) {
      ldns_rr_free(rr);
      ldns_rdf_deep_free(owner);
      ldns_rdf_deep_free(data);
      goto out;
    }
    ldns_rr_set_owner(rr, owner);
    ldns_rr_set_ttl(rr, z->ttl);
    ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
    ldns_rr_push_rdf(rr, data);
    ldns_pkt_push_rr(a, LDNS_SECTION_ANSWER, rr);
  }
  if (!bent && (info->n_answers = bend_answers(a, qtype, policy)) < 0) goto out;
  if (bent) {
    info->rcode = policy->rcode > 0 ? policy->rcode : LDNS_RCODE_NOERROR;
    ldns_pkt_set_aa(a, true);
    if (policy->truncate) ldns_pkt_set_tc(a, true);
  } else if (name_exists) {
    info->rcode = LDNS_RCODE_NOERROR;
    ldns_pkt_set_aa(a, true);
  } else if (in_origin(z, info->qname)) {
    info->rcode = LDNS_RCODE_NXDOMAIN;
    ldns_pkt_set_aa(a, true);
  } else {
    info->rcode = LDNS_RCODE_REFUSED;
  }
  ldns_pkt_set_rcode(a, (uint8_t)info->rcode);
  if (ldns_pkt2wire(out, a, outlen) != LDNS_STATUS_OK) goto out;
  rc = 0;
out:
  free(qname_str);
  ldns_pkt_free(q);
  ldns_pkt_free(a);
  return rc;
}

int zone_bend(const uint8_t *answer, size_t alen, const zone_policy_t *policy, uint8_t **out, size_t *outlen,
              zone_answer_info_t *info) {
  static const zone_policy_t honest = {0};
  if (!policy) policy = &honest;
  ldns_pkt *a = NULL;
  char *qname_str = NULL, *tname = NULL;
  int rc = -1;
  memset(info, 0, sizeof *info);
  if (ldns_wire2pkt(&a, answer, alen) != LDNS_STATUS_OK) goto out;
  if (!ldns_pkt_qr(a) || ldns_rr_list_rr_count(ldns_pkt_question(a)) != 1) goto out;
  const ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(a), 0);
  qname_str = ldns_rdf2str(ldns_rr_owner(qrr));
  tname = ldns_rr_type2str(ldns_rr_get_type(qrr));
  if (!qname_str) goto out;
  canon(qname_str, info->qname, sizeof info->qname);
  snprintf(info->qtype, sizeof info->qtype, "%s", tname ? tname : "?");
  info->id = ldns_pkt_id(a);
  info->rcode = ldns_pkt_get_rcode(a);
  if ((info->n_answers = bend_answers(a, ldns_rr_get_type(qrr), policy)) < 0) goto out;
  if (ldns_pkt2wire(out, a, outlen) != LDNS_STATUS_OK) goto out;
  rc = 0;
out:
  free(tname);
  free(qname_str);
  ldns_pkt_free(a);
  return rc;
}
