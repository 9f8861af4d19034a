// qinfer's x86 kernels and the peers (bench/x86/peer_*.cc, when CMake found them) on the
// same shapes and inputs, one thread, in one process; bench/x86/compare.py prints the table.
// Names: <op>/<impl>/<shape> (bench/x86/common.h). qinfer impls: "qinfer" (the path cpuid
// picks), "qinfer_<isa>" for each lower path the CPU supports, and "ref" (portable
// reference); on AVX-512 VNNI CPUs gemm rows add "qinfer-packed" (weights packed and bias
// folded before timing, as for a model converted with --target x86-avx512vnni).
// GEMM M x K x N runs as fully connected with batches = M, in = K, out = N. Every
// qinfer path's output is checked against ref once before timing (a mismatch is an error).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "bench/x86/common.h"
#include "bench/x86/packed.h"
#include "kernels/reference.h"
#include "kernels/x86/dispatch.h"

namespace qinfer {
namespace bench {
namespace {

using kernels::Dims4;
using kernels::x86::Isa;
namespace ref = kernels::ref;
namespace x86 = kernels::x86;

struct Impl {
  std::string name;
  Isa isa;
};

std::vector<Impl> Impls() {
  const Isa best = x86::DetectedIsa();
  std::vector<Impl> v = {{"qinfer", best}};
  for (Isa isa : {Isa::kAvx2, Isa::kSse41}) {
    if (isa < best) v.push_back({std::string("qinfer_") + x86::IsaName(isa), isa});
  }
  v.push_back({"ref", Isa::kRef});
  return v;
}

// Times run(out) under impl's ISA after checking its output against reference(want).
void TimeChecked(benchmark::State& state, Isa isa, size_t out_bytes,
                 const std::function<void(int8_t*)>& reference,
                 const std::function<void(int8_t*)>& run, int64_t ops) {
  std::vector<int8_t> out(out_bytes), want(out_bytes);
  x86::SetIsa(isa);
  reference(want.data());
  run(out.data());
  if (std::memcmp(out.data(), want.data(), out_bytes) != 0) {
    x86::SetIsa(x86::DetectedIsa());
    state.SkipWithError("output differs from ref");
    return;
  }
  for (auto _ : state) {
    run(out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  x86::SetIsa(x86::DetectedIsa());
  SetOps(state, ops);
}

// op "gemm" or "fc" (common.h): the same kernels, activations of input zero point zi.
void RegisterGemm(const GemmShape& s, const std::string& op, int32_t zi) {
  for (const Impl& impl : Impls()) {
    Register(op + "/" + impl.name + "/" + Name(s), [s, impl, zi](benchmark::State& state) {
      const auto x = Data(int64_t{s.m} * s.k, kInputSeed), w = Data(int64_t{s.k} * s.n, kWeightSeed);
      const std::vector<int32_t> bias(static_cast<size_t>(s.n), kBias);
      const Requants rq(s.n);
      const kernels::FullyConnectedParams p{zi, 0, 5, -128, 127, rq.view()};
      TimeChecked(
          state, impl.isa, static_cast<size_t>(s.m) * s.n,
          [&](int8_t* o) { ref::FullyConnected(p, s.m, s.k, s.n, x.data(), w.data(), bias.data(), o); },
          [&](int8_t* o) { x86::FullyConnected(p, s.m, s.k, s.n, x.data(), w.data(), bias.data(), o); },
          2 * int64_t{s.m} * s.k * s.n);
    });
  }
  if (x86::DetectedIsa() < Isa::kAvx512Vnni) return;
  Register(op + "/qinfer-packed/" + Name(s), [s, zi](benchmark::State& state) {
    const auto x = Data(int64_t{s.m} * s.k, kInputSeed), w = Data(int64_t{s.k} * s.n, kWeightSeed);
    const std::vector<int32_t> bias(static_cast<size_t>(s.n), kBias);
    const Requants rq(s.n);
    const kernels::FullyConnectedParams p{zi, 0, 5, -128, 127, rq.view()};
    const PackedWeights pk(x86::PackedShape{1, s.n, 1, s.k}, w, bias.data(), p.input_zero_point);
    TimeChecked(
        state, Isa::kAvx512Vnni, static_cast<size_t>(s.m) * s.n,
        [&](int8_t* o) { ref::FullyConnected(p, s.m, s.k, s.n, x.data(), w.data(), bias.data(), o); },
        [&](int8_t* o) {
          x86::FullyConnectedPacked(p, s.m, s.k, s.n, x.data(), w.data(), bias.data(),
                                    pk.weights.data(), pk.folded.data(), o);
        },
        2 * int64_t{s.m} * s.k * s.n);
  });
}

void RegisterConv(const ConvShape& s) {
  for (const Impl& impl : Impls()) {
    Register(std::string(s.op) + "/" + impl.name + "/" + Name(s), [s, impl](benchmark::State& state) {
      const bool dw = s.depthwise();
      const Dims4 in_d{1, s.h, s.w, s.ic}, out_d{1, s.out_h(), s.out_w(), s.oc};
      const Dims4 w_d = dw ? Dims4{1, s.k, s.k, s.oc} : Dims4{s.oc, s.k, s.k, s.ic};
      const auto in = Data(kernels::FlatSize(in_d), kInputSeed);
      const auto wt = Data(kernels::FlatSize(w_d), kWeightSeed);
      const std::vector<int32_t> bias(static_cast<size_t>(s.oc), kBias);
      const Requants rq(s.oc);
      kernels::ConvParams p;
      p.stride_h = p.stride_w = s.stride;
      p.dilation_h = p.dilation_w = 1;
      p.pad_top = p.pad_left = s.pad();
      p.groups = 1;
      p.depth_multiplier = dw ? s.oc / s.ic : 1;
      p.input_zero_point = -3;
      p.output_zero_point = 5;
      p.act_min = -128;
      p.act_max = 127;
      p.requant = rq.view();
      auto run = [&](int8_t* o, bool reference) {
        if (dw) {
          (reference ? ref::DepthwiseConv2D : x86::DepthwiseConv2D)(p, in_d, in.data(), w_d, wt.data(),
                                                                    bias.data(), out_d, o);
        } else {
          (reference ? ref::Conv2D : x86::Conv2D)(p, in_d, in.data(), w_d, wt.data(), bias.data(),
                                                  out_d, o);
        }
      };
      TimeChecked(
          state, impl.isa, static_cast<size_t>(kernels::FlatSize(out_d)),
          [&](int8_t* o) { run(o, true); }, [&](int8_t* o) { run(o, false); }, 2 * s.macs());
    });
  }
}

// Add and mul of two same-shape tensors, scales 0.05 and 0.07 into 0.1 (as the XNNPACK rows).
void RegisterBinary(const EltShape& s, bool add) {
  for (const Impl& impl : Impls()) {
    Register(std::string(add ? "add/" : "mul/") + impl.name + "/" + Name(s), [s, impl, add](benchmark::State& state) {
      const Dims4 d{1, s.h, s.w, s.c};
      const int64_t n = kernels::FlatSize(d);
      const auto a = Data(n, kInputSeed), b = Data(n, kInput2Seed);
      // TFLite's add parameters (left shift 20); mul: 0.05 * 0.07 / 0.1 = 0.56 * 2^-4.
      const kernels::AddParams pa{-3, 4, 1, 20, 1073741824, -1, 1503238554, -1, 1073741824, -19,
                                  -128, 127, false};
      const kernels::MulParams pm{-3, 4, 1, 1202590843, -4, -128, 127};
      TimeChecked(
          state, impl.isa, static_cast<size_t>(n),
          [&](int8_t* o) {
            if (add) ref::Add(pa, d, a.data(), d, b.data(), d, o);
            else ref::Mul(pm, d, a.data(), d, b.data(), d, o);
          },
          [&](int8_t* o) {
            if (add) x86::Add(pa, d, a.data(), d, b.data(), d, o);
            else x86::Mul(pm, d, a.data(), d, b.data(), d, o);
          },
          n);
    });
  }
}

void RegisterPool(const EltShape& s, bool max) {
  for (const Impl& impl : Impls()) {
    const std::string op = max ? "maxpool/" : "avgpool/";
    Register(op + impl.name + "/" + Name(s), [s, impl, max](benchmark::State& state) {
      const Dims4 in_d{1, s.h, s.w, s.c}, out_d{1, PoolOut(s.h), PoolOut(s.w), s.c};
      const auto x = Data(kernels::FlatSize(in_d), kInputSeed);
      const kernels::PoolParams p{kPoolK, kPoolK, kPoolStride, kPoolStride, kPoolPad, kPoolPad, -128, 127};
      TimeChecked(
          state, impl.isa, static_cast<size_t>(kernels::FlatSize(out_d)),
          [&](int8_t* o) {
            (max ? ref::MaxPool2D : ref::AvgPool2D)(p, in_d, x.data(), out_d, o);
          },
          [&](int8_t* o) {
            (max ? x86::MaxPool2D : x86::AvgPool2D)(p, in_d, x.data(), out_d, o);
          },
          kernels::FlatSize(out_d) * kPoolK * kPoolK);
    });
  }
}

int RegisterAll() {
  for (const auto& s : kGemmShapes) RegisterGemm(s, "gemm", kGemmInputZeroPoint);
  for (const auto& s : kFcShapes) RegisterGemm(s, "fc", kFcInputZeroPoint);
  for (const auto& s : kConvShapes) RegisterConv(s);
  for (const auto& s : kAddShapes) {
    RegisterBinary(s, true);
    RegisterBinary(s, false);
  }
  for (const auto& s : kPoolShapes) {
    RegisterPool(s, true);
    RegisterPool(s, false);
  }
  return 1;
}

const int kRegistered = RegisterAll();

}  // namespace
}  // namespace bench
}  // namespace qinfer

BENCHMARK_MAIN();
