# jit.cmake - the JIT compile-time benchmark build/bench/xbpf_jit_bench (not a test, not
# built by default): `cmake --build build --target xbpf_jit_bench && build/bench/xbpf_jit_bench [-v]`
# (generated programs, the engine benchmark's objects, the big Cilium objects of the corpus)..
add_executable(xbpf_jit_bench EXCLUDE_FROM_ALL ${PROJECT_SOURCE_DIR}/bench/jit_compile.c)
set_target_properties(xbpf_jit_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
target_include_directories(xbpf_jit_bench PRIVATE ${PROJECT_SOURCE_DIR}/include
  ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests/unit)
if(NOT DEFINED XBPF_SHARED_DIR)
  set(XBPF_SHARED_DIR ${PROJECT_SOURCE_DIR}/../shared)
endif()
target_compile_definitions(xbpf_jit_bench PRIVATE BENCH_OBJ_DIR="${PROJECT_BINARY_DIR}/bench"
  XBPF_SHARED_DIR="${XBPF_SHARED_DIR}")
target_link_libraries(xbpf_jit_bench PRIVATE xbpf_static)
if(TARGET xbpf_bench_objs)
  add_dependencies(xbpf_jit_bench xbpf_bench_objs)
endif()
