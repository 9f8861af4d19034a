// Quantization parameter derivations checked against independent implementations on
// thousands of random scales, and the parameters stored in converted models checked against
// their definitions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "converter/convert.h"
#include "converter/onnx_builder.h"
#include "converter/onnx_import.h"
#include "converter/quant_math.h"
#include "kernels/fixedpoint.h"

namespace qinfer {
namespace converter {
namespace {

// Independent QuantizeMultiplier: exponent by repeated doubling/halving (no frexp), the
// mantissa rounded half away from zero in long double.
void RefQuantizeMultiplier(double m, int32_t* q, int32_t* shift) {
  if (m <= 0) {
    *q = 0;
    *shift = 0;
    return;
  }
  int e = 0;
  long double x = m;
  while (x >= 1.0L) { x /= 2; ++e; }
  while (x < 0.5L) { x *= 2; --e; }
  // m = x * 2^e, x in [0.5, 1).
  long double scaled = x * 2147483648.0L;
  long double r = std::floor(scaled + 0.5L);  // half away from zero for positive values
  int64_t qq = static_cast<int64_t>(r);
  if (qq == (int64_t{1} << 31)) {
    qq >>= 1;
    ++e;
  }
  if (e < -31) {
    *q = 0;
    *shift = 0;
    return;
  }
  if (e > 30) {
    *q = 2147483647;
    *shift = 30;
    return;
  }
  *q = static_cast<int32_t>(qq);
  *shift = e;
}

TEST(QuantMath, QuantizeMultiplierMatchesIndependentImplementation) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> lg(-45.0, 35.0);
  int checked = 0;
  for (int i = 0; i < 200000; ++i) {
    const double m = std::exp2(lg(rng));
    int32_t q, s, rq, rs;
    QuantizeMultiplier(m, &q, &s);
    RefQuantizeMultiplier(m, &rq, &rs);
    ASSERT_EQ(q, rq) << "m = " << m;
    ASSERT_EQ(s, rs) << "m = " << m;
    if (q != 0) {
      ASSERT_GE(q, 1 << 30);
      ASSERT_GE(s, -31);
      ASSERT_LE(s, 30);
      if (s < 30) {
        const double back = std::ldexp(static_cast<double>(q), s - 31);
        ASSERT_LE(std::fabs(back - m) / m, std::ldexp(1.0, -31)) << m;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100000);
  // Edge cases.
  int32_t q, s;
  QuantizeMultiplier(0.0, &q, &s);
  EXPECT_EQ(q, 0);
  EXPECT_EQ(s, 0);
  QuantizeMultiplier(1.0, &q, &s);
  EXPECT_EQ(q, 1 << 30);
  EXPECT_EQ(s, 1);
  QuantizeMultiplier(std::nextafter(1.0, 0.0), &q, &s);  // rounds up to 2^31 -> 2^30, shift + 1
  EXPECT_EQ(q, 1 << 30);
  EXPECT_EQ(s, 1);
  QuantizeMultiplier(std::ldexp(1.0, -40), &q, &s);
  EXPECT_EQ(q, 0);
  EXPECT_EQ(s, 0);
}

TEST(QuantMath, SoftmaxScalingAndRadius) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lg(-12.0, 2.0);
  for (int i = 0; i < 20000; ++i) {
    const double scale = std::exp2(lg(rng));
    int32_t m, ls;
    PreprocessSoftmaxScaling(1.0, scale, 5, &m, &ls);
    // Independent: real = min(scale * 2^26, 2^31 - 1), then the multiplier as above.
    const double real = std::min(scale * 67108864.0, 2147483647.0);
    int32_t rq, rs;
    RefQuantizeMultiplier(real, &rq, &rs);
    ASSERT_EQ(m, rq);
    ASSERT_EQ(ls, rs);
    const int32_t radius = CalculateInputRadius(5, ls, 31);
    const double want = std::floor(31.0 * std::ldexp(1.0, 26) / std::ldexp(1.0, ls));
    ASSERT_EQ(radius, static_cast<int32_t>(want));
  }
}

TEST(QuantMath, ChooseQuantParamsRepresentsZeroAndCoversTheRange) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> u(-50.0, 50.0);
  for (int i = 0; i < 20000; ++i) {
    double lo = u(rng), hi = u(rng);
    if (lo > hi) std::swap(lo, hi);
    for (int variant = 0; variant < 3; ++variant) {
      float s;
      int32_t zp;
      ChooseQuantParams(lo, hi, variant == 1, variant == 2, &s, &zp);
      ASSERT_GT(s, 0);
      ASSERT_GE(zp, -128);
      ASSERT_LE(zp, 127);
      if (variant == 1) {
        ASSERT_EQ(zp, 0);
      }
      if (variant == 2) {
        ASSERT_EQ(std::exp2(std::round(std::log2(s))), s);
      }
      // Real zero is exactly zp; the representable range covers [lo, hi] up to one step of nudging.
      const double rlo = s * (-128 - zp), rhi = s * (127 - zp);
      ASSERT_LE(rlo, std::min(lo, 0.0) + s * 1.001);
      ASSERT_GE(rhi, std::max(hi, 0.0) - s * 1.001);
    }
  }
}

TEST(QuantMath, ActivationRangeFollowsTfliteRounding) {
  int32_t lo, hi;
  ActivationRange(0.0, INFINITY, 0.05, -100, &lo, &hi);  // ReLU
  EXPECT_EQ(lo, -100);
  EXPECT_EQ(hi, 127);
  ActivationRange(0.0, 6.0, 0.05, -128, &lo, &hi);  // ReLU6: -128 + round(120) = -8
  EXPECT_EQ(lo, -128);
  EXPECT_EQ(hi, -8);
  ActivationRange(-1.0, 1.0, 0.1, 0, &lo, &hi);
  EXPECT_EQ(lo, -10);
  EXPECT_EQ(hi, 10);
  ActivationRange(-INFINITY, INFINITY, 0.1, 3, &lo, &hi);
  EXPECT_EQ(lo, -128);
  EXPECT_EQ(hi, 127);
  ActivationRange(0.0, 6.0, 0.0125, 5, &lo, &hi);  // 5 + 480 saturates
  EXPECT_EQ(lo, 5);
  EXPECT_EQ(hi, 127);
  ActivationRange(0.25, INFINITY, 0.1, 0, &lo, &hi);  // round(2.5) = 3 (half away from zero)
  EXPECT_EQ(lo, 3);
}

// The integer parameters a converted model stores, recomputed from its float metadata.
TEST(QuantMath, StoredParametersMatchTheirDefinitions) {
  OnnxBuilder b;
  b.Input("x", {1, 3, 6, 6});
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> w(4 * 27), bias(4), w2(4 * 4);
  for (float& v : w) v = u(rng);
  for (float& v : bias) v = u(rng);
  for (float& v : w2) v = u(rng) * 3;
  b.Init("w", {4, 3, 3, 3}, w);
  b.Init("b", {4}, bias);
  b.Init("w2", {4, 4, 1, 1}, w2);
  b.Node("Conv", {"x", "w", "b"}, {"c"}, {OnnxAttr::Ints("pads", {1, 1, 1, 1})});
  b.Node("Relu", {"c"}, {"r"});
  b.Node("Conv", {"r", "w2"}, {"d"});
  b.Node("Add", {"d", "r"}, {"a"});
  b.Node("GlobalAveragePool", {"a"}, {"g"});
  b.Node("Flatten", {"g"}, {"f"});
  b.Node("Softmax", {"f"}, {"y"});
  b.Output("y");
  Graph g = ImportOnnxBytes(b.Serialize(), "t");
  LGraph lg = PrepareForQuantization(&g);
  std::vector<Sample> samples;
  for (int s = 0; s < 16; ++s) {
    std::vector<float> x(108);
    for (float& v : x) v = u(rng);
    samples.push_back({x});
  }
  ConvertOptions opt;
  opt.compute_sqnr = false;
  const ConvertResult r = ConvertGraphWithSamples(lg, samples, opt);
  const QModel& m = r.model;
  auto T = [&](int i) -> const QTensor& { return m.tensors[static_cast<size_t>(i)]; };
  int seen = 0;
  for (const QOp& op : m.ops) {
    const QTensor& out = T(op.outputs[0]);
    if (op.kind == LKind::kConv || op.kind == LKind::kDepthwiseConv || op.kind == LKind::kFullyConnected) {
      const QTensor& in = T(op.inputs[0]);
      const QTensor& wt = T(op.inputs[1]);
      const QTensor& bt = T(op.inputs[2]);
      ASSERT_EQ(op.multiplier.size(), wt.scales.size());
      for (size_t c = 0; c < wt.scales.size(); ++c) {
        int32_t q, s;
        RefQuantizeMultiplier(static_cast<double>(in.scales[0]) * wt.scales[c] / out.scales[0], &q, &s);
        EXPECT_EQ(op.multiplier[c], q);
        EXPECT_EQ(op.shift[c], s);
        EXPECT_FLOAT_EQ(bt.scales[c], in.scales[0] * wt.scales[c]);
      }
      // Weights symmetric in [-127, 127].
      for (uint8_t v : wt.data) EXPECT_NE(static_cast<int8_t>(v), -128);
      ++seen;
    } else if (op.kind == LKind::kAdd) {
      const double s1 = T(op.inputs[0]).scales[0], s2 = T(op.inputs[1]).scales[0], so = out.scales[0];
      const double tm = 2 * std::max(s1, s2);
      int32_t q, s;
      EXPECT_EQ(op.left_shift, 20);
      RefQuantizeMultiplier(s1 / tm, &q, &s);
      EXPECT_EQ(op.input1_multiplier, q);
      EXPECT_EQ(op.input1_shift, s);
      RefQuantizeMultiplier(s2 / tm, &q, &s);
      EXPECT_EQ(op.input2_multiplier, q);
      EXPECT_EQ(op.input2_shift, s);
      RefQuantizeMultiplier(tm / (1048576.0 * so), &q, &s);
      EXPECT_EQ(op.output_multiplier, q);
      EXPECT_EQ(op.output_shift, s);
      ++seen;
    } else if (op.kind == LKind::kMean) {
      const QTensor& in = T(op.inputs[0]);
      int32_t q, s;
      RefQuantizeMultiplier(static_cast<double>(in.scales[0]) / (static_cast<double>(out.scales[0]) * in.shape[1] * in.shape[2]), &q, &s);
      EXPECT_EQ(op.multiplier[0], q);
      EXPECT_EQ(op.shift[0], s);
      ++seen;
    } else if (op.kind == LKind::kSoftmax) {
      EXPECT_FLOAT_EQ(out.scales[0], 1.0f / 256);
      EXPECT_EQ(out.zero_point, -128);
      int32_t q, s;
      RefQuantizeMultiplier(std::min(T(op.inputs[0]).scales[0] * 67108864.0, 2147483647.0), &q, &s);
      EXPECT_EQ(op.softmax_multiplier, q);
      EXPECT_EQ(op.softmax_left_shift, s);
      EXPECT_EQ(op.diff_min, -static_cast<int32_t>(std::floor(31.0 * std::ldexp(1.0, 26 - s))));
      ++seen;
    }
  }
  EXPECT_EQ(seen, 5);
}

// Bias = round(b / (s_in * s_w)) (before the data-aware correction, which is off here).
TEST(QuantMath, BiasIsRoundedToInputTimesWeightScale) {
  OnnxBuilder b;
  b.Input("x", {1, 5});
  std::vector<float> w(15), bias = {0.3f, -0.7f, 1.9f};
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  for (float& v : w) v = u(rng);
  b.Init("w", {3, 5}, w);
  b.Init("b", {3}, bias);
  b.Node("Gemm", {"x", "w", "b"}, {"y"}, {OnnxAttr::Int("transB", 1)});
  b.Output("y");
  Graph g = ImportOnnxBytes(b.Serialize(), "t");
  LGraph lg = PrepareForQuantization(&g);
  std::vector<Sample> samples;
  for (int s = 0; s < 8; ++s) {
    std::vector<float> x(5);
    for (float& v : x) v = u(rng);
    samples.push_back({x});
  }
  ConvertOptions opt;
  opt.compute_sqnr = false;
  opt.optimize_rounding = false;
  opt.equalize = 0;
  const ConvertResult r = ConvertGraphWithSamples(lg, samples, opt);
  const QOp& fc = r.model.ops.at(0);
  const QTensor& in = r.model.tensors[static_cast<size_t>(fc.inputs[0])];
  const QTensor& wt = r.model.tensors[static_cast<size_t>(fc.inputs[1])];
  const QTensor& bt = r.model.tensors[static_cast<size_t>(fc.inputs[2])];
  for (int c = 0; c < 3; ++c) {
    int32_t v;
    std::memcpy(&v, bt.data.data() + 4 * c, 4);
    EXPECT_EQ(v, static_cast<int32_t>(std::round(bias[static_cast<size_t>(c)] / (static_cast<double>(in.scales[0]) * wt.scales[static_cast<size_t>(c)]))));
    // Per-channel symmetric weights: the largest magnitude of each row maps to 127.
    int mx = 0;
    for (int k = 0; k < 5; ++k) mx = std::max(mx, std::abs(static_cast<int>(static_cast<int8_t>(wt.data[static_cast<size_t>(c * 5 + k)]))));
    EXPECT_EQ(mx, 127);
  }
}

}  // namespace
}  // namespace converter
}  // namespace qinfer
