# functions.cmake - helpers every tests/<area>.cmake uses to declare its tests.
#
#   xbpf_unit_test(NAME src.c...)        C test (tests/unit/t.h) linked to the static library;
#                                        runs as ctest test NAME in the build directory.
#   xbpf_fuzz_target(NAME src.c RUNS N)  libFuzzer target (only with -DXBPF_FUZZ=ON and clang);
#                                        ctest runs N fixed iterations (seeded, -seed=1).
#   xbpf_engine_variants(NAME)           run test NAME again as NAME_jit and NAME_switch with
#                                        XBPF_TEST_ENGINE set (t_engine() in tests/unit/t.h).
#   xbpf_script_test(NAME script args...) a shell test; gets XBPF=<path of the CLI>,
#                                        XBPF_SRC, XBPF_SHARED, XBPF_BUILD in its environment.
function(xbpf_unit_test name)
  add_executable(${name} ${ARGN})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests/unit)
  target_link_libraries(${name} PRIVATE xbpf_static)
  target_compile_definitions(${name} PRIVATE XBPF_SRC_DIR="${PROJECT_SOURCE_DIR}" XBPF_SHARED_DIR="${XBPF_SHARED_DIR}" XBPF_BUILD_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name})
endfunction()

function(xbpf_engine_variants name)
  foreach(engine jit switch)
    add_test(NAME ${name}_${engine} COMMAND ${name})
    set_tests_properties(${name}_${engine} PROPERTIES ENVIRONMENT "XBPF_TEST_ENGINE=${engine}")
  endforeach()
endfunction()

function(xbpf_fuzz_target name src)
  cmake_parse_arguments(F "" "RUNS" "" ${ARGN})
  if(NOT XBPF_FUZZ OR NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    return()
  endif()
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE xbpf_static)
  if(NOT F_RUNS)
    set(F_RUNS 20000)
  endif()
  # libFuzzer writes new inputs into its corpus directory: give it a copy in the build
  # tree so test runs never add files to the source tree.
  set(seeds ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${name})
  if(EXISTS ${seeds})
    set(corpus ${PROJECT_BINARY_DIR}/fuzz-corpus/${name})
    file(MAKE_DIRECTORY ${corpus})
    file(GLOB seed_files ${seeds}/*)
    if(seed_files)
      file(COPY ${seed_files} DESTINATION ${corpus})
    endif()
    add_test(NAME ${name} COMMAND ${name} -runs=${F_RUNS} -seed=1 -max_len=4096 ${corpus})
  else()
    add_test(NAME ${name} COMMAND ${name} -runs=${F_RUNS} -seed=1 -max_len=4096)
  endif()
endfunction()

function(xbpf_script_test name script)
  add_test(NAME ${name} COMMAND bash ${script} ${ARGN})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT
    "XBPF=$<TARGET_FILE:xbpf>;XBPF_SRC=${PROJECT_SOURCE_DIR};XBPF_SHARED=${XBPF_SHARED_DIR};XBPF_BUILD=${PROJECT_BINARY_DIR}")
endfunction()

# xbpf_bpf_objects(TARGET OUTDIR SOURCES src.bpf.c... [INCLUDES dir...] [DEPENDS file...])
#   compiles each *.bpf.c with clang -O2 -g -target bpf into OUTDIR/<name>.bpf.o and adds
#   a target TARGET (built by default) that depends on all of them; the object paths are
#   left in TARGET_OBJS. No clang: no objects.
find_program(XBPF_CLANG NAMES clang clang-16 clang-15 clang-14)
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch OUTPUT_VARIABLE XBPF_MULTIARCH
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT XBPF_MULTIARCH)
  set(XBPF_MULTIARCH x86_64-linux-gnu)
endif()
function(xbpf_bpf_objects target outdir)
  cmake_parse_arguments(B "" "" "SOURCES;INCLUDES;DEPENDS" ${ARGN})
  file(MAKE_DIRECTORY ${outdir})
  set(objs)
  set(incs -I/usr/include/${XBPF_MULTIARCH})
  foreach(dir ${B_INCLUDES})
    list(APPEND incs -I${dir})
  endforeach()
  if(XBPF_CLANG)
    foreach(src ${B_SOURCES})
      get_filename_component(base ${src} NAME_WE)
      set(out ${outdir}/${base}.bpf.o)
      add_custom_command(OUTPUT ${out}
        COMMAND ${XBPF_CLANG} -O2 -g -target bpf ${incs} -c ${src} -o ${out}
        DEPENDS ${src} ${B_DEPENDS} COMMENT "clang -target bpf ${base}.bpf.c" VERBATIM)
      list(APPEND objs ${out})
    endforeach()
  endif()
  add_custom_target(${target} ALL DEPENDS ${objs})
  set(${target}_OBJS ${objs} PARENT_SCOPE)
endfunction()
