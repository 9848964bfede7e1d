# The heap allocator of deltascan's servers. Every batch allocates a few
# strings per drift event and frees them when the event is resolved, on
# other threads than the one that decoded it; glibc's malloc spends about a
# sixth of deltascand's time there under load, and keeps freed memory in
# per-thread arenas. mimalloc (Debian's libmimalloc-dev) took 10-15 % more
# events per second through deltascand in the duplicate-heavy benchmark.
# Linking it replaces malloc for the whole process, libraries included.
#
# Sanitizer builds keep the system allocator: ASan must own malloc to find
# heap errors.
set(DELTASCAN_ALLOCATOR "mimalloc" CACHE STRING
    "Heap allocator of the servers: mimalloc or system")
set_property(CACHE DELTASCAN_ALLOCATOR PROPERTY STRINGS mimalloc system)

if(DELTASCAN_SANITIZE)
  set(deltascan_allocator_in_use "system")
elseif(DELTASCAN_ALLOCATOR STREQUAL "mimalloc")
  find_library(DELTASCAN_MIMALLOC_LIBRARY NAMES mimalloc REQUIRED)
  set(deltascan_allocator_in_use "mimalloc")
elseif(DELTASCAN_ALLOCATOR STREQUAL "system")
  set(deltascan_allocator_in_use "system")
else()
  message(FATAL_ERROR
    "DELTASCAN_ALLOCATOR must be mimalloc or system, "
    "not ${DELTASCAN_ALLOCATOR}")
endif()

# Links the chosen allocator into an executable: deltascand, and the HTTP
# floor, which is deltascand's own server without the work and must pay the
# same for its allocations to be a fair floor. The stub scanner keeps the
# system allocator: it stands for somebody else's scanner, and its speed is
# the scanner floor the benchmarks compare deltascand's submissions with.
function(deltascan_use_allocator target)
  if(deltascan_allocator_in_use STREQUAL "mimalloc")
    target_link_libraries(${target} PRIVATE ${DELTASCAN_MIMALLOC_LIBRARY})
  endif()
endfunction()
