# cpo_protocol: the wire codec (bridge/PROTOCOL.md). Pure C, no ZeroMQ, so the Python
# interop test, the fuzzer and the transport all build on it alone.
#
# The protocol's numbers are written once, in bridge/protocol.toml (status codes: the
# X-macro of common/include/cpo/status.h); bridge/gen_protocol.py generates from them
#   CPO_PROTOCOL_GEN_DIR/cpo/protocol_consts.h   (C, included by cpo/protocol.h)
#   CPO_PYTHON_GEN_DIR/cpoemu_proto.py           (Python, imported by cpoemu_client.py)
# at configure time (so they exist for every rule) and again whenever an input changes.
# CPO_PYTHON_GEN_DIR is the build tree's directory of generated Python modules: a Python test
# importing cpoemu_client gets it on PYTHONPATH (CPO_PYTHON_ENV, for ENVIRONMENT).
include_guard(GLOBAL)

set(CPO_PROTOCOL_GEN_DIR ${CMAKE_BINARY_DIR}/bridge/generated CACHE INTERNAL "")
set(CPO_PYTHON_GEN_DIR ${CMAKE_BINARY_DIR}/host/python CACHE INTERNAL "")
# CPO_PYTHON_ENV (the top CMakeLists.txt) puts it on PYTHONPATH with the other generated modules.
set(CPO_PROTOCOL_GEN_INPUTS
    ${CMAKE_CURRENT_LIST_DIR}/protocol.toml
    ${CMAKE_CURRENT_LIST_DIR}/gen_protocol.py
    ${PROJECT_SOURCE_DIR}/common/include/cpo/status.h
    CACHE INTERNAL "")
set(CPO_PROTOCOL_CONSTS_H ${CPO_PROTOCOL_GEN_DIR}/cpo/protocol_consts.h CACHE INTERNAL "")
set(cpo_proto_py ${CPO_PYTHON_GEN_DIR}/cpoemu_proto.py)
set(cpo_proto_gen_cmd
    ${PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/gen_protocol.py ${CMAKE_CURRENT_LIST_DIR}/protocol.toml
    --status ${PROJECT_SOURCE_DIR}/common/include/cpo/status.h
    --c-out ${CPO_PROTOCOL_CONSTS_H} --py-out ${cpo_proto_py})

cpo_generate(cpo_protocol_gen ALL COMMAND ${cpo_proto_gen_cmd}
  OUTPUTS ${CPO_PROTOCOL_CONSTS_H} ${cpo_proto_py} DEPENDS ${CPO_PROTOCOL_GEN_INPUTS}
  COMMENT "gen_protocol: bridge/protocol.toml")

add_library(cpo_protocol STATIC ${CMAKE_CURRENT_LIST_DIR}/src/protocol.c)
target_include_directories(cpo_protocol PUBLIC ${CMAKE_CURRENT_LIST_DIR}/include
                                               ${CPO_PROTOCOL_GEN_DIR})
target_link_libraries(cpo_protocol PUBLIC cpo_common)
add_dependencies(cpo_protocol cpo_protocol_gen)
