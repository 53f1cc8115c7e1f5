# progs.cmake - "the kernel is the oracle": tests/progs/*.bpf.c compiled by clang
# (-O2 -g -target bpf, libbpf conventions) and run by test_progs in xbpf and, where bpf()
# is permitted, in the kernel through libbpf's BPF_PROG_TEST_RUN.
find_program(XBPF_CLANG NAMES clang clang-16 clang-15 clang-14)
set(XBPF_TEST_PROGS_DIR ${PROJECT_BINARY_DIR}/tests/progs)
file(MAKE_DIRECTORY ${XBPF_TEST_PROGS_DIR})
file(GLOB XBPF_TEST_PROG_SRCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/progs/*.bpf.c)
set(XBPF_TEST_PROG_OBJS)
if(XBPF_CLANG)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch OUTPUT_VARIABLE XBPF_PROGS_MULTIARCH
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(NOT XBPF_PROGS_MULTIARCH)
    set(XBPF_PROGS_MULTIARCH x86_64-linux-gnu)
  endif()
  foreach(src ${XBPF_TEST_PROG_SRCS})
    get_filename_component(base ${src} NAME_WE)
    set(out ${XBPF_TEST_PROGS_DIR}/${base}.bpf.o)
    add_custom_command(OUTPUT ${out}
      COMMAND ${XBPF_CLANG} -O2 -g -target bpf -I/usr/include/${XBPF_PROGS_MULTIARCH}
              -I${PROJECT_SOURCE_DIR}/tests/progs -c ${src} -o ${out}
      DEPENDS ${src} ${PROJECT_SOURCE_DIR}/tests/progs/progs.h
      COMMENT "clang -target bpf ${base}.bpf.c" VERBATIM)
    list(APPEND XBPF_TEST_PROG_OBJS ${out})
  endforeach()
endif()
add_custom_target(test_progs_objs ALL DEPENDS ${XBPF_TEST_PROG_OBJS})

xbpf_unit_test(test_progs ${PROJECT_SOURCE_DIR}/tests/progs/test_progs.c)
add_dependencies(test_progs test_progs_objs)
target_include_directories(test_progs PRIVATE ${PROJECT_SOURCE_DIR}/tests/progs)
target_compile_definitions(test_progs PRIVATE XBPF_PROGS_DIR="${XBPF_TEST_PROGS_DIR}")
if(LIBBPF_FOUND)
  target_link_libraries(test_progs PRIVATE PkgConfig::LIBBPF)
  target_compile_definitions(test_progs PRIVATE XBPF_HAVE_LIBBPF=1)
endif()

# the same comparison with the other engines
add_test(NAME test_progs_jit COMMAND test_progs)
set_tests_properties(test_progs_jit PROPERTIES ENVIRONMENT "XBPF_TEST_ENGINE=jit")
add_test(NAME test_progs_switch COMMAND test_progs)
set_tests_properties(test_progs_switch PROPERTIES ENVIRONMENT "XBPF_TEST_ENGINE=switch")

# `xbpf run OBJ` (tools/cmd_run_obj.c)
xbpf_script_test(run_obj ${PROJECT_SOURCE_DIR}/tests/progs/run_obj.sh)
