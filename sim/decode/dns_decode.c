#include "sim/decode/dns_decode.h"

#include <ctype.h>
#include <ldns/ldns.h>
#include <string.h>

#include "base/rd.h"

static void rdf_to_name(const ldns_rdf *rdf, char *out, size_t outlen) {
  char *s = ldns_rdf2str(rdf);
  out[0] = 0;
  if (!s) return;
  size_t n = strlen(s);
  if (n > 1 && s[n - 1] == '.') s[--n] = 0;
  for (size_t i = 0; i < n; i++) s[i] = (char)tolower((unsigned char)s[i]);
  snprintf(out, outlen, "%s", s);
  free(s);
}

int dns_decode(const uint8_t *msg, size_t len, dns_view_t *out) {
  memset(out, 0, sizeof *out);
  ldns_pkt *pkt = NULL;
  int rc = -1;
  if (ldns_wire2pkt(&pkt, msg, len) != LDNS_STATUS_OK) goto out;
  ldns_rr_list *q = ldns_pkt_question(pkt);
  if (!q || ldns_rr_list_rr_count(q) < 1) goto out;
  ldns_rr *q0 = ldns_rr_list_rr(q, 0);
  rdf_to_name(ldns_rr_owner(q0), out->qname, sizeof out->qname);
  char *type = ldns_rr_type2str(ldns_rr_get_type(q0));
  snprintf(out->qtype, sizeof out->qtype, "%s", type ? type : "?");
  free(type);
  out->id = ldns_pkt_id(pkt);
  out->is_response = ldns_pkt_qr(pkt);
  out->truncated = ldns_pkt_tc(pkt);
  out->rcode = ldns_pkt_get_rcode(pkt);
  out->min_ttl = UINT32_MAX;
  ldns_rr_list *ans = ldns_pkt_answer(pkt);
  for (size_t i = 0; ans && i < ldns_rr_list_rr_count(ans); i++) {
    ldns_rr *rr = ldns_rr_list_rr(ans, i);
    ldns_rr_type t = ldns_rr_get_type(rr);
    if ((t != LDNS_RR_TYPE_A && t != LDNS_RR_TYPE_AAAA) || ldns_rr_rd_count(rr) < 1) continue;
    if (ldns_rr_ttl(rr) < out->min_ttl) out->min_ttl = ldns_rr_ttl(rr);
    if (out->n_addrs >= DNS_VIEW_MAX_ADDRS) continue;
    ldns_rdf *rdf = ldns_rr_rdf(rr, 0);
    int fam = t == LDNS_RR_TYPE_A ? AF_INET : AF_INET6;
    size_t want = fam == AF_INET ? 4 : 16;
    if (ldns_rdf_size(rdf) != want) continue;
    inet_ntop(fam, ldns_rdf_data(rdf), out->addrs[out->n_addrs], INET6_ADDRSTRLEN);
    out->n_addrs++;
  }
  if (out->min_ttl == UINT32_MAX) out->min_ttl = 0;
  rc = 0;
out:
  ldns_pkt_free(pkt);
  return rc;
}

int dns_decode_tcp(const uint8_t *seg, size_t len, dns_view_t *out) {
  rd_t r = rd_make(seg, len);
  uint16_t n = rd_u16(&r);
  const uint8_t *msg = rd_bytes(&r, n);
  if (!msg) return -1;
  return dns_decode(msg, n, out);
}

const char *dns_rcode_name(int rcode) {
  static const char *names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
  return rcode >= 0 && rcode < 6 ? names[rcode] : "OTHER";
}
