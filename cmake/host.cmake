# Host-only parts: converter, the qinfer command line, tests, benchmarks, install rules.
find_package(nlohmann_json REQUIRED)
find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)

set(QINFER_WARNINGS -Wall -Wextra -Werror)

# Conformance runner (qinfer-conformance/1 JSON cases), shared by the tool and the tests.
add_library(qinfer_conformance STATIC tools/conformance_runner.cc)
target_link_libraries(qinfer_conformance PUBLIC qinfer_runtime PRIVATE nlohmann_json::nlohmann_json)
target_compile_options(qinfer_conformance PRIVATE ${QINFER_WARNINGS})

# The TFLite importer's reader for .tflite files: its own schema subset (schema/tflite_subset.fbs).
add_custom_command(
  OUTPUT ${QINFER_GEN_DIR}/schema/tflite_subset_generated.h
  COMMAND ${CMAKE_COMMAND} -E make_directory ${QINFER_GEN_DIR}/schema
  COMMAND ${FLATC} --cpp --scoped-enums -o ${QINFER_GEN_DIR}/schema ${CMAKE_CURRENT_SOURCE_DIR}/schema/tflite_subset.fbs
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/schema/tflite_subset.fbs
  COMMENT "flatc schema/tflite_subset.fbs")
add_custom_target(qinfer_tflite_schema DEPENDS ${QINFER_GEN_DIR}/schema/tflite_subset_generated.h)

file(GLOB QINFER_CONVERTER_SOURCES CONFIGURE_DEPENDS converter/*.cc)
if(QINFER_CONVERTER_SOURCES)
  add_library(qinfer_converter STATIC ${QINFER_CONVERTER_SOURCES})
  target_link_libraries(qinfer_converter PUBLIC qinfer_runtime onnx_proto protobuf::libprotobuf flatbuffers::flatbuffers)
  target_compile_options(qinfer_converter PRIVATE ${QINFER_WARNINGS})
  add_dependencies(qinfer_converter qinfer_tflite_schema)
  set(QINFER_HAVE_CONVERTER ON)
endif()

file(GLOB QINFER_TOOL_SOURCES CONFIGURE_DEPENDS tools/qinfer_*.cc)
add_executable(qinfer tools/main.cc ${QINFER_TOOL_SOURCES})
target_link_libraries(qinfer PRIVATE qinfer_conformance qinfer_runtime)
if(QINFER_HAVE_CONVERTER)
  target_link_libraries(qinfer PRIVATE qinfer_converter)
  target_compile_definitions(qinfer PRIVATE QINFER_HAVE_CONVERTER=1)
endif()
target_compile_options(qinfer PRIVATE ${QINFER_WARNINGS})

enable_testing()
add_subdirectory(tests)
add_subdirectory(bench)

# ---- install: headers, static runtime, the tool, a CMake package ----
install(TARGETS qinfer_runtime EXPORT qinferTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS qinfer RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES runtime/qinfer.h runtime/interpreter.h runtime/status.h runtime/model.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/qinfer/runtime)
install(FILES kernels/types.h kernels/fixedpoint.h kernels/reference.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/qinfer/kernels)
install(FILES ${QINFER_GEN_DIR}/schema/qinfer_generated.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/qinfer/schema)
install(EXPORT qinferTargets NAMESPACE qinfer:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qinfer)
include(CMakePackageConfigHelpers)
configure_package_config_file(cmake/qinferConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/qinferConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qinfer)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/qinferConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/qinferConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/qinferConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qinfer)
include(cmake/mcu.cmake)
include(cmake/aarch64_qemu.cmake)
include(cmake/fuzz.cmake)
