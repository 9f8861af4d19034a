#include "tests/support/model_builder.h"

#include <algorithm>
#include <cstring>

namespace qinfer {
namespace testing {

AlignedBytes::AlignedBytes(const uint8_t* data, size_t size) {
  resize(size);
  if (size > 0) std::memcpy(this->data(), data, size);
}

void AlignedBytes::resize(size_t size) {
  blocks_.resize((size + 15) / 16 + 1);
  size_ = size;
}

int32_t ModelBuilder::AddActivation(std::vector<int32_t> shape, int32_t zero_point) {
  TensorSpec t;
  t.shape = std::move(shape);
  t.zero_point = zero_point;
  tensors_.push_back(std::move(t));
  return static_cast<int32_t>(tensors_.size() - 1);
}

int32_t ModelBuilder::AddConstantInt8(std::vector<int32_t> shape, const std::vector<int8_t>& values,
                                      int32_t zero_point) {
  TensorSpec t;
  t.shape = std::move(shape);
  t.zero_point = zero_point;
  t.is_constant = true;
  t.data.assign(reinterpret_cast<const uint8_t*>(values.data()),
                reinterpret_cast<const uint8_t*>(values.data()) + values.size());
  tensors_.push_back(std::move(t));
  return static_cast<int32_t>(tensors_.size() - 1);
}

int32_t ModelBuilder::AddConstantInt32(std::vector<int32_t> shape, const std::vector<int32_t>& values) {
  TensorSpec t;
  t.dtype = schema::DType::INT32;
  t.shape = std::move(shape);
  t.is_constant = true;
  t.data.resize(values.size() * 4);
  std::memcpy(t.data.data(), values.data(), t.data.size());
  tensors_.push_back(std::move(t));
  return static_cast<int32_t>(tensors_.size() - 1);
}

AlignedBytes ModelBuilder::Finish() {
  flatbuffers::FlatBufferBuilder fbb;
  const int32_t num_ops = static_cast<int32_t>(ops_.size());
  // Live ranges from the graph; a trivial plan with no reuse.
  int64_t arena = 0;
  int64_t next_free = 0;
  std::vector<int32_t> from(tensors_.size(), -1), until(tensors_.size(), -1);
  for (int32_t i = 0; i < num_ops; ++i) {
    for (int32_t t : ops_[i].outputs) {
      if (t >= 0 && t < static_cast<int32_t>(tensors_.size())) from[t] = until[t] = i;
    }
  }
  for (int32_t i = 0; i < num_ops; ++i) {
    for (int32_t t : ops_[i].inputs) {
      if (t >= 0 && t < static_cast<int32_t>(tensors_.size())) until[t] = std::max(until[t], i);
    }
  }
  for (int32_t t : outputs_) {
    if (t >= 0 && t < static_cast<int32_t>(tensors_.size())) until[t] = num_ops;
  }
  std::vector<flatbuffers::Offset<schema::Buffer>> buffers;
  std::vector<flatbuffers::Offset<schema::Tensor>> tensors;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    TensorSpec& t = tensors_[i];
    int32_t buffer = -1;
    if (t.is_constant) {
      fbb.ForceVectorAlignment(t.data.size(), 1, 16);
      auto data = fbb.CreateVector(t.data);
      buffers.push_back(schema::CreateBuffer(fbb, data));
      buffer = static_cast<int32_t>(buffers.size() - 1);
    } else {
      int64_t bytes = t.dtype == schema::DType::INT32 ? 4 : 1;
      for (int32_t d : t.shape) bytes *= std::max(d, 1);
      if (t.arena_offset == -1) t.arena_offset = static_cast<int32_t>(next_free);
      next_free = std::max(next_free, t.arena_offset + (bytes + 15) / 16 * 16);
      arena = std::max(arena, next_free);
    }
    auto shape = fbb.CreateVector(t.shape);
    schema::TensorBuilder tb(fbb);
    tb.add_dtype(t.dtype);
    tb.add_shape(shape);
    tb.add_zero_point(t.zero_point);
    tb.add_buffer(buffer);
    tb.add_arena_offset(t.is_constant ? -1 : t.arena_offset);
    tb.add_live_from(t.is_constant ? -1 : (t.live_from != -2 ? t.live_from : from[i]));
    tb.add_live_until(t.is_constant ? -1 : (t.live_until != -2 ? t.live_until : until[i]));
    tensors.push_back(tb.Finish());
  }
  std::vector<flatbuffers::Offset<schema::Operator>> ops;
  for (OpSpec& op : ops_) {
    std::pair<schema::OpOptions, flatbuffers::Offset<void>> options{schema::OpOptions::NONE, 0};
    if (op.options) options = op.options(fbb);
    auto inputs = fbb.CreateVector(op.inputs);
    auto outputs = fbb.CreateVector(op.outputs);
    schema::OperatorBuilder ob(fbb);
    ob.add_opcode(op.opcode);
    ob.add_inputs(inputs);
    ob.add_outputs(outputs);
    if (options.first != schema::OpOptions::NONE) {
      ob.add_options_type(options.first);
      ob.add_options(options.second);
    }
    ob.add_scratch_offset(op.scratch_offset);
    ob.add_scratch_bytes(op.scratch_bytes);
    ops.push_back(ob.Finish());
  }
  auto model = schema::CreateModel(
      fbb, version, fbb.CreateVector(tensors), fbb.CreateVector(ops), fbb.CreateVector(inputs_),
      fbb.CreateVector(outputs_), fbb.CreateVector(buffers),
      static_cast<uint32_t>(arena_bytes_override >= 0 ? arena_bytes_override : arena));
  schema::FinishModelBuffer(fbb, model);
  return AlignedBytes(fbb.GetBufferPointer(), fbb.GetSize());
}

OpSpec ConvOp(schema::OpCode code, int32_t in, int32_t w, int32_t bias, int32_t out,
              int32_t stride, int32_t pad, std::vector<int32_t> mult, std::vector<int32_t> shift,
              int32_t groups, int32_t depth_multiplier, int32_t dilation, int32_t act_min,
              int32_t act_max) {
  OpSpec op;
  op.opcode = code;
  op.inputs = {in, w, bias};
  op.outputs = {out};
  op.options = [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto m = fbb.CreateVector(mult);
    auto s = fbb.CreateVector(shift);
    auto o = schema::CreateConv2DOptions(fbb, stride, stride, dilation, dilation, pad, pad, pad,
                                         pad, groups, depth_multiplier, m, s, act_min, act_max);
    return std::make_pair(schema::OpOptions::Conv2DOptions, o.Union());
  };
  return op;
}

OpSpec FullyConnectedOp(int32_t in, int32_t w, int32_t bias, int32_t out, std::vector<int32_t> mult,
                        std::vector<int32_t> shift, int32_t act_min, int32_t act_max) {
  OpSpec op;
  op.opcode = schema::OpCode::FULLY_CONNECTED;
  op.inputs = {in, w, bias};
  op.outputs = {out};
  op.options = [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto m = fbb.CreateVector(mult);
    auto s = fbb.CreateVector(shift);
    auto o = schema::CreateFullyConnectedOptions(fbb, m, s, act_min, act_max);
    return std::make_pair(schema::OpOptions::FullyConnectedOptions, o.Union());
  };
  return op;
}

}  // namespace testing
}  // namespace qinfer
