# CMake toolchain file: bare-metal Cortex-M with Debian's gcc-arm-none-eabi (12.2, newlib).
#
#   cmake -S . -B build-m4 -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake \
#         -DQINFER_MCU_CPU=cortex-m4 -DCMAKE_BUILD_TYPE=MinSizeRel -DQINFER_HOST_TOOLS=OFF
#
# QINFER_MCU_CPU: cortex-m0plus | cortex-m3 | cortex-m4 | cortex-m7 | cortex-m55 (default m4).
# Build types: MinSizeRel = -Os, Release = -O2 (not CMake's -O3).
#
# Notes (see issue 6):
#  - Executables are linked with arm-none-eabi-gcc, not g++: g++ adds -lstdc++_nano, which the
#    runtime does not need (no exceptions, RTTI, heap or iostreams).
#  - No -I/usr/include ever (it would shadow newlib): cmake/cross_sysinclude.cmake stages the
#    host's flatbuffers/ and gemmlowp's fixedpoint/ headers into <build>/qinfer-sysinclude.
#  - NDEBUG everywhere: assert() would pull in newlib's stdio through __assert_func.
#  - Cortex-M55 uses the hard-float ABI: with the soft-float ABI gcc silently drops MVE.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(QINFER_MCU_CPU cortex-m4 CACHE STRING "Target core: cortex-m0plus, cortex-m3, cortex-m4, cortex-m7, cortex-m55")
# try_compile projects re-read this file: hand them the choices.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES
     QINFER_MCU_CPU QINFER_FLATBUFFERS_INCLUDE_DIR QINFER_GEMMLOWP_INCLUDE_DIR)

set(_qinfer_prefix arm-none-eabi-)
find_program(CMAKE_C_COMPILER ${_qinfer_prefix}gcc REQUIRED)
find_program(CMAKE_CXX_COMPILER ${_qinfer_prefix}g++ REQUIRED)
set(CMAKE_ASM_COMPILER ${CMAKE_C_COMPILER})
find_program(CMAKE_OBJCOPY ${_qinfer_prefix}objcopy)
find_program(CMAKE_SIZE ${_qinfer_prefix}size)
find_program(CMAKE_NM ${_qinfer_prefix}nm)
find_program(CMAKE_OBJDUMP ${_qinfer_prefix}objdump)
# Compiler checks cannot link a bare-metal program without startup code and a linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

if(QINFER_MCU_CPU STREQUAL "cortex-m0plus")
  set(_qinfer_arch "-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft")
elseif(QINFER_MCU_CPU STREQUAL "cortex-m3")
  set(_qinfer_arch "-mcpu=cortex-m3 -mthumb -mfloat-abi=soft")
elseif(QINFER_MCU_CPU STREQUAL "cortex-m4")
  set(_qinfer_arch "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
elseif(QINFER_MCU_CPU STREQUAL "cortex-m7")
  set(_qinfer_arch "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16")
elseif(QINFER_MCU_CPU STREQUAL "cortex-m55")
  set(_qinfer_arch "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard")
else()
  message(FATAL_ERROR "QINFER_MCU_CPU='${QINFER_MCU_CPU}' is not one of cortex-m0plus, "
                      "cortex-m3, cortex-m4, cortex-m7, cortex-m55")
endif()
set(QINFER_MCU_ARCH_FLAGS "${_qinfer_arch}")

# The staged host headers (flatbuffers/, fixedpoint/) and the stub FlatBuffers package.
include(${CMAKE_CURRENT_LIST_DIR}/cross_sysinclude.cmake)
set(_qinfer_sysinc ${QINFER_CROSS_SYSINCLUDE})
set(QINFER_MCU_SYSINCLUDE ${_qinfer_sysinc})

set(_qinfer_common "${_qinfer_arch} -ffunction-sections -fdata-sections -DNDEBUG -isystem ${_qinfer_sysinc}")
set(CMAKE_C_FLAGS_INIT "${_qinfer_common}")
set(CMAKE_CXX_FLAGS_INIT "${_qinfer_common} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
set(CMAKE_ASM_FLAGS_INIT "${_qinfer_arch}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_qinfer_arch} -Wl,--gc-sections")
set(CMAKE_C_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "C flags, Release (-O2)")
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "C++ flags, Release (-O2)")
set(CMAKE_C_FLAGS_MINSIZEREL "-Os -DNDEBUG" CACHE STRING "C flags, MinSizeRel (-Os)")
set(CMAKE_CXX_FLAGS_MINSIZEREL "-Os -DNDEBUG" CACHE STRING "C++ flags, MinSizeRel (-Os)")

# Link C++ programs with the C driver (no libstdc++).
set(CMAKE_CXX_LINK_EXECUTABLE
    "<CMAKE_C_COMPILER> <FLAGS> <CMAKE_CXX_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")

# Host programs (flatc) are found on the host; headers and libraries only in the cross world.
set(CMAKE_FIND_ROOT_PATH ${_qinfer_sysinc})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
