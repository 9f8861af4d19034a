# Cortex-M builds and QEMU tests, driven from the host build (included by cmake/host.cmake).
#
# The host build makes the host-side pieces: the generator that writes the conformance models
# + inputs + host-runtime outputs as a C header, and the bench's QEMU plugin and generator.
# ctest then cross-builds tests/mcu (cmake/arm-none-eabi.cmake) for each core and build type,
# checks the runtime objects (no heap, no float, no static constructors), and runs the
# firmware on qemu-system-arm. `cmake --build <host> --target mcu_bench` runs the benchmarks.
# See tests/mcu/README.md.
if(QINFER_SANITIZE)
  # The cross builds do not change under the host's sanitizers; the plain build covers them.
  return()
endif()
find_program(QINFER_ARM_GCC arm-none-eabi-gcc)
find_program(QINFER_QEMU_SYSTEM_ARM qemu-system-arm)
if(NOT QINFER_ARM_GCC)
  message(STATUS "qinfer: arm-none-eabi-gcc not found (scripts/setup.sh installs it): no MCU tests")
  return()
endif()

set(QINFER_MCU_DIR ${PROJECT_BINARY_DIR}/mcu)
set(QINFER_MCU_SRC ${PROJECT_SOURCE_DIR}/tests/mcu)
file(MAKE_DIRECTORY ${QINFER_MCU_DIR})

# ---- host generator: conformance models, inputs and expected outputs ----
add_library(qinfer_mcu_zoo STATIC ${QINFER_MCU_SRC}/model_zoo.cc ${QINFER_MCU_SRC}/case_writer.cc
            ${PROJECT_SOURCE_DIR}/tests/support/model_builder.cc)
target_link_libraries(qinfer_mcu_zoo PUBLIC qinfer_runtime flatbuffers::flatbuffers)
target_include_directories(qinfer_mcu_zoo PUBLIC ${PROJECT_SOURCE_DIR})
target_compile_options(qinfer_mcu_zoo PRIVATE ${QINFER_WARNINGS})

add_executable(qinfer_mcu_gen_conformance ${QINFER_MCU_SRC}/gen_conformance.cc)
target_link_libraries(qinfer_mcu_gen_conformance PRIVATE qinfer_mcu_zoo)
target_compile_options(qinfer_mcu_gen_conformance PRIVATE ${QINFER_WARNINGS})

# With the converter the generator also writes `packed_x86`, a model converted for the x86
# pre-packed target that every Cortex-M build must refuse (kTargetUnsupported).
if(QINFER_HAVE_CONVERTER)
  target_link_libraries(qinfer_mcu_gen_conformance PRIVATE qinfer_converter)
  target_compile_definitions(qinfer_mcu_gen_conformance PRIVATE QINFER_HAVE_CONVERTER=1)
endif()

set(QINFER_MCU_CONFORMANCE_HEADER ${QINFER_MCU_DIR}/conformance_models.h)
set(QINFER_MCU_GEN_ARGS "")
set(QINFER_MCU_GEN_DEPENDS "")
# The Fashion-MNIST CNN through the converter, embedded with its --emit-c header.
set(_fashion_onnx ${PROJECT_SOURCE_DIR}/models/fashion_cnn.onnx)
set(_fashion_calib ${PROJECT_SOURCE_DIR}/models/fashion_calib.npy)
set(_fashion_images ${PROJECT_SOURCE_DIR}/models/fashion_test_1000_u8.npy)
if(QINFER_HAVE_CONVERTER AND EXISTS ${_fashion_onnx} AND EXISTS ${_fashion_calib} AND EXISTS ${_fashion_images})
  add_custom_command(
    OUTPUT ${QINFER_MCU_DIR}/fashion_cnn.qinfer ${QINFER_MCU_DIR}/fashion_cnn_model.h
    COMMAND qinfer convert ${_fashion_onnx} --calib ${_fashion_calib} -o ${QINFER_MCU_DIR}/fashion_cnn.qinfer
            --emit-c ${QINFER_MCU_DIR}/fashion_cnn_model.h --no-sqnr -q
    DEPENDS qinfer ${_fashion_onnx} ${_fashion_calib}
    COMMENT "qinfer convert models/fashion_cnn.onnx --emit-c (MCU conformance)")
  list(APPEND QINFER_MCU_GEN_ARGS --converted fashion_cnn ${QINFER_MCU_DIR}/fashion_cnn.qinfer
       ${QINFER_MCU_DIR}/fashion_cnn_model.h fashion_cnn ${_fashion_images} 8)
  list(APPEND QINFER_MCU_GEN_DEPENDS ${QINFER_MCU_DIR}/fashion_cnn.qinfer ${QINFER_MCU_DIR}/fashion_cnn_model.h)
endif()
# The generator rewrites the header only when its content changes (no needless firmware
# rebuilds); the stamp tracks that it ran.
add_custom_command(
  OUTPUT ${QINFER_MCU_DIR}/conformance_models.stamp
  BYPRODUCTS ${QINFER_MCU_CONFORMANCE_HEADER}
  COMMAND qinfer_mcu_gen_conformance ${QINFER_MCU_CONFORMANCE_HEADER} ${QINFER_MCU_GEN_ARGS}
  COMMAND ${CMAKE_COMMAND} -E touch ${QINFER_MCU_DIR}/conformance_models.stamp
  DEPENDS qinfer_mcu_gen_conformance ${QINFER_MCU_GEN_DEPENDS}
  COMMENT "MCU conformance models + host-runtime outputs")
add_custom_target(qinfer_mcu_models ALL DEPENDS ${QINFER_MCU_DIR}/conformance_models.stamp)

# ---- ctest: cross builds, object checks, firmware under QEMU ----
# cpu | build type | QEMU board ("" = library only: QEMU has no Cortex-M0+ board)
#   [| tag suffix | extra cross-build arguments]
# The "min" build is the runtime with the flash-size options (no error strings, only the
# opcodes the DS-CNN uses): its minimal firmware runs DS-CNN bit-exact and must see every other
# conformance model rejected with kBadOpCode.
set(QINFER_MCU_DS_CNN_OPS CONV_2D,DEPTHWISE_CONV_2D,AVG_POOL_2D,RESHAPE,FULLY_CONNECTED,SOFTMAX)
set(QINFER_MCU_CONFIGS
    "cortex-m0plus|MinSizeRel|"
    "cortex-m0plus|Release|"
    "cortex-m3|MinSizeRel|mps2-an385"
    "cortex-m3|Release|mps2-an385"
    "cortex-m4|MinSizeRel|mps2-an386"
    "cortex-m4|Release|mps2-an386"
    "cortex-m7|MinSizeRel|mps2-an500"
    "cortex-m7|Release|mps2-an500"
    "cortex-m55|MinSizeRel|mps3-an547"
    "cortex-m55|Release|mps3-an547"
    "cortex-m4|MinSizeRel|mps2-an386|_min|-DQINFER_MCU_TERSE_ERRORS=ON -DQINFER_MCU_OPS=${QINFER_MCU_DS_CNN_OPS}")

foreach(cfg ${QINFER_MCU_CONFIGS})
  string(REPLACE "|" ";" cfg "${cfg}")
  list(GET cfg 0 cpu)
  list(GET cfg 1 build_type)
  list(LENGTH cfg n)
  set(board "")
  if(n GREATER 2)
    list(GET cfg 2 board)
  endif()
  set(suffix "")
  set(extra "")
  if(n GREATER 4)
    list(GET cfg 3 suffix)
    list(GET cfg 4 extra)
    separate_arguments(extra UNIX_COMMAND "${extra}")
  endif()
  string(REPLACE "cortex-" "" short "${cpu}")
  if(build_type STREQUAL "MinSizeRel")
    set(tag ${short}_Os${suffix})
  else()
    set(tag ${short}_O2${suffix})
  endif()
  set(bin ${QINFER_MCU_DIR}/${tag})

  add_test(NAME mcu_build_${tag}
           COMMAND bash ${QINFER_MCU_SRC}/cross_build.sh ${PROJECT_SOURCE_DIR} ${bin} ${cpu} ${build_type}
                   "${board}" -DQINFER_MCU_CONFORMANCE_HEADER=${QINFER_MCU_CONFORMANCE_HEADER} ${extra})
  set_tests_properties(mcu_build_${tag} PROPERTIES FIXTURES_SETUP mcu_${tag} TIMEOUT 900 LABELS mcu
                       ENVIRONMENT "CMAKE_GENERATOR=${CMAKE_GENERATOR}")

  add_test(NAME mcu_objects_${tag} COMMAND bash ${QINFER_MCU_SRC}/check_runtime_objects.sh ${bin})
  set_tests_properties(mcu_objects_${tag} PROPERTIES FIXTURES_REQUIRED mcu_${tag} TIMEOUT 120 LABELS mcu)

  if(board AND QINFER_QEMU_SYSTEM_ARM AND suffix)
    # A flash-size-options build: the minimal firmware (tests/mcu/minimal_main.c).
    add_test(NAME mcu_minimal_${tag}
             COMMAND bash ${QINFER_MCU_SRC}/run_qemu.sh --timeout 60 ${board} ${bin}/minimal.elf)
    set_tests_properties(mcu_minimal_${tag} PROPERTIES FIXTURES_REQUIRED mcu_${tag} TIMEOUT 120
                         LABELS mcu FAIL_REGULAR_EXPRESSION "MISMATCH|FAULT|TIMEOUT")
  elseif(board AND QINFER_QEMU_SYSTEM_ARM)
    add_test(NAME mcu_conformance_${tag}
             COMMAND bash ${QINFER_MCU_SRC}/run_qemu.sh --timeout 60 ${board} ${bin}/conformance.elf)
    set_tests_properties(mcu_conformance_${tag} PROPERTIES FIXTURES_REQUIRED mcu_${tag} TIMEOUT 120
                         LABELS mcu FAIL_REGULAR_EXPRESSION "MISMATCH|FAULT|TIMEOUT")
    # kernels/arm (DSP extension, Helium) vs the reference on random shapes; on M3 the
    # dispatch is the reference itself.
    add_test(NAME mcu_kernels_arm_${tag}
             COMMAND bash ${QINFER_MCU_SRC}/run_qemu.sh --timeout 110 ${board} ${bin}/kernels_arm.elf)
    set_tests_properties(mcu_kernels_arm_${tag} PROPERTIES FIXTURES_REQUIRED mcu_${tag} TIMEOUT 120
                         LABELS mcu FAIL_REGULAR_EXPRESSION "MISMATCH|FAULT|TIMEOUT")
  endif()
endforeach()

# The harness itself: a fault and a hang must fail a run (one core is enough).
if(QINFER_QEMU_SYSTEM_ARM)
  foreach(tag m4_Os m55_O2)
    if(tag STREQUAL "m4_Os")
      set(board mps2-an386)
    else()
      set(board mps3-an547)
    endif()
    add_test(NAME mcu_selftest_fault_${tag}
             COMMAND bash ${QINFER_MCU_SRC}/run_qemu.sh --timeout 30 --expect-exit 3 ${board}
                     ${QINFER_MCU_DIR}/${tag}/selftest_fault.elf)
    set_tests_properties(mcu_selftest_fault_${tag} PROPERTIES FIXTURES_REQUIRED mcu_${tag} TIMEOUT 60
                         LABELS mcu)
  endforeach()
  add_test(NAME mcu_selftest_hang_m4_Os
           COMMAND bash ${QINFER_MCU_SRC}/run_qemu.sh --timeout 2 --expect-exit 124 mps2-an386
                   ${QINFER_MCU_DIR}/m4_Os/selftest_hang.elf)
  set_tests_properties(mcu_selftest_hang_m4_Os PROPERTIES FIXTURES_REQUIRED mcu_m4_Os TIMEOUT 60
                       LABELS mcu)
endif()

if(EXISTS ${PROJECT_SOURCE_DIR}/bench/mcu/bench.cmake)
  include(${PROJECT_SOURCE_DIR}/bench/mcu/bench.cmake)
endif()
