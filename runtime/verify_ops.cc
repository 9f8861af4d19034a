#include <cstdint>

#include "runtime/tensor_util.h"
#include "runtime/verifier.h"
#include "runtime/verify_op.h"

#include "runtime/op_selection.h"

namespace qinfer {

ErrorReport OpError(Error* error, Status code, const schema::Model* model, int32_t op_index) {
  ErrorReport report(error, code, op_index, -1);
  const auto* op = model->operators()->Get(op_index);
  report << "op " << op_index << " (" << schema::EnumNameOpCode(op->opcode()) << "): ";
  return report;
}

namespace {

constexpr int64_t kInt32Max = 2147483647;
constexpr int32_t kMaxSoftmaxDepth = 4095;

class OpCheck {
 public:
  OpCheck(const schema::Model* model, int32_t index, Error* error)
      : model_(model), op_(model->operators()->Get(index)), index_(index), error_(error) {}

#if defined(QINFER_TERSE_ERRORS)
  // VerifyOperator records the code and op index once.
  TerseStatus Fail(Status code) const { return TerseStatus(code); }
#else
  ErrorReport Fail(Status code) const { return OpError(error_, code, model_, index_); }
#endif

  int32_t num_inputs() const { return static_cast<int32_t>(op_->inputs()->size()); }
  int32_t input_index(int32_t slot) const { return op_->inputs()->Get(slot); }
  const schema::Tensor* input(int32_t slot) const {
    const int32_t i = input_index(slot);
    return i < 0 ? nullptr : model_->tensors()->Get(i);
  }
  // Always an int8 activation: outputs are never constants (VerifyDataflow) and every
  // non-constant tensor is int8 (VerifyTensor), so no op re-checks it.
  const schema::Tensor* output() const {
    return model_->tensors()->Get(op_->outputs()->Get(0));
  }
  const schema::Operator* op() const { return op_; }

  Status Arity(int32_t min_inputs, int32_t max_inputs) const {
    if (op_->outputs()->size() != 1) {
      return Fail(Status::kBadOpArity) << "outputs: " << op_->outputs()->size() << ", expected 1";
    }
    if (num_inputs() < min_inputs || num_inputs() > max_inputs) {
      return Fail(Status::kBadOpArity) << "inputs: " << num_inputs() << ", expected "
                                       << min_inputs << ".." << max_inputs;
    }
    for (int32_t s = 0; s < num_inputs(); ++s) {
      // Only a trailing bias slot of conv / depthwise / fully connected may be absent.
      if (input_index(s) < 0 && !(s == 2 && max_inputs == 3)) {
        return Fail(Status::kBadTensorIndex) << "inputs[" << s << "] absent";
      }
    }
    return Status::kOk;
  }

  Status Int8(const schema::Tensor* t, const char* role) const {
    if (t->dtype() != schema::DType::INT8) return Fail(Status::kBadDType) << role << " must be int8";
    return Status::kOk;
  }

  Status RankIs(const schema::Tensor* t, int32_t rank, const char* role) const {
    if (Rank(t) != rank) {
      return Fail(Status::kBadShape) << role << " rank " << Rank(t) << ", expected " << rank;
    }
    return Status::kOk;
  }

  Status Constant(const schema::Tensor* t, const char* role) const {
    if (t->buffer() < 0) return Fail(Status::kBadBuffer) << role << " must be a constant";
    return Status::kOk;
  }

  Status Activation(int32_t lo, int32_t hi) const {
    if (lo < -128 || hi > 127 || lo > hi) {
      return Fail(Status::kBadActivationRange)
             << "act_min " << lo << ", act_max " << hi << " not within -128 <= min <= max <= 127";
    }
    return Status::kOk;
  }

  Status Multiplier(int32_t m, const char* field) const {
    if (m < 0) return Fail(Status::kBadRequant) << field << " = " << m << " < 0";
    return Status::kOk;
  }

  Status Shift(int32_t s, const char* field) const {
    if (s < -31 || s > 30) {
      return Fail(Status::kBadRequant) << field << " = " << s << " out of [-31, 30]";
    }
    return Status::kOk;
  }

  Status RequantVectors(const flatbuffers::Vector<int32_t>* mult,
                        const flatbuffers::Vector<int32_t>* shift, int32_t channels) const {
    if (mult == nullptr || shift == nullptr) {
      return Fail(Status::kMissingField) << "multiplier/shift missing";
    }
    const int32_t n = static_cast<int32_t>(mult->size());
    if (static_cast<int32_t>(shift->size()) != n || (n != 1 && n != channels)) {
      return Fail(Status::kBadRequant) << "multiplier has " << n << " and shift "
                                       << shift->size() << " entries; expected 1 or " << channels;
    }
    for (int32_t c = 0; c < n; ++c) {
      if (mult->Get(c) < 0) return Fail(Status::kBadRequant) << "multiplier[" << c << "] < 0";
      if (shift->Get(c) < -31 || shift->Get(c) > 30) {
        return Fail(Status::kBadRequant) << "shift[" << c << "] = " << shift->Get(c)
                                         << " out of [-31, 30]";
      }
    }
    return Status::kOk;
  }

  Status Bias(const schema::Tensor* bias, int32_t channels) const {
    if (bias == nullptr) return Status::kOk;
    if (bias->dtype() != schema::DType::INT32) return Fail(Status::kBadDType) << "bias must be int32";
    Status s = Constant(bias, "bias");
    if (s != Status::kOk) return s;
    if (Rank(bias) != 1 || Dim(bias, 0) != channels) {
      return Fail(Status::kShapeMismatch) << "bias must be [" << channels << "]";
    }
    return Status::kOk;
  }

  // The int32 accumulator must not overflow: |bias| + depth * max|term| <= INT32_MAX.
  Status AccumulatorBound(const schema::Tensor* bias, int64_t depth, int64_t max_term) const {
    // |INT32_MIN| = 2^31 still fits uint32.
    uint32_t max_bias = 0;
    if (bias != nullptr) {
      const uint8_t* data = model_->buffers()->Get(bias->buffer())->data()->data();
      const int32_t n = Dim(bias, 0);  // rank 1: Bias() passed
      for (int32_t i = 0; i < n; ++i) {
        int32_t v;
        __builtin_memcpy(&v, data + 4 * i, 4);
        const uint32_t a = v < 0 ? 0u - static_cast<uint32_t>(v) : static_cast<uint32_t>(v);
        max_bias = a > max_bias ? a : max_bias;
      }
    }
    if (max_bias + depth * max_term > kInt32Max) {
      return Fail(Status::kTooLarge) << "accumulator may overflow int32 (depth " << depth << ")";
    }
    return Status::kOk;
  }

  Status SameZeroPoint(const schema::Tensor* a, const schema::Tensor* b) const {
    if (a->zero_point() != b->zero_point()) {
      return Fail(Status::kBadZeroPoint) << "input zero point " << a->zero_point()
                                         << " differs from output zero point " << b->zero_point();
    }
    return Status::kOk;
  }

  Status SameCount(const schema::Tensor* a, const schema::Tensor* b) const {
    if (ElementCount(a) != ElementCount(b)) {
      return Fail(Status::kShapeMismatch) << "output has " << ElementCount(b)
                                          << " elements, input " << ElementCount(a);
    }
    return Status::kOk;
  }

  // out = floor((in + pads - effective_filter) / stride) + 1, the numerator >= 0.
  Status Window(const char* axis, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                int32_t pad_a, int32_t pad_b, int32_t out) const {
    if (stride < 1 || dilation < 1 || filter < 1) {
      return Fail(Status::kBadParam) << axis << ": stride, dilation and filter must be >= 1";
    }
    if (pad_a < 0 || pad_b < 0) return Fail(Status::kBadParam) << axis << ": negative padding";
    const int64_t effective = static_cast<int64_t>(filter - 1) * dilation + 1;
    // Kernels index with int32: keep every window coordinate far from overflow.
    if (static_cast<int64_t>(in) + pad_a + pad_b + effective + stride > (int64_t{1} << 30)) {
      return Fail(Status::kTooLarge) << axis << ": window geometry exceeds 2^30";
    }
    // Below 2^30 by the check above: 32-bit arithmetic (no 64-bit division helper).
    const int32_t numerator = in + pad_a + pad_b - static_cast<int32_t>(effective);
    if (numerator < 0) {
      return Fail(Status::kShapeMismatch) << axis << ": filter larger than the padded input";
    }
    const int32_t expected =
        static_cast<int32_t>(static_cast<uint32_t>(numerator) / static_cast<uint32_t>(stride)) + 1;
    if (expected != out) {
      return Fail(Status::kShapeMismatch) << axis << ": output size " << out
                                          << ", padding/stride/dilation imply " << expected;
    }
    return Status::kOk;
  }

 private:
  const schema::Model* model_;
  const schema::Operator* op_;
  int32_t index_;
  Error* error_;
};

#define QINFER_CHECK(expr)              \
  do {                                  \
    const Status status_ = (expr);      \
    if (status_ != Status::kOk) return status_; \
  } while (0)

Status VerifyConv(const OpCheck& c, bool depthwise) {
  QINFER_CHECK(c.Arity(2, 3));
  const auto* o = c.op()->options_as_Conv2DOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "Conv2DOptions missing";
  const auto* in = c.input(0);
  const auto* w = c.input(1);
  const auto* bias = c.num_inputs() > 2 ? c.input(2) : nullptr;
  const auto* out = c.output();
  QINFER_CHECK(c.Int8(in, "input"));
  QINFER_CHECK(c.Int8(w, "weights"));
  QINFER_CHECK(c.RankIs(in, 4, "input"));
  QINFER_CHECK(c.RankIs(w, 4, "weights"));
  QINFER_CHECK(c.RankIs(out, 4, "output"));
  QINFER_CHECK(c.Constant(w, "weights"));
  if (w->zero_point() != 0) return c.Fail(Status::kBadZeroPoint) << "weights zero point must be 0";
  const int32_t channels = Dim(in, 3);
  const int32_t out_channels = Dim(out, 3);
  if (Dim(out, 0) != Dim(in, 0)) return c.Fail(Status::kShapeMismatch) << "batch differs";
  if (depthwise) {
    if (o->groups() != 1) return c.Fail(Status::kBadParam) << "groups must be 1 in depthwise";
    const int32_t m = o->depth_multiplier();
    if (m < 1) return c.Fail(Status::kBadParam) << "depth_multiplier = " << m << " < 1";
    if (Dim(w, 0) != 1) return c.Fail(Status::kShapeMismatch) << "weights dim 0 must be 1";
    if (static_cast<int64_t>(channels) * m != out_channels || Dim(w, 3) != out_channels) {
      return c.Fail(Status::kShapeMismatch)
             << "output channels " << out_channels << " and weights dim 3 " << Dim(w, 3)
             << " must equal input channels * depth_multiplier";
    }
  } else {
    if (o->depth_multiplier() != 1) {
      return c.Fail(Status::kBadParam) << "depth_multiplier must be 1 in conv";
    }
    const int32_t g = o->groups();
    if (g < 1 || channels % g != 0 || out_channels % g != 0) {
      return c.Fail(Status::kBadParam) << "groups = " << g
                                       << " must divide input and output channels";
    }
    if (Dim(w, 0) != out_channels || Dim(w, 3) != channels / g) {
      return c.Fail(Status::kShapeMismatch) << "weights must be [OC, KH, KW, C/groups]";
    }
  }
  QINFER_CHECK(c.Window("height", Dim(in, 1), Dim(w, 1), o->stride_h(), o->dilation_h(),
                        o->pad_top(), o->pad_bottom(), Dim(out, 1)));
  QINFER_CHECK(c.Window("width", Dim(in, 2), Dim(w, 2), o->stride_w(), o->dilation_w(),
                        o->pad_left(), o->pad_right(), Dim(out, 2)));
  QINFER_CHECK(c.Bias(bias, out_channels));
  // Weights have zero point 0, so a term is at most 128 * 255.
  const int64_t depth = static_cast<int64_t>(Dim(w, 1)) * Dim(w, 2) * (depthwise ? 1 : Dim(w, 3));
  QINFER_CHECK(c.AccumulatorBound(bias, depth, 128 * 255));
  QINFER_CHECK(c.RequantVectors(o->multiplier(), o->shift(), out_channels));
  return c.Activation(o->act_min(), o->act_max());
}

Status VerifyFullyConnected(const OpCheck& c) {
  QINFER_CHECK(c.Arity(2, 3));
  const auto* o = c.op()->options_as_FullyConnectedOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "FullyConnectedOptions missing";
  const auto* in = c.input(0);
  const auto* w = c.input(1);
  const auto* out = c.output();
  QINFER_CHECK(c.Int8(in, "input"));
  QINFER_CHECK(c.Int8(w, "weights"));
  QINFER_CHECK(c.RankIs(w, 2, "weights"));
  QINFER_CHECK(c.Constant(w, "weights"));
  const int32_t out_features = Dim(w, 0);
  const int32_t in_features = Dim(w, 1);
  if (ElementCount(in) % in_features != 0) {
    return c.Fail(Status::kShapeMismatch) << "input elements " << ElementCount(in)
                                          << " not a multiple of " << in_features;
  }
  const int64_t batches = ElementCount(in) / in_features;
  if (ElementCount(out) != batches * out_features || Dim(out, Rank(out) - 1) != out_features) {
    return c.Fail(Status::kShapeMismatch) << "output must be [" << batches << ", "
                                          << out_features << "]";
  }
  const auto* bias = c.num_inputs() > 2 ? c.input(2) : nullptr;
  QINFER_CHECK(c.Bias(bias, out_features));
  QINFER_CHECK(c.AccumulatorBound(bias, in_features, 255 * 255));
  QINFER_CHECK(c.RequantVectors(o->multiplier(), o->shift(), out_features));
  return c.Activation(o->act_min(), o->act_max());
}

Status VerifyBroadcast(const OpCheck& c) {
  const auto* out = c.output();
  int32_t od[kMaxRank];
  PaddedDims(out, od);
  for (int32_t s = 0; s < 2; ++s) {
    const auto* in = c.input(s);
    QINFER_CHECK(c.Int8(in, "input"));
    if (Rank(in) > Rank(out)) return c.Fail(Status::kShapeMismatch) << "input rank above output";
    int32_t id[kMaxRank];
    PaddedDims(in, id);
    for (int32_t d = 0; d < kMaxRank; ++d) {
      if (id[d] != od[d] && id[d] != 1) {
        return c.Fail(Status::kShapeMismatch) << "input " << s << " dim " << d
                                              << " does not broadcast to the output";
      }
    }
  }
  return Status::kOk;
}

Status VerifyAdd(const OpCheck& c) {
  QINFER_CHECK(c.Arity(2, 2));
  const auto* o = c.op()->options_as_AddOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "AddOptions missing";
  QINFER_CHECK(VerifyBroadcast(c));
  // (x - z) << left_shift, scaled by multipliers below 1, twice: the sum must fit int32.
  if (o->left_shift() < 0 || o->left_shift() > 22) {
    return c.Fail(Status::kBadParam) << "left_shift = " << o->left_shift() << " out of [0, 22]";
  }
  if (o->input1_shift() > 0 || o->input2_shift() > 0) {
    return c.Fail(Status::kBadRequant) << "input shifts must be <= 0";
  }
  QINFER_CHECK(c.Multiplier(o->input1_multiplier(), "input1_multiplier"));
  QINFER_CHECK(c.Multiplier(o->input2_multiplier(), "input2_multiplier"));
  QINFER_CHECK(c.Multiplier(o->output_multiplier(), "output_multiplier"));
  QINFER_CHECK(c.Shift(o->input1_shift(), "input1_shift"));
  QINFER_CHECK(c.Shift(o->input2_shift(), "input2_shift"));
  QINFER_CHECK(c.Shift(o->output_shift(), "output_shift"));
  return c.Activation(o->act_min(), o->act_max());
}

Status VerifyMul(const OpCheck& c) {
  QINFER_CHECK(c.Arity(2, 2));
  const auto* o = c.op()->options_as_MulOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "MulOptions missing";
  QINFER_CHECK(VerifyBroadcast(c));
  QINFER_CHECK(c.Multiplier(o->output_multiplier(), "output_multiplier"));
  QINFER_CHECK(c.Shift(o->output_shift(), "output_shift"));
  return c.Activation(o->act_min(), o->act_max());
}

Status VerifyPool(const OpCheck& c) {
  QINFER_CHECK(c.Arity(1, 1));
  const auto* o = c.op()->options_as_Pool2DOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "Pool2DOptions missing";
  const auto* in = c.input(0);
  const auto* out = c.output();
  QINFER_CHECK(c.Int8(in, "input"));
  QINFER_CHECK(c.RankIs(in, 4, "input"));
  QINFER_CHECK(c.RankIs(out, 4, "output"));
  QINFER_CHECK(c.SameZeroPoint(in, out));
  if (Dim(in, 0) != Dim(out, 0) || Dim(in, 3) != Dim(out, 3)) {
    return c.Fail(Status::kShapeMismatch) << "batch and channels must be kept";
  }
  // Every window must hold an input element, or max/avg would be undefined.
  if (o->pad_top() >= o->filter_h() || o->pad_bottom() >= o->filter_h() ||
      o->pad_left() >= o->filter_w() || o->pad_right() >= o->filter_w()) {
    return c.Fail(Status::kBadParam) << "padding must be smaller than the filter";
  }
  QINFER_CHECK(c.Window("height", Dim(in, 1), o->filter_h(), o->stride_h(), 1, o->pad_top(),
                        o->pad_bottom(), Dim(out, 1)));
  QINFER_CHECK(c.Window("width", Dim(in, 2), o->filter_w(), o->stride_w(), 1, o->pad_left(),
                        o->pad_right(), Dim(out, 2)));
  return c.Activation(o->act_min(), o->act_max());
}

Status VerifyMean(const OpCheck& c) {
  QINFER_CHECK(c.Arity(1, 1));
  const auto* o = c.op()->options_as_MeanOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "MeanOptions missing";
  const auto* in = c.input(0);
  const auto* out = c.output();
  QINFER_CHECK(c.Int8(in, "input"));
  QINFER_CHECK(c.RankIs(in, 4, "input"));
  if (static_cast<int64_t>(Dim(in, 1)) * Dim(in, 2) * 255 > kInt32Max) {
    return c.Fail(Status::kTooLarge) << "H*W too large for the int32 sum";
  }
  if (ElementCount(out) != static_cast<int64_t>(Dim(in, 0)) * Dim(in, 3) ||
      Dim(out, Rank(out) - 1) != Dim(in, 3)) {
    return c.Fail(Status::kShapeMismatch) << "output must hold N*C elements, C last";
  }
  QINFER_CHECK(c.Multiplier(o->multiplier(), "multiplier"));
  QINFER_CHECK(c.Shift(o->shift(), "shift"));
  const int64_t hw = static_cast<int64_t>(Dim(in, 1)) * Dim(in, 2);
  switch (o->rounding()) {
    case schema::MeanRounding::FOLDED:
      break;
    case schema::MeanRounding::DIVIDE_HALF_AWAY:
      // |MBQM(sum)| <= |sum| * 2^max(shift, 0) + 1; the rounding division adds H*W/2 to it.
      if ((hw * 255 << (o->shift() > 0 ? o->shift() : 0)) + hw + 1 > kInt32Max) {
        return c.Fail(Status::kTooLarge) << "rescaled sum of H*W values overflows int32 (shift "
                                         << o->shift() << ")";
      }
      break;
    case schema::MeanRounding::DIVIDE_TRUNCATE:
      if (in->zero_point() != out->zero_point()) {
        return c.Fail(Status::kBadOptions)
               << "rounding DIVIDE_TRUNCATE needs equal input and output zero points";
      }
      break;
    default:
      return c.Fail(Status::kBadOptions) << "rounding " << static_cast<int32_t>(o->rounding())
                                         << " is not a MeanRounding";
  }
  return c.Activation(o->act_min(), o->act_max());
}

Status VerifySoftmax(const OpCheck& c) {
  QINFER_CHECK(c.Arity(1, 1));
  const auto* o = c.op()->options_as_SoftmaxOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "SoftmaxOptions missing";
  const auto* in = c.input(0);
  const auto* out = c.output();
  QINFER_CHECK(c.Int8(in, "input"));
  QINFER_CHECK(c.SameCount(in, out));
  if (Dim(in, Rank(in) - 1) != Dim(out, Rank(out) - 1)) {
    return c.Fail(Status::kShapeMismatch) << "last dims differ";
  }
  if (out->zero_point() != -128) return c.Fail(Status::kBadZeroPoint) << "output zero point must be -128";
  // The Q12.19 sum of up to `depth` exps of at most 1.0 must fit int32.
  if (Dim(in, Rank(in) - 1) > kMaxSoftmaxDepth) {
    return c.Fail(Status::kBadShape) << "softmax depth above " << kMaxSoftmaxDepth;
  }
  QINFER_CHECK(c.Multiplier(o->input_multiplier(), "input_multiplier"));
  const int32_t shift = o->input_left_shift();
  if (shift < 0 || shift > 30) return c.Fail(Status::kBadParam) << "input_left_shift out of [0, 30]";
  const int64_t scaled = static_cast<int64_t>(o->diff_min()) * (int64_t{1} << shift);
  if (o->diff_min() > 0 || scaled < -kInt32Max - 1) {
    return c.Fail(Status::kBadParam) << "diff_min = " << o->diff_min() << " out of range";
  }
  return Status::kOk;
}

Status VerifyLookupTable(const OpCheck& c) {
  QINFER_CHECK(c.Arity(1, 1));
  const auto* o = c.op()->options_as_LookupTableOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "LookupTableOptions missing";
  if (o->table() == nullptr || o->table()->size() != 256) {
    return c.Fail(Status::kBadParam) << "table must have 256 entries";
  }
  QINFER_CHECK(c.Int8(c.input(0), "input"));
  return c.SameCount(c.input(0), c.output());
}

Status VerifyRequantize(const OpCheck& c) {
  QINFER_CHECK(c.Arity(1, 1));
  const auto* o = c.op()->options_as_RequantizeOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "RequantizeOptions missing";
  QINFER_CHECK(c.Int8(c.input(0), "input"));
  QINFER_CHECK(c.SameCount(c.input(0), c.output()));
  QINFER_CHECK(c.Multiplier(o->multiplier(), "multiplier"));
  return c.Shift(o->shift(), "shift");
}

Status VerifyConcatenation(const OpCheck& c) {
  QINFER_CHECK(c.Arity(1, kMaxConcatInputs));
  const auto* o = c.op()->options_as_ConcatenationOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "ConcatenationOptions missing";
  const auto* out = c.output();
  const int32_t rank = Rank(out);
  const int32_t axis = o->axis();
  if (axis < 0 || axis >= rank) return c.Fail(Status::kBadParam) << "axis = " << axis << " out of range";
  const auto* mult = o->input_multiplier();
  const auto* shift = o->input_shift();
  if (mult == nullptr || shift == nullptr ||
      static_cast<int32_t>(mult->size()) != c.num_inputs() ||
      static_cast<int32_t>(shift->size()) != c.num_inputs()) {
    return c.Fail(Status::kBadRequant) << "input_multiplier/input_shift need one entry per input";
  }
  int64_t axis_sum = 0;
  for (int32_t s = 0; s < c.num_inputs(); ++s) {
    const auto* in = c.input(s);
    QINFER_CHECK(c.Int8(in, "input"));
    if (Rank(in) != rank) return c.Fail(Status::kShapeMismatch) << "input " << s << " rank differs";
    for (int32_t d = 0; d < rank; ++d) {
      if (d != axis && Dim(in, d) != Dim(out, d)) {
        return c.Fail(Status::kShapeMismatch) << "input " << s << " dim " << d << " differs";
      }
    }
    axis_sum += Dim(in, axis);
    QINFER_CHECK(c.Multiplier(mult->Get(s), "input_multiplier"));
    QINFER_CHECK(c.Shift(shift->Get(s), "input_shift"));
    if (mult->Get(s) == 0 && in->zero_point() != out->zero_point()) {
      return c.Fail(Status::kBadZeroPoint) << "copied input " << s << " zero point differs";
    }
  }
  if (axis_sum != Dim(out, axis)) {
    return c.Fail(Status::kShapeMismatch) << "output axis size " << Dim(out, axis)
                                          << ", inputs sum to " << axis_sum;
  }
  return Status::kOk;
}

Status VerifyPad(const OpCheck& c) {
  QINFER_CHECK(c.Arity(1, 1));
  const auto* o = c.op()->options_as_PadOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "PadOptions missing";
  const auto* in = c.input(0);
  const auto* out = c.output();
  QINFER_CHECK(c.Int8(in, "input"));
  QINFER_CHECK(c.SameZeroPoint(in, out));
  const int32_t rank = Rank(in);
  if (Rank(out) != rank) return c.Fail(Status::kShapeMismatch) << "rank differs";
  if (o->pads() == nullptr || static_cast<int32_t>(o->pads()->size()) != 2 * rank) {
    return c.Fail(Status::kBadParam) << "pads must have 2*rank entries";
  }
  for (int32_t d = 0; d < rank; ++d) {
    const int32_t before = o->pads()->Get(2 * d);
    const int32_t after = o->pads()->Get(2 * d + 1);
    if (before < 0 || after < 0) return c.Fail(Status::kBadParam) << "negative pad";
    if (static_cast<int64_t>(Dim(in, d)) + before + after != Dim(out, d)) {
      return c.Fail(Status::kShapeMismatch) << "output dim " << d << " != input + pads";
    }
  }
  return Status::kOk;
}

Status VerifyTranspose(const OpCheck& c) {
  QINFER_CHECK(c.Arity(1, 1));
  const auto* o = c.op()->options_as_TransposeOptions();
  if (o == nullptr) return c.Fail(Status::kBadOptions) << "TransposeOptions missing";
  const auto* in = c.input(0);
  const auto* out = c.output();
  QINFER_CHECK(c.Int8(in, "input"));
  QINFER_CHECK(c.SameZeroPoint(in, out));
  const int32_t rank = Rank(in);
  if (Rank(out) != rank || o->perm() == nullptr ||
      static_cast<int32_t>(o->perm()->size()) != rank) {
    return c.Fail(Status::kBadParam) << "perm must have rank entries";
  }
  uint32_t seen = 0;
  for (int32_t d = 0; d < rank; ++d) {
    const int32_t p = o->perm()->Get(d);
    if (p < 0 || p >= rank || (seen & (1u << p)) != 0) {
      return c.Fail(Status::kBadParam) << "perm is not a permutation";
    }
    seen |= 1u << p;
    if (Dim(out, d) != Dim(in, p)) {
      return c.Fail(Status::kShapeMismatch) << "output dim " << d << " != input dim " << p;
    }
  }
  return Status::kOk;
}

Status VerifyReshape(const OpCheck& c) {
  QINFER_CHECK(c.Arity(1, 1));
  QINFER_CHECK(c.Int8(c.input(0), "input"));
  QINFER_CHECK(c.SameZeroPoint(c.input(0), c.output()));
  return c.SameCount(c.input(0), c.output());
}

}  // namespace

namespace {

Status CheckOperator(const schema::Model* model, int32_t op_index, Error* error) {
  const OpCheck c(model, op_index, error);
  switch (c.op()->opcode()) {
#if QINFER_OPS_CONV_2D
    case schema::OpCode::CONV_2D: return VerifyConv(c, false);
#endif
#if QINFER_OPS_DEPTHWISE_CONV_2D
    case schema::OpCode::DEPTHWISE_CONV_2D: return VerifyConv(c, true);
#endif
#if QINFER_OPS_FULLY_CONNECTED
    case schema::OpCode::FULLY_CONNECTED: return VerifyFullyConnected(c);
#endif
#if QINFER_OPS_ADD
    case schema::OpCode::ADD: return VerifyAdd(c);
#endif
#if QINFER_OPS_MUL
    case schema::OpCode::MUL: return VerifyMul(c);
#endif
#if QINFER_OPS_MAX_POOL_2D
    case schema::OpCode::MAX_POOL_2D: return VerifyPool(c);
#endif
#if QINFER_OPS_AVG_POOL_2D
    case schema::OpCode::AVG_POOL_2D: return VerifyPool(c);
#endif
#if QINFER_OPS_MEAN
    case schema::OpCode::MEAN: return VerifyMean(c);
#endif
#if QINFER_OPS_SOFTMAX
    case schema::OpCode::SOFTMAX: return VerifySoftmax(c);
#endif
#if QINFER_OPS_LOOKUP_TABLE
    case schema::OpCode::LOOKUP_TABLE: return VerifyLookupTable(c);
#endif
#if QINFER_OPS_REQUANTIZE
    case schema::OpCode::REQUANTIZE: return VerifyRequantize(c);
#endif
#if QINFER_OPS_CONCATENATION
    case schema::OpCode::CONCATENATION: return VerifyConcatenation(c);
#endif
#if QINFER_OPS_PAD
    case schema::OpCode::PAD: return VerifyPad(c);
#endif
#if QINFER_OPS_TRANSPOSE
    case schema::OpCode::TRANSPOSE: return VerifyTranspose(c);
#endif
#if QINFER_OPS_RESHAPE
    case schema::OpCode::RESHAPE: return VerifyReshape(c);
#endif
#if defined(QINFER_OPS_SELECTED)
    default: break;  // left out of this build: rejected below
#endif
  }
  ErrorReport r(error, Status::kBadOpCode, op_index, -1);
  return r << "op " << op_index << ": unknown opcode "
           << static_cast<int32_t>(c.op()->opcode());
}

}  // namespace

Status VerifyOperator(const schema::Model* model, int32_t op_index, Error* error) {
  const Status status = CheckOperator(model, op_index, error);
#if defined(QINFER_TERSE_ERRORS)
  if (status != Status::kOk) ErrorReport(error, status, op_index, -1);
#endif
  return status;
}

}  // namespace qinfer
