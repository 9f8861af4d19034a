#include "tests/mcu/model_zoo.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

#include "runtime/qinfer.h"

namespace qinfer {
namespace mcu {

using testing::OpSpec;
using OptionsFn = std::function<std::pair<schema::OpOptions, flatbuffers::Offset<void>>(
    flatbuffers::FlatBufferBuilder&)>;

uint32_t Rng::Next() {
  s_ ^= s_ >> 12;
  s_ ^= s_ << 25;
  s_ ^= s_ >> 27;
  return static_cast<uint32_t>((s_ * 0x2545F4914F6CDD1Dull) >> 32);
}

int32_t Rng::Uniform(int32_t lo, int32_t hi) {
  const uint32_t span = static_cast<uint32_t>(hi - lo) + 1u;
  return lo + static_cast<int32_t>(Next() % span);
}

double Rng::Unit() { return Next() / 4294967296.0; }

std::vector<int8_t> Rng::Int8(size_t n, int32_t lo, int32_t hi) {
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(Uniform(lo, hi));
  return v;
}

void QuantizeMultiplier(double real, int32_t* multiplier, int32_t* shift) {
  if (real <= 0) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  int exp = 0;
  const double q = std::frexp(real, &exp);
  int64_t m = static_cast<int64_t>(std::llround(q * 2147483648.0));
  if (m == (int64_t{1} << 31)) {
    m /= 2;
    ++exp;
  }
  if (exp < -31) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  if (exp > 30) {
    exp = 30;
    m = 2147483647;
  }
  *multiplier = static_cast<int32_t>(m);
  *shift = exp;
}

namespace {

int32_t OutSize(int32_t in, int32_t k, int32_t stride, int32_t pad_a, int32_t pad_b) {
  return (in + pad_a + pad_b - k) / stride + 1;
}

OpSpec MakeOp(schema::OpCode code, std::vector<int32_t> in, int32_t out, OptionsFn options) {
  OpSpec op;
  op.opcode = code;
  op.inputs = std::move(in);
  op.outputs = {out};
  op.options = std::move(options);
  return op;
}

int32_t ClampQ(double v) {
  return static_cast<int32_t>(std::max(-128.0, std::min(127.0, std::round(v))));
}

}  // namespace

int32_t Net::Activation(std::vector<int32_t> shape, double scale, int32_t zero_point) {
  const int32_t t = mb_.AddActivation(std::move(shape), zero_point);
  scale_[t] = scale;
  return t;
}

int32_t Net::Input(std::vector<int32_t> shape, double scale, int32_t zero_point) {
  return Activation(std::move(shape), scale, zero_point);
}

int32_t Net::Constant(std::vector<int32_t> shape, double scale, int32_t zero_point) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  const int32_t t = mb_.AddConstantInt8(std::move(shape), rng_.Int8(static_cast<size_t>(n)), zero_point);
  scale_[t] = scale;
  return t;
}

// Conv-like layers: weights uniform in [-127, 127] (zero point 0) with a per-channel scale
// jitter; the output scale keeps the output spread at about 40 quantization steps.
int32_t Net::Conv(int32_t in, int32_t oc, int32_t kh, int32_t kw, int32_t sh, int32_t sw,
                  std::vector<int32_t> pads, bool per_channel, bool relu) {
  const auto is = shape(in);
  const int32_t ic = is[3];
  const int32_t oh = OutSize(is[1], kh, sh, pads[0], pads[1]);
  const int32_t ow = OutSize(is[2], kw, sw, pads[2], pads[3]);
  const int32_t depth = kh * kw * ic;
  const int32_t w = mb_.AddConstantInt8({oc, kh, kw, ic}, rng_.Int8(static_cast<size_t>(oc) * depth, -127, 127));
  std::vector<int32_t> bias(oc);
  for (auto& b : bias) b = rng_.Uniform(-40 * depth, 40 * depth);
  const int32_t b = mb_.AddConstantInt32({oc}, bias);
  const double base = 0.011 / std::sqrt(static_cast<double>(depth));
  std::vector<int32_t> mult, shift;
  for (int32_t c = 0; c < (per_channel ? oc : 1); ++c) {
    int32_t m, s;
    QuantizeMultiplier(base * (0.6 + 0.8 * rng_.Unit()), &m, &s);
    mult.push_back(m);
    shift.push_back(s);
  }
  // relu: real 0 sits near the bottom of the range and is the clamp floor.
  const int32_t out_zp = relu ? rng_.Uniform(-128, -110) : rng_.Uniform(-10, 10);
  const int32_t act_min = relu ? out_zp : -128;
  const int32_t out = Activation({is[0], oh, ow, oc}, scale_[in] / base * 0.01, out_zp);
  mb_.AddOp(MakeOp(schema::OpCode::CONV_2D, {in, w, b}, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreateConv2DOptionsDirect(fbb, sh, sw, 1, 1, pads[0], pads[2], pads[1], pads[3],
                                               1, 1, &mult, &shift, act_min, 127);
    return std::make_pair(schema::OpOptions::Conv2DOptions, o.Union());
  }));
  return out;
}

int32_t Net::Depthwise(int32_t in, int32_t dm, int32_t k, int32_t stride, int32_t pad,
                       bool per_channel, bool relu) {
  const auto is = shape(in);
  const int32_t oc = is[3] * dm;
  const int32_t oh = OutSize(is[1], k, stride, pad, pad);
  const int32_t ow = OutSize(is[2], k, stride, pad, pad);
  const int32_t depth = k * k;
  const int32_t w = mb_.AddConstantInt8({1, k, k, oc}, rng_.Int8(static_cast<size_t>(depth) * oc, -127, 127));
  std::vector<int32_t> bias(oc);
  for (auto& b : bias) b = rng_.Uniform(-40 * depth, 40 * depth);
  const int32_t b = mb_.AddConstantInt32({oc}, bias);
  const double base = 0.011 / std::sqrt(static_cast<double>(depth));
  std::vector<int32_t> mult, shift;
  for (int32_t c = 0; c < (per_channel ? oc : 1); ++c) {
    int32_t m, s;
    QuantizeMultiplier(base * (0.6 + 0.8 * rng_.Unit()), &m, &s);
    mult.push_back(m);
    shift.push_back(s);
  }
  const int32_t out_zp = relu ? rng_.Uniform(-128, -110) : rng_.Uniform(-10, 10);
  const int32_t act_min = relu ? out_zp : -128;
  const int32_t out = Activation({is[0], oh, ow, oc}, scale_[in] / base * 0.01, out_zp);
  mb_.AddOp(MakeOp(schema::OpCode::DEPTHWISE_CONV_2D, {in, w, b}, out,
                   [=](flatbuffers::FlatBufferBuilder& fbb) {
                     auto o = schema::CreateConv2DOptionsDirect(fbb, stride, stride, 1, 1, pad, pad, pad,
                                                                pad, 1, dm, &mult, &shift, act_min, 127);
                     return std::make_pair(schema::OpOptions::Conv2DOptions, o.Union());
                   }));
  return out;
}

int32_t Net::FullyConnected(int32_t in, int32_t out_features, bool per_channel, int32_t wzp) {
  const auto is = shape(in);
  int64_t n = 1;
  for (int32_t d : is) n *= d;
  const int32_t in_features = is.back();
  const int32_t batches = static_cast<int32_t>(n / in_features);
  const int32_t w = mb_.AddConstantInt8(
      {out_features, in_features}, rng_.Int8(static_cast<size_t>(out_features) * in_features, -127, 127), wzp);
  std::vector<int32_t> bias(out_features);
  for (auto& b : bias) b = rng_.Uniform(-40 * in_features, 40 * in_features);
  const int32_t b = mb_.AddConstantInt32({out_features}, bias);
  const double base = 0.011 / std::sqrt(static_cast<double>(in_features));
  std::vector<int32_t> mult, shift;
  for (int32_t c = 0; c < (per_channel ? out_features : 1); ++c) {
    int32_t m, s;
    QuantizeMultiplier(base * (0.6 + 0.8 * rng_.Unit()), &m, &s);
    mult.push_back(m);
    shift.push_back(s);
  }
  const int32_t out_zp = rng_.Uniform(-10, 10);
  const int32_t out = Activation({batches, out_features}, scale_[in] / base * 0.01, out_zp);
  mb_.AddOp(MakeOp(schema::OpCode::FULLY_CONNECTED, {in, w, b}, out,
                   [=](flatbuffers::FlatBufferBuilder& fbb) {
                     auto o = schema::CreateFullyConnectedOptionsDirect(fbb, &mult, &shift, -128, 127);
                     return std::make_pair(schema::OpOptions::FullyConnectedOptions, o.Union());
                   }));
  return out;
}

int32_t Net::MaxPool(int32_t in, int32_t k, int32_t stride, int32_t pad) {
  const auto is = shape(in);
  const int32_t out = Activation({is[0], OutSize(is[1], k, stride, pad, pad), OutSize(is[2], k, stride, pad, pad), is[3]},
                                 scale_[in], zp(in));
  mb_.AddOp(MakeOp(schema::OpCode::MAX_POOL_2D, {in}, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreatePool2DOptions(fbb, k, k, stride, stride, pad, pad, pad, pad, -128, 127);
    return std::make_pair(schema::OpOptions::Pool2DOptions, o.Union());
  }));
  return out;
}

int32_t Net::AvgPool(int32_t in, int32_t kh, int32_t kw, int32_t stride, int32_t pad) {
  const auto is = shape(in);
  const int32_t out = Activation({is[0], OutSize(is[1], kh, stride, pad, pad), OutSize(is[2], kw, stride, pad, pad), is[3]},
                                 scale_[in], zp(in));
  mb_.AddOp(MakeOp(schema::OpCode::AVG_POOL_2D, {in}, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreatePool2DOptions(fbb, kh, kw, stride, stride, pad, pad, pad, pad, -128, 127);
    return std::make_pair(schema::OpOptions::Pool2DOptions, o.Union());
  }));
  return out;
}

int32_t Net::Mean(int32_t in) {
  const auto is = shape(in);
  const double out_scale = scale_[in] * 0.8;
  const int32_t out_zp = rng_.Uniform(-5, 5);
  int32_t m, s;
  QuantizeMultiplier(scale_[in] / out_scale / (is[1] * is[2]), &m, &s);
  const int32_t out = Activation({is[0], is[3]}, out_scale, out_zp);
  mb_.AddOp(MakeOp(schema::OpCode::MEAN, {in}, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreateMeanOptions(fbb, m, s, -128, 127);
    return std::make_pair(schema::OpOptions::MeanOptions, o.Union());
  }));
  return out;
}

// TFLite's softmax preparation (kScaledDiffIntegerBits = 5), with beta chosen so that one
// input step is 0.06: the logits' spread of some 40 steps gives non-degenerate outputs.
int32_t Net::Softmax(int32_t in) {
  const double beta_times_scale = 0.06;
  const double real = std::min(beta_times_scale * static_cast<double>(1 << 26), 2147483647.0);
  int32_t m, s;
  QuantizeMultiplier(real, &m, &s);
  if (s < 0) s = 0;
  const double max_rescaled = 31.0 * static_cast<double>(int64_t{1} << 26) /
                              static_cast<double>(int64_t{1} << s);
  const int32_t diff_min = -static_cast<int32_t>(std::floor(max_rescaled));
  const int32_t out = Activation(shape(in), 1.0 / 256, -128);
  mb_.AddOp(MakeOp(schema::OpCode::SOFTMAX, {in}, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreateSoftmaxOptions(fbb, m, s, diff_min);
    return std::make_pair(schema::OpOptions::SoftmaxOptions, o.Union());
  }));
  return out;
}

// TFLite's int8 ADD preparation: left shift 20, inputs rescaled to twice the larger scale.
int32_t Net::Add(int32_t a, int32_t b, bool subtract) {
  const auto sa = shape(a), sb = shape(b);
  std::vector<int32_t> os = sa.size() >= sb.size() ? sa : sb;
  for (size_t i = 0; i < os.size(); ++i) {
    const int32_t da = i + sa.size() >= os.size() ? sa[i + sa.size() - os.size()] : 1;
    const int32_t db = i + sb.size() >= os.size() ? sb[i + sb.size() - os.size()] : 1;
    os[i] = std::max(da, db);
  }
  const double out_scale = std::max(scale_[a], scale_[b]) * 1.7;
  const int32_t out_zp = rng_.Uniform(-8, 8);
  const double twice = 2 * std::max(scale_[a], scale_[b]);
  int32_t m1, s1, m2, s2, mo, so;
  QuantizeMultiplier(scale_[a] / twice, &m1, &s1);
  QuantizeMultiplier(scale_[b] / twice, &m2, &s2);
  QuantizeMultiplier(twice / ((1 << 20) * out_scale), &mo, &so);
  const int32_t out = Activation(os, out_scale, out_zp);
  mb_.AddOp(MakeOp(schema::OpCode::ADD, {a, b}, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreateAddOptions(fbb, 20, m1, s1, m2, s2, mo, so, -128, 127, subtract);
    return std::make_pair(schema::OpOptions::AddOptions, o.Union());
  }));
  return out;
}

int32_t Net::Mul(int32_t a, int32_t b) {
  const auto sa = shape(a), sb = shape(b);
  std::vector<int32_t> os = sa.size() >= sb.size() ? sa : sb;
  for (size_t i = 0; i < os.size(); ++i) {
    const int32_t da = i + sa.size() >= os.size() ? sa[i + sa.size() - os.size()] : 1;
    const int32_t db = i + sb.size() >= os.size() ? sb[i + sb.size() - os.size()] : 1;
    os[i] = std::max(da, db);
  }
  const double out_scale = scale_[a] * scale_[b] * 200;
  int32_t m, s;
  QuantizeMultiplier(scale_[a] * scale_[b] / out_scale, &m, &s);
  const int32_t out_zp = rng_.Uniform(-8, 8);
  const int32_t out = Activation(os, out_scale, out_zp);
  mb_.AddOp(MakeOp(schema::OpCode::MUL, {a, b}, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreateMulOptions(fbb, m, s, -120, 120);
    return std::make_pair(schema::OpOptions::MulOptions, o.Union());
  }));
  return out;
}

int32_t Net::Tanh(int32_t in) {
  std::vector<int8_t> table(256);
  const double si = 0.04;  // tanh(0.04 * x): one input step, whatever the input's scale
  const int32_t zi = zp(in);
  for (int32_t i = 0; i < 256; ++i) {
    table[i] = static_cast<int8_t>(ClampQ(std::tanh(si * ((i - 128) - zi)) * 128.0));
  }
  const int32_t out = Activation(shape(in), 1.0 / 128, 0);
  mb_.AddOp(MakeOp(schema::OpCode::LOOKUP_TABLE, {in}, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreateLookupTableOptionsDirect(fbb, &table);
    return std::make_pair(schema::OpOptions::LookupTableOptions, o.Union());
  }));
  return out;
}

int32_t Net::Requantize(int32_t in, double out_scale, int32_t out_zp) {
  int32_t m, s;
  QuantizeMultiplier(scale_[in] / out_scale, &m, &s);
  const int32_t out = Activation(shape(in), out_scale, out_zp);
  mb_.AddOp(MakeOp(schema::OpCode::REQUANTIZE, {in}, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreateRequantizeOptions(fbb, m, s);
    return std::make_pair(schema::OpOptions::RequantizeOptions, o.Union());
  }));
  return out;
}

// The output takes the first input's scale and zero point: that input is a plain copy.
int32_t Net::Concat(std::vector<int32_t> ins, int32_t axis) {
  std::vector<int32_t> os = shape(ins[0]);
  for (size_t i = 1; i < ins.size(); ++i) os[axis] += shape(ins[i])[axis];
  const double out_scale = scale_[ins[0]];
  const int32_t out_zp = zp(ins[0]);
  std::vector<int32_t> mult, shift;
  for (int32_t t : ins) {
    int32_t m = 0, s = 0;
    if (scale_[t] != out_scale || zp(t) != out_zp) QuantizeMultiplier(scale_[t] / out_scale, &m, &s);
    mult.push_back(m);
    shift.push_back(s);
  }
  const int32_t out = Activation(os, out_scale, out_zp);
  mb_.AddOp(MakeOp(schema::OpCode::CONCATENATION, ins, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreateConcatenationOptionsDirect(fbb, axis, &mult, &shift);
    return std::make_pair(schema::OpOptions::ConcatenationOptions, o.Union());
  }));
  return out;
}

int32_t Net::Pad(int32_t in, std::vector<int32_t> pads) {
  std::vector<int32_t> os = shape(in);
  for (size_t d = 0; d < os.size(); ++d) os[d] += pads[2 * d] + pads[2 * d + 1];
  const int32_t out = Activation(os, scale_[in], zp(in));
  mb_.AddOp(MakeOp(schema::OpCode::PAD, {in}, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreatePadOptionsDirect(fbb, &pads);
    return std::make_pair(schema::OpOptions::PadOptions, o.Union());
  }));
  return out;
}

int32_t Net::Transpose(int32_t in, std::vector<int32_t> perm) {
  const auto is = shape(in);
  std::vector<int32_t> os(is.size());
  for (size_t d = 0; d < is.size(); ++d) os[d] = is[perm[d]];
  const int32_t out = Activation(os, scale_[in], zp(in));
  mb_.AddOp(MakeOp(schema::OpCode::TRANSPOSE, {in}, out, [=](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreateTransposeOptionsDirect(fbb, &perm);
    return std::make_pair(schema::OpOptions::TransposeOptions, o.Union());
  }));
  return out;
}

int32_t Net::Reshape(int32_t in, std::vector<int32_t> new_shape) {
  const int32_t out = Activation(std::move(new_shape), scale_[in], zp(in));
  mb_.AddOp(MakeOp(schema::OpCode::RESHAPE, {in}, out, [](flatbuffers::FlatBufferBuilder& fbb) {
    auto o = schema::CreateReshapeOptions(fbb);
    return std::make_pair(schema::OpOptions::ReshapeOptions, o.Union());
  }));
  return out;
}

testing::AlignedBytes Net::Finish(std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
  mb_.SetInputs(std::move(inputs));
  mb_.SetOutputs(std::move(outputs));
  return mb_.Finish();
}

namespace {

// Fills c->arena_bytes and, for each input set (made by make_inputs for set index s), the
// host runtime's outputs.
template <typename MakeInputs>
bool RunSets(Case* c, int sets, MakeInputs make_inputs) {
  qinfer_error err;
  if (qinfer_verify(c->model.data(), c->model.size(), &err) != QINFER_OK) {
    std::fprintf(stderr, "%s: model does not verify: %s\n", c->name.c_str(), err.message);
    return false;
  }
  const size_t arena_bytes = qinfer_arena_bytes(c->model.data(), c->model.size());
  c->arena_bytes = static_cast<uint32_t>(arena_bytes);
  testing::AlignedBytes arena;
  arena.resize(arena_bytes);
  qinfer_context ctx;
  if (qinfer_init(&ctx, c->model.data(), c->model.size(), arena.data(), arena.size(), &err) != QINFER_OK) {
    std::fprintf(stderr, "%s: init failed: %s\n", c->name.c_str(), err.message);
    return false;
  }
  c->inputs.clear();
  c->outputs.clear();
  for (int set = 0; set < sets; ++set) {
    std::vector<Blob> ins;
    for (size_t i = 0; i < qinfer_input_count(&ctx); ++i) {
      qinfer_tensor t;
      qinfer_input(&ctx, i, &t);
      Blob b = make_inputs(set, i, t);
      if (b.bytes.size() != t.bytes) {
        std::fprintf(stderr, "%s: input %zu has %zu bytes, the model wants %zu\n", c->name.c_str(), i,
                     b.bytes.size(), t.bytes);
        return false;
      }
      std::memcpy(t.data, b.bytes.data(), t.bytes);
      ins.push_back(std::move(b));
    }
    if (qinfer_invoke(&ctx, &err) != QINFER_OK) {
      std::fprintf(stderr, "%s: invoke failed: %s\n", c->name.c_str(), err.message);
      return false;
    }
    std::vector<Blob> outs;
    for (size_t i = 0; i < qinfer_output_count(&ctx); ++i) {
      qinfer_tensor t;
      qinfer_output(&ctx, i, &t);
      Blob b;
      b.bytes.assign(t.data, t.data + t.bytes);
      outs.push_back(std::move(b));
    }
    c->inputs.push_back(std::move(ins));
    c->outputs.push_back(std::move(outs));
  }
  return true;
}

}  // namespace

bool RunOnHost(Case* c, int sets, uint64_t seed) {
  Rng rng(seed);
  return RunSets(c, sets, [&](int set, size_t, const qinfer_tensor& t) {
    Blob b;
    if (set == 1) {  // extremes: runs of -128 and 127 and the zero point
      b.bytes.resize(t.bytes);
      for (size_t k = 0; k < t.bytes; ++k) {
        const size_t phase = (k / 7) % 3;
        b.bytes[k] = static_cast<int8_t>(phase == 0 ? -128 : phase == 1 ? 127 : t.zero_point);
      }
    } else {
      b.bytes = rng.Int8(t.bytes);
    }
    return b;
  });
}

bool RunOnHostWithInputs(Case* c, std::vector<std::vector<Blob>> inputs) {
  return RunSets(c, static_cast<int>(inputs.size()),
                 [&](int set, size_t i, const qinfer_tensor&) { return inputs[set].at(i); });
}

namespace {

// conv -> depthwise (multiplier 2, stride 2) -> max pool -> avg pool -> FC -> softmax.
Case CnnCase() {
  Net n(101);
  const int32_t in = n.Input({1, 16, 16, 3}, 0.02, -5);
  const int32_t c1 = n.Conv(in, 8, 3, 3, 1, 1, {1, 1, 1, 1}, true, true);
  const int32_t d1 = n.Depthwise(c1, 2, 3, 2, 1, true, false);
  const int32_t p1 = n.MaxPool(d1, 2, 2, 0);
  const int32_t p2 = n.AvgPool(p1, 2, 2, 1, 0);
  const int32_t f = n.FullyConnected(p2, 10, true, 3);
  const int32_t s = n.Softmax(f);
  Case c;
  c.name = "cnn";
  c.model = n.Finish({in}, {f, s});
  return c;
}

// Two inputs through add/sub/mul (broadcast), a lookup table, pad, concat with requantize,
// transpose, reshape and mean; three outputs.
Case ElementwiseCase() {
  Net n(202);
  const int32_t a = n.Input({1, 6, 6, 8}, 0.05, 3);
  const int32_t b = n.Input({1, 6, 6, 8}, 0.03, -7);
  const int32_t sum = n.Add(a, b, false);
  const int32_t diff = n.Add(a, b, true);
  const int32_t k = n.Constant({8}, 0.02, 1);
  const int32_t prod = n.Mul(sum, k);
  const int32_t t = n.Tanh(prod);
  const int32_t padded = n.Pad(t, {0, 0, 1, 1, 2, 0, 0, 0});
  const int32_t diff_pad = n.Pad(diff, {0, 0, 1, 1, 2, 0, 0, 0});
  const int32_t rq = n.Requantize(diff_pad, 0.07, 4);
  const int32_t cat = n.Concat({padded, rq}, 3);
  const int32_t tr = n.Transpose(cat, {0, 2, 1, 3});
  const int32_t flat = n.Reshape(tr, {1, 8 * 8 * 16});
  const int32_t m = n.Mean(cat);
  Case c;
  c.name = "elementwise";
  c.model = n.Finish({a, b}, {flat, m, prod});
  return c;
}

// Stride/dilation-free corner shapes: 1x1 spatial, odd sizes, asymmetric padding,
// per-tensor requantization, a rank-2 FC with batch 6, conv 1x1.
Case ShapesCase() {
  Net n(303);
  const int32_t in = n.Input({1, 7, 5, 4}, 0.04, 0);
  const int32_t c1 = n.Conv(in, 6, 3, 2, 2, 1, {1, 1, 0, 1}, false, false);
  const int32_t c2 = n.Conv(c1, 12, 1, 1, 1, 1, {0, 0, 0, 0}, true, true);
  const int32_t d = n.Depthwise(c2, 1, 3, 1, 1, false, true);
  const int32_t mp = n.MaxPool(d, 3, 2, 1);
  const int32_t r = n.Reshape(mp, {6, 12});
  const int32_t fc = n.FullyConnected(r, 5, false);
  const int32_t sm = n.Softmax(fc);
  Case c;
  c.name = "shapes";
  c.model = n.Finish({in}, {sm});
  return c;
}

}  // namespace

std::vector<Case> ConformanceCases() {
  std::vector<Case> cases;
  cases.push_back(CnnCase());
  cases.push_back(ElementwiseCase());
  cases.push_back(ShapesCase());
  Case ds = DsCnn(404);
  cases.push_back(std::move(ds));
  return cases;
}

static uint64_t ConvMacs(Net& n, int32_t out, int32_t depth) {
  uint64_t m = depth;
  for (int32_t d : n.shape(out)) m *= d;
  return m;
}

Case BenchConv3x3() {
  Net n(11);
  const int32_t in = n.Input({1, 32, 32, 16}, 0.02, -3);
  const int32_t out = n.Conv(in, 16, 3, 3, 1, 1, {1, 1, 1, 1}, true, false);
  Case c;
  c.name = "conv3x3_32x32x16_16";
  c.macs = ConvMacs(n, out, 3 * 3 * 16);
  c.model = n.Finish({in}, {out});
  return c;
}

Case BenchConv1x1() {
  Net n(12);
  const int32_t in = n.Input({1, 24, 24, 32}, 0.02, -3);
  const int32_t out = n.Conv(in, 64, 1, 1, 1, 1, {0, 0, 0, 0}, true, false);
  Case c;
  c.name = "conv1x1_24x24x32_64";
  c.macs = ConvMacs(n, out, 32);
  c.model = n.Finish({in}, {out});
  return c;
}

// Depthwise 3x3 on 48x48x32, pad 1.
static Case BenchDepthwise(uint64_t seed, int32_t stride, const char* name) {
  Net n(seed);
  const int32_t in = n.Input({1, 48, 48, 32}, 0.02, -3);
  const int32_t out = n.Depthwise(in, 1, 3, stride, 1, true, false);
  Case c;
  c.name = name;
  c.macs = ConvMacs(n, out, 9);
  c.model = n.Finish({in}, {out});
  return c;
}

Case BenchDepthwise3x3() { return BenchDepthwise(13, 1, "dw3x3_48x48x32"); }

// MobileNet's downsampling depthwise: 3x3, stride 2 on both axes, pad 1.
Case BenchDepthwise3x3Stride2() { return BenchDepthwise(16, 2, "dw3x3s2_48x48x32"); }

Case BenchFullyConnected() {
  Net n(14);
  const int32_t in = n.Input({1, 1280}, 0.02, -3);
  const int32_t out = n.FullyConnected(in, 1000, true);
  Case c;
  c.name = "fc_1280_1000";
  c.macs = 1280ull * 1000ull;
  c.model = n.Finish({in}, {out});
  return c;
}

Case BenchAdd() {
  Net n(15);
  const int32_t a = n.Input({1, 8000}, 0.05, 3);
  const int32_t b = n.Input({1, 8000}, 0.03, -7);
  const int32_t out = n.Add(a, b, false);
  Case c;
  c.name = "add_8000";
  c.macs = 0;
  c.model = n.Finish({a, b}, {out});
  return c;
}

// DS-CNN (ARM "Hello Edge" KWS, small): 49x10x1 MFCC input; conv 10x4 stride 2 (SAME) to
// 64 channels; 4 x (depthwise 3x3 + pointwise 1x1), 64 channels; avg pool; FC 64 -> 12;
// softmax.
Case DsCnn(uint64_t seed) {
  Net n(seed);
  const int32_t in = n.Input({1, 49, 10, 1}, 0.1, -20);
  uint64_t macs = 0;
  // SAME padding for 49x10, kernel 10x4, stride 2: out 25x5, pads (4, 5) and (1, 1).
  int32_t x = n.Conv(in, 64, 10, 4, 2, 2, {4, 5, 1, 1}, true, true);
  macs += ConvMacs(n, x, 10 * 4 * 1);
  for (int i = 0; i < 4; ++i) {
    x = n.Depthwise(x, 1, 3, 1, 1, true, true);
    macs += ConvMacs(n, x, 9);
    x = n.Conv(x, 64, 1, 1, 1, 1, {0, 0, 0, 0}, true, true);
    macs += ConvMacs(n, x, 64);
  }
  const auto s = n.shape(x);
  x = n.AvgPool(x, s[1], s[2], 1, 0);
  const int32_t flat = n.Reshape(x, {1, 64});
  const int32_t logits = n.FullyConnected(flat, 12, true);
  macs += 64 * 12;
  const int32_t probs = n.Softmax(logits);
  Case c;
  c.name = "ds_cnn_kws";
  c.macs = macs;
  c.model = n.Finish({in}, {probs});
  return c;
}

}  // namespace mcu
}  // namespace qinfer
