#include "harness/mapview.h"

#include "sim/world/map.h"

static cJSON *links_json(void) {
  cJSON *list = cJSON_CreateArray();
  for (int i = 0; i < map_n_links; i++) {
    const map_link_t *l = &map_links[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ifname", l->ifname);
    cJSON_AddStringToObject(o, "a", map_host_name(l->a));
    cJSON_AddStringToObject(o, "b", map_host_name(l->b));
    cJSON_AddStringToObject(o, "a4", l->a4);
    cJSON_AddStringToObject(o, "b4", l->b4);
    cJSON_AddStringToObject(o, "a6", l->a6);
    cJSON_AddStringToObject(o, "b6", l->b6);
    if (l->a_name) cJSON_AddStringToObject(o, "a_name", l->a_name);
    if (l->b_name) cJSON_AddStringToObject(o, "b_name", l->b_name);
    if (l->client) cJSON_AddBoolToObject(o, "client", true);
    cJSON_AddStringToObject(o, "doc", l->doc);
    cJSON_AddItemToArray(list, o);
  }
  return list;
}

static cJSON *routes_json(void) {
  cJSON *list = cJSON_CreateArray();
  for (int i = 0; i < map_n_routes; i++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "host", map_host_name(map_routes[i].host));
    cJSON_AddStringToObject(o, "dst", map_routes[i].dst);
    cJSON_AddStringToObject(o, "via", map_routes[i].via);
    if (map_routes[i].link) cJSON_AddStringToObject(o, "link", map_routes[i].link);
    cJSON_AddItemToArray(list, o);
  }
  return list;
}

static cJSON *segments_json(void) {
  cJSON *list = cJSON_CreateArray();
  for (int i = 0; i < map_n_segments; i++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", map_segments[i].name);
    cJSON_AddStringToObject(o, "host", map_host_name(map_segments[i].host));
    cJSON_AddStringToObject(o, "v4", map_segments[i].v4);
    cJSON_AddStringToObject(o, "v6", map_segments[i].v6);
    cJSON_AddStringToObject(o, "doc", map_segments[i].doc);
    cJSON_AddItemToArray(list, o);
  }
  return list;
}

static cJSON *parties_json(void) {
  static const char *const serves[] = {"https", "app", "dns", "none"};
  static const char *const domains[] = {"cloud_domain", "bc_domain", MAP_PUBLIC_DOMAIN};
  cJSON *list = cJSON_CreateArray();
  for (int i = 0; i < map_n_parties; i++) {
    const map_party_t *p = &map_parties[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", p->name);
    cJSON_AddStringToObject(o, "role", map_role_name(p->role));
    if (p->group) cJSON_AddStringToObject(o, "group", p->group);
    cJSON_AddStringToObject(o, "serves", serves[p->serves]);
    cJSON_AddStringToObject(o, "host", map_host_name(p->host));
    cJSON_AddStringToObject(o, "v4", p->v4);
    cJSON_AddStringToObject(o, "v6", p->v6);
    cJSON_AddStringToObject(o, "dns_label", p->label);
    cJSON_AddStringToObject(o, "domain", domains[p->domain]);
    if (p->published) cJSON_AddBoolToObject(o, "published", true);
    cJSON_AddItemToArray(list, o);
  }
  return list;
}

static cJSON *spares_json(void) {
  cJSON *list = cJSON_CreateArray();
  for (int i = 0; i < map_n_spares; i++) {
    const map_spare_t *s = &map_spares[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "purpose", s->purpose);
    cJSON_AddStringToObject(o, "host", map_host_name(s->host));
    cJSON_AddStringToObject(o, "v4", s->v4);
    cJSON_AddStringToObject(o, "v6", s->v6);
    cJSON_AddItemToArray(list, o);
  }
  return list;
}

static cJSON *sites_json(void) {
  cJSON *list = cJSON_CreateArray();
  for (int i = 0; i < map_n_sites; i++) {
    const map_site_t *s = &map_sites[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", s->name);
    cJSON_AddStringToObject(o, "client_link", s->client_link);
    cJSON_AddStringToObject(o, "router", map_host_name(map_site_router(s)));
    cJSON_AddStringToObject(o, "uplink", s->uplink);
    cJSON_AddStringToObject(o, "resolver", map_party_of_role((map_role_t)s->resolver_role)->name);
    if (s->v6_only) cJSON_AddBoolToObject(o, "v6_only", true);
    cJSON_AddStringToObject(o, "doc", s->doc);
    if (i == 0) cJSON_AddBoolToObject(o, "default", true);
    cJSON_AddItemToArray(list, o);
  }
  return list;
}

cJSON *mapview_world(void) {
  cJSON *root = cJSON_CreateObject();
  cJSON *hosts = cJSON_AddArrayToObject(root, "hosts");
  cJSON *routers = cJSON_AddArrayToObject(root, "routers"); /* the hosts that forward */
  for (int h = 0; h < LAB_N_HOSTS; h++) {
    cJSON_AddItemToArray(hosts, cJSON_CreateString(map_host_name((lab_host_t)h)));
    if (map_hosts[h].forwards) cJSON_AddItemToArray(routers, cJSON_CreateString(map_host_name((lab_host_t)h)));
  }
  cJSON_AddItemToObject(root, "sites", sites_json());
  cJSON_AddItemToObject(root, "links", links_json());
  cJSON_AddItemToObject(root, "routes", routes_json());
  cJSON_AddItemToObject(root, "segments", segments_json());
  cJSON_AddItemToObject(root, "parties", parties_json());
  cJSON_AddItemToObject(root, "spares", spares_json());
  return root;
}
