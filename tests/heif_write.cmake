# Tests of the HEIF writer (src/heif/heif_write.c).  Included from tests/CMakeLists.txt.
#
# Self-contained: builds files from the samples in tests/data and reads them
# back.  When Debian's heif-info and heif-convert (libheif-examples) are
# installed it also checks that libheif opens the re-wrapped samples and
# decodes the same pixels as from the originals; without them that part
# prints "SKIP libheif" and the rest still runs.
add_executable(test_heif_write test_heif_write.c)
target_link_libraries(test_heif_write PRIVATE heic_internal heic_imageio)
add_test(NAME heif_write COMMAND test_heif_write ${HEIC_TEST_DATA})
set_tests_properties(heif_write PROPERTIES TIMEOUT 300 LABELS "unit")
