# Tests of the encoder plugins (src/plugins/encoder_*.c).  Included from
# tests/CMakeLists.txt.
add_executable(test_encoder_plugins ${CMAKE_CURRENT_LIST_DIR}/test_encoder_plugins.c)
target_link_libraries(test_encoder_plugins PRIVATE heic_internal m)

# Independent decoders as oracles when installed: libde265-dec265 -c checks
# the builtin encoder's MD5 SEI, ffmpeg must decode what libde265 decodes.
find_program(ENCPLUG_DEC265 libde265-dec265)
find_program(ENCPLUG_FFMPEG ffmpeg)
set(ENCPLUG_ARGS)
if(ENCPLUG_DEC265)
  list(APPEND ENCPLUG_ARGS --dec265 ${ENCPLUG_DEC265})
endif()
if(ENCPLUG_FFMPEG)
  list(APPEND ENCPLUG_ARGS --ffmpeg ${ENCPLUG_FFMPEG})
endif()
if(HEIC_X265_FOUND)
  list(APPEND ENCPLUG_ARGS --expect-x265)
  target_compile_definitions(test_encoder_plugins PRIVATE HEIC_TEST_X265_REPRO=1)
endif()
add_test(NAME encoder_plugins COMMAND test_encoder_plugins ${ENCPLUG_ARGS})
set_tests_properties(encoder_plugins PROPERTIES TIMEOUT 600 LABELS "unit;encode")

# Grey, monochrome and lossless images through the public encode API.
add_executable(test_encode_grey ${CMAKE_CURRENT_LIST_DIR}/test_encode_grey.c)
target_link_libraries(test_encode_grey PRIVATE heic_internal)
add_test(NAME encode_grey COMMAND test_encode_grey)
set_tests_properties(encode_grey PROPERTIES TIMEOUT 120 LABELS "unit;encode")

if(HEIC_X265_FOUND)
  # libx265 3.5 loses 1,168 bytes per encoder inside x265_encoder_open() (not
  # ours: see tests/lsan_x265.supp).  Tests that open x265 encoders get that
  # suppression, with full stacks (libx265 has no frame pointers, and the
  # fast unwinder would skip the frame the suppression names).
  set(ENCPLUG_LSAN "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/lsan_x265.supp"
                   ":fast_unwind_on_malloc=0:print_suppressions=1")
  string(REPLACE ";" "" ENCPLUG_LSAN "${ENCPLUG_LSAN}")
  set_tests_properties(encoder_plugins encode_grey PROPERTIES ENVIRONMENT "${ENCPLUG_LSAN}")
  if(HEIC_SANITIZE)
    # The minimal reproducer: 3 encoders opened and closed with libx265's API
    # alone.  Without the suppression LSan must report exactly 3 x 1,168
    # bytes; with it the run is clean.
    add_test(NAME x265_leak_repro COMMAND test_encoder_plugins --x265-leak-repro 3)
    set_tests_properties(x265_leak_repro PROPERTIES TIMEOUT 120 LABELS "unit;encode"
      ENVIRONMENT "LSAN_OPTIONS=fast_unwind_on_malloc=0"
      PASS_REGULAR_EXPRESSION "SUMMARY: AddressSanitizer: 3504 byte\\(s\\) leaked in 3 allocation\\(s\\)")
    add_test(NAME x265_leak_repro_suppressed COMMAND test_encoder_plugins --x265-leak-repro 3)
    set_tests_properties(x265_leak_repro_suppressed PROPERTIES TIMEOUT 120 LABELS "unit;encode"
      ENVIRONMENT "${ENCPLUG_LSAN}")
  endif()
endif()
