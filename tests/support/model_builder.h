// Builds small qinfer models in tests with FlatBufferBuilder. Finish() computes live
// ranges and a trivial memory plan (every activation its own 16-aligned slot) unless the
// test overrides them, so tests can also craft broken plans.
#ifndef QINFER_TESTS_SUPPORT_MODEL_BUILDER_H_
#define QINFER_TESTS_SUPPORT_MODEL_BUILDER_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "flatbuffers/flatbuffers.h"
#include "schema/qinfer_generated.h"

namespace qinfer {
namespace testing {

// 16-byte aligned owned bytes, as the runtime requires of a model.
class AlignedBytes {
 public:
  AlignedBytes() = default;
  explicit AlignedBytes(const uint8_t* data, size_t size);
  uint8_t* data() { return reinterpret_cast<uint8_t*>(blocks_.data()); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(blocks_.data()); }
  size_t size() const { return size_; }
  void resize(size_t size);

 private:
  struct alignas(16) Block {
    uint8_t b[16];
  };
  std::vector<Block> blocks_;
  size_t size_ = 0;
};

struct TensorSpec {
  schema::DType dtype = schema::DType::INT8;
  std::vector<int32_t> shape;
  int32_t zero_point = 0;
  std::vector<uint8_t> data;  // non-empty: a constant
  bool is_constant = false;
  int32_t arena_offset = -1;  // -1: planned by Finish
  int32_t live_from = -2;     // -2: computed by Finish
  int32_t live_until = -2;
};

struct OpSpec {
  schema::OpCode opcode;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  // Builds the options table; may be empty (no options).
  std::function<std::pair<schema::OpOptions, flatbuffers::Offset<void>>(
      flatbuffers::FlatBufferBuilder&)>
      options;
  int32_t scratch_offset = -1;
  int32_t scratch_bytes = 0;
};

class ModelBuilder {
 public:
  int32_t AddActivation(std::vector<int32_t> shape, int32_t zero_point);
  int32_t AddConstantInt8(std::vector<int32_t> shape, const std::vector<int8_t>& values,
                          int32_t zero_point = 0);
  int32_t AddConstantInt32(std::vector<int32_t> shape, const std::vector<int32_t>& values);
  void AddOp(OpSpec op) { ops_.push_back(std::move(op)); }
  void SetInputs(std::vector<int32_t> inputs) { inputs_ = std::move(inputs); }
  void SetOutputs(std::vector<int32_t> outputs) { outputs_ = std::move(outputs); }

  TensorSpec& tensor(int32_t i) { return tensors_[i]; }
  OpSpec& op(int32_t i) { return ops_[i]; }
  uint32_t version = 1;
  int64_t arena_bytes_override = -1;

  AlignedBytes Finish();

 private:
  std::vector<TensorSpec> tensors_;
  std::vector<OpSpec> ops_;
  std::vector<int32_t> inputs_, outputs_;
};

// Options helpers.
OpSpec ConvOp(schema::OpCode code, int32_t in, int32_t w, int32_t bias, int32_t out,
              int32_t stride, int32_t pad, std::vector<int32_t> mult, std::vector<int32_t> shift,
              int32_t groups = 1, int32_t depth_multiplier = 1, int32_t dilation = 1,
              int32_t act_min = -128, int32_t act_max = 127);
OpSpec FullyConnectedOp(int32_t in, int32_t w, int32_t bias, int32_t out,
                        std::vector<int32_t> mult, std::vector<int32_t> shift,
                        int32_t act_min = -128, int32_t act_max = 127);

}  // namespace testing
}  // namespace qinfer

#endif  // QINFER_TESTS_SUPPORT_MODEL_BUILDER_H_
