#include "harness/catalogue.h"

#include <stdio.h>
#include <string.h>

#define DNS_TARGETS "dns,public-dns"
#define TLS_TARGETS "broker,se1,se2,ses,portal,cloud-sp,pcc1,pcc2,pccs,pse1,pse2,pses"
#define NET_TARGETS "internet,cloud,datacenter,broker,se1,se2,ses,portal,cloud-sp,pcc1,pcc2,pccs,pse1,pse2,pses,dns,public-dns,app1"
#define SVC_TARGETS "cloud,broker,se1,se2,ses,portal,cloud-sp,pcc1,pcc2,pccs,pse1,pse2,pses"

static const cat_param_t p_name[] = {{"name", CAT_STR, "query names it applies to (glob, default *)"}, {0}};
static const cat_param_t p_slow[] = {{"name", CAT_STR, "query names (glob)"}, {"delay", CAT_DUR, "added delay"}, {0}};
static const cat_param_t p_ttl[] = {{"name", CAT_STR, "query names (glob)"}, {"ttl", CAT_INT, "TTL in seconds"}, {0}};
static const cat_param_t p_wrong[] = {{"name", CAT_STR, "query names (glob)"},
                                      {"address", CAT_STR, "the address to answer with"}, {0}};
static const cat_param_t p_partial[] = {{"name", CAT_STR, "query names (glob)"},
                                        {"keep", CAT_INT, "how many addresses to keep (default 1)"}, {0}};
static const cat_param_t p_spoof[] = {{"name", CAT_STR, "query names (glob)"},
                                      {"mode", CAT_STR, "wrong-id or wrong-question"},
                                      {"address", CAT_STR, "the forged answer's address"}, {0}};
static const cat_param_t p_alert[] = {{"alert", CAT_STR, "handshake_failure, internal_error, access_denied, ..."}, {0}};
static const cat_param_t p_delay[] = {{"delay", CAT_DUR, "added delay"}, {0}};
static const cat_param_t p_loss[] = {{"percent", CAT_INT, "share of requests lost, 0-100 (seeded)"},
                                     {"name", CAT_STR, "for a DNS target: the query names it applies to (glob)"},
                                     {"first", CAT_INT, "for a DNS target: the first N matching queries are lost for certain"},
                                     {0}};
static const cat_param_t p_http[] = {{"status", CAT_INT, "HTTP status"}, {"body", CAT_STR, "response body"}, {0}};

const cat_action_t cat_actions[] = {
    {"dns.nxdomain", DNS_TARGETS, p_name, "answers NXDOMAIN", false},
    {"dns.servfail", DNS_TARGETS, p_name, "answers SERVFAIL", false},
    {"dns.refused", DNS_TARGETS, p_name, "answers REFUSED", false},
    {"dns.nodata", DNS_TARGETS, p_name, "answers NOERROR with no records", false},
    {"dns.drop", DNS_TARGETS, p_name, "does not answer (the client times out)", false},
    {"dns.truncate", DNS_TARGETS, p_name, "UDP answers carry the TC bit and no records; TCP works", false},
    {"dns.wrong-address", DNS_TARGETS, p_wrong, "answers with an address no PCC has", false},
    {"dns.partial", DNS_TARGETS, p_partial, "answers with only some of the addresses", false},
    {"dns.slow", DNS_TARGETS, p_slow, "answers late", false},
    {"dns.ttl", DNS_TARGETS, p_ttl, "answers with another TTL", false},
    {"dns.spoof", DNS_TARGETS, p_spoof, "a forged answer (libnet) races the real one", false},
    {"tls.untrusted-ca", TLS_TARGETS, NULL, "certificate from a CA the client does not trust", false},
    {"tls.expired", TLS_TARGETS, NULL, "expired certificate", false},
    {"tls.not-yet-valid", TLS_TARGETS, NULL, "certificate valid only from tomorrow", false},
    {"tls.wrong-name", TLS_TARGETS, NULL, "certificate for another name", false},
    {"tls.wrong-key", TLS_TARGETS, NULL, "chain with the BC SP CA's name but another key", false},
    {"tls.no-sni-match", TLS_TARGETS, NULL, "no certificate for the SNI: unrecognized_name alert", false},
    {"tls.alert", TLS_TARGETS, p_alert, "fatal alert on the ClientHello", false},
    {"tls.stall", TLS_TARGETS, NULL, "TCP accepted, no ServerHello ever", false},
    {"tls.close", TLS_TARGETS, NULL, "connection closed mid-handshake, without an alert", false},
    {"tls.old-version", TLS_TARGETS, NULL, "offers only TLS 1.0 and 1.1", false},
    {"net.link-down", "lan0,isp0,wan0", NULL, "a lab link goes down (the router's end)", false},
    {"net.blackhole", NET_TARGETS, NULL, "the router silently drops traffic to the target", false},
    {"net.unreachable", NET_TARGETS, NULL, "the router answers ICMP unreachable", false},
    {"net.reject", NET_TARGETS, NULL, "TCP connects get a RST (nftables on the router)", false},
    {"net.inject-rst", NET_TARGETS, NULL, "a forged RST (libnet) ends the client's live connection to the target", false},
    {"net.delay", NET_TARGETS, p_delay, "the target answers late", false},
    {"net.loss", NET_TARGETS, p_loss, "the target loses a share of requests (seeded)", false},
    {"svc.down", SVC_TARGETS, NULL, "the service is down: its port is closed", false},
    {"svc.http-error", SVC_TARGETS, p_http, "the service answers every request with an HTTP error", false},
    {"config.tampered", "config", NULL, "the BC config handed to a new client is edited after signing", true},
    {"config.wrong-signer", "config", NULL, "the BC config handed to a new client is signed by another key", true},
    {"probe.app", "app1", NULL, "runs the client profile's probe command inside the client host", false},
};
const int cat_n_actions = sizeof cat_actions / sizeof cat_actions[0];

const cat_action_t *cat_find(const char *name) {
  for (int i = 0; i < cat_n_actions; i++)
    if (strcmp(cat_actions[i].name, name) == 0) return &cat_actions[i];
  return NULL;
}

bool cat_target_allowed(const cat_action_t *a, const char *target) {
  char list[512], needle[96];
  snprintf(list, sizeof list, ",%s,", a->targets);
  snprintf(needle, sizeof needle, ",%s,", target);
  return strstr(list, needle) != NULL;
}

const cat_param_t *cat_param(const cat_action_t *a, const char *name) {
  for (const cat_param_t *p = a->params; p && p->name; p++)
    if (strcmp(p->name, name) == 0) return p;
  return NULL;
}

bool cat_switchable(const cat_action_t *a) { return !a->before_client && strcmp(a->name, "probe.app") != 0; }

const char *const *cat_names(void) {
  static const char *names[64];
  for (int i = 0; i < cat_n_actions && i < 64; i++) names[i] = cat_actions[i].name;
  return names;
}
