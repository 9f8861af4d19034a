# Shared by the cross toolchain files (arm-none-eabi.cmake, aarch64-linux-gnu.cmake): stages
# the only host header trees a cross build may see, and a header-only FlatBuffers package.
#
# Never -I/usr/include in a cross build (it would shadow the target's libc). The host's
# flatbuffers/ and gemmlowp's fixedpoint/ headers (and any extra "name=dir" pairs in
# QINFER_CROSS_EXTRA_HEADERS) are symlinked into <build>/qinfer-sysinclude, which holds only
# those directories, and passed with -isystem. Sets QINFER_CROSS_SYSINCLUDE.
set(QINFER_FLATBUFFERS_INCLUDE_DIR /usr/include CACHE PATH "Directory holding the host's flatbuffers/ headers")
set(QINFER_GEMMLOWP_INCLUDE_DIR /usr/include/gemmlowp CACHE PATH "Directory holding gemmlowp's fixedpoint/ headers")

set(QINFER_CROSS_SYSINCLUDE ${CMAKE_BINARY_DIR}/qinfer-sysinclude)
if(NOT EXISTS ${QINFER_FLATBUFFERS_INCLUDE_DIR}/flatbuffers/flatbuffers.h)
  message(FATAL_ERROR "no flatbuffers/flatbuffers.h under QINFER_FLATBUFFERS_INCLUDE_DIR=${QINFER_FLATBUFFERS_INCLUDE_DIR}")
endif()
if(NOT EXISTS ${QINFER_GEMMLOWP_INCLUDE_DIR}/fixedpoint/fixedpoint.h)
  message(FATAL_ERROR "no fixedpoint/fixedpoint.h under QINFER_GEMMLOWP_INCLUDE_DIR=${QINFER_GEMMLOWP_INCLUDE_DIR}")
endif()
file(MAKE_DIRECTORY ${QINFER_CROSS_SYSINCLUDE})
foreach(_pair "flatbuffers=${QINFER_FLATBUFFERS_INCLUDE_DIR}/flatbuffers"
              "fixedpoint=${QINFER_GEMMLOWP_INCLUDE_DIR}/fixedpoint" ${QINFER_CROSS_EXTRA_HEADERS})
  string(REPLACE "=" ";" _pair "${_pair}")
  list(GET _pair 0 _name)
  list(GET _pair 1 _target)
  if(NOT IS_SYMLINK ${QINFER_CROSS_SYSINCLUDE}/${_name})
    file(CREATE_LINK ${_target} ${QINFER_CROSS_SYSINCLUDE}/${_name} SYMBOLIC)
  endif()
endforeach()
# fixedpoint.h includes "../internal/detect_platform.h": it resolves through the symlink.
# The runtime's own find_path() then lands on the staged directory, never on /usr/include.
set(GEMMLOWP_INCLUDE_DIR ${QINFER_CROSS_SYSINCLUDE} CACHE PATH "gemmlowp fixedpoint (staged for the cross build)")

# The top-level find_package(FlatBuffers) only has to succeed: the cross build uses flatc (a
# host program, found by find_program) and the staged headers, never a FlatBuffers library.
# A stub package stands in for the host's (whose imported targets are x86 libraries).
if(NOT FlatBuffers_DIR)
  set(_qinfer_fb_pkg ${CMAKE_BINARY_DIR}/qinfer-cross-packages)
  file(STRINGS ${QINFER_FLATBUFFERS_INCLUDE_DIR}/flatbuffers/base.h _qinfer_fb_ver
       REGEX "^#define FLATBUFFERS_VERSION_(MAJOR|MINOR|REVISION) ")
  string(REGEX REPLACE "[^;]*_(MAJOR|MINOR|REVISION) ([0-9]+)" "\\2" _qinfer_fb_ver "${_qinfer_fb_ver}")
  string(REPLACE ";" "." _qinfer_fb_ver "${_qinfer_fb_ver}")
  file(WRITE ${_qinfer_fb_pkg}/FlatBuffersConfig.cmake
       "# Written by cmake/cross_sysinclude.cmake: header-only FlatBuffers for the cross build.\n"
       "set(FlatBuffers_INCLUDE_DIRS ${QINFER_CROSS_SYSINCLUDE})\n")
  file(WRITE ${_qinfer_fb_pkg}/FlatBuffersConfigVersion.cmake
       "set(PACKAGE_VERSION ${_qinfer_fb_ver})\n"
       "if(PACKAGE_FIND_VERSION AND PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION)\n"
       "  set(PACKAGE_VERSION_COMPATIBLE FALSE)\nelse()\n  set(PACKAGE_VERSION_COMPATIBLE TRUE)\nendif()\n")
  set(FlatBuffers_DIR ${_qinfer_fb_pkg} CACHE PATH "stub FlatBuffers package for the cross build")
endif()
