// One crafted bad model per verification rule: each must be rejected with its own code
// and a message naming the op or tensor, never crash.
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "converter/convert.h"
#include "converter/error.h"
#include "converter/onnx_builder.h"
#include "converter/onnx_import.h"
#include "converter/target.h"
#include "kernels/x86/packed_layout.h"
#if defined(QINFER_HAVE_X86_KERNELS)
#include "kernels/x86/dispatch.h"
#endif
#include "runtime/model.h"
#include "tests/support/model_builder.h"

namespace qinfer {
namespace {

using testing::AlignedBytes;
using testing::ModelBuilder;

struct Base {
  ModelBuilder mb;
  int in, w, b, conv_out, fw, fc_out;
};

// input [1,6,6,2] -> conv 3x3 stride 1 pad 1 (3 channels) -> fully connected -> [1,4]
void BuildBase(Base* base) {
  ModelBuilder& mb = base->mb;
  base->in = mb.AddActivation({1, 6, 6, 2}, 0);
  base->w = mb.AddConstantInt8({3, 3, 3, 2}, std::vector<int8_t>(54, 1));
  base->b = mb.AddConstantInt32({3}, {1, 2, 3});
  base->conv_out = mb.AddActivation({1, 6, 6, 3}, -1);
  base->fw = mb.AddConstantInt8({4, 108}, std::vector<int8_t>(432, -1));
  base->fc_out = mb.AddActivation({1, 4}, 2);
  mb.AddOp(testing::ConvOp(schema::OpCode::CONV_2D, base->in, base->w, base->b, base->conv_out, 1,
                           1, {1 << 30, 1 << 30, 1 << 30}, {-3, -3, -3}));
  mb.AddOp(testing::FullyConnectedOp(base->conv_out, base->fw, -1, base->fc_out, {1 << 30}, {-5}));
  mb.SetInputs({base->in});
  mb.SetOutputs({base->fc_out});
}

Status LoadBytes(const AlignedBytes& bytes, Error* err) {
  Model model;
  return Model::Load(bytes.data(), bytes.size(), &model, err);
}

struct Rule {
  const char* name;
  Status expected;
  const char* message_part;
  std::function<void(Base&)> mutate;
};

testing::OpSpec ConvWith(Base& b, std::function<flatbuffers::Offset<schema::Conv2DOptions>(
                                      flatbuffers::FlatBufferBuilder&)> make) {
  testing::OpSpec op = b.mb.op(0);
  op.options = [make](flatbuffers::FlatBufferBuilder& fbb) {
    return std::make_pair(schema::OpOptions::Conv2DOptions, make(fbb).Union());
  };
  return op;
}

flatbuffers::Offset<schema::Conv2DOptions> Conv(flatbuffers::FlatBufferBuilder& fbb,
                                                int stride = 1, int pad = 1, int groups = 1,
                                                std::vector<int32_t> mult = {1 << 30},
                                                std::vector<int32_t> shift = {-3},
                                                int act_min = -128, int act_max = 127,
                                                int dilation = 1) {
  auto m = fbb.CreateVector(mult);
  auto s = fbb.CreateVector(shift);
  return schema::CreateConv2DOptions(fbb, stride, stride, dilation, dilation, pad, pad, pad, pad,
                                     groups, 1, m, s, act_min, act_max);
}

TEST(Verifier, BaseModelIsValid) {
  Base b;
  BuildBase(&b);
  Error err;
  EXPECT_EQ(LoadBytes(b.mb.Finish(), &err), Status::kOk) << err.message;
}

TEST(Verifier, EachRuleRejectsItsBadModel) {
  const std::vector<Rule> rules = {
      {"version", Status::kBadVersion, "version", [](Base& b) { b.mb.version = 2; }},
      {"op input index", Status::kBadTensorIndex, "op 0",
       [](Base& b) { b.mb.op(0).inputs[0] = 99; }},
      {"negative input index", Status::kBadTensorIndex, "op 1",
       [](Base& b) { b.mb.op(1).inputs[0] = -5; }},
      {"graph output index", Status::kBadTensorIndex, "outputs",
       [](Base& b) { b.mb.SetOutputs({42}); }},
      {"no outputs", Status::kMissingField, "outputs", [](Base& b) { b.mb.SetOutputs({}); }},
      {"weights dtype", Status::kBadDType, "weights must be int8",
       [](Base& b) {
         auto& t = b.mb.tensor(b.w);
         t.dtype = schema::DType::INT32;
         t.data.resize(54 * 4);
       }},
      {"zero dim", Status::kBadShape, "dim 1", [](Base& b) { b.mb.tensor(b.in).shape = {1, 0, 6, 2}; }},
      {"rank 5", Status::kBadShape, "rank 5", [](Base& b) { b.mb.tensor(b.in).shape = {1, 1, 6, 6, 2}; }},
      {"byte size overflow", Status::kTooLarge, "2^31",
       [](Base& b) { b.mb.tensor(b.in).shape = {65536, 65536, 1, 2}; }},
      {"zero point range", Status::kBadZeroPoint, "out of [-128, 127]",
       [](Base& b) { b.mb.tensor(b.conv_out).zero_point = 200; }},
      {"conv weights zero point", Status::kBadZeroPoint, "weights zero point",
       [](Base& b) { b.mb.tensor(b.w).zero_point = 3; }},
      {"buffer size", Status::kBadBuffer, "buffer holds",
       [](Base& b) { b.mb.tensor(b.b).data.resize(8); }},
      {"opcode", Status::kBadOpCode, "unknown opcode",
       [](Base& b) { b.mb.op(1).opcode = static_cast<schema::OpCode>(77); }},
      {"options missing", Status::kBadOptions, "op 1 (FULLY_CONNECTED)",
       [](Base& b) { b.mb.op(1).options = nullptr; }},
      {"options of another op", Status::kBadOptions, "Conv2DOptions",
       [](Base& b) { b.mb.op(0).options = b.mb.op(1).options; }},
      {"too many inputs", Status::kBadOpArity, "inputs: 4",
       [](Base& b) { b.mb.op(0).inputs.push_back(b.b); }},
      {"two outputs", Status::kBadOpArity, "exactly one output",
       [](Base& b) { b.mb.op(0).outputs.push_back(b.fc_out); }},
      {"conv output size", Status::kShapeMismatch, "height: output size 6, padding/stride/dilation imply 3",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 2); }); }},
      {"dilation output size", Status::kShapeMismatch, "imply 4",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 1, {1 << 30}, {-3}, -128, 127, 2); }); }},
      {"fc input size", Status::kShapeMismatch, "not a multiple",
       [](Base& b) {
         b.mb.tensor(b.fw).shape = {4, 107};
         b.mb.tensor(b.fw).data.resize(428);
       }},
      {"bias length", Status::kShapeMismatch, "bias must be [3]",
       [](Base& b) {
         b.mb.tensor(b.b).shape = {2};
         b.mb.tensor(b.b).data.resize(8);
       }},
      {"shift range", Status::kBadRequant, "shift[0] = 40",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 1, {1 << 30}, {40}); }); }},
      {"negative multiplier", Status::kBadRequant, "multiplier[0] < 0",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 1, {-1}, {0}); }); }},
      {"per-channel length", Status::kBadRequant, "expected 1 or 3",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 1, {1, 2}, {0, 0}); }); }},
      {"activation range", Status::kBadActivationRange, "act_min 10, act_max 5",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 1, {1 << 30}, {-3}, 10, 5); }); }},
      {"stride 0", Status::kBadParam, "stride",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 0); }); }},
      {"groups", Status::kBadParam, "groups = 2",
       [](Base& b) { b.mb.op(0) = ConvWith(b, [](auto& f) { return Conv(f, 1, 1, 2); }); }},
      {"arena offset outside", Status::kArenaPlanInvalid, "inside arena",
       [](Base& b) { b.mb.arena_bytes_override = 64; }},
      {"arena offset misaligned", Status::kArenaPlanInvalid, "16-aligned",
       [](Base& b) { b.mb.tensor(b.conv_out).arena_offset = 8; }},
      {"live tensors overlap", Status::kArenaOverlap, "overlaps tensor",
       [](Base& b) { b.mb.tensor(b.conv_out).arena_offset = 0; }},
      {"scratch overlaps", Status::kArenaOverlap, "scratch overlaps live tensor",
       [](Base& b) {
         b.mb.op(1).scratch_offset = 80;  // conv_out, live at op 1
         b.mb.op(1).scratch_bytes = 16;
       }},
      {"output not live to end", Status::kArenaPlanInvalid, "live until the end",
       [](Base& b) { b.mb.tensor(b.fc_out).live_until = 1; }},
      {"read after live range", Status::kArenaPlanInvalid, "after its live range",
       [](Base& b) { b.mb.tensor(b.conv_out).live_until = 0; }},
      {"use before definition", Status::kUseBeforeDefinition, "op 0",
       [](Base& b) {
         std::swap(b.mb.op(0), b.mb.op(1));
         b.mb.tensor(b.conv_out).live_from = 1;
         b.mb.tensor(b.fc_out).live_from = 0;
       }},
      {"graph input produced by an op", Status::kUseBeforeDefinition, "graph input",
       [](Base& b) { b.mb.SetInputs({b.in, b.conv_out}); }},
      {"accumulator overflow", Status::kTooLarge, "accumulator may overflow",
       [](Base& b) {
         const int32_t big[3] = {2147483000, 0, 0};
         std::memcpy(b.mb.tensor(b.b).data.data(), big, sizeof(big));
       }},
      {"constant output", Status::kBadBuffer, "writes a constant",
       [](Base& b) { b.mb.op(1).outputs = {b.fw}; }},
  };
  for (const Rule& rule : rules) {
    Base b;
    BuildBase(&b);
    rule.mutate(b);
    Error err;
    const Status got = LoadBytes(b.mb.Finish(), &err);
    EXPECT_EQ(got, rule.expected) << rule.name << ": " << err.message;
    EXPECT_EQ(err.code, rule.expected) << rule.name;
    EXPECT_NE(std::string(err.message).find(rule.message_part), std::string::npos)
        << rule.name << ": message '" << err.message << "' lacks '" << rule.message_part << "'";
  }
}

// MEAN's divide modes: a known mode, equal zero points for the truncating one, and a rescaled
// sum plus the rounding term that fits int32.
TEST(Verifier, MeanRoundingRules) {
  struct Case {
    schema::MeanRounding rounding;
    int32_t shift, out_zero_point, hw;
    Status expected;
    const char* message_part;
  };
  const std::vector<Case> cases = {
      {schema::MeanRounding::FOLDED, -6, 3, 6, Status::kOk, ""},
      {schema::MeanRounding::DIVIDE_HALF_AWAY, 0, 3, 6, Status::kOk, ""},
      {schema::MeanRounding::DIVIDE_TRUNCATE, 0, 0, 6, Status::kOk, ""},
      {schema::MeanRounding::DIVIDE_TRUNCATE, 0, 3, 6, Status::kBadOptions, "equal input and output zero points"},
      {static_cast<schema::MeanRounding>(7), 0, 0, 6, Status::kBadOptions, "rounding 7"},
      {schema::MeanRounding::DIVIDE_HALF_AWAY, 20, 0, 64, Status::kTooLarge, "overflows int32 (shift 20)"},
      {schema::MeanRounding::FOLDED, 20, 0, 64, Status::kOk, ""},
  };
  for (const Case& cs : cases) {
    ModelBuilder mb;
    const int in = mb.AddActivation({1, cs.hw, cs.hw, 2}, 0);
    const int out = mb.AddActivation({1, 1, 1, 2}, cs.out_zero_point);
    testing::OpSpec op;
    op.opcode = schema::OpCode::MEAN;
    op.inputs = {in};
    op.outputs = {out};
    op.options = [cs](flatbuffers::FlatBufferBuilder& f) {
      return std::make_pair(schema::OpOptions::MeanOptions,
                            schema::CreateMeanOptions(f, 1 << 30, cs.shift, -128, 127, cs.rounding).Union());
    };
    mb.AddOp(op);
    mb.SetInputs({in});
    mb.SetOutputs({out});
    Error err;
    EXPECT_EQ(LoadBytes(mb.Finish(), &err), cs.expected)
        << static_cast<int>(cs.rounding) << ": " << err.message;
    EXPECT_NE(std::string(err.message).find(cs.message_part), std::string::npos) << err.message;
  }
}

TEST(Verifier, RejectsBadBytes) {
  Base b;
  BuildBase(&b);
  AlignedBytes good = b.mb.Finish();
  Error err;
  AlignedBytes bad_id(good.data(), good.size());
  bad_id.data()[4] = 'X';
  EXPECT_EQ(LoadBytes(bad_id, &err), Status::kBadIdentifier);
  AlignedBytes tiny(good.data(), 4);
  EXPECT_EQ(LoadBytes(tiny, &err), Status::kModelTooSmall);
  Model m;
  EXPECT_EQ(Model::Load(nullptr, 100, &m, &err), Status::kNullArgument);
  // Every truncation is rejected, never read past the end (ASan build checks the reads).
  for (size_t len = 8; len < good.size(); len += 1) {
    AlignedBytes cut(good.data(), len);
    EXPECT_NE(LoadBytes(cut, &err), Status::kOk) << len;
  }
  // Flipping any byte either still verifies or is rejected: never a crash.
  int rejected = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    AlignedBytes flipped(good.data(), good.size());
    flipped.data()[i] ^= 0x5a;
    if (LoadBytes(flipped, &err) != Status::kOk) ++rejected;
  }
  EXPECT_GT(rejected, 0);
}

// ---- Target (--target x86-avx512vnni) rules: a small converted model, then one mutation of
// its packed data per rule.

// input [1,5,6,3] -> conv 3x3 pad 1 (20 channels) -> max pool 2x2 -> flatten -> gemm (7)
converter::QModel PackedModel() {
  using converter::OnnxAttr;
  converter::OnnxBuilder b;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  auto random = [&](size_t n) {
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
  };
  b.Input("x", {1, 3, 5, 6});
  b.Init("w", {20, 3, 3, 3}, random(20 * 27));
  b.Init("cb", {20}, random(20));
  b.Init("fw", {7, 120}, random(7 * 120));
  b.Init("fb", {7}, random(7));
  b.Node("Conv", {"x", "w", "cb"}, {"c"}, {OnnxAttr::Ints("pads", {1, 1, 1, 1}), OnnxAttr::Ints("kernel_shape", {3, 3})});
  b.Node("MaxPool", {"c"}, {"p"}, {OnnxAttr::Ints("kernel_shape", {2, 2}), OnnxAttr::Ints("strides", {2, 2})});
  b.Node("Flatten", {"p"}, {"f"});
  b.Node("Gemm", {"f", "fw", "fb"}, {"y"}, {OnnxAttr::Int("transB", 1)});
  b.Output("y");
  converter::Graph g = converter::ImportOnnxBytes(b.Serialize(), "packed");
  const converter::LGraph lg = converter::PrepareForQuantization(&g);
  std::vector<converter::Sample> calib;
  for (int i = 0; i < 8; ++i) calib.push_back({random(90)});
  converter::ConvertOptions opt;
  opt.compute_sqnr = false;
  opt.target = converter::Target::kX86Avx512Vnni;
  return converter::ConvertGraphWithSamples(lg, calib, opt).model;
}

size_t OpOf(const converter::QModel& m, converter::LKind kind) {
  for (size_t i = 0; i < m.ops.size(); ++i)
    if (m.ops[i].kind == kind) return i;
  ADD_FAILURE() << "no such op";
  return 0;
}

Status VerifyQModel(const converter::QModel& m, Error* err) {
  const std::vector<uint8_t> bytes = converter::SerializeModel(m);
  AlignedBytes aligned(bytes.data(), bytes.size());
  return Model::Verify(aligned.data(), aligned.size(), err);
}

struct TargetRule {
  const char* name;
  Status expected;
  const char* message_part;
  std::function<void(converter::QModel&)> mutate;
};

TEST(VerifierTarget, PackedModelIsValidAndCarriesPackedData) {
  const converter::QModel m = PackedModel();
  const converter::QOp& conv = m.ops[OpOf(m, converter::LKind::kConv)];
  const converter::QOp& fc = m.ops[OpOf(m, converter::LKind::kFullyConnected)];
  // By hand: conv G=1, OCG=20 -> 32, T=9, CG=3 -> 4; fc OCG=7 -> 16, CG=120.
  EXPECT_EQ(conv.packed_weights.size(), 9u * 4 * 32);
  EXPECT_EQ(conv.folded_bias.size(), 20u);
  EXPECT_EQ(fc.packed_weights.size(), 120u * 16);
  Error err;
  EXPECT_EQ(VerifyQModel(m, &err), Status::kOk) << err.message;
}

TEST(VerifierTarget, EachRuleRejectsItsBadModel) {
  using converter::LKind;
  const std::vector<TargetRule> rules = {
      {"unknown target", Status::kUnknownTarget, "model target 9",
       [](converter::QModel& m) { m.target = static_cast<converter::Target>(9); }},
      {"packed data in a generic model", Status::kBadPackedData, "generic model",
       [](converter::QModel& m) { m.target = converter::Target::kGeneric; }},
      {"packed data on a pool", Status::kBadPackedData, "only CONV_2D and FULLY_CONNECTED",
       [](converter::QModel& m) {
         const size_t fc = OpOf(m, LKind::kFullyConnected);
         m.ops[OpOf(m, LKind::kMaxPool)].packed_weights = m.ops[fc].packed_weights;
         m.ops[OpOf(m, LKind::kMaxPool)].folded_bias = m.ops[fc].folded_bias;
       }},
      {"packed weights without folded bias", Status::kBadPackedData, "must come together",
       [](converter::QModel& m) { m.ops[OpOf(m, LKind::kConv)].folded_bias.clear(); }},
      {"folded bias without packed weights", Status::kBadPackedData, "must come together",
       [](converter::QModel& m) { m.ops[OpOf(m, LKind::kFullyConnected)].packed_weights.clear(); }},
      {"packed size", Status::kBadPackedData, "holds 1151 bytes, the layout needs 1152",
       [](converter::QModel& m) { m.ops[OpOf(m, LKind::kConv)].packed_weights.pop_back(); }},
      {"packed size (fc)", Status::kBadPackedData, "the layout needs 1920",
       [](converter::QModel& m) { m.ops[OpOf(m, LKind::kFullyConnected)].packed_weights.resize(2048); }},
      {"folded bias length", Status::kBadPackedData, "needs 4 per output channel (20)",
       [](converter::QModel& m) { m.ops[OpOf(m, LKind::kConv)].folded_bias.push_back(0); }},
      {"packed weight byte", Status::kBadPackedData, "byte 5 differs",
       [](converter::QModel& m) { m.ops[OpOf(m, LKind::kConv)].packed_weights[5] ^= 1; }},
      {"packed padding byte", Status::kBadPackedData, "byte 3 differs",
       [](converter::QModel& m) { m.ops[OpOf(m, LKind::kConv)].packed_weights[3] = 1; }},
      {"folded bias value", Status::kBadPackedData, "folded_bias[6] =",
       [](converter::QModel& m) { m.ops[OpOf(m, LKind::kFullyConnected)].folded_bias[6] += 1; }},
  };
  for (const TargetRule& rule : rules) {
    converter::QModel m = PackedModel();
    rule.mutate(m);
    Error err;
    EXPECT_EQ(VerifyQModel(m, &err), rule.expected) << rule.name << ": " << err.message;
    EXPECT_NE(std::string(err.message).find(rule.message_part), std::string::npos)
        << rule.name << ": message '" << err.message << "' lacks '" << rule.message_part << "'";
  }
}

// The converter refuses a fold that leaves int32, naming the op. (The runtime's own fold
// check cannot be reached by a model that passes the accumulator bound, |bias| + depth * 255
// * 128 <= INT32_MAX, which also bounds the fold; the converter packs before verifying.)
TEST(VerifierTarget, ConverterRefusesFoldBeyondInt32) {
  converter::QModel m = PackedModel();
  const size_t i = OpOf(m, converter::LKind::kConv);
  converter::QOp& op = m.ops[i];
  m.tensors[static_cast<size_t>(op.inputs[0])].zero_point = 100;
  for (size_t k = 0; k < 27; ++k) m.tensors[static_cast<size_t>(op.inputs[1])].data[k] = 127;
  const int32_t low = INT32_MIN + 1000;
  std::memcpy(m.tensors[static_cast<size_t>(op.inputs[2])].data.data(), &low, 4);
  try {
    converter::PackForTarget(&m, converter::Target::kX86Avx512Vnni);
    ADD_FAILURE() << "no error";
  } catch (const converter::Error& e) {
    EXPECT_NE(std::string(e.what()).find("op " + std::to_string(i) + " ("), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not fit int32"), std::string::npos) << e.what();
  }
}

// Load refuses a packed model where its kernels cannot run; Verify (for tools) does not.
TEST(VerifierTarget, LoadRefusesTargetTheKernelsLack) {
  const converter::QModel m = PackedModel();
  const std::vector<uint8_t> bytes = converter::SerializeModel(m);
  AlignedBytes aligned(bytes.data(), bytes.size());
  Error err;
  Model model;
  EXPECT_EQ(Model::Verify(aligned.data(), aligned.size(), &err), Status::kOk) << err.message;
#if defined(QINFER_HAVE_X86_KERNELS)
  namespace x86 = kernels::x86;
  const x86::Isa best = x86::DetectedIsa();
  const Status here = Model::Load(aligned.data(), aligned.size(), &model, &err);
  EXPECT_EQ(here, best >= x86::Isa::kAvx512Vnni ? Status::kOk : Status::kTargetUnsupported) << err.message;
  x86::SetIsa(x86::Isa::kRef);
  EXPECT_EQ(Model::Load(aligned.data(), aligned.size(), &model, &err), Status::kTargetUnsupported);
  EXPECT_NE(std::string(err.message).find("model is packed for x86-avx512vnni; this CPU supports"),
            std::string::npos)
      << err.message;
  EXPECT_FALSE(model.loaded());
  x86::SetIsa(best);
#else
  EXPECT_EQ(Model::Load(aligned.data(), aligned.size(), &model, &err), Status::kTargetUnsupported);
  EXPECT_NE(std::string(err.message).find("no x86 kernels"), std::string::npos) << err.message;
#endif
  // A generic conversion of the same model loads everywhere.
  converter::QModel generic = m;
  converter::PackForTarget(&generic, converter::Target::kGeneric);
  const std::vector<uint8_t> gbytes = converter::SerializeModel(generic);
  AlignedBytes galigned(gbytes.data(), gbytes.size());
  EXPECT_EQ(Model::Load(galigned.data(), galigned.size(), &model, &err), Status::kOk) << err.message;
}

}  // namespace
}  // namespace qinfer
