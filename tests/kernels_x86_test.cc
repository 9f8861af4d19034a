// The x86 kernels (kernels/x86) against the reference kernels, byte for byte, on every path
// this CPU supports: >= 1000 random shapes/params per op per path (conv, depthwise, fully
// connected, add, mul, max and average pooling, mean, lookup table, requantize, concatenation), plus requantization edge cases (INT32_MIN *
// INT32_MIN saturation, rounding ties, every shift in [-31, 31]).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kernels/reference.h"
#include "kernels/x86/dispatch.h"
#include "kernels/x86/internal.h"
#include "kernels/x86/packed_layout.h"
#include "tests/support/kernel_cases.h"

// kernels/x86 is built on x86 hosts only (cmake/x86.cmake).
#if defined(__x86_64__) || defined(__i386__)

namespace qinfer {
namespace kernels {
namespace {

using testing_support::Activation;
using testing_support::Rng;
using x86::Isa;

constexpr int kCases = 1100;

class X86Kernels : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (static_cast<int>(GetParam()) > static_cast<int>(x86::DetectedIsa())) {
      GTEST_SKIP() << "CPU lacks " << x86::IsaName(GetParam());
    }
    ASSERT_EQ(x86::SetIsa(GetParam()), GetParam());
  }
  void TearDown() override { x86::SetIsa(x86::DetectedIsa()); }
};

TEST_P(X86Kernels, FullyConnectedRandom) {
  testing_support::CheckFullyConnectedRandom(1000 + static_cast<uint32_t>(GetParam()), kCases,
                                             x86::FullyConnected);
}

// Every row as its own M = 1 call: the single-row fully connected kernels (generic and
// packed) get all kCases cases, not only the ~30% with one batch row.
TEST_P(X86Kernels, FullyConnectedSingleRowRandom) {
  testing_support::CheckFullyConnectedRandom(
      1500 + static_cast<uint32_t>(GetParam()), kCases,
      [](const FullyConnectedParams& p, int32_t batches, int32_t in, int32_t out, const int8_t* x,
         const int8_t* w, const int32_t* b, int8_t* y) {
        for (int32_t r = 0; r < batches; ++r) {
          x86::FullyConnected(p, 1, in, out, x + int64_t{r} * in, w, b, y + int64_t{r} * out);
        }
      });
}

// The single-row kernel feeds vpdpbusd x - zi directly when every activation fits a byte
// (unsigned or signed), else x + 128 with a weight-sum correction: each way, at its bounds.
TEST_P(X86Kernels, FullyConnectedSingleRowWindowsRandom) {
  const auto n = testing_support::CheckFullyConnectedRowWindowsRandom(
      1800 + static_cast<uint32_t>(GetParam()), kCases, x86::FullyConnected);
  EXPECT_GE(n.unsigned_range, kCases);
  EXPECT_GE(n.signed_range, kCases);
  EXPECT_GE(n.wider, kCases);
}

// Generic weights at every 4-byte misalignment mod 64 (and aligned), as in a model's
// 16-byte aligned buffers: the single-row kernel reads rows of K % 4 == 0, K >= 704 as
// whole lines when some row is not 64-byte aligned.
TEST_P(X86Kernels, FullyConnectedLongRowMisalignedRandom) {
  int calls = 0;
  const int n = testing_support::CheckFullyConnectedLongRowRandom(
      1700 + static_cast<uint32_t>(GetParam()), kCases,
      [&](const FullyConnectedParams& p, int32_t batches, int32_t in, int32_t out, const int8_t* x,
          const int8_t* w, const int32_t* b, int8_t* y) {
        const int32_t misalign = 4 * (calls++ % 16);
        std::vector<int8_t> storage(static_cast<size_t>(in) * out + 128, 0x5A);
        const auto base = static_cast<int32_t>(reinterpret_cast<uintptr_t>(storage.data()) % 64);
        int8_t* wm = storage.data() + (misalign - base + 64) % 64;
        std::memcpy(wm, w, static_cast<size_t>(in) * out);
        x86::FullyConnected(p, batches, in, out, x, wm, b, y);
      });
  EXPECT_GE(n, kCases);
}

TEST_P(X86Kernels, Conv2DRandom) {
  testing_support::CheckConv2DRandom(2000 + static_cast<uint32_t>(GetParam()), kCases,
                                     x86::Conv2D);
}

// Small receptive fields: on AVX-512 VNNI most take the row-buffer kernel (Conv2DSmallK),
// which must get >= 1000 of them; the rest, and other paths, run the general kernels.
TEST_P(X86Kernels, Conv2DSmallKRandom) {
  int taken = 0;
  testing_support::CheckConv2DSmallKRandom(
      2500 + static_cast<uint32_t>(GetParam()), 1800,
      [&](const ConvParams& p, const Dims4& in_d, const int8_t* x, const Dims4& w_d,
          const int8_t* w, const int32_t* b, const Dims4& out_d, int8_t* y) {
        if (GetParam() == Isa::kAvx512Vnni &&
            x86::vnni::Conv2DSmallK(p, in_d, x, w_d, w, b, out_d, y)) {
          ++taken;
          return;
        }
        x86::Conv2D(p, in_d, x, w_d, w, b, out_d, y);
      });
  if (GetParam() == Isa::kAvx512Vnni) {
    EXPECT_GE(taken, 1000);
  }
}

// About 85% of the cases reach the VNNI pointwise kernel (8 or more pixels, K <= 1152): over
// 1,100 of these 1,300.
TEST_P(X86Kernels, PointwiseConv2DRandom) {
  testing_support::CheckPointwiseConv2DRandom(2500 + static_cast<uint32_t>(GetParam()), 1300,
                                              x86::Conv2D);
}

// Every tile shape and last-tile case of the VNNI pointwise kernel, 1,000 cases each (the
// other paths run these shapes through their general kernels, covered above).
TEST(X86Pointwise, EveryTileKind) {
  if (x86::DetectedIsa() < Isa::kAvx512Vnni) GTEST_SKIP() << "CPU lacks AVX-512 VNNI";
  testing_support::CheckPointwiseTilesRandom(2700, 1000, x86::Conv2D);
}

TEST_P(X86Kernels, DepthwiseConv2DRandom) {
  testing_support::CheckDepthwiseConv2DRandom(3000 + static_cast<uint32_t>(GetParam()), kCases,
                                              x86::DepthwiseConv2D);
}

// The 3x3 kernel (AVX-512 VBMI) called directly, so every case runs it: it must take them
// all. Cases are drawn until each of its paths, told apart by the case's parameters, has run
// at least kCases times: strides 1 and 2, output row pairs and single rows, whole 32-channel
// blocks and tails of up to 16 and of 17..31 channels, requantization with and without the
// checked steps (a left shift or an INT32_MIN multiplier), per-tensor and per-channel, and
// the passes of 4 output pixels and of 1, 2, 3 at a row's end (whole blocks, no checks).
TEST(X86Depthwise3x3, RandomAgainstReference) {
  if (x86::DetectedIsa() < Isa::kAvx512Vnni || !__builtin_cpu_supports("avx512vbmi")) {
    GTEST_SKIP() << "CPU lacks AVX-512 VNNI + VBMI";
  }
  enum Path { kS1, kS2, kRowPairs, kSingleRows, kWhole, kTail16, kTail31, kChecks, kPlain,
              kPerTensor, kPerChannel, kRun4, kEnd1, kEnd2, kEnd3, kPaths };
  int reached[kPaths] = {};
  auto count = [&](const ConvParams& p, const Dims4& out_d) {
    const int32_t tail = out_d.c % 32;
    bool checks = false;
    for (int32_t i = 0; i < p.requant.count; ++i)
      checks = checks || p.requant.shift[i] > 0 || p.requant.multiplier[i] == INT32_MIN;
    ++reached[p.stride_h == 1 ? kS1 : kS2];
    if (p.stride_h == 1 && out_d.h >= 2) ++reached[kRowPairs];
    if (p.stride_h == 2 || out_d.h % 2 == 1) ++reached[kSingleRows];
    if (out_d.c >= 32) ++reached[kWhole];
    if (tail > 0) ++reached[tail <= 16 ? kTail16 : kTail31];
    ++reached[checks ? kChecks : kPlain];
    ++reached[p.requant.count == 1 ? kPerTensor : kPerChannel];
    if (!checks && out_d.w >= 4) ++reached[kRun4];
    if (!checks && out_d.c >= 32 && out_d.w % 4 != 0) ++reached[kEnd1 + out_d.w % 4 - 1];
  };
  auto least = [&] {
    int m = reached[0];
    for (int r : reached) m = r < m ? r : m;
    return m;
  };
  for (uint32_t seed = 3500; least() < kCases; ++seed) {
    ASSERT_LT(seed, 3600u) << "paths still short of " << kCases << " cases";
    testing_support::CheckDepthwise3x3Random(
        seed, 500,
        [&](const ConvParams& p, const Dims4& in_d, const int8_t* x, const Dims4& w_d,
            const int8_t* w, const int32_t* b, const Dims4& out_d, int8_t* y) {
          count(p, out_d);
          ASSERT_TRUE(x86::vnni::DepthwiseConv3x3(p, in_d, x, w_d, w, b, out_d, y));
        });
    if (HasFatalFailure()) return;
  }
  for (int r = 0; r < kPaths; ++r) RecordProperty("path" + std::to_string(r), reached[r]);
}

// What the converter stores for --target x86-avx512vnni: the weights in the packed layout
// and the folded bias (the helpers under test only lay bytes out; outputs are checked
// against the reference kernel on the generic weights).
struct Packed {
  std::vector<int8_t> storage;
  size_t offset = 0;
  std::vector<int32_t> folded;
  const int8_t* weights() const { return storage.data() + offset; }
};

// misalign: the packed weights' address mod 64 (model buffers are only 16-byte aligned).
Packed Pack(const x86::PackedShape& s, const int8_t* w, const int32_t* bias, int32_t zi,
            int32_t misalign = 0) {
  Packed p;
  p.storage.assign(static_cast<size_t>(x86::PackedWeightsBytes(s)) + 128, 0x5A);
  const auto base = static_cast<int32_t>(reinterpret_cast<uintptr_t>(p.storage.data()) % 64);
  p.offset = static_cast<size_t>((misalign - base + 64) % 64);
  x86::ForEachPackedByte(s, [&](int64_t at, int64_t src) {
    p.storage[p.offset + static_cast<size_t>(at)] = src < 0 ? 0 : w[src];
  });
  p.folded.resize(static_cast<size_t>(s.groups * s.ocg));
  for (int32_t oc = 0; oc < s.groups * s.ocg; ++oc) {
    EXPECT_TRUE(x86::FoldedBias(s, w, bias, zi, oc, &p.folded[static_cast<size_t>(oc)]));
  }
  return p;
}

// On the VNNI path the packed entry points must not touch the generic weights: they get
// unrelated bytes there, so a silent fallback would show as a mismatch.
std::vector<int8_t> GenericFor(Isa isa, std::mt19937* rng, const int8_t* w, int64_t n) {
  std::vector<int8_t> g(w, w + n);
  if (isa == Isa::kAvx512Vnni) {
    for (int8_t& v : g) v = static_cast<int8_t>((*rng)() & 0xff);
  }
  return g;
}

// Packed fully connected on random cases; with single_rows every batch row is its own M = 1
// call, so the single-row path gets all kCases cases.
void CheckPackedFullyConnected(uint32_t seed, Isa isa, bool single_rows) {
  std::mt19937 garbage(seed);
  testing_support::CheckFullyConnectedRandom(
      seed + static_cast<uint32_t>(isa), kCases,
      [&](const FullyConnectedParams& p, int32_t batches, int32_t in, int32_t out, const int8_t* x,
          const int8_t* w, const int32_t* b, int8_t* y) {
        const Packed pk = Pack(x86::PackedShape{1, out, 1, in}, w, b, p.input_zero_point);
        const auto generic = GenericFor(isa, &garbage, w, int64_t{in} * out);
        const int32_t rows = single_rows ? 1 : batches;
        for (int32_t r = 0; r < batches; r += rows) {
          x86::FullyConnectedPacked(p, rows, in, out, x + int64_t{r} * in, generic.data(), b,
                                    pk.weights(), pk.folded.data(), y + int64_t{r} * out);
        }
      });
}

TEST_P(X86Kernels, FullyConnectedPackedRandom) { CheckPackedFullyConnected(4000, GetParam(), false); }
TEST_P(X86Kernels, FullyConnectedPackedSingleRowRandom) {
  CheckPackedFullyConnected(4500, GetParam(), true);
}

// The packed fully connected row kernel itself (fc_packed_vnni.cc), so a case it declined
// could not pass through RunPacked unnoticed: batches 1..40 (every row-tile height), K and
// N mostly not multiples of 4 / 16 / 64, one-vector and wider outputs, with and without a
// weights zero point, per-tensor and per-channel requantization; weights 64-byte aligned,
// 16-byte aligned (as in a model) or at an odd address. With row_pairs every call gets one
// or two rows, the tiles that realign weights 4-byte but not 64-byte aligned.
void CheckPackedRows(uint32_t seed, bool row_pairs) {
  if (x86::DetectedIsa() < Isa::kAvx512Vnni) GTEST_SKIP() << "CPU lacks AVX-512 VNNI";
  int declined = 0, calls = 0;
  const auto n = testing_support::CheckFullyConnectedSmallRandom(
      seed, kCases,
      [&](const FullyConnectedParams& p, int32_t batches, int32_t in, int32_t out,
          const int8_t* x, const int8_t* w, const int32_t* b, int8_t* y) {
        static constexpr int32_t kMisalign[] = {0, 16, 7, 52};
        const int32_t misalign = row_pairs ? 4 * (1 + calls % 15) : kMisalign[calls % 4];
        ++calls;
        const Packed pk = Pack(x86::PackedShape{1, out, 1, in}, w, b, p.input_zero_point, misalign);
        const int32_t rows = row_pairs ? 2 : batches;
        for (int32_t r = 0; r < batches; r += rows) {
          const int32_t m = batches - r < rows ? batches - r : rows;
          declined += !x86::vnni::FullyConnectedPackedRows(p, m, in, out, x + int64_t{r} * in,
                                                           pk.weights(), pk.folded.data(),
                                                           y + int64_t{r} * out);
        }
      });
  EXPECT_EQ(declined, 0);
  EXPECT_GE(n.per_tensor, kCases);
  EXPECT_GE(n.cases - n.per_tensor, kCases);
}

// Generic weights of 8+ rows whose packed form fits 16 KB (and at most 256 outputs):
// packed per call, then the same rows path. Those cases go straight to the entry point.
TEST(X86PackedRows, FullyConnectedGenericSmallRandom) {
  if (x86::DetectedIsa() < Isa::kAvx512Vnni) GTEST_SKIP() << "CPU lacks AVX-512 VNNI";
  int small = 0, declined = 0;
  testing_support::CheckFullyConnectedSmallRandom(
      7000, kCases,
      [&](const FullyConnectedParams& p, int32_t batches, int32_t in, int32_t out,
          const int8_t* x, const int8_t* w, const int32_t* b, int8_t* y) {
        const bool fits = batches >= 8 && out <= 256 &&
                          x86::PackedWeightsBytes(x86::PackedShape{1, out, 1, in}) <= 16384;
        if (fits) {
          ++small;
          declined += !x86::vnni::FullyConnectedSmall(p, batches, in, out, x, w, b, y);
        } else {
          x86::FullyConnected(p, batches, in, out, x, w, b, y);
        }
      });
  EXPECT_EQ(declined, 0);
  EXPECT_GE(small, kCases);
}

TEST(X86PackedRows, FullyConnectedSmallRandom) { CheckPackedRows(6000, false); }
TEST(X86PackedRows, FullyConnectedRowPairsRealigned) { CheckPackedRows(6500, true); }

// Conv2DPacked on the packed layout of the case's weights, with unrelated generic weights.
testing_support::ConvFn PackedConv(Isa isa, std::mt19937* garbage) {
  return [isa, garbage](const ConvParams& p, const Dims4& in_d, const int8_t* x, const Dims4& w_d,
                        const int8_t* w, const int32_t* b, const Dims4& out_d, int8_t* y) {
    const x86::PackedShape s{p.groups, out_d.c / p.groups, w_d.h * w_d.w, w_d.c};
    const Packed pk = Pack(s, w, b, p.input_zero_point);
    const auto generic = GenericFor(isa, garbage, w, FlatSize(w_d));
    x86::Conv2DPacked(p, in_d, x, w_d, generic.data(), b, pk.weights(), pk.folded.data(),
                      out_d, y);
  };
}

TEST_P(X86Kernels, Conv2DPackedRandom) {
  std::mt19937 garbage(5000);
  testing_support::CheckConv2DRandom(5000 + static_cast<uint32_t>(GetParam()), kCases,
                                     PackedConv(GetParam(), &garbage));
}

// Over 1,100 of these reach the packed pointwise kernel (see PointwiseConv2DRandom).
TEST_P(X86Kernels, PointwiseConv2DPackedRandom) {
  std::mt19937 garbage(5500);
  testing_support::CheckPointwiseConv2DRandom(5500 + static_cast<uint32_t>(GetParam()), 1300,
                                              PackedConv(GetParam(), &garbage));
}

// The layout formula, worked by hand: G=2, OCG=70 (blocks of 64 and 16), T=2, CG=3 (CG4=4).
TEST(X86PackedLayout, SizesAndOffsetsByHand) {
  const x86::PackedShape s{2, 70, 2, 3};
  EXPECT_EQ(x86::PackedWeightsBytes(s), 2 * 2 * 4 * 80);
  EXPECT_EQ(x86::PackedBlockWidth(s, 0), 64);
  EXPECT_EQ(x86::PackedBlockWidth(s, 64), 16);
  EXPECT_EQ(x86::PackedBlockOffset(s, 0, 64), 64 * 2 * 4);
  EXPECT_EQ(x86::PackedBlockOffset(s, 1, 0), 80 * 2 * 4);
  std::vector<int64_t> src(static_cast<size_t>(x86::PackedWeightsBytes(s)), -2);
  x86::ForEachPackedByte(s, [&](int64_t at, int64_t from) { src[static_cast<size_t>(at)] = from; });
  // Group 0, channel 5, tap 1, input channel 2: block 0 (width 64), row t*1 + q0 = 1.
  EXPECT_EQ(src[static_cast<size_t>(1 * 64 * 4 + 5 * 4 + 2)], (5 * 2 + 1) * 3 + 2);
  // The 4th byte of each group of 4 is padding (CG = 3).
  EXPECT_EQ(src[3], -1);
  // Group 1, channel 66 (second block, column 2), tap 0, input channel 1.
  EXPECT_EQ(src[static_cast<size_t>(80 * 2 * 4 + 64 * 2 * 4 + 2 * 4 + 1)], ((70 + 66) * 2 + 0) * 3 + 1);
  // Channels 70..79 of the last block are padding.
  EXPECT_EQ(src[static_cast<size_t>(64 * 2 * 4 + 6 * 4)], -1);
  for (int64_t v : src) EXPECT_NE(v, -2);
}

TEST_P(X86Kernels, RequantizationEdges) {
  testing_support::CheckRequantizationEdges(x86::FullyConnected);
}

// Requantization alone on uniformly random accumulators, multipliers (any int32) and shifts
// (any in [-31, 31]), per channel: zero weights leave each accumulator at its bias. One row
// (the single-row kernels) and seven (the GEMM epilogues); 67 channels, and every third round
// 1..16 (the single-row kernel fills those lanes in vector ops). Half the accumulators are
// drawn so that the result lands near [-300, 300], where the clamp does not hide a rounding
// off by one (uniform ones mostly end far outside the int8 range).
TEST_P(X86Kernels, RequantizationRandom) {
  Rng rng(9000 + static_cast<uint32_t>(GetParam()));
  constexpr int32_t kIn = 5;
  for (int round = 0; round < 900; ++round) {
    const int32_t rows = round % 2 == 0 ? 1 : 7;
    const int32_t kOut = round % 3 == 0 ? rng.Uniform(1, 16) : 67;
    const std::vector<int8_t> w(kIn * kOut, 0);
    std::vector<int32_t> bias(kOut), mult(kOut), shift(kOut);
    for (int32_t c = 0; c < kOut; ++c) {
      bias[c] = rng.Uniform(INT32_MIN, INT32_MAX);
      mult[c] = rng.Chance(80) ? rng.Uniform(INT32_MIN, INT32_MAX) : rng.Multiplier();
      shift[c] = rng.Uniform(-31, 31);
      if (mult[c] != 0 && rng.Chance(50)) {
        // bias * mult / 2^31 * 2^shift ~ target; the int64 clamp keeps it an int32.
        const double x = rng.Uniform(-300, 300) * 2147483648.0 / mult[c] * std::ldexp(1.0, -shift[c]);
        bias[c] = static_cast<int32_t>(std::max(-2147483648.0, std::min(2147483647.0, std::round(x))));
      }
    }
    FullyConnectedParams p;
    p.input_zero_point = rng.ZeroPoint();
    p.weights_zero_point = 0;
    p.output_zero_point = rng.ZeroPoint();
    testing_support::Activation(rng, &p.act_min, &p.act_max);
    p.requant = Requant{mult.data(), shift.data(), kOut};
    const std::vector<int8_t> x = rng.Bytes(int64_t{rows} * kIn);
    std::vector<int8_t> want(static_cast<size_t>(rows * kOut)), got(want.size(), 0x55);
    ref::FullyConnected(p, rows, kIn, kOut, x.data(), w.data(), bias.data(), want.data());
    x86::FullyConnected(p, rows, kIn, kOut, x.data(), w.data(), bias.data(), got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size())) << "round " << round << " out " << kOut << " rows " << rows;
  }
}

// On the AVX-512 path the AVX-512 add kernel is also called directly on every case (it
// declines parameters outside its ranges): it must be right when it takes one, and take
// at least `min_percent` of the cases, so that the dispatch is not all that gets tested.
void CheckAdd(Isa isa, uint32_t seed, std::function<void(Rng&, AddParams*)> rescalings,
              int min_percent) {
  testing_support::AddOptions options;
  options.rescalings = std::move(rescalings);
  if (isa == Isa::kAvx512Vnni) options.declining = x86::vnni::Add;
  const testing_support::AddCounts n =
      testing_support::CheckAddRandom(seed, kCases, x86::Add, options);
  if (isa == Isa::kAvx512Vnni) {
    EXPECT_GE(n.taken * 100, n.cases * min_percent);
    std::printf("AVX-512 add kernel took %d of %d cases\n", n.taken, n.cases);
  }
}

// Input scales below the output scale's double, as a converter produces them: sums of two
// scaled inputs stay inside int32.
TEST_P(X86Kernels, AddRandom) {
  CheckAdd(GetParam(), 4000 + static_cast<uint32_t>(GetParam()), {}, 90);
}

// Extreme multipliers (0, 1, 2^30, INT32_MAX, INT32_MIN, negative) and shifts on all three
// rescalings, left shifts of the inputs included, output shifts over [-31, 31]. The scaled
// inputs stay below 2^30 so that the reference's int32 sum is defined.
TEST_P(X86Kernels, AddExtremeParams) {
  CheckAdd(GetParam(), 4500 + static_cast<uint32_t>(GetParam()), [](Rng& rng, AddParams* p) {
    p->left_shift = rng.Uniform(0, 21);
    const int32_t room = 21 - p->left_shift;
    const int32_t max_left = room < 3 ? room : 3;
    p->input1_multiplier = rng.Multiplier();
    p->input1_shift = rng.Uniform(-31, max_left);
    p->input2_multiplier = rng.Multiplier();
    p->input2_shift = rng.Uniform(-31, max_left);
    p->output_multiplier = rng.Multiplier();
    p->output_shift = rng.Chance(50) ? rng.Uniform(-31, 31) : rng.Shift();
  }, 50);
}

// Mul: random broadcast shapes and rows, extreme multipliers and every output shift in
// [-31, 31]; on the AVX-512 path the AVX-512 kernel is also called directly and must take
// most cases.
TEST_P(X86Kernels, MulRandom) {
  Rng rng(4800 + static_cast<uint32_t>(GetParam()));
  int taken = 0;
  for (int c = 0; c < kCases; ++c) {
    const testing_support::BinaryDims sh = testing_support::DrawBinaryDims(rng);
    const Dims4 &out_d = sh.out, &d1 = sh.in1, &d2 = sh.in2;
    MulParams p;
    p.input1_zero_point = rng.ZeroPoint();
    p.input2_zero_point = rng.ZeroPoint();
    p.output_zero_point = rng.ZeroPoint();
    p.output_multiplier = rng.Multiplier();
    p.output_shift = rng.Chance(50) ? rng.Uniform(-31, 31) : rng.Shift();
    Activation(rng, &p.act_min, &p.act_max);
    const auto a = rng.Bytes(FlatSize(d1));
    const auto b = rng.Bytes(FlatSize(d2));
    std::vector<int8_t> want(static_cast<size_t>(FlatSize(out_d))), got(want.size(), 0x55);
    ref::Mul(p, d1, a.data(), d2, b.data(), out_d, want.data());
    x86::Mul(p, d1, a.data(), d2, b.data(), out_d, got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
        << "case " << c << " m " << p.output_multiplier << " s " << p.output_shift;
    if (GetParam() == Isa::kAvx512Vnni) {
      std::vector<int8_t> direct(want.size(), 0x55);
      if (x86::vnni::Mul(p, d1, a.data(), d2, b.data(), out_d, direct.data())) {
        ++taken;
        ASSERT_EQ(0, std::memcmp(want.data(), direct.data(), want.size())) << "case " << c;
      }
    }
  }
  if (GetParam() == Isa::kAvx512Vnni) {
    EXPECT_GE(taken, kCases * 3 / 4);
    std::printf("AVX-512 mul kernel took %d of %d cases\n", taken, kCases);
  }
}

// The AVX-512 mean must take every case (all three rounding modes, int16 runs of 256 pixels,
// masked channel tails); other paths run the reference.
TEST_P(X86Kernels, MeanRandom) {
  int taken = 0, cases = 0;
  testing_support::CheckMeanRandom(
      8000 + static_cast<uint32_t>(GetParam()), kCases,
      [&](const MeanParams& p, const Dims4& in_d, const int8_t* x, int8_t* y) {
        ++cases;
        if (GetParam() == Isa::kAvx512Vnni && x86::vnni::MeanHW(p, in_d, x, y)) {
          ++taken;
          return;
        }
        x86::MeanHW(p, in_d, x, y);
      });
  if (GetParam() == Isa::kAvx512Vnni) {
    EXPECT_EQ(taken, cases);
  }
}

// Byte maps: on AVX-512 VBMI CPUs the table kernels must take >= 1000 cases each (lookup
// tables of any length, requantization of >= 1024 bytes, concatenations with a large
// requantized input); every result equals the reference's.
bool VbmiPath(Isa isa) {
  return isa == Isa::kAvx512Vnni && __builtin_cpu_supports("avx512vbmi");
}

RequantizeParams RandomRequantize(Rng& rng) {
  RequantizeParams p;
  p.input_zero_point = rng.ZeroPoint();
  p.output_zero_point = rng.ZeroPoint();
  p.multiplier = rng.Multiplier();
  p.shift = rng.Shift();
  return p;
}

TEST_P(X86Kernels, LookupTableRandom) {
  Rng rng(9500 + static_cast<uint32_t>(GetParam()));
  int taken = 0;
  for (int c = 0; c < kCases; ++c) {
    const std::vector<int8_t> table = rng.Bytes(256);
    const int32_t count = rng.Chance(20) ? rng.Uniform(0, 70) : rng.Uniform(1, 3000);
    const std::vector<int8_t> x = rng.Bytes(count);
    std::vector<int8_t> want(static_cast<size_t>(count)), got(want.size(), 0x55);
    ref::LookupTable(table.data(), count, x.data(), want.data());
    if (VbmiPath(GetParam()) && x86::vnni::LookupTable(table.data(), count, x.data(), got.data())) {
      ++taken;
    } else {
      x86::LookupTable(table.data(), count, x.data(), got.data());
    }
    ASSERT_EQ(want, got) << "case " << c << " count " << count;
  }
  if (VbmiPath(GetParam())) {
    EXPECT_EQ(taken, kCases);
  }
}

TEST_P(X86Kernels, RequantizeRandom) {
  Rng rng(9600 + static_cast<uint32_t>(GetParam()));
  int taken = 0;
  for (int c = 0; c < kCases; ++c) {
    const RequantizeParams p = RandomRequantize(rng);
    const int32_t count = rng.Chance(10) ? rng.Uniform(1, 1100) : rng.Uniform(1024, 5000);
    const std::vector<int8_t> x = rng.Bytes(count);
    std::vector<int8_t> want(static_cast<size_t>(count)), got(want.size(), 0x55);
    ref::Requantize(p, count, x.data(), want.data());
    if (VbmiPath(GetParam()) && x86::vnni::Requantize(p, count, x.data(), got.data())) {
      ++taken;
    } else {
      x86::Requantize(p, count, x.data(), got.data());
    }
    ASSERT_EQ(want, got) << "case " << c << " count " << count;
  }
  if (VbmiPath(GetParam())) {
    EXPECT_GE(taken, 1000);
  }
}

TEST_P(X86Kernels, ConcatenationRandom) {
  Rng rng(9700 + static_cast<uint32_t>(GetParam()));
  int taken = 0;
  const int cases = VbmiPath(GetParam()) ? 3 * kCases : kCases;  // a third are large enough
  for (int c = 0; c < cases; ++c) {
    const int32_t axis = rng.Uniform(0, 3), n = rng.Uniform(1, 4);
    Dims4 out{rng.Uniform(1, 2), rng.Uniform(1, 12), rng.Uniform(1, 12), rng.Uniform(1, 40)};
    int32_t* along = axis == 0 ? &out.n : axis == 1 ? &out.h : axis == 2 ? &out.w : &out.c;
    Dims4 dims[4];
    std::vector<std::vector<int8_t>> data(static_cast<size_t>(n));
    const int8_t* ptrs[4];
    RequantizeParams params[4];
    int32_t total = 0;
    for (int32_t i = 0; i < n; ++i) {
      dims[i] = out;
      int32_t* d = axis == 0 ? &dims[i].n : axis == 1 ? &dims[i].h : axis == 2 ? &dims[i].w : &dims[i].c;
      *d = rng.Uniform(1, 8);
      total += *d;
      data[i] = rng.Bytes(FlatSize(dims[i]));
      ptrs[i] = data[i].data();
      params[i] = RandomRequantize(rng);
      if (rng.Chance(30)) params[i].multiplier = 0;  // a plain copy
    }
    *along = total;
    std::vector<int8_t> want(static_cast<size_t>(FlatSize(out))), got(want.size(), 0x55);
    ref::Concatenation(axis, n, dims, ptrs, params, out, want.data());
    if (VbmiPath(GetParam()) &&
        x86::vnni::Concatenation(axis, n, dims, ptrs, params, out, got.data())) {
      ++taken;
    } else {
      x86::Concatenation(axis, n, dims, ptrs, params, out, got.data());
    }
    ASSERT_EQ(want, got) << "case " << c << " axis " << axis << " inputs " << n;
  }
  if (VbmiPath(GetParam())) {
    EXPECT_GE(taken, 1000);
  }
}

TEST_P(X86Kernels, MaxPoolRandom) {
  testing_support::CheckPoolRandom(5000 + static_cast<uint32_t>(GetParam()), kCases, true,
                                   x86::MaxPool2D);
}

TEST_P(X86Kernels, AvgPoolRandom) {
  testing_support::CheckPoolRandom(6000 + static_cast<uint32_t>(GetParam()), kCases, false,
                                   x86::AvgPool2D);
}

// 24 channels: a 16-lane block and its overlapping tail; 40: a 32-lane block and its tail.
TEST_P(X86Kernels, AvgPoolDivisionEdges) {
  for (int32_t channels : {24, 40}) {
    testing_support::CheckAvgPoolDivisionEdges(x86::AvgPool2D, channels);
  }
}

TEST(X86Dispatch, SetIsaClampsAndNames) {
  const Isa best = x86::DetectedIsa();
  EXPECT_EQ(x86::SetIsa(Isa::kRef), Isa::kRef);
  EXPECT_EQ(x86::ActiveIsa(), Isa::kRef);
  EXPECT_EQ(x86::SetIsa(Isa::kAvx512Vnni), best);
  Isa parsed;
  EXPECT_TRUE(x86::ParseIsa("avx2", &parsed));
  EXPECT_EQ(parsed, Isa::kAvx2);
  EXPECT_FALSE(x86::ParseIsa("neon", &parsed));
  EXPECT_STREQ(x86::IsaName(Isa::kAvx512Vnni), "avx512vnni");
  x86::SetIsa(best);
}

INSTANTIATE_TEST_SUITE_P(Paths, X86Kernels,
                         ::testing::Values(Isa::kRef, Isa::kSse41, Isa::kAvx2, Isa::kAvx512Vnni),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(x86::IsaName(info.param));
                         });

}  // namespace
}  // namespace kernels
}  // namespace qinfer

#endif  // x86
