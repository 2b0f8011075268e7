# The SDK a firmware developer installs (`cmake --install BUILD --prefix P`): the libraries
# firmware links (libcpoemu-<name>.so), their headers in include/cpo/, the register
# descriptions' generated headers, the `cpoemu` program, a pkg-config file (cpoemu.pc), a CMake
# package (find_package(cpoemu CONFIG): cpoemu::<name>, cpoemu::cpoemu) and the Python package
# (a wheel in share/cpoemu/python/).
#
# An SDK library is one cpo_sdk_library() line beside the static libraries it is made of; its
# headers one cpo_sdk_headers() line where they live. cpo_sdk_finish(), at the end of the top
# CMakeLists.txt, writes what covers them all: cpoemu.pc, the package config, the wheel.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(CPO_SDK_EXPORT cpoemu-targets)
set(CPO_SDK_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/cpoemu)
set(CPO_SDK_DIR ${CMAKE_CURRENT_LIST_DIR})
# While the API is 0.x a minor version may break it: the soname and find_package say so.
set(CPO_SDK_SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})

# cpo_sdk_library(NAME <name> FROM <static library>... [USES <sdk name>...]
#                 [REQUIRES <pkg-config module>...] [LIBS <library>...] [LIBS_PRIVATE <flag>...])
#
# libcpoemu-<name>.so, target cpoemu_<name> (cpoemu::<name> in the tree and once installed):
# the FROM libraries' sources compiled again as position-independent code, so the static
# libraries the program links stay as they are. USES: SDK libraries it links against instead of
# copying them in (the CMIS driver: USES hal). REQUIRES and LIBS_PRIVATE: what the FROM
# libraries link from outside the project (pkg-config's Requires.private and Libs.private).
# LIBS: what users of its headers link too (m: inline functions call libm). Only cpo_* names
# are exported (cpoemu.map): the program's own interposers (bridge/src/wire_io.c's accept) stay
# inside.
function(cpo_sdk_library)
  cmake_parse_arguments(S "" "NAME" "FROM;USES;REQUIRES;LIBS;LIBS_PRIVATE" ${ARGN})
  if(NOT S_NAME OR NOT S_FROM)
    message(FATAL_ERROR "cpo_sdk_library: NAME and FROM are required")
  endif()
  set(t cpoemu_${S_NAME})
  set(srcs "")
  foreach(lib ${S_FROM})
    get_target_property(dir ${lib} SOURCE_DIR)
    get_target_property(lib_srcs ${lib} SOURCES)
    foreach(s ${lib_srcs})
      get_filename_component(s ${s} ABSOLUTE BASE_DIR ${dir})
      list(APPEND srcs ${s})
    endforeach()
  endforeach()
  add_library(${t} SHARED ${srcs})
  add_library(cpoemu::${S_NAME} ALIAS ${t})
  list(TRANSFORM S_USES PREPEND cpoemu_)
  # The FROM libraries give their include directories and outside libraries; their archives
  # add no object (every symbol is defined here, or in a USES library, which comes first).
  target_link_libraries(${t} PUBLIC ${S_USES} ${S_LIBS} PRIVATE ${S_FROM})
  target_link_options(${t} PRIVATE -Wl,--version-script=${CPO_SDK_DIR}/cpoemu.map)
  set_property(TARGET ${t} APPEND PROPERTY LINK_DEPENDS ${CPO_SDK_DIR}/cpoemu.map)
  target_include_directories(${t} INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  set_target_properties(${t} PROPERTIES OUTPUT_NAME cpoemu-${S_NAME} EXPORT_NAME ${S_NAME}
                        VERSION ${PROJECT_VERSION} SOVERSION ${CPO_SDK_SOVERSION})
  install(TARGETS ${t} EXPORT ${CPO_SDK_EXPORT} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set_property(GLOBAL APPEND PROPERTY CPO_SDK_LIBS ${t})
  set_property(GLOBAL APPEND PROPERTY CPO_SDK_REQUIRES ${S_REQUIRES})
  list(TRANSFORM S_LIBS PREPEND -l)
  set_property(GLOBAL APPEND PROPERTY CPO_SDK_LIBS_PUBLIC ${S_LIBS})
  set_property(GLOBAL APPEND PROPERTY CPO_SDK_LIBS_PRIVATE ${S_LIBS_PRIVATE})
endfunction()

# cpo_sdk_headers(<file>...): public headers, installed as include/cpo/<name>.
function(cpo_sdk_headers)
  install(FILES ${ARGN} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cpo)
endfunction()

# cpo_sdk_program(<target>): a program of the SDK, in bin/ (cpoemu::<target> for CMake users).
function(cpo_sdk_program target)
  install(TARGETS ${target} EXPORT ${CPO_SDK_EXPORT} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()

# cpo_sdk_python_modules(FILES <file>... [GENERATED_BY <target>...]): top-level modules of the
# Python package, and the targets that generate those the build makes.
function(cpo_sdk_python_modules)
  cmake_parse_arguments(P "" "" "FILES;GENERATED_BY" ${ARGN})
  list(TRANSFORM P_FILES PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/ REGEX "^[^/]")
  set_property(GLOBAL APPEND PROPERTY CPO_SDK_PY_MODULES ${P_FILES})
  set_property(GLOBAL APPEND PROPERTY CPO_SDK_PY_TARGETS ${P_GENERATED_BY})
endfunction()

# The register blocks the RTL describes (cpo_reggen under rtl/, not the tests' own), with the
# address map, the analog channels and the CMIS map (rtl/cmis): their generated C headers, Python modules and
# Markdown, and the targets that generate them.
function(_cpo_sdk_register_files headers_var py_var md_var targets_var)
  set(dirs ${PROJECT_SOURCE_DIR}/rtl)
  set(headers ${CPO_REGGEN_OUT}/cpo/addrmap.h ${CPO_REGGEN_OUT}/cpo/analog_channels.h
              ${CPO_REGGEN_OUT}/cpo/cmis_map.h)
  set(py ${CPO_REGGEN_OUT}/addrmap.py ${CPO_ANALOG_PY} ${CPO_REGGEN_OUT}/cmis_map.py)
  set(md ${CPO_REGGEN_OUT}/addrmap.md ${CPO_REGGEN_OUT}/cmis_map.md)
  set(gen cpo_addrmap_gen cpo_afe_pkg_gen cpo_cmis_gen)
  while(dirs)
    list(POP_FRONT dirs dir)
    get_directory_property(sub DIRECTORY ${dir} SUBDIRECTORIES)
    list(APPEND dirs ${sub})
    get_directory_property(targets DIRECTORY ${dir} BUILDSYSTEM_TARGETS)
    foreach(t ${targets})
      if(t MATCHES "^cpo_(.+)_regs$")
        list(APPEND headers ${CPO_REGGEN_OUT}/cpo/${CMAKE_MATCH_1}_regs.h)
        list(APPEND py ${CPO_REGGEN_OUT}/${CMAKE_MATCH_1}_regs.py)
        list(APPEND md ${CPO_REGGEN_OUT}/${CMAKE_MATCH_1}_regs.md)
        list(APPEND gen cpo_${CMAKE_MATCH_1}_reggen)
      endif()
    endforeach()
  endwhile()
  set(${headers_var} ${headers} PARENT_SCOPE)
  set(${py_var} ${py} PARENT_SCOPE)
  set(${md_var} ${md} PARENT_SCOPE)
  set(${targets_var} ${gen} PARENT_SCOPE)
endfunction()

# A path from directory @p from (relative to the prefix) back to the prefix: ../..
function(_cpo_sdk_path_to_prefix from out_var)
  file(RELATIVE_PATH up /prefix/${from} /prefix)
  string(REGEX REPLACE "/$" "" up ${up})
  set(${out_var} ${up} PARENT_SCOPE)
endfunction()

function(cpo_sdk_finish)
  _cpo_sdk_register_files(gen_headers gen_py gen_md gen_targets)
  cpo_sdk_headers(${gen_headers})
  install(FILES ${gen_md} DESTINATION ${CMAKE_INSTALL_DOCDIR}/registers)

  # CMake: find_package(cpoemu CONFIG) -> cpoemu::hal, ..., cpoemu::cpoemu.
  install(EXPORT ${CPO_SDK_EXPORT} NAMESPACE cpoemu:: DESTINATION ${CPO_SDK_CMAKEDIR})
  set(out ${PROJECT_BINARY_DIR}/sdk)
  configure_package_config_file(${CPO_SDK_DIR}/cpoemuConfig.cmake.in ${out}/cpoemuConfig.cmake
                                INSTALL_DESTINATION ${CPO_SDK_CMAKEDIR})
  write_basic_package_version_file(${out}/cpoemuConfigVersion.cmake
                                   COMPATIBILITY SameMinorVersion)
  install(FILES ${out}/cpoemuConfig.cmake ${out}/cpoemuConfigVersion.cmake
          DESTINATION ${CPO_SDK_CMAKEDIR})

  # pkg-config: one module, cpoemu, with every SDK library (dependents first, for static
  # links). Paths are relative to the file (${pcfiledir}), so --prefix, DESTDIR and moving the
  # tree all work; the libraries' outside dependencies are private (they are shared libraries).
  get_property(libs GLOBAL PROPERTY CPO_SDK_LIBS)
  get_property(requires GLOBAL PROPERTY CPO_SDK_REQUIRES)
  get_property(libs_private GLOBAL PROPERTY CPO_SDK_LIBS_PRIVATE)
  get_property(libs_public GLOBAL PROPERTY CPO_SDK_LIBS_PUBLIC)
  list(REVERSE libs)
  set(CPO_PC_LIBS "")
  foreach(t ${libs})
    get_target_property(name ${t} OUTPUT_NAME)
    string(APPEND CPO_PC_LIBS " -l${name}")
  endforeach()
  list(REMOVE_DUPLICATES libs_public)
  foreach(l ${libs_public})
    string(APPEND CPO_PC_LIBS " ${l}")
  endforeach()
  list(REMOVE_DUPLICATES requires)
  list(REMOVE_DUPLICATES libs_private)
  list(JOIN requires " " CPO_PC_REQUIRES)
  list(JOIN libs_private " " CPO_PC_LIBS_PRIVATE)
  set(pcdir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  _cpo_sdk_path_to_prefix(${pcdir} CPO_PC_PREFIX)
  configure_file(${CPO_SDK_DIR}/cpoemu.pc.in ${out}/cpoemu.pc @ONLY)
  install(FILES ${out}/cpoemu.pc DESTINATION ${pcdir})

  # Python: the client's modules, the protocol constants and the register modules (package
  # cpoemu_regs) staged and built into a wheel with setuptools, offline; installed beside the
  # program's data, for `pip install --no-index` into a venv (README.md).
  get_property(modules GLOBAL PROPERTY CPO_SDK_PY_MODULES)
  get_property(module_targets GLOBAL PROPERTY CPO_SDK_PY_TARGETS)
  set(wheel ${out}/python/dist/cpoemu-${PROJECT_VERSION}-py3-none-any.whl)
  set(pkg_py ${PROJECT_SOURCE_DIR}/host/python/package_wheel.py)
  set(pyproject ${PROJECT_SOURCE_DIR}/host/python/pyproject.toml.in)
  add_custom_command(OUTPUT ${wheel}
    COMMAND ${PYTHON3} ${pkg_py} --stage ${out}/python/cpoemu --dist ${out}/python/dist
            --pyproject ${pyproject} --version ${PROJECT_VERSION}
            --modules ${modules} --regs ${gen_py}
    DEPENDS ${pkg_py} ${pyproject} ${modules} ${gen_py}
    COMMENT "Python package: ${wheel}" VERBATIM)
  add_custom_target(cpoemu_python_wheel ALL DEPENDS ${wheel})
  add_dependencies(cpoemu_python_wheel ${module_targets} ${gen_targets})
  install(FILES ${wheel} DESTINATION ${CMAKE_INSTALL_DATADIR}/cpoemu/python)
endfunction()
