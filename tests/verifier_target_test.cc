// The verifier's rules for models converted with --target x86-avx512vnni (pre-packed weights
// and folded bias): a small converted model, then one mutation of its packed data per rule;
// and the load-time refusal where the CPU lacks the target. Host only: it uses the converter.
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
