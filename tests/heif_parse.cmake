# Tests of the HEIF reader (src/heif).  Included from tests/CMakeLists.txt.
#
# Self-contained (builds its files in memory); with the shared corpus present
# it also parses every file there and requires the phone/camera/sample
# *.heic files to parse.  Without the corpus it prints "SKIP corpus" and
# still runs the rest.
add_executable(test_heif_parse test_heif_parse.c)
target_link_libraries(test_heif_parse PRIVATE heic_internal)
add_test(NAME heif_parse
         COMMAND test_heif_parse ${CMAKE_SOURCE_DIR}/../shared/corpus/heif)
set_tests_properties(heif_parse PROPERTIES TIMEOUT 300 LABELS "unit")
