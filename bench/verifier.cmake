# verifier.cmake - the verifier corpus benchmark (acceptance, time, memory).
add_executable(verifier_bench ${CMAKE_CURRENT_LIST_DIR}/verifier_bench.c)
target_include_directories(verifier_bench PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(verifier_bench PRIVATE xbpf_static)
target_compile_definitions(verifier_bench PRIVATE XBPF_SHARED_DIR="${XBPF_SHARED_DIR}")
# The corpus acceptance test runs this benchmark (tests/verifier_corpus.sh).
if(COMMAND xbpf_script_test)
  xbpf_script_test(verifier_corpus ${PROJECT_SOURCE_DIR}/tests/verifier_corpus.sh)
  set_tests_properties(verifier_corpus PROPERTIES TIMEOUT 900)
endif()
