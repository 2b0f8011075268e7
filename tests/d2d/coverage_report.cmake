# d2d-coverage: merge the per-scenario coverage files and annotate the sources.
# Called with -DDIR=<coverage directory> -DTOOL=<verilator_coverage>.
file(GLOB dats ${DIR}/*.dat)
list(FILTER dats EXCLUDE REGEX "merged\\.dat$")
if(NOT dats)
  message(FATAL_ERROR "no coverage data in ${DIR}: did d2d_coverage pass?")
endif()
execute_process(COMMAND ${TOOL} --write ${DIR}/merged.dat ${dats} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "verilator_coverage --write failed")
endif()
execute_process(COMMAND ${TOOL} --annotate ${DIR}/annotated --annotate-min 1 ${DIR}/merged.dat
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "verilator_coverage --annotate failed")
endif()
message(STATUS "coverage: ${DIR}/merged.dat, annotated sources in ${DIR}/annotated")
