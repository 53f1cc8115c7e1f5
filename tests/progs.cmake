# progs.cmake - "the kernel is the oracle": tests/progs/*.bpf.c compiled by clang
# (-O2 -g -target bpf, libbpf conventions) and run by test_progs in xbpf and, where bpf()
# is permitted, in the kernel through libbpf's BPF_PROG_TEST_RUN.
set(XBPF_TEST_PROGS_DIR ${PROJECT_BINARY_DIR}/tests/progs)
file(GLOB XBPF_TEST_PROG_SRCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/progs/*.bpf.c)
xbpf_bpf_objects(test_progs_objs ${XBPF_TEST_PROGS_DIR} SOURCES ${XBPF_TEST_PROG_SRCS}
                 INCLUDES ${PROJECT_SOURCE_DIR}/tests/progs
                 DEPENDS ${PROJECT_SOURCE_DIR}/tests/progs/progs.h)

xbpf_unit_test(test_progs ${PROJECT_SOURCE_DIR}/tests/progs/test_progs.c)
add_dependencies(test_progs test_progs_objs)
target_include_directories(test_progs PRIVATE ${PROJECT_SOURCE_DIR}/tests/progs)
target_compile_definitions(test_progs PRIVATE XBPF_PROGS_DIR="${XBPF_TEST_PROGS_DIR}")
if(LIBBPF_FOUND)
  target_link_libraries(test_progs PRIVATE PkgConfig::LIBBPF)
  target_compile_definitions(test_progs PRIVATE XBPF_HAVE_LIBBPF=1)
endif()

# the same comparison with the other engines
xbpf_engine_variants(test_progs)

# `xbpf run OBJ` (tools/cmd_run_obj.c)
xbpf_script_test(run_obj ${PROJECT_SOURCE_DIR}/tests/progs/run_obj.sh)
