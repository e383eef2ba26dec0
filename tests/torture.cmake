# Allocation-failure loops, thread-creation failure, cancellation and I/O
# failure ("torture" tests).  Included from tests/CMakeLists.txt.
#
# test_torture alloc runs each scenario once to count its allocation
# attempts N (each worker-thread creation counts as one), then reruns it
# with the k-th attempt failing for every k <= --max-full and a seeded random
# sample of --sample k beyond (the seed is printed; HEIC_TORTURE_SEED or
# --seed replays it): every run must end in HEIC_ERR_OUT_OF_MEMORY (or
# succeed with identical output) with 0 bytes outstanding.  The sanitizer
# tree adds ASan/LSan/UBSan to that.

if(NOT DEFINED HEIC_SKIP_CODE)
  set(HEIC_SKIP_CODE 77)
endif()
if(NOT DEFINED HEIC_CORPUS_DIR)
  set(HEIC_CORPUS_DIR "${CMAKE_SOURCE_DIR}/../shared/corpus")
endif()
set(_torture_dir ${CMAKE_CURRENT_LIST_DIR})

add_executable(test_torture ${_torture_dir}/test_torture.c)
target_link_libraries(test_torture PRIVATE heic_internal)

# Every k up to 2000, 500 sampled beyond (no scenario has that many yet:
# the largest N is about 200, so every k of every scenario is failed).
set(_torture_loop --max-full 2000 --sample 500 --data ${_torture_dir}/data --corpus ${HEIC_CORPUS_DIR})

add_test(NAME torture_alloc COMMAND test_torture alloc ${_torture_loop} --skip "plugin x265")
add_test(NAME torture_cancel COMMAND test_torture cancel)
add_test(NAME torture_io COMMAND test_torture io)
add_test(NAME torture_io_cli
         COMMAND bash ${_torture_dir}/io_failure.sh
                 $<TARGET_FILE:heic-enc> $<TARGET_FILE:heic-dec> ${_torture_dir}/data)
set(_torture_tests torture_alloc torture_cancel torture_io torture_io_cli)

if(HEIC_X265_FOUND)
  # The x265 plugin on its own, with the suppression for libx265 3.5's own
  # leak of 1,168 bytes per encoder (tests/lsan_x265.supp; it needs the slow
  # unwinder, which is why the other scenarios do not run under it).
  add_test(NAME torture_alloc_x265 COMMAND test_torture alloc ${_torture_loop} --only "plugin x265")
  set_tests_properties(torture_alloc_x265 PROPERTIES ENVIRONMENT
    "LSAN_OPTIONS=suppressions=${_torture_dir}/lsan_x265.supp:fast_unwind_on_malloc=0:print_suppressions=1")
  list(APPEND _torture_tests torture_alloc_x265)
endif()

set_tests_properties(${_torture_tests} PROPERTIES
  TIMEOUT 600 LABELS "torture" SKIP_RETURN_CODE ${HEIC_SKIP_CODE})
