# Writes the requirement levels of docs/SPEC.md as C table rows, so that
# SPEC.md stays the one home of "BC-TLS-02 is a MUST": harness/spec.c
# includes the rows, and `bcsim list --requirements` checks that they agree
# with the spec it reads. Run with -DSPEC=docs/SPEC.md -DOUT=spec_levels.inc.
file(STRINGS "${SPEC}" lines REGEX "^### [A-Z0-9-]+ \\([A-Z]+\\)")
set(body "/* Generated from docs/SPEC.md by cmake/spec_levels.cmake: edit the spec, not this file. */\n")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^### ([A-Z0-9-]+) \\(([A-Z]+)\\).*" "{\"\\1\", \"\\2\"}," row "${line}")
  string(APPEND body "${row}\n")
endforeach()
file(WRITE "${OUT}" "${body}")
