# jit.cmake - tests of the JIT (issue 5): the conformance vectors through the JIT, per-family
# comparisons with the interpreter, a seeded differential test of random valid programs,
# the W^X check and the differential libFuzzer target.
set(XBPF_JIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/unit)
add_test(NAME conformance_jit COMMAND conformance --engine jit ${XBPF_SHARED_DIR}/conformance/tests)
set_tests_properties(conformance_jit PROPERTIES PASS_REGULAR_EXPRESSION "313 passed, 0 failed")
xbpf_unit_test(test_jit_diff ${XBPF_JIT_TESTS}/test_jit_diff.c)
xbpf_unit_test(test_jit ${XBPF_JIT_TESTS}/test_jit.c)
xbpf_fuzz_target(fuzz_jit_diff ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_jit_diff.c RUNS 20000)
