# heic-dec and heic-info for a newcomer (issue 18).  Included from
# tests/CMakeLists.txt.
#   cli_heic_dec   tests/cli_heic_dec.sh: -o OUT.png with one input writes
#                  that file (-o DIR/ and directories stay batches, several
#                  inputs with -o x.png are refused); '-' writes the image
#                  to standard output (the same bytes; a terminal, --all
#                  and batches refused; failures leave it empty); PNG, JPEG,
#                  GIF, WebP, TIFF, Y4M and JPEG XL inputs and compact
#                  ('mini') HEIF files named; Y4M of an overlay says to write
#                  .png or .jpg; -q N and bare -q.  About 4 s.
#   cli_heic_info  tests/cli_heic_info.sh: the summary and --verbose; the
#                  displayed size (clap, irot) before the coded one, the
#                  size heic-dec writes; other formats, compact files, AVIF;
#                  every corpus image's size against libheif's heif-info.
#                  About 10 s, most of it heif-info.
# Both run their corpus parts only when the corpus is there (and heif-info
# for the comparison); the rest runs on files made with heic-enc.
add_test(NAME cli_heic_dec
         COMMAND ${HEIC_BASH} ${CMAKE_CURRENT_LIST_DIR}/cli_heic_dec.sh
                 $<TARGET_FILE:heic-enc> $<TARGET_FILE:heic-dec> ${HEIC_TEST_DATA} ${HEIC_CORPUS_DIR})
add_test(NAME cli_heic_info
         COMMAND ${HEIC_BASH} ${CMAKE_CURRENT_LIST_DIR}/cli_heic_info.sh
                 $<TARGET_FILE:heic-enc> $<TARGET_FILE:heic-info> $<TARGET_FILE:heic-dec>
                 ${HEIC_TEST_DATA} ${HEIC_CORPUS_DIR})
set_tests_properties(cli_heic_dec cli_heic_info PROPERTIES
  TIMEOUT 300 LABELS "cli" SKIP_RETURN_CODE ${HEIC_SKIP_CODE})
