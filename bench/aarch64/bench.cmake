# AArch64 bench, host side (included by cmake/aarch64_qemu.cmake): the Fashion-MNIST CNN
# converted to a C header for the cross-built bench, the QEMU plugin, and the ctest
# `aarch64_bench` (label aarch64) that runs bench/aarch64/run_bench.sh: instructions per layer
# and per model for ref, NEON and SDOT, written to build/aarch64-bench/results.{csv,md}, and
# checked against the targets (NEON >= 6x, SDOT >= 8x fewer instructions than the reference on
# conv/FC layers, depthwise >= 4x).
include(${PROJECT_SOURCE_DIR}/bench/mcu/insn_count.cmake)

set(QINFER_AARCH64_BENCH_DIR ${PROJECT_BINARY_DIR}/aarch64-bench)
set(QINFER_AARCH64_MODEL_HEADER "")
set(_fashion_onnx ${PROJECT_SOURCE_DIR}/models/fashion_cnn.onnx)
set(_fashion_calib ${PROJECT_SOURCE_DIR}/models/fashion_calib.npy)
if(QINFER_HAVE_CONVERTER AND EXISTS ${_fashion_onnx} AND EXISTS ${_fashion_calib})
  set(QINFER_AARCH64_MODEL_HEADER ${QINFER_AARCH64_BENCH_DIR}/fashion_cnn_model.h)
  add_custom_command(
    OUTPUT ${QINFER_AARCH64_MODEL_HEADER}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${QINFER_AARCH64_BENCH_DIR}
    COMMAND qinfer convert ${_fashion_onnx} --calib ${_fashion_calib}
            -o ${QINFER_AARCH64_BENCH_DIR}/fashion_cnn.qinfer --emit-c ${QINFER_AARCH64_MODEL_HEADER} --no-sqnr -q
    DEPENDS qinfer ${_fashion_onnx} ${_fashion_calib}
    COMMENT "qinfer convert models/fashion_cnn.onnx --emit-c (AArch64 bench)")
  add_custom_target(qinfer_aarch64_bench_model ALL DEPENDS ${QINFER_AARCH64_MODEL_HEADER})
  set(QINFER_AARCH64_BUILD_ARGS -DQINFER_AARCH64_MODEL_HEADER=${QINFER_AARCH64_MODEL_HEADER})
endif()

add_test(NAME aarch64_bench
         COMMAND bash ${PROJECT_SOURCE_DIR}/bench/aarch64/run_bench.sh ${QINFER_AARCH64_DIR}
                 $<TARGET_FILE:qinfer_insn_count> ${QINFER_AARCH64_BENCH_DIR})
set_tests_properties(aarch64_bench PROPERTIES FIXTURES_REQUIRED aarch64 TIMEOUT 300 LABELS aarch64)
