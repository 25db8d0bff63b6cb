/* buildinfo: what bcsim was built from, for the reports and certificates that
 * must say which bcsim judged: the version, and the git commit the build
 * embedded (cmake/commit.cmake: "-dirty" when tracked files differed from
 * it, "unknown" outside a git checkout). */
#ifndef BC_BUILDINFO_H
#define BC_BUILDINFO_H
const char *buildinfo_version(void);
const char *buildinfo_commit(void);
#endif
