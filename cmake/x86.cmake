# x86 optimized kernels (kernels/x86): included by the top-level CMakeLists.txt after
# qinfer_runtime is defined. Each ISA file gets its own -m flags; the dispatcher (cpuid) is
# built with the baseline flags, so the library still runs on any x86-64 CPU.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i[3-6]86)$")
  file(GLOB QINFER_X86_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/kernels/x86/*.cc)
  target_sources(qinfer_runtime PRIVATE ${QINFER_X86_SOURCES})
  target_compile_definitions(qinfer_runtime PUBLIC QINFER_HAVE_X86_KERNELS=1)
  foreach(src ${QINFER_X86_SOURCES})
    if(src MATCHES "_avx2\\.cc$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "-mavx2")
    elseif(src MATCHES "_sse41\\.cc$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "-msse4.1")
    elseif(src MATCHES "_vbmi\\.cc$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS
        "-mavx512f;-mavx512bw;-mavx512vl;-mavx512vnni;-mavx512vbmi")
    elseif(src MATCHES "_vnni\\.cc$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS
        "-mavx512f;-mavx512bw;-mavx512vl;-mavx512vnni")
    endif()
  endforeach()
endif()
