// The x86 kernels (kernels/x86) against the reference kernels, byte for byte, on every path
// this CPU supports: >= 1000 random shapes/params per op per path, plus requantization edge
// cases (INT32_MIN * INT32_MIN saturation, rounding ties, every shift in [-31, 31]).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/reference.h"
#include "kernels/x86/dispatch.h"
#include "kernels/x86/packed_layout.h"

// kernels/x86 is built on x86 hosts only (cmake/x86.cmake).
#if defined(__x86_64__) || defined(__i386__)

namespace qinfer {
namespace kernels {
namespace {

using x86::Isa;

constexpr int kCases = 1100;

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

struct RequantData {
  std::vector<int32_t> mult, shift;
  Requant view() const {
    return Requant{mult.data(), shift.data(), static_cast<int32_t>(mult.size())};
  }
};

RequantData MakeRequant(Rng& rng, int32_t channels) {
  RequantData r;
  const int32_t n = rng.Chance(50) ? 1 : channels;
  for (int32_t i = 0; i < n; ++i) {
    r.mult.push_back(rng.Multiplier());
    r.shift.push_back(rng.Shift());
  }
  return r;
}

void Activation(Rng& rng, int32_t* lo, int32_t* hi) {
  *lo = -128, *hi = 127;
  if (rng.Chance(30)) {
    *lo = rng.Uniform(-128, 127);
    *hi = rng.Uniform(*lo, 127);
  }
}

std::vector<int32_t> Bias(Rng& rng, int32_t n, bool* null) {
  *null = rng.Chance(15);
  std::vector<int32_t> b(static_cast<size_t>(n));
  for (auto& e : b) {
    const int r = rng.Uniform(0, 19);
    e = r == 0 ? INT32_MIN / 2 : r == 1 ? INT32_MAX / 2 : rng.Uniform(-100000, 100000);
  }
  return b;
}

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

// One random fully connected case (the broadcast path needs >= 32 rows).
struct FcCase {
  int32_t batches, in, out;
  FullyConnectedParams p;
  RequantData rq;
  std::vector<int8_t> x, w;
  std::vector<int32_t> bias;
  bool null_bias;
  const int32_t* b() const { return null_bias ? nullptr : bias.data(); }

  FcCase(Rng& rng, int32_t max_in, int32_t max_out) {
    batches = rng.Chance(30) ? 1 : rng.Chance(20) ? rng.Uniform(30, 50) : rng.Uniform(1, 9);
    in = rng.Chance(20) ? rng.Uniform(1, max_in) : rng.Uniform(1, 200);
    out = rng.Chance(30) ? rng.Uniform(60, max_out) : rng.Uniform(1, 70);
    p.input_zero_point = rng.ZeroPoint();
    p.weights_zero_point = rng.Chance(25) ? rng.ZeroPoint() : 0;
    p.output_zero_point = rng.ZeroPoint();
    Activation(rng, &p.act_min, &p.act_max);
    rq = MakeRequant(rng, out);
    p.requant = rq.view();
    x = rng.Bytes(int64_t{batches} * in);
    w = rng.Bytes(int64_t{in} * out);
    bias = Bias(rng, out, &null_bias);
  }
  std::string Describe(int c) const {
    return "case " + std::to_string(c) + " batches " + std::to_string(batches) + " in " +
           std::to_string(in) + " out " + std::to_string(out) + " zi " +
           std::to_string(p.input_zero_point) + " zw " + std::to_string(p.weights_zero_point);
  }
};

TEST_P(X86Kernels, FullyConnectedRandom) {
  Rng rng(1000 + static_cast<uint32_t>(GetParam()));
  for (int c = 0; c < kCases; ++c) {
    const FcCase t(rng, 700, 140);
    std::vector<int8_t> want(static_cast<size_t>(t.batches * t.out)), got(want.size(), 0x55);
    ref::FullyConnected(t.p, t.batches, t.in, t.out, t.x.data(), t.w.data(), t.b(), want.data());
    x86::FullyConnected(t.p, t.batches, t.in, t.out, t.x.data(), t.w.data(), t.b(), got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size())) << t.Describe(c);
  }
}

// One random conv case; `valid` is false when the filter does not fit the padded input.
struct ConvCase {
  ConvParams p;
  Dims4 in_d, w_d, out_d;
  int32_t ocg;
  RequantData rq;
  std::vector<int8_t> x, w;
  std::vector<int32_t> bias;
  bool null_bias = false, valid = false;
  const int32_t* b() const { return null_bias ? nullptr : bias.data(); }

  ConvCase(Rng& rng, int32_t max_ocg) {
    const int32_t kh = rng.Uniform(1, 5), kw = rng.Uniform(1, 5);
    p.stride_h = rng.Uniform(1, 3), p.stride_w = rng.Uniform(1, 3);
    p.dilation_h = rng.Chance(20) ? 2 : 1, p.dilation_w = rng.Chance(20) ? 2 : 1;
    p.pad_top = rng.Uniform(0, kh - 1), p.pad_left = rng.Uniform(0, kw - 1);
    const int32_t pad_bottom = rng.Uniform(0, kh - 1), pad_right = rng.Uniform(0, kw - 1);
    p.groups = rng.Chance(20) ? rng.Uniform(2, 4) : 1;
    p.depth_multiplier = 1;
    const int32_t cg = rng.Chance(15) ? rng.Uniform(60, 140) : rng.Uniform(1, 40);
    ocg = rng.Chance(20) ? rng.Uniform(50, max_ocg) : rng.Uniform(1, 20);
    in_d = Dims4{rng.Uniform(1, 2), rng.Uniform(1, 12), rng.Uniform(1, 12), cg * p.groups};
    const int32_t eh = (kh - 1) * p.dilation_h + 1, ew = (kw - 1) * p.dilation_w + 1;
    if (in_d.h + p.pad_top + pad_bottom < eh || in_d.w + p.pad_left + pad_right < ew) return;
    const int32_t oh = (in_d.h + p.pad_top + pad_bottom - eh) / p.stride_h + 1;
    const int32_t ow = (in_d.w + p.pad_left + pad_right - ew) / p.stride_w + 1;
    out_d = Dims4{in_d.n, oh, ow, ocg * p.groups};
    w_d = Dims4{out_d.c, kh, kw, cg};
    if (FlatSize(out_d) * kh * kw * cg > 400000) return;
    p.input_zero_point = rng.ZeroPoint();
    p.output_zero_point = rng.ZeroPoint();
    Activation(rng, &p.act_min, &p.act_max);
    rq = MakeRequant(rng, out_d.c);
    p.requant = rq.view();
    x = rng.Bytes(FlatSize(in_d));
    w = rng.Bytes(FlatSize(w_d));
    bias = Bias(rng, out_d.c, &null_bias);
    valid = true;
  }
  std::string Describe(int c) const {
    return "case " + std::to_string(c) + " in " + std::to_string(in_d.h) + "x" +
           std::to_string(in_d.w) + "x" + std::to_string(in_d.c) + " k " + std::to_string(w_d.h) +
           "x" + std::to_string(w_d.w) + " s " + std::to_string(p.stride_h) + "," +
           std::to_string(p.stride_w) + " d " + std::to_string(p.dilation_h) + "," +
           std::to_string(p.dilation_w) + " pad " + std::to_string(p.pad_top) + "," +
           std::to_string(p.pad_left) + " g " + std::to_string(p.groups) + " oc " +
           std::to_string(out_d.c);
  }
};

TEST_P(X86Kernels, Conv2DRandom) {
  Rng rng(2000 + static_cast<uint32_t>(GetParam()));
  int done = 0;
  while (done < kCases) {
    const ConvCase t(rng, 90);
    if (!t.valid) continue;
    std::vector<int8_t> want(static_cast<size_t>(FlatSize(t.out_d))), got(want.size(), 0x55);
    ref::Conv2D(t.p, t.in_d, t.x.data(), t.w_d, t.w.data(), t.b(), t.out_d, want.data());
    x86::Conv2D(t.p, t.in_d, t.x.data(), t.w_d, t.w.data(), t.b(), t.out_d, got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size())) << t.Describe(done);
    ++done;
  }
}

TEST_P(X86Kernels, DepthwiseConv2DRandom) {
  Rng rng(3000 + static_cast<uint32_t>(GetParam()));
  int done = 0;
  while (done < kCases) {
    const int32_t kh = rng.Uniform(1, 5), kw = rng.Uniform(1, 5);
    ConvParams p;
    p.stride_h = rng.Uniform(1, 3), p.stride_w = rng.Uniform(1, 3);
    p.dilation_h = rng.Chance(20) ? 2 : 1, p.dilation_w = rng.Chance(20) ? 2 : 1;
    p.pad_top = rng.Uniform(0, kh - 1), p.pad_left = rng.Uniform(0, kw - 1);
    const int32_t pad_bottom = rng.Uniform(0, kh - 1), pad_right = rng.Uniform(0, kw - 1);
    p.groups = 1;
    p.depth_multiplier = rng.Chance(10) ? rng.Uniform(2, 3) : 1;
    const int32_t ic = rng.Chance(20) ? rng.Uniform(60, 150) : rng.Uniform(1, 40);
    const Dims4 in_d{rng.Uniform(1, 2), rng.Uniform(1, 14), rng.Uniform(1, 14), ic};
    const int32_t eh = (kh - 1) * p.dilation_h + 1, ew = (kw - 1) * p.dilation_w + 1;
    if (in_d.h + p.pad_top + pad_bottom < eh || in_d.w + p.pad_left + pad_right < ew) continue;
    const int32_t oh = (in_d.h + p.pad_top + pad_bottom - eh) / p.stride_h + 1;
    const int32_t ow = (in_d.w + p.pad_left + pad_right - ew) / p.stride_w + 1;
    const Dims4 out_d{in_d.n, oh, ow, ic * p.depth_multiplier};
    const Dims4 w_d{1, kh, kw, out_d.c};
    p.input_zero_point = rng.ZeroPoint();
    p.output_zero_point = rng.ZeroPoint();
    Activation(rng, &p.act_min, &p.act_max);
    const RequantData rq = MakeRequant(rng, out_d.c);
    p.requant = rq.view();
    const auto x = rng.Bytes(FlatSize(in_d));
    const auto w = rng.Bytes(FlatSize(w_d));
    bool null_bias;
    const auto bias = Bias(rng, out_d.c, &null_bias);
    const int32_t* b = null_bias ? nullptr : bias.data();
    std::vector<int8_t> want(static_cast<size_t>(FlatSize(out_d))), got(want.size(), 0x55);
    ref::DepthwiseConv2D(p, in_d, x.data(), w_d, w.data(), b, out_d, want.data());
    x86::DepthwiseConv2D(p, in_d, x.data(), w_d, w.data(), b, out_d, got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
        << "case " << done << " in " << in_d.h << "x" << in_d.w << "x" << in_d.c << " k " << kh
        << "x" << kw << " m " << p.depth_multiplier;
    ++done;
  }
}

// What the converter stores for --target x86-avx512vnni: the weights in the packed layout
// and the folded bias (the helpers under test only lay bytes out; outputs are checked
// against the reference kernel on the generic weights).
struct Packed {
  std::vector<int8_t> weights;
  std::vector<int32_t> folded;
};

Packed Pack(const x86::PackedShape& s, const std::vector<int8_t>& w, const int32_t* bias,
            int32_t zi) {
  Packed p;
  p.weights.assign(static_cast<size_t>(x86::PackedWeightsBytes(s)), 0x5A);
  x86::ForEachPackedByte(s, [&](int64_t at, int64_t src) {
    p.weights[static_cast<size_t>(at)] = src < 0 ? 0 : w[static_cast<size_t>(src)];
  });
  p.folded.resize(static_cast<size_t>(s.groups * s.ocg));
  for (int32_t oc = 0; oc < s.groups * s.ocg; ++oc) {
    EXPECT_TRUE(x86::FoldedBias(s, w.data(), bias, zi, oc, &p.folded[static_cast<size_t>(oc)]));
  }
  return p;
}

// On the VNNI path the packed entry points must not touch the generic weights: they get
// unrelated bytes there, so a silent fallback would show as a mismatch.
std::vector<int8_t> GenericFor(Isa isa, Rng& rng, const std::vector<int8_t>& w) {
  return isa == Isa::kAvx512Vnni ? rng.Bytes(static_cast<int64_t>(w.size())) : w;
}

TEST_P(X86Kernels, FullyConnectedPackedRandom) {
  Rng rng(4000 + static_cast<uint32_t>(GetParam()));
  for (int c = 0; c < kCases; ++c) {
    const FcCase t(rng, 1100, 200);
    const Packed pk = Pack(x86::PackedShape{1, t.out, 1, t.in}, t.w, t.b(), t.p.input_zero_point);
    const auto generic = GenericFor(GetParam(), rng, t.w);
    std::vector<int8_t> want(static_cast<size_t>(t.batches * t.out)), got(want.size(), 0x55);
    ref::FullyConnected(t.p, t.batches, t.in, t.out, t.x.data(), t.w.data(), t.b(), want.data());
    x86::FullyConnectedPacked(t.p, t.batches, t.in, t.out, t.x.data(), generic.data(), t.b(),
                              pk.weights.data(), pk.folded.data(), got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size())) << t.Describe(c);
  }
}

TEST_P(X86Kernels, Conv2DPackedRandom) {
  Rng rng(5000 + static_cast<uint32_t>(GetParam()));
  int done = 0;
  while (done < kCases) {
    const ConvCase t(rng, 150);
    if (!t.valid) continue;
    const Packed pk = Pack(x86::PackedShape{t.p.groups, t.ocg, t.w_d.h * t.w_d.w, t.w_d.c}, t.w,
                           t.b(), t.p.input_zero_point);
    const auto generic = GenericFor(GetParam(), rng, t.w);
    std::vector<int8_t> want(static_cast<size_t>(FlatSize(t.out_d))), got(want.size(), 0x55);
    ref::Conv2D(t.p, t.in_d, t.x.data(), t.w_d, t.w.data(), t.b(), t.out_d, want.data());
    x86::Conv2DPacked(t.p, t.in_d, t.x.data(), t.w_d, generic.data(), t.b(), pk.weights.data(),
                      pk.folded.data(), t.out_d, got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size())) << t.Describe(done);
    ++done;
  }
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

// Requantization edges: weights 0 so each accumulator is its bias; every shift in [-31, 31]
// against edge multipliers and accumulators (ties at every power of two, INT32_MIN/MAX).
TEST_P(X86Kernels, RequantizationEdges) {
  std::vector<int32_t> accs = {INT32_MIN, INT32_MIN + 1, INT32_MAX, INT32_MAX - 1, 0, 1, -1};
  for (int e = 0; e < 31; ++e) {
    const int32_t t = 1 << e;
    for (int32_t v : {t, -t, t + 1, -t - 1, t - 1, 1 - t, t + t / 2, -(t + t / 2), 3 * (t / 2),
                      -3 * (t / 2)}) {
      accs.push_back(v);
    }
  }
  const std::vector<int32_t> mults = {INT32_MIN, INT32_MAX, 0, 1, -1, 1 << 30, (1 << 30) + 1,
                                      -(1 << 30), 1518500250, INT32_MIN + 1};
  const int32_t n = static_cast<int32_t>(accs.size());
  std::vector<int8_t> x(3, 5), w(static_cast<size_t>(n) * 3, 0);
  for (int32_t zo : {-128, 0, 127}) {
    for (int32_t m : mults) {
      for (int32_t s = -31; s <= 31; ++s) {
        std::vector<int32_t> mv(static_cast<size_t>(n), m), sv(static_cast<size_t>(n), s);
        FullyConnectedParams p{-128, 0, zo, -128, 127,
                               Requant{mv.data(), sv.data(), n}};
        std::vector<int8_t> want(static_cast<size_t>(n)), got(want.size(), 0x55);
        ref::FullyConnected(p, 1, 3, n, x.data(), w.data(), accs.data(), want.data());
        x86::FullyConnected(p, 1, 3, n, x.data(), w.data(), accs.data(), got.data());
        ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
            << "m " << m << " s " << s << " zo " << zo;
      }
    }
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
