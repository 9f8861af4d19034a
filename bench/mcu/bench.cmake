# MCU benchmark, host side (included by cmake/mcu.cmake): the QEMU instruction-count plugin,
# the benchmark-model generator, a ctest that checks the plugin counts, and the `mcu_bench`
# target that cross-builds the bench firmware and prints instructions per layer, flash and RAM.
#   cmake --build build --target mcu_bench      -> build/mcu/bench/results.{csv,md}
set(QINFER_BENCH_MCU_DIR ${PROJECT_SOURCE_DIR}/bench/mcu)

include(${QINFER_BENCH_MCU_DIR}/insn_count.cmake)

add_executable(qinfer_mcu_gen_bench ${QINFER_BENCH_MCU_DIR}/gen_bench.cc)
target_link_libraries(qinfer_mcu_gen_bench PRIVATE qinfer_mcu_zoo)
target_compile_options(qinfer_mcu_gen_bench PRIVATE ${QINFER_WARNINGS})

add_custom_target(mcu_bench
  COMMAND bash ${QINFER_BENCH_MCU_DIR}/run_bench.sh ${PROJECT_SOURCE_DIR} ${QINFER_MCU_DIR}
          $<TARGET_FILE:qinfer_insn_count> $<TARGET_FILE:qinfer_mcu_gen_bench> ${QINFER_MCU_CONFORMANCE_HEADER}
  DEPENDS qinfer_insn_count qinfer_mcu_gen_bench qinfer_mcu_models
  USES_TERMINAL
  COMMENT "MCU benchmark: instructions per layer (QEMU plugin), flash, RAM")

# The plugin itself, in ctest: counts on the conformance firmware must be present and exact
# for a known instruction sequence (the markers' own bodies).
if(QINFER_QEMU_SYSTEM_ARM)
  add_test(NAME mcu_insn_count_plugin
           COMMAND bash ${QINFER_BENCH_MCU_DIR}/plugin_test.sh ${QINFER_MCU_SRC} $<TARGET_FILE:qinfer_insn_count>
                   mps2-an386 ${QINFER_MCU_DIR}/m4_O2/conformance.elf)
  set_tests_properties(mcu_insn_count_plugin PROPERTIES FIXTURES_REQUIRED mcu_m4_O2 TIMEOUT 120 LABELS mcu)
endif()
