// kernels/x86 against the reference kernels on the issue-7 shapes, side by side in one run.
// Names: <op>/<impl>/<shape>, impl in {ref, avx2, avx512vnni} (paths the CPU lacks are not
// registered); "GOPS" counts 2 ops per multiply-accumulate. GEMM M x K x N runs as fully
// connected with batches = M, in = K, out = N. Every path's output is checked against ref
// once before timing (a mismatch aborts the benchmark with an error).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/reference.h"
#include "kernels/x86/dispatch.h"

// kernels/x86 is built on x86 hosts only (cmake/x86.cmake).
#if defined(__x86_64__) || defined(__i386__)

namespace qinfer {
namespace kernels {
namespace {

using x86::Isa;

std::vector<int8_t> Data(int64_t count, uint32_t seed) {
  std::vector<int8_t> v(static_cast<size_t>(count));
  uint32_t x = seed * 2654435761u + 1;
  for (auto& e : v) {
    x = x * 1664525u + 1013904223u;
    e = static_cast<int8_t>(x >> 24);
  }
  return v;
}

void SetOps(benchmark::State& state, int64_t macs) {
  state.counters["GOPS"] = benchmark::Counter(static_cast<double>(2 * macs) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

struct Requants {
  std::vector<int32_t> multiplier, shift;
  explicit Requants(int32_t channels) {
    for (int32_t i = 0; i < channels; ++i) {
      multiplier.push_back(1200000000 + i * 1000);
      shift.push_back(-9);
    }
  }
  Requant view() const {
    return Requant{multiplier.data(), shift.data(), static_cast<int32_t>(multiplier.size())};
  }
};

std::vector<Isa> Impls() {
  std::vector<Isa> v = {Isa::kRef};
  if (x86::DetectedIsa() >= Isa::kAvx2) v.push_back(Isa::kAvx2);
  if (x86::DetectedIsa() >= Isa::kAvx512Vnni) v.push_back(Isa::kAvx512Vnni);
  return v;
}

void RegisterGemm(int32_t m, int32_t k, int32_t n) {
  const std::string shape = std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n);
  for (Isa isa : Impls()) {
    const std::string name = "gemm/" + std::string(x86::IsaName(isa)) + "/" + shape;
    benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
      const auto x = Data(int64_t{m} * k, 1), w = Data(int64_t{k} * n, 2);
      const std::vector<int32_t> bias(static_cast<size_t>(n), 1000);
      const Requants rq(n);
      FullyConnectedParams p{-3, 0, 5, -128, 127, rq.view()};
      std::vector<int8_t> out(static_cast<size_t>(m) * n), want(out.size());
      x86::SetIsa(isa);
      ref::FullyConnected(p, m, k, n, x.data(), w.data(), bias.data(), want.data());
      x86::FullyConnected(p, m, k, n, x.data(), w.data(), bias.data(), out.data());
      if (std::memcmp(out.data(), want.data(), out.size()) != 0) {
        state.SkipWithError("output differs from ref");
        return;
      }
      for (auto _ : state) {
        x86::FullyConnected(p, m, k, n, x.data(), w.data(), bias.data(), out.data());
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      }
      SetOps(state, int64_t{m} * k * n);
    });
  }
}

void RegisterConv(const char* op, int32_t h, int32_t w, int32_t ic, int32_t k, int32_t oc,
                  int32_t stride, bool depthwise) {
  const int32_t pad = (k - 1) / 2;
  const int32_t oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
  const std::string shape = std::to_string(h) + "x" + std::to_string(w) + "x" +
                            std::to_string(ic) + "_" + std::to_string(k) + "x" +
                            std::to_string(k) + (stride > 1 ? "s" + std::to_string(stride) : "") +
                            "_" + std::to_string(oc);
  for (Isa isa : Impls()) {
    const std::string name = std::string(op) + "/" + x86::IsaName(isa) + "/" + shape;
    benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
      const Dims4 in_d{1, h, w, ic}, out_d{1, oh, ow, oc};
      const Dims4 w_d = depthwise ? Dims4{1, k, k, oc} : Dims4{oc, k, k, ic};
      const auto in = Data(FlatSize(in_d), 1);
      const auto wt = Data(FlatSize(w_d), 2);
      const std::vector<int32_t> bias(static_cast<size_t>(oc), 1000);
      const Requants rq(oc);
      ConvParams p;
      p.stride_h = p.stride_w = stride;
      p.dilation_h = p.dilation_w = 1;
      p.pad_top = p.pad_left = pad;
      p.groups = 1;
      p.depth_multiplier = depthwise ? oc / ic : 1;
      p.input_zero_point = -3;
      p.output_zero_point = 5;
      p.act_min = -128;
      p.act_max = 127;
      p.requant = rq.view();
      std::vector<int8_t> out(static_cast<size_t>(FlatSize(out_d))), want(out.size());
      x86::SetIsa(isa);
      auto run = [&](int8_t* o, bool reference) {
        if (depthwise) {
          (reference ? ref::DepthwiseConv2D : x86::DepthwiseConv2D)(
              p, in_d, in.data(), w_d, wt.data(), bias.data(), out_d, o);
        } else {
          (reference ? ref::Conv2D : x86::Conv2D)(p, in_d, in.data(), w_d, wt.data(),
                                                  bias.data(), out_d, o);
        }
      };
      run(want.data(), true);
      run(out.data(), false);
      if (std::memcmp(out.data(), want.data(), out.size()) != 0) {
        state.SkipWithError("output differs from ref");
        return;
      }
      for (auto _ : state) {
        run(out.data(), false);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
      }
      const int64_t macs =
          FlatSize(out_d) * k * k * (depthwise ? 1 : ic);
      SetOps(state, macs);
    });
  }
}

int RegisterAll() {
  const int32_t gemms[][3] = {{256, 256, 256},  {512, 512, 512},   {1024, 1024, 1024},
                              {3136, 24, 144},  {784, 32, 192},    {49, 960, 160},
                              {1, 1280, 1000},  {1, 250, 144},     {49, 640, 64},
                              {25, 64, 10}};
  for (const auto& g : gemms) RegisterGemm(g[0], g[1], g[2]);
  RegisterConv("conv", 56, 56, 64, 3, 64, 1, false);
  RegisterConv("conv", 224, 224, 3, 3, 32, 2, false);
  RegisterConv("dwconv", 112, 112, 32, 3, 32, 1, true);
  return 0;
}

const int kRegistered = RegisterAll();

}  // namespace
}  // namespace kernels
}  // namespace qinfer

#endif  // x86

BENCHMARK_MAIN();
