// Pre-packed weights (model target x86-avx512vnni) against the same VNNI kernels on generic
// weights, side by side in one run. Names: <op>/qinfer-packed/<shape> (Conv2DPacked /
// FullyConnectedPacked on weights packed and bias folded once, before timing, as the
// converter does) and <op>/qinfer/<shape> (Conv2D / FullyConnected, which pack and sum
// weights per call). "GOPS" counts 2 ops per multiply-accumulate; GEMM M x K x N runs as
// fully connected with batches = M. Both outputs are checked against the reference kernel
// once before timing. Registered only on CPUs with AVX-512 VNNI.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_data.h"
#include "bench/x86/packed.h"
#include "kernels/reference.h"
#include "kernels/x86/dispatch.h"
#include "kernels/x86/packed_layout.h"

// kernels/x86 is built on x86 hosts only (cmake/x86.cmake).
#if defined(__x86_64__) || defined(__i386__)

namespace qinfer {
namespace kernels {
namespace {

using bench::Data;
using bench::Requants;
using bench::SetOps;

using Packed = bench::PackedWeights;

// Times `run` after checking its output against `want`.
template <class Run>
void Time(benchmark::State& state, const std::vector<int8_t>& want, int64_t macs, Run run) {
  std::vector<int8_t> out(want.size());
  run(out.data());
  if (std::memcmp(out.data(), want.data(), out.size()) != 0) {
    state.SkipWithError("output differs from ref");
    return;
  }
  for (auto _ : state) {
    run(out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["GOPS"] = benchmark::Counter(static_cast<double>(2 * macs) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

void RegisterGemm(const char* op, int32_t m, int32_t k, int32_t n) {
  const std::string shape = std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n);
  for (bool packed : {true, false}) {
    const std::string name = std::string(op) + (packed ? "/qinfer-packed/" : "/qinfer/") + shape;
    benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
      const auto x = Data(int64_t{m} * k, 1), w = Data(int64_t{k} * n, 2);
      const std::vector<int32_t> bias(static_cast<size_t>(n), 1000);
      const Requants rq(n);
      const FullyConnectedParams p{-3, 0, 5, -128, 127, rq.view()};
      std::vector<int8_t> want(static_cast<size_t>(m) * n);
      ref::FullyConnected(p, m, k, n, x.data(), w.data(), bias.data(), want.data());
      const Packed pk(x86::PackedShape{1, n, 1, k}, w, bias.data(), p.input_zero_point);
      x86::SetIsa(x86::Isa::kAvx512Vnni);
      Time(state, want, int64_t{m} * k * n, [&](int8_t* out) {
        if (packed) {
          x86::FullyConnectedPacked(p, m, k, n, x.data(), w.data(), bias.data(),
                                    pk.weights.data(), pk.folded.data(), out);
        } else {
          x86::FullyConnected(p, m, k, n, x.data(), w.data(), bias.data(), out);
        }
      });
    });
  }
}

void RegisterConv(int32_t h, int32_t w, int32_t ic, int32_t k, int32_t oc) {
  const int32_t pad = (k - 1) / 2;
  const std::string shape = std::to_string(h) + "x" + std::to_string(w) + "x" +
                            std::to_string(ic) + "_" + std::to_string(k) + "x" +
                            std::to_string(k) + "_" + std::to_string(oc);
  for (bool packed : {true, false}) {
    const std::string name = std::string("conv") + (packed ? "/qinfer-packed/" : "/qinfer/") + shape;
    benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
      const Dims4 in_d{1, h, w, ic}, out_d{1, h, w, oc}, w_d{oc, k, k, ic};
      const auto in = Data(FlatSize(in_d), 1);
      const auto wt = Data(FlatSize(w_d), 2);
      const std::vector<int32_t> bias(static_cast<size_t>(oc), 1000);
      const Requants rq(oc);
      ConvParams p;
      p.stride_h = p.stride_w = 1;
      p.dilation_h = p.dilation_w = 1;
      p.pad_top = p.pad_left = pad;
      p.groups = 1;
      p.depth_multiplier = 1;
      p.input_zero_point = -3;
      p.output_zero_point = 5;
      p.act_min = -128;
      p.act_max = 127;
      p.requant = rq.view();
      std::vector<int8_t> want(static_cast<size_t>(FlatSize(out_d)));
      ref::Conv2D(p, in_d, in.data(), w_d, wt.data(), bias.data(), out_d, want.data());
      const Packed pk(x86::PackedShape{1, oc, k * k, ic}, wt, bias.data(), p.input_zero_point);
      x86::SetIsa(x86::Isa::kAvx512Vnni);
      Time(state, want, FlatSize(out_d) * k * k * ic, [&](int8_t* out) {
        if (packed) {
          x86::Conv2DPacked(p, in_d, in.data(), w_d, wt.data(), bias.data(), pk.weights.data(),
                            pk.folded.data(), out_d, out);
        } else {
          x86::Conv2D(p, in_d, in.data(), w_d, wt.data(), bias.data(), out_d, out);
        }
      });
    });
  }
}

int RegisterAll() {
  if (x86::DetectedIsa() < x86::Isa::kAvx512Vnni) return 0;
  RegisterGemm("gemm", 512, 512, 512);
  RegisterGemm("gemm", 1024, 1024, 1024);
  RegisterConv(56, 56, 64, 3, 64);
  RegisterGemm("fc", 1, 1280, 1000);
  return 0;
}

const int kRegistered = RegisterAll();

}  // namespace
}  // namespace kernels
}  // namespace qinfer

#endif  // x86

BENCHMARK_MAIN();
