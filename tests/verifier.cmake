# verifier.cmake - tests of src/verifier: pure domains, the verifier on assembled programs,
# the corpus acceptance count, the CLI, and the fuzz target.
xbpf_unit_test(test_tnum ${CMAKE_CURRENT_LIST_DIR}/unit/test_tnum.c)
xbpf_unit_test(test_scalar ${CMAKE_CURRENT_LIST_DIR}/unit/test_scalar.c)
xbpf_unit_test(test_verifier ${CMAKE_CURRENT_LIST_DIR}/unit/test_verifier.c)
xbpf_unit_test(test_verifier_oracle ${CMAKE_CURRENT_LIST_DIR}/unit/test_verifier_oracle.c)
xbpf_unit_test(test_verifier_precise ${CMAKE_CURRENT_LIST_DIR}/unit/test_verifier_precise.c)
xbpf_fuzz_target(fuzz_verifier ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_verifier.c RUNS 20000)
xbpf_script_test(verifier_cli ${CMAKE_CURRENT_LIST_DIR}/verifier_cli.sh)
# verifier_corpus (acceptance on the ebpf-samples corpus) is declared in bench/verifier.cmake,
# next to the benchmark it runs.
