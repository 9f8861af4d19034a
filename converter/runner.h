// Host-side helper that runs a serialized qinfer model through the runtime (qinfer::Model +
// qinfer::Interpreter) with an owned, 16-byte aligned copy of the model and arena.
#ifndef QINFER_CONVERTER_RUNNER_H_
#define QINFER_CONVERTER_RUNNER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/model.h"

namespace qinfer {
namespace schema {
struct Model;
}
namespace converter {

class ModelRunner {
 public:
  // Copies and loads (verifies) the model; throws Error with the runtime's message.
  explicit ModelRunner(const std::vector<uint8_t>& bytes);
  ModelRunner(const ModelRunner&) = delete;
  ModelRunner& operator=(const ModelRunner&) = delete;

  const schema::Model* schema() const { return model_.schema(); }
  size_t input_count() const { return interp_.input_count(); }
  size_t output_count() const { return interp_.output_count(); }
  TensorView input(size_t i) const;
  TensorView output(size_t i) const;
  void Invoke();
  // Bytes of tensor `index` (file order) in the arena; only valid while it is live.
  const int8_t* ArenaTensor(int index) const;
  size_t model_bytes() const { return size_; }

 private:
  struct alignas(16) Chunk {
    uint8_t b[16];
  };
  std::vector<Chunk> model_storage_;
  std::vector<Chunk> arena_;
  size_t size_ = 0;
  Model model_;
  Interpreter interp_;
};

// Verifies model bytes like Model::Load except the CPU check (a model may be written for
// another machine's target); throws Error with the runtime's message.
void VerifyModelBytes(const std::vector<uint8_t>& bytes);

// Rounds x / scale + zero_point half away from zero, clamped to int8.
int8_t QuantizeToInt8(float x, float scale, int32_t zero_point);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_RUNNER_H_
