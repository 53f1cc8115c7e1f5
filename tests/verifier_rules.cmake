# verifier_rules.cmake - verifier rules checked against the running kernel's verdicts
# (tests/unit/test_verifier_rules.c; the kernel half skips without bpf()).
xbpf_unit_test(test_verifier_rules ${CMAKE_CURRENT_LIST_DIR}/unit/test_verifier_rules.c)
if(LIBBPF_FOUND)
  target_link_libraries(test_verifier_rules PRIVATE PkgConfig::LIBBPF)
  target_compile_definitions(test_verifier_rules PRIVATE XBPF_HAVE_LIBBPF=1)
endif()
