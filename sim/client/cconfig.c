#include "sim/client/cconfig.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && n < (1 << 20)) {
      rewind(f);
      buf = malloc((size_t)n + 1);
      if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) buf[n] = 0;
      else {
        free(buf);
        buf = NULL;
      }
    }
  }
  fclose(f);
  return buf;
}

static int take(const cJSON *obj, const char *key, char *out, size_t len) {
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
  if (!v || strlen(v) >= len) return -1;
  snprintf(out, len, "%s", v);
  return 0;
}

static char *take_dup(const cJSON *obj, const char *key) {
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
  return v ? strdup(v) : NULL;
}

int cc_config_load(cc_config_t *cfg, const char *config_path, const char *state_dir, char *err, size_t errlen) {
  char path[1024];
  char *text = NULL, *etext = NULL;
  cJSON *c = NULL, *e = NULL;
  int rc = -1;
  memset(cfg, 0, sizeof *cfg);
  text = slurp(config_path);
  c = text ? cJSON_Parse(text) : NULL;
  if (!c) {
    snprintf(err, errlen, "cannot read the BC config %s", config_path);
    goto out;
  }
  if (take(c, "bc_domain", cfg->bc_domain, sizeof cfg->bc_domain) < 0 ||
      take(c, "pcc_dns_name", cfg->pcc_dns_name, sizeof cfg->pcc_dns_name) < 0 ||
      take(c, "pcc_sni_enrolled", cfg->sni_enrolled, sizeof cfg->sni_enrolled) < 0 ||
      take(c, "pcc_sni_new", cfg->sni_new, sizeof cfg->sni_new) < 0 ||
      take(c, "sp_url", cfg->sp_url, sizeof cfg->sp_url) < 0 || !(cfg->sp_ca_pem = take_dup(c, "sp_ca_pem"))) {
    snprintf(err, errlen, "the BC config %s lacks a required field", config_path);
    goto out;
  }
  snprintf(path, sizeof path, "%s/enrollment.json", state_dir);
  etext = slurp(path);
  e = etext ? cJSON_Parse(etext) : NULL;
  if (!e || take(e, "device_id", cfg->device_id, sizeof cfg->device_id) < 0 ||
      take(e, "token", cfg->token, sizeof cfg->token) < 0 || take(e, "broker", cfg->broker, sizeof cfg->broker) < 0 ||
      !(cfg->cloud_ca_pem = take_dup(e, "cloud_ca_pem"))) {
    snprintf(err, errlen, "no usable enrollment in %s", path);
    goto out;
  }
  rc = 0;
out:
  cJSON_Delete(c);
  cJSON_Delete(e);
  free(text);
  free(etext);
  if (rc != 0) cc_config_clear(cfg);
  return rc;
}

void cc_config_clear(cc_config_t *cfg) {
  free(cfg->sp_ca_pem);
  free(cfg->cloud_ca_pem);
  cfg->sp_ca_pem = cfg->cloud_ca_pem = NULL;
}
