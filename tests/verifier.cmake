# verifier.cmake - tests of src/verifier: pure domains, the verifier on assembled programs,
# the corpus acceptance count, the CLI, and the fuzz target.
xbpf_unit_test(test_tnum ${CMAKE_CURRENT_LIST_DIR}/unit/test_tnum.c)
xbpf_unit_test(test_scalar ${CMAKE_CURRENT_LIST_DIR}/unit/test_scalar.c)
