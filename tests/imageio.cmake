# Tests of the image readers (imageio/).  Included from tests/CMakeLists.txt.
add_executable(test_imageio ${CMAKE_CURRENT_LIST_DIR}/test_imageio.c)
target_link_libraries(test_imageio PRIVATE heic heic_imageio)
# The corpus is optional: without it the JPEG corpus checks are skipped.
add_test(NAME imageio COMMAND test_imageio ${HEIC_CORPUS_DIR})
set_tests_properties(imageio PROPERTIES TIMEOUT 120 LABELS "unit")
# The row writers (issue 17): bands against the whole image, stops, aborts.
add_executable(test_imageio_rows ${CMAKE_CURRENT_LIST_DIR}/test_imageio_rows.c)
target_link_libraries(test_imageio_rows PRIVATE heic heic_imageio)
add_test(NAME imageio_rows COMMAND test_imageio_rows)
set_tests_properties(imageio_rows PROPERTIES TIMEOUT 120 LABELS "unit")

# The readers' error paths (libpng/libjpeg longjmps) must not leak: valgrind
# over the same test, in plain builds (it does not mix with the sanitizers,
# which cover the sanitizer build).
find_program(HEIC_VALGRIND valgrind)
if(HEIC_VALGRIND AND NOT HEIC_SANITIZE)
  add_test(NAME imageio_valgrind
           COMMAND ${HEIC_VALGRIND} --quiet --error-exitcode=99 --leak-check=full
                   --errors-for-leak-kinds=definite,indirect,possible
                   $<TARGET_FILE:test_imageio> ${HEIC_CORPUS_DIR})
  add_test(NAME imageio_rows_valgrind
           COMMAND ${HEIC_VALGRIND} --quiet --error-exitcode=99 --leak-check=full
                   --errors-for-leak-kinds=definite,indirect,possible
                   $<TARGET_FILE:test_imageio_rows>)
  set_tests_properties(imageio_valgrind imageio_rows_valgrind PROPERTIES
    TIMEOUT 600 LABELS "unit;valgrind")
endif()

# heic-enc smoke tests: the CLI answers, and one corpus JPEG with Exif
# orientation encodes (skipped without the corpus).  The interoperability
# matrix over the whole corpus lives with the encoder's own tests.
if(TARGET heic-enc)
  add_test(NAME heic_enc_help COMMAND heic-enc --help)
  set_tests_properties(heic_enc_help PROPERTIES PASS_REGULAR_EXPRESSION "Usage: heic-enc")
  add_test(NAME heic_enc_list COMMAND heic-enc --list-encoders)
  set_tests_properties(heic_enc_list PROPERTIES PASS_REGULAR_EXPRESSION "builtin")
  add_test(NAME heic_enc_jpeg
           COMMAND heic-enc -q 60 ${HEIC_CORPUS_DIR}/inputs/jpeg/paris_exif_orientation_5.jpg
                   -o ${CMAKE_CURRENT_BINARY_DIR}/heic_enc_jpeg.heic)
  set_tests_properties(heic_enc_jpeg PROPERTIES
    # (a pass expression makes ctest ignore the exit status, hence the
    # fail expression for the leak canary's message)
    PASS_REGULAR_EXPRESSION "403x302 JPEG RGB 8-bit"
    FAIL_REGULAR_EXPRESSION "internal error"
    SKIP_REGULAR_EXPRESSION "cannot open"
    TIMEOUT 120 LABELS "unit")
  set_tests_properties(heic_enc_help heic_enc_list PROPERTIES TIMEOUT 30 LABELS "unit")
endif()
if(TARGET hevc-enc)
  # every tool reports the library's version the same way
  add_test(NAME hevc_enc_version COMMAND hevc-enc --version)
  set_tests_properties(hevc_enc_version PROPERTIES
    PASS_REGULAR_EXPRESSION "^hevc-enc \\(libheic\\) [0-9]+\\.[0-9]+\\.[0-9]+"
    TIMEOUT 30 LABELS "unit")
endif()

# imageio's row readers (PNG, JPEG) against the whole read, over the corpus
# inputs and tests/data (tests/test_imageio_read_rows.c).
add_executable(test_imageio_read_rows ${CMAKE_CURRENT_LIST_DIR}/test_imageio_read_rows.c)
target_link_libraries(test_imageio_read_rows PRIVATE heic_imageio)
file(GLOB _read_rows_inputs ${HEIC_CORPUS_DIR}/inputs/png/*.png ${HEIC_CORPUS_DIR}/inputs/jpeg/*.jpg
     ${HEIC_TEST_DATA}/*.png)
add_test(NAME imageio_read_rows COMMAND test_imageio_read_rows ${_read_rows_inputs})
set_tests_properties(imageio_read_rows PROPERTIES TIMEOUT 300 LABELS "unit")
