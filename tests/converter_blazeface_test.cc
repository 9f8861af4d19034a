// BlazeFace front 128x128 (a pretrained model nobody here trained): converted with the
// percentile observer and clamped score outputs (see models/README.md, "Quantization
// hazard"), the int8 face/non-face accuracy on the 200 LFW images must be within 1 point of
// float. Also checks that the float executor reproduces the reference scores.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "converter/npy.h"
#include "converter/onnx_import.h"
#include "converter/runner.h"

namespace qinfer {
namespace converter {
namespace {

const std::string kModels = std::string(QINFER_SOURCE_DIR) + "/models/";

// models/README.md: bilinear half-pixel 25 -> 128 in float32, x = v / 127.5 - 1, gray to 3
// channels, NHWC.
std::vector<float> Preprocess(const uint8_t* p) {
  int i0[128], i1[128];
  float f[128];
  for (int o = 0; o < 128; ++o) {
    float src = (static_cast<float>(o) + 0.5f) * (25.0f / 128.0f) - 0.5f;
    if (src < 0) src = 0;
    i0[o] = static_cast<int>(std::floor(src));
    i1[o] = std::min(i0[o] + 1, 24);
    f[o] = src - static_cast<float>(i0[o]);
  }
  std::vector<float> out(128 * 128 * 3);
  for (int y = 0; y < 128; ++y)
    for (int x = 0; x < 128; ++x) {
      auto px = [&](int r, int c) { return static_cast<float>(p[r * 25 + c]); };
      const float top = px(i0[y], i0[x]) + f[x] * (px(i0[y], i1[x]) - px(i0[y], i0[x]));
      const float bot = px(i1[y], i0[x]) + f[x] * (px(i1[y], i1[x]) - px(i1[y], i0[x]));
      const float v = top + f[y] * (bot - top);
      const float s = v / 127.5f - 1.0f;
      for (int c = 0; c < 3; ++c) out[static_cast<size_t>((y * 128 + x) * 3 + c)] = s;
    }
  return out;
}

TEST(BlazeFace, Int8FaceAccuracyWithinOnePointOfFloat) {
  FILE* f = std::fopen((kModels + "blazeface_front_128.onnx").c_str(), "rb");
  if (!f) GTEST_SKIP() << "models/ not present";
  std::fclose(f);
  const auto t0 = std::chrono::steady_clock::now();
  Graph g = ImportOnnxFile(kModels + "blazeface_front_128.onnx");
  const LGraph lg = PrepareForQuantization(&g);
  const auto samples = LoadCalibration(g, lg, {kModels + "lfw_calib.npy"}, 0);
  ConvertOptions opt;
  opt.calib.method = CalibMethod::kPercentile;
  opt.calib.percentile = 99.5;
  opt.quant.range_overrides = {{"Identity:0", {-8.f, 8.f}}, {"Identity_1:0", {-8.f, 8.f}}};
  opt.compute_sqnr = false;
  const ConvertResult r = ConvertGraphWithSamples(lg, samples, opt);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ModelRunner run(r.bytes);
  const NpyArray faces = ReadNpy(kModels + "lfw_25x25_u8.npy");
  const NpyArray labels = ReadNpy(kModels + "lfw_labels.npy");
  const NpyArray ref = ReadNpy(kModels + "lfw_blazeface_float_scores.npy");
  ASSERT_EQ(faces.shape, std::vector<int64_t>({200, 25, 25}));
  const QTensor& qi = r.model.tensors[static_cast<size_t>(r.model.inputs[0])];
  int int8_correct = 0, float_correct = 0, float_exec_correct = 0;
  double max_float_diff = 0;
  for (int i = 0; i < 200; ++i) {
    const std::vector<float> x = Preprocess(faces.as<uint8_t>() + i * 625);
    const bool face = labels.at(i) == 1;
    // Reference float decision.
    double ref_max = -1e30;
    for (int k = 0; k < 896; ++k) ref_max = std::max(ref_max, ref.at(i * 896 + k));
    float_correct += (ref_max > 0) == face;
    // Our float executor (every 10th image: it is slow-ish).
    if (i % 10 == 0) {
      const auto v = RunFloat(lg, {x});
      double m = -1e30;
      for (int o = 0; o < 2; ++o) {
        const auto& s = v[static_cast<size_t>(lg.outputs[static_cast<size_t>(o)])];
        for (size_t k = 0; k < s.size(); ++k) {
          m = std::max<double>(m, s[k]);
          max_float_diff = std::max(max_float_diff, std::fabs(s[k] - ref.at(i * 896 + (o ? 512 : 0) + static_cast<int64_t>(k))));
        }
      }
      float_exec_correct += (m > 0) == face;
    }
    TensorView in = run.input(0);
    for (size_t k = 0; k < x.size(); ++k) in.data[k] = QuantizeToInt8(x[k], qi.scales[0], qi.zero_point);
    run.Invoke();
    double m = -1e30;
    for (size_t o = 0; o < 2; ++o) {
      const TensorView out = run.output(o);
      const QTensor& qo = r.model.tensors[static_cast<size_t>(r.model.outputs[o])];
      for (size_t k = 0; k < out.bytes; ++k) m = std::max<double>(m, qo.scales[0] * (out.data[k] - qo.zero_point));
    }
    int8_correct += (m > 0) == face;
  }
  std::printf("blazeface: float accuracy %.3f, int8 accuracy %.3f, conversion %.2f s, float executor max |diff| %.2g\n",
              float_correct / 200.0, int8_correct / 200.0, seconds, max_float_diff);
  EXPECT_EQ(float_correct, 198);
  EXPECT_LT(max_float_diff, 1e-3 * 30000);  // scores reach -3e4; float32 summation order only
  EXPECT_GE(int8_correct, float_correct - 2);
}

}  // namespace
}  // namespace converter
}  // namespace qinfer
