// Reference kernels on MobileNetV2- and ResNet-like layer shapes. The "GOPS" counter is
// 2 ops per multiply-accumulate for conv, depthwise and fully connected, and 1 op per input
// element read for the other kernels, so optimized twins registered under the same shape
// names (conv/<impl>/...) compare directly.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_data.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace {

using bench::Data;
using bench::Requants;
using bench::SetOps;

std::string Shape(int32_t h, int32_t w, int32_t c) {
  return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
}

ConvParams MakeConv(int32_t stride, int32_t pad, const Requants& rq) {
  ConvParams p;
  p.stride_h = p.stride_w = stride;
  p.dilation_h = p.dilation_w = 1;
  p.pad_top = p.pad_left = pad;
  p.groups = 1;
  p.depth_multiplier = 1;
  p.input_zero_point = -3;
  p.output_zero_point = 5;
  p.act_min = -128;
  p.act_max = 127;
  p.requant = rq.view();
  return p;
}

void RegisterConv(int32_t h, int32_t w, int32_t ic, int32_t k, int32_t oc, int32_t stride) {
  const int32_t pad = (k - 1) / 2;
  const int32_t oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
  std::string name = "conv/ref/" + Shape(h, w, ic) + "_" + std::to_string(k) + "x" +
                     std::to_string(k) + (stride > 1 ? "s" + std::to_string(stride) : "") +
                     "_" + std::to_string(oc);
  benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    const Dims4 in_d{1, h, w, ic}, w_d{oc, k, k, ic}, out_d{1, oh, ow, oc};
    const auto in = Data(FlatSize(in_d), 1);
    const auto wt = Data(FlatSize(w_d), 2);
    const std::vector<int32_t> bias(static_cast<size_t>(oc), 1000);
    const Requants rq(oc);
    const ConvParams p = MakeConv(stride, pad, rq);
    std::vector<int8_t> out(static_cast<size_t>(FlatSize(out_d)));
    for (auto _ : state) {
      ref::Conv2D(p, in_d, in.data(), w_d, wt.data(), bias.data(), out_d, out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, 2 * FlatSize(out_d) * k * k * ic);
  })->Unit(benchmark::kMillisecond);
}

void RegisterDepthwise(int32_t h, int32_t w, int32_t c, int32_t stride) {
  const int32_t k = 3, pad = 1;
  const int32_t oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
  std::string name = "depthwise/ref/" + Shape(h, w, c) + "_3x3" +
                     (stride > 1 ? "s" + std::to_string(stride) : "");
  benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    const Dims4 in_d{1, h, w, c}, w_d{1, k, k, c}, out_d{1, oh, ow, c};
    const auto in = Data(FlatSize(in_d), 3);
    const auto wt = Data(FlatSize(w_d), 4);
    const std::vector<int32_t> bias(static_cast<size_t>(c), -500);
    const Requants rq(c);
    const ConvParams p = MakeConv(stride, pad, rq);
    std::vector<int8_t> out(static_cast<size_t>(FlatSize(out_d)));
    for (auto _ : state) {
      ref::DepthwiseConv2D(p, in_d, in.data(), w_d, wt.data(), bias.data(), out_d, out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, 2 * FlatSize(out_d) * k * k);
  })->Unit(benchmark::kMillisecond);
}

void RegisterFullyConnected(int32_t batches, int32_t in_f, int32_t out_f) {
  std::string name = "fc/ref/" + std::to_string(batches) + "x" + std::to_string(in_f) + "_" +
                     std::to_string(out_f);
  benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    const auto in = Data(int64_t{batches} * in_f, 5);
    const auto wt = Data(int64_t{in_f} * out_f, 6);
    const std::vector<int32_t> bias(static_cast<size_t>(out_f), 77);
    const Requants rq(1);
    FullyConnectedParams p;
    p.input_zero_point = -128;
    p.weights_zero_point = 0;
    p.output_zero_point = 10;
    p.act_min = -128;
    p.act_max = 127;
    p.requant = rq.view();
    std::vector<int8_t> out(static_cast<size_t>(batches) * out_f);
    for (auto _ : state) {
      ref::FullyConnected(p, batches, in_f, out_f, in.data(), wt.data(), bias.data(),
                          out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, 2 * int64_t{batches} * in_f * out_f);
  });
}

void RegisterAddMul(int32_t h, int32_t w, int32_t c) {
  const Dims4 d{1, h, w, c};
  benchmark::RegisterBenchmark(("add/ref/" + Shape(h, w, c)).c_str(), [=](benchmark::State& state) {
    const auto a = Data(FlatSize(d), 7), b = Data(FlatSize(d), 8);
    std::vector<int8_t> out(static_cast<size_t>(FlatSize(d)));
    AddParams p{-2, 7, 1, 20, 1073741824, 0, 1700000000, -1, 1500000000, -19, -128, 127, false};
    for (auto _ : state) {
      ref::Add(p, d, a.data(), d, b.data(), d, out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, FlatSize(d));
  });
  benchmark::RegisterBenchmark(("mul/ref/" + Shape(h, w, c)).c_str(), [=](benchmark::State& state) {
    const auto a = Data(FlatSize(d), 9), b = Data(FlatSize(d), 10);
    std::vector<int8_t> out(static_cast<size_t>(FlatSize(d)));
    MulParams p{-2, 7, 1, 1600000000, -7, -128, 127};
    for (auto _ : state) {
      ref::Mul(p, d, a.data(), d, b.data(), d, out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, FlatSize(d));
  });
}

void RegisterPool(const char* kind, int32_t h, int32_t w, int32_t c, int32_t k, int32_t stride,
                  int32_t pad) {
  const bool avg = std::string(kind) == "avgpool";
  const int32_t oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
  const std::string name = std::string(kind) + "/ref/" + Shape(h, w, c) + "_" +
                           (k == h && k == w ? std::string("global")
                                             : std::to_string(k) + "x" + std::to_string(k) + "s" +
                                                   std::to_string(stride));
  benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    const Dims4 in_d{1, h, w, c}, out_d{1, oh, ow, c};
    const auto in = Data(FlatSize(in_d), 11);
    std::vector<int8_t> out(static_cast<size_t>(FlatSize(out_d)));
    const PoolParams p{k, k, stride, stride, pad, pad, -128, 127};
    for (auto _ : state) {
      if (avg) {
        ref::AvgPool2D(p, in_d, in.data(), out_d, out.data());
      } else {
        ref::MaxPool2D(p, in_d, in.data(), out_d, out.data());
      }
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, FlatSize(out_d) * k * k);
  });
}

void RegisterMean(int32_t h, int32_t w, int32_t c) {
  benchmark::RegisterBenchmark(("mean/ref/" + Shape(h, w, c)).c_str(),
                               [=](benchmark::State& state) {
                                 const Dims4 in_d{1, h, w, c};
                                 const auto in = Data(FlatSize(in_d), 12);
                                 std::vector<int8_t> out(static_cast<size_t>(c));
                                 const MeanParams p{-128, -128, 1402438301, -5, -128, 127, MeanRounding::kFolded};
                                 for (auto _ : state) {
                                   ref::MeanHW(p, in_d, in.data(), out.data());
                                   benchmark::DoNotOptimize(out.data());
                                   benchmark::ClobberMemory();
                                 }
                                 SetOps(state, FlatSize(in_d));
                               });
}

void RegisterSoftmax(int32_t rows, int32_t depth) {
  benchmark::RegisterBenchmark(
      ("softmax/ref/" + std::to_string(rows) + "x" + std::to_string(depth)).c_str(),
      [=](benchmark::State& state) {
        const auto in = Data(int64_t{rows} * depth, 13);
        std::vector<int8_t> out(in.size());
        const SoftmaxParams p{1717986918, 23, -248};
        for (auto _ : state) {
          ref::Softmax(p, rows, depth, in.data(), out.data());
          benchmark::DoNotOptimize(out.data());
          benchmark::ClobberMemory();
        }
        SetOps(state, int64_t{rows} * depth);
      });
}

void RegisterDataMovement(int32_t h, int32_t w, int32_t c) {
  const Dims4 d{1, h, w, c};
  const std::string shape = Shape(h, w, c);
  benchmark::RegisterBenchmark(("lookup/ref/" + shape).c_str(), [=](benchmark::State& state) {
    const auto in = Data(FlatSize(d), 14), table = Data(256, 15);
    std::vector<int8_t> out(in.size());
    for (auto _ : state) {
      ref::LookupTable(table.data(), static_cast<int32_t>(in.size()), in.data(), out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, FlatSize(d));
  });
  benchmark::RegisterBenchmark(("requantize/ref/" + shape).c_str(), [=](benchmark::State& state) {
    const auto in = Data(FlatSize(d), 16);
    std::vector<int8_t> out(in.size());
    const RequantizeParams p{3, -20, 1300000000, 0};
    for (auto _ : state) {
      ref::Requantize(p, static_cast<int32_t>(in.size()), in.data(), out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, FlatSize(d));
  });
  benchmark::RegisterBenchmark(("concat/ref/" + shape + "_c2").c_str(),
                               [=](benchmark::State& state) {
    const auto a = Data(FlatSize(d), 17), b = Data(FlatSize(d), 18);
    const Dims4 dims[2] = {d, d};
    const int8_t* inputs[2] = {a.data(), b.data()};
    const RequantizeParams params[2] = {{0, 0, 0, 0}, {3, -20, 1300000000, 0}};
    const Dims4 out_d{1, h, w, 2 * c};
    std::vector<int8_t> out(static_cast<size_t>(FlatSize(out_d)));
    for (auto _ : state) {
      ref::Concatenation(3, 2, dims, inputs, params, out_d, out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, FlatSize(out_d));
  });
  benchmark::RegisterBenchmark(("pad/ref/" + shape + "_hw1").c_str(), [=](benchmark::State& state) {
    const auto in = Data(FlatSize(d), 19);
    const int32_t pads[8] = {0, 0, 1, 1, 1, 1, 0, 0};
    const Dims4 out_d{1, h + 2, w + 2, c};
    std::vector<int8_t> out(static_cast<size_t>(FlatSize(out_d)));
    for (auto _ : state) {
      ref::Pad(pads, -128, d, in.data(), out_d, out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, FlatSize(out_d));
  });
  benchmark::RegisterBenchmark(("transpose/ref/" + shape + "_0312").c_str(),
                               [=](benchmark::State& state) {
    const auto in = Data(FlatSize(d), 20);
    const int32_t perm[4] = {0, 3, 1, 2};  // NHWC -> NCHW
    const Dims4 out_d{1, c, h, w};
    std::vector<int8_t> out(in.size());
    for (auto _ : state) {
      ref::Transpose(perm, d, in.data(), out_d, out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, FlatSize(d));
  });
}

void RegisterAll() {
  // MobileNetV2: stem, expansion 1x1, depthwise, projection, head; ResNet: 3x3 stages.
  RegisterConv(224, 224, 3, 3, 32, 2);
  RegisterConv(56, 56, 24, 1, 144, 1);
  RegisterConv(56, 56, 144, 1, 24, 1);
  RegisterConv(7, 7, 320, 1, 1280, 1);
  RegisterConv(56, 56, 64, 3, 64, 1);
  RegisterConv(14, 14, 256, 3, 256, 1);
  RegisterDepthwise(112, 112, 32, 1);
  RegisterDepthwise(56, 56, 144, 2);
  RegisterDepthwise(14, 14, 576, 1);
  RegisterFullyConnected(1, 1280, 1000);
  RegisterFullyConnected(1, 2048, 1000);
  RegisterAddMul(56, 56, 24);
  RegisterAddMul(14, 14, 96);
  RegisterPool("avgpool", 7, 7, 1280, 7, 1, 0);
  RegisterPool("maxpool", 112, 112, 64, 3, 2, 1);
  RegisterMean(7, 7, 1280);
  RegisterSoftmax(1, 1000);
  RegisterDataMovement(56, 56, 24);
}

}  // namespace
}  // namespace kernels
}  // namespace qinfer

int main(int argc, char** argv) {
  qinfer::kernels::RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
