#include "harness/buildinfo.h"

#include "bcsim_commit.h"

const char *buildinfo_version(void) { return BCSIM_VERSION; }
const char *buildinfo_commit(void) { return BCSIM_COMMIT; }
