# verifier.cmake - tests of src/verifier: pure domains, the verifier on assembled programs,
# the corpus acceptance count, the CLI, and the fuzz target.
xbpf_unit_test(test_tnum ${CMAKE_CURRENT_LIST_DIR}/unit/test_tnum.c)
xbpf_unit_test(test_scalar ${CMAKE_CURRENT_LIST_DIR}/unit/test_scalar.c)
xbpf_unit_test(test_verifier ${CMAKE_CURRENT_LIST_DIR}/unit/test_verifier.c)
xbpf_unit_test(test_verifier_oracle ${CMAKE_CURRENT_LIST_DIR}/unit/test_verifier_oracle.c)
xbpf_fuzz_target(fuzz_verifier ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_verifier.c RUNS 20000)
