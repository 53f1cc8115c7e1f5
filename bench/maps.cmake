# maps.cmake - the map benchmark build/maps_bench (not a test, not built by default:
# `cmake --build build --target maps_bench && build/maps_bench [RUNS]`). Map operations from
# programs in xbpf (interpreter, JIT) and in the kernel (BPF_PROG_TEST_RUN through libbpf).
add_executable(maps_bench EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/maps_bench.c)
target_include_directories(maps_bench PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(maps_bench PRIVATE xbpf_static)
target_compile_options(maps_bench PRIVATE -O2)
if(LIBBPF_FOUND)
  target_link_libraries(maps_bench PRIVATE PkgConfig::LIBBPF)
  target_compile_definitions(maps_bench PRIVATE XBPF_BENCH_KERNEL=1)
endif()
