/* Startup for Cortex-M under qemu-system-arm: vector table, reset handler (FPU/MVE enable,
 * .data copy, .bss clear, stack paint), fault handlers that turn any fault into a failing
 * semihosting exit code. Works for ARMv7-M and ARMv8.1-M (Secure state on an547). */
#include <stdint.h>
#include <string.h>

#include "platform.h"

extern uint32_t __stack_limit[];  /* lowest stack address (linker script) */
extern uint32_t __stack_top[];    /* initial MSP */
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];

int main(void);

#define SCB_CPACR (*(volatile uint32_t*)0xE000ED88u)
#define SCB_CFSR (*(volatile uint32_t*)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t*)0xE000ED2Cu)
#define SCB_MMFAR (*(volatile uint32_t*)0xE000ED34u)
#define SCB_BFAR (*(volatile uint32_t*)0xE000ED38u)
#define SCB_SHCSR (*(volatile uint32_t*)0xE000ED24u)

__attribute__((noreturn, used)) void qinfer_fault_report(const uint32_t* frame, uint32_t exc_return) {
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  static const char* const names[16] = {
      "?", "Reset", "NMI", "HardFault", "MemManage", "BusFault", "UsageFault", "SecureFault",
      "?", "?", "?", "SVCall", "DebugMonitor", "?", "PendSV", "SysTick"};
  const uint32_t n = ipsr & 0x1ffu;
  platform_puts("\n*** FAULT: ");
  platform_puts(n < 16 ? names[n] : "IRQ");
  platform_puts(" (exception ");
  platform_put_u32(n);
  platform_puts(") CFSR=");
  platform_put_hex(SCB_CFSR);
  platform_puts(" HFSR=");
  platform_put_hex(SCB_HFSR);
  platform_puts(" MMFAR=");
  platform_put_hex(SCB_MMFAR);
  platform_puts(" BFAR=");
  platform_put_hex(SCB_BFAR);
  platform_puts(" EXC_RETURN=");
  platform_put_hex(exc_return);
  if (frame != 0) {
    platform_puts(" PC=");
    platform_put_hex(frame[6]);
    platform_puts(" LR=");
    platform_put_hex(frame[5]);
  }
  platform_puts("\n");
  platform_exit(QINFER_MCU_EXIT_FAULT);
}

/* Every fault and unexpected exception lands here: pick the stack the frame was pushed to. */
__attribute__((naked, noreturn)) void Fault_Handler(void) {
  __asm__ volatile(
      "mov r1, lr\n"
      "movs r0, #4\n"
      "tst r0, r1\n"
      "beq 1f\n"
      "mrs r0, psp\n"
      "b qinfer_fault_report\n"
      "1:\n"
      "mrs r0, msp\n"
      "b qinfer_fault_report\n");
}

__attribute__((noreturn)) void Reset_Handler(void) {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
  /* CP10/CP11 full access: the FPU and (on v8.1-M) MVE. */
  SCB_CPACR |= 0xFu << 20;
  __asm__ volatile("dsb\n isb" ::: "memory");
#endif
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
  /* Stack overflow below the stack region faults (UsageFault STKOF) instead of corrupting. */
  __asm__ volatile("msr msplim, %0" ::"r"(__stack_limit));
#endif
  /* Enable MemManage, BusFault, UsageFault (and SecureFault on v8-M) as separate handlers. */
  SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18) | (1u << 19);
  for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (uint32_t* dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  platform_stack_paint();
  platform_exit(main());
}

typedef void (*vector_t)(void);

__attribute__((section(".vectors"), used)) const vector_t qinfer_vectors[16] = {
    (vector_t)(uintptr_t)__stack_top,
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage */
    Fault_Handler, /* BusFault */
    Fault_Handler, /* UsageFault */
    Fault_Handler, /* SecureFault (v8-M) */
    0, 0, 0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMonitor */
    0,
    Fault_Handler, /* PendSV */
    Fault_Handler, /* SysTick */
};
