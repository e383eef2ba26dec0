# heic-dec writing band by band (issue 17).  Included from
# tests/CMakeLists.txt.
#   dec_stream  tests/dec_stream.sh: every corpus HEIF to PNG, JPEG and Y4M
#               gives the same bytes as the whole-image path (dec_whole,
#               tests/tools/dec_whole.c: heic_context_decode_item and
#               imageio's whole-image writers); the 12 MP iPhone grid to
#               PNG and Y4M peaks under 40 MB RSS at 2 threads; --timeout
#               and a damaged last tile leave no output and no temporary
#               file.  JPEG for corpus files up to 1 MB (--full: all).
#               Under the sanitizers: corpus files up to 300 KB, no
#               RSS bound.  Skipped without the corpus.
add_executable(dec_whole ${CMAKE_CURRENT_LIST_DIR}/tools/dec_whole.c)
target_link_libraries(dec_whole PRIVATE heic heic_imageio)
if(HEIC_SANITIZE)
  set(_dec_stream_quick --quick)
else()
  set(_dec_stream_quick)
endif()
add_test(NAME dec_stream
         COMMAND ${HEIC_BASH} ${CMAKE_CURRENT_LIST_DIR}/dec_stream.sh ${_dec_stream_quick}
                 $<TARGET_FILE:heic-dec> $<TARGET_FILE:dec_whole> ${HEIC_CORPUS_DIR})
set_tests_properties(dec_stream PROPERTIES
  TIMEOUT 900 LABELS "decode;corpus" SKIP_RETURN_CODE ${HEIC_SKIP_CODE})

# heic-enc reading and encoding PNG band by band (issue 17),
# tests/enc_stream.sh: the same file as --no-stream on the corpus PNGs and
# an 8192x8192 picture made from the iPhone photo, whose peak RSS at 2
# threads is bounded, encoding and decoding it (the same pixels as the
# whole-image decode); SIGINT and a cut PNG leave nothing.  Under the
# sanitizers: a 1024x768 crop, no RSS bound, no SIGINT.  Skipped without
# the corpus or vips.
if(HEIC_SANITIZE)
  set(_enc_stream_quick --quick)
else()
  set(_enc_stream_quick)
endif()
add_test(NAME enc_stream
         COMMAND ${HEIC_BASH} ${CMAKE_CURRENT_LIST_DIR}/enc_stream.sh ${_enc_stream_quick}
                 $<TARGET_FILE:heic-enc> ${HEIC_CORPUS_DIR} $<TARGET_FILE:heic-dec>
                 $<TARGET_FILE:dec_whole>)
set_tests_properties(enc_stream PROPERTIES
  TIMEOUT 600 LABELS "encode;corpus" SKIP_RETURN_CODE ${HEIC_SKIP_CODE})
