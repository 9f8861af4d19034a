// Random-shape checks of an optimized kernel against the reference, byte for byte: shapes,
// strides, dilations, padding, groups, zero points (including -128 and 127), per-tensor and
// per-channel requantization with edge multipliers and shifts, fused activations and null
// biases are drawn from a seeded generator. Each check stops at the first differing case with
// a gtest failure naming its parameters.
#ifndef QINFER_TESTS_SUPPORT_KERNEL_CASES_H_
#define QINFER_TESTS_SUPPORT_KERNEL_CASES_H_

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace testing_support {

// Seeded generator biased toward the edges kernels get wrong: extreme bytes, zero points
// -128 / 0 / 127, INT32_MIN / INT32_MAX / 2^30 multipliers, every shift.
struct Rng {
  std::mt19937 g;
  explicit Rng(uint32_t seed) : g(seed) {}
  int32_t Uniform(int32_t lo, int32_t hi) {  // inclusive
    return std::uniform_int_distribution<int32_t>(lo, hi)(g);
  }
  bool Chance(int32_t percent) { return Uniform(0, 99) < percent; }
  std::vector<int8_t> Bytes(int64_t n) {
    std::vector<int8_t> v(static_cast<size_t>(n));
    const int mode = Uniform(0, 9);
    for (auto& e : v) {
      if (mode == 0) e = Chance(50) ? -128 : 127;  // extremes: large accumulators
      else e = static_cast<int8_t>(Uniform(-128, 127));
    }
    return v;
  }
  int32_t ZeroPoint() {
    const int r = Uniform(0, 9);
    if (r == 0) return -128;
    if (r == 1) return 127;
    if (r == 2) return 0;
    return Uniform(-128, 127);
  }
  int32_t Multiplier() {
    const int r = Uniform(0, 19);
    if (r == 0) return INT32_MIN;
    if (r == 1) return INT32_MAX;
    if (r == 2) return 0;
    if (r == 3) return 1 << 30;
    if (r == 4) return Uniform(INT32_MIN, -1);
    return Uniform(1 << 30, INT32_MAX);
  }
  int32_t Shift() {
    const int r = Uniform(0, 9);
    if (r == 0) return Uniform(-31, 31);
    if (r == 1) return Uniform(0, 4);
    return Uniform(-20, -1);
  }
};

// Fused activation bounds: the full int8 range, or a random sub-range 30% of the time.
void Activation(Rng& rng, int32_t* lo, int32_t* hi);

// The kernel under test, or a wrapper that re-lays the weights out first (packed kernels).
using FullyConnectedFn = std::function<void(const FullyConnectedParams&, int32_t, int32_t, int32_t,
                                            const int8_t*, const int8_t*, const int32_t*, int8_t*)>;
using ConvFn = std::function<void(const ConvParams&, const Dims4&, const int8_t*, const Dims4&,
                                  const int8_t*, const int32_t*, const Dims4&, int8_t*)>;

void CheckFullyConnectedRandom(uint32_t seed, int cases, FullyConnectedFn fn);
void CheckConv2DRandom(uint32_t seed, int cases, ConvFn fn);
void CheckDepthwiseConv2DRandom(uint32_t seed, int cases, ConvFn fn);  // multiplier 1..3
// Every shift in [-31, 31] against edge multipliers and accumulators (ties at each power of
// two, INT32_MIN / INT32_MAX), through fully connected with zero weights.
void CheckRequantizationEdges(FullyConnectedFn fn);

}  // namespace testing_support
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_TESTS_SUPPORT_KERNEL_CASES_H_
