/* cconfig: what the reference client is given: the signed BC config file
 * (the admin portal's "Download Config"), the thumbprint that pins its
 * signer ("Copy Thumbprint"), the machine's trust store, and its state dir
 * (its enrollment, if it has one).
 *
 * Part of the reference client, which shares no code with the simulated
 * services: it reads these files as any vendor's client would, from the
 * format in docs/protocol.md. */
#ifndef BCC_CONFIG_H
#define BCC_CONFIG_H
#include <stdbool.h>
#include <stddef.h>

typedef struct cc_config {
  char bc_domain[256];
  char pcc_dns_name[300];
  char sni_enrolled[300];
  char sni_new[300];
  char sp_host[300]; /* the host of the BC SP URL */
  char cloud_sp[300];
  char portal[300];
  char *sp_ca_pem; /* owned */
  /* From the state dir's enrollment.json, if there is one. */
  bool enrolled;
  char device_id[128];
  char token[256];
  char broker[300];
  char *cloud_ca_pem; /* owned: the trust store, or the enrollment's */
} cc_config_t;

typedef enum { CC_CONFIG_OK = 0, CC_CONFIG_UNREADABLE = -1, CC_CONFIG_REFUSED = -2 } cc_config_status_t;

/* Fills cfg. With a thumbprint, the config's signer must match it (new
 * users); the signature is always checked (skip_signature exists only for
 * the accept-tampered defect). REFUSED means the file is not
 * what the admin issued: it must not be used at all. */
cc_config_status_t cc_config_load(cc_config_t *cfg, const char *config_path, const char *state_dir,
                                  const char *thumbprint, const char *trust_path, bool skip_signature, char *err,
                                  size_t errlen);
/* The same from the files' text (enrollment_text and trust_pem may be NULL);
 * the names are for messages. */
cc_config_status_t cc_config_parse(cc_config_t *cfg, const char *config_text, const char *config_name,
                                   const char *enrollment_text, const char *enrollment_name, const char *thumbprint,
                                   const char *trust_pem, bool skip_signature, char *err, size_t errlen);
void cc_config_clear(cc_config_t *cfg);
/* The resolve-refused defect: looks up the PCC name of a config it has
 * refused, straight from the unverified payload (never do this). */
void cc_config_peek_pcc(const char *config_path);
#endif
