# cpo_reggen(BLOCK <name> TOML <file> [PARAMS Name=Value ...])
#
# Generates the register block <name> from its TOML description (rtl/reggen/reggen.py) into
# ${CMAKE_BINARY_DIR}/rtl/generated/:
#   cpo_<name>_reg_pkg.sv, cpo_<name>_reg_top.sv, cpo_<name>_reg.vlt (lint waiver for the package)
#   cpo_<name>_reg_dec.sv (window decoder; no module when the block has no windows)
#   cpo/<name>_regs.h, <name>_regs.md, <name>_regs.py
# and defines
#   cpo_<name>_regs          INTERFACE library; its include dir has cpo/<name>_regs.h
#   cpo_<name>_reggen        the custom target that (re)generates the files
#   CPO_<NAME>_REG_SV        (in the caller's scope) the generated SV files, package first, for
#                            verilate(SOURCES ...) and lint, after ${CPO_APB_SV} (once per
#                            design); the .vlt is in CPO_<NAME>_REG_VLT
#
# The files are generated once at configure time (verilate() runs Verilator while configuring,
# so they must exist) and again at build time whenever the TOML or the generator changes.
# PARAMS override [block.params] values, e.g. PARAMS NumLanes=16.
include_guard(GLOBAL)

set(CPO_REGGEN_PY ${CMAKE_CURRENT_LIST_DIR}/reggen.py CACHE INTERNAL "")
# The APB3 request/response structs every generated register block takes: list it once, before
# the register blocks, in each design's sources.
set(CPO_APB_SV ${CMAKE_CURRENT_LIST_DIR}/../common/cpo_apb_pkg.sv CACHE INTERNAL "")
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
  set(dec ${out}/cpo_${R_BLOCK}_reg_dec.sv)
  set(vlt ${out}/cpo_${R_BLOCK}_reg.vlt)
  set(outputs ${pkg} ${top} ${dec} ${vlt} ${out}/cpo/${R_BLOCK}_regs.h ${out}/${R_BLOCK}_regs.md
              ${out}/${R_BLOCK}_regs.py)
  set(stamp ${out}/${R_BLOCK}.stamp)
  set(cmd ${PYTHON3} ${CPO_REGGEN_PY} ${toml} --outdir ${out} --src-name ${src_name}
          --expect-block ${R_BLOCK} --stamp ${stamp})
  foreach(p ${R_PARAMS})
    list(APPEND cmd --param ${p})
  endforeach()

  cpo_generate(cpo_${R_BLOCK}_reggen COMMAND ${cmd} OUTPUTS ${stamp} ${outputs}
    DEPENDS ${toml} ${CPO_REGGEN_PY} COMMENT "reggen: ${src_name}")

  add_library(cpo_${R_BLOCK}_regs INTERFACE)
  target_include_directories(cpo_${R_BLOCK}_regs INTERFACE ${out})
  add_dependencies(cpo_${R_BLOCK}_regs cpo_${R_BLOCK}_reggen)

  string(TOUPPER ${R_BLOCK} up)
  set(CPO_${up}_REG_SV ${pkg} ${top} ${dec} PARENT_SCOPE)
  set(CPO_${up}_REG_VLT ${vlt} PARENT_SCOPE)
endfunction()

# cpo_addrmap(TOML <file> DEPENDS <register descriptions it names>)
#
# Generates the address map (rtl/reggen/addrmap.py) into ${CPO_REGGEN_OUT}: cpo/addrmap.h,
# cpo_addrmap_pkg.sv, cpo_addrmap_<space>_dec.sv, cpo_addrmap.vlt, addrmap.py, addrmap.md;
# defines the INTERFACE library cpo_addrmap (#include "cpo/addrmap.h"), the target
# cpo_addrmap_gen, and CPO_ADDRMAP_SV (package first) / CPO_ADDRMAP_VLT in the caller's scope.
set(CPO_ADDRMAP_PY ${CMAKE_CURRENT_LIST_DIR}/addrmap.py CACHE INTERNAL "")

function(cpo_addrmap)
  cmake_parse_arguments(A "" "TOML" "DEPENDS;SPACES" ${ARGN})
  get_filename_component(toml ${A_TOML} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  file(RELATIVE_PATH src_name ${CMAKE_SOURCE_DIR} ${toml})
  set(out ${CPO_REGGEN_OUT})
  set(sv ${out}/cpo_addrmap_pkg.sv)
  foreach(s ${A_SPACES})
    list(APPEND sv ${out}/cpo_addrmap_${s}_dec.sv)
  endforeach()
  set(outputs ${sv} ${out}/cpo_addrmap.vlt ${out}/cpo/addrmap.h ${out}/addrmap.py
              ${out}/addrmap.md)
  set(stamp ${out}/addrmap.stamp)
  set(cmd ${PYTHON3} ${CPO_ADDRMAP_PY} ${toml} --outdir ${out} --src-name ${src_name}
          --stamp ${stamp})
  set(deps ${toml} ${CPO_ADDRMAP_PY} ${CPO_REGGEN_PY} ${A_DEPENDS})
  cpo_generate(cpo_addrmap_gen COMMAND ${cmd} OUTPUTS ${stamp} ${outputs} DEPENDS ${deps}
    COMMENT "addrmap: ${src_name}")
  foreach(s ${A_SPACES})
    if(NOT EXISTS ${out}/cpo_addrmap_${s}_dec.sv)
      message(FATAL_ERROR "cpo_addrmap: SPACES names '${s}', which ${src_name} does not define")
    endif()
  endforeach()
  add_library(cpo_addrmap INTERFACE)
  target_include_directories(cpo_addrmap INTERFACE ${out})
  add_dependencies(cpo_addrmap cpo_addrmap_gen)
  set(CPO_ADDRMAP_SV ${sv} PARENT_SCOPE)
  set(CPO_ADDRMAP_VLT ${out}/cpo_addrmap.vlt PARENT_SCOPE)
endfunction()
