# AArch64 cross build and qemu-aarch64 tests, driven from the host build (included by
# cmake/host.cmake), like the Cortex-M ones (cmake/mcu.cmake).
#
# ctest cross-builds tests/aarch64 (cmake/aarch64-linux-gnu.cmake) once, then runs its unit
# tests and the conformance runner under qemu-aarch64 (label `aarch64`): on a Cortex-A53
# (Armv8.0: the dispatch must pick NEON, never SDOT) and on `-cpu max` (dot product), each
# with the expected ISA in QINFER_EXPECT_ISA; and the instruction-count bench (bench/aarch64).

if(QINFER_SANITIZE)
  # The cross build does not change under the host's sanitizers; the plain build covers it.
  return()
endif()
find_program(QINFER_AARCH64_CXX aarch64-linux-gnu-g++)
find_program(QINFER_QEMU_AARCH64 qemu-aarch64)
if(NOT QINFER_AARCH64_CXX OR NOT QINFER_QEMU_AARCH64 OR NOT EXISTS /usr/src/googletest/CMakeLists.txt)
  message(STATUS "qinfer: aarch64-linux-gnu-g++, qemu-aarch64 or /usr/src/googletest missing "
                 "(scripts/setup.sh installs them): no AArch64 tests")
  return()
endif()

set(QINFER_AARCH64_DIR ${PROJECT_BINARY_DIR}/aarch64)
set(QINFER_AARCH64_SYSROOT /usr/aarch64-linux-gnu)
set(QINFER_AARCH64_QEMU ${QINFER_QEMU_AARCH64} -L ${QINFER_AARCH64_SYSROOT})
set(QINFER_AARCH64_BUILD_ARGS "")
if(EXISTS ${PROJECT_SOURCE_DIR}/bench/aarch64/bench.cmake)
  include(${PROJECT_SOURCE_DIR}/bench/aarch64/bench.cmake)  # may add QINFER_AARCH64_BUILD_ARGS
endif()

add_test(NAME aarch64_build
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/aarch64/cross_build.sh ${PROJECT_SOURCE_DIR}
                 ${QINFER_AARCH64_DIR} -DQINFER_SHARED_DIR=${QINFER_SHARED_DIR} ${QINFER_AARCH64_BUILD_ARGS})
set_tests_properties(aarch64_build PROPERTIES FIXTURES_SETUP aarch64 TIMEOUT 900 LABELS aarch64
                     SKIP_RETURN_CODE 77 ENVIRONMENT "CMAKE_GENERATOR=${CMAKE_GENERATOR}")

# test | cpus. The dispatch-dependent tests run on both; the others once, on the baseline.
set(QINFER_AARCH64_RUNS
    "kernels_aarch64_test|cortex-a53,max"
    "runtime_test|cortex-a53,max"
    "kernels_test|cortex-a53"
    "verifier_test|cortex-a53"
    "conformance_test|cortex-a53")
foreach(run ${QINFER_AARCH64_RUNS})
  string(REPLACE "|" ";" run "${run}")
  list(GET run 0 name)
  list(GET run 1 cpus)
  string(REPLACE "," ";" cpus "${cpus}")
  foreach(cpu ${cpus})
    if(cpu STREQUAL "max")
      set(isa dotprod)
    else()
      set(isa neon)
    endif()
    string(REPLACE "cortex-" "" short ${cpu})
    add_test(NAME aarch64_${name}_${short}
             COMMAND ${QINFER_AARCH64_QEMU} -cpu ${cpu} ${QINFER_AARCH64_DIR}/${name} --gtest_brief=1)
    set_tests_properties(aarch64_${name}_${short} PROPERTIES FIXTURES_REQUIRED aarch64 TIMEOUT 600
                         LABELS aarch64 ENVIRONMENT "QINFER_EXPECT_ISA=${isa}")
  endforeach()
endforeach()

# The cross-built runtime library: no heap, exceptions, RTTI, static constructors or float.
add_test(NAME aarch64_runtime_purity
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/runtime_purity_test.sh ${PROJECT_SOURCE_DIR}
                 ${QINFER_AARCH64_DIR}/runtime-lib -)
set_tests_properties(aarch64_runtime_purity PROPERTIES FIXTURES_REQUIRED aarch64 TIMEOUT 60
                     LABELS aarch64 ENVIRONMENT "QINFER_BINUTILS_PREFIX=aarch64-linux-gnu-")

if(EXISTS ${QINFER_SHARED_DIR}/conformance/cases)
  add_test(NAME aarch64_conformance_runner_a53
           COMMAND ${QINFER_AARCH64_QEMU} -cpu cortex-a53 ${QINFER_AARCH64_DIR}/qinfer conformance
                   ${QINFER_SHARED_DIR}/conformance/cases)
  set_tests_properties(aarch64_conformance_runner_a53 PROPERTIES FIXTURES_REQUIRED aarch64 TIMEOUT 120
                       LABELS aarch64 PASS_REGULAR_EXPRESSION "[1-9][0-9]* passed, 0 failed")
endif()
