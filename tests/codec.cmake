# Tests of the decoder plugins, the host-side decode driver and colour
# conversion.  Included from tests/CMakeLists.txt.
add_executable(test_colour test_colour.c)
target_link_libraries(test_colour PRIVATE heic_internal)
add_test(NAME colour COMMAND test_colour)

# Reads the samples in tests/data (through hf_parse) and the heif-convert
# references in tests/data/ref, so it needs no corpus.
add_executable(test_codec_decode test_codec_decode.c)
target_link_libraries(test_codec_decode PRIVATE heic_internal PkgConfig::PNG)
add_test(NAME codec_decode COMMAND test_codec_decode ${CMAKE_CURRENT_SOURCE_DIR}/data)

set_tests_properties(colour codec_decode PROPERTIES TIMEOUT 120 LABELS "unit")
