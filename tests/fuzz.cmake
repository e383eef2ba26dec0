# Fuzz targets (tests/fuzz/).  Included from tests/CMakeLists.txt.
#
# Always: each target is built with tests/fuzz/replay_main.c as
# fuzz_<target>_replay (any compiler), and ctest replays its seeds and its
# regression inputs (tests/fuzz/regressions/<target>/) through it - in the
# sanitizer tree that is the same check libFuzzer makes, minus the mutation.
#
# HEIC_FUZZ=ON (clang only): also the real libFuzzer binaries fuzz_<target>,
# with the library and the image readers instrumented for coverage.  Combine
# with HEIC_SANITIZE=ON for ASan+UBSan; tests/fuzz/run.sh does both.
option(HEIC_FUZZ "Build libFuzzer fuzz targets (needs clang; see tests/fuzz/run.sh)" OFF)

set(HEIC_FUZZ_DIR ${CMAKE_CURRENT_LIST_DIR}/fuzz)
set(HEIC_FUZZ_TARGETS decode encode imageio parse)
# Sources a target shares with others: parse and decode both make every
# query heic-info makes.
set(HEIC_FUZZ_SOURCES_decode ${HEIC_FUZZ_DIR}/fuzz_query.c)
set(HEIC_FUZZ_SOURCES_parse ${HEIC_FUZZ_DIR}/fuzz_query.c)

function(heic_fuzz_link target what)
  target_include_directories(${target} PRIVATE ${HEIC_FUZZ_DIR})
  if(what STREQUAL "imageio")
    target_link_libraries(${target} PRIVATE heic_imageio)
  else()
    # The static twin: no shared-library boundary for the fuzzer's coverage
    # and the replay binary needs no LD_LIBRARY_PATH.  Public API only.
    target_link_libraries(${target} PRIVATE heic_internal)
  endif()
endfunction()

foreach(t ${HEIC_FUZZ_TARGETS})
  add_executable(fuzz_${t}_replay ${HEIC_FUZZ_DIR}/fuzz_${t}.c ${HEIC_FUZZ_SOURCES_${t}}
                 ${HEIC_FUZZ_DIR}/replay_main.c)
  heic_fuzz_link(fuzz_${t}_replay ${t})
  # make_seeds.sh builds the seed directory at run time (from the shared
  # corpus when present, else tests/data; for decode and parse also the
  # hostile files of tests/tools/make_hostile.py, from a donor heic-enc
  # writes), so no corpus file is copied into the repository and the test
  # follows the corpus as it grows.
  add_test(NAME fuzz_${t}_replay
           COMMAND ${HEIC_BASH} ${HEIC_FUZZ_DIR}/replay.sh $<TARGET_FILE:fuzz_${t}_replay> ${t}
                   ${HEIC_CORPUS_DIR} ${HEIC_TEST_DATA} ${CMAKE_CURRENT_BINARY_DIR}/fuzz-seeds)
  set_tests_properties(fuzz_${t}_replay PROPERTIES TIMEOUT 900 LABELS "fuzz"
                       ENVIRONMENT "HEIC_FUZZ_HEIC_ENC=$<TARGET_FILE:heic-enc>")
endforeach()

if(HEIC_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "HEIC_FUZZ needs clang (-fsanitize=fuzzer); configure with CC=clang")
  endif()
  # Coverage feedback must come from the code under test, not just from the
  # harness: instrument the library objects and the readers too.
  target_compile_options(heic_objects PRIVATE -fsanitize=fuzzer-no-link)
  target_compile_options(heic_imageio PRIVATE -fsanitize=fuzzer-no-link)
  # The instrumented code calls the coverage hooks (__sanitizer_cov_*):
  # everything linking it gets libFuzzer's runtime without its main(), so
  # the tools and tests of this tree still link, with or without HEIC_SANITIZE.
  target_link_options(heic PRIVATE -fsanitize=fuzzer-no-link)
  target_link_options(heic_internal INTERFACE -fsanitize=fuzzer-no-link)
  target_link_options(heic_imageio INTERFACE -fsanitize=fuzzer-no-link)
  foreach(t ${HEIC_FUZZ_TARGETS})
    add_executable(fuzz_${t} ${HEIC_FUZZ_DIR}/fuzz_${t}.c ${HEIC_FUZZ_SOURCES_${t}})
    heic_fuzz_link(fuzz_${t} ${t})
    target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
    target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
  endforeach()
endif()
