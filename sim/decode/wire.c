#include "sim/decode/wire.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/decode/dns_decode.h"
#include "sim/decode/packet.h"
#include "sim/decode/tls_decode.h"

/* Connections followed at once; past that the least recently used is forgotten. */
#define WIRE_MAX_CONNS 256
/* A whole TLS record (2^14 + 2048 bytes of ciphertext, 5 of header) fits;
 * a DNS message over TCP larger than this is skipped, not decoded. */
#define WIRE_BUF_CAP (18 * 1024 + 512)
/* Addresses DNS answers gave the client, and unknown ones already reported. */
#define WIRE_MAX_NAMED 256
#define WIRE_MAX_UNKNOWN 64
/* Segments held past a hole until the hole is filled, per direction. */
#define WIRE_OOO_MAX 8
#define WIRE_OOO_BYTES (64 * 1024)

enum { TLS_CHANGE_CIPHER = 20, TLS_ALERT = 21, TLS_HANDSHAKE = 22, TLS_APP_DATA = 23, TLS_HEARTBEAT = 24 };
enum { TLS13 = 0x0304 };
/* An encrypted TLS 1.3 alert: 2 bytes, the inner content type, a 16-byte AEAD tag. */
enum { TLS13_ALERT_RECORD = 2 + 1 + 16 };

typedef enum { APP_UNKNOWN, APP_TLS, APP_DNS, APP_OTHER } app_t;

typedef struct seg {
  uint32_t seq;
  size_t len;
  uint8_t *data;
} seg_t;

/* One direction of a connection, reassembled in sequence order. */
typedef struct dir {
  bool known;     /* its first sequence number was seen (SYN or SYN-ACK) */
  uint32_t next;  /* the next sequence number in order (past a hole that was given up: the highest seen) */
  uint32_t high;  /* the end of the highest segment seen: what a forged RST from this side follows */
  uint8_t *buf;   /* in-order bytes not parsed yet (WIRE_BUF_CAP, allocated on first use) */
  size_t have;
  size_t skip;    /* bytes still to pass over of a unit that is not read */
  bool done;      /* nothing more to read in this direction */
  bool first_seen; /* its first TLS handshake record was read */
  seg_t ooo[WIRE_OOO_MAX];
  int n_ooo;
  size_t ooo_bytes;
} dir_t;

typedef struct conn {
  bool used, live;
  uint64_t used_at;
  char client[INET6_ADDRSTRLEN], server[INET6_ADDRSTRLEN];
  uint16_t cport, sport;
  uint32_t isn; /* the client's: a SYN with it again is a retransmission */
  dir_t up, down; /* client to server, server to client */
  app_t app;
  uint16_t version; /* the TLS version the server chose; 0 until its ServerHello */
  int app_records;  /* the client's encrypted records (content type 23) */
  char sni[256];
} conn_t;

struct wire {
  wire_party_t *parties;
  int n_parties;
  wire_emit_fn emit;
  void *arg;
  uint64_t clock;
  conn_t conns[WIRE_MAX_CONNS];
  char named[WIRE_MAX_NAMED][INET6_ADDRSTRLEN]; /* a ring: the most recent answers */
  int n_named;
  char unknown[WIRE_MAX_UNKNOWN][INET6_ADDRSTRLEN];
  int n_unknown;
};

wire_t *wire_new(const wire_party_t *parties, int n_parties, wire_emit_fn emit, void *arg) {
  wire_t *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  if (n_parties > 0) {
    w->parties = calloc((size_t)n_parties, sizeof *w->parties);
    if (!w->parties) {
      free(w);
      return NULL;
    }
    memcpy(w->parties, parties, (size_t)n_parties * sizeof *parties);
  }
  w->n_parties = n_parties;
  w->emit = emit;
  w->arg = arg;
  return w;
}

static void dir_clear(dir_t *d) {
  free(d->buf);
  for (int i = 0; i < d->n_ooo; i++) free(d->ooo[i].data);
  memset(d, 0, sizeof *d);
}

static void conn_clear(conn_t *c) {
  dir_clear(&c->up);
  dir_clear(&c->down);
  memset(c, 0, sizeof *c);
}

void wire_free(wire_t *w) {
  if (!w) return;
  for (int i = 0; i < WIRE_MAX_CONNS; i++) conn_clear(&w->conns[i]);
  free(w->parties);
  free(w);
}

const wire_party_t *wire_party(const wire_t *w, const char *addr) {
  for (int i = 0; i < w->n_parties; i++)
    if (strcmp(w->parties[i].addr, addr) == 0) return &w->parties[i];
  return NULL;
}

/* src and dst with the names and roles of the parties that own them. */
static void add_endpoints(const wire_t *w, cJSON *f, const char *src, uint16_t sport, const char *dst, uint16_t dport) {
  const wire_party_t *s = wire_party(w, src), *d = wire_party(w, dst);
  cJSON_AddStringToObject(f, "src", src);
  cJSON_AddStringToObject(f, "src_name", s ? s->name : "unknown");
  cJSON_AddStringToObject(f, "src_role", s ? s->role : "unknown");
  cJSON_AddNumberToObject(f, "sport", sport);
  cJSON_AddStringToObject(f, "dst", dst);
  cJSON_AddStringToObject(f, "dst_name", d ? d->name : "unknown");
  cJSON_AddStringToObject(f, "dst_role", d ? d->role : "unknown");
  cJSON_AddNumberToObject(f, "dport", dport);
}

static void emit(wire_t *w, int64_t t, const char *type, cJSON *f) {
  if (f) w->emit(w->arg, t, type, f);
}

/* The endpoints of one direction of c, as its packets carry them. */
static void add_dir_endpoints(const wire_t *w, cJSON *f, const conn_t *c, bool up) {
  if (up) add_endpoints(w, f, c->client, c->cport, c->server, c->sport);
  else add_endpoints(w, f, c->server, c->sport, c->client, c->cport);
}

static void emit_dns(wire_t *w, int64_t t, const dns_view_t *d, const char *proto, const char *src, uint16_t sport,
                     const char *dst, uint16_t dport) {
  cJSON *f = cJSON_CreateObject();
  if (!f) return;
  cJSON_AddStringToObject(f, "qname", d->qname);
  cJSON_AddStringToObject(f, "qtype", d->qtype);
  cJSON_AddNumberToObject(f, "id", d->id);
  cJSON_AddStringToObject(f, "proto", proto);
  add_endpoints(w, f, src, sport, dst, dport);
  if (d->is_response) {
    for (int i = 0; i < d->n_addrs; i++) {
      snprintf(w->named[w->n_named % WIRE_MAX_NAMED], INET6_ADDRSTRLEN, "%s", d->addrs[i]);
      /* A ring: past its size the count only says "full", and must never overflow. */
      w->n_named = w->n_named < WIRE_MAX_NAMED ? w->n_named + 1 : WIRE_MAX_NAMED + (w->n_named + 1) % WIRE_MAX_NAMED;
    }
    cJSON_AddStringToObject(f, "rcode", dns_rcode_name(d->rcode));
    cJSON_AddBoolToObject(f, "tc", d->truncated);
    cJSON *addrs = cJSON_AddArrayToObject(f, "addrs");
    for (int i = 0; addrs && i < d->n_addrs; i++) cJSON_AddItemToArray(addrs, cJSON_CreateString(d->addrs[i]));
    cJSON_AddNumberToObject(f, "ttl", d->min_ttl);
  }
  emit(w, t, d->is_response ? "dns.answer" : "dns.query", f);
}

/* ---- what a direction's byte stream holds ---- */

static void on_client_hello(wire_t *w, int64_t t, conn_t *c, const uint8_t *rec, size_t len) {
  tls_hello_view_t th;
  if (tls_decode_client_hello(rec, len, &th) < 0) return;
  snprintf(c->sni, sizeof c->sni, "%s", th.sni);
  cJSON *f = cJSON_CreateObject();
  if (!f) return;
  cJSON_AddStringToObject(f, "sni", th.sni);
  cJSON_AddBoolToObject(f, "has_sni", th.has_sni);
  cJSON_AddStringToObject(f, "max_version", tls_version_name(th.max_version));
  cJSON_AddStringToObject(f, "min_version", tls_version_name(th.min_version));
  cJSON_AddStringToObject(f, "alpn", th.alpn);
  add_dir_endpoints(w, f, c, true);
  emit(w, t, "tls.client_hello", f);
}

static void on_server_hello(wire_t *w, int64_t t, conn_t *c, const uint8_t *rec, size_t len) {
  uint16_t version;
  if (tls_decode_server_hello(rec, len, &version) < 0) return;
  c->version = version;
  cJSON *f = cJSON_CreateObject();
  if (!f) return;
  cJSON_AddStringToObject(f, "version", tls_version_name(version));
  cJSON_AddStringToObject(f, "sni", c->sni);
  add_dir_endpoints(w, f, c, false);
  emit(w, t, "tls.server_hello", f);
}

/* An encrypted record from the client. In TLS 1.3 its first one is its
 * Finished (or the alert of a refused handshake), so application data is a
 * later one, and a later record of an alert's size is a close_notify, not
 * data; in TLS 1.2 the Finished is a handshake record and alerts have their
 * own type, so data is the first. Without a ServerHello the version is
 * unknown, and the TLS 1.3 rule is taken: it never calls a handshake data. */
static bool on_client_encrypted(wire_t *w, int64_t t, conn_t *c, size_t len) {
  bool tls12 = c->version && c->version < TLS13;
  if (!tls12 && c->app_records >= 1 && len <= TLS13_ALERT_RECORD) return false;
  c->app_records++;
  if (c->app_records < (tls12 ? 1 : 2)) return false;
  cJSON *f = cJSON_CreateObject();
  if (!f) return true;
  cJSON_AddStringToObject(f, "sni", c->sni);
  cJSON_AddStringToObject(f, "version", c->version ? tls_version_name(c->version) : "unknown");
  cJSON_AddNumberToObject(f, "length", (double)len);
  add_dir_endpoints(w, f, c, true);
  emit(w, t, "tls.app_data", f);
  return true; /* reported: nothing more to read from the client */
}

static void consume(dir_t *d, size_t n) {
  memmove(d->buf, d->buf + n, d->have - n);
  d->have -= n;
}

/* Passes over a unit of n bytes, of which the buffer may hold only a part. */
static void pass_over(dir_t *d, size_t n) {
  size_t k = n < d->have ? n : d->have;
  consume(d, k);
  d->skip = n - k;
}

static void parse_tls(wire_t *w, int64_t t, conn_t *c, dir_t *d, bool up) {
  while (!d->done && !d->skip && d->have >= 5) {
    uint8_t type = d->buf[0];
    size_t len = (size_t)d->buf[3] << 8 | d->buf[4];
    if (type < TLS_CHANGE_CIPHER || type > TLS_HEARTBEAT || d->buf[1] != 3) {
      d->done = true; /* not TLS (any more): stop reading */
      return;
    }
    bool wanted = type == TLS_HANDSHAKE && !d->first_seen;
    if (wanted && 5 + len <= WIRE_BUF_CAP) {
      if (d->have < 5 + len) return; /* the rest is still to come */
      d->first_seen = true;
      if (up) on_client_hello(w, t, c, d->buf, 5 + len);
      else on_server_hello(w, t, c, d->buf, 5 + len);
      consume(d, 5 + len);
      if (!up) d->done = true; /* the server's version is all we read from it */
      continue;
    }
    d->first_seen = d->first_seen || type == TLS_HANDSHAKE;
    if (up && type == TLS_APP_DATA && on_client_encrypted(w, t, c, len)) d->done = true;
    pass_over(d, 5 + len);
  }
}

static void parse_dns(wire_t *w, int64_t t, conn_t *c, dir_t *d, bool up) {
  while (!d->done && !d->skip && d->have >= 2) {
    size_t len = (size_t)d->buf[0] << 8 | d->buf[1];
    if (2 + len > WIRE_BUF_CAP) {
      pass_over(d, 2 + len);
      continue;
    }
    if (d->have < 2 + len) return;
    dns_view_t v;
    if (dns_decode(d->buf + 2, len, &v) == 0) {
      if (up) emit_dns(w, t, &v, "tcp", c->client, c->cport, c->server, c->sport);
      else emit_dns(w, t, &v, "tcp", c->server, c->sport, c->client, c->cport);
    }
    consume(d, 2 + len);
  }
}

static void finish_dir(dir_t *d);

/* In-order bytes of one direction. */
static void deliver(wire_t *w, int64_t t, conn_t *c, bool up, const uint8_t *p, size_t n) {
  dir_t *d = up ? &c->up : &c->down;
  if (d->done) return;
  if (c->app == APP_UNKNOWN) {
    /* In what is read here (TLS, DNS) the client speaks first: server bytes before it decide nothing. */
    if (c->sport == 53) c->app = APP_DNS;
    else if (!up) return;
    else c->app = p[0] == TLS_HANDSHAKE ? APP_TLS : APP_OTHER;
  }
  if (c->app == APP_OTHER) d->done = true;
  while (n > 0 && !d->done) {
    if (d->skip) {
      size_t k = d->skip < n ? d->skip : n;
      d->skip -= k;
      p += k;
      n -= k;
      continue;
    }
    if (!d->buf && !(d->buf = malloc(WIRE_BUF_CAP))) {
      d->done = true;
      break;
    }
    size_t k = WIRE_BUF_CAP - d->have < n ? WIRE_BUF_CAP - d->have : n;
    memcpy(d->buf + d->have, p, k);
    d->have += k;
    p += k;
    n -= k;
    size_t before = d->have;
    if (c->app == APP_TLS) parse_tls(w, t, c, d, up);
    else parse_dns(w, t, c, d, up);
    if (d->have == WIRE_BUF_CAP && d->have == before && !d->skip) d->done = true; /* cannot happen; never spin */
  }
  if (d->done) finish_dir(d);
}

/* Parsing of a direction is over: its buffers go, and only sequence numbers are followed. */
static void finish_dir(dir_t *d) {
  d->done = true;
  free(d->buf);
  d->buf = NULL;
  d->have = d->skip = 0;
  for (int i = 0; i < d->n_ooo; i++) free(d->ooo[i].data);
  d->n_ooo = 0;
  d->ooo_bytes = 0;
}

static bool seq_after(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

/* Keeps a segment past a hole until the hole is filled. When too much waits
 * (the capture lost a frame for good), the direction is no longer parsed:
 * its bytes cannot be put in order, and guessing would invent events. */
static void hold(dir_t *d, uint32_t seq, const uint8_t *p, size_t n) {
  uint8_t *copy = d->done || d->n_ooo >= WIRE_OOO_MAX || d->ooo_bytes + n > WIRE_OOO_BYTES ? NULL : malloc(n);
  if (!copy) {
    finish_dir(d);
    if (seq_after(seq + (uint32_t)n, d->next)) d->next = seq + (uint32_t)n;
    return;
  }
  memcpy(copy, p, n);
  d->ooo[d->n_ooo++] = (seg_t){seq, n, copy};
  d->ooo_bytes += n;
}

/* Delivers what of (seq, p, n) is new; returns false if all of it was seen before. */
static bool take(wire_t *w, int64_t t, conn_t *c, bool up, uint32_t seq, const uint8_t *p, size_t n) {
  dir_t *d = up ? &c->up : &c->down;
  int32_t off = (int32_t)(seq - d->next);
  if (seq_after(seq + (uint32_t)n, d->high)) d->high = seq + (uint32_t)n;
  if (off > 0) {
    hold(d, seq, p, n); /* a hole before it: keep it until the hole is filled */
    return true;
  }
  if ((int64_t)off + (int64_t)n <= 0) return false;
  size_t old = (size_t)-(int64_t)off;
  d->next += (uint32_t)(n - old);
  deliver(w, t, c, up, p + old, n - old);
  return true;
}

static void fill_holes(wire_t *w, int64_t t, conn_t *c, bool up) {
  dir_t *d = up ? &c->up : &c->down;
  for (bool progress = true; progress && d->n_ooo > 0;) {
    progress = false;
    for (int i = 0; i < d->n_ooo; i++) {
      seg_t s = d->ooo[i];
      if ((int32_t)(s.seq - d->next) > 0) continue;
      d->ooo[i] = d->ooo[--d->n_ooo];
      d->ooo_bytes -= s.len;
      take(w, t, c, up, s.seq, s.data, s.len);
      free(s.data);
      progress = true;
      break;
    }
  }
}

/* ---- connections ---- */

static conn_t *find(wire_t *w, const pkt_view_t *v, bool *up) {
  for (int i = 0; i < WIRE_MAX_CONNS; i++) {
    conn_t *c = &w->conns[i];
    if (!c->used) continue;
    if (c->cport == v->sport && c->sport == v->dport && strcmp(c->client, v->src) == 0 &&
        strcmp(c->server, v->dst) == 0) {
      *up = true;
      return c;
    }
    if (c->cport == v->dport && c->sport == v->sport && strcmp(c->client, v->dst) == 0 &&
        strcmp(c->server, v->src) == 0) {
      *up = false;
      return c;
    }
  }
  return NULL;
}

/* A free slot, else the least recently used closed connection, else the least recently used one. */
static conn_t *add(wire_t *w, const pkt_view_t *v) {
  conn_t *victim = NULL;
  for (int i = 0; i < WIRE_MAX_CONNS; i++) {
    conn_t *c = &w->conns[i];
    if (!c->used) {
      victim = c;
      break;
    }
    bool better = !victim || (victim->live && !c->live) || (victim->live == c->live && c->used_at < victim->used_at);
    if (better) victim = c;
  }
  conn_clear(victim);
  victim->used = true;
  snprintf(victim->client, sizeof victim->client, "%s", v->src);
  snprintf(victim->server, sizeof victim->server, "%s", v->dst);
  victim->cport = v->sport;
  victim->sport = v->dport;
  return victim;
}

static void emit_plain(wire_t *w, int64_t t, const char *type, const pkt_view_t *v, const char *what) {
  cJSON *f = cJSON_CreateObject();
  if (!f) return;
  add_endpoints(w, f, v->src, v->sport, v->dst, v->dport);
  if (what) {
    cJSON_AddStringToObject(f, "what", what);
    cJSON_AddNumberToObject(f, "length", (double)v->payload_len);
  }
  emit(w, t, type, f);
}

static void on_tcp(wire_t *w, int64_t t, const pkt_view_t *v) {
  bool up = false;
  conn_t *c = find(w, v, &up);
  bool syn = v->tcp_flags & PKT_TCP_SYN, ack = v->tcp_flags & PKT_TCP_ACK;
  if (syn && !ack) {
    if (c && up && c->isn == v->seq) {
      emit_plain(w, t, "tcp.retransmission", v, "syn");
      return;
    }
    if (c) conn_clear(c);
    c = add(w, v);
    c->isn = v->seq;
    c->up.known = true;
    c->up.next = c->up.high = v->seq + 1;
    c->live = true;
    c->used_at = ++w->clock;
    emit_plain(w, t, "tcp.connect", v, NULL);
    return;
  }
  if (v->tcp_flags & PKT_TCP_RST) {
    emit_plain(w, t, "tcp.reset", v, NULL);
    if (c) {
      c->live = false;
      finish_dir(&c->up);
      finish_dir(&c->down);
    }
    return;
  }
  if (!c) return; /* a connection that began before the capture: nothing to follow */
  c->used_at = ++w->clock;
  dir_t *d = up ? &c->up : &c->down;
  if (syn && !up) {
    d->known = true;
    d->next = d->high = v->seq + 1;
    return;
  }
  if (d->known && v->payload_len > 0) {
    if (!take(w, t, c, up, v->seq, v->payload, v->payload_len)) emit_plain(w, t, "tcp.retransmission", v, "data");
    else fill_holes(w, t, c, up);
  }
  if (v->tcp_flags & PKT_TCP_FIN) c->live = false;
}

/* Multicast, broadcast and link-local destinations belong to no party and to every host. */
static bool local_scope(const char *addr) {
  unsigned char b[16];
  if (inet_pton(AF_INET, addr, b) == 1) return b[0] >= 224 || (b[0] == 169 && b[1] == 254);
  if (inet_pton(AF_INET6, addr, b) == 1) return b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
  return true;
}

/* ip.unknown: the client sent to an address that no party has and no DNS answer gave it. */
static void note_destination(wire_t *w, int64_t t, const pkt_view_t *v) {
  const wire_party_t *src = wire_party(w, v->src);
  if (!src || strcmp(src->role, "client") != 0 || wire_party(w, v->dst) || local_scope(v->dst)) return;
  int named = w->n_named < WIRE_MAX_NAMED ? w->n_named : WIRE_MAX_NAMED;
  for (int i = 0; i < named; i++)
    if (strcmp(w->named[i], v->dst) == 0) return;
  for (int i = 0; i < w->n_unknown; i++)
    if (strcmp(w->unknown[i], v->dst) == 0) return;
  if (w->n_unknown >= WIRE_MAX_UNKNOWN) return;
  snprintf(w->unknown[w->n_unknown++], INET6_ADDRSTRLEN, "%s", v->dst);
  cJSON *f = cJSON_CreateObject();
  if (!f) return;
  cJSON_AddStringToObject(f, "proto", v->proto == IPPROTO_TCP ? "tcp" : v->proto == IPPROTO_UDP ? "udp" : "icmp");
  add_endpoints(w, f, v->src, v->sport, v->dst, v->dport);
  emit(w, t, "ip.unknown", f);
}

cJSON *wire_parties_to_json(const wire_party_t *parties, int n) {
  cJSON *list = cJSON_CreateArray();
  for (int i = 0; list && i < n; i++) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "addr", parties[i].addr);
    cJSON_AddStringToObject(p, "name", parties[i].name);
    cJSON_AddStringToObject(p, "role", parties[i].role);
    cJSON_AddItemToArray(list, p);
  }
  return list;
}

int wire_parties_from_json(const cJSON *json, wire_party_t *out, int max) {
  if (!cJSON_IsArray(json)) return -1;
  int n = 0;
  for (const cJSON *p = json->child; p && n < max; p = p->next) {
    const char *addr = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "addr"));
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name"));
    const char *role = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "role"));
    if (!addr || !name || !role) continue;
    snprintf(out[n].addr, sizeof out[n].addr, "%s", addr);
    snprintf(out[n].name, sizeof out[n].name, "%s", name);
    snprintf(out[n].role, sizeof out[n].role, "%s", role);
    n++;
  }
  return n;
}

bool wire_stamp_us(int64_t sec, int64_t usec, int64_t *out) {
  /* Within about 290,000 years of 1970 either way: no product overflows. */
  const int64_t limit = INT64_MAX / 1000000 / 2;
  if (sec > limit || sec < -limit || usec < 0 || usec >= 1000000) return false;
  *out = sec * 1000000 + usec;
  return true;
}

void wire_frame(wire_t *w, int64_t t_us, const uint8_t *frame, size_t caplen, int linktype) {
  pkt_view_t v;
  if (pkt_decode(frame, caplen, linktype, &v) < 0) return;
  note_destination(w, t_us, &v);
  if (v.proto == IPPROTO_UDP) {
    dns_view_t d;
    if ((v.dport == 53 || v.sport == 53) && dns_decode(v.payload, v.payload_len, &d) == 0)
      emit_dns(w, t_us, &d, "udp", v.src, v.sport, v.dst, v.dport);
    return;
  }
  if (v.proto == IPPROTO_TCP) on_tcp(w, t_us, &v);
}

int wire_live_conns(const wire_t *w, const char *addr, wire_conn_t *out, int max) {
  int n = 0;
  for (int i = 0; i < WIRE_MAX_CONNS && n < max; i++) {
    const conn_t *c = &w->conns[i];
    if (!c->used || !c->live || !c->down.known || strcmp(c->server, addr) != 0) continue;
    wire_conn_t *o = &out[n++];
    snprintf(o->server, sizeof o->server, "%s", c->server);
    snprintf(o->client, sizeof o->client, "%s", c->client);
    o->sport = c->sport;
    o->cport = c->cport;
    o->server_next_seq = c->down.high;
  }
  return n;
}

void wire_conn_closed(wire_t *w, const wire_conn_t *k) {
  for (int i = 0; i < WIRE_MAX_CONNS; i++) {
    conn_t *c = &w->conns[i];
    if (c->used && c->sport == k->sport && c->cport == k->cport && strcmp(c->server, k->server) == 0 &&
        strcmp(c->client, k->client) == 0)
      c->live = false;
  }
}
