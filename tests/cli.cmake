# cli.cmake - tests of the xbpf command-line tool (tests/cli/) and of the README's C example.
# Under sanitizers every process start is slow, so the per-program CLI loops are thinned
# there (every 5th conformance program for the asm/disasm round trip; the switch and JIT
# plugin runs only in normal builds): the C-level tests of each area cover all programs.
set(XBPF_CLI_TESTS ${PROJECT_SOURCE_DIR}/tests/cli)
if(XBPF_SANITIZE)
  set(XBPF_CLI_STRIDE 5)
else()
  set(XBPF_CLI_STRIDE 1)
endif()
xbpf_script_test(cli_run ${XBPF_CLI_TESTS}/run.sh)
xbpf_script_test(cli_errors ${XBPF_CLI_TESTS}/errors.sh)
xbpf_script_test(cli_asm_disasm ${XBPF_CLI_TESTS}/asm_disasm.sh ${XBPF_CLI_STRIDE})
xbpf_script_test(cli_conformance_plugin ${XBPF_CLI_TESTS}/conformance.sh)
if(NOT XBPF_SANITIZE)
  xbpf_script_test(cli_conformance_plugin_switch ${XBPF_CLI_TESTS}/conformance.sh "--engine switch")
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    xbpf_script_test(cli_conformance_plugin_jit ${XBPF_CLI_TESTS}/conformance.sh "--jit")
  endif()
endif()
xbpf_unit_test(cli_readme_example ${XBPF_CLI_TESTS}/readme_example_test.c)
xbpf_script_test(cli_readme ${XBPF_CLI_TESTS}/readme.sh)
