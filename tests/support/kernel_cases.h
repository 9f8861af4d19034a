// Random-shape checks of an optimized kernel against the reference, byte for byte: shapes,
// strides, dilations, padding, groups, zero points (including -128 and 127), per-tensor and
// per-channel requantization with edge multipliers and shifts, fused activations and null
// biases are drawn from a seeded generator. Each check stops at the first differing case with
// a gtest failure naming its parameters.
#ifndef QINFER_TESTS_SUPPORT_KERNEL_CASES_H_
#define QINFER_TESTS_SUPPORT_KERNEL_CASES_H_

#include <cstdint>
#include <functional>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace testing_support {

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
