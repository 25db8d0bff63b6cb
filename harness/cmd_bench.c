/* bcsim bench-lab, bench-decode, bench-dns: what `make bench` measures.
 *
 * Each one times or exposes a piece of bcsim so that the scripts in bench/ put it
 * side by side with the tool a user would use instead (iproute2, tshark,
 * dnsmasq). Nothing here judges a figure: the scripts print them, and
 * docs/benchmarks.md records them. */
#include <errno.h>
#include <event2/event.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/files.h"
#include "harness/cli.h"
#include "sim/lab/spawn.h"
#include "base/dur.h"
#include "sim/decode/wire.h"
#include "sim/dns/zone.h"
#include "sim/lab/lab.h"
#include "sim/lab/sandbox.h"
#include "sim/world/world.h"

/* ---- bench-lab ---- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The most runs bench-lab takes: the default 50 gives a stable median and p95; a thousand (about a
 * minute of set-ups and teardowns) is past what a comparison needs. Its arrays are static. */
#define BENCH_LAB_MAX 1000
/* How long bench-lab's sandbox may take: BENCH_LAB_MAX runs at the ~60 ms a lab costs, twice over. */
#define BENCH_LAB_DEADLINE_MS 120000

/* Inside the sandbox: builds and tears down the lab n times, and prints
 * the distribution. Teardown is the time to let go of the namespaces; the
 * kernel frees them asynchronously afterwards. */
int bench_lab_inner(int n) {
  static double setup[BENCH_LAB_MAX], teardown[BENCH_LAB_MAX], total[BENCH_LAB_MAX];
  char err[512];
  if (n < 1 || n > BENCH_LAB_MAX) return EXIT_USAGE; /* cmd_bench_lab checked it: only a hand-made call gets here */
  for (int i = 0; i < n; i++) {
    int64_t t0 = dur_now_us();
    lab_t *lab = lab_new(NULL, err, sizeof err);
    int64_t t1 = dur_now_us();
    if (!lab) {
      fprintf(stderr, "bench-lab: %s\n", err);
      return EXIT_ENV;
    }
    lab_free(lab);
    int64_t t2 = dur_now_us();
    setup[i] = (double)(t1 - t0) / 1000.0;
    teardown[i] = (double)(t2 - t1) / 1000.0;
    total[i] = (double)(t2 - t0) / 1000.0;
  }
  qsort(setup, (size_t)n, sizeof(double), cmp_double);
  qsort(teardown, (size_t)n, sizeof(double), cmp_double);
  qsort(total, (size_t)n, sizeof(double), cmp_double);
  int veths = 0;
  for (int i = 0; i < map_n_links; i++) veths += map_link_built(&map_links[i], NULL);
  printf("lab set-up + teardown over %d runs (%d hosts, %d veth pairs, dual stack, the default site):\n", n,
         LAB_N_HOSTS, veths);
  printf("  set-up    median %6.2f ms   p95 %6.2f ms   max %6.2f ms\n", setup[n / 2], setup[n * 95 / 100], setup[n - 1]);
  printf("  teardown  median %6.2f ms   p95 %6.2f ms   max %6.2f ms\n", teardown[n / 2], teardown[n * 95 / 100], teardown[n - 1]);
  printf("  total     median %6.2f ms   p95 %6.2f ms   max %6.2f ms\n", total[n / 2], total[n * 95 / 100], total[n - 1]);
  return EXIT_PASS;
}

static const char bench_lab_help[] =
    "usage: bcsim bench-lab [N]\n\nBuilds and tears down the lab N times (default 50, at most 1000)\n"
    "in the sandbox, and prints the median, p95 and max of each.\n"
    "\n"
    "exit codes: 0 measured, 2 bad usage, 3 the lab could not be built (no namespaces, a failed\n"
    "            set-up, or it outran 2 minutes)\n";

int cmd_bench_lab(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) return cli_help(bench_lab_help, EXIT_PASS);
  long runs = argc > 1 ? strtol(argv[1], NULL, 10) : 50;
  if (argc > 2 || runs < 1 || runs > BENCH_LAB_MAX) return cli_help(bench_lab_help, EXIT_USAGE);
  char n[16];
  snprintf(n, sizeof n, "%ld", runs);
  char *args[] = {"bcsim", "__labbench", n, NULL};
  pid_t pid = sandbox_start(args, NULL);
  /* The sandbox's own codes (SANDBOX_EXIT_*, a signal) and the inner loop's failure all mean the
   * environment could not give a lab: bcsim's exit code says that, not how. */
  return pid >= 0 && sandbox_wait(pid, BENCH_LAB_DEADLINE_MS) == 0 ? EXIT_PASS : EXIT_ENV;
}

/* ---- bench-decode ---- */

static const char bench_decode_help[] =
    "usage: bcsim bench-decode PCAP\n"
    "       bcsim bench-decode --grow N OUT PCAP...\n"
    "\n"
    "Prints what the wire decoder (the one bcsim run and bcsim rejudge use) finds\n"
    "in PCAP, one line per message, fields separated by tabs:\n"
    "  hello DST SNI            a ClientHello (SNI \"-\" when it has none)\n"
    "  dns query|answer QNAME RCODE   a DNS message (RCODE \"-\" for a query)\n"
    "so that bench/decode.sh can compare it with tshark's fields.\n"
    "\n"
    "--grow writes OUT: the PCAPs again and again, one copy after another in time,\n"
    "until it holds at least N packets. Each copy's TCP sequence numbers are moved\n"
    "(and the checksums fixed), so its connections are new ones to any decoder, not\n"
    "retransmissions of the first copy's.\n";

static void print_event(void *arg, int64_t t_us, const char *type, cJSON *f) {
  const char *sni = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "sni"));
  const char *dst = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "dst"));
  const char *qname = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "qname"));
  const char *rcode = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "rcode"));
  if (strcmp(type, "tls.client_hello") == 0 && sni && dst)
    printf("hello\t%s\t%s\n", dst, sni[0] ? sni : "-");
  else if (strcmp(type, "dns.query") == 0 && qname)
    printf("dns\tquery\t%s\t-\n", qname);
  else if (strcmp(type, "dns.answer") == 0 && qname)
    printf("dns\tanswer\t%s\t%s\n", qname, rcode ? rcode : "-");
  cJSON_Delete(f);
}

static int decode_fields(const char *path) {
  char ebuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, ebuf);
  wire_t *w = NULL;
  int rc = EXIT_ENV;
  if (!p) {
    fprintf(stderr, "%s: error: %s\n", path, ebuf);
    goto out;
  }
  /* No parties: only the fields are wanted, not whose addresses they are. */
  w = wire_new(NULL, 0, print_event, NULL);
  if (!w) goto out;
  /* Millions of short lines: a large buffer rather than main's line buffering. */
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  struct pcap_pkthdr *h;
  const u_char *frame;
  int linktype = pcap_datalink(p), got;
  while ((got = pcap_next_ex(p, &h, &frame)) == 1) {
    int64_t stamp;
    if (wire_stamp_us(h->ts.tv_sec, h->ts.tv_usec, &stamp)) wire_frame(w, stamp, frame, h->caplen, linktype);
  }
  if (got == PCAP_ERROR) fprintf(stderr, "%s: error: %s\n", path, pcap_geterr(p));
  else rc = EXIT_PASS;
out:
  fflush(stdout);
  wire_free(w);
  if (p) pcap_close(p);
  return rc;
}

/* RFC 1624: the checksum at sum after a 32-bit field changed from old to new. */
static void csum_adjust32(uint8_t *sum, uint32_t old, uint32_t new) {
  uint32_t s = (uint32_t)(~(sum[0] << 8 | sum[1]) & 0xffff);
  s += (~old >> 16 & 0xffff) + (~old & 0xffff) + (new >> 16) + (new & 0xffff);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  s = ~s & 0xffff;
  sum[0] = (uint8_t)(s >> 8);
  sum[1] = (uint8_t)s;
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Moves the sequence and acknowledgement numbers of a TCP segment by delta.
 * Anything else (ARP, UDP, ICMP, IPv6 extension headers, fragments, cut
 * frames) is left as it is: every read is checked against caplen. */
static void shift_tcp(uint8_t *frame, size_t caplen, int linktype, uint32_t delta) {
  size_t l3 = 0;
  if (linktype == DLT_EN10MB) {
    if (caplen < 14) return;
    uint16_t ethertype = (uint16_t)(frame[12] << 8 | frame[13]);
    if (ethertype != 0x0800 && ethertype != 0x86dd) return;
    l3 = 14;
  } else if (linktype != DLT_RAW) {
    return;
  }
  if (caplen < l3 + 1) return;
  size_t l4;
  uint8_t version = frame[l3] >> 4;
  if (version == 4) {
    if (caplen < l3 + 20) return;
    bool first_fragment = ((frame[l3 + 6] & 0x1f) << 8 | frame[l3 + 7]) == 0;
    if (frame[l3 + 9] != 6 || !first_fragment) return;
    l4 = l3 + (size_t)(frame[l3] & 0x0f) * 4;
  } else if (version == 6) {
    if (caplen < l3 + 40 || frame[l3 + 6] != 6) return;
    l4 = l3 + 40;
  } else {
    return;
  }
  if (caplen < l4 + 20) return;
  uint8_t *tcp = frame + l4;
  uint32_t seq = get32(tcp + 4), ack = get32(tcp + 8);
  put32(tcp + 4, seq + delta);
  csum_adjust32(tcp + 16, seq, seq + delta);
  if (tcp[13] & 0x10) { /* ACK: the number acknowledged moves with the other side's */
    put32(tcp + 8, ack + delta);
    csum_adjust32(tcp + 16, ack, ack + delta);
  }
}

#define GROW_MAX_INPUTS 64

static int grow(long want, const char *out_path, char **in, int n_in) {
  char ebuf[PCAP_ERRBUF_SIZE];
  pcap_t *p = NULL, *dead = NULL;
  pcap_dumper_t *d = NULL;
  uint8_t *copy = NULL;
  size_t cap = 0;
  int rc = EXIT_ENV, linktype = -1;
  long written = 0;
  int64_t cursor = -1; /* where the next file's first packet goes, in microseconds; -1: where it was */
  for (uint32_t k = 0; written < want; k++) {
    long before = written;
    for (int i = 0; i < n_in && written < want; i++) {
      if (!(p = pcap_open_offline(in[i], ebuf))) {
        fprintf(stderr, "%s: error: %s\n", in[i], ebuf);
        goto out;
      }
      if (!dead) {
        linktype = pcap_datalink(p);
        dead = pcap_open_dead(linktype, pcap_snapshot(p));
        d = dead ? pcap_dump_open(dead, out_path) : NULL;
        cap = pcap_snapshot(p) > 0 ? (size_t)pcap_snapshot(p) : 65535;
        copy = malloc(cap);
        if (!d || !copy) {
          fprintf(stderr, "%s: error: %s\n", out_path, dead ? pcap_geterr(dead) : "out of memory");
          goto out;
        }
      } else if (pcap_datalink(p) != linktype) {
        fprintf(stderr, "%s: error: its link type differs from %s's\n  hint: grow from captures of one kind\n", in[i], in[0]);
        goto out;
      }
      struct pcap_pkthdr *h;
      const u_char *frame;
      int64_t offset = 0, last = 0;
      bool first = true;
      while (written < want && pcap_next_ex(p, &h, &frame) == 1) {
        int64_t stamp;
        if (h->caplen > cap || !wire_stamp_us(h->ts.tv_sec, h->ts.tv_usec, &stamp)) continue;
        if (first) offset = cursor < 0 ? 0 : cursor - stamp;
        first = false;
        last = stamp + offset;
        memcpy(copy, frame, h->caplen);
        /* A multiplier of 2^32/phi spreads the copies' numbers over the whole space. */
        shift_tcp(copy, h->caplen, linktype, k * 0x9e3779b9u);
        struct pcap_pkthdr oh = *h;
        oh.ts.tv_sec = (time_t)(last / 1000000);
        oh.ts.tv_usec = (suseconds_t)(last % 1000000);
        pcap_dump((u_char *)d, &oh, copy);
        written++;
      }
      pcap_close(p);
      p = NULL;
      if (!first) cursor = last + 1000000; /* a second between files: nothing of one overlaps the next */
    }
    if (written == before) {
      fprintf(stderr, "error: the captures hold no packet to grow from\n");
      goto out;
    }
  }
  rc = EXIT_PASS;
  printf("%s: %ld packets\n", out_path, written);
out:
  if (d) pcap_dump_close(d);
  if (dead) pcap_close(dead);
  if (p) pcap_close(p);
  free(copy);
  return rc;
}

int cmd_bench_decode(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0) return decode_fields(argv[1]);
  if (argc >= 5 && argc - 4 <= GROW_MAX_INPUTS && strcmp(argv[1], "--grow") == 0) {
    char *end = NULL;
    long want = strtol(argv[2], &end, 10);
    if (*end == 0 && want > 0 && want <= 100000000) return grow(want, argv[3], argv + 4, argc - 4);
  }
  bool help = argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
  return cli_help(bench_decode_help, help ? EXIT_PASS : EXIT_USAGE);
}

/* ---- bench-dns ---- */

static const char bench_dns_help[] =
    "usage: bcsim bench-dns DIR RIVAL MEASURE\n"
    "\n"
    "Brings a world up in a lab of its own, as bcsim serve does, and writes the\n"
    "names its corporate resolver answers for into DIR/zone.hosts (hosts format:\n"
    "\"ADDRESS NAME\" a line). Then it runs the shell command RIVAL in the\n"
    "datacenter host (where the resolver is; the spare addresses whose purpose is\n"
    "\"bench-rival\" in `bcsim list --world` are left free for it) and the shell\n"
    "command MEASURE in the client host,\n"
    "without capabilities, as a client runs. Both see BENCH_DIR, BENCH_DOMAIN (the\n"
    "zone's origin), BENCH_RESOLVER (the world's resolver) and BENCH_RIVAL (the\n"
    "free address). When MEASURE exits, RIVAL gets SIGTERM and the lab goes;\n"
    "the exit code is MEASURE's; 3 when MEASURE outruns 30 minutes, 130 when\n"
    "interrupted.\n"
    "\n"
    "bench/dns.sh uses it to put the world's resolver beside dnsmasq.\n";

/* Where the rival resolver listens: an address of the world's tables that no party has. */
#define BENCH_RIVAL_V4 (map_spare("bench-rival")->v4)
#define BENCH_RIVAL_V6 (map_spare("bench-rival")->v6)
#define BENCH_DNS_DEADLINE_MS (30L * 60 * 1000)

/* The world's services report here; the benchmark keeps none of it. */
static void discard_log(void *arg, const char *src, const char *type, cJSON *fields) { cJSON_Delete(fields); }

/* The resolver's zone as a hosts file: every record, one line each. */
static int write_hosts(const world_t *w, const char *dir) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/zone.hosts", dir);
  files_atomic_t *a = files_atomic_new(path, 0666);
  if (!a) return -1;
  const char *name, *addr;
  for (int i = 0; zone_record(world_resolver_zone(w), i, &name, &addr) == 0; i++)
    fprintf(files_atomic_stream(a), "%s %s\n", addr, name);
  return files_atomic_commit(a);
}

/* Starts `sh -c cmd` in host h with the lab's privileges (a server of the
 * lab, like the world's own), its own process group, nothing inherited. */
static pid_t start_server(lab_t *lab, lab_host_t h, const char *cmd) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (lab_enter(lab, h) == 0 && sandbox_close_inherited() == 0) execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
  fprintf(stderr, "bench-dns: starting \"%s\": %s\n", cmd, strerror(errno));
  _exit(EXIT_NOT_FOUND);
}

typedef struct measure_wait {
  struct event_base *base;
  pid_t pid;
  bool done;
  int code;
} measure_wait_t;

/* The world answers on this loop; a timer looks for MEASURE's end. */
static void poll_measure(evutil_socket_t fd, short what, void *arg) {
  measure_wait_t *m = arg;
  int status;
  if (waitpid(m->pid, &status, WNOHANG) != m->pid) return;
  m->done = true;
  m->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  event_base_loopbreak(m->base);
}

/* Inside the sandbox: argv is DIR RIVAL MEASURE. */
int bench_dns_inner(int argc, char **argv) {
  char err[1024] = "out of memory";
  lab_t *lab = NULL;
  struct event_base *base = NULL;
  struct event *tick = NULL;
  world_t *w = NULL;
  pid_t rival = -1;
  measure_wait_t m = {.pid = -1, .code = EXIT_ENV};
  if (argc != 3) return EXIT_USAGE;
  const char *dir = argv[0], *resolver = map_party_of_role(ROLE_RESOLVER)->v4;
  if (!(lab = lab_new(NULL, err, sizeof err)) || !(base = event_base_new())) goto fail;
  world_opts_t o = {.bc_domain = SC_DEFAULT_BC_DOMAIN, .cloud_domain = SC_DEFAULT_CLOUD_DOMAIN, .run_dir = dir, .seed = 1,
                    .enrolled = true};
  if (!(w = world_new(base, lab, &o, discard_log, NULL, err, sizeof err))) goto fail;
  if (write_hosts(w, dir) < 0 ||
      lab_add_service_addr(lab, LAB_DATACENTER, BENCH_RIVAL_V4) < 0 ||
      lab_add_service_addr(lab, LAB_DATACENTER, BENCH_RIVAL_V6) < 0) {
    snprintf(err, sizeof err, "preparing the resolver's zone and the rival's address in %s failed: %s", dir, strerror(errno));
    goto fail;
  }
  setenv("BENCH_DIR", dir, 1);
  setenv("BENCH_DOMAIN", world_bc_domain(w), 1);
  setenv("BENCH_RESOLVER", resolver, 1);
  setenv("BENCH_RIVAL", BENCH_RIVAL_V4, 1);
  if ((rival = start_server(lab, LAB_DATACENTER, argv[1])) < 0) {
    snprintf(err, sizeof err, "fork: %s", strerror(errno));
    goto fail;
  }
  char *measure[] = {"/bin/sh", "-c", argv[2], NULL};
  spawn_opts_t so = {.lab = lab, .host = LAB_CLIENT, .argv = measure, .stdout_fd = 1, .stderr_fd = 2};
  if ((m.pid = spawn_in_host(&so, err, sizeof err)) < 0) goto fail;
  m.base = base;
  struct timeval every = {0, 50 * 1000};
  if (!(tick = event_new(base, -1, EV_PERSIST, poll_measure, &m)) || event_add(tick, &every) < 0) {
    snprintf(err, sizeof err, "libevent: cannot add a timer");
    goto fail;
  }
  event_base_dispatch(base);
  goto out;
fail:
  fprintf(stderr, "bench-dns: %s\n", err);
  m.code = EXIT_ENV;
out:
  if (m.pid > 0 && !m.done) {
    kill(-m.pid, SIGKILL);
    waitpid(m.pid, NULL, 0);
  }
  if (rival > 0) {
    kill(-rival, SIGTERM);
    waitpid(rival, NULL, 0);
  }
  if (tick) event_free(tick);
  world_free(w);
  if (base) event_base_free(base);
  lab_free(lab);
  return m.code;
}

static volatile sig_atomic_t bench_stop;
static void on_bench_stop(int sig) { bench_stop = 1; }

int cmd_bench_dns(int argc, char **argv) {
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) return cli_help(bench_dns_help, EXIT_PASS);
  if (argc != 4) return cli_help(bench_dns_help, EXIT_USAGE);
  char dir[PATH_MAX];
  if (!realpath(argv[1], dir)) {
    fprintf(stderr, "%s: error: %s\n  hint: DIR must be an existing folder\n", argv[1], strerror(errno));
    return EXIT_USAGE;
  }
  char *args[] = {"bcsim", "__benchdns", dir, argv[2], argv[3], NULL};
  struct sigaction sa = {.sa_handler = on_bench_stop};
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  pid_t pid = sandbox_start(args, NULL);
  if (pid < 0) return EXIT_ENV;
  /* The lab is a process group of its own: a Ctrl-C here takes it down, everything in it. */
  int code = EXIT_PASS;
  for (long waited = 0; !sandbox_poll(pid, &code); waited += 50) {
    if (bench_stop || waited > BENCH_DNS_DEADLINE_MS) {
      sandbox_kill(pid);
      return bench_stop ? EXIT_INTERRUPTED : EXIT_ENV;
    }
    struct timespec nap = {0, 50 * 1000000};
    nanosleep(&nap, NULL);
  }
  return code;
}
