# ctest d2d_lint: verilator --lint-only -Wall over the D2D link at each supported lane count.
# Called with -DLINT=<verilator command> -DSOURCES=<.vlt and .sv files>.
include(${CMAKE_CURRENT_LIST_DIR}/../lint_sources.cmake)
# (rtl/common's files are checked by the lanes lint, whose design uses every one of them)
cpo_lint_check_sources(DIRS ${CMAKE_CURRENT_LIST_DIR} SOURCES ${SOURCES})

foreach(lanes 8 16 32)
  # the first run finds the top itself: every module is under cpo_d2d_link
  set(top "")
  if(NOT lanes EQUAL 8)
    set(top --top-module cpo_d2d_link)
  endif()
  execute_process(COMMAND ${LINT} ${SOURCES} ${top} -GNumLanes=${lanes}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lint failed: cpo_d2d_link NumLanes=${lanes}\n${out}")
  endif()
  message(STATUS "lint clean: cpo_d2d_link NumLanes=${lanes}")
endforeach()
