/* Bare-metal platform for the qinfer firmware that runs under qemu-system-arm (mps2-an385,
 * mps2-an386, mps2-an500, mps3-an547): semihosting output and exit code, stack painting.
 * No heap, no stdio. */
#ifndef QINFER_MCU_PLATFORM_H_
#define QINFER_MCU_PLATFORM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit codes the firmware hands to qemu through SYS_EXIT_EXTENDED. */
enum {
  QINFER_MCU_EXIT_OK = 0,
  QINFER_MCU_EXIT_FAIL = 1,   /* a check failed */
  QINFER_MCU_EXIT_FAULT = 3,  /* a CPU fault (HardFault, MemManage, BusFault, ...) */
};

void platform_puts(const char* s);            /* SYS_WRITE0 */
void platform_put_u32(uint32_t v);            /* decimal */
void platform_put_i32(int32_t v);
void platform_put_hex(uint32_t v);            /* 0x%08x */
__attribute__((noreturn)) void platform_exit(int code);  /* SYS_EXIT_EXTENDED */

/* Stack painting: fills the unused stack (below the caller's frame) with a pattern, then
 * platform_stack_used() reports the deepest the stack has reached since, in bytes from the
 * top of the stack (so it includes the frames of main and the startup code). */
void platform_stack_paint(void);
uint32_t platform_stack_used(void);
uint32_t platform_stack_size(void);

/* Markers for the instruction-counting QEMU plugin (bench/mcu/insn_count.c): it counts the
 * instructions executed from the entry of platform_mark_begin() to the entry of
 * platform_mark_end(). Never inlined, never merged. */
void platform_mark_begin(void);
void platform_mark_end(void);

#ifdef __cplusplus
}
#endif

#endif /* QINFER_MCU_PLATFORM_H_ */
