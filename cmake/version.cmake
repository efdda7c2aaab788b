# Writes OUTPUT from INPUT with @TAPSTACK_VERSION@ and @TAPSTACK_COMMIT@ filled in; run by the
# tapstack_version target on every build (cmake -P), so the commit is the one being built.
# configure_file leaves OUTPUT untouched when nothing changed, so nothing recompiles then.
# The commit is "unknown" without git, or when SOURCE_DIR is not the top of a git work tree (a
# release tarball, even one unpacked inside some other repository).
set(TAPSTACK_COMMIT unknown)
find_program(GIT_EXECUTABLE git)
if(GIT_EXECUTABLE)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --show-toplevel
                  OUTPUT_VARIABLE toplevel OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(rc EQUAL 0)
    file(REAL_PATH "${toplevel}" toplevel)
    file(REAL_PATH "${SOURCE_DIR}" source_dir)
    if(toplevel STREQUAL source_dir)
      execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --short HEAD
                      OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
      if(rc EQUAL 0 AND commit)
        set(TAPSTACK_COMMIT ${commit})
      endif()
    endif()
  endif()
endif()
set(TAPSTACK_VERSION ${VERSION})
configure_file(${INPUT} ${OUTPUT} @ONLY)
