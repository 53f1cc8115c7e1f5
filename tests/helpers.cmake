# helpers.cmake - tests of the built-in helpers and program contexts (src/helpers, src/ctx).
xbpf_unit_test(test_helpers ${PROJECT_SOURCE_DIR}/tests/unit/test_helpers.c)
# formatter and context builders on arbitrary input (libFuzzer; -DXBPF_FUZZ=ON with clang)
xbpf_fuzz_target(fuzz_helpers ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_helpers.c RUNS 20000)
xbpf_engine_variants(test_helpers)
