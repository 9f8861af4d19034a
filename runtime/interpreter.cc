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

// The view of graph input (or, with `output`, graph output) `index`.
Status FillView(const Model* model, bool output, size_t index, uint8_t* arena, TensorView* view) {
  if (model == nullptr) return Status::kNotInitialized;
  if (view == nullptr) return Status::kNullArgument;
  const schema::Model* m = model->schema();
  const flatbuffers::Vector<int32_t>* ends = output ? m->outputs() : m->inputs();
  if (index >= ends->size()) return Status::kBadIndex;
  const schema::Tensor* t = m->tensors()->Get(ends->Get(static_cast<uint32_t>(index)));
  view->data = reinterpret_cast<int8_t*>(arena + t->arena_offset());
  view->rank = Rank(t);
  // An int8 activation of a verified model: its bytes (the product of its dims) fit 31 bits.
  size_t bytes = 1;
  for (int32_t d = 0; d < kMaxRank; ++d) {
    view->dims[d] = d < view->rank ? Dim(t, d) : 1;
    bytes *= static_cast<size_t>(view->dims[d]);
  }
  view->bytes = bytes;
  view->zero_point = t->zero_point();
  return Status::kOk;
}

}  // namespace

Status Interpreter::input(size_t index, TensorView* view) const {
  return FillView(model_, false, index, arena_, view);
}

Status Interpreter::output(size_t index, TensorView* view) const {
  return FillView(model_, true, index, arena_, view);
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
