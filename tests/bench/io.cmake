# Channel and TCP benchmarks (issue 4), included by tests/bench/CMakeLists.txt when
# ANYC_BUILD_BENCH=ON.  Programs, not tests.  Run:
#   build/tests/bench/channel_pingpong [rounds]
#   tests/bench/tcp_echo.sh              (anyc vs Go vs Trio echo servers, loopback only)
add_executable(channel_pingpong ${CMAKE_CURRENT_LIST_DIR}/channel_pingpong.c)
target_link_libraries(channel_pingpong PRIVATE anyc_static)
add_executable(tcp_echo ${CMAKE_CURRENT_LIST_DIR}/tcp_echo.c)
target_link_libraries(tcp_echo PRIVATE anyc_static m)
