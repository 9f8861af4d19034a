/* The tables the host generators write for the firmware (C, no heap, all const: models and
 * reference data stay in flash and the runtime reads the models in place). */
#ifndef QINFER_TESTS_MCU_MCU_CASES_H_
#define QINFER_TESTS_MCU_MCU_CASES_H_

#include <stdint.h>

typedef struct qinfer_mcu_blob {
  const int8_t* data;
  uint32_t bytes;
} qinfer_mcu_blob;

typedef struct qinfer_mcu_case {
  const char* name;
  const uint8_t* model; /* 16-byte aligned */
  uint32_t model_size;
  uint32_t arena_bytes; /* as planned by the host's qinfer_arena_bytes() */
  uint32_t num_sets;    /* input sets, each run once */
  uint32_t num_inputs;
  uint32_t num_outputs;
  const qinfer_mcu_blob* inputs;  /* [set * num_inputs + i] */
  const qinfer_mcu_blob* outputs; /* [set * num_outputs + o]: the host runtime's bytes */
  uint32_t macs;                  /* multiply-accumulates per inference (benchmarks) */
  uint32_t ops;                   /* opcodes used: bit QINFER_MCU_OP_<NAME> (the header's) */
  int32_t refuse_status;          /* nonzero: qinfer_init must fail with this code (no sets) */
} qinfer_mcu_case;

#endif /* QINFER_TESTS_MCU_MCU_CASES_H_ */
