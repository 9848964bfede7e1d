# Warnings for our own targets. Dependencies live in /usr/include, a system
# directory, so their headers do not trip these flags.
option(DELTASCAN_WERROR "Treat warnings in deltascan's own code as errors" ON)

function(deltascan_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(DELTASCAN_WERROR)
    # GCC 12 at -O3 reports std::optional and std::string internals as
    # "maybe uninitialized" or overlapping (-Wrestrict) after inlining,
    # where nothing is. Those two still warn but do not fail the build.
    target_compile_options(${target} PRIVATE -Werror
      -Wno-error=maybe-uninitialized -Wno-error=restrict)
  endif()
endfunction()
