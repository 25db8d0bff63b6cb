/* session_enroll: a new user's first steps (session_impl.h). With no
 * enrollment yet, the client authenticates at the cloud SP and enrolls at
 * the portal; when either fails, it authenticates at the BC SP instead and
 * enrolls through a PCC (session_bc.c). */
#include <stdio.h>
#include <string.h>

#include "sim/client/session_impl.h"

static void cloud_sp_login(cc_session_t *s);

static void bc_sp_done(cc_session_t *s, int status, cJSON *body) {
  const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "assertion"));
  cc__drop(s, &s->pending);
  if (status != 200 || !a || strlen(a) >= sizeof s->assertion) {
    cc__say("the BC SP failed (status %d); starting over after backoff", status);
    cc__after(s, cc__retry_delay(s), cloud_sp_login);
    return;
  }
  snprintf(s->assertion, sizeof s->assertion, "%s", a);
  cc__say("authenticated at the BC SP; enrolling through a PCC");
  cc__enter_bc(s);
}

static void bc_sp_login(cc_session_t *s) {
  cJSON *body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "user", "new.user@example.com");
  cc__say("authenticating at the BC SP %s", s->cfg->sp_host);
  cc__post_to(s, s->cfg->sp_host, s->cfg->sp_host, s->bc_ctx, "/v1/saml/login", body, bc_sp_done);
}

static void portal_done(cc_session_t *s, int status, cJSON *body) {
  const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "token"));
  const char *broker = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "broker"));
  cc__drop(s, &s->pending);
  if (status != 200 || !token || !broker || strlen(token) >= sizeof s->token || strlen(broker) >= sizeof s->broker) {
    cc__say("the portal failed (status %d): trying the BC SP", status);
    bc_sp_login(s);
    return;
  }
  snprintf(s->token, sizeof s->token, "%s", token);
  snprintf(s->broker, sizeof s->broker, "%s", broker);
  s->new_user = false;
  cc__say("enrolled at the portal");
  cc__cloud_route(s);
}

static void cloud_sp_done(cc_session_t *s, int status, cJSON *body) {
  const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "assertion"));
  cc__drop(s, &s->pending);
  if (status != 200 || !a || strlen(a) >= sizeof s->assertion) {
    cc__say("the cloud SP failed (status %d): trying the BC SP", status);
    bc_sp_login(s);
    return;
  }
  snprintf(s->assertion, sizeof s->assertion, "%s", a);
  cJSON *b = cc__device_body(s);
  cJSON_AddStringToObject(b, "assertion", s->assertion);
  cc__post_to(s, s->cfg->portal, s->cfg->portal, s->cloud_ctx, "/v1/enroll", b, portal_done);
}

static void cloud_sp_login(cc_session_t *s) {
  cJSON *body = cJSON_CreateObject();
  cJSON_AddStringToObject(body, "user", "new.user@example.com");
  cc__say("new user: authenticating at the cloud SP %s", s->cfg->cloud_sp);
  cc__post_to(s, s->cfg->cloud_sp, s->cfg->cloud_sp, s->cloud_ctx, "/v1/saml/login", body, cloud_sp_done);
}

void cc__enroll_start(cc_session_t *s) {
  if (s->bugs.skip_cloud_sp) bc_sp_login(s); /* the defect: straight to the BC SP */
  else cloud_sp_login(s);
}
