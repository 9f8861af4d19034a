// Semantic verification of a structurally valid (flatbuffers-verified) model: every
// tensor, every op against its kernel's contract, and the memory plan. After it passes,
// the interpreter may index and size everything without further checks.
#ifndef QINFER_RUNTIME_VERIFIER_H_
#define QINFER_RUNTIME_VERIFIER_H_

#include <cstdint>

#include "runtime/status.h"

namespace qinfer {

namespace schema {
struct Model;
}

// Limits that keep verification bounded (the plan check is quadratic in tensors).
constexpr int32_t kMaxTensors = 4096;
constexpr int32_t kMaxOperators = 4096;
constexpr int32_t kMaxConcatInputs = 16;

Status VerifyModel(const schema::Model* model, Error* error);

}  // namespace qinfer

#endif  // QINFER_RUNTIME_VERIFIER_H_
