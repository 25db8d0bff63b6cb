#include "harness/events.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Read from the producers: sim/decode/wire.c (the wire), sim/world/world.c,
 * sim/svc/services.c and sim/svc/tls_ep.c (the services), harness/runner.c
 * and the modules it lists (the harness). A field added there must be added here, or the
 * events_schema test fails on the next run of the suite. */

#define END {NULL, 0, false, NULL}

const ev_field_t events_common[] = {
    {"t", EV_NUMBER, false, "seconds since the scenario started (monotonic)"},
    {"from", EV_STRING, false, "who saw it: wire, a service's name, harness"},
    END,
};

static const ev_field_t endpoints[] = {
    {"src", EV_ADDRESS, false, "source address"},
    {"src_name", EV_STRING, false, "the party that owns the source (pcc1, se2, client, ...; unknown)"},
    {"src_role", EV_STRING, false, "its role (cloud, pcc, pse, app, resolver, public-dns, client, router; unknown)"},
    {"sport", EV_INTEGER, false, "source port (0 for ICMP)"},
    {"dst", EV_ADDRESS, false, "destination address"},
    {"dst_name", EV_STRING, false, "the party that owns the destination"},
    {"dst_role", EV_STRING, false, "its role"},
    {"dport", EV_INTEGER, false, "destination port (0 for ICMP)"},
    END,
};

static const ev_field_t service[] = {
    {"service", EV_STRING, false, "the service that saw it (a party: dns, pcc1, broker, app1, ...)"},
    {"service_role", EV_STRING, false, "the service's role"},
    {"peer", EV_ADDRESS, false, "the client's address as the service saw it"},
    {"peer_name", EV_STRING, false, "the party that owns the peer address (client; unknown)"},
    {"peer_role", EV_STRING, false, "its role"},
    END,
};

static const ev_field_t f_dns_query[] = {
    {"qname", EV_DNS_NAME, false, "the name asked, lower case"},
    {"qtype", EV_STRING, false, "A, AAAA, ..."},
    {"id", EV_INTEGER, false, "the DNS message id"},
    {"proto", EV_STRING, false, "udp or tcp"},
    END,
};

static const ev_field_t f_dns_answer[] = {
    {"qname", EV_DNS_NAME, false, "the name asked, lower case"},
    {"qtype", EV_STRING, false, "A, AAAA, ..."},
    {"id", EV_INTEGER, false, "the DNS message id"},
    {"proto", EV_STRING, false, "udp or tcp"},
    {"rcode", EV_STRING, false, "NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED or OTHER"},
    {"tc", EV_BOOLEAN, false, "the truncation bit"},
    {"addrs", EV_ADDRESSES, false, "the addresses answered"},
    {"ttl", EV_INTEGER, false, "the lowest TTL of the answer, seconds"},
    END,
};

static const ev_field_t f_retransmission[] = {
    {"what", EV_STRING, false, "syn or data"},
    {"length", EV_INTEGER, false, "payload bytes"},
    END,
};

static const ev_field_t f_ip_unknown[] = {
    {"proto", EV_STRING, false, "tcp, udp or icmp"},
    END,
};

static const ev_field_t f_client_hello[] = {
    {"sni", EV_DNS_NAME, false, "the server name asked for (\"\" without SNI)"},
    {"has_sni", EV_BOOLEAN, false, "whether it carried SNI"},
    {"max_version", EV_STRING, false, "highest version offered: \"1.0\" .. \"1.3\""},
    {"min_version", EV_STRING, false, "lowest version offered"},
    {"alpn", EV_STRING, false, "the ALPN protocols offered, comma-separated"},
    END,
};

static const ev_field_t f_server_hello[] = {
    {"version", EV_STRING, false, "the version the server chose"},
    {"sni", EV_DNS_NAME, false, "the SNI of the connection"},
    END,
};

static const ev_field_t f_app_data[] = {
    {"sni", EV_DNS_NAME, false, "the SNI of the connection"},
    {"version", EV_STRING, false, "the connection's version, or unknown"},
    {"length", EV_INTEGER, false, "the record's length"},
    END,
};

static const ev_field_t f_capture_start[] = {
    {"pcap_t0_us", EV_INTEGER, false, "t = 0 on the wall clock, microseconds, as the capture stamps packets"},
    END,
};

static const ev_field_t f_capture_dropped[] = {
    {"dropped", EV_INTEGER, false, "packets the kernel dropped"},
    END,
};

static const ev_field_t f_message[] = {
    {"message", EV_STRING, false, "what happened"},
    END,
};

static const ev_field_t f_svc_dns_query[] = {
    {"action", EV_STRING, false, "answered, delayed, cached, forwarded, dropped, timeout or malformed"},
    {"qname", EV_DNS_NAME, false, "the name asked"},
    {"qtype", EV_STRING, false, "A, AAAA, ..."},
    {"rcode", EV_INTEGER, false, "the answer's rcode, as a number (0 NOERROR, 3 NXDOMAIN, ...)"},
    {"answers", EV_INTEGER, false, "how many records it answered"},
    {"proto", EV_STRING, false, "udp or tcp"},
    END,
};

static const ev_field_t f_svc_dns_spoof[] = {
    {"mode", EV_STRING, false, "wrong-id or wrong-question"},
    {"address", EV_ADDRESS, false, "the forged address"},
    {"qname", EV_DNS_NAME, false, "the name of the query it raced"},
    END,
};

static const ev_field_t f_tls_handshake[] = {
    {"result", EV_STRING, false,
     "ok, client-alert, server-alert, closed-by-fault; garbage (no TLS handshake came of the bytes)"},
    {"sni", EV_DNS_NAME, false, "the SNI the client sent (\"\" without)"},
    {"has_sni", EV_BOOLEAN, true, "whether it sent SNI (not on garbage)"},
    {"version", EV_STRING, true, "the negotiated version, as OpenSSL names it: TLSv1.3 (not on garbage)"},
    {"alert", EV_STRING, true, "the alert sent or received, if any"},
    {"bytes", EV_INTEGER, true, "garbage: how many bytes it read"},
    {"why", EV_STRING, true, "garbage: why it is not a handshake"},
    END,
};

static const ev_field_t f_http_malformed[] = {
    {"result", EV_STRING, false, "no-request"},
    {"sni", EV_DNS_NAME, false, "the SNI of the connection"},
    {"bytes", EV_INTEGER, false, "how many bytes it read"},
    {"why", EV_STRING, false, "what was wrong"},
    END,
};

static const ev_field_t f_http_request[] = {
    {"method", EV_STRING, false, "GET or POST"},
    {"path", EV_STRING, false, "the request's path and query"},
    {"status", EV_INTEGER, false, "the HTTP status answered"},
    {"sni", EV_DNS_NAME, false, "the SNI of the connection"},
    {"action", EV_STRING, true,
     "what the service did: route, tunnel-open, keepalive, exit-signal, redirect, app-relay, tunnel-gone, "
     "bc-sp-login, cloud-sp-login, enroll, enroll-refused, enroll-wrong-sni, enroll-unauthenticated, "
     "portal-enroll, http-error, lost, unauthorized"},
    END,
};

static const ev_field_t f_probe_start[] = {
    {"step", EV_STRING, false, "the probe's timeline step"},
    {"app", EV_STRING, false, "the app probed"},
    END,
};

static const ev_field_t f_probe_result[] = {
    {"step", EV_STRING, false, "the probe's timeline step"},
    {"app", EV_STRING, false, "the app probed"},
    {"ok", EV_BOOLEAN, false, "the probe command exited 0 in time"},
    {"exit", EV_INTEGER, true, "its exit code (-1: killed)"},
    {"timed_out", EV_BOOLEAN, true, "it was killed at the probe timeout"},
    {"output", EV_STRING, false, "what it printed (or why it did not run)"},
    END,
};

static const ev_field_t f_probe_dns[] = {
    {"step", EV_STRING, false, "the probe's timeline step"},
    {"resolver", EV_STRING, false, "the resolver asked (a party)"},
    {"qname", EV_DNS_NAME, false, "the name asked"},
    {"rcode", EV_STRING, true, "the answer's RCODE (NOERROR, SERVFAIL, ...); absent when none came"},
    {"answers", EV_INTEGER, false, "A records in the answer"},
    {"timed_out", EV_BOOLEAN, false, "no answer came in time"},
    {"error", EV_STRING, true, "why the network refused the query at once (a route fault), when it did"},
    {"ok", EV_BOOLEAN, false, "NOERROR with at least one address"},
    END,
};

static const ev_field_t f_inject_rst[] = {
    {"src", EV_ADDRESS, false, "the forged RST's source (the server)"},
    {"dst", EV_ADDRESS, false, "its destination (the client)"},
    {"sport", EV_INTEGER, false, "source port"},
    {"dport", EV_INTEGER, false, "destination port"},
    {"target", EV_STRING, false, "the party whose connection was reset"},
    END,
};

static const ev_field_t f_inject_none[] = {
    {"target", EV_STRING, false, "the step's target"},
    {"message", EV_STRING, false, "why nothing was reset"},
    END,
};

static const ev_field_t f_fault[] = {
    {"step", EV_STRING, false, "the timeline step's id (or the name a person gave a fault)"},
    {"name", EV_STRING, false, "the action"},
    {"target", EV_STRING, false, "its target"},
    {"at_ms", EV_INTEGER, false, "when it was scheduled, ms (the same seed gives the same values)"},
    {"params", EV_OBJECT, true, "the action's parameters"},
    END,
};

static const ev_field_t f_client_start[] = {
    {"profile", EV_STRING, false, "the client profile's name"},
    {"pid", EV_INTEGER, false, "its process id (in the lab)"},
    END,
};

static const ev_field_t f_client_exit[] = {
    {"exit", EV_INTEGER, true, "its exit code, when it exited"},
    {"signal", EV_STRING, true, "the signal that ended it, when one did"},
    END,
};

static const ev_field_t f_client_kill[] = {
    {"reason", EV_STRING, false, "why it was killed"},
    END,
};

static const ev_field_t f_lab_ready[] = {
    {"setup_ms", EV_NUMBER, false, "how long building the lab took"},
    END,
};

static const ev_field_t f_decided[] = {
    {"horizon", EV_NUMBER, false, "seconds: no event after it can change a verdict (every event up to it was in)"},
    {"duration", EV_NUMBER, false, "the scenario's declared duration, seconds"},
    {"failed", EV_STRING, true, "bcsim selftest: the requirement whose check failed for good (the rest is not judged)"},
    END,
};

static const ev_field_t f_overhead[] = {
    {"spawn_ms", EV_NUMBER, false, "starting the lab's process"},
    {"lab_ms", EV_NUMBER, false, "building the lab's network"},
    {"pki_ms", EV_NUMBER, false, "making keys and signing certificates"},
    {"world_ms", EV_NUMBER, false, "the rest of the world: services, DNS, the client's files"},
    {"capture_ms", EV_NUMBER, false, "starting the capture and the wire decoder"},
    {"client_ms", EV_NUMBER, false, "spawning the client"},
    {"decode_ms", EV_NUMBER, false, "turning frames into events, during the run"},
    {"stop_ms", EV_NUMBER, false, "stopping the client and draining the capture"},
    {"checks_ms", EV_NUMBER, false, "judging (while running, whether the verdict is decided; then the verdict)"},
    {"outputs_ms", EV_NUMBER, false, "writing the outputs (0 here: this event is written with them)"},
    {"total_ms", EV_NUMBER, false, "the sum"},
    END,
};

static const ev_field_t f_none[] = {END};

const ev_schema_t events_table[] = {
    {"dns.query", "network", "wire", "a DNS query on the client's interface", EV_G_ENDPOINTS, f_dns_query},
    {"dns.answer", "network", "wire", "a DNS answer on the client's interface", EV_G_ENDPOINTS, f_dns_answer},
    {"tcp.connect", "network", "wire", "a client's SYN: a new connection attempt", EV_G_ENDPOINTS, f_none},
    {"tcp.reset", "network", "wire", "a RST, either way", EV_G_ENDPOINTS, f_none},
    {"tcp.retransmission", "network", "wire", "a SYN or segment sent again (TCP's own retry, not the client's)",
     EV_G_ENDPOINTS, f_retransmission},
    {"ip.unknown", "network", "wire",
     "the client sent to an address no party has and no DNS answer gave it (once per address)", EV_G_ENDPOINTS,
     f_ip_unknown},
    {"tls.client_hello", "network", "wire", "a ClientHello, from the reassembled stream: one per connection",
     EV_G_ENDPOINTS, f_client_hello},
    {"tls.server_hello", "network", "wire", "the server's ServerHello", EV_G_ENDPOINTS, f_server_hello},
    {"tls.app_data", "network", "wire", "the client's first application data on a connection", EV_G_ENDPOINTS,
     f_app_data},
    {"svc.dns.query", "network", "a DNS server", "a query the corporate or public resolver handled", EV_G_SERVICE,
     f_svc_dns_query},
    {"svc.dns.spoof", "network", "dns", "a forged answer the dns.spoof fault sent", EV_G_SERVICE, f_svc_dns_spoof},
    {"svc.tls.handshake", "network", "a TLS service", "a TLS handshake a service saw end", EV_G_SERVICE,
     f_tls_handshake},
    {"svc.http.malformed", "network", "a TLS service", "a connection that shook hands, sent data, but no request",
     EV_G_SERVICE, f_http_malformed},
    {"svc.http.request", "session", "an HTTPS service", "a request of bcsim's session protocol", EV_G_SERVICE,
     f_http_request},
    {"app.request", "session", "the app server", "a connection to the app (which edge relayed it)", EV_G_SERVICE,
     f_none},
    {"probe.start", "session", "harness", "the profile's probe command started", 0, f_probe_start},
    {"probe.result", "session", "harness", "the probe command's outcome", 0, f_probe_result},
    {"probe.dns", "network", "harness", "what a resolver answered the harness's probe.dns, asked from the client's site router",
     0, f_probe_dns},
    {"inject.rst", "network", "harness", "a RST forged by net.inject-rst", 0, f_inject_rst},
    {"inject.none", "network", "harness", "net.inject-rst found no live connection to reset", 0, f_inject_none},
    {"fault.on", "network", "harness", "a fault was switched on", 0, f_fault},
    {"fault.off", "network", "harness", "a fault was switched off", 0, f_fault},
    {"client.start", "network", "harness", "the client was started", 0, f_client_start},
    {"client.exit", "network", "harness", "the client exited", 0, f_client_exit},
    {"client.kill", "network", "harness", "the client was killed at the end", 0, f_client_kill},
    {"lab.ready", "network", "harness", "the lab's network is built", 0, f_lab_ready},
    {"capture.start", "network", "harness", "the capture started: places packets on the timeline", 0,
     f_capture_start},
    {"capture.dropped", "network", "harness", "the kernel dropped packets of the capture", 0, f_capture_dropped},
    {"scenario.start", "network", "harness", "the scenario's t = 0 has passed; the client starts next", 0, f_none},
    {"scenario.decided", "network", "harness",
     "no later event can change the verdict: the scenario stops early (unless run_to_end or --no-early-stop)", 0,
     f_decided},
    {"scenario.end", "network", "harness", "the scenario ended: its duration was over, or its verdict decided", 0, f_none},
    {"harness.overhead", "network", "harness", "what the run cost besides the scenario's own waiting, ms per phase", 0,
     f_overhead},
    {"harness.error", "network", "harness", "the harness failed: no check is judged", 0, f_message},
    {"harness.warning", "network", "harness", "something the harness could not do (a spoof it could not send)", 0,
     f_message},
};
const int events_n = sizeof events_table / sizeof events_table[0];

const ev_schema_t *events_find(const char *type) {
  for (int i = 0; i < events_n; i++)
    if (strcmp(events_table[i].type, type) == 0) return &events_table[i];
  return NULL;
}

size_t events_names(const char **out, size_t max) {
  size_t n = 0;
  for (int i = 0; i < events_n && n < max; i++) out[n++] = events_table[i].type;
  return n;
}

/* The field lists of s, in the order they are shown; NULL-terminated. */
static void lists_of(const ev_schema_t *s, const ev_field_t *lists[4]) {
  int k = 0;
  lists[k++] = events_common;
  lists[k++] = s->fields;
  if (s->groups & EV_G_ENDPOINTS) lists[k++] = endpoints;
  if (s->groups & EV_G_SERVICE) lists[k++] = service;
  while (k < 4) lists[k++] = NULL;
}

void events_each_field(const ev_schema_t *s, void (*fn)(const ev_field_t *f, void *arg), void *arg) {
  const ev_field_t *lists[4];
  lists_of(s, lists);
  for (int l = 0; l < 4 && lists[l]; l++)
    for (const ev_field_t *f = lists[l]; f->name; f++) fn(f, arg);
}

const ev_field_t *events_field(const ev_schema_t *s, const char *name) {
  const ev_field_t *lists[4];
  lists_of(s, lists);
  for (int l = 0; l < 4 && lists[l]; l++)
    for (const ev_field_t *f = lists[l]; f->name; f++)
      if (strcmp(f->name, name) == 0) return f;
  return NULL;
}

size_t events_field_names(const ev_schema_t *s, const char **out, size_t max) {
  const ev_field_t *lists[4];
  size_t n = 0;
  lists_of(s, lists);
  for (int l = 0; l < 4 && lists[l]; l++)
    for (const ev_field_t *f = lists[l]; f->name && n < max; f++) out[n++] = f->name;
  return n;
}

const char *events_type_name(ev_ftype_t t) {
  switch (t) {
    case EV_STRING: return "string";
    case EV_DNS_NAME: return "DNS name";
    case EV_ADDRESS: return "address";
    case EV_ADDRESSES: return "address list";
    case EV_INTEGER: return "integer";
    case EV_NUMBER: return "number";
    case EV_BOOLEAN: return "boolean";
    case EV_OBJECT: return "object";
  }
  return "?";
}

bool events_value_is(const cJSON *v, ev_ftype_t t) {
  switch (t) {
    case EV_STRING:
    case EV_DNS_NAME:
    case EV_ADDRESS: return cJSON_IsString(v);
    case EV_ADDRESSES:
      if (!cJSON_IsArray(v)) return false;
      for (const cJSON *a = v->child; a; a = a->next)
        if (!cJSON_IsString(a)) return false;
      return true;
    case EV_INTEGER:
      return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) <= 9007199254740992.0;
    case EV_NUMBER: return cJSON_IsNumber(v);
    case EV_BOOLEAN: return cJSON_IsBool(v);
    case EV_OBJECT: return cJSON_IsObject(v);
  }
  return false;
}

typedef struct presence {
  const cJSON *event;
  char *why;
  size_t len;
  bool ok;
} presence_t;

static void require_field(const ev_field_t *f, void *arg) {
  presence_t *p = arg;
  if (!p->ok || f->optional || cJSON_GetObjectItemCaseSensitive(p->event, f->name)) return;
  snprintf(p->why, p->len, "%s lacks its field \"%s\"", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p->event, "type")),
           f->name);
  p->ok = false;
}

bool events_conforms(const cJSON *event, char *why, size_t len) {
  const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(event, "type"));
  const ev_schema_t *s = type ? events_find(type) : NULL;
  if (!cJSON_IsObject(event) || !s) {
    snprintf(why, len, "unknown event type \"%s\"", type ? type : "(none)");
    return false;
  }
  for (const cJSON *it = event->child; it; it = it->next) {
    if (strcmp(it->string, "type") == 0) continue;
    const ev_field_t *f = events_field(s, it->string);
    if (!f) {
      snprintf(why, len, "%s has the undeclared field \"%s\"", type, it->string);
      return false;
    }
    if (!events_value_is(it, f->type)) {
      snprintf(why, len, "%s field \"%s\" is not of its declared type (%s)", type, it->string, events_type_name(f->type));
      return false;
    }
  }
  presence_t p = {event, why, len, true};
  events_each_field(s, require_field, &p);
  return p.ok;
}
