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

using AddFn = std::function<void(const AddParams&, const Dims4&, const int8_t*, const Dims4&,
                                 const int8_t*, const Dims4&, int8_t*)>;
using PoolFn = std::function<void(const PoolParams&, const Dims4&, const int8_t*, const Dims4&,
                                  int8_t*)>;
using MeanFn = std::function<void(const MeanParams&, const Dims4&, const int8_t*, int8_t*)>;
// An ISA-specific entry point that declines what it cannot run (returns false).
using AddMaybeFn = std::function<bool(const AddParams&, const Dims4&, const int8_t*,
                                      const Dims4&, const int8_t*, const Dims4&, int8_t*)>;

void CheckFullyConnectedRandom(uint32_t seed, int cases, FullyConnectedFn fn);
// batches == 1 only: K around multiples of 16, N of 1..5 and up to 70, until `cases` of
// them have K >= 16, with tiny K (1..15) in between.
void CheckFullyConnectedSingleRowRandom(uint32_t seed, int cases, FullyConnectedFn fn);
// batches == 1 with long rows: in a multiple of 4 in [704, 1400] 75% of the time, else
// 1..1400; out 1..150. Runs until `cases` have in % 4 == 0 and in >= 704; returns that count.
int CheckFullyConnectedLongRowRandom(uint32_t seed, int cases, FullyConnectedFn fn);
// batches == 1, activations drawn inside a window of the input zero point: x - zi in
// [0, 255], in [-128, 127], or the whole int8 range, sometimes with one element just
// outside. Runs until each of the three ranges the single-row kernel tells apart
// (unsigned, signed, wider) has `cases` cases.
struct RowWindowCounts {
  int cases = 0, unsigned_range = 0, signed_range = 0, wider = 0;
};
RowWindowCounts CheckFullyConnectedRowWindowsRandom(uint32_t seed, int cases, FullyConnectedFn fn);
// Small fully connected ops (batches 1..40, in 1..700, out 1..16 half the time, else
// 17..200; weights zero point half the time), and a third of them with batches * in over
// 32 KB (30..40 x 1100..1400 x 1..40), until each of out <= 16, out > 16, zw != 0, zw == 0
// and over 32 KB has `cases` cases.
struct FcSmallCounts {
  int cases = 0, one_vector = 0, wider = 0, with_zw = 0, without_zw = 0, over_32k = 0,
      per_tensor = 0;
};
FcSmallCounts CheckFullyConnectedSmallRandom(uint32_t seed, int cases, FullyConnectedFn fn);
void CheckConv2DRandom(uint32_t seed, int cases, ConvFn fn);
void CheckConv2DSmallKRandom(uint32_t seed, int cases, ConvFn fn);  // receptive field <= ~100 B
// 1x1 stride-1 unpadded convs (dilation sometimes 2, which changes nothing there): K up
// to 1200, N up to 130, 1..288 pixels in 1 or 2 batches.
void CheckPointwiseConv2DRandom(uint32_t seed, int cases, ConvFn fn);
// The same, drawn so each of 12 kinds gets cases_per_kind cases: the last channel block of
// 1, 2, 3 or 4 16-lane vectors (after 0 or 1 blocks of 64), times a pixel count that is a
// multiple of the tile height (8 rows for 1-2 vectors, 6 for 3-4), or leaves at most half a
// tile, or more. K up to 1152 (mostly up to 48), 12 to 31 pixels.
void CheckPointwiseTilesRandom(uint32_t seed, int cases_per_kind, ConvFn fn);
void CheckDepthwiseConv2DRandom(uint32_t seed, int cases, ConvFn fn);  // multiplier 1..3
// 3x3, dilation 1, equal strides 1 or 2, multiplier 1, padding 0..2 on each side.
void CheckDepthwise3x3Random(uint32_t seed, int cases, ConvFn fn);
// Output and input dims of a broadcasting binary op: rows of 1..300 channels; N, H, W of an
// input sometimes 1, and in 10% of cases C too.
struct BinaryDims {
  Dims4 out, in1, in2;
};
BinaryDims DrawBinaryDims(Rng& rng);

// What CheckAddRandom draws and runs beyond its defaults.
struct AddOptions {
  // Draws left_shift and the three multipliers and shifts; empty: as a converter sets them
  // (input scales at most twice the output's).
  std::function<void(Rng&, AddParams*)> rescalings;
  // Also run on every case and checked whenever it takes one.
  AddMaybeFn declining;
};
struct AddCounts {
  int cases = 0;  // all cases checked
  int taken = 0;  // cases AddOptions::declining took
};
// Add / sub on DrawBinaryDims shapes, in place 20% of the time: `cases` of them with the
// channel dim not broadcast, plus some with it broadcast in between.
AddCounts CheckAddRandom(uint32_t seed, int cases, AddFn fn,
                         const AddOptions& options = AddOptions());
// Max or average pooling, padded windows up to 17x17 (beyond the 256 elements an int16 sum
// holds): `cases` of them with >= 16 channels, plus narrower ones in between.
void CheckPoolRandom(uint32_t seed, int cases, bool max, PoolFn fn);
// Average pooling's division at its limits: windows of 1..289 elements (17x17, past the 256
// an int16 sum holds) of extreme values, every clipped window count, sums at rounding ties.
void CheckAvgPoolDivisionEdges(PoolFn fn, int32_t channels = 24);
// Mean over H, W in all three rounding modes, up to 40x40 pixels (beyond one 256-pixel int16
// run): `cases` of them with >= 16 channels, plus narrower ones in between.
void CheckMeanRandom(uint32_t seed, int cases, MeanFn fn);

// Every shift in [-31, 31] against edge multipliers and accumulators (ties at each power of
// two, INT32_MIN / INT32_MAX), through fully connected with zero weights (one input row of
// in_features bytes).
void CheckRequantizationEdges(FullyConnectedFn fn, int32_t in_features = 3);

}  // namespace testing_support
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_TESTS_SUPPORT_KERNEL_CASES_H_
