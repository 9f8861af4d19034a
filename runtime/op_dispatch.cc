#include "runtime/op_dispatch.h"

#include <cstring>

#include "kernels/arm/dispatch.h"
#if defined(QINFER_HAVE_X86_KERNELS)
#include "kernels/x86/dispatch.h"
#elif defined(QINFER_HAVE_AARCH64_KERNELS)
#include "kernels/aarch64/dispatch.h"
#endif
#include "kernels/reference.h"
#include "runtime/tensor_util.h"
#include "runtime/verifier.h"

#include "runtime/op_selection.h"

namespace qinfer {
namespace {

namespace ref = kernels::ref;
// The optimized twins this target's feature macros allow (kernels/arm/dispatch.h), else ref.
namespace fast = kernels::fast;
// Multiply-accumulate kernels (conv, depthwise, fully connected), add, pooling and mean:
// chosen at run time from cpuid on x86 and from HWCAP on AArch64, at compile time from the
// target's feature macros on Cortex-M. Byte maps (lookup table, requantize, concatenation):
// table lookups on x86, else the reference.
#if defined(QINFER_HAVE_X86_KERNELS)
namespace mac = kernels::x86;
namespace eltwise = kernels::x86;
namespace pool = kernels::x86;
namespace reduce = kernels::x86;
namespace bytemap = kernels::x86;
#elif defined(QINFER_HAVE_AARCH64_KERNELS)
namespace mac = kernels::aarch64;
namespace eltwise = kernels::aarch64;
namespace pool = kernels::aarch64;
namespace reduce = kernels::aarch64;
namespace bytemap = kernels::ref;
#else
namespace mac = kernels::fast;
namespace eltwise = kernels::fast;
namespace pool = kernels::fast;
namespace reduce = kernels::fast;
namespace bytemap = kernels::ref;
#endif

class OpTensors {
 public:
  // The tensor table and the input list are looked up once per op, not once per use.
  OpTensors(const schema::Model& model, const schema::Operator* op, uint8_t* arena)
      : model_(model), op_(op), tensors_(model.tensors()), inputs_(op->inputs()),
        arena_(arena) {}

  const schema::Tensor* tensor(int32_t index) const { return tensors_->Get(index); }
  const schema::Tensor* in(int32_t slot) const { return tensor(inputs_->Get(slot)); }
  const schema::Tensor* out() const { return tensor(op_->outputs()->Get(0)); }
  int32_t num_inputs() const { return static_cast<int32_t>(inputs_->size()); }

  const void* Data(const schema::Tensor* t) const {
    if (t->buffer() >= 0) return model_.buffers()->Get(t->buffer())->data()->data();
    return arena_ + t->arena_offset();
  }
  const int8_t* In8(int32_t slot) const { return static_cast<const int8_t*>(Data(in(slot))); }
  int8_t* Out8() const { return reinterpret_cast<int8_t*>(arena_ + out()->arena_offset()); }
  // Target-specific constants (schema Operator.packed_weights / folded_bias); null if absent.
  const void* PackedBuffer(int32_t index) const {
    return index < 0 ? nullptr : model_.buffers()->Get(index)->data()->data();
  }
  const int8_t* PackedWeights() const { return static_cast<const int8_t*>(PackedBuffer(op_->packed_weights())); }
  const int32_t* FoldedBias() const { return static_cast<const int32_t*>(PackedBuffer(op_->folded_bias())); }
  const int32_t* Bias(int32_t slot) const {
    if (slot >= num_inputs() || inputs_->Get(slot) < 0) return nullptr;
    return static_cast<const int32_t*>(Data(in(slot)));
  }

 private:
  const schema::Model& model_;
  const schema::Operator* op_;
  const flatbuffers::Vector<flatbuffers::Offset<schema::Tensor>>* tensors_;
  const flatbuffers::Vector<int32_t>* inputs_;
  uint8_t* arena_;
};

// A verified tensor's element count (below 2^31): 32-bit divisions, no 64-bit helper.
int32_t Count32(const schema::Tensor* t) { return static_cast<int32_t>(ElementCount(t)); }

kernels::Requant RequantOf(const flatbuffers::Vector<int32_t>* m,
                           const flatbuffers::Vector<int32_t>* s) {
  return kernels::Requant{m->data(), s->data(), static_cast<int32_t>(m->size())};
}

void RunConv(const OpTensors& t, const schema::Conv2DOptions* o, bool depthwise) {
  kernels::ConvParams p;
  p.stride_h = o->stride_h();
  p.stride_w = o->stride_w();
  p.dilation_h = o->dilation_h();
  p.dilation_w = o->dilation_w();
  p.pad_top = o->pad_top();
  p.pad_left = o->pad_left();
  p.groups = o->groups();
  p.depth_multiplier = o->depth_multiplier();
  p.input_zero_point = t.in(0)->zero_point();
  p.output_zero_point = t.out()->zero_point();
  p.act_min = o->act_min();
  p.act_max = o->act_max();
  p.requant = RequantOf(o->multiplier(), o->shift());
#if defined(QINFER_HAVE_X86_KERNELS)
  if (!depthwise && t.PackedWeights() != nullptr) {
    mac::Conv2DPacked(p, Dims4Of(t.in(0)), t.In8(0), Dims4Of(t.in(1)), t.In8(1), t.Bias(2),
                      t.PackedWeights(), t.FoldedBias(), Dims4Of(t.out()), t.Out8());
    return;
  }
#endif
  // One call site for both kernels (same signature): the eight arguments are set up once.
  const auto kernel = depthwise ? &mac::DepthwiseConv2D : &mac::Conv2D;
  kernel(p, Dims4Of(t.in(0)), t.In8(0), Dims4Of(t.in(1)), t.In8(1), t.Bias(2), Dims4Of(t.out()),
         t.Out8());
}

void RunFullyConnected(const OpTensors& t, const schema::FullyConnectedOptions* o) {
  // Each tensor is looked up once: a 64 -> 10 classifier's optimized kernel runs in about as
  // many instructions as the schema lookups did.
  const schema::Tensor* input = t.in(0);
  const schema::Tensor* weights = t.in(1);
  kernels::FullyConnectedParams p;
  p.input_zero_point = input->zero_point();
  p.weights_zero_point = weights->zero_point();
  p.output_zero_point = t.out()->zero_point();
  p.act_min = o->act_min();
  p.act_max = o->act_max();
  p.requant = RequantOf(o->multiplier(), o->shift());
  const int32_t out_features = Dim(weights, 0);
  const int32_t in_features = Dim(weights, 1);
  const int32_t batches = Count32(input) / in_features;
  const int8_t* x = static_cast<const int8_t*>(t.Data(input));
  const int8_t* w = static_cast<const int8_t*>(t.Data(weights));
#if defined(QINFER_HAVE_X86_KERNELS)
  if (t.PackedWeights() != nullptr) {
    mac::FullyConnectedPacked(p, batches, in_features, out_features, x, w, t.Bias(2),
                              t.PackedWeights(), t.FoldedBias(), t.Out8());
    return;
  }
#endif
  mac::FullyConnected(p, batches, in_features, out_features, x, w, t.Bias(2), t.Out8());
}

void RunAdd(const OpTensors& t, const schema::AddOptions* o) {
  kernels::AddParams p;
  p.input1_zero_point = t.in(0)->zero_point();
  p.input2_zero_point = t.in(1)->zero_point();
  p.output_zero_point = t.out()->zero_point();
  p.left_shift = o->left_shift();
  p.input1_multiplier = o->input1_multiplier();
  p.input1_shift = o->input1_shift();
  p.input2_multiplier = o->input2_multiplier();
  p.input2_shift = o->input2_shift();
  p.output_multiplier = o->output_multiplier();
  p.output_shift = o->output_shift();
  p.act_min = o->act_min();
  p.act_max = o->act_max();
  p.subtract = o->subtract();
  eltwise::Add(p, Dims4Of(t.in(0)), t.In8(0), Dims4Of(t.in(1)), t.In8(1), Dims4Of(t.out()), t.Out8());
}

void RunMul(const OpTensors& t, const schema::MulOptions* o) {
  kernels::MulParams p;
  p.input1_zero_point = t.in(0)->zero_point();
  p.input2_zero_point = t.in(1)->zero_point();
  p.output_zero_point = t.out()->zero_point();
  p.output_multiplier = o->output_multiplier();
  p.output_shift = o->output_shift();
  p.act_min = o->act_min();
  p.act_max = o->act_max();
#if defined(QINFER_HAVE_X86_KERNELS)
  kernels::x86::Mul(p, Dims4Of(t.in(0)), t.In8(0), Dims4Of(t.in(1)), t.In8(1), Dims4Of(t.out()), t.Out8());
#else
  ref::Mul(p, Dims4Of(t.in(0)), t.In8(0), Dims4Of(t.in(1)), t.In8(1), Dims4Of(t.out()), t.Out8());
#endif
}

void RunPool(const OpTensors& t, const schema::Pool2DOptions* o, bool max) {
  kernels::PoolParams p;
  p.filter_h = o->filter_h();
  p.filter_w = o->filter_w();
  p.stride_h = o->stride_h();
  p.stride_w = o->stride_w();
  p.pad_top = o->pad_top();
  p.pad_left = o->pad_left();
  p.act_min = o->act_min();
  p.act_max = o->act_max();
  if (max) {
    pool::MaxPool2D(p, Dims4Of(t.in(0)), t.In8(0), Dims4Of(t.out()), t.Out8());
  } else {
    pool::AvgPool2D(p, Dims4Of(t.in(0)), t.In8(0), Dims4Of(t.out()), t.Out8());
  }
}

void RunMean(const OpTensors& t, const schema::MeanOptions* o) {
  kernels::MeanParams p;
  p.input_zero_point = t.in(0)->zero_point();
  p.output_zero_point = t.out()->zero_point();
  p.multiplier = o->multiplier();
  p.shift = o->shift();
  p.act_min = o->act_min();
  p.act_max = o->act_max();
  p.rounding = static_cast<kernels::MeanRounding>(o->rounding());
  reduce::MeanHW(p, Dims4Of(t.in(0)), t.In8(0), t.Out8());
}

void RunSoftmax(const OpTensors& t, const schema::SoftmaxOptions* o) {
  kernels::SoftmaxParams p;
  p.input_multiplier = o->input_multiplier();
  p.input_left_shift = o->input_left_shift();
  p.diff_min = o->diff_min();
  const int32_t depth = Dim(t.in(0), Rank(t.in(0)) - 1);
  const int32_t rows = Count32(t.in(0)) / depth;
  ref::Softmax(p, rows, depth, t.In8(0), t.Out8());
}

void RunRequantize(const OpTensors& t, const schema::RequantizeOptions* o) {
  kernels::RequantizeParams p;
  p.input_zero_point = t.in(0)->zero_point();
  p.output_zero_point = t.out()->zero_point();
  p.multiplier = o->multiplier();
  p.shift = o->shift();
  bytemap::Requantize(p, static_cast<int32_t>(ElementCount(t.in(0))), t.In8(0), t.Out8());
}

void RunConcatenation(const OpTensors& t, const schema::ConcatenationOptions* o) {
  kernels::Dims4 dims[kMaxConcatInputs];
  const int8_t* data[kMaxConcatInputs];
  kernels::RequantizeParams params[kMaxConcatInputs];
  const int32_t n = t.num_inputs();
  for (int32_t i = 0; i < n; ++i) {
    dims[i] = Dims4Of(t.in(i));
    data[i] = t.In8(i);
    params[i].input_zero_point = t.in(i)->zero_point();
    params[i].output_zero_point = t.out()->zero_point();
    params[i].multiplier = o->input_multiplier()->Get(i);
    params[i].shift = o->input_shift()->Get(i);
  }
  const int32_t axis = o->axis() + (kMaxRank - Rank(t.out()));
  bytemap::Concatenation(axis, n, dims, data, params, Dims4Of(t.out()), t.Out8());
}

void RunPad(const OpTensors& t, const schema::PadOptions* o) {
  int32_t pads[2 * kMaxRank] = {0};
  const int32_t lead = kMaxRank - Rank(t.in(0));
  for (uint32_t i = 0; i < o->pads()->size(); ++i) pads[2 * lead + i] = o->pads()->Get(i);
  ref::Pad(pads, static_cast<int8_t>(t.out()->zero_point()), Dims4Of(t.in(0)), t.In8(0),
           Dims4Of(t.out()), t.Out8());
}

void RunTranspose(const OpTensors& t, const schema::TransposeOptions* o) {
  int32_t perm[kMaxRank];
  const int32_t lead = kMaxRank - Rank(t.in(0));
  for (int32_t d = 0; d < kMaxRank; ++d) {
    perm[d] = d < lead ? d : o->perm()->Get(d - lead) + lead;
  }
  ref::Transpose(perm, Dims4Of(t.in(0)), t.In8(0), Dims4Of(t.out()), t.Out8());
}

void RunReshape(const OpTensors& t) {
  const int8_t* src = t.In8(0);
  int8_t* dst = t.Out8();
  // A planned view shares the bytes; otherwise copy (memmove: a constant never aliases).
  if (src != dst) std::memmove(dst, src, static_cast<size_t>(ElementCount(t.out())));
}

}  // namespace

void RunOperator(const schema::Model& model, const schema::Operator* op, uint8_t* arena) {
  const OpTensors t(model, op, arena);
  switch (op->opcode()) {
#if QINFER_OPS_CONV_2D
    case schema::OpCode::CONV_2D: return RunConv(t, op->options_as_Conv2DOptions(), false);
#endif
#if QINFER_OPS_DEPTHWISE_CONV_2D
    case schema::OpCode::DEPTHWISE_CONV_2D: return RunConv(t, op->options_as_Conv2DOptions(), true);
#endif
#if QINFER_OPS_FULLY_CONNECTED
    case schema::OpCode::FULLY_CONNECTED:
      return RunFullyConnected(t, op->options_as_FullyConnectedOptions());
#endif
#if QINFER_OPS_ADD
    case schema::OpCode::ADD: return RunAdd(t, op->options_as_AddOptions());
#endif
#if QINFER_OPS_MUL
    case schema::OpCode::MUL: return RunMul(t, op->options_as_MulOptions());
#endif
#if QINFER_OPS_MAX_POOL_2D
    case schema::OpCode::MAX_POOL_2D: return RunPool(t, op->options_as_Pool2DOptions(), true);
#endif
#if QINFER_OPS_AVG_POOL_2D
    case schema::OpCode::AVG_POOL_2D: return RunPool(t, op->options_as_Pool2DOptions(), false);
#endif
#if QINFER_OPS_MEAN
    case schema::OpCode::MEAN: return RunMean(t, op->options_as_MeanOptions());
#endif
#if QINFER_OPS_SOFTMAX
    case schema::OpCode::SOFTMAX: return RunSoftmax(t, op->options_as_SoftmaxOptions());
#endif
#if QINFER_OPS_LOOKUP_TABLE
    case schema::OpCode::LOOKUP_TABLE:
      return bytemap::LookupTable(op->options_as_LookupTableOptions()->table()->data(),
                              static_cast<int32_t>(ElementCount(t.in(0))), t.In8(0), t.Out8());
#endif
#if QINFER_OPS_REQUANTIZE
    case schema::OpCode::REQUANTIZE: return RunRequantize(t, op->options_as_RequantizeOptions());
#endif
#if QINFER_OPS_CONCATENATION
    case schema::OpCode::CONCATENATION:
      return RunConcatenation(t, op->options_as_ConcatenationOptions());
#endif
#if QINFER_OPS_PAD
    case schema::OpCode::PAD: return RunPad(t, op->options_as_PadOptions());
#endif
#if QINFER_OPS_TRANSPOSE
    case schema::OpCode::TRANSPOSE: return RunTranspose(t, op->options_as_TransposeOptions());
#endif
#if QINFER_OPS_RESHAPE
    case schema::OpCode::RESHAPE: return RunReshape(t);
#endif
#if defined(QINFER_OPS_SELECTED)
    default: return;  // the verifier rejected every other opcode
#endif
  }
}

}  // namespace qinfer
