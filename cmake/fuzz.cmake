# Fuzz step (ctest `fuzz`): builds the libFuzzer targets of tests/fuzz as their own clang
# project in <build>/fuzz and runs each for QINFER_FUZZ_SECONDS (default 60) seconds; fails on
# any crash. Skipped (exit 77) without clang/libFuzzer or with QINFER_FUZZ_SECONDS=0.
# Not run in the sanitizer build (QINFER_SANITIZE): the targets carry their own sanitizers.
if(NOT QINFER_SANITIZE)
  add_test(NAME fuzz COMMAND bash ${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzz.sh ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  set_tests_properties(fuzz PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 1800 LABELS fuzz)
endif()
