/* mapview: the world's tables (sim/world/map.h) as one JSON document, for
 * `bcsim list --world` and for scripts (tests, benchmarks) that must know
 * an address without typing it. Pure. */
#ifndef BC_MAPVIEW_H
#define BC_MAPVIEW_H
#include <cjson/cJSON.h>

/* {"hosts", "links", "routes", "segments", "parties", "spares"}: a new object, the caller's. */
cJSON *mapview_world(void);
#endif
