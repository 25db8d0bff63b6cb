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
  size_t lines = 1;
  for (const char *c = rules; *c; c++) lines += *c == '\n';
  const char *head = "add table inet bcsim\n"
                     "add chain inet bcsim %s { type filter hook %s priority 0; policy accept; }\n"
                     "flush chain inet bcsim %s\n"; /* a chain a failed delete left behind starts empty */
  size_t per_line = sizeof "add rule inet bcsim  \n" + strlen(chain);
  size_t cap = strlen(head) + 3 * strlen(chain) + strlen(hook) + strlen(rules) + lines * per_line;
  char *script = malloc(cap);
  int rc = -1;
  if (!script) goto out;
  size_t used = (size_t)snprintf(script, cap, head, chain, hook, chain);
  for (const char *line = rules; *line;) {
    const char *nl = strchr(line, '\n');
    size_t n = nl ? (size_t)(nl - line) : strlen(line);
    if (n) used += (size_t)snprintf(script + used, cap - used, "add rule inet bcsim %s %.*s\n", chain, (int)n, line);
    line += n + (nl ? 1 : 0);
  }
  if (used >= cap) { /* cannot happen with cap as counted: never send a cut script */
    snprintf(err, errlen, "the rules of chain %s do not fit", chain);
    goto out;
  }
  rc = run(lab, host, script, err, errlen);
out:
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
