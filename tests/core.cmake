# core.cmake - tests of the VM core (issue 2): validation, the interpreter in both dispatch
# modes, the C API, the conformance vectors and the VM fuzz target.
set(XBPF_CORE_TESTS ${CMAKE_CURRENT_LIST_DIR}/unit)
xbpf_unit_test(test_validate ${XBPF_CORE_TESTS}/test_validate.c)
xbpf_unit_test(test_vm ${XBPF_CORE_TESTS}/test_vm.c)
# allocation failures: the library's malloc/calloc/realloc/strdup go through the test's wrappers
xbpf_unit_test(test_vm_alloc ${XBPF_CORE_TESTS}/test_vm_alloc.c)
target_link_options(test_vm_alloc PRIVATE -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup)
add_executable(conformance ${XBPF_CORE_TESTS}/conformance.c)
target_include_directories(conformance PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(conformance PRIVATE xbpf_static)
add_test(NAME conformance_interp COMMAND conformance --engine interp ${XBPF_SHARED_DIR}/conformance/tests)
add_test(NAME conformance_switch COMMAND conformance --engine switch ${XBPF_SHARED_DIR}/conformance/tests)
set_tests_properties(conformance_interp conformance_switch PROPERTIES PASS_REGULAR_EXPRESSION "313 passed, 0 failed")

# fuzz_vm: like xbpf_fuzz_target(), but the VM core (src/vm, src/isa) is compiled into the
# target with coverage instrumentation so libFuzzer is guided by the validator and the
# interpreter, not just by the harness; the rest comes from the static library.
if(XBPF_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  file(GLOB XBPF_CORE_FUZZ_SRC CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/vm/*.c ${PROJECT_SOURCE_DIR}/src/isa/*.c)
  add_executable(fuzz_vm ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_vm.c ${XBPF_CORE_FUZZ_SRC})
  target_include_directories(fuzz_vm PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(fuzz_vm PRIVATE -fsanitize=fuzzer)
  target_link_options(fuzz_vm PRIVATE -fsanitize=fuzzer)
  target_link_libraries(fuzz_vm PRIVATE xbpf_static)
  # libFuzzer adds inputs to its corpus directory: it gets a copy in the build tree
  set(XBPF_CORE_FUZZ_CORPUS ${PROJECT_BINARY_DIR}/fuzz-corpus/fuzz_vm)
  file(MAKE_DIRECTORY ${XBPF_CORE_FUZZ_CORPUS})
  file(GLOB XBPF_CORE_FUZZ_SEEDS ${CMAKE_CURRENT_LIST_DIR}/fuzz/corpus/fuzz_vm/*)
  file(COPY ${XBPF_CORE_FUZZ_SEEDS} DESTINATION ${XBPF_CORE_FUZZ_CORPUS})
  add_test(NAME fuzz_vm COMMAND fuzz_vm -runs=30000 -seed=1 -max_len=4096 ${XBPF_CORE_FUZZ_CORPUS})
endif()
