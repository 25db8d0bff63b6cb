#include "sim/lab/nft.h"

#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct nft_job {
  const char *script;
  char *err;
  size_t errlen;
} nft_job_t;

/* Inside the host: libnftables' netlink socket belongs to that namespace. */
static int run_in_host(void *arg) {
  nft_job_t *j = arg;
  struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) {
    snprintf(j->err, j->errlen, "nft_ctx_new failed");
    return -1;
  }
  nft_ctx_buffer_error(ctx);
  nft_ctx_buffer_output(ctx);
  int rc = nft_run_cmd_from_buffer(ctx, j->script) == 0 ? 0 : -1;
  if (rc < 0) {
    const char *e = nft_ctx_get_error_buffer(ctx);
    snprintf(j->err, j->errlen, "nftables: %s", e && *e ? e : "command failed");
  }
  nft_ctx_free(ctx);
  return rc;
}

static int run(lab_t *lab, lab_host_t host, const char *script, char *err, size_t errlen) {
  nft_job_t j = {script, err, errlen};
  err[0] = 0;
  return lab_within(lab, host, run_in_host, &j);
}

int nft_fault_add(lab_t *lab, lab_host_t host, const char *chain, const char *hook, const char *rules,
                  char *err, size_t errlen) {
  size_t cap = strlen(rules) * 2 + 512;
  char *script = malloc(cap);
  if (!script) return -1;
  size_t used = (size_t)snprintf(script, cap,
                                 "add table inet bcsim\n"
                                 "add chain inet bcsim %s { type filter hook %s priority 0; policy accept; }\n",
                                 chain, hook);
  for (const char *line = rules; *line && used < cap;) {
    const char *nl = strchr(line, '\n');
    size_t n = nl ? (size_t)(nl - line) : strlen(line);
    if (n) used += (size_t)snprintf(script + used, cap - used, "add rule inet bcsim %s %.*s\n", chain, (int)n, line);
    line += n + (nl ? 1 : 0);
  }
  int rc = run(lab, host, script, err, errlen);
  free(script);
  return rc;
}

int nft_fault_del(lab_t *lab, lab_host_t host, const char *chain, char *err, size_t errlen) {
  char script[256];
  snprintf(script, sizeof script, "flush chain inet bcsim %s\ndelete chain inet bcsim %s\n", chain, chain);
  return run(lab, host, script, err, errlen);
}

void nft_rules_add(nft_rules_t *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = r->full ? -1 : vsnprintf(r->text + r->used, sizeof r->text - r->used, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof r->text - r->used) {
    r->full = true;
    r->text[r->used] = 0; /* the line that did not fit is not there */
    return;
  }
  r->used += (size_t)n;
}
