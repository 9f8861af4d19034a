// QModel -> flatbuffer bytes (schema/qinfer.fbs).
#include <flatbuffers/flatbuffers.h>

#include "converter/error.h"
#include "converter/qmodel.h"
#include "schema/qinfer_generated.h"

namespace qinfer {
namespace converter {

namespace fbs = qinfer::schema;

namespace {

fbs::OpCode OpCodeOf(LKind k) {
  switch (k) {
    case LKind::kConv: return fbs::OpCode::CONV_2D;
    case LKind::kDepthwiseConv: return fbs::OpCode::DEPTHWISE_CONV_2D;
    case LKind::kFullyConnected: return fbs::OpCode::FULLY_CONNECTED;
    case LKind::kAdd: return fbs::OpCode::ADD;
    case LKind::kMul: return fbs::OpCode::MUL;
    case LKind::kMaxPool: return fbs::OpCode::MAX_POOL_2D;
    case LKind::kAvgPool: return fbs::OpCode::AVG_POOL_2D;
    case LKind::kMean: return fbs::OpCode::MEAN;
    case LKind::kSoftmax: return fbs::OpCode::SOFTMAX;
    case LKind::kLut: return fbs::OpCode::LOOKUP_TABLE;
    case LKind::kRequantize: return fbs::OpCode::REQUANTIZE;
    case LKind::kConcat: return fbs::OpCode::CONCATENATION;
    case LKind::kPad: return fbs::OpCode::PAD;
    case LKind::kTranspose: return fbs::OpCode::TRANSPOSE;
    case LKind::kReshape: return fbs::OpCode::RESHAPE;
  }
  return fbs::OpCode::RESHAPE;
}

}  // namespace

int64_t WeightBytes(const QModel& m) {
  int64_t total = 0;
  for (const QTensor& t : m.tensors)
    if (t.is_const) total += static_cast<int64_t>(t.data.size());
  return total;
}

std::vector<uint8_t> SerializeModel(const QModel& m, std::vector<int>* file_index) {
  // Only tensors some op or the graph ends reference are written.
  std::vector<int> remap(m.tensors.size(), -1);
  std::vector<int> order;
  auto use = [&](int t) {
    if (t < 0) return;
    if (remap[static_cast<size_t>(t)] < 0) {
      remap[static_cast<size_t>(t)] = static_cast<int>(order.size());
      order.push_back(t);
    }
  };
  for (int t : m.inputs) use(t);
  for (const QOp& op : m.ops) {
    for (int t : op.inputs) use(t);
    for (int t : op.outputs) use(t);
  }
  for (int t : m.outputs) use(t);
  if (file_index) *file_index = remap;
  auto mapped = [&](const std::vector<int>& v) {
    std::vector<int32_t> out;
    for (int t : v) out.push_back(t < 0 ? -1 : remap[static_cast<size_t>(t)]);
    return out;
  };

  flatbuffers::FlatBufferBuilder b(1 << 16);
  std::vector<flatbuffers::Offset<fbs::Buffer>> buffers;
  std::vector<flatbuffers::Offset<fbs::Tensor>> tensors;
  for (int ti : order) {
    const QTensor& t = m.tensors[static_cast<size_t>(ti)];
    int32_t buffer = -1;
    if (t.is_const) {
      if (static_cast<int64_t>(t.data.size()) != t.bytes())
        Fail("internal error: constant '", t.name, "' has ", t.data.size(), " bytes, expected ", t.bytes());
      buffers.push_back(fbs::CreateBufferDirect(b, &t.data));
      buffer = static_cast<int32_t>(buffers.size()) - 1;
    } else if (t.arena_offset < 0) {
      Fail("internal error: tensor '", t.name, "' has no arena offset");
    }
    auto quant = fbs::CreateQuantMetaDirect(b, &t.scales, t.quant_axis);
    std::vector<int32_t> shape(t.shape.begin(), t.shape.end());
    std::vector<int32_t> perm(t.source_perm.begin(), t.source_perm.end());
    tensors.push_back(fbs::CreateTensorDirect(
        b, t.name.c_str(), t.int32 ? fbs::DType::INT32 : fbs::DType::INT8, &shape, t.zero_point, buffer,
        t.is_const ? -1 : t.arena_offset, quant, perm.empty() ? nullptr : &perm,
        t.is_const ? -1 : t.live_from, t.is_const ? -1 : t.live_until));
  }
  std::vector<flatbuffers::Offset<fbs::Operator>> ops;
  for (const QOp& op : m.ops) {
    flatbuffers::Offset<void> options;
    fbs::OpOptions type = fbs::OpOptions::NONE;
    switch (op.kind) {
      case LKind::kConv:
      case LKind::kDepthwiseConv:
        options = fbs::CreateConv2DOptionsDirect(b, op.stride_h, op.stride_w, op.dil_h, op.dil_w, op.pad_t, op.pad_l,
                                                 op.pad_b, op.pad_r, op.groups, op.depth_multiplier, &op.multiplier,
                                                 &op.shift, op.act_min, op.act_max).Union();
        type = fbs::OpOptions::Conv2DOptions;
        break;
      case LKind::kFullyConnected:
        options = fbs::CreateFullyConnectedOptionsDirect(b, &op.multiplier, &op.shift, op.act_min, op.act_max).Union();
        type = fbs::OpOptions::FullyConnectedOptions;
        break;
      case LKind::kAdd:
        options = fbs::CreateAddOptions(b, op.left_shift, op.input1_multiplier, op.input1_shift, op.input2_multiplier,
                                        op.input2_shift, op.output_multiplier, op.output_shift, op.act_min, op.act_max,
                                        op.subtract).Union();
        type = fbs::OpOptions::AddOptions;
        break;
      case LKind::kMul:
        options = fbs::CreateMulOptions(b, op.output_multiplier, op.output_shift, op.act_min, op.act_max).Union();
        type = fbs::OpOptions::MulOptions;
        break;
      case LKind::kMaxPool:
      case LKind::kAvgPool:
        options = fbs::CreatePool2DOptions(b, op.kh, op.kw, op.stride_h, op.stride_w, op.pad_t, op.pad_l, op.pad_b,
                                           op.pad_r, op.act_min, op.act_max).Union();
        type = fbs::OpOptions::Pool2DOptions;
        break;
      case LKind::kMean:
        options = fbs::CreateMeanOptions(b, op.multiplier.at(0), op.shift.at(0), op.act_min, op.act_max,
                                         static_cast<fbs::MeanRounding>(op.mean_rounding))
                      .Union();
        type = fbs::OpOptions::MeanOptions;
        break;
      case LKind::kSoftmax:
        options = fbs::CreateSoftmaxOptions(b, op.softmax_multiplier, op.softmax_left_shift, op.diff_min).Union();
        type = fbs::OpOptions::SoftmaxOptions;
        break;
      case LKind::kLut:
        options = fbs::CreateLookupTableOptionsDirect(b, &op.table).Union();
        type = fbs::OpOptions::LookupTableOptions;
        break;
      case LKind::kRequantize:
        options = fbs::CreateRequantizeOptions(b, op.multiplier.at(0), op.shift.at(0)).Union();
        type = fbs::OpOptions::RequantizeOptions;
        break;
      case LKind::kConcat:
        options = fbs::CreateConcatenationOptionsDirect(b, op.axis, &op.multiplier, &op.shift).Union();
        type = fbs::OpOptions::ConcatenationOptions;
        break;
      case LKind::kPad:
        options = fbs::CreatePadOptionsDirect(b, &op.pads).Union();
        type = fbs::OpOptions::PadOptions;
        break;
      case LKind::kTranspose:
        options = fbs::CreateTransposeOptionsDirect(b, &op.perm).Union();
        type = fbs::OpOptions::TransposeOptions;
        break;
      case LKind::kReshape:
        options = fbs::CreateReshapeOptions(b).Union();
        type = fbs::OpOptions::ReshapeOptions;
        break;
    }
    std::vector<int32_t> ins = mapped(op.inputs);
    // Trailing absent bias: drop it rather than write -1 where the runtime allows either.
    while (!ins.empty() && ins.back() < 0) ins.pop_back();
    const std::vector<int32_t> outs = mapped(op.outputs);
    int32_t packed = -1, folded = -1;
    if (!op.packed_weights.empty()) {
      const auto* pw = reinterpret_cast<const uint8_t*>(op.packed_weights.data());
      const std::vector<uint8_t> pbytes(pw, pw + op.packed_weights.size());
      buffers.push_back(fbs::CreateBufferDirect(b, &pbytes));
      packed = static_cast<int32_t>(buffers.size()) - 1;
    }
    if (!op.folded_bias.empty()) {
      std::vector<uint8_t> fbytes;
      for (int32_t v : op.folded_bias)
        for (int k = 0; k < 4; ++k) fbytes.push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * k)));
      buffers.push_back(fbs::CreateBufferDirect(b, &fbytes));
      folded = static_cast<int32_t>(buffers.size()) - 1;
    }
    ops.push_back(fbs::CreateOperatorDirect(b, OpCodeOf(op.kind), &ins, &outs, type, options, op.scratch_offset,
                                            op.scratch_bytes, op.name.c_str(), packed, folded));
  }
  const std::vector<int32_t> inputs = mapped(m.inputs), outputs = mapped(m.outputs);
  auto model = fbs::CreateModelDirect(b, 1, &tensors, &ops, &inputs, &outputs, &buffers, m.arena_bytes,
                                      "qinfer-convert", m.description.empty() ? nullptr : m.description.c_str(),
                                      static_cast<fbs::Target>(m.target));
  fbs::FinishModelBuffer(b, model);
  // Buffers are aligned relative to the end of the builder's buffer; the total size is a
  // multiple of the largest alignment (16), so they are aligned from the start too.
  if (!buffers.empty() && b.GetSize() % 16 != 0) Fail("internal error: model size not a multiple of 16");
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace converter
}  // namespace qinfer
