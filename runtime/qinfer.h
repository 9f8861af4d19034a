/* qinfer C API: load a model in place, run it in a caller-owned arena. No heap, no float.
 *
 *   static uint8_t arena[ARENA_BYTES] __attribute__((aligned(16)));
 *   qinfer_context ctx;
 *   qinfer_error err;
 *   if (qinfer_init(&ctx, model_data, model_size, arena, sizeof arena, &err) != QINFER_OK)
 *     printf("%s\n", err.message);
 *   qinfer_tensor in;  qinfer_input(&ctx, 0, &in);   fill in.data (int8, in.bytes)
 *   qinfer_invoke(&ctx, &err);
 *   qinfer_tensor out; qinfer_output(&ctx, 0, &out);
 */
#ifndef QINFER_RUNTIME_QINFER_H_
#define QINFER_RUNTIME_QINFER_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Same values as qinfer::Status (runtime/status.h). */
#define QINFER_OK 0

typedef struct qinfer_error {
  int32_t code;         /* 0 = ok; see runtime/status.h for the list */
  int32_t op_index;     /* -1 when not about one op */
  int32_t tensor_index; /* -1 when not about one tensor */
  char message[160];
} qinfer_error;

/* Opaque; the caller owns it (static or on the stack). Do not copy after qinfer_init. */
typedef struct qinfer_context {
  void* opaque[4];
} qinfer_context;

typedef struct qinfer_tensor {
  int8_t* data;
  size_t bytes;
  int32_t rank;
  int32_t dims[4];
  int32_t zero_point;
} qinfer_tensor;

/* Verifies the model fully. Returns 0, or an error code (err filled if not NULL). The
 * model bytes (16-byte aligned) must stay valid while ctx is used. */
int32_t qinfer_verify(const void* model, size_t model_size, qinfer_error* err);

/* Arena bytes the model needs (0 if it does not verify). */
size_t qinfer_arena_bytes(const void* model, size_t model_size);

int32_t qinfer_init(qinfer_context* ctx, const void* model, size_t model_size, void* arena,
                    size_t arena_size, qinfer_error* err);
size_t qinfer_input_count(const qinfer_context* ctx);
size_t qinfer_output_count(const qinfer_context* ctx);
int32_t qinfer_input(const qinfer_context* ctx, size_t index, qinfer_tensor* out);
int32_t qinfer_output(const qinfer_context* ctx, size_t index, qinfer_tensor* out);
int32_t qinfer_invoke(qinfer_context* ctx, qinfer_error* err);
const char* qinfer_status_name(int32_t code);

#ifdef __cplusplus
}
#endif

#endif /* QINFER_RUNTIME_QINFER_H_ */
