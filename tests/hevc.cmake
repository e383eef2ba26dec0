# Tests of the HEVC encoder (src/hevc).  Included from tests/CMakeLists.txt.
foreach(t bitstream cabac transform intra encoder stream)
  add_executable(test_hevc_${t} ${CMAKE_CURRENT_LIST_DIR}/test_hevc_${t}.c)
  target_link_libraries(test_hevc_${t} PRIVATE heic_internal)
  add_test(NAME hevc_${t} COMMAND test_hevc_${t})
endforeach()

# SIMD kernels against the C ones (seeded from the clock; the seed is
# printed).  Exit 77 when the CPU has no SIMD tier.
add_executable(test_hevc_dsp ${CMAKE_CURRENT_LIST_DIR}/test_hevc_dsp.c)
target_link_libraries(test_hevc_dsp PRIVATE heic_internal)
add_test(NAME hevc_dsp COMMAND test_hevc_dsp)
set_tests_properties(hevc_dsp PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)

# Bit-exactness against ffmpeg and libde265 (MD5 SEI), representative subset
# (every tool variant, every chroma format at 8, 10 and 12 bits, lossy and
# lossless, odd sizes, WPP on and off: 817 streams).  The full matrix
# (18,600 streams, about two hours on 2 cores): tests/hevc_conformance.sh --full.
find_program(HEVC_FFMPEG ffmpeg)
find_program(HEVC_DEC265 libde265-dec265)
find_program(HEVC_PYTHON3 python3)
if(TARGET hevc-enc AND HEVC_FFMPEG AND HEVC_DEC265 AND HEVC_PYTHON3)
  # Under the sanitizers every fourth stream of the subset: the encoder
  # runs about three times slower there (415 s for all of them beside the
  # rest of the suite), and the plain tree checks every stream.
  if(HEIC_SANITIZE)
    set(_conf_sample --sample 4)
  else()
    set(_conf_sample)
  endif()
  add_test(NAME hevc_conformance_ci
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/hevc_conformance.sh --ci ${_conf_sample}
                   --enc $<TARGET_FILE:hevc-enc>)
  set_tests_properties(hevc_conformance_ci PROPERTIES TIMEOUT 900)
endif()

# The output does not depend on the thread count (wavefront rows, grid tiles).
if(TARGET hevc-enc AND TARGET heic-enc AND HEVC_FFMPEG AND HEVC_PYTHON3)
  add_test(NAME hevc_threads
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/hevc_threads.sh $<TARGET_FILE:hevc-enc> $<TARGET_FILE:heic-enc>)
  set_tests_properties(hevc_threads PROPERTIES TIMEOUT 900)
endif()

# Every preset written out with hevc-enc's options gives the preset's
# stream; out-of-range values are usage errors.
if(TARGET hevc-enc AND HEVC_PYTHON3)
  add_test(NAME hevc_enc_options
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/hevc_enc_options.sh $<TARGET_FILE:hevc-enc>)
  set_tests_properties(hevc_enc_options PROPERTIES TIMEOUT 300)
endif()

# The streaming encode, heic_context_encode_rows() (issue 17): the same
# file as the whole-image encode, working set, cancellation, read errors,
# allocation-failure loop (tests/test_encode_rows.c).  Sanitizer trees run
# the smaller --quick set.
add_executable(test_encode_rows ${CMAKE_CURRENT_LIST_DIR}/test_encode_rows.c)
target_link_libraries(test_encode_rows PRIVATE heic_internal)
if(HEIC_SANITIZE)
  set(_encode_rows_quick --quick)
else()
  set(_encode_rows_quick)
endif()
add_test(NAME encode_rows COMMAND test_encode_rows ${_encode_rows_quick})
set_tests_properties(encode_rows PROPERTIES TIMEOUT 300 LABELS "unit;encode")
