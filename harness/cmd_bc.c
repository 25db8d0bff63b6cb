/* bcsim bc: the admin portal's Business Continuity page, for a kept world.
 *
 *   bcsim bc show [--json]          the PCC name, the SNIs, the SP URL and its CA
 *   bcsim bc download-config [-o F] the signed BC config file
 *   bcsim bc thumbprint             base64(SHA-256(SPKI)) of the signing key
 *
 * A world's keys live in a state directory (see cli_world_dir), made on
 * first use, as a tenant's keys are made once and kept. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/cli.h"
#include "sim/world/tenant.h"

static const char bc_help[] =
    "usage: bcsim bc show [--json] [--world W] [--state-dir DIR]\n"
    "       bcsim bc download-config [-o FILE] [--world W] [--state-dir DIR]\n"
    "       bcsim bc thumbprint [--world W] [--state-dir DIR]\n"
    "\n"
    "The Business Continuity page of the admin portal, for world W (default:\n"
    "\"default\"). A world is made on first use with its own BC SP CA, cloud CA and\n"
    "config signing key, and kept: the thumbprint printed today matches the config\n"
    "downloaded yesterday, and `bcsim serve --world W` serves that world.\n"
    "\n"
    "  show             the PCC DNS name, the PCC SNI for enrolled and for new users,\n"
    "                   the SP URL, the signing certificate and the SP CA certificate\n"
    "  download-config  writes the signed BC config (default: bc-config.json)\n"
    "  thumbprint       base64(SHA-256(DER SubjectPublicKeyInfo)) of the signing key;\n"
    "                   the same as: openssl x509 -in SIGNING_CERT -pubkey -noout |\n"
    "                   openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64\n"
    "\n"
    "  --world W        the world's name (letters, digits, - and _)\n"
    "  --state-dir DIR  where worlds are kept (default: $BCSIM_STATE_DIR, else\n"
    "                   $XDG_STATE_HOME/bcsim, else ~/.local/state/bcsim)\n"
    "  --bc-domain D    the BC domain of a world made now (default: bc.example.com)\n"
    "  --json           show: as JSON\n"
    "  -o FILE          download-config: where to write it\n";

int cli_state_base(char *out, size_t len) {
  const char *env = getenv("BCSIM_STATE_DIR"), *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
  if (env && *env) snprintf(out, len, "%s", env);
  else if (xdg && *xdg) snprintf(out, len, "%s/bcsim", xdg);
  else if (home && *home) snprintf(out, len, "%s/.local/state/bcsim", home);
  else return -1;
  return 0;
}

int cli_world_dir(const char *state_dir, const char *world, char *out, size_t len) {
  char base[PATH_MAX];
  for (const char *p = world; *p; p++)
    if (!(*p == '-' || *p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
      world = "";
  if (!*world || strlen(world) > CLI_WORLD_NAME_MAX) {
    fprintf(stderr, "error: a world's name is 1 to %d letters, digits, - and _\n", CLI_WORLD_NAME_MAX);
    return -1;
  }
  if (state_dir) snprintf(base, sizeof base, "%s", state_dir);
  else if (cli_state_base(base, sizeof base) < 0) {
    fprintf(stderr, "error: no state directory: set HOME or BCSIM_STATE_DIR, or give --state-dir\n");
    return -1;
  }
  snprintf(out, len, "%s/worlds", base);
  if (cli_mkdirs(out) < 0) {
    fprintf(stderr, "%s: error: cannot create the state directory: %s\n", out, strerror(errno));
    return -1;
  }
  chmod(out, 0700);
  snprintf(out, len, "%s/worlds/%s", base, world);
  return 0;
}

void cli_print_bc_settings(const tenant_t *t) {
  static const char *const rows[][2] = {{"pcc_dns_name", "PCC DNS name"},
                                        {"pcc_sni_enrolled", "PCC SNI for enrolled users"},
                                        {"pcc_sni_new", "PCC SNI for new users"},
                                        {"sp_url", "SP URL"}};
  cJSON *settings = cJSON_Parse(tenant_settings(t));
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(settings, rows[i][0]));
    printf("  %-28s %s\n", rows[i][1], v ? v : "?");
  }
  cJSON_Delete(settings);
}

static void show(const tenant_t *t, const char *dir, const char *world, bool json) {
  char signer[PATH_MAX];
  snprintf(signer, sizeof signer, "%s/config-signing.pem", dir);
  if (json) {
    /* The signed settings themselves, and where the world and its signer are. */
    cJSON *o = cJSON_Parse(tenant_settings(t));
    cJSON_AddStringToObject(o, "world", world);
    cJSON_AddStringToObject(o, "state_dir", dir);
    cJSON_AddStringToObject(o, "thumbprint", tenant_thumbprint(t));
    cJSON_AddStringToObject(o, "signing_certificate", signer);
    char *text = cJSON_Print(o);
    if (text) puts(text);
    cJSON_free(text);
    cJSON_Delete(o);
    return;
  }
  char *ca = pki_cert_pem(tenant_bc_ca(t));
  printf("Business Continuity: world \"%s\" (%s)\n\n", world, dir);
  cli_print_bc_settings(t);
  printf("  %-28s %s\n", "Config thumbprint", tenant_thumbprint(t));
  printf("  %-28s %s\n", "Config signing certificate", signer);
  printf("\n  SP CA certificate:\n%s", ca ? ca : "(unavailable)\n");
  free(ca);
}

int cmd_bc(int argc, char **argv) {
  enum { OPT_WORLD = 256, OPT_STATE, OPT_DOMAIN, OPT_JSON };
  static const struct option opts[] = {{"world", required_argument, 0, OPT_WORLD},
                                       {"state-dir", required_argument, 0, OPT_STATE},
                                       {"bc-domain", required_argument, 0, OPT_DOMAIN},
                                       {"json", no_argument, 0, OPT_JSON},
                                       {"out", required_argument, 0, 'o'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
    return cli_help(bc_help, argc < 2 ? EXIT_USAGE : EXIT_PASS);
  const char *what = argv[1], *world = "default", *state = NULL, *out = "bc-config.json", *domain = SC_DEFAULT_BC_DOMAIN;
  bool json = false;
  if (strcmp(what, "show") != 0 && strcmp(what, "download-config") != 0 && strcmp(what, "thumbprint") != 0) {
    fprintf(stderr, "error: unknown bc command \"%s\"\n  hint: show, download-config or thumbprint\n", what);
    return EXIT_USAGE;
  }
  int c;
  optind = 1;
  argc--, argv++;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    if (c == OPT_WORLD) world = optarg;
    else if (c == OPT_STATE) state = optarg;
    else if (c == OPT_DOMAIN) domain = optarg;
    else if (c == OPT_JSON) json = true;
    else if (c == 'o') out = optarg;
    else return cli_help(bc_help, c == 'h' ? EXIT_PASS : EXIT_USAGE);
  }
  if (optind != argc) return cli_help(bc_help, EXIT_USAGE);
  char dir[PATH_MAX], err[PATH_MAX + 128];
  if (cli_world_dir(state, world, dir, sizeof dir) < 0) return EXIT_USAGE;
  tenant_t *t = tenant_open(dir, domain, SC_DEFAULT_CLOUD_DOMAIN, err, sizeof err);
  if (!t) {
    fprintf(stderr, "error: %s\n", err);
    return EXIT_ENV;
  }
  int rc = EXIT_PASS;
  if (strcmp(what, "thumbprint") == 0) {
    puts(tenant_thumbprint(t));
  } else if (strcmp(what, "show") == 0) {
    show(t, dir, world, json);
  } else if (tenant_write_config(t, out) < 0) {
    fprintf(stderr, "%s: error: cannot write the config: %s\n", out, strerror(errno));
    rc = EXIT_ENV;
  } else {
    printf("wrote %s (signed by the key with thumbprint %s)\n", out, tenant_thumbprint(t));
  }
  tenant_free(t);
  return rc;
}
