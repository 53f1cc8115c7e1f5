# progs_loops.cmake - loop-heavy restricted-C programs (tests/progs_loops/*.bpf.c, clang -O2
# -g -target bpf) that the kernel accepts: test_progs_loops checks xbpf accepts each within
# a fixed bound of instructions processed and, where bpf() is permitted, within
# max(2 x, + 20000) of the kernel's count.
set(XBPF_LOOPS_DIR ${PROJECT_BINARY_DIR}/tests/progs_loops)
file(GLOB XBPF_LOOPS_SRCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/progs_loops/*.bpf.c)
xbpf_bpf_objects(progs_loops_objs ${XBPF_LOOPS_DIR} SOURCES ${XBPF_LOOPS_SRCS}
                 INCLUDES ${PROJECT_SOURCE_DIR}/tests/progs_loops
                 DEPENDS ${PROJECT_SOURCE_DIR}/tests/progs_loops/loops.h)

xbpf_unit_test(test_progs_loops ${PROJECT_SOURCE_DIR}/tests/progs_loops/test_progs_loops.c)
add_dependencies(test_progs_loops progs_loops_objs)
target_compile_definitions(test_progs_loops PRIVATE XBPF_LOOPS_DIR="${XBPF_LOOPS_DIR}")
if(LIBBPF_FOUND)
  target_link_libraries(test_progs_loops PRIVATE PkgConfig::LIBBPF)
  target_compile_definitions(test_progs_loops PRIVATE XBPF_HAVE_LIBBPF=1)
endif()
