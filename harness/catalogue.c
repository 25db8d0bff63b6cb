#include "harness/catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ACTIONS 64
#define TARGETS_LEN 512

const cat_action_t *cat_table(void) {
  static cat_action_t table[MAX_ACTIONS];
  static char targets[MAX_ACTIONS][TARGETS_LEN];
  static bool built;
  if (!built) {
    for (int i = 0; i < map_n_faults && i < MAX_ACTIONS; i++) {
      const map_fault_t *f = &map_faults[i];
      map_fault_targets(f, targets[i], sizeof targets[i]);
      table[i] = (cat_action_t){f->name, targets[i], f->params, f->doc, f->handler == FAULT_CONFIG, f};
    }
    built = true;
  }
  return table;
}

const cat_action_t *cat_find(const char *name) {
  for (int i = 0; i < cat_n_actions; i++)
    if (strcmp(cat_actions[i].name, name) == 0) return &cat_actions[i];
  return NULL;
}

bool cat_target_allowed(const cat_action_t *a, const char *target) { return map_fault_allows(a->fault, target); }

const cat_param_t *cat_param(const cat_action_t *a, const char *name) {
  for (const cat_param_t *p = a->params; p && p->name; p++)
    if (strcmp(p->name, name) == 0) return p;
  return NULL;
}

bool cat_fill_defaults(const cat_action_t *a, cJSON *params) {
  for (const cat_param_t *p = a->params; p && p->name; p++) {
    if (!p->def || cJSON_GetObjectItemCaseSensitive(params, p->name)) continue;
    /* As a scenario would write it: the validator's types hold for defaults too. */
    cJSON *v = p->type == CAT_INT ? cJSON_AddNumberToObject(params, p->name, strtod(p->def, NULL))
                                  : cJSON_AddStringToObject(params, p->name, p->def);
    if (!v) return false;
  }
  return true;
}

bool cat_switchable(const cat_action_t *a) { return !a->before_client && !map_fault_is_probe(a->fault); }

const char *const *cat_names(void) {
  static const char *names[MAX_ACTIONS];
  for (int i = 0; i < cat_n_actions && i < MAX_ACTIONS; i++) names[i] = cat_actions[i].name;
  return names;
}
