#include "runtime/interpreter.h"

#include <cstdint>

#include "runtime/error_report.h"
#include "runtime/op_dispatch.h"
#include "runtime/tensor_util.h"
#include "schema/qinfer_generated.h"

namespace qinfer {

Status Interpreter::Init(const Model& model, void* arena, size_t arena_bytes, Error* error) {
  model_ = nullptr;
  arena_ = nullptr;
  if (!model.loaded()) return ErrorReport(error, Status::kNotInitialized, -1, -1) << "model not loaded";
  if (arena == nullptr && model.arena_bytes() > 0) {
    return ErrorReport(error, Status::kNullArgument, -1, -1) << "no arena";
  }
  if (reinterpret_cast<uintptr_t>(arena) % 16 != 0) {
    return ErrorReport(error, Status::kArenaMisaligned, -1, -1) << "arena must be 16-byte aligned";
  }
  if (arena_bytes < model.arena_bytes()) {
    return ErrorReport(error, Status::kArenaTooSmall, -1, -1)
           << "arena has " << static_cast<int64_t>(arena_bytes) << " bytes, model needs "
           << model.arena_bytes();
  }
  model_ = &model;
  arena_ = static_cast<uint8_t*>(arena);
  return Status::kOk;
}

size_t Interpreter::input_count() const {
  return model_ == nullptr ? 0 : model_->schema()->inputs()->size();
}

size_t Interpreter::output_count() const {
  return model_ == nullptr ? 0 : model_->schema()->outputs()->size();
}

namespace {

void FillView(const schema::Tensor* t, uint8_t* arena, TensorView* view) {
  view->data = reinterpret_cast<int8_t*>(arena + t->arena_offset());
  view->bytes = static_cast<size_t>(ElementCount(t));
  view->rank = Rank(t);
  for (int32_t d = 0; d < kMaxRank; ++d) view->dims[d] = d < view->rank ? Dim(t, d) : 1;
  view->zero_point = t->zero_point();
}

}  // namespace

Status Interpreter::input(size_t index, TensorView* view) const {
  if (model_ == nullptr) return Status::kNotInitialized;
  if (view == nullptr) return Status::kNullArgument;
  if (index >= input_count()) return Status::kBadIndex;
  const auto* m = model_->schema();
  FillView(m->tensors()->Get(m->inputs()->Get(static_cast<uint32_t>(index))), arena_, view);
  return Status::kOk;
}

Status Interpreter::output(size_t index, TensorView* view) const {
  if (model_ == nullptr) return Status::kNotInitialized;
  if (view == nullptr) return Status::kNullArgument;
  if (index >= output_count()) return Status::kBadIndex;
  const auto* m = model_->schema();
  FillView(m->tensors()->Get(m->outputs()->Get(static_cast<uint32_t>(index))), arena_, view);
  return Status::kOk;
}

Status Interpreter::Invoke(Error* error) {
  if (model_ == nullptr) return ErrorReport(error, Status::kNotInitialized, -1, -1) << "call Init first";
  const auto* ops = model_->schema()->operators();
  for (uint32_t i = 0; i < ops->size(); ++i) {
    RunOperator(*model_->schema(), ops->Get(i), arena_);
  }
  return Status::kOk;
}

}  // namespace qinfer
