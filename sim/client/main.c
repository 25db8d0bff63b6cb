/* bcsim-client: the reference Business Continuity client.
 *
 *   bcsim-client run --config FILE --state DIR [--keepalive MS] [--timeout MS]
 *                    [--retries N] [--backoff MS] [--probe-port P]
 *                    [--defect NAME[,NAME...]]... [--thumbprint B64] [--trust PEM]
 *
 * With no enrollment in the state dir the client is a new user: it needs the
 * thumbprint, authenticates at the cloud SP or, failing that, at the BC SP,
 * and enrolls.
 *   bcsim-client probe --port P APP
 *   bcsim-client check-config --config FILE [--thumbprint B64]
 *
 * check-config loads the config exactly as `run` does, and stops there: an
 * admin can check a downloaded config, and the suite can show that one
 * edited byte makes the client refuse it.
 *
 * A conforming implementation of docs/protocol.md, written apart from the
 * simulator (see docs/architecture.md). --defect turns on deliberate
 * defects (sim/client/bugs.h), so the suite can show that it catches such a
 * client; several combine. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/client/cconfig.h"
#include "sim/client/session.h"

static void on_stop(evutil_socket_t fd, short what, void *arg) { event_base_loopexit(arg, NULL); }

static int parse_ms(const char *text, int *out) {
  char *end = NULL;
  long v = strtol(text, &end, 10);
  if (!*text || *end || v < 0 || v > 86400000) return -1;
  *out = (int)v;
  return 0;
}

/* --defect LIST: turns those defects on. -1 after saying which name is
 * wrong and listing every one there is. */
static int enable_defects(cc_bugs_t *bugs, const char *list) {
  char err[300];
  if (cc_bugs_enable(bugs, list, err, sizeof err) == 0) return 0;
  fprintf(stderr, "bcsim-client: --defect: %s\n  hint: the defects are (several combine: --defect a,b):\n", err);
  for (size_t i = 0; cc_bug_at(i); i++) fprintf(stderr, "    %-20s %s\n", cc_bug_at(i)->name, cc_bug_at(i)->what);
  return -1;
}

/* Loads the config as cc_config_load does; returns 0, or the exit code:
 * 3 for a config that is not the admin's, 2 for one that cannot be read. */
static int load_config(cc_config_t *cfg, const char *config, const char *state, const char *thumbprint,
                       const char *trust, bool skip_signature, bool resolve_refused) {
  char err[512];
  cc_config_status_t st = cc_config_load(cfg, config, state, thumbprint, trust, skip_signature, err, sizeof err);
  if (st == CC_CONFIG_REFUSED) {
    /* Never act on a config that is not the admin's: no DNS, no TLS, nothing. */
    fprintf(stderr, "bcsim-client: refusing the BC config: %s\n", err);
    if (resolve_refused) cc_config_peek_pcc(config); /* the defect: it looks anyway */
    return 3;
  }
  if (st != CC_CONFIG_OK) {
    fprintf(stderr, "bcsim-client: %s\n", err);
    return 2;
  }
  return 0;
}

static int cmd_run(int argc, char **argv) {
  static const struct option opts[] = {
      {"config", required_argument, 0, 'c'},  {"state", required_argument, 0, 's'},
      {"keepalive", required_argument, 0, 'k'}, {"timeout", required_argument, 0, 't'},
      {"retries", required_argument, 0, 'r'}, {"backoff", required_argument, 0, 'b'},
      {"probe-port", required_argument, 0, 'p'}, {"defect", required_argument, 0, 'd'},
      {"thumbprint", required_argument, 0, 'T'}, {"trust", required_argument, 0, 'R'},
      {0, 0, 0, 0}};
  const char *config = NULL, *state = NULL, *thumbprint = NULL, *trust = NULL;
  cc_timers_t t = {60000, 10000, 2, 1000}; /* the vendor's documented 60 s idle check */
  cc_bugs_t bugs = {0};
  int probe_port = 0, c, bad = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
      case 'c': config = optarg; break;
      case 's': state = optarg; break;
      case 'T': thumbprint = optarg; break;
      case 'R': trust = optarg; break;
      case 'k': bad |= parse_ms(optarg, &t.keepalive_ms); break;
      case 't': bad |= parse_ms(optarg, &t.timeout_ms); break;
      case 'r': bad |= parse_ms(optarg, &t.retries); break;
      case 'b': bad |= parse_ms(optarg, &t.backoff_ms); break;
      case 'p': bad |= parse_ms(optarg, &probe_port); break;
      case 'd':
        if (enable_defects(&bugs, optarg) < 0) return 2;
        break;
      default: bad = 1;
    }
  }
  if (bad || !config || !state || t.timeout_ms == 0 || t.keepalive_ms == 0 || t.retries == 0) {
    fprintf(stderr, "usage: bcsim-client run --config FILE --state DIR [--keepalive MS] [--timeout MS] "
                    "[--retries N>0] [--backoff MS] [--probe-port P] [--defect NAME[,NAME...]]... [--thumbprint B64] "
                    "[--trust PEM]\n");
    return 2;
  }
  cc_config_t cfg;
  int refused = load_config(&cfg, config, state, bugs.no_pinning ? NULL : thumbprint, trust, bugs.accept_tampered,
                            bugs.resolve_refused);
  if (refused) return refused;
  if (!cfg.enrolled && !thumbprint && !bugs.no_pinning) {
    fprintf(stderr, "bcsim-client: a new user needs the thumbprint (--thumbprint) to trust the BC config\n");
    cc_config_clear(&cfg);
    return 2;
  }
  int rc = 1;
  struct event_base *base = event_base_new();
  struct event *term = base ? evsignal_new(base, SIGTERM, on_stop, base) : NULL;
  cc_session_t *s = base ? cc_session_new(base, &cfg, t, &bugs, probe_port) : NULL;
  if (s && term && event_add(term, NULL) == 0) {
    signal(SIGPIPE, SIG_IGN);
    char names[1024];
    int n_bugs = cc_bugs_names(&bugs, names, sizeof names);
    fprintf(stderr, "bcsim-client: started (keepalive %d ms, timeout %d ms, retries %d, backoff %d ms%s%s)\n",
            t.keepalive_ms, t.timeout_ms, t.retries, t.backoff_ms,
            n_bugs == 0 ? "" : n_bugs == 1 ? ", defect " : ", defects ", names);
    cc_session_start(s);
    event_base_dispatch(base);
    rc = 0;
  }
  cc_session_free(s);
  if (term) event_free(term);
  if (base) event_base_free(base);
  cc_config_clear(&cfg);
  return rc;
}

typedef struct probe_result {
  struct event_base *base;
  int status;
  char body[1024];
} probe_result_t;

static void probe_done(struct evhttp_request *req, void *arg) {
  probe_result_t *r = arg;
  r->status = req ? evhttp_request_get_response_code(req) : 0;
  if (req) {
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    if (n >= sizeof r->body) n = sizeof r->body - 1;
    evbuffer_copyout(in, r->body, n);
    r->body[n] = 0;
  }
  /* The answer is all we wanted; do not linger on the keep-alive connection. */
  event_base_loopexit(r->base, NULL);
}

static int cmd_probe(int argc, char **argv) {
  int port = 0;
  if (argc != 4 || strcmp(argv[1], "--port") != 0 || parse_ms(argv[2], &port) < 0 || port == 0 || port > 65535) {
    fprintf(stderr, "usage: bcsim-client probe --port P APP\n");
    return 2;
  }
  char path[200];
  snprintf(path, sizeof path, "/app/%s", argv[3]);
  probe_result_t r = {0};
  struct event_base *base = event_base_new();
  r.base = base;
  struct evhttp_connection *c = evhttp_connection_base_new(base, NULL, "::1", (ev_uint16_t)port);
  struct evhttp_request *req = evhttp_request_new(probe_done, &r);
  evhttp_connection_set_timeout(c, 2);
  evhttp_add_header(evhttp_request_get_output_headers(req), "Host", "localhost");
  if (evhttp_make_request(c, req, EVHTTP_REQ_GET, path) == 0) event_base_dispatch(base);
  evhttp_connection_free(c);
  event_base_free(base);
  printf("%s%s", r.body, r.body[0] && r.body[strlen(r.body) - 1] == '\n' ? "" : "\n");
  if (r.status != 200) fprintf(stderr, "probe: status %d\n", r.status);
  return r.status == 200 ? 0 : 1;
}

static int cmd_check_config(int argc, char **argv) {
  static const struct option opts[] = {
      {"config", required_argument, 0, 'c'}, {"thumbprint", required_argument, 0, 'T'}, {0, 0, 0, 0}};
  const char *config = NULL, *thumbprint = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'c') config = optarg;
    else if (c == 'T') thumbprint = optarg;
    else config = NULL, argc = 0;
  }
  if (!config || argc == 0) {
    fprintf(stderr, "usage: bcsim-client check-config --config FILE [--thumbprint B64]\n");
    return 2;
  }
  cc_config_t cfg;
  /* No state dir and an empty trust store: the check is about the file and its signer alone. */
  int refused = load_config(&cfg, config, "/nonexistent", thumbprint, "/dev/null", false, false);
  if (refused) return refused;
  printf("config OK: signature valid%s; PCC %s, SNI %s (enrolled) and %s (new users), SP %s\n",
         thumbprint ? " and signer matches the thumbprint" : " (signer not pinned: give --thumbprint)", cfg.pcc_dns_name,
         cfg.sni_enrolled, cfg.sni_new, cfg.sp_host);
  cc_config_clear(&cfg);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "check-config") == 0) return cmd_check_config(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "run") == 0) return cmd_run(argc - 1, argv + 1);
  if (argc >= 2 && strcmp(argv[1], "probe") == 0) return cmd_probe(argc - 1, argv + 1);
  fprintf(stderr, "usage: bcsim-client run|probe|check-config ...\n");
  return 2;
}
