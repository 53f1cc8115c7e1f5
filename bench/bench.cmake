# bench.cmake - the benchmark runner build/bench/xbpf_bench (not a test, not built by
# default: `cmake --build build --target xbpf_bench`, or bench/run.sh).
# Each bench/progs/NAME.c is compiled twice: by clang -O2 -g -target bpf (-g: BTF, which
# BTF-defined maps need) into
# build/bench/NAME.bpf.o, and natively with -O2 into the runner. Needs libbpf and clang;
# DPDK's librte_bpf (pkg-config libdpdk) adds the dpdk-interp column when present.
find_program(XBPF_BPF_CLANG NAMES clang clang-16 clang-15 clang-14)
pkg_check_modules(DPDK IMPORTED_TARGET libdpdk)
if(NOT LIBBPF_FOUND OR NOT XBPF_BPF_CLANG)
  message(STATUS "xbpf_bench: needs libbpf and clang; not configured")
  return()
endif()

set(XBPF_BENCH_DIR ${PROJECT_SOURCE_DIR}/bench)
set(XBPF_BENCH_OUT ${PROJECT_BINARY_DIR}/bench)
file(GLOB XBPF_BENCH_PROGS CONFIGURE_DEPENDS ${XBPF_BENCH_DIR}/progs/*.c)
file(GLOB XBPF_BENCH_HEADERS CONFIGURE_DEPENDS ${XBPF_BENCH_DIR}/progs/*.h)
set(XBPF_BENCH_OBJS)
foreach(src ${XBPF_BENCH_PROGS})
  get_filename_component(name ${src} NAME_WE)
  set(obj ${XBPF_BENCH_OUT}/${name}.bpf.o)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${XBPF_BENCH_OUT}
    COMMAND ${XBPF_BPF_CLANG} -O2 -g -target bpf -I/usr/include/${CMAKE_LIBRARY_ARCHITECTURE}
            -I${XBPF_BENCH_DIR}/progs -c ${src} -o ${obj}
    DEPENDS ${src} ${XBPF_BENCH_HEADERS}
    COMMENT "clang -target bpf ${name}.c")
  list(APPEND XBPF_BENCH_OBJS ${obj})
endforeach()
add_custom_target(xbpf_bench_objs DEPENDS ${XBPF_BENCH_OBJS})

# the native build of the same programs: always -O2, whatever the build type
set_source_files_properties(${XBPF_BENCH_PROGS} PROPERTIES COMPILE_OPTIONS "-O2")
add_executable(xbpf_bench EXCLUDE_FROM_ALL
  ${XBPF_BENCH_DIR}/bench.c ${XBPF_BENCH_DIR}/eng_native.c ${XBPF_BENCH_DIR}/eng_xbpf.c
  ${XBPF_BENCH_DIR}/eng_kernel.c ${XBPF_BENCH_DIR}/eng_dpdk.c ${XBPF_BENCH_PROGS})
set_target_properties(xbpf_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${XBPF_BENCH_OUT})
target_include_directories(xbpf_bench PRIVATE ${PROJECT_SOURCE_DIR}/include
  ${XBPF_BENCH_DIR} ${XBPF_BENCH_DIR}/progs ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(xbpf_bench PRIVATE BENCH_OBJ_DIR="${XBPF_BENCH_OUT}")
target_link_libraries(xbpf_bench PRIVATE xbpf_static PkgConfig::LIBBPF m)
add_dependencies(xbpf_bench xbpf_bench_objs)
if(DPDK_FOUND)
  # DPDK's compile flags (-include rte_config.h, -march) only for its own engine file
  set_source_files_properties(${XBPF_BENCH_DIR}/eng_dpdk.c PROPERTIES
    COMPILE_OPTIONS "${DPDK_CFLAGS}" COMPILE_DEFINITIONS XBPF_HAVE_DPDK=1)
  # the static librte_bpf.a also exports bpf_jit(), which the dpdk-jit column calls
  find_library(XBPF_RTE_BPF_STATIC NAMES librte_bpf.a)
  set(XBPF_DPDK_LIBS ${DPDK_LDFLAGS})
  if(XBPF_RTE_BPF_STATIC)
    list(FILTER XBPF_DPDK_LIBS EXCLUDE REGEX "^-lrte_bpf$")
    set_property(SOURCE ${XBPF_BENCH_DIR}/eng_dpdk.c APPEND PROPERTY
      COMPILE_DEFINITIONS XBPF_HAVE_DPDK_JIT=1)
    target_link_libraries(xbpf_bench PRIVATE ${XBPF_RTE_BPF_STATIC})
  endif()
  target_link_libraries(xbpf_bench PRIVATE ${XBPF_DPDK_LIBS})
endif()
