#include "harness/timeline.h"

#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/files.h"

struct tl {
  tl_event_t *ev;
  size_t n, cap, dropped;
  int64_t first_drop_us;
  uint64_t *order; /* insertion sequence, for a stable sort */
};

tl_t *tl_new(void) {
  tl_t *tl = calloc(1, sizeof(tl_t));
  if (tl) tl->first_drop_us = -1;
  return tl;
}

void tl_free(tl_t *tl) {
  if (!tl) return;
  for (size_t i = 0; i < tl->n; i++) cJSON_Delete(tl->ev[i].obj);
  free(tl->ev);
  free(tl->order);
  free(tl);
}

int tl_add(tl_t *tl, int64_t t_us, const char *src, const char *type, cJSON *fields) {
  cJSON *obj = NULL;
  int rc = -1;
  bool harness = strcmp(src, "harness") == 0;
  if (tl->n >= TL_MAX_EVENTS + (harness ? TL_HARNESS_RESERVE : 0)) goto out;
  if (tl->n == tl->cap) {
    size_t cap = tl->cap ? tl->cap * 2 : 256;
    tl_event_t *ev = realloc(tl->ev, cap * sizeof *ev);
    if (!ev) goto out;
    tl->ev = ev;
    uint64_t *order = realloc(tl->order, cap * sizeof *order);
    if (!order) goto out;
    tl->order = order;
    tl->cap = cap;
  }
  obj = cJSON_CreateObject();
  if (!obj) goto out;
  cJSON_AddNumberToObject(obj, "t", (double)t_us / 1e6);
  cJSON_AddStringToObject(obj, "from", src);
  cJSON_AddStringToObject(obj, "type", type);
  if (fields) {
    while (fields->child) {
      cJSON *item = cJSON_DetachItemViaPointer(fields, fields->child);
      cJSON_AddItemToObject(obj, item->string, item);
    }
  }
  tl->order[tl->n] = tl->n;
  tl->ev[tl->n].t_us = t_us;
  tl->ev[tl->n].obj = obj;
  tl->n++;
  obj = NULL;
  rc = 0;
out:
  if (rc != 0) {
    tl->dropped++;
    if (tl->first_drop_us < 0 || t_us < tl->first_drop_us) tl->first_drop_us = t_us;
  }
  cJSON_Delete(obj);
  cJSON_Delete(fields);
  return rc;
}

static tl_t *sort_ctx;
static int by_time(const void *a, const void *b) {
  size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
  const tl_event_t *ea = &sort_ctx->ev[ia], *eb = &sort_ctx->ev[ib];
  if (ea->t_us != eb->t_us) return ea->t_us < eb->t_us ? -1 : 1;
  return sort_ctx->order[ia] < sort_ctx->order[ib] ? -1 : 1;
}

void tl_sort(tl_t *tl) {
  size_t *idx = malloc(tl->n * sizeof *idx);
  tl_event_t *sorted = malloc(tl->n * sizeof *sorted);
  if (!idx || !sorted) goto out;
  for (size_t i = 0; i < tl->n; i++) idx[i] = i;
  sort_ctx = tl;
  qsort(idx, tl->n, sizeof *idx, by_time);
  for (size_t i = 0; i < tl->n; i++) sorted[i] = tl->ev[idx[i]];
  for (size_t i = 0; i < tl->n; i++) {
    tl->ev[i] = sorted[i];
    tl->order[i] = i;
  }
out:
  free(idx);
  free(sorted);
}

size_t tl_count(const tl_t *tl) { return tl->n; }
const tl_event_t *tl_at(const tl_t *tl, size_t i) { return i < tl->n ? &tl->ev[i] : NULL; }
size_t tl_dropped(const tl_t *tl) { return tl->dropped; }
int64_t tl_first_drop(const tl_t *tl) { return tl->first_drop_us; }

void tl_shift(tl_t *tl, int64_t by_us) {
  for (size_t i = 0; i < tl->n; i++) {
    tl->ev[i].t_us -= by_us;
    cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(tl->ev[i].obj, "t"), (double)tl->ev[i].t_us / 1e6);
  }
  if (tl->first_drop_us >= 0) tl->first_drop_us -= by_us;
}

int tl_write_jsonl(const tl_t *tl, const char *path) {
  /* Written whole, then renamed (base/files.h): a crash never leaves half a timeline. */
  files_atomic_t *a = files_atomic_new(path, 0666);
  if (!a) return -1;
  int rc = 0;
  for (size_t i = 0; i < tl->n; i++) {
    char *line = cJSON_PrintUnformatted(tl->ev[i].obj);
    if (!line || fprintf(files_atomic_stream(a), "%s\n", line) < 0) rc = -1;
    free(line);
  }
  if (rc == 0) return files_atomic_commit(a);
  files_atomic_free(a);
  return rc;
}
