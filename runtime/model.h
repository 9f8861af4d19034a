// A verified model, read in place from caller-owned bytes (flash or RAM): zero copy.
#ifndef QINFER_RUNTIME_MODEL_H_
#define QINFER_RUNTIME_MODEL_H_

#include <cstddef>
#include <cstdint>

#include "runtime/status.h"

namespace qinfer {

namespace schema {
struct Model;
}

constexpr uint32_t kFormatVersion = 1;

class Model {
 public:
  // Verifies `data` completely (structure, then every op's semantics and the memory
  // plan). The bytes must stay valid and unchanged while the Model is used.
  // Then refuses (kTargetUnsupported) a model packed for kernels this CPU cannot run.
  static Status Load(const void* data, size_t size, Model* out, Error* error);
  // Load's checks except the CPU one: for tools that write or inspect models for another
  // machine.
  static Status Verify(const void* data, size_t size, Error* error);

  const schema::Model* schema() const { return model_; }
  uint32_t arena_bytes() const;
  bool loaded() const { return model_ != nullptr; }

 private:
  static Status VerifyBytes(const void* data, size_t size, const schema::Model** out, Error* error);

  const schema::Model* model_ = nullptr;
};

}  // namespace qinfer

#endif  // QINFER_RUNTIME_MODEL_H_
