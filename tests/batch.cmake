# Batch conversion in heic-enc and heic-dec (issue 15).  Included from
# tests/CMakeLists.txt.
#   batch   tests/batch.sh: a tree of corpus photos with a corrupt file, a
#           text file named .png, an unreadable file (a FIFO when running as
#           root), a dangling link and subdirectories, through heic-enc -r
#           -j 2 (every good file once, every bad one listed, status 1,
#           nothing partial); runs killed midway (SIGINT, SIGKILL) and
#           resumed with --skip-existing (finished outputs untouched);
#           heic-dec batches to PNG and JPEG; --files-from -0, collisions,
#           --keep-mtime, the progress line; --shard 0/2 + 1/2 and GNU
#           parallel on 2 local workers and the Indexed Job of
#           docs/scale-out.md, identical to the single run; valgrind over a
#           small batch (plain tree).  About 25 s plain, 45 s under the
#           sanitizers, on 2 idle cores.
set(_batch_mode "")
if(HEIC_SANITIZE)
  set(_batch_mode --sanitizer)
endif()
add_test(NAME batch
         COMMAND ${HEIC_BASH} ${CMAKE_CURRENT_LIST_DIR}/batch.sh ${_batch_mode}
                 $<TARGET_FILE:heic-enc> $<TARGET_FILE:heic-dec> ${HEIC_CORPUS_DIR})
set_tests_properties(batch PROPERTIES
  TIMEOUT 300 LABELS "cli;corpus" SKIP_RETURN_CODE ${HEIC_SKIP_CODE} COST 30)
