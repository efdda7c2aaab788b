# One place for the warning flags, applied per target so third-party headers are not affected.
function(tapstack_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
  if(TAPSTACK_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
