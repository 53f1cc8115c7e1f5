# helpers.cmake - tests of the built-in helpers and program contexts (src/helpers, src/ctx).
xbpf_unit_test(test_helpers ${PROJECT_SOURCE_DIR}/tests/unit/test_helpers.c)
