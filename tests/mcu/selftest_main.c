/* Harness self-tests: prove that a fault and a hang make the QEMU run fail.
 * QINFER_SELFTEST_FAULT: executes an undefined instruction (UsageFault -> exit code 3).
 * QINFER_SELFTEST_HANG: spins forever (the runner's timeout must end it). */
#include "platform.h"

int main(void) {
#if defined(QINFER_SELFTEST_FAULT)
  platform_puts("selftest: undefined instruction\n");
  __asm__ volatile("udf #0");
#elif defined(QINFER_SELFTEST_HANG)
  platform_puts("selftest: hang\n");
  for (;;) __asm__ volatile("" ::: "memory");
#endif
  platform_puts("selftest: not reached\n");
  return QINFER_MCU_EXIT_OK;
}
