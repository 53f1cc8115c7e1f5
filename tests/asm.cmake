# asm.cmake - tests of the assembler and disassembler (src/isa/asm*.c, disasm.c):
# round trips of every conformance program and every table row in both syntaxes, llvm-objdump
# text of real objects, hand-checked encodings and error messages; and the fuzz target
# (text -> xbpf_asm -> xbpf_disasm -> xbpf_asm must give the same bytes).
xbpf_unit_test(test_asm ${CMAKE_CURRENT_LIST_DIR}/unit/test_asm.c)
set_tests_properties(test_asm PROPERTIES TIMEOUT 300)

xbpf_fuzz_target(fuzz_asm ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_asm.c RUNS 1500)
if(TARGET fuzz_asm)
  # A second run that starts from seed programs in both syntaxes. libFuzzer adds inputs to
  # its corpus directory, so it works on a copy in the build tree, never on the sources.
  set(XBPF_ASM_SEEDS ${PROJECT_BINARY_DIR}/fuzz-corpus/fuzz_asm)
  file(MAKE_DIRECTORY ${XBPF_ASM_SEEDS})
  file(GLOB XBPF_ASM_SEED_FILES ${CMAKE_CURRENT_LIST_DIR}/data/asm/fuzz_seeds/*)
  file(COPY ${XBPF_ASM_SEED_FILES} DESTINATION ${XBPF_ASM_SEEDS})
  add_test(NAME fuzz_asm_seeded
           COMMAND fuzz_asm -runs=1500 -seed=1 -max_len=4096 ${XBPF_ASM_SEEDS})
endif()
