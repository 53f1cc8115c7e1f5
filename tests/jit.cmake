# jit.cmake - tests of the JIT (issue 5): the conformance vectors through the JIT; test_jit
# (every opcode row against the interpreter, W^X, fusions, blinding, calls, budget, dump);
# test_jit_lazy (the budget body compiled on the first budgeted run, once, thread-safely);
# test_jit_diff (thousands of seeded random valid programs on both engines, zero
# mismatches); test_jit_corpus (the real objects of ../shared/ebpf-samples on both
# engines); the `xbpf jit` CLI; the differential libFuzzer target. Longer fuzzing:
#   build-asan/fuzz_jit_diff -max_total_time=600 -max_len=4096
#   build/test_jit_diff 200000 1000      (200,000 generated programs from seed 1000)
set(XBPF_JIT_TESTS ${CMAKE_CURRENT_LIST_DIR}/unit)
add_test(NAME conformance_jit COMMAND conformance --engine jit ${XBPF_SHARED_DIR}/conformance/tests)
set_tests_properties(conformance_jit PROPERTIES PASS_REGULAR_EXPRESSION "313 passed, 0 failed")
xbpf_unit_test(test_jit_diff ${XBPF_JIT_TESTS}/test_jit_diff.c)
xbpf_unit_test(test_jit ${XBPF_JIT_TESTS}/test_jit.c)
xbpf_unit_test(test_jit_lazy ${XBPF_JIT_TESTS}/test_jit_lazy.c)
xbpf_fuzz_target(fuzz_jit_diff ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_jit_diff.c RUNS 3000)
xbpf_unit_test(test_jit_corpus ${XBPF_JIT_TESTS}/test_jit_corpus.c)
xbpf_script_test(cli_jit ${CMAKE_CURRENT_LIST_DIR}/cli/jit.sh)
