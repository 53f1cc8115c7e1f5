# maps.cmake - tests of the maps module (src/maps) and the map helpers (src/helpers/hlp_maps.c):
# user-space semantics per map type, pinning across processes, concurrency, helpers called
# from programs, and the comparison with the Linux kernel through libbpf (skips without bpf()).
xbpf_unit_test(test_maps ${CMAKE_CURRENT_LIST_DIR}/unit/test_maps.c)
if(LIBBPF_FOUND)
  xbpf_unit_test(test_maps_kernel ${CMAKE_CURRENT_LIST_DIR}/unit/test_maps_kernel.c)
  target_link_libraries(test_maps_kernel PRIVATE PkgConfig::LIBBPF)
  xbpf_engine_variants(test_maps_kernel)
endif()
xbpf_unit_test(test_map_lpm ${CMAKE_CURRENT_LIST_DIR}/unit/test_map_lpm.c)
xbpf_unit_test(test_map_helpers ${CMAKE_CURRENT_LIST_DIR}/unit/test_map_helpers.c)
xbpf_engine_variants(test_map_helpers)
xbpf_script_test(maps_cli ${CMAKE_CURRENT_LIST_DIR}/maps/cli.sh)
xbpf_fuzz_target(fuzz_maps ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_maps.c RUNS 3000)
# freeze: user-space write access, the loader freezing .rodata/.kconfig, the kernel's answers
xbpf_unit_test(test_map_freeze ${CMAKE_CURRENT_LIST_DIR}/unit/test_map_freeze.c)
if(LIBBPF_FOUND)
  target_link_libraries(test_map_freeze PRIVATE PkgConfig::LIBBPF)
  target_compile_definitions(test_map_freeze PRIVATE XBPF_HAVE_LIBBPF=1)
endif()
if(TARGET loader_progs)
  add_dependencies(test_map_freeze loader_progs)
endif()
