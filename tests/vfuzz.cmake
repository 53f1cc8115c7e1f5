# vfuzz.cmake - differential soundness checking of the verifier against the Linux kernel's
# (tests/vfuzz/): the test_vfuzz run (fixed seed, skips without bpf()) and the vfuzz
# command for longer runs (build-dir/vfuzz -s SEED -n COUNT). Needs libbpf.
if(LIBBPF_FOUND)
  set(VFUZZ_SRCS ${CMAKE_CURRENT_LIST_DIR}/vfuzz/vfuzz_gen.c ${CMAKE_CURRENT_LIST_DIR}/vfuzz/vfuzz_oracle.c)
  xbpf_unit_test(test_vfuzz ${CMAKE_CURRENT_LIST_DIR}/vfuzz/test_vfuzz.c ${VFUZZ_SRCS})
  target_link_libraries(test_vfuzz PRIVATE PkgConfig::LIBBPF)
  add_executable(vfuzz ${CMAKE_CURRENT_LIST_DIR}/vfuzz/vfuzz_main.c ${VFUZZ_SRCS})
  target_include_directories(vfuzz PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(vfuzz PRIVATE xbpf_static PkgConfig::LIBBPF)
endif()
