/* catalogue: every action a scenario timeline can take, with its targets
 * and typed parameters, as the judge sees them: a view of the world's fault
 * table (sim/world/map.h), which is their one home. The loader validates
 * steps against it, `bcsim list` prints it, and docs/scenario-format.md
 * describes it. Pure data. */
#ifndef BC_CATALOGUE_H
#define BC_CATALOGUE_H
#include <cjson/cJSON.h>
#include <stdbool.h>

#include "sim/world/map.h"

typedef map_param_type_t cat_type_t;
#define CAT_DUR MAP_PARAM_DUR
#define CAT_INT MAP_PARAM_INT
#define CAT_STR MAP_PARAM_STR
typedef map_param_t cat_param_t;

typedef struct cat_action {
  const char *name;
  const char *targets;       /* comma-separated, from the world's tables */
  const cat_param_t *params; /* NULL-terminated by name, or NULL */
  const char *doc;
  bool before_client;        /* only at 0s: it changes what the client is handed */
  const map_fault_t *fault;  /* its row in the world's fault table */
} cat_action_t;

/* The actions, in the fault table's order (built on first use; static storage). */
const cat_action_t *cat_table(void);
#define cat_actions (cat_table())
#define cat_n_actions map_n_faults

const cat_action_t *cat_find(const char *name);
bool cat_target_allowed(const cat_action_t *a, const char *target);
const cat_param_t *cat_param(const cat_action_t *a, const char *name);
/* Adds to params every duration parameter of a that it leaves out and that
 * has a default, so the world is always handed its durations, and
 * --time-scale scales a default as it scales a value written out. False if
 * out of memory. */
bool cat_fill_defaults(const cat_action_t *a, cJSON *params);
/* A fault a person may switch on and off in a running world (bcsim fault):
 * not what a client is handed before it starts, and not a probe. */
bool cat_switchable(const cat_action_t *a);
/* Every action name, for "did you mean" hints. Static storage. */
const char *const *cat_names(void);
#endif
