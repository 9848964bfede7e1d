# The instruction set deltascan is compiled for. simdjson's on-demand parser,
# which decodes every batch, picks its SIMD kernel at compile time: without
# flags it falls back to its generic kernel, several times slower. The
# default targets x86-64-v3 (AVX2, BMI1/2, LZCNT) plus PCLMUL, which every
# x86 server CPU since 2013 has, for the whole build, so all translation
# units agree on one instruction set. deltascand checks the CPU at start-up
# and refuses to run, with a clear message, on one without them. Set
# DELTASCAN_TARGET_CPU to "generic" for a portable build.
set(DELTASCAN_TARGET_CPU "x86-64-v3" CACHE STRING
    "CPU baseline: x86-64-v3 (AVX2) or generic")
set_property(CACHE DELTASCAN_TARGET_CPU PROPERTY STRINGS x86-64-v3 generic)

if(DELTASCAN_TARGET_CPU STREQUAL "x86-64-v3"
   AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64)$")
  add_compile_options(-march=x86-64-v3 -mpclmul)
elseif(NOT DELTASCAN_TARGET_CPU STREQUAL "generic"
       AND NOT DELTASCAN_TARGET_CPU STREQUAL "x86-64-v3")
  message(FATAL_ERROR
    "DELTASCAN_TARGET_CPU must be x86-64-v3 or generic, "
    "not ${DELTASCAN_TARGET_CPU}")
endif()
