# cpo_afe_pkg.sv: the converter bank's channel numbers (cpo_afe_pkg), printed by gen_afe_pkg.c
# from model/include/cpo/analog_channels.h so that C and SV numbering cannot drift.
#
# Like reggen's outputs it is generated at configure time (verilate() runs Verilator while
# configuring, so the file must exist) and again at build time when the header or the
# generator changes. Defines (in the includer's scope):
#   CPO_AFE_PKG_SV    the generated package, ${CPO_REGGEN_OUT}/cpo_afe_pkg.sv
#   CPO_AFE_VLT       its lint waiver (rtl/lanes/cpo_afe_pkg.vlt)
#   cpo_afe_pkg_gen   the custom target that (re)generates it; verilated users depend on it
set(CPO_AFE_PKG_SV ${CPO_REGGEN_OUT}/cpo_afe_pkg.sv)
set(CPO_AFE_VLT ${CMAKE_CURRENT_LIST_DIR}/cpo_afe_pkg.vlt)
set(cpo_afe_gen_src ${CMAKE_CURRENT_LIST_DIR}/gen_afe_pkg.c)
set(cpo_afe_header ${PROJECT_SOURCE_DIR}/model/include/cpo/analog_channels.h)

# Configure time: compile and run the generator once; copy only on change so that
# reconfiguring does not force a re-verilation.
set(cpo_afe_tmp ${CMAKE_CURRENT_BINARY_DIR}/gen_afe_pkg/cpo_afe_pkg.sv)
try_run(cpo_afe_run_rc cpo_afe_compile_ok ${CMAKE_CURRENT_BINARY_DIR}/gen_afe_pkg
  ${cpo_afe_gen_src}
  CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${PROJECT_SOURCE_DIR}/model/include;${PROJECT_SOURCE_DIR}/common/include"
  COMPILE_OUTPUT_VARIABLE cpo_afe_compile_out
  RUN_OUTPUT_VARIABLE cpo_afe_run_out
  ARGS ${cpo_afe_tmp})
if(NOT cpo_afe_compile_ok)
  message(FATAL_ERROR "gen_afe_pkg.c does not compile:\n${cpo_afe_compile_out}")
endif()
if(NOT cpo_afe_run_rc EQUAL 0)
  message(FATAL_ERROR "gen_afe_pkg failed (${cpo_afe_run_rc}):\n${cpo_afe_run_out}")
endif()
configure_file(${cpo_afe_tmp} ${CPO_AFE_PKG_SV} COPYONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${cpo_afe_header}
             ${cpo_afe_gen_src})

# Build time.
add_executable(cpo_gen_afe_pkg ${cpo_afe_gen_src})
target_link_libraries(cpo_gen_afe_pkg PRIVATE cpo_common)
target_include_directories(cpo_gen_afe_pkg PRIVATE ${PROJECT_SOURCE_DIR}/model/include)
add_custom_command(OUTPUT ${CPO_AFE_PKG_SV}
  COMMAND cpo_gen_afe_pkg ${CPO_AFE_PKG_SV}
  DEPENDS cpo_gen_afe_pkg ${cpo_afe_header}
  COMMENT "gen_afe_pkg: cpo_afe_pkg.sv from cpo/analog_channels.h"
  VERBATIM)
add_custom_target(cpo_afe_pkg_gen DEPENDS ${CPO_AFE_PKG_SV})
