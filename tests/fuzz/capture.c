/* pcap decoding: a capture file read by libpcap, as `bcsim rejudge` reads
 * capture.pcap, each frame through the wire decoder (packet, TCP reassembly,
 * DNS, TLS) to timeline events.
 *
 * The world's parties come from BCSIM_FUZZ_PARTIES (a run's
 * world/parties.json), so that frames to and from them take the paths a real
 * run takes; without it, every address is unknown. */
#include <cjson/cJSON.h>
#include <pcap/pcap.h>

#include "sim/decode/wire.h"
#include "tests/fuzz/fuzz.h"

#define MAX_PARTIES 64

static wire_party_t parties[MAX_PARTIES];
static int n_parties = -1;

static void load_parties(void) {
  const char *path = getenv("BCSIM_FUZZ_PARTIES");
  FILE *f = path ? fopen(path, "re") : NULL;
  char buf[65536];
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  cJSON *list = cJSON_Parse(buf);
  n_parties = wire_parties_from_json(list, parties, MAX_PARTIES);
  if (n_parties < 0) n_parties = 0;
  cJSON_Delete(list);
}

static void on_event(void *arg, int64_t t_us, const char *type, cJSON *fields) {
  FUZZ_REQUIRE(type && *type);
  FUZZ_REQUIRE(cJSON_IsObject(fields));
  char *text = cJSON_PrintUnformatted(fields); /* every field must print: the timeline writes them all */
  FUZZ_REQUIRE(text != NULL);
  free(text);
  cJSON_Delete(fields);
  (*(long *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (n_parties < 0) load_parties();
  char ebuf[PCAP_ERRBUF_SIZE];
  FILE *f = fmemopen((void *)data, size, "rb");
  if (!f) return 0;
  pcap_t *p = pcap_fopen_offline(f, ebuf); /* owns f from here */
  if (!p) {
    fclose(f);
    return 0;
  }
  long events = 0;
  wire_t *w = wire_new(parties, n_parties, on_event, &events);
  FUZZ_REQUIRE(w != NULL);
  struct pcap_pkthdr *h;
  const u_char *frame;
  int linktype = pcap_datalink(p);
  while (pcap_next_ex(p, &h, &frame) == 1) {
    int64_t stamp;
    if (wire_stamp_us(h->ts.tv_sec, h->ts.tv_usec, &stamp)) wire_frame(w, stamp, frame, h->caplen, linktype);
  }
  /* What net.inject-rst asks of the decoder after the frames. */
  wire_conn_t conns[8];
  for (int i = 0; i < n_parties; i++) {
    int n = wire_live_conns(w, parties[i].addr, conns, 8);
    FUZZ_REQUIRE(n >= 0 && n <= 8);
    for (int k = 0; k < n; k++) wire_conn_closed(w, &conns[k]);
    FUZZ_REQUIRE(wire_live_conns(w, parties[i].addr, conns, 8) == 0);
  }
  wire_free(w);
  pcap_close(p);
  return 0;
}
