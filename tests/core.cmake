# core.cmake - tests of the VM core (issue 2): validation, the interpreter in both dispatch
# modes, the C API, the conformance vectors and the VM fuzz target.
set(XBPF_CORE_TESTS ${CMAKE_CURRENT_LIST_DIR}/unit)
xbpf_unit_test(test_validate ${XBPF_CORE_TESTS}/test_validate.c)
xbpf_unit_test(test_vm ${XBPF_CORE_TESTS}/test_vm.c)
add_executable(conformance ${XBPF_CORE_TESTS}/conformance.c)
target_include_directories(conformance PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(conformance PRIVATE xbpf_static)
add_test(NAME conformance_interp COMMAND conformance --engine interp ${XBPF_SHARED_DIR}/conformance/tests)
add_test(NAME conformance_switch COMMAND conformance --engine switch ${XBPF_SHARED_DIR}/conformance/tests)
set_tests_properties(conformance_interp conformance_switch PROPERTIES PASS_REGULAR_EXPRESSION "313 passed, 0 failed")
xbpf_fuzz_target(fuzz_vm ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_vm.c RUNS 3000)
