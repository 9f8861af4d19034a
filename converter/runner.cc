#include "converter/runner.h"

#include <cmath>
#include <cstring>

#include "converter/error.h"
#include "schema/qinfer_generated.h"

namespace qinfer {
namespace converter {

ModelRunner::ModelRunner(const std::vector<uint8_t>& bytes) : size_(bytes.size()) {
  model_storage_.resize((bytes.size() + 15) / 16);
  if (!bytes.empty()) std::memcpy(model_storage_.data(), bytes.data(), bytes.size());
  qinfer::Error err;
  if (Model::Load(model_storage_.data(), bytes.size(), &model_, &err) != Status::kOk)
    Fail("the runtime rejects the model: ", StatusName(err.code), ": ", err.message);
  arena_.resize((model_.arena_bytes() + 15) / 16 + 1);
  if (interp_.Init(model_, arena_.data(), arena_.size() * 16, &err) != Status::kOk)
    Fail("the runtime cannot bind the arena: ", StatusName(err.code), ": ", err.message);
}

void VerifyModelBytes(const std::vector<uint8_t>& bytes) {
  std::vector<uint64_t> aligned(bytes.size() / 8 + 2);
  if (!bytes.empty()) std::memcpy(aligned.data(), bytes.data(), bytes.size());
  qinfer::Error err;
  if (Model::Verify(aligned.data(), bytes.size(), &err) != Status::kOk)
    Fail("the runtime rejects the model: ", StatusName(err.code), ": ", err.message);
}

TensorView ModelRunner::input(size_t i) const {
  TensorView v{};
  if (interp_.input(i, &v) != Status::kOk) Fail("no input ", i);
  return v;
}

TensorView ModelRunner::output(size_t i) const {
  TensorView v{};
  if (interp_.output(i, &v) != Status::kOk) Fail("no output ", i);
  return v;
}

void ModelRunner::Invoke() {
  qinfer::Error err;
  if (interp_.Invoke(&err) != Status::kOk) Fail("Invoke failed: ", StatusName(err.code), ": ", err.message);
}

const int8_t* ModelRunner::ArenaTensor(int index) const {
  const auto* t = model_.schema()->tensors()->Get(static_cast<flatbuffers::uoffset_t>(index));
  if (t->buffer() >= 0) {
    return reinterpret_cast<const int8_t*>(model_.schema()->buffers()->Get(static_cast<flatbuffers::uoffset_t>(t->buffer()))->data()->data());
  }
  return reinterpret_cast<const int8_t*>(reinterpret_cast<const uint8_t*>(arena_.data()) + t->arena_offset());
}

int8_t QuantizeToInt8(float x, float scale, int32_t zero_point) {
  if (std::isnan(x)) return static_cast<int8_t>(zero_point);
  const double v = std::round(static_cast<double>(x) / scale) + zero_point;
  if (v <= -128) return -128;
  if (v >= 127) return 127;
  return static_cast<int8_t>(v);
}

}  // namespace converter
}  // namespace qinfer
