# The streaming decode, heic_context_decode_item_rows() (issue 17).
# Included from tests/CMakeLists.txt.  Compares the bands with the whole
# decode over tests/data, the corpus (when present) and synthetic grids
# with every transformation; allocation-failure loop, cancellation, and the
# allocator's peak on the 12 MP iPhone grid (tests/test_decode_rows.c).
# Under the sanitizers only corpus files up to 1 MB and no camera grid.
add_executable(test_decode_rows ${CMAKE_CURRENT_LIST_DIR}/test_decode_rows.c)
target_link_libraries(test_decode_rows PRIVATE heic_internal)
if(HEIC_SANITIZE)
  set(_decode_rows_quick --quick)
else()
  set(_decode_rows_quick)
endif()
add_test(NAME decode_rows
         COMMAND test_decode_rows ${_decode_rows_quick} ${HEIC_TEST_DATA} ${HEIC_CORPUS_DIR})
set_tests_properties(decode_rows PROPERTIES TIMEOUT 300 LABELS "unit;decode")
