# jit_mem.cmake - test of the JIT's pool of executable pages (src/jit/execmem.c): W^X page
# by page, reuse of freed pages, large images in their own mapping.
xbpf_unit_test(test_jit_mem ${CMAKE_CURRENT_LIST_DIR}/unit/test_jit_mem.c)
