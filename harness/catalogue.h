/* catalogue: every action a scenario timeline can take, with its targets
 * and typed parameters. The loader validates steps against it, `bcsim list`
 * prints it, and docs/scenario-format.md describes it. Pure data. */
#ifndef BC_CATALOGUE_H
#define BC_CATALOGUE_H
#include <cjson/cJSON.h>
#include <stdbool.h>

typedef enum { CAT_DUR, CAT_INT, CAT_STR } cat_type_t;

typedef struct cat_param {
  const char *name;
  cat_type_t type;
  const char *doc;
} cat_param_t;

typedef struct cat_action {
  const char *name;
  const char *targets;      /* comma-separated */
  const cat_param_t *params; /* NULL-terminated by name, or NULL */
  const char *doc;
  bool before_client;       /* only at 0s: it changes what the client is handed */
} cat_action_t;

extern const cat_action_t cat_actions[];
extern const int cat_n_actions;

const cat_action_t *cat_find(const char *name);
bool cat_target_allowed(const cat_action_t *a, const char *target);
const cat_param_t *cat_param(const cat_action_t *a, const char *name);
/* A fault a person may switch on and off in a running world (bcsim fault):
 * not what a client is handed before it starts, and not a probe. */
bool cat_switchable(const cat_action_t *a);
/* Every action name, for "did you mean" hints. Static storage. */
const char *const *cat_names(void);
#endif
