# cpo_reggen(BLOCK <name> TOML <file> [PARAMS Name=Value ...])
#
# Generates the register block <name> from its TOML description (rtl/reggen/reggen.py) into
# ${CMAKE_BINARY_DIR}/rtl/generated/:
#   cpo_<name>_reg_pkg.sv, cpo_<name>_reg_top.sv, cpo_<name>_reg.vlt (lint waiver for the package)
#   cpo/<name>_regs.h, <name>_regs.md, <name>_regs.py
# and defines
#   cpo_<name>_regs          INTERFACE library; its include dir has cpo/<name>_regs.h
#   cpo_<name>_reggen        the custom target that (re)generates the files
#   CPO_<NAME>_REG_SV        (in the caller's scope) the generated SV files, package first, for
#                            verilate(SOURCES ...) and lint; the .vlt is in CPO_<NAME>_REG_VLT
#
# The files are generated once at configure time (verilate() runs Verilator while configuring,
# so they must exist) and again at build time whenever the TOML or the generator changes.
# PARAMS override [block.params] values, e.g. PARAMS NumLanes=16.
include_guard(GLOBAL)

set(CPO_REGGEN_PY ${CMAKE_CURRENT_LIST_DIR}/reggen.py CACHE INTERNAL "")
set(CPO_REGGEN_OUT ${CMAKE_BINARY_DIR}/rtl/generated CACHE INTERNAL "")

function(cpo_reggen)
  cmake_parse_arguments(R "" "BLOCK;TOML" "PARAMS" ${ARGN})
  if(NOT R_BLOCK OR NOT R_TOML)
    message(FATAL_ERROR "cpo_reggen: BLOCK and TOML are required")
  endif()
  get_filename_component(toml ${R_TOML} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  file(RELATIVE_PATH src_name ${CMAKE_SOURCE_DIR} ${toml})
  set(out ${CPO_REGGEN_OUT})
  set(pkg ${out}/cpo_${R_BLOCK}_reg_pkg.sv)
  set(top ${out}/cpo_${R_BLOCK}_reg_top.sv)
  set(vlt ${out}/cpo_${R_BLOCK}_reg.vlt)
  set(outputs ${pkg} ${top} ${vlt} ${out}/cpo/${R_BLOCK}_regs.h ${out}/${R_BLOCK}_regs.md
              ${out}/${R_BLOCK}_regs.py)
  set(stamp ${out}/${R_BLOCK}.stamp)
  set(cmd ${PYTHON3} ${CPO_REGGEN_PY} ${toml} --outdir ${out} --src-name ${src_name}
          --expect-block ${R_BLOCK} --stamp ${stamp})
  foreach(p ${R_PARAMS})
    list(APPEND cmd --param ${p})
  endforeach()

  execute_process(COMMAND ${cmd} RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cpo_reggen(${R_BLOCK}) failed:\n${err}")
  endif()
  add_custom_command(OUTPUT ${stamp} ${outputs}
    COMMAND ${cmd}
    DEPENDS ${toml} ${CPO_REGGEN_PY}
    COMMENT "reggen: ${src_name}"
    VERBATIM)
  add_custom_target(cpo_${R_BLOCK}_reggen DEPENDS ${stamp} ${outputs})
  # Re-run CMake when the description changes, in case the SV file set or arrays change.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${toml} ${CPO_REGGEN_PY})

  add_library(cpo_${R_BLOCK}_regs INTERFACE)
  target_include_directories(cpo_${R_BLOCK}_regs INTERFACE ${out})
  add_dependencies(cpo_${R_BLOCK}_regs cpo_${R_BLOCK}_reggen)

  string(TOUPPER ${R_BLOCK} up)
  set(CPO_${up}_REG_SV ${pkg} ${top} PARENT_SCOPE)
  set(CPO_${up}_REG_VLT ${vlt} PARENT_SCOPE)
endfunction()
