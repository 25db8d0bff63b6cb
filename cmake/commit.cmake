# Writes the git commit bcsim is built from (with "-dirty" when tracked files
# differ from it, "unknown" outside a git checkout) into a header, rewriting
# it only when it changes, so a new commit rebuilds one file. Certificates
# record it. Run with -DSRC=source dir -DOUT=commit.h -DGIT=git program.
set(commit "unknown")
if(GIT)
  execute_process(COMMAND "${GIT}" -C "${SRC}" rev-parse HEAD OUTPUT_VARIABLE head RESULT_VARIABLE rc
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND head MATCHES "^[0-9a-f]+$")
    set(commit "${head}")
    execute_process(COMMAND "${GIT}" -C "${SRC}" status --porcelain --untracked-files=no OUTPUT_VARIABLE changes
                    RESULT_VARIABLE rc ERROR_QUIET)
    if(NOT rc EQUAL 0 OR NOT changes STREQUAL "")
      string(APPEND commit "-dirty")
    endif()
  endif()
endif()
file(WRITE "${OUT}.tmp" "#define BCSIM_COMMIT \"${commit}\"\n")
execute_process(COMMAND "${CMAKE_COMMAND}" -E copy_if_different "${OUT}.tmp" "${OUT}")
file(REMOVE "${OUT}.tmp")
