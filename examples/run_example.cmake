# Runs one example (PROGRAM, with the arguments ARGS separated by "@@") and checks that it exits
# 0 and that every regular expression of EXPECT (separated by "@@") matches its output.
string(REPLACE "@@" ";" args "${ARGS}")
execute_process(COMMAND ${PROGRAM} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}")
endif()
string(REPLACE "@@" ";" expectations "${EXPECT}")
foreach(re IN LISTS expectations)
  if(NOT out MATCHES "${re}")
    message(FATAL_ERROR "the output does not match: ${re}")
  endif()
endforeach()
