# ctest rtl_lint_lanes: verilator --lint-only -Wall over the lanes design and the PRBS blocks.
# Called with -DLINT=<verilator command> -DVLT=... -DLANES_SV=... -DPRBS_SV=... (lists).
function(run_lint what)
  execute_process(COMMAND ${LINT} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lint failed: ${what}\n${out}")
  endif()
  message(STATUS "lint clean: ${what}")
endfunction()

run_lint("cpo_lanes_top" ${VLT} ${LANES_SV} --top-module cpo_lanes_top)
run_lint("cpo_lanes_top NumLanes=8 WordBits=64" ${VLT} ${LANES_SV} --top-module cpo_lanes_top
         -GWordBits=64)
foreach(width 1 7 64)
  foreach(top cpo_prbs_gen cpo_prbs_chk)
    run_lint("${top} Width=${width}" ${PRBS_SV} --top-module ${top} -GWidth=${width})
  endforeach()
endforeach()
