# ctest rtl_lint_cmis: verilator --lint-only -Wall over cpo_cmis at each engine's lane count.
# Called with -DLINT=<verilator command> -DSOURCES=<.vlt and .sv files>.
include(${CMAKE_CURRENT_LIST_DIR}/../lint_sources.cmake)
cpo_lint_check_sources(DIRS ${CMAKE_CURRENT_LIST_DIR} SOURCES ${SOURCES})

foreach(lanes 8 32 64)
  execute_process(COMMAND ${LINT} ${SOURCES} --top-module cpo_cmis -GNumLanes=${lanes}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lint failed: cpo_cmis NumLanes=${lanes}\n${out}")
  endif()
  message(STATUS "lint clean: cpo_cmis NumLanes=${lanes}")
endforeach()
