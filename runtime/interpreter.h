// Runs a verified model in a caller-provided arena. No heap, no float.
#ifndef QINFER_RUNTIME_INTERPRETER_H_
#define QINFER_RUNTIME_INTERPRETER_H_

#include <cstddef>
#include <cstdint>

#include "runtime/model.h"
#include "runtime/status.h"

namespace qinfer {

struct TensorView {
  int8_t* data;      // int8 activations (int32 tensors are never graph inputs/outputs)
  size_t bytes;
  int32_t rank;
  int32_t dims[4];
  int32_t zero_point;
};

class Interpreter {
 public:
  // The arena must be 16-byte aligned and at least model.arena_bytes() long.
  Status Init(const Model& model, void* arena, size_t arena_bytes, Error* error);

  size_t input_count() const;
  size_t output_count() const;
  Status input(size_t index, TensorView* view) const;
  Status output(size_t index, TensorView* view) const;

  // Runs every op in order. Inputs must have been written through input().
  Status Invoke(Error* error);

 private:
  const Model* model_ = nullptr;
  uint8_t* arena_ = nullptr;
};

}  // namespace qinfer

#endif  // QINFER_RUNTIME_INTERPRETER_H_
