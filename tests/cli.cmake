# cli.cmake - tests of the xbpf command-line tool (tests/cli/) and of the README's C example.
set(XBPF_CLI_TESTS ${PROJECT_SOURCE_DIR}/tests/cli)
xbpf_script_test(cli_run ${XBPF_CLI_TESTS}/run.sh)
xbpf_script_test(cli_errors ${XBPF_CLI_TESTS}/errors.sh)
xbpf_script_test(cli_asm_disasm ${XBPF_CLI_TESTS}/asm_disasm.sh)
xbpf_script_test(cli_conformance_plugin ${XBPF_CLI_TESTS}/conformance.sh)
xbpf_script_test(cli_conformance_plugin_switch ${XBPF_CLI_TESTS}/conformance.sh "--engine switch")
xbpf_unit_test(cli_readme_example ${XBPF_CLI_TESTS}/readme_example_test.c)
xbpf_script_test(cli_readme ${XBPF_CLI_TESTS}/readme.sh)
