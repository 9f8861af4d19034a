/* MCU conformance firmware: runs every embedded model (const arrays in flash, read in place)
 * through the qinfer C API in a static arena and checks each output byte against the host
 * runtime's output for the same input. Reports arena, interpreter state and stack high-water
 * per model. Exit code 0 = all bit-exact (semihosting SYS_EXIT_EXTENDED). */
#include <string.h>

#include "conformance_models.h"
#include "platform.h"
#include "runtime/qinfer.h"

static uint8_t arena[CONFORMANCE_MAX_ARENA] __attribute__((aligned(16)));
static qinfer_context ctx;
static qinfer_error err;

static void report_error(const char* what, int32_t code) {
  platform_puts("  ");
  platform_puts(what);
  platform_puts(" failed: ");
  platform_puts(qinfer_status_name(code));
  platform_puts(": ");
  platform_puts(err.message);
  platform_puts("\n");
}

/* A model this device cannot run (e.g. packed for x86 kernels): verification and init must
 * refuse it with the expected code, and no arena size is reported for it. */
static int check_refused(const qinfer_mcu_case* c) {
  const int32_t verify_rc = qinfer_verify(c->model, c->model_size, &err);
  const int32_t verify_err = err.code;
  const int32_t init_rc = qinfer_init(&ctx, c->model, c->model_size, arena, sizeof arena, &err);
  if (verify_rc != c->refuse_status || verify_err != c->refuse_status ||
      init_rc != c->refuse_status || err.code != c->refuse_status ||
      qinfer_arena_bytes(c->model, c->model_size) != 0) {
    platform_puts("  expected refusal ");
    platform_puts(qinfer_status_name(c->refuse_status));
    platform_puts(", got verify ");
    platform_puts(qinfer_status_name(verify_rc));
    platform_puts(", init ");
    platform_puts(qinfer_status_name(init_rc));
    platform_puts(": ");
    platform_puts(err.message);
    platform_puts(" MISMATCH\n");
    return 1;
  }
  platform_puts("  refused with ");
  platform_puts(qinfer_status_name(init_rc));
  platform_puts(" (");
  platform_puts(err.message);
  platform_puts("), as expected\n");
  return 0;
}

static int run_case(const qinfer_mcu_case* c) {
  int failures = 0;
  platform_puts("case ");
  platform_puts(c->name);
  platform_puts(": model ");
  platform_put_u32(c->model_size);
  platform_puts(" B\n");

  if (c->refuse_status != 0) return check_refused(c);

  /* Truncated bytes must be rejected by the on-device verifier. */
  if (qinfer_verify(c->model, (c->model_size / 2) & ~15u, &err) == QINFER_OK) {
    platform_puts("  truncated model accepted\n");
    ++failures;
  }
  if (qinfer_arena_bytes(c->model, c->model_size) != c->arena_bytes) {
    platform_puts("  arena size differs from the host's\n");
    ++failures;
  }

  platform_stack_paint();
  int32_t rc = qinfer_init(&ctx, c->model, c->model_size, arena, sizeof arena, &err);
  if (rc != QINFER_OK) {
    report_error("qinfer_init", rc);
    return failures + 1;
  }
  if (qinfer_input_count(&ctx) != c->num_inputs || qinfer_output_count(&ctx) != c->num_outputs) {
    platform_puts("  input/output count differs\n");
    return failures + 1;
  }
  for (uint32_t set = 0; set < c->num_sets; ++set) {
    for (uint32_t i = 0; i < c->num_inputs; ++i) {
      qinfer_tensor t;
      const qinfer_mcu_blob* b = &c->inputs[set * c->num_inputs + i];
      if (qinfer_input(&ctx, i, &t) != QINFER_OK || t.bytes != b->bytes) {
        platform_puts("  input size differs\n");
        return failures + 1;
      }
      memcpy(t.data, b->data, b->bytes);
    }
    platform_mark_begin();
    rc = qinfer_invoke(&ctx, &err);
    platform_mark_end();
    if (rc != QINFER_OK) {
      report_error("qinfer_invoke", rc);
      return failures + 1;
    }
    for (uint32_t o = 0; o < c->num_outputs; ++o) {
      qinfer_tensor t;
      const qinfer_mcu_blob* b = &c->outputs[set * c->num_outputs + o];
      if (qinfer_output(&ctx, o, &t) != QINFER_OK || t.bytes != b->bytes) {
        platform_puts("  output size differs\n");
        return failures + 1;
      }
      uint32_t mismatches = 0, first = 0;
      for (uint32_t k = 0; k < b->bytes; ++k) {
        if (t.data[k] != b->data[k]) {
          if (mismatches++ == 0) first = k;
        }
      }
      if (mismatches != 0) {
        platform_puts("  MISMATCH set ");
        platform_put_u32(set);
        platform_puts(" output ");
        platform_put_u32(o);
        platform_puts(": ");
        platform_put_u32(mismatches);
        platform_puts(" of ");
        platform_put_u32(b->bytes);
        platform_puts(" bytes differ, first at ");
        platform_put_u32(first);
        platform_puts(" (device ");
        platform_put_i32(t.data[first]);
        platform_puts(", host ");
        platform_put_i32(b->data[first]);
        platform_puts(")\n");
        ++failures;
      }
    }
  }
  const uint32_t stack = platform_stack_used();
  platform_puts("  ");
  platform_puts(failures == 0 ? "bit-exact" : "FAILED");
  platform_puts(" on ");
  platform_put_u32(c->num_sets);
  platform_puts(" input sets; RAM: arena ");
  platform_put_u32(c->arena_bytes);
  platform_puts(" + context ");
  platform_put_u32((uint32_t)sizeof(qinfer_context));
  platform_puts(" + stack high-water ");
  platform_put_u32(stack);
  platform_puts(" = ");
  platform_put_u32(c->arena_bytes + (uint32_t)sizeof(qinfer_context) + stack);
  platform_puts(" B\n");
  /* Machine-readable line for the bench/report scripts. */
  platform_puts("qinfer-ram ");
  platform_puts(c->name);
  platform_puts(" arena=");
  platform_put_u32(c->arena_bytes);
  platform_puts(" context=");
  platform_put_u32((uint32_t)sizeof(qinfer_context));
  platform_puts(" stack=");
  platform_put_u32(stack);
  platform_puts("\n");
  return failures;
}

int main(void) {
  platform_puts("qinfer MCU conformance (" QINFER_MCU_TARGET_NAME ")\n");
  int failures = 0;
  for (uint32_t i = 0; i < conformance_case_count; ++i) failures += run_case(&conformance_cases[i]);
  platform_puts(failures == 0 ? "ALL PASSED\n" : "FAILURES\n");
  return failures == 0 ? QINFER_MCU_EXIT_OK : QINFER_MCU_EXIT_FAIL;
}
