// The x86 kernels (kernels/x86) against the reference kernels, byte for byte, on every path
// this CPU supports: >= 1000 random shapes/params per op per path (conv, depthwise, fully
// connected, add, max and average pooling), plus requantization edge cases (INT32_MIN *
// INT32_MIN saturation, rounding ties, every shift in [-31, 31]).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
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

TEST_P(X86Kernels, FullyConnectedRandom) {
  Rng rng(1000 + static_cast<uint32_t>(GetParam()));
  for (int c = 0; c < kCases; ++c) {
    const int32_t batches = rng.Chance(30)   ? 1
                            : rng.Chance(20) ? rng.Uniform(30, 50)  // broadcast path
                                             : rng.Uniform(1, 9);
    const int32_t in = rng.Chance(20) ? rng.Uniform(1, 700) : rng.Uniform(1, 200);
    const int32_t out = rng.Uniform(1, 140);
    FullyConnectedParams p;
    p.input_zero_point = rng.ZeroPoint();
    p.weights_zero_point = rng.Chance(25) ? rng.ZeroPoint() : 0;
    p.output_zero_point = rng.ZeroPoint();
    Activation(rng, &p.act_min, &p.act_max);
    const RequantData rq = MakeRequant(rng, out);
    p.requant = rq.view();
    const auto x = rng.Bytes(int64_t{batches} * in);
    const auto w = rng.Bytes(int64_t{in} * out);
    bool null_bias;
    const auto bias = Bias(rng, out, &null_bias);
    const int32_t* b = null_bias ? nullptr : bias.data();
    std::vector<int8_t> want(static_cast<size_t>(batches * out)), got(want.size(), 0x55);
    ref::FullyConnected(p, batches, in, out, x.data(), w.data(), b, want.data());
    x86::FullyConnected(p, batches, in, out, x.data(), w.data(), b, got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
        << "case " << c << " batches " << batches << " in " << in << " out " << out
        << " zi " << p.input_zero_point << " zw " << p.weights_zero_point;
  }
}

TEST_P(X86Kernels, Conv2DRandom) {
  Rng rng(2000 + static_cast<uint32_t>(GetParam()));
  int done = 0;
  while (done < kCases) {
    const int32_t kh = rng.Uniform(1, 5), kw = rng.Uniform(1, 5);
    ConvParams p;
    p.stride_h = rng.Uniform(1, 3), p.stride_w = rng.Uniform(1, 3);
    p.dilation_h = rng.Chance(20) ? 2 : 1, p.dilation_w = rng.Chance(20) ? 2 : 1;
    p.pad_top = rng.Uniform(0, kh - 1), p.pad_left = rng.Uniform(0, kw - 1);
    const int32_t pad_bottom = rng.Uniform(0, kh - 1), pad_right = rng.Uniform(0, kw - 1);
    p.groups = rng.Chance(20) ? rng.Uniform(2, 4) : 1;
    p.depth_multiplier = 1;
    const int32_t cg = rng.Chance(15) ? rng.Uniform(60, 140) : rng.Uniform(1, 40);
    const int32_t ocg = rng.Chance(20) ? rng.Uniform(50, 90) : rng.Uniform(1, 20);
    const Dims4 in_d{rng.Uniform(1, 2), rng.Uniform(1, 12), rng.Uniform(1, 12), cg * p.groups};
    const int32_t eh = (kh - 1) * p.dilation_h + 1, ew = (kw - 1) * p.dilation_w + 1;
    const int32_t oh = (in_d.h + p.pad_top + pad_bottom - eh) / p.stride_h + 1;
    const int32_t ow = (in_d.w + p.pad_left + pad_right - ew) / p.stride_w + 1;
    if (in_d.h + p.pad_top + pad_bottom < eh || in_d.w + p.pad_left + pad_right < ew) continue;
    const Dims4 out_d{in_d.n, oh, ow, ocg * p.groups};
    const Dims4 w_d{out_d.c, kh, kw, cg};
    if (FlatSize(out_d) * kh * kw * cg > 400000) continue;
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
    ref::Conv2D(p, in_d, x.data(), w_d, w.data(), b, out_d, want.data());
    x86::Conv2D(p, in_d, x.data(), w_d, w.data(), b, out_d, got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
        << "case " << done << " in " << in_d.h << "x" << in_d.w << "x" << in_d.c << " k " << kh
        << "x" << kw << " s " << p.stride_h << "," << p.stride_w << " d " << p.dilation_h
        << "," << p.dilation_w << " pad " << p.pad_top << "," << p.pad_left << " g "
        << p.groups << " oc " << out_d.c;
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
    // Wide rows sometimes: runs of 4 and 8 pixels with the whole window inside the input.
    const int32_t in_w = rng.Chance(25) ? rng.Uniform(15, 40) : rng.Uniform(1, 14);
    const Dims4 in_d{rng.Uniform(1, 2), rng.Uniform(1, 14), in_w, ic};
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

// Broadcast dims of an add operand: each of N, H, W is sometimes 1; C sometimes 1 too (a path
// the x86 kernel hands to the reference).
Dims4 BroadcastOf(Rng& rng, const Dims4& out) {
  Dims4 d = out;
  if (rng.Chance(30)) {
    if (rng.Chance(50)) d.n = 1;
    if (rng.Chance(50)) d.h = 1;
    if (rng.Chance(50)) d.w = 1;
    if (rng.Chance(10)) d.c = 1;
  }
  return d;
}

TEST_P(X86Kernels, AddRandom) {
  Rng rng(4000 + static_cast<uint32_t>(GetParam()));
  for (int c = 0; c < kCases; ++c) {
    const Dims4 out_d{rng.Uniform(1, 2), rng.Uniform(1, 9), rng.Uniform(1, 9),
                      rng.Chance(30) ? rng.Uniform(1, 8) : rng.Uniform(1, 70)};
    const Dims4 d1 = BroadcastOf(rng, out_d), d2 = BroadcastOf(rng, out_d);
    AddParams p;
    p.input1_zero_point = rng.ZeroPoint();
    p.input2_zero_point = rng.ZeroPoint();
    p.output_zero_point = rng.ZeroPoint();
    // Input scales below the output scale's double, as a converter produces them: sums of
    // two scaled inputs stay inside int32.
    p.left_shift = rng.Chance(70) ? 20 : rng.Uniform(0, 22);
    p.input1_multiplier = rng.Uniform(1 << 30, INT32_MAX);
    p.input1_shift = rng.Uniform(-31, 0);
    p.input2_multiplier = rng.Uniform(1 << 30, INT32_MAX);
    p.input2_shift = rng.Uniform(-31, 0);
    p.output_multiplier = rng.Multiplier();
    p.output_shift = rng.Shift();
    Activation(rng, &p.act_min, &p.act_max);
    p.subtract = rng.Chance(30);
    const auto a = rng.Bytes(FlatSize(d1));
    const auto b = rng.Bytes(FlatSize(d2));
    std::vector<int8_t> want(static_cast<size_t>(FlatSize(out_d))), got(want.size(), 0x55);
    ref::Add(p, d1, a.data(), d2, b.data(), out_d, want.data());
    // In place (the planner may reuse an input's buffer) when shapes allow.
    const bool in_place = FlatSize(d1) == FlatSize(out_d) && rng.Chance(20);
    if (in_place) {
      std::memcpy(got.data(), a.data(), got.size());
      x86::Add(p, d1, got.data(), d2, b.data(), out_d, got.data());
    } else {
      x86::Add(p, d1, a.data(), d2, b.data(), out_d, got.data());
    }
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
        << "case " << c << " out " << out_d.n << "x" << out_d.h << "x" << out_d.w << "x"
        << out_d.c << " ls " << p.left_shift << " sub " << p.subtract << " in place " << in_place;
  }
}

void PoolRandom(Isa isa, bool max) {
  Rng rng((max ? 5000 : 6000) + static_cast<uint32_t>(isa));
  for (int c = 0; c < kCases; ++c) {
    PoolParams p;
    p.filter_h = rng.Chance(5) ? rng.Uniform(12, 17) : rng.Uniform(1, 5);
    p.filter_w = rng.Chance(5) ? rng.Uniform(12, 17) : rng.Uniform(1, 5);
    p.stride_h = rng.Uniform(1, 3), p.stride_w = rng.Uniform(1, 3);
    p.pad_top = rng.Uniform(0, p.filter_h - 1), p.pad_left = rng.Uniform(0, p.filter_w - 1);
    const int32_t pad_bottom = rng.Uniform(0, p.filter_h - 1);
    const int32_t pad_right = rng.Uniform(0, p.filter_w - 1);
    const int32_t ch = rng.Chance(40) ? rng.Uniform(1, 20) : rng.Uniform(1, 100);
    const Dims4 in_d{rng.Uniform(1, 2), rng.Uniform(1, 20), rng.Uniform(1, 20), ch};
    if (in_d.h + p.pad_top + pad_bottom < p.filter_h ||
        in_d.w + p.pad_left + pad_right < p.filter_w) {
      --c;
      continue;
    }
    const Dims4 out_d{in_d.n, (in_d.h + p.pad_top + pad_bottom - p.filter_h) / p.stride_h + 1,
                      (in_d.w + p.pad_left + pad_right - p.filter_w) / p.stride_w + 1, ch};
    Activation(rng, &p.act_min, &p.act_max);
    const auto x = rng.Bytes(FlatSize(in_d));
    std::vector<int8_t> want(static_cast<size_t>(FlatSize(out_d))), got(want.size(), 0x55);
    (max ? ref::MaxPool2D : ref::AvgPool2D)(p, in_d, x.data(), out_d, want.data());
    (max ? x86::MaxPool2D : x86::AvgPool2D)(p, in_d, x.data(), out_d, got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
        << "case " << c << " in " << in_d.h << "x" << in_d.w << "x" << in_d.c << " f "
        << p.filter_h << "x" << p.filter_w << " s " << p.stride_h << "," << p.stride_w
        << " pad " << p.pad_top << "," << p.pad_left;
  }
}

TEST_P(X86Kernels, MaxPoolRandom) { PoolRandom(GetParam(), true); }
TEST_P(X86Kernels, AvgPoolRandom) { PoolRandom(GetParam(), false); }

// Average pooling's division by a reciprocal at its limits: 16x16 windows (256 elements) of
// all -128 or all 127, every clipped window count, and sums at every rounding tie.
TEST_P(X86Kernels, AvgPoolDivisionEdges) {
  for (int32_t fill : {-128, 127, -1, 1, 0}) {
    for (int32_t f = 1; f <= 16; ++f) {
      const PoolParams p{f, f, 1, 1, f - 1, f - 1, -128, 127};
      const Dims4 in_d{1, f, f, 40};
      std::vector<int8_t> x(static_cast<size_t>(FlatSize(in_d)), static_cast<int8_t>(fill));
      // Alternate one element per window row to create every tie position.
      for (size_t i = 0; i < x.size(); i += 7) x[i] = static_cast<int8_t>(fill == 0 ? 1 : -fill / 2);
      const Dims4 out_d{1, 2 * f - 1, 2 * f - 1, 40};
      std::vector<int8_t> want(static_cast<size_t>(FlatSize(out_d))), got(want.size(), 0x55);
      ref::AvgPool2D(p, in_d, x.data(), out_d, want.data());
      x86::AvgPool2D(p, in_d, x.data(), out_d, got.data());
      ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size())) << "fill " << fill << " f " << f;
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
