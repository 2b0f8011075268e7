# ctest d2d_lint: verilator --lint-only -Wall over the D2D link at each supported lane count.
# Called with -DLINT=<verilator command> -DSOURCES=<.vlt and .sv files>.
foreach(lanes 8 16 32)
  execute_process(COMMAND ${LINT} ${SOURCES} --top-module cpo_d2d_link -GNumLanes=${lanes}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lint failed: cpo_d2d_link NumLanes=${lanes}\n${out}")
  endif()
  message(STATUS "lint clean: cpo_d2d_link NumLanes=${lanes}")
endforeach()
