# ctest rtl_lint_testbenches: verilator --lint-only -Wall over each test wrapper.
foreach(tb regtest prbs_widths)
  if(tb STREQUAL "regtest")
    set(files ${REGTEST})
  else()
    set(files ${PRBS})
  endif()
  execute_process(COMMAND ${LINT} ${files} --top-module cpo_${tb}_tb
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lint failed: cpo_${tb}_tb\n${out}")
  endif()
  message(STATUS "lint clean: cpo_${tb}_tb")
endforeach()
