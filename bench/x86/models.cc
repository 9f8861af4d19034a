// Whole-model latency of qinfer (model/qinfer/<name>): the converter's models (models/
// fashion_cnn.onnx, fashion_mixed.onnx and blazeface_front_128.onnx, converted at start-up
// with a few calibration samples) and a MobileNetV2-sized network (224x224x3, width 1.0, random weights from a fixed seed). GOPS
// counts 2 ops per multiply-accumulate of the conv, depthwise and fully connected layers.
#include <cstdint>
#include <string>

#include "bench/x86/common.h"
#include "bench/x86/model_run.h"
#include "converter/convert.h"
#include "kernels/x86/dispatch.h"
#include "runtime/qinfer.h"
#include "tests/mcu/model_zoo.h"

namespace qinfer {
namespace bench {
namespace {

int64_t ConvMacs(mcu::Net& n, int32_t out, int64_t depth) {
  const auto& s = n.shape(out);
  return int64_t{s[1]} * s[2] * s[3] * depth;
}

// MobileNetV2 1.0 / 224 (inverted residual blocks with expansion 6, ReLU as the clamp).
testing::AlignedBytes MobileNetV2(int64_t* macs) {
  mcu::Net n(2024);
  const int32_t in = n.Input({1, 224, 224, 3}, 0.02, 0);
  int32_t x = n.Conv(in, 32, 3, 3, 2, 2, {1, 1, 1, 1}, true, true);
  *macs = ConvMacs(n, x, 27);
  int32_t channels = 32;
  struct Stage {
    int32_t expand, out, repeats, stride;
  };
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  for (const Stage& st : stages) {
    for (int32_t r = 0; r < st.repeats; ++r) {
      const int32_t stride = r == 0 ? st.stride : 1;
      int32_t y = x;
      if (st.expand != 1) {
        y = n.Conv(y, channels * st.expand, 1, 1, 1, 1, {0, 0, 0, 0}, true, true);
        *macs += ConvMacs(n, y, channels);
      }
      y = n.Depthwise(y, 1, 3, stride, 1, true, true);
      *macs += ConvMacs(n, y, 9);
      y = n.Conv(y, st.out, 1, 1, 1, 1, {0, 0, 0, 0}, true, false);
      *macs += ConvMacs(n, y, n.shape(x)[3] * st.expand);
      x = stride == 1 && channels == st.out ? n.Add(x, y, false) : y;
      channels = st.out;
    }
  }
  x = n.Conv(x, 1280, 1, 1, 1, 1, {0, 0, 0, 0}, true, true);
  *macs += ConvMacs(n, x, channels);
  x = n.Mean(x);
  x = n.FullyConnected(x, 1000, true);
  *macs += 1280 * 1000;
  return n.Finish({in}, {x});
}

// A model of models/ converted at start-up with a few of its calibration samples.
testing::AlignedBytes Converted(const char* onnx, const char* calib) {
  converter::ConvertOptions opt;
  opt.calib_samples = 32;
  opt.compute_sqnr = false;
  opt.optimize_rounding = false;
  const converter::ConvertResult r = converter::ConvertFile(
      std::string(QINFER_SOURCE_DIR "/models/") + onnx,
      {std::string(QINFER_SOURCE_DIR "/models/") + calib}, opt);
  return testing::AlignedBytes(r.bytes.data(), r.bytes.size());
}

// The converter's models: latency only (macs 0: not reported).
testing::AlignedBytes FashionCnn(int64_t* macs) {
  *macs = 0;
  return Converted("fashion_cnn.onnx", "fashion_calib.npy");
}
testing::AlignedBytes FashionMixed(int64_t* macs) {
  *macs = 0;
  return Converted("fashion_mixed.onnx", "fashion_calib.npy");
}
testing::AlignedBytes Blazeface(int64_t* macs) {
  *macs = 0;
  return Converted("blazeface_front_128.onnx", "lfw_calib.npy");
}

void RegisterModel(const std::string& name, testing::AlignedBytes (*build)(int64_t*)) {
  Register("model/qinfer/" + name, [build](benchmark::State& state) {
    // The path cpuid picks (kernel rows before this one may have forced another).
    kernels::x86::SetIsa(kernels::x86::DetectedIsa());
    int64_t macs = 0;
    const testing::AlignedBytes model = build(&macs);
    testing::AlignedBytes arena;
    qinfer_context ctx;
    if (!InitModel(state, model, &arena, &ctx)) return;
    qinfer_error err;
    // One untimed run first: the arena's and weights' first touch (page faults) is not
    // inference time, and with few iterations per repetition it would dominate.
    if (qinfer_invoke(&ctx, &err) != QINFER_OK) {
      state.SkipWithError(err.message);
      return;
    }
    for (auto _ : state) {
      if (qinfer_invoke(&ctx, &err) != QINFER_OK) {
        state.SkipWithError(err.message);
        return;
      }
    }
    if (macs > 0) SetOps(state, 2 * macs);
  });
}

int RegisterAll() {
  RegisterModel("fashion_cnn", FashionCnn);
  RegisterModel("fashion_mixed", FashionMixed);
  RegisterModel("blazeface_front_128", Blazeface);
  RegisterModel("mobilenetv2", MobileNetV2);
  return 1;
}

const int kRegistered = RegisterAll();

}  // namespace
}  // namespace bench
}  // namespace qinfer
