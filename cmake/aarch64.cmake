# AArch64 optimized kernels (kernels/aarch64): included by the top-level CMakeLists.txt after
# qinfer_runtime is defined. The baseline is Armv8.0-A, whose NEON every AArch64 Linux CPU
# has; *_dotprod.cc files get -march=armv8.2-a+dotprod and run only when HWCAP says the CPU
# has SDOT (kernels/aarch64/dispatch.cc), so the library still runs on a Cortex-A53.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  file(GLOB QINFER_AARCH64_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/kernels/aarch64/*.cc)
  target_sources(qinfer_runtime PRIVATE ${QINFER_AARCH64_SOURCES})
  target_compile_definitions(qinfer_runtime PUBLIC QINFER_HAVE_AARCH64_KERNELS=1)
  foreach(src ${QINFER_AARCH64_SOURCES})
    if(src MATCHES "_dotprod\\.cc$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "-march=armv8.2-a+dotprod")
    endif()
  endforeach()
endif()
