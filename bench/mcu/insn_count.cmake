# The QEMU instruction-count plugin (bench/mcu/insn_count.c), a host module shared by the MCU
# bench (qemu-system-arm) and the AArch64 bench (qemu-aarch64, user mode).
include_guard(GLOBAL)
add_library(qinfer_insn_count MODULE ${CMAKE_CURRENT_LIST_DIR}/insn_count.c)
target_compile_options(qinfer_insn_count PRIVATE -Wall -Wextra -Werror -fvisibility=hidden)
set_target_properties(qinfer_insn_count PROPERTIES C_STANDARD 11 PREFIX lib)
