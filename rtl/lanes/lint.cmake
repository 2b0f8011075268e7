# ctest rtl_lint_lanes: verilator --lint-only -Wall over the lanes design and the PRBS blocks.
# Called with -DLINT=<verilator command> -DVLT=... -DLANES_SV=... -DPRBS_SV=... -DAPB_SV=...
# -DTRAFFIC_SV=... (the traffic lane module)
# -DAFE_SV=... (lists: waivers, the whole design, the PRBS blocks, the APB package, the
# converter bank package+module), and
# -DREGGEN -DTOML -DTOP_SV -DWORK to check that a 32-lane design (registers regenerated with
# --param NumLanes=32) is clean as well.
include(${CMAKE_CURRENT_LIST_DIR}/../lint_sources.cmake)
cpo_lint_check_sources(DIRS ${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_LIST_DIR}/../common
                       SOURCES ${LANES_SV})

function(run_lint what)
  execute_process(COMMAND ${LINT} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lint failed: ${what}\n${out}")
  endif()
  message(STATUS "lint clean: ${what}")
endfunction()

# without --top-module: every module of the design is under cpo_lanes_top
run_lint("cpo_lanes_top" ${VLT} ${LANES_SV})
run_lint("cpo_lanes_top NumLanes=8 WordBits=64" ${VLT} ${LANES_SV} --top-module cpo_lanes_top
         -GWordBits=64)
# The converter bank alone at the lane-count extremes its index field allows.
foreach(lanes 1 64)
  run_lint("cpo_afe_bank NumLanes=${lanes}" ${VLT} ${APB_SV} ${AFE_SV} --top-module cpo_afe_bank
           -GNumLanes=${lanes})
endforeach()
foreach(width 1 7 64)
  foreach(top cpo_prbs_gen cpo_prbs_chk)
    run_lint("${top} Width=${width}" ${PRBS_SV} --top-module ${top} -GWidth=${width})
  endforeach()
endforeach()

# 32 lanes: regenerate the register block for it, as -DCPO_LANES_NUM_LANES=32 would.
execute_process(COMMAND ${REGGEN} ${TOML} --outdir ${WORK} --param NumLanes=32
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "reggen --param NumLanes=32 failed:\n${err}")
endif()
list(FILTER VLT EXCLUDE REGEX "cpo_lanes_reg\\.vlt$")  # the 32-lane block has its own
list(FILTER AFE_SV EXCLUDE REGEX "cpo_lanes_reg_pkg\\.sv$")  # and its own package
run_lint("cpo_lanes_top NumLanes=32" ${WORK}/cpo_lanes_reg.vlt ${VLT} ${APB_SV} ${PRBS_SV}
         ${WORK}/cpo_lanes_reg_pkg.sv ${WORK}/cpo_lanes_reg_top.sv ${WORK}/cpo_lanes_reg_dec.sv
         ${AFE_SV} ${TRAFFIC_SV} ${TOP_SV}
         --top-module cpo_lanes_top -GNumLanes=32)
