#include "sim/client/bugs.h"

#include <stdio.h>
#include <string.h>

/* The one table: a defect's name, its field, and what it does. */
static const struct bug_row {
  cc_bug_info_t info;
  size_t field; /* offsetof(cc_bugs_t, ...) */
} table[] = {
#define BUG(name, field, what) {{name, what}, offsetof(cc_bugs_t, field)}
    BUG("wrong-sni", wrong_sni, "sends SNI c2site.<bc_domain> although enrolled (c2 while new)"),
    BUG("no-sni", no_sni, "sends no SNI to PCCs and PSEs"),
    BUG("skip-verify", skip_verify, "accepts any certificate"),
    BUG("ignore-expiry", ignore_expiry, "ignores the certificate's validity period"),
    BUG("ignore-name", ignore_name, "ignores the certificate's name"),
    BUG("early-send", early_send, "sends its request to a PCC or PSE before checking the certificate"),
    BUG("old-tls", old_tls, "offers TLS 1.0 and 1.1"),
    BUG("no-stall-timeout", no_stall_timeout, "waits forever for a ServerHello"),
    BUG("first-pcc-only", first_pcc_only, "tries only the first PCC address"),
    BUG("no-tcp-fallback", no_tcp_fallback, "never retries a truncated DNS answer over TCP"),
    BUG("accept-spoofed", accept_spoofed, "takes the first DNS answer that arrives, matching or not"),
    BUG("ignore-ttl", ignore_ttl, "keeps PCC addresses forever, whatever their TTL"),
    BUG("eager-failover", eager_failover, "enters BC on the first lost keepalive"),
    BUG("never-failover", never_failover, "retries the cloud forever, never the PCC"),
    BUG("never-failback", never_failback, "ignores the PSE's exit signal"),
    BUG("tight-loop", tight_loop, "retries without any backoff"),
    BUG("unknown-server", unknown_server, "falls back to a built-in PCC address that DNS did not give"),
    BUG("no-pinning", no_pinning, "does not compare the config's signer with the thumbprint"),
    BUG("accept-tampered", accept_tampered, "does not verify the config's signature"),
    BUG("skip-cloud-sp", skip_cloud_sp, "a new user goes straight to the BC SP"),
    BUG("enroll-storm", enroll_storm, "retries a refused enrollment at once, at every PCC"),
    BUG("resolve-refused", resolve_refused, "refuses the config, but still looks up the PCC name it names"),
    BUG("wrong-pcc-name", wrong_pcc_name, "resolves the SNI name c2.<bc_domain> instead of the PCC DNS name"),
    BUG("skip-first-address", skip_first_address, "never tries the first PCC address (an off-by-one)"),
    BUG("dns-give-up", dns_give_up, "never retries a failed lookup of the PCC name"),
    BUG("trust-ca-name", trust_ca_name, "trusts any chain whose CA has the BC SP CA's name, whatever its key"),
    BUG("skip-same-se", skip_same_se, "after losing its tunnel goes to the next Service Edge at once"),
    BUG("fixed-ses", fixed_ses, "ignores the broker's Service Edges and tries se1 and se2 of the broker's domain"),
    BUG("ignore-redirect", ignore_redirect, "never follows the PCC's redirect to a PSE"),
    BUG("offline-gate", offline_gate, "enters BC only while public names resolve"),
    BUG("short-timeout", short_timeout, "gives up on any request after 300 ms, whatever the configured timeout"),
    BUG("public-dns-gate", public_dns_gate, "takes public DNS for the cloud: enters BC when public names stop resolving, not when the cloud fails"),
#undef BUG
};

#define N_BUGS (sizeof table / sizeof table[0])

/* Every field has its row: a field the table forgot could never be turned on. */
_Static_assert(N_BUGS * sizeof(bool) == sizeof(cc_bugs_t), "every field of cc_bugs_t needs its row in the table");

const cc_bug_info_t *cc_bug_at(size_t i) { return i < N_BUGS ? &table[i].info : NULL; }

static bool *field_of(cc_bugs_t *bugs, size_t i) { return (bool *)((char *)bugs + table[i].field); }

static bool is_on(const cc_bugs_t *bugs, size_t i) { return *(const bool *)((const char *)bugs + table[i].field); }

int cc_bugs_enable(cc_bugs_t *bugs, const char *list, char *err, size_t errlen) {
  cc_bugs_t next = *bugs; /* bugs changes only if every name is known */
  const char *name = list;
  for (;;) {
    size_t len = strcspn(name, ","), i = 0;
    while (i < N_BUGS && !(strlen(table[i].info.name) == len && strncmp(name, table[i].info.name, len) == 0)) i++;
    if (len == 0) {
      snprintf(err, errlen, "an empty defect name in \"%s\"", list);
      return -1;
    }
    if (i == N_BUGS) {
      snprintf(err, errlen, "unknown defect \"%.*s\"", (int)len, name);
      return -1;
    }
    *field_of(&next, i) = true;
    if (name[len] == 0) break;
    name += len + 1;
  }
  *bugs = next;
  return 0;
}

int cc_bugs_names(const cc_bugs_t *bugs, char *out, size_t outlen) {
  int n = 0;
  size_t used = 0;
  bool full = outlen == 0;
  if (outlen) out[0] = 0;
  for (size_t i = 0; i < N_BUGS; i++) {
    if (!is_on(bugs, i)) continue;
    size_t need = strlen(table[i].info.name) + (n ? 1 : 0);
    if (!full && used + need < outlen) { /* whole names only: a cut one would name another defect */
      snprintf(out + used, outlen - used, "%s%s", n ? "," : "", table[i].info.name);
      used += need;
    } else {
      full = true;
    }
    n++;
  }
  return n;
}
