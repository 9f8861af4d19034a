// Runs a verified model in a caller-provided arena. No heap, no float.
#ifndef QINFER_RUNTIME_INTERPRETER_H_
#define QINFER_RUNTIME_INTERPRETER_H_

#include <cstddef>
#include <cstdint>

#include "runtime/model.h"
#include "runtime/qinfer.h"
#include "runtime/status.h"

namespace qinfer {

// The C API's tensor (data: int8 activations; int32 tensors are never graph inputs or
// outputs), so qinfer_input / qinfer_output fill the caller's struct with no copy.
using TensorView = qinfer_tensor;

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
