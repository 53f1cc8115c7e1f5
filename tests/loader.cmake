# loader.cmake - tests of the object loader (src/loader/): small objects compiled here from
# tests/progs-loader/*.bpf.c (one per relocation kind and map-definition style), the sample
# corpus (every object with kernel-accepted programs lists exactly ANCHORS' programs),
# deterministic mutations of real objects (truncations, corrupted headers, indexes,
# relocations, BTF: clear errors, no crash), `xbpf show`, and the libFuzzer target.
set(XBPF_LOADER_PROGS ${PROJECT_BINARY_DIR}/progs-loader)
file(GLOB XBPF_LOADER_SRCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/progs-loader/*.bpf.c)
xbpf_bpf_objects(loader_progs ${XBPF_LOADER_PROGS} SOURCES ${XBPF_LOADER_SRCS})
set(XBPF_LOADER_OBJS ${loader_progs_OBJS})

xbpf_unit_test(test_loader ${CMAKE_CURRENT_LIST_DIR}/unit/test_loader.c)
add_dependencies(test_loader loader_progs)
if(LIBBPF_FOUND)
  # libbpf's BTF API is the independent oracle of the CO-RE test against vmlinux
  target_link_libraries(test_loader PRIVATE PkgConfig::LIBBPF)
  target_compile_definitions(test_loader PRIVATE XBPF_HAVE_LIBBPF=1)
endif()
xbpf_unit_test(test_loader_integrate ${CMAKE_CURRENT_LIST_DIR}/unit/test_loader_integrate.c)
add_dependencies(test_loader_integrate loader_progs)
xbpf_engine_variants(test_loader_integrate)
xbpf_unit_test(test_loader_corpus ${CMAKE_CURRENT_LIST_DIR}/unit/test_loader_corpus.c)
set_tests_properties(test_loader_corpus PROPERTIES TIMEOUT 600)
xbpf_unit_test(test_loader_mutate ${CMAKE_CURRENT_LIST_DIR}/unit/test_loader_mutate.c)
add_dependencies(test_loader_mutate loader_progs)
set_tests_properties(test_loader_mutate PROPERTIES TIMEOUT 600)
xbpf_script_test(cli_show ${PROJECT_SOURCE_DIR}/tests/cli/show.sh)
xbpf_fuzz_target(fuzz_loader ${CMAKE_CURRENT_LIST_DIR}/fuzz/fuzz_loader.c RUNS 20000)
if(TARGET fuzz_loader)
  # The library is not built with coverage instrumentation; compiling the loader's sources
  # into the target (they then take precedence over the archive's copies) lets libFuzzer
  # see the loader's branches.
  file(GLOB XBPF_LOADER_LIB_SRCS ${PROJECT_SOURCE_DIR}/src/loader/*.c)
  target_sources(fuzz_loader PRIVATE ${XBPF_LOADER_LIB_SRCS})
endif()
if(TARGET fuzz_loader)
  # A second run that mutates real objects (the small test objects without DWARF, so
  # their section headers fit in max_len): libFuzzer adds inputs to its corpus directory,
  # so the seeds are generated in the build tree.
  find_program(XBPF_LLVM_STRIP NAMES llvm-strip llvm-strip-16 llvm-strip-15 llvm-strip-14)
  set(XBPF_LOADER_SEEDS ${PROJECT_BINARY_DIR}/fuzz-corpus/fuzz_loader)
  file(MAKE_DIRECTORY ${XBPF_LOADER_SEEDS})
  if(XBPF_LLVM_STRIP AND XBPF_LOADER_OBJS)
    set(seeds)
    foreach(obj ${XBPF_LOADER_OBJS})
      get_filename_component(base ${obj} NAME)
      add_custom_command(OUTPUT ${XBPF_LOADER_SEEDS}/${base}
        COMMAND ${XBPF_LLVM_STRIP} -g ${obj} -o ${XBPF_LOADER_SEEDS}/${base}
        DEPENDS ${obj} VERBATIM)
      list(APPEND seeds ${XBPF_LOADER_SEEDS}/${base})
    endforeach()
    add_custom_target(fuzz_loader_seeds ALL DEPENDS ${seeds})
    add_test(NAME fuzz_loader_seeded
             COMMAND fuzz_loader -runs=20000 -seed=1 -max_len=16384 ${XBPF_LOADER_SEEDS})
  endif()
endif()
