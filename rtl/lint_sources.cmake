# Included by the lint scripts (rtl/*/lint.cmake): nothing in rtl/ escapes `verilator --lint-only`.

# cpo_lint_check_sources(DIRS <dir>... SOURCES <file>...): fail unless every .sv file in DIRS is
# among SOURCES, the files the script lints. Linting one run without --top-module then shows
# that every module in them is under the one top (Verilator: MULTITOP otherwise).
function(cpo_lint_check_sources)
  cmake_parse_arguments(A "" "" "DIRS;SOURCES" ${ARGN})
  set(linted "")
  foreach(src ${A_SOURCES})
    get_filename_component(src ${src} REALPATH)
    list(APPEND linted ${src})
  endforeach()
  foreach(dir ${A_DIRS})
    file(GLOB svs ${dir}/*.sv)
    foreach(sv ${svs})
      get_filename_component(sv ${sv} REALPATH)
      list(FIND linted ${sv} at)  # (no IN_LIST: a -P script runs with the old policies)
      if(at EQUAL -1)
        message(FATAL_ERROR "lint: ${sv} is not linted (add it to the sources in CMakeLists.txt)")
      endif()
    endforeach()
  endforeach()
endfunction()
