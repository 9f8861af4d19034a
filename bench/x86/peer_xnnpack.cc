// XNNPACK (the Debian snapshot) on the shared shapes, one thread (no thread pool):
// fully connected qs8 for GEMM, convolution qs8 (per-tensor) and qc8 (per-channel, like
// qinfer's conv rows) for conv and depthwise (groups = channels), add and multiply qs8,
// max pooling s8, and the tiny ops of fixed_cost.cc (fixed/xnnpack/...).
// Operators are created outside the timed loop; only xnn_run_operator is timed.
#include <xnnpack.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/x86/common.h"

namespace qinfer {
namespace bench {
namespace {

constexpr float kInScale = 0.05f, kWScale = 0.01f;

// A plausible output scale: keeps random products of depth k mostly inside int8.
float OutScale(int64_t depth) {
  return kInScale * kWScale * 4.0f * std::sqrt(static_cast<float>(depth));
}

// Runs op until the state ends, then deletes it; reports an error if any step failed.
void Time(benchmark::State& state, xnn_status created, xnn_operator_t op, xnn_status setup,
          int64_t ops) {
  if (created != xnn_status_success || setup != xnn_status_success) {
    state.SkipWithError("XNNPACK create/setup failed");
    if (op != nullptr) xnn_delete_operator(op);
    return;
  }
  for (auto _ : state) {
    if (xnn_run_operator(op, nullptr) != xnn_status_success) {
      state.SkipWithError("xnn_run_operator failed");
      break;
    }
  }
  xnn_delete_operator(op);
  SetOps(state, ops);
}

// op "gemm" or "fc", activations of input zero point zi (common.h). fixed: a tiny-op row of
// fixed_cost.cc's table, named `fixed`, with an ns_per_op counter.
void RegisterGemm(const GemmShape& s, const std::string& op, int32_t zi,
                  const std::string& fixed = "") {
  Register(fixed.empty() ? op + "/xnnpack/" + Name(s) : fixed, [s, zi, fixed](benchmark::State& state) {
    const auto x = Data(int64_t{s.m} * s.k, kInputSeed), w = Data(int64_t{s.k} * s.n, kWeightSeed);
    const std::vector<int32_t> bias(static_cast<size_t>(s.n), kBias);
    std::vector<int8_t> out(static_cast<size_t>(s.m) * s.n);
    xnn_operator_t op = nullptr;
    const xnn_status c = xnn_create_fully_connected_nc_qs8(
        s.k, s.n, s.k, s.n, zi, kInScale, kWScale, w.data(), bias.data(), 5, OutScale(s.k), -128,
        127, 0, &op);
    const xnn_status u = c == xnn_status_success
                             ? xnn_setup_fully_connected_nc_qs8(op, s.m, x.data(), out.data(), nullptr)
                             : c;
    Time(state, c, op, u, 2 * int64_t{s.m} * s.k * s.n);
    if (!fixed.empty()) SetNsPerOp(state, 1);
  });
}

// impl "xnnpack" = qs8 (one scale), "xnnpack_qc8" = qc8 (per output channel scales).
void RegisterConv(const ConvShape& s, bool per_channel) {
  const std::string impl = per_channel ? "xnnpack_qc8" : "xnnpack";
  Register(std::string(s.op) + "/" + impl + "/" + Name(s), [s, per_channel](benchmark::State& state) {
    const bool dw = s.depthwise();
    const int64_t in_count = int64_t{s.h} * s.w * s.ic;
    const auto x = Data(in_count, kInputSeed);
    // qinfer stores depthwise weights [kh][kw][C]; XNNPACK's grouped conv wants [C][kh][kw].
    const int64_t wcount = int64_t{s.oc} * s.k * s.k * (dw ? 1 : s.ic);
    const auto wsrc = Data(wcount, kWeightSeed);
    std::vector<int8_t> w(wsrc);
    if (dw) {
      for (int32_t c = 0; c < s.oc; ++c)
        for (int32_t t = 0; t < s.k * s.k; ++t) w[static_cast<size_t>(c * s.k * s.k + t)] = wsrc[t * s.oc + c];
    }
    const std::vector<int32_t> bias(static_cast<size_t>(s.oc), kBias);
    std::vector<int8_t> out(static_cast<size_t>(int64_t{s.out_h()} * s.out_w() * s.oc));
    const uint32_t groups = dw ? s.oc : 1;
    const size_t gic = dw ? 1 : s.ic, goc = dw ? 1 : s.oc;
    const int64_t depth = int64_t{s.k} * s.k * gic;
    const uint32_t p = s.pad(), k = s.k, st = s.stride;
    xnn_operator_t op = nullptr;
    xnn_status c, u;
    if (per_channel) {
      std::vector<float> scales(static_cast<size_t>(s.oc));
      for (int32_t i = 0; i < s.oc; ++i) scales[i] = kWScale * (1.0f + 0.01f * static_cast<float>(i % 7));
      c = xnn_create_convolution2d_nhwc_qc8(p, p, p, p, k, k, st, st, 1, 1, groups, gic, goc, s.ic,
                                            s.oc, -3, kInScale, scales.data(), w.data(), bias.data(),
                                            5, OutScale(depth), -128, 127, 0, &op);
      u = c == xnn_status_success ? xnn_setup_convolution2d_nhwc_qc8(op, 1, s.h, s.w, x.data(),
                                                                     out.data(), nullptr)
                                  : c;
    } else {
      c = xnn_create_convolution2d_nhwc_qs8(p, p, p, p, k, k, st, st, 1, 1, groups, gic, goc, s.ic,
                                            s.oc, -3, kInScale, kWScale, w.data(), bias.data(), 5,
                                            OutScale(depth), -128, 127, 0, &op);
      u = c == xnn_status_success ? xnn_setup_convolution2d_nhwc_qs8(op, 1, s.h, s.w, x.data(),
                                                                     out.data(), nullptr)
                                  : c;
    }
    Time(state, c, op, u, 2 * s.macs());
  });
}

// Elementwise add or multiply (qs8) of two same-shape tensors: scales 0.05 and 0.07 into 0.1.
// `fixed` names a fixed-cost row (fixed/xnnpack/...) instead of `op`/xnnpack/shape.
template <class Create, class Setup>
void RegisterBinary(const std::string& op, const EltShape& s, Create create, Setup setup,
                    const std::string& fixed = "") {
  Register(fixed.empty() ? op + "/xnnpack/" + Name(s) : fixed,
           [s, create, setup, fixed](benchmark::State& state) {
    const int64_t n = int64_t{s.h} * s.w * s.c;
    const auto a = Data(n, kInputSeed), b = Data(n, kInput2Seed);
    std::vector<int8_t> out(static_cast<size_t>(n));
    const size_t shape[4] = {1, static_cast<size_t>(s.h), static_cast<size_t>(s.w), static_cast<size_t>(s.c)};
    xnn_operator_t op = nullptr;
    const xnn_status c = create(-3, 0.05f, 4, 0.07f, 1, 0.1f, -128, 127, 0, &op);
    const xnn_status u = c == xnn_status_success
                             ? setup(op, 4, shape, 4, shape, a.data(), b.data(), out.data(), nullptr)
                             : c;
    Time(state, c, op, u, n);
    if (!fixed.empty()) SetNsPerOp(state, 1);
  });
}

void RegisterMaxPool(const EltShape& s) {
  Register("maxpool/xnnpack/" + Name(s), [s](benchmark::State& state) {
    const auto x = Data(int64_t{s.h} * s.w * s.c, kInputSeed);
    const int64_t outs = int64_t{PoolOut(s.h)} * PoolOut(s.w) * s.c;
    std::vector<int8_t> out(static_cast<size_t>(outs));
    xnn_operator_t op = nullptr;
    const xnn_status c = xnn_create_max_pooling2d_nhwc_s8(
        kPoolPad, kPoolPad, kPoolPad, kPoolPad, kPoolK, kPoolK, kPoolStride, kPoolStride, 1, 1,
        s.c, s.c, s.c, -128, 127, 0, &op);
    const xnn_status u = c == xnn_status_success
                             ? xnn_setup_max_pooling2d_nhwc_s8(op, 1, s.h, s.w, x.data(), out.data(), nullptr)
                             : c;
    Time(state, c, op, u, outs * kPoolK * kPoolK);
  });
}

int RegisterAll() {
  if (xnn_initialize(nullptr) != xnn_status_success) return 0;
  for (const auto& s : kGemmShapes) RegisterGemm(s, "gemm", kGemmInputZeroPoint);
  for (const auto& s : kFcShapes) RegisterGemm(s, "fc", kFcInputZeroPoint);
  for (const auto& s : kConvShapes) {
    RegisterConv(s, false);
    RegisterConv(s, true);
  }
  for (const auto& s : kAddShapes) {
    RegisterBinary("add", s, xnn_create_add_nd_qs8, xnn_setup_add_nd_qs8);
    RegisterBinary("mul", s, xnn_create_multiply_nd_qs8, xnn_setup_multiply_nd_qs8);
  }
  for (const auto& s : kPoolShapes) RegisterMaxPool(s);
  RegisterGemm({1, 8, 8}, "gemm", kGemmInputZeroPoint, "fixed/xnnpack/fc_1x8x8_1op");
  RegisterBinary("add", {1, 1, 1}, xnn_create_add_nd_qs8, xnn_setup_add_nd_qs8,
                 "fixed/xnnpack/add_1_1op");
  return 1;
}

const int kRegistered = RegisterAll();

}  // namespace
}  // namespace bench
}  // namespace qinfer
