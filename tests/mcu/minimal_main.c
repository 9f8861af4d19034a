/* Minimal application firmware: the runtime as a product would link it (qinfer_init, input,
 * invoke, output; no qinfer_verify, no status names), for the flash report of the runtime
 * core and of the kernels a model set needs, and the test of the flash-size options:
 *  - QINFER_MCU_ENABLED_OPS (the per-model kernel registry, QINFER_OPS_SELECTED): every
 *    conformance model whose opcodes are all enabled must run bit-exact with the host
 *    runtime; every other one must be rejected by qinfer_init with QINFER bad-opcode (13) and
 *    the index of an op;
 *  - a model the device cannot run (refuse_status, e.g. one packed for x86 kernels) must be
 *    refused by qinfer_init with that code;
 *  - QINFER_TERSE_ERRORS: error messages must stay empty.
 * Exit code 0 = all as expected. */
#include <string.h>

#include "conformance_models.h"
#include "platform.h"
#include "runtime/qinfer.h"

#ifndef QINFER_MCU_ENABLED_OPS
#define QINFER_MCU_ENABLED_OPS 0xFFFFFFFFu
#endif

static uint8_t arena[CONFORMANCE_MAX_ARENA] __attribute__((aligned(16)));
static qinfer_context ctx;
static qinfer_error err;

/* qinfer_init returned `rc`: it must be `expected`, recorded in err (with an op index when
 * `at_op`), and terse builds must leave the message empty. */
static int check_refused(int32_t rc, int32_t expected, int at_op, const char* what) {
  if (rc != expected || err.code != expected || (at_op && err.op_index < 0)) {
    platform_puts("expected status ");
    platform_put_i32(expected);
    platform_puts(at_op ? " with an op index, got " : ", got ");
    platform_put_i32(rc);
    platform_puts(" MISMATCH\n");
    return 1;
  }
#if defined(QINFER_TERSE_ERRORS)
  if (err.message[0] != '\0') {
    platform_puts("terse build wrote a message MISMATCH\n");
    return 1;
  }
#endif
  platform_puts(what);
  if (at_op) {
    platform_puts(" at op ");
    platform_put_i32(err.op_index);
  }
  platform_puts(", as expected\n");
  return 0;
}

static int run_case(const qinfer_mcu_case* c) {
  platform_puts("case ");
  platform_puts(c->name);
  platform_puts(": ");
  const int32_t rc = qinfer_init(&ctx, c->model, c->model_size, arena, sizeof arena, &err);
  if ((c->ops & ~(uint32_t)(QINFER_MCU_ENABLED_OPS)) != 0) {
    /* Uses an opcode this build left out. */
    return check_refused(rc, 13, 1, "rejected (opcode left out of this build)");
  }
  if (c->refuse_status != 0) {
    /* A model this device cannot run (e.g. packed for x86 kernels). */
    return check_refused(rc, c->refuse_status, 0, "refused");
  }
  if (rc != QINFER_OK) {
    platform_puts("qinfer_init failed with ");
    platform_put_i32(rc);
    platform_puts(" MISMATCH\n");
    return 1;
  }
  int failures = 0;
  for (uint32_t set = 0; set < c->num_sets; ++set) {
    for (uint32_t i = 0; i < c->num_inputs; ++i) {
      qinfer_tensor t;
      const qinfer_mcu_blob* b = &c->inputs[set * c->num_inputs + i];
      qinfer_input(&ctx, i, &t);
      memcpy(t.data, b->data, b->bytes);
    }
    if (qinfer_invoke(&ctx, &err) != QINFER_OK) return failures + 1;
    for (uint32_t o = 0; o < c->num_outputs; ++o) {
      qinfer_tensor t;
      const qinfer_mcu_blob* b = &c->outputs[set * c->num_outputs + o];
      qinfer_output(&ctx, o, &t);
      if (t.bytes != b->bytes || memcmp(t.data, b->data, b->bytes) != 0) ++failures;
    }
  }
  platform_puts(failures == 0 ? "bit-exact\n" : "MISMATCH with the host runtime\n");
  return failures;
}

int main(void) {
  platform_puts("qinfer minimal firmware (" QINFER_MCU_TARGET_NAME ")\n");
  int failures = 0;
  for (uint32_t i = 0; i < conformance_case_count; ++i) failures += run_case(&conformance_cases[i]);
  platform_puts(failures == 0 ? "ALL PASSED\n" : "FAILURES\n");
  return failures == 0 ? QINFER_MCU_EXIT_OK : QINFER_MCU_EXIT_FAIL;
}
