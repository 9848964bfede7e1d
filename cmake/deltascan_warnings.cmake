# Warnings for our own targets. Dependencies live in /usr/include, a system
# directory, so their headers do not trip these flags.
option(DELTASCAN_WERROR "Treat warnings in deltascan's own code as errors" ON)

function(deltascan_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(DELTASCAN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
