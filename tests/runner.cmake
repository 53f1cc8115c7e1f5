# runner.cmake - tests of prepared runs (include/xbpf/runner.h, src/vm/runner.c): every
# engine, stack clearing rules, state reset between runs, argument errors; and the JIT's
# run-time code quality features that need their own checks (inline map lookups).
xbpf_unit_test(test_runner ${CMAKE_CURRENT_LIST_DIR}/unit/test_runner.c)
# lowering choices of the JIT (inline ARRAY map lookups, multiplications by constants)
# against the interpreter
xbpf_unit_test(test_jit_lower ${CMAKE_CURRENT_LIST_DIR}/unit/test_jit_lower.c)
