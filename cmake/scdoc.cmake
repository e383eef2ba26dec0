# cmake -DSCDOC=scdoc -DIN=page.1.scd -DOUT=page.1 -P scdoc.cmake
# scdoc reads stdin and writes stdout; the page is written beside OUT and
# renamed over it once scdoc succeeded, so that a markup error leaves no
# half page that a later build would take as up to date.
execute_process(COMMAND "${SCDOC}" INPUT_FILE "${IN}" OUTPUT_FILE "${OUT}.tmp"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  file(REMOVE "${OUT}.tmp")
  message(FATAL_ERROR "scdoc failed on ${IN}: ${err}")
endif()
file(RENAME "${OUT}.tmp" "${OUT}")
