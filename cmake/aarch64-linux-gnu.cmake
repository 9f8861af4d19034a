# CMake toolchain file: 64-bit Arm Linux (Cortex-A53/A72/A76 boards) with Debian's
# g++-aarch64-linux-gnu (12.2, glibc).
#
#   cmake -S . -B build-a64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DQINFER_HOST_TOOLS=OFF
#
# Programs link dynamically against Debian's arm64 cross glibc/libstdc++ (run them with
# `qemu-aarch64 -L /usr/aarch64-linux-gnu`; runtime_test interposes malloc, which a static
# glibc does not allow). The instruction-count bench links statically (fixed addresses for
# the plugin's markers). The baseline is Armv8.0-A (NEON); the dot-product
# kernels get -march=armv8.2-a+dotprod per file (cmake/aarch64.cmake) and are chosen at run
# time from HWCAP. Host headers: see cmake/cross_sysinclude.cmake (nlohmann/ is staged too,
# for the conformance runner).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(QINFER_NLOHMANN_INCLUDE_DIR /usr/include CACHE PATH "Directory holding the host's nlohmann/ headers")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES
     QINFER_FLATBUFFERS_INCLUDE_DIR QINFER_GEMMLOWP_INCLUDE_DIR QINFER_NLOHMANN_INCLUDE_DIR)

set(_qinfer_prefix aarch64-linux-gnu-)
find_program(CMAKE_C_COMPILER ${_qinfer_prefix}gcc REQUIRED)
find_program(CMAKE_CXX_COMPILER ${_qinfer_prefix}g++ REQUIRED)
find_program(CMAKE_NM ${_qinfer_prefix}nm)
find_program(CMAKE_OBJDUMP ${_qinfer_prefix}objdump)

set(QINFER_CROSS_EXTRA_HEADERS "nlohmann=${QINFER_NLOHMANN_INCLUDE_DIR}/nlohmann")
include(${CMAKE_CURRENT_LIST_DIR}/cross_sysinclude.cmake)

set(CMAKE_C_FLAGS_INIT "-isystem ${QINFER_CROSS_SYSINCLUDE}")
set(CMAKE_CXX_FLAGS_INIT "-isystem ${QINFER_CROSS_SYSINCLUDE}")
# Release = -O2, as Debian builds its arm64 packages and as the Cortex-M builds do; at -O3
# GCC also vectorizes the reference kernels, which are meant to be the plain-C baseline.
set(CMAKE_C_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "C flags, Release (-O2)")
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG" CACHE STRING "C++ flags, Release (-O2)")

# Host programs (flatc) are found on the host; headers and libraries only in the cross world.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu ${QINFER_CROSS_SYSINCLUDE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
