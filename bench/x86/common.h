// Shapes, inputs and counters shared by the x86 benchmark's qinfer and peer registrations,
// so every implementation runs the same shapes on the same bytes.
// Names: <op>/<impl>/<shape>; "GOPS" counts 2 ops per multiply-accumulate (gemm, conv,
// dwconv), 1 op per output element (add, mul) or per window element read (pool).
#ifndef QINFER_BENCH_X86_COMMON_H_
#define QINFER_BENCH_X86_COMMON_H_

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_data.h"

namespace qinfer {
namespace bench {

// M x K x N: activations [M][K], weights [N][K], output [M][N].
struct GemmShape {
  int32_t m, k, n;
};
// The second and third lines are MobileNetV2's 1x1 convolutions (pixels x in x out) not
// covered above: small K or small N, where requantization and set-up cost most.
inline constexpr GemmShape kGemmShapes[] = {
    {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}, {3136, 24, 144}, {784, 32, 192},
    {49, 960, 160},  {1, 1280, 1000}, {1, 250, 144},      {49, 640, 64},   {25, 64, 10},
    {12544, 16, 96}, {12544, 32, 16}, {3136, 144, 24},    {3136, 96, 24},  {196, 64, 384},
    {196, 384, 64},  {196, 96, 576},  {49, 320, 1280}};

// gemm rows draw activations with input zero point -3. fc rows: the M = 1 shapes again,
// with post-ReLU activations (zero point -128), the usual input of a classifier.
constexpr int32_t kGemmInputZeroPoint = -3, kFcInputZeroPoint = -128;
inline constexpr GemmShape kFcShapes[] = {{1, 1280, 1000}, {1, 250, 144}};

// NHWC input h x w x ic, k x k filter, "same" padding (k - 1) / 2.
struct ConvShape {
  const char* op;  // "conv" or "dwconv"
  int32_t h, w, ic, k, oc, stride;
  bool depthwise() const { return op[0] == 'd'; }
  int32_t pad() const { return (k - 1) / 2; }
  int32_t out_h() const { return (h + 2 * pad() - k) / stride + 1; }
  int32_t out_w() const { return (w + 2 * pad() - k) / stride + 1; }
  int64_t macs() const {
    return int64_t{out_h()} * out_w() * oc * k * k * (depthwise() ? 1 : ic);
  }
};
// The dwconv rows after the first: MobileNetV2's depthwise layers (3x3, pad 1), one per
// resolution and stride, so each can be measured on its own.
inline constexpr ConvShape kConvShapes[] = {
    {"conv", 56, 56, 64, 3, 64, 1},       {"conv", 224, 224, 3, 3, 32, 2},
    {"dwconv", 112, 112, 32, 3, 32, 1},   {"dwconv", 112, 112, 96, 3, 96, 2},
    {"dwconv", 56, 56, 144, 3, 144, 1},   {"dwconv", 28, 28, 192, 3, 192, 2},
    {"dwconv", 14, 14, 576, 3, 576, 1},   {"dwconv", 7, 7, 960, 3, 960, 1}};

// Elementwise add and mul of two h x w x c tensors; 3x3 stride-2 max and average pooling (pad 1).
struct EltShape {
  int32_t h, w, c;
};
inline constexpr EltShape kAddShapes[] = {{56, 56, 24}, {28, 28, 32}};
inline constexpr EltShape kPoolShapes[] = {{112, 112, 64}, {56, 56, 24}};
constexpr int32_t kPoolK = 3, kPoolStride = 2, kPoolPad = 1;

inline int32_t PoolOut(int32_t x) { return (x + 2 * kPoolPad - kPoolK) / kPoolStride + 1; }

inline std::string Name(const GemmShape& s) {
  return std::to_string(s.m) + "x" + std::to_string(s.k) + "x" + std::to_string(s.n);
}
inline std::string Name(const ConvShape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.ic) + "_" +
         std::to_string(s.k) + "x" + std::to_string(s.k) +
         (s.stride > 1 ? "s" + std::to_string(s.stride) : "") + "_" + std::to_string(s.oc);
}
inline std::string Name(const EltShape& s) {
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

// Seeds: activations 1 (second add operand 3), weights 2.
constexpr uint32_t kInputSeed = 1, kWeightSeed = 2, kInput2Seed = 3;
constexpr int32_t kBias = 1000;

// "ns_per_op": the iteration time divided by the ops one iteration runs.
inline void SetNsPerOp(benchmark::State& state, int64_t ops) {
  state.counters["ns_per_op"] = benchmark::Counter(
      static_cast<double>(ops) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

template <class Fn>
void Register(const std::string& name, Fn fn) {
  benchmark::RegisterBenchmark(name.c_str(), fn)->Unit(benchmark::kMicrosecond);
}

}  // namespace bench
}  // namespace qinfer

#endif  // QINFER_BENCH_X86_COMMON_H_
