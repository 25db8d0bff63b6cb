/* cconfig: what the reference client is given: the BC config file (the
 * admin portal's "Download Config") and its state dir (its enrollment).
 *
 * Part of the reference client, which shares no code with the simulated
 * services: it reads these files as any vendor's client would, from the
 * format in docs/protocol.md. */
#ifndef BCC_CONFIG_H
#define BCC_CONFIG_H
#include <stddef.h>

typedef struct cc_config {
  char bc_domain[256];
  char pcc_dns_name[300];
  char sni_enrolled[300];
  char sni_new[300];
  char sp_url[300];
  char *sp_ca_pem; /* owned */
  /* From the state dir's enrollment.json. */
  char device_id[128];
  char token[256];
  char broker[300];
  char *cloud_ca_pem; /* owned */
} cc_config_t;

/* Fills cfg from the config file and the state dir. 0, or -1 with err. */
int cc_config_load(cc_config_t *cfg, const char *config_path, const char *state_dir, char *err, size_t errlen);
void cc_config_clear(cc_config_t *cfg);
#endif
