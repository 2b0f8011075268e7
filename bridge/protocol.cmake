# cpo_protocol: the wire codec (bridge/PROTOCOL.md). Pure C, no ZeroMQ, so the Python
# interop test, the fuzzer and the transport all build on it alone.
add_library(cpo_protocol STATIC ${CMAKE_CURRENT_LIST_DIR}/src/protocol.c)
target_include_directories(cpo_protocol PUBLIC ${CMAKE_CURRENT_LIST_DIR}/include)
target_link_libraries(cpo_protocol PUBLIC cpo_common)
