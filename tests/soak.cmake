# The soak benchmark (bench/soak.c) and its short form for CI.
# Included from tests/CMakeLists.txt:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/soak.cmake OPTIONAL)
#
# heic-soak encodes and decodes images in one process through the public API
# (one fresh context per image, one shared allocator) and aborts the moment
# the allocator has a byte outstanding after an image.  The full run (2,000
# images, peak-RSS growth check) is bench/soak.sh; ctest runs the short form:
#   soak_short  100 images (30 under the sanitizers, where each is ~10x
#               slower); the RSS check is off below 200 images.
# Without the corpus (HEIC_CORPUS_DIR/inputs) heic-soak uses synthetic images,
# so the test runs on a fresh clone too.

add_executable(heic-soak ${CMAKE_SOURCE_DIR}/bench/soak.c)
target_link_libraries(heic-soak PRIVATE heic heic_imageio)

if(HEIC_SANITIZE)
  set(HEIC_SOAK_SHORT_IMAGES 30)
else()
  set(HEIC_SOAK_SHORT_IMAGES 100)
endif()
add_test(NAME soak_short
         COMMAND heic-soak --images ${HEIC_SOAK_SHORT_IMAGES} --seed 1
                 --corpus ${HEIC_CORPUS_DIR}/inputs --corpus-optional)
set_tests_properties(soak_short PROPERTIES TIMEOUT 600 LABELS "soak")
