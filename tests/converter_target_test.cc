// `qinfer convert --target`: the same model converted for generic and for x86-avx512vnni
// must give byte-identical outputs (the generic model runs the kernels on the generic
// weights, the packed one the pre-packed kernel on packed weights and the folded bias), on
// the bundled Fashion-MNIST CNN and on random single-op conv / fully connected models.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "converter/error.h"
#include "converter/npy.h"
#include "converter/onnx_builder.h"
#include "converter/onnx_import.h"
#include "converter/runner.h"
#include "converter/target.h"
#include "runtime/target.h"
#include "schema/qinfer_generated.h"
#if defined(QINFER_HAVE_X86_KERNELS)
#include "kernels/x86/dispatch.h"
#endif

namespace qinfer {
namespace converter {
namespace {

const std::string kModels = std::string(QINFER_SOURCE_DIR) + "/models/";

bool CpuRunsPacked() {
#if defined(QINFER_HAVE_X86_KERNELS)
  return kernels::x86::DetectedIsa() >= kernels::x86::Isa::kAvx512Vnni;
#else
  return false;
#endif
}

// Number of CONV_2D / FULLY_CONNECTED ops, and how many of them carry packed data.
std::pair<int, int> PackedOps(const std::vector<uint8_t>& bytes) {
  const schema::Model* m = schema::GetModel(bytes.data());
  int macs = 0, packed = 0;
  for (const auto* op : *m->operators()) {
    if (op->opcode() != schema::OpCode::CONV_2D && op->opcode() != schema::OpCode::FULLY_CONNECTED) continue;
    ++macs;
    packed += op->packed_weights() >= 0 && op->folded_bias() >= 0;
  }
  return {macs, packed};
}

// Runs `inputs` (int8, one vector per sample per model input) through both models and
// expects every output byte equal; returns the number of samples compared.
int CompareOutputs(const std::vector<uint8_t>& generic, const std::vector<uint8_t>& packed,
                   const std::vector<std::vector<std::vector<int8_t>>>& inputs, const std::string& what) {
  ModelRunner g(generic), p(packed);
  int compared = 0;
  for (const auto& sample : inputs) {
    for (size_t k = 0; k < sample.size(); ++k) {
      TensorView a = g.input(k), b = p.input(k);
      EXPECT_EQ(a.bytes, sample[k].size());
      std::memcpy(a.data, sample[k].data(), a.bytes);
      std::memcpy(b.data, sample[k].data(), b.bytes);
    }
    g.Invoke();
    p.Invoke();
    for (size_t o = 0; o < g.output_count(); ++o) {
      const TensorView a = g.output(o), b = p.output(o);
      EXPECT_EQ(a.bytes, b.bytes);
      EXPECT_EQ(0, std::memcmp(a.data, b.data, a.bytes)) << what << ", sample " << compared << ", output " << o;
    }
    ++compared;
  }
  return compared;
}

TEST(ConvertTarget, NamesAndRefusals) {
  EXPECT_EQ(ParseTarget("generic"), Target::kGeneric);
  EXPECT_EQ(ParseTarget("x86-avx2"), Target::kGeneric);
  EXPECT_EQ(ParseTarget("x86-avx512vnni"), Target::kX86Avx512Vnni);
  EXPECT_STREQ(TargetName(Target::kX86Avx512Vnni), "x86-avx512vnni");
  EXPECT_STREQ(qinfer::TargetName(1), "x86-avx512vnni");
  EXPECT_STREQ(qinfer::TargetName(0), "generic");
  EXPECT_STREQ(qinfer::TargetName(9), "unknown");
  for (const char* reserved : {"cortex-m4", "cortex-m55", "aarch64-dotprod"}) {
    try {
      ParseTarget(reserved);
      ADD_FAILURE() << reserved << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("reserved"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(ParseTarget("x86"), Error);
}

TEST(ConvertTarget, FashionCnnPackedMatchesGenericOn1000Images) {
  ConvertOptions opt;
  opt.compute_sqnr = false;
  const ConvertResult generic = ConvertFile(kModels + "fashion_cnn.onnx", {kModels + "fashion_calib.npy"}, opt);
  opt.target = Target::kX86Avx512Vnni;
  const ConvertResult packed = ConvertFile(kModels + "fashion_cnn.onnx", {kModels + "fashion_calib.npy"}, opt);
  const auto counts = PackedOps(packed.bytes);
  EXPECT_EQ(counts.first, 5);
  EXPECT_EQ(counts.second, counts.first);
  EXPECT_EQ(PackedOps(generic.bytes).second, 0);
  if (!CpuRunsPacked()) {
    EXPECT_THROW(ModelRunner run(packed.bytes), Error);
    return;
  }
  const NpyArray images = ReadNpy(kModels + "fashion_test_1000_u8.npy");
  ASSERT_EQ(images.numel(), 1000 * 784);
  const QTensor& qi = generic.model.tensors[static_cast<size_t>(generic.model.inputs[0])];
  std::vector<std::vector<std::vector<int8_t>>> inputs;
  for (int i = 0; i < 1000; ++i) {
    std::vector<int8_t> x(784);
    for (int k = 0; k < 784; ++k)
      x[static_cast<size_t>(k)] = QuantizeToInt8(static_cast<float>(images.at(i * 784 + k)) / 255.f, qi.scales[0], qi.zero_point);
    inputs.push_back({x});
  }
  EXPECT_EQ(CompareOutputs(generic.bytes, packed.bytes, inputs, "fashion_cnn"), 1000);
}

// Random conv (kernel, stride, dilation, padding, groups, channel counts not multiples of 4
// or 64) and fully connected (batch, in, out) single-op models.
TEST(ConvertTarget, RandomSingleOpModelsPackedMatchGeneric) {
  std::mt19937 rng(77);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto random = [&](size_t n) {
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
  };
  int models = 0, samples = 0;
  for (int c = 0; c < 60; ++c) {
    OnnxBuilder b;
    std::vector<int64_t> in_shape;
    if (c % 3 == 2) {
      const int batch = uni(1, 8), in = uni(1, 600), out = uni(1, 200);
      in_shape = {batch, in};
      b.Input("x", in_shape);
      b.Init("w", {out, in}, random(static_cast<size_t>(out * in)));
      b.Init("bias", {out}, random(static_cast<size_t>(out)));
      b.Node("Gemm", {"x", "w", "bias"}, {"y"}, {OnnxAttr::Int("transB", 1)});
    } else {
      const int k = uni(1, 5), stride = uni(1, 2), dil = k > 1 && uni(0, 4) == 0 ? 2 : 1;
      const int groups = uni(0, 3) == 0 ? 2 : 1;
      const int cg = uni(1, 70), ocg = uni(1, 90), pad = uni(0, (k - 1) * dil / 2 + 0);
      const int h = uni((k - 1) * dil + 1, 12), w = uni((k - 1) * dil + 1, 12);
      in_shape = {1, groups * cg, h, w};
      b.Input("x", in_shape);
      b.Init("w", {groups * ocg, cg, k, k}, random(static_cast<size_t>(groups * ocg * cg * k * k)));
      b.Init("bias", {groups * ocg}, random(static_cast<size_t>(groups * ocg)));
      b.Node("Conv", {"x", "w", "bias"}, {"y"},
             {OnnxAttr::Ints("kernel_shape", {k, k}), OnnxAttr::Ints("strides", {stride, stride}),
              OnnxAttr::Ints("dilations", {dil, dil}), OnnxAttr::Ints("pads", {pad, pad, pad, pad}),
              OnnxAttr::Int("group", groups)});
    }
    b.Output("y");
    Graph g = ImportOnnxBytes(b.Serialize(), "random");
    const LGraph lg = PrepareForQuantization(&g);
    int64_t numel = 1;
    for (int64_t d : in_shape) numel *= d;
    std::vector<Sample> calib;
    for (int i = 0; i < 4; ++i) calib.push_back({random(static_cast<size_t>(numel))});
    ConvertOptions opt;
    opt.compute_sqnr = false;
    opt.optimize_rounding = false;
    const ConvertResult generic = ConvertGraphWithSamples(lg, calib, opt);
    opt.target = Target::kX86Avx512Vnni;
    const ConvertResult packed = ConvertGraphWithSamples(lg, calib, opt);
    ASSERT_EQ(PackedOps(packed.bytes), std::make_pair(1, 1)) << "model " << c;
    if (!CpuRunsPacked()) continue;
    std::vector<std::vector<std::vector<int8_t>>> inputs;
    for (int i = 0; i < 6; ++i) {
      std::vector<int8_t> x(static_cast<size_t>(numel));
      for (auto& v : x) v = static_cast<int8_t>(uni(-128, 127));
      inputs.push_back({x});
    }
    samples += CompareOutputs(generic.bytes, packed.bytes, inputs, "model " + std::to_string(c));
    ++models;
  }
  if (CpuRunsPacked()) {
    EXPECT_EQ(models, 60);
    EXPECT_EQ(samples, 360);
  }
}

}  // namespace
}  // namespace converter
}  // namespace qinfer
