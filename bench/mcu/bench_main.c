/* MCU benchmark firmware: runs each embedded model once through the qinfer C API between the
 * instruction-count markers (bench/mcu/insn_count.c counts what runs in between, and splits
 * it per op at the interpreter's per-op call), checks the outputs against the host runtime,
 * and reports RAM (arena + context + stack high-water) per model.
 * Prints "bench <name>" before each measured region, in region order. */
#include <string.h>

#include "bench_models.h"
#include "platform.h"
#include "runtime/qinfer.h"

static uint8_t arena[BENCH_MAX_ARENA] __attribute__((aligned(16)));
static qinfer_context ctx;
static qinfer_error err;

static int run(const qinfer_mcu_case* c) {
  platform_stack_paint();
  int32_t rc = qinfer_init(&ctx, c->model, c->model_size, arena, sizeof arena, &err);
  if (rc != QINFER_OK) {
    platform_puts("init failed: ");
    platform_puts(err.message);
    platform_puts("\n");
    return 1;
  }
  for (uint32_t i = 0; i < c->num_inputs; ++i) {
    qinfer_tensor t;
    qinfer_input(&ctx, i, &t);
    memcpy(t.data, c->inputs[i].data, c->inputs[i].bytes);
  }
  platform_puts("bench ");
  platform_puts(c->name);
  platform_puts("\n");
  platform_mark_begin();
  rc = qinfer_invoke(&ctx, &err);
  platform_mark_end();
  if (rc != QINFER_OK) return 1;
  int failures = 0;
  for (uint32_t o = 0; o < c->num_outputs; ++o) {
    qinfer_tensor t;
    qinfer_output(&ctx, o, &t);
    if (t.bytes != c->outputs[o].bytes || memcmp(t.data, c->outputs[o].data, t.bytes) != 0) {
      platform_puts("  MISMATCH with the host runtime\n");
      ++failures;
    }
  }
  platform_puts("qinfer-ram ");
  platform_puts(c->name);
  platform_puts(" arena=");
  platform_put_u32(c->arena_bytes);
  platform_puts(" context=");
  platform_put_u32((uint32_t)sizeof(qinfer_context));
  platform_puts(" stack=");
  platform_put_u32(platform_stack_used());
  platform_puts(failures == 0 ? " bit-exact\n" : " MISMATCH\n");
  return failures;
}

int main(void) {
  platform_puts("qinfer MCU bench (" QINFER_MCU_TARGET_NAME ")\n");
  int failures = 0;
  for (uint32_t i = 0; i < bench_case_count; ++i) failures += run(&bench_cases[i]);
  return failures == 0 ? QINFER_MCU_EXIT_OK : QINFER_MCU_EXIT_FAIL;
}
