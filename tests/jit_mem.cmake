# jit_mem.cmake - test of the JIT's pool of executable pages (src/jit/execmem.c): W^X page
# by page, reuse of freed pages, large images in their own mapping, fork(); once with the
# default memfd pool and once with the mprotect fallback.
xbpf_unit_test(test_jit_mem ${CMAKE_CURRENT_LIST_DIR}/unit/test_jit_mem.c)
add_test(NAME test_jit_mem_mprotect COMMAND test_jit_mem)
set_tests_properties(test_jit_mem_mprotect PROPERTIES ENVIRONMENT "XBPF_JIT_EXECMEM=mprotect")
