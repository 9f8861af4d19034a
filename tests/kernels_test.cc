// Reference kernels against an independent, spelled-out reading of FORMAT.md sections 5
// and 6: plain int64 arithmetic with every rounding written out, no kernels/fixedpoint.h
// and no gemmlowp. Each op runs on >= 1000 random shapes and parameter sets from a fixed
// seed, skewed towards the edges (zero points -128/127, multipliers 2^30 and 2^31 - 1,
// extreme shifts, 1x1 images, odd channel counts, dilation, groups, depth multipliers,
// null bias, narrowed clamps, broadcasting).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/fixedpoint.h"  // only the primitive test below calls into it
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace {

// ---------------------------------------------------------------------------------------
// The spec, spelled out (FORMAT.md section 5). Preconditions the spec places on valid
// cases are counted, not assumed: a test generating an invalid case is itself a bug.

int g_spec_violations = 0;

constexpr int64_t kInt32Min = -(int64_t{1} << 31);
constexpr int64_t kInt32Max = (int64_t{1} << 31) - 1;

int64_t Pow2(int e) { return int64_t{1} << e; }

void Require(bool ok) {
  if (!ok) ++g_spec_violations;
}

int64_t Fit32(int64_t v) {
  Require(v >= kInt32Min && v <= kInt32Max);
  return v;
}

// floor(a / b) for b > 0, rounding toward -inf.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

int64_t SpecSrdhm(int64_t a, int64_t b) {
  if (a == kInt32Min && b == kInt32Min) return kInt32Max;
  return FloorDiv(a * b + Pow2(30), Pow2(31));  // nearest, ties toward +inf
}

int64_t SpecRdbp(int64_t x, int e) {
  Require(e >= 0 && e <= 31);
  if (e == 0) return x;
  // |x| / 2^e to nearest with ties up, then the sign back: ties away from zero.
  const int64_t mag = x < 0 ? -x : x;
  const int64_t q = FloorDiv(2 * mag + Pow2(e), Pow2(e + 1));
  return x < 0 ? -q : q;
}

int64_t SpecMbqm(int64_t x, int64_t m, int s) {
  Fit32(x);
  const int left = s > 0 ? s : 0;
  const int right = s > 0 ? 0 : -s;
  return SpecRdbp(SpecSrdhm(Fit32(x * Pow2(left)), m), right);
}

int64_t SpecClamp(int64_t v, int64_t lo, int64_t hi) { return std::min(std::max(v, lo), hi); }

int64_t SpecShlSat(int64_t x, int e) {
  const int64_t t = Pow2(31 - e) - 1;
  if (x > t) return kInt32Max;
  if (x < -t) return kInt32Min;
  return x * Pow2(e);
}

int64_t SpecRhs(int64_t a, int64_t b) {
  const int64_t s = a + b;
  return (s + (s >= 0 ? 1 : -1)) / 2;  // C++ division truncates
}

int SpecClz(int64_t v) {
  int bits = 0;
  while (v > 0) {
    ++bits;
    v /= 2;
  }
  return 32 - bits;
}

int64_t SpecExpQ(int64_t a) {
  const int64_t x = Fit32(a + Pow2(28));
  const int64_t x2 = SpecSrdhm(x, x);
  const int64_t x3 = SpecSrdhm(x2, x);
  const int64_t x4 = SpecSrdhm(x2, x2);
  const int64_t x4q = SpecRdbp(x4, 2);
  const int64_t p = SpecRdbp(Fit32(SpecSrdhm(Fit32(x4q + x3), 715827883) + x2), 1);
  return Fit32(1895147668 + SpecSrdhm(1895147668, Fit32(x + p)));
}

int64_t SpecExp(int64_t a) {
  if (a == 0) return kInt32Max;
  // a & (2^24 - 1) on two's complement: a - floor(a / 2^24) * 2^24.
  const int64_t low = a - FloorDiv(a, Pow2(24)) * Pow2(24);
  const int64_t m = low - Pow2(24);
  int64_t res = SpecExpQ(SpecShlSat(m, 5));
  const int64_t rem = Fit32(m - a);
  static const int64_t kMult[7] = {1672461947, 1302514674, 790015084, 290630308,
                                   39332535,   720401,     242};
  for (int i = 0; i < 7; ++i) {
    if ((rem / Pow2(24 + i)) % 2 == 1) res = SpecSrdhm(res, kMult[i]);
  }
  return res;
}

int64_t SpecRecip(int64_t a) {
  const int64_t h = SpecRhs(a, kInt32Max);
  int64_t x = Fit32(1515870810 + SpecSrdhm(h, -1010580540));
  for (int i = 0; i < 3; ++i) {
    const int64_t t = SpecSrdhm(h, x);
    const int64_t u = Fit32(Pow2(29) - t);
    x = Fit32(x + SpecShlSat(SpecSrdhm(x, u), 2));
  }
  return SpecShlSat(x, 1);
}

// ---------------------------------------------------------------------------------------
// Random parameters. The engine is std::mt19937 with a fixed seed; ranges are mapped by
// modulo so the sequence is the same on every standard library.

class Rng {
 public:
  explicit Rng(uint32_t seed) : gen_(seed) {}
  int64_t Uniform(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    const uint64_t r = (static_cast<uint64_t>(gen_()) << 32) | gen_();
    return lo + static_cast<int64_t>(r % span);
  }
  int32_t Int(int64_t lo, int64_t hi) { return static_cast<int32_t>(Uniform(lo, hi)); }
  bool Chance(int percent) { return Uniform(0, 99) < percent; }
  uint32_t Raw() { return gen_(); }

 private:
  std::mt19937 gen_;
};

int32_t PickZeroPoint(Rng& rng) {
  const int64_t r = rng.Uniform(0, 99);
  if (r < 15) return -128;
  if (r < 30) return 127;
  if (r < 40) return 0;
  return rng.Int(-128, 127);
}

int32_t PickMultiplier(Rng& rng) {
  const int64_t r = rng.Uniform(0, 99);
  if (r < 10) return static_cast<int32_t>(kInt32Max);
  if (r < 15) return static_cast<int32_t>(kInt32Max - 1);
  if (r < 25) return static_cast<int32_t>(Pow2(30));
  if (r < 27) return 0;
  if (r < 35) return rng.Int(1, kInt32Max);
  return rng.Int(Pow2(30), kInt32Max);
}

int BitLength(int64_t v) {
  int bits = 0;
  while (v > 0) {
    ++bits;
    v /= 2;
  }
  return bits;
}

// A shift valid for every |x| <= max_abs (x * 2^shift fits int32); usually one that maps
// max_abs to a few hundred so outputs spread over int8, sometimes an extreme one.
int32_t PickShift(Rng& rng, int64_t max_abs) {
  int smax = 30;
  while (smax > 0 && max_abs * Pow2(smax) > kInt32Max) --smax;
  const int64_t r = rng.Uniform(0, 99);
  int s;
  if (r < 8) {
    s = -31;
  } else if (r < 16) {
    s = smax;
  } else if (r < 26) {
    s = rng.Int(-31, smax);
  } else {
    s = 8 - BitLength(max_abs) + rng.Int(-3, 2);
  }
  return std::min(std::max(s, -31), smax);
}

void PickClamp(Rng& rng, int32_t zero_point, int32_t* lo, int32_t* hi) {
  const int64_t r = rng.Uniform(0, 99);
  if (r < 65) {
    *lo = -128;
    *hi = 127;
  } else if (r < 80) {  // ReLU
    *lo = zero_point;
    *hi = 127;
  } else {
    int32_t a = rng.Int(-128, 127), b = rng.Int(-128, 127);
    *lo = std::min(a, b);
    *hi = std::max(a, b);
  }
}

std::vector<int8_t> RandomInt8(Rng& rng, int64_t count) {
  std::vector<int8_t> v(static_cast<size_t>(count));
  const int64_t flavor = rng.Uniform(0, 99);
  for (auto& x : v) {
    if (flavor < 10) {
      x = rng.Chance(50) ? int8_t{-128} : int8_t{127};
    } else if (flavor < 20) {
      x = static_cast<int8_t>(rng.Int(-3, 3));
    } else {
      x = static_cast<int8_t>(rng.Int(-128, 127));
    }
  }
  return v;
}

int32_t SmallDim(Rng& rng, int32_t hi) { return rng.Chance(15) ? 1 : rng.Int(1, hi); }

// An odd channel count most of the time, sometimes around the SIMD widths 4 and 16.
int32_t Channels(Rng& rng, int32_t hi) {
  static const int32_t kAround[] = {3, 4, 5, 7, 8, 9, 15, 16, 17};
  if (rng.Chance(25)) return kAround[rng.Uniform(0, 8)];
  return rng.Int(1, hi);
}

::testing::AssertionResult SameInt8(const std::vector<int64_t>& want,
                                    const std::vector<int8_t>& got) {
  if (want.size() != got.size()) return ::testing::AssertionFailure() << "size mismatch";
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] != got[i]) {
      return ::testing::AssertionFailure()
             << "index " << i << ": spec " << want[i] << ", kernel " << int{got[i]};
    }
  }
  return ::testing::AssertionSuccess();
}

struct Requants {
  std::vector<int32_t> multiplier, shift;
  Requant view() const {
    return Requant{multiplier.data(), shift.data(), static_cast<int32_t>(multiplier.size())};
  }
};

// Per-tensor or per-channel requantization valid for accumulators bounded by max_abs.
Requants PickRequants(Rng& rng, int32_t channels, int64_t max_abs) {
  Requants r;
  const int32_t count = rng.Chance(50) ? channels : 1;
  for (int32_t i = 0; i < count; ++i) {
    r.multiplier.push_back(PickMultiplier(rng));
    r.shift.push_back(PickShift(rng, max_abs));
  }
  return r;
}

int64_t MaxAbs(const std::vector<int64_t>& v) {
  int64_t m = 0;
  for (int64_t x : v) m = std::max(m, x < 0 ? -x : x);
  return m;
}

std::vector<int64_t> RequantizeAll(const std::vector<int64_t>& acc, int32_t channels,
                                   const Requants& rq, int32_t zo, int32_t lo, int32_t hi) {
  std::vector<int64_t> out(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    const size_t ch = rq.multiplier.size() == 1 ? 0 : i % static_cast<size_t>(channels);
    out[i] = SpecClamp(SpecMbqm(Fit32(acc[i]), rq.multiplier[ch], rq.shift[ch]) + zo, lo, hi);
  }
  return out;
}

std::vector<int32_t> RandomBias(Rng& rng, int32_t count) {
  std::vector<int32_t> bias(static_cast<size_t>(count));
  static const int kBits[] = {4, 10, 16, 24, 30};
  const int bits = kBits[rng.Uniform(0, 4)];
  for (auto& b : bias) b = rng.Int(-Pow2(bits), Pow2(bits));
  return bias;
}

std::string Describe(const Dims4& d) {
  std::ostringstream s;
  s << d.n << "x" << d.h << "x" << d.w << "x" << d.c;
  return s.str();
}

// ---------------------------------------------------------------------------------------
// Primitives.

TEST(FixedPoint, SrdhmAndRdbpMatchSpec) {
  Rng rng(11);
  EXPECT_EQ(Srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
  for (int i = 0; i < 1000000; ++i) {
    const int64_t a = rng.Chance(2) ? kInt32Min : static_cast<int32_t>(rng.Raw());
    const int64_t b = rng.Chance(2) ? kInt32Min : static_cast<int32_t>(rng.Raw());
    ASSERT_EQ(Srdhm(static_cast<int32_t>(a), static_cast<int32_t>(b)), SpecSrdhm(a, b))
        << a << " * " << b;
  }
  for (int i = 0; i < 1000000; ++i) {
    const int64_t x = static_cast<int32_t>(rng.Raw()) >> rng.Int(0, 31);
    const int e = rng.Int(0, 31);
    ASSERT_EQ(Rdbp(static_cast<int32_t>(x), e), SpecRdbp(x, e)) << x << " / 2^" << e;
  }
}

TEST(FixedPoint, MultiplyByQuantizedMultiplierMatchesSpec) {
  Rng rng(12);
  const int64_t kEdgesX[] = {0, 1, -1, kInt32Max, kInt32Min, kInt32Min + 1, 255, -255};
  const int64_t kEdgesM[] = {0, 1, Pow2(30), Pow2(30) + 1, kInt32Max, kInt32Max - 1};
  for (int64_t x : kEdgesX) {
    for (int64_t m : kEdgesM) {
      for (int s = -31; s <= 30; ++s) {
        if (x * Pow2(s > 0 ? s : 0) > kInt32Max || x * Pow2(s > 0 ? s : 0) < kInt32Min) continue;
        ASSERT_EQ(MultiplyByQuantizedMultiplier(static_cast<int32_t>(x),
                                                static_cast<int32_t>(m), s),
                  SpecMbqm(x, m, s))
            << x << " " << m << " " << s;
      }
    }
  }
  for (int i = 0; i < 3000000; ++i) {
    const int s = rng.Chance(70) ? rng.Int(-31, 0) : rng.Int(1, 30);
    // x such that x * 2^max(s, 0) fits int32; often small, as accumulators are.
    const int64_t bound = Pow2(31 - (s > 0 ? s : 0));
    int64_t x = rng.Uniform(-bound, bound - 1);
    if (rng.Chance(30)) x /= Pow2(rng.Int(0, 20));
    const int64_t m = rng.Chance(80) ? rng.Uniform(Pow2(30), kInt32Max) : rng.Uniform(0, kInt32Max);
    ASSERT_EQ(MultiplyByQuantizedMultiplier(static_cast<int32_t>(x), static_cast<int32_t>(m), s),
              SpecMbqm(x, m, s))
        << x << " " << m << " " << s;
  }
  EXPECT_EQ(g_spec_violations, 0);
}

// ---------------------------------------------------------------------------------------
// Conv2D (FORMAT.md 6.1).

struct ConvGeometry {
  int32_t kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, out_h, out_w;
};

// Picks kernel, stride, dilation and pads for an h x w input; false if the output would
// be empty (the caller draws again).
bool PickGeometry(Rng& rng, int32_t h, int32_t w, ConvGeometry* g) {
  g->kh = rng.Chance(20) ? 1 : rng.Int(1, 4);
  g->kw = rng.Chance(20) ? 1 : rng.Int(1, 4);
  g->stride_h = rng.Chance(50) ? 1 : rng.Int(1, 3);
  g->stride_w = rng.Chance(50) ? 1 : rng.Int(1, 3);
  g->dil_h = rng.Chance(25) ? rng.Int(2, 3) : 1;
  g->dil_w = rng.Chance(25) ? rng.Int(2, 3) : 1;
  const int32_t eff_h = (g->kh - 1) * g->dil_h + 1;
  const int32_t eff_w = (g->kw - 1) * g->dil_w + 1;
  const bool pad = rng.Chance(60);
  g->pad_top = pad ? rng.Int(0, eff_h - 1) : 0;
  g->pad_left = pad ? rng.Int(0, eff_w - 1) : 0;
  const int32_t pad_bottom = pad ? rng.Int(0, eff_h - 1) : 0;
  const int32_t pad_right = pad ? rng.Int(0, eff_w - 1) : 0;
  const int32_t num_h = h + g->pad_top + pad_bottom - eff_h;
  const int32_t num_w = w + g->pad_left + pad_right - eff_w;
  if (num_h < 0 || num_w < 0) return false;
  g->out_h = num_h / g->stride_h + 1;
  g->out_w = num_w / g->stride_w + 1;
  return true;
}

ConvParams MakeConvParams(const ConvGeometry& g, int32_t zi, int32_t zo, int32_t lo, int32_t hi,
                          const Requants& rq) {
  ConvParams p;
  p.stride_h = g.stride_h;
  p.stride_w = g.stride_w;
  p.dilation_h = g.dil_h;
  p.dilation_w = g.dil_w;
  p.pad_top = g.pad_top;
  p.pad_left = g.pad_left;
  p.groups = 1;
  p.depth_multiplier = 1;
  p.input_zero_point = zi;
  p.output_zero_point = zo;
  p.act_min = lo;
  p.act_max = hi;
  p.requant = rq.view();
  return p;
}

std::vector<int64_t> SpecConvAcc(const Dims4& in_d, const std::vector<int8_t>& in,
                                 const Dims4& w_d, const std::vector<int8_t>& w,
                                 const int32_t* bias, const ConvGeometry& g, int32_t groups,
                                 int32_t oc_count, int32_t zi) {
  const int32_t cg = in_d.c / groups, ocg = oc_count / groups;
  std::vector<int64_t> acc;
  for (int32_t n = 0; n < in_d.n; ++n)
    for (int32_t oy = 0; oy < g.out_h; ++oy)
      for (int32_t ox = 0; ox < g.out_w; ++ox)
        for (int32_t oc = 0; oc < oc_count; ++oc) {
          const int32_t grp = oc / ocg;
          int64_t a = bias ? bias[oc] : 0;
          for (int32_t ky = 0; ky < w_d.h; ++ky)
            for (int32_t kx = 0; kx < w_d.w; ++kx)
              for (int32_t ic = 0; ic < cg; ++ic) {
                const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dil_h;
                const int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dil_w;
                if (iy < 0 || iy >= in_d.h || ix < 0 || ix >= in_d.w) continue;
                const int64_t wv = w[((oc * w_d.h + ky) * w_d.w + kx) * w_d.c + ic];
                const int64_t xv = in[((n * in_d.h + iy) * in_d.w + ix) * in_d.c + grp * cg + ic];
                a += wv * (xv - zi);
              }
          acc.push_back(Fit32(a));
        }
  return acc;
}

TEST(Conv2D, WorkedExampleFromFormat) {
  const Dims4 in_d{1, 3, 3, 1}, w_d{1, 2, 2, 1}, out_d{1, 2, 2, 1};
  const std::vector<int8_t> in = {5, -3, 8, 0, 2, 7, -6, 4, 1};
  const std::vector<int8_t> w = {1, -2, 3, 1};
  const int32_t bias[] = {-2};
  Requants rq;
  rq.multiplier = {1342177280};
  rq.shift = {-1};
  const ConvGeometry g{2, 2, 2, 2, 1, 1, 1, 1, 2, 2};
  const ConvParams p = MakeConvParams(g, 2, -5, -8, 127, rq);
  std::vector<int8_t> out(4);
  ref::Conv2D(p, in_d, in.data(), w_d, w.data(), bias, out_d, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{-4, -8, -7, -7}));
  const auto acc = SpecConvAcc(in_d, in, w_d, w, bias, g, 1, 1, 2);
  EXPECT_TRUE(SameInt8(RequantizeAll(acc, 1, rq, -5, -8, 127), out));
}

TEST(Conv2D, MatchesSpecOnRandomCases) {
  Rng rng(21);
  for (int done = 0; done < 3000;) {
    const int32_t groups = rng.Chance(30) ? rng.Int(2, 4) : 1;
    const int32_t cg = groups > 1 ? rng.Int(1, 5) : Channels(rng, 20);
    const int32_t ocg = groups > 1 ? rng.Int(1, 5) : Channels(rng, 20);
    const Dims4 in_d{rng.Chance(20) ? 2 : 1, SmallDim(rng, 9), SmallDim(rng, 9), cg * groups};
    ConvGeometry g;
    if (!PickGeometry(rng, in_d.h, in_d.w, &g)) continue;
    ++done;
    const int32_t oc = ocg * groups;
    const Dims4 w_d{oc, g.kh, g.kw, cg};
    const Dims4 out_d{in_d.n, g.out_h, g.out_w, oc};
    const auto in = RandomInt8(rng, FlatSize(in_d));
    const auto w = RandomInt8(rng, FlatSize(w_d));
    const bool has_bias = rng.Chance(75);
    const auto bias = RandomBias(rng, oc);
    const int32_t zi = PickZeroPoint(rng), zo = PickZeroPoint(rng);
    int32_t lo, hi;
    PickClamp(rng, zo, &lo, &hi);
    const int32_t* b = has_bias ? bias.data() : nullptr;
    const auto acc = SpecConvAcc(in_d, in, w_d, w, b, g, groups, oc, zi);
    const Requants rq = PickRequants(rng, oc, MaxAbs(acc));
    const auto want = RequantizeAll(acc, oc, rq, zo, lo, hi);

    ConvParams p = MakeConvParams(g, zi, zo, lo, hi, rq);
    p.groups = groups;
    std::vector<int8_t> out(static_cast<size_t>(FlatSize(out_d)));
    ref::Conv2D(p, in_d, in.data(), w_d, w.data(), b, out_d, out.data());
    ASSERT_TRUE(SameInt8(want, out))
        << "case " << done << " in " << Describe(in_d) << " w " << Describe(w_d) << " groups "
        << groups << " stride " << g.stride_h << "," << g.stride_w << " dil " << g.dil_h << ","
        << g.dil_w << " pad " << g.pad_top << "," << g.pad_left << " zi " << zi << " zo " << zo;
  }
  EXPECT_EQ(g_spec_violations, 0);
}

// ---------------------------------------------------------------------------------------
// DepthwiseConv2D (FORMAT.md 6.2).

TEST(DepthwiseConv2D, MatchesSpecOnRandomCases) {
  Rng rng(22);
  for (int done = 0; done < 3000;) {
    const int32_t c = Channels(rng, 12);
    const int32_t mult = rng.Chance(30) ? rng.Int(2, 4) : 1;
    const Dims4 in_d{rng.Chance(20) ? 2 : 1, SmallDim(rng, 10), SmallDim(rng, 10), c};
    ConvGeometry g;
    if (!PickGeometry(rng, in_d.h, in_d.w, &g)) continue;
    ++done;
    const int32_t oc = c * mult;
    const Dims4 w_d{1, g.kh, g.kw, oc};
    const Dims4 out_d{in_d.n, g.out_h, g.out_w, oc};
    const auto in = RandomInt8(rng, FlatSize(in_d));
    const auto w = RandomInt8(rng, FlatSize(w_d));
    const bool has_bias = rng.Chance(75);
    const auto bias = RandomBias(rng, oc);
    const int32_t* b = has_bias ? bias.data() : nullptr;
    const int32_t zi = PickZeroPoint(rng), zo = PickZeroPoint(rng);
    int32_t lo, hi;
    PickClamp(rng, zo, &lo, &hi);

    std::vector<int64_t> acc;
    for (int32_t n = 0; n < out_d.n; ++n)
      for (int32_t oy = 0; oy < out_d.h; ++oy)
        for (int32_t ox = 0; ox < out_d.w; ++ox)
          for (int32_t o = 0; o < oc; ++o) {
            const int32_t ic = o / mult;
            int64_t a = b ? b[o] : 0;
            for (int32_t ky = 0; ky < g.kh; ++ky)
              for (int32_t kx = 0; kx < g.kw; ++kx) {
                const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dil_h;
                const int32_t ix = ox * g.stride_w - g.pad_left + kx * g.dil_w;
                if (iy < 0 || iy >= in_d.h || ix < 0 || ix >= in_d.w) continue;
                a += int64_t{w[(ky * g.kw + kx) * oc + o]} *
                     (int64_t{in[((n * in_d.h + iy) * in_d.w + ix) * c + ic]} - zi);
              }
            acc.push_back(Fit32(a));
          }
    const Requants rq = PickRequants(rng, oc, MaxAbs(acc));
    const auto want = RequantizeAll(acc, oc, rq, zo, lo, hi);

    ConvParams p = MakeConvParams(g, zi, zo, lo, hi, rq);
    p.depth_multiplier = mult;
    std::vector<int8_t> out(static_cast<size_t>(FlatSize(out_d)));
    ref::DepthwiseConv2D(p, in_d, in.data(), w_d, w.data(), b, out_d, out.data());
    ASSERT_TRUE(SameInt8(want, out))
        << "case " << done << " in " << Describe(in_d) << " w " << Describe(w_d) << " M "
        << mult << " stride " << g.stride_h << "," << g.stride_w << " dil " << g.dil_h << ","
        << g.dil_w << " pad " << g.pad_top << "," << g.pad_left;
  }
  EXPECT_EQ(g_spec_violations, 0);
}

// ---------------------------------------------------------------------------------------
// FullyConnected (FORMAT.md 6.3).

TEST(FullyConnected, MatchesSpecOnRandomCases) {
  Rng rng(23);
  for (int iter = 0; iter < 1500; ++iter) {
    const int32_t batches = rng.Chance(60) ? 1 : rng.Int(2, 4);
    const int32_t in_f = rng.Chance(50) ? Channels(rng, 40) : rng.Int(1, 300);
    const int32_t out_f = Channels(rng, 40);
    const auto in = RandomInt8(rng, int64_t{batches} * in_f);
    const auto w = RandomInt8(rng, int64_t{out_f} * in_f);
    const bool has_bias = rng.Chance(75);
    const auto bias = RandomBias(rng, out_f);
    const int32_t* b = has_bias ? bias.data() : nullptr;
    const int32_t zi = PickZeroPoint(rng), zo = PickZeroPoint(rng);
    const int32_t zw = rng.Chance(60) ? 0 : PickZeroPoint(rng);
    int32_t lo, hi;
    PickClamp(rng, zo, &lo, &hi);

    std::vector<int64_t> acc;
    for (int32_t bt = 0; bt < batches; ++bt)
      for (int32_t o = 0; o < out_f; ++o) {
        int64_t a = b ? b[o] : 0;
        for (int32_t i = 0; i < in_f; ++i) {
          a += (int64_t{w[o * in_f + i]} - zw) * (int64_t{in[bt * in_f + i]} - zi);
        }
        acc.push_back(Fit32(a));
      }
    const Requants rq = PickRequants(rng, out_f, MaxAbs(acc));
    const auto want = RequantizeAll(acc, out_f, rq, zo, lo, hi);

    FullyConnectedParams p;
    p.input_zero_point = zi;
    p.weights_zero_point = zw;
    p.output_zero_point = zo;
    p.act_min = lo;
    p.act_max = hi;
    p.requant = rq.view();
    std::vector<int8_t> out(want.size());
    ref::FullyConnected(p, batches, in_f, out_f, in.data(), w.data(), b, out.data());
    ASSERT_TRUE(SameInt8(want, out)) << "case " << iter << " batches " << batches << " in "
                                     << in_f << " out " << out_f << " zw " << zw;
  }
  EXPECT_EQ(g_spec_violations, 0);
}

// ---------------------------------------------------------------------------------------
// Add, Sub, Mul (FORMAT.md 6.4, 6.5) with NumPy broadcasting.

struct BroadcastShapes {
  Dims4 a, b, out;
};

BroadcastShapes PickBroadcast(Rng& rng) {
  BroadcastShapes s;
  int32_t* out[4] = {&s.out.n, &s.out.h, &s.out.w, &s.out.c};
  int32_t* a[4] = {&s.a.n, &s.a.h, &s.a.w, &s.a.c};
  int32_t* b[4] = {&s.b.n, &s.b.h, &s.b.w, &s.b.c};
  const bool broadcast = rng.Chance(60);
  for (int d = 0; d < 4; ++d) {
    *out[d] = d == 0 ? (rng.Chance(70) ? 1 : 2) : (d == 3 ? Channels(rng, 20) : SmallDim(rng, 6));
    *a[d] = broadcast && rng.Chance(30) ? 1 : *out[d];
    *b[d] = broadcast && rng.Chance(30) ? 1 : *out[d];
    if (*a[d] == 1 && *b[d] == 1) *(rng.Chance(50) ? a[d] : b[d]) = *out[d];
  }
  return s;
}

// Flat index of the element of `in` that output element (n, h, w, c) reads.
int64_t BroadcastIndex(const Dims4& in, int32_t n, int32_t h, int32_t w, int32_t c) {
  n = in.n == 1 ? 0 : n;
  h = in.h == 1 ? 0 : h;
  w = in.w == 1 ? 0 : w;
  c = in.c == 1 ? 0 : c;
  return ((int64_t{n} * in.h + h) * in.w + w) * in.c + c;
}

template <typename F>
void ForEachOut(const Dims4& out, F f) {
  for (int32_t n = 0; n < out.n; ++n)
    for (int32_t h = 0; h < out.h; ++h)
      for (int32_t w = 0; w < out.w; ++w)
        for (int32_t c = 0; c < out.c; ++c) f(n, h, w, c);
}

TEST(Add, MatchesSpecOnRandomCases) {
  Rng rng(24);
  for (int iter = 0; iter < 3000; ++iter) {
    const BroadcastShapes s = PickBroadcast(rng);
    const auto in1 = RandomInt8(rng, FlatSize(s.a));
    const auto in2 = RandomInt8(rng, FlatSize(s.b));
    AddParams p;
    p.subtract = rng.Chance(30);
    p.input1_zero_point = PickZeroPoint(rng);
    p.input2_zero_point = PickZeroPoint(rng);
    p.output_zero_point = PickZeroPoint(rng);
    p.left_shift = rng.Chance(70) ? 20 : rng.Int(0, 22);
    // |x - z| <= 255 < 2^8: a shift up to 22 - L keeps each scaled input below 2^30, so
    // their sum or difference fits int32.
    const int32_t smax = 22 - p.left_shift;
    p.input1_multiplier = PickMultiplier(rng);
    p.input2_multiplier = PickMultiplier(rng);
    p.input1_shift = rng.Chance(60) ? std::min(rng.Int(-3, 0), smax) : rng.Int(-31, smax);
    p.input2_shift = rng.Chance(60) ? std::min(rng.Int(-3, 0), smax) : rng.Int(-31, smax);
    std::vector<int64_t> raw;
    ForEachOut(s.out, [&](int32_t n, int32_t h, int32_t w, int32_t c) {
      const int64_t x1 = in1[BroadcastIndex(s.a, n, h, w, c)] - int64_t{p.input1_zero_point};
      const int64_t x2 = in2[BroadcastIndex(s.b, n, h, w, c)] - int64_t{p.input2_zero_point};
      const int64_t a = SpecMbqm(x1 * Pow2(p.left_shift), p.input1_multiplier, p.input1_shift);
      const int64_t b = SpecMbqm(x2 * Pow2(p.left_shift), p.input2_multiplier, p.input2_shift);
      raw.push_back(Fit32(p.subtract ? a - b : a + b));
    });
    p.output_multiplier = PickMultiplier(rng);
    p.output_shift = PickShift(rng, MaxAbs(raw));
    PickClamp(rng, p.output_zero_point, &p.act_min, &p.act_max);
    std::vector<int64_t> want;
    for (int64_t r : raw) {
      want.push_back(SpecClamp(SpecMbqm(r, p.output_multiplier, p.output_shift) +
                                   p.output_zero_point,
                               p.act_min, p.act_max));
    }
    std::vector<int8_t> out(want.size());
    ref::Add(p, s.a, in1.data(), s.b, in2.data(), s.out, out.data());
    ASSERT_TRUE(SameInt8(want, out)) << "case " << iter << " a " << Describe(s.a) << " b "
                                     << Describe(s.b) << " out " << Describe(s.out)
                                     << " sub " << p.subtract << " L " << p.left_shift;
  }
  EXPECT_EQ(g_spec_violations, 0);
}

TEST(Mul, MatchesSpecOnRandomCases) {
  Rng rng(25);
  for (int iter = 0; iter < 3000; ++iter) {
    const BroadcastShapes s = PickBroadcast(rng);
    const auto in1 = RandomInt8(rng, FlatSize(s.a));
    const auto in2 = RandomInt8(rng, FlatSize(s.b));
    MulParams p;
    p.input1_zero_point = PickZeroPoint(rng);
    p.input2_zero_point = PickZeroPoint(rng);
    p.output_zero_point = PickZeroPoint(rng);
    std::vector<int64_t> prod;
    ForEachOut(s.out, [&](int32_t n, int32_t h, int32_t w, int32_t c) {
      const int64_t x1 = in1[BroadcastIndex(s.a, n, h, w, c)] - int64_t{p.input1_zero_point};
      const int64_t x2 = in2[BroadcastIndex(s.b, n, h, w, c)] - int64_t{p.input2_zero_point};
      prod.push_back(x1 * x2);
    });
    p.output_multiplier = PickMultiplier(rng);
    p.output_shift = PickShift(rng, MaxAbs(prod));
    PickClamp(rng, p.output_zero_point, &p.act_min, &p.act_max);
    std::vector<int64_t> want;
    for (int64_t v : prod) {
      want.push_back(SpecClamp(
          SpecMbqm(v, p.output_multiplier, p.output_shift) + p.output_zero_point, p.act_min,
          p.act_max));
    }
    std::vector<int8_t> out(want.size());
    ref::Mul(p, s.a, in1.data(), s.b, in2.data(), s.out, out.data());
    ASSERT_TRUE(SameInt8(want, out)) << "case " << iter << " a " << Describe(s.a) << " b "
                                     << Describe(s.b) << " out " << Describe(s.out);
  }
  EXPECT_EQ(g_spec_violations, 0);
}

// ---------------------------------------------------------------------------------------
// Pooling (FORMAT.md 6.6).

struct PoolCase {
  PoolParams p;
  Dims4 in, out;
};

PoolCase PickPool(Rng& rng) {
  PoolCase k;
  k.in = Dims4{rng.Chance(20) ? 2 : 1, SmallDim(rng, 9), SmallDim(rng, 9), Channels(rng, 20)};
  PoolParams& p = k.p;
  const bool global = rng.Chance(10);
  p.filter_h = global ? k.in.h : rng.Int(1, std::min(4, k.in.h + 1));
  p.filter_w = global ? k.in.w : rng.Int(1, std::min(4, k.in.w + 1));
  p.stride_h = rng.Int(1, 3);
  p.stride_w = rng.Int(1, 3);
  // Each pad is smaller than the filter, and the output is not empty.
  int32_t pad_bottom, pad_right;
  do {
    p.pad_top = rng.Int(0, p.filter_h - 1);
    pad_bottom = rng.Int(0, p.filter_h - 1);
  } while (k.in.h + p.pad_top + pad_bottom < p.filter_h);
  do {
    p.pad_left = rng.Int(0, p.filter_w - 1);
    pad_right = rng.Int(0, p.filter_w - 1);
  } while (k.in.w + p.pad_left + pad_right < p.filter_w);
  k.out = Dims4{k.in.n, (k.in.h + p.pad_top + pad_bottom - p.filter_h) / p.stride_h + 1,
                (k.in.w + p.pad_left + pad_right - p.filter_w) / p.stride_w + 1, k.in.c};
  PickClamp(rng, PickZeroPoint(rng), &p.act_min, &p.act_max);
  return k;
}

// Visits the input values in the window of output (n, oy, ox, c); padding is no part of it.
template <typename F>
void ForEachInWindow(const PoolCase& k, const std::vector<int8_t>& in, int32_t n, int32_t oy,
                     int32_t ox, int32_t c, F f) {
  const int32_t y0 = oy * k.p.stride_h - k.p.pad_top, x0 = ox * k.p.stride_w - k.p.pad_left;
  for (int32_t iy = y0; iy < y0 + k.p.filter_h; ++iy)
    for (int32_t ix = x0; ix < x0 + k.p.filter_w; ++ix)
      if (iy >= 0 && iy < k.in.h && ix >= 0 && ix < k.in.w)
        f(int64_t{in[((n * k.in.h + iy) * k.in.w + ix) * k.in.c + c]});
}

TEST(MaxPool2D, MatchesSpecOnRandomCases) {
  Rng rng(26);
  for (int iter = 0; iter < 1500; ++iter) {
    const PoolCase k = PickPool(rng);
    const auto in = RandomInt8(rng, FlatSize(k.in));
    std::vector<int64_t> want;
    ForEachOut(k.out, [&](int32_t n, int32_t oy, int32_t ox, int32_t c) {
      int64_t mx = kInt32Min;
      int count = 0;
      ForEachInWindow(k, in, n, oy, ox, c, [&](int64_t v) {
        mx = std::max(mx, v);
        ++count;
      });
      Require(count > 0);
      want.push_back(SpecClamp(mx, k.p.act_min, k.p.act_max));
    });
    std::vector<int8_t> out(want.size());
    ref::MaxPool2D(k.p, k.in, in.data(), k.out, out.data());
    ASSERT_TRUE(SameInt8(want, out)) << "case " << iter << " in " << Describe(k.in) << " out "
                                     << Describe(k.out) << " filter " << k.p.filter_h << "x"
                                     << k.p.filter_w;
  }
  EXPECT_EQ(g_spec_violations, 0);
}

int64_t SpecAverage(int64_t s, int64_t count) {
  const int64_t mag = FloorDiv((s < 0 ? -s : s) + FloorDiv(count, 2), count);
  return s < 0 ? -mag : mag;
}

TEST(AvgPool2D, RoundsTiesAwayFromZero) {
  EXPECT_EQ(SpecAverage(-7, 2), -4);
  EXPECT_EQ(SpecAverage(7, 2), 4);
  EXPECT_EQ(SpecAverage(-5, 4), -1);
  // A 1x2 window over {-3, -4}: -3.5 -> -4; over {3, 4}: 3.5 -> 4.
  PoolParams p{1, 2, 1, 2, 0, 0, -128, 127};
  const std::vector<int8_t> in = {-3, -4, 3, 4};
  std::vector<int8_t> out(2);
  ref::AvgPool2D(p, Dims4{1, 1, 4, 1}, in.data(), Dims4{1, 1, 2, 1}, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{-4, 4}));
}

TEST(AvgPool2D, MatchesSpecOnRandomCases) {
  Rng rng(27);
  for (int iter = 0; iter < 1500; ++iter) {
    const PoolCase k = PickPool(rng);
    const auto in = RandomInt8(rng, FlatSize(k.in));
    std::vector<int64_t> want;
    ForEachOut(k.out, [&](int32_t n, int32_t oy, int32_t ox, int32_t c) {
      int64_t s = 0, count = 0;
      ForEachInWindow(k, in, n, oy, ox, c, [&](int64_t v) {
        s += v;
        ++count;
      });
      Require(count > 0);
      want.push_back(SpecClamp(SpecAverage(s, count), k.p.act_min, k.p.act_max));
    });
    std::vector<int8_t> out(want.size());
    ref::AvgPool2D(k.p, k.in, in.data(), k.out, out.data());
    ASSERT_TRUE(SameInt8(want, out)) << "case " << iter << " in " << Describe(k.in) << " out "
                                     << Describe(k.out) << " filter " << k.p.filter_h << "x"
                                     << k.p.filter_w;
  }
  EXPECT_EQ(g_spec_violations, 0);
}

// ---------------------------------------------------------------------------------------
// MeanHW.

TEST(MeanHW, MatchesSpecOnRandomCases) {
  Rng rng(28);
  for (int iter = 0; iter < 1500; ++iter) {
    const Dims4 in_d{rng.Chance(20) ? 2 : 1, SmallDim(rng, 12), SmallDim(rng, 12),
                     Channels(rng, 20)};
    const auto in = RandomInt8(rng, FlatSize(in_d));
    MeanParams p;
    p.input_zero_point = PickZeroPoint(rng);
    p.output_zero_point = PickZeroPoint(rng);
    std::vector<int64_t> acc;
    for (int32_t n = 0; n < in_d.n; ++n)
      for (int32_t c = 0; c < in_d.c; ++c) {
        int64_t a = 0;
        for (int32_t h = 0; h < in_d.h; ++h)
          for (int32_t w = 0; w < in_d.w; ++w)
            a += in[((n * in_d.h + h) * in_d.w + w) * in_d.c + c] - int64_t{p.input_zero_point};
        acc.push_back(a);
      }
    p.multiplier = PickMultiplier(rng);
    p.shift = PickShift(rng, MaxAbs(acc));
    p.rounding = static_cast<MeanRounding>(iter % 3);
    if (p.rounding == MeanRounding::kDivideTruncate) p.output_zero_point = p.input_zero_point;
    PickClamp(rng, p.output_zero_point, &p.act_min, &p.act_max);
    // TFLite's two-step means, from their definitions: half away from zero is
    // sign(v) * floor((2|v| + hw) / (2 hw)); truncation is sign(v) * floor(|v| / hw).
    const int64_t hw = int64_t{in_d.h} * in_d.w;
    auto sign = [](int64_t v) { return v < 0 ? -1 : 1; };
    auto abs64 = [](int64_t v) { return v < 0 ? -v : v; };
    std::vector<int64_t> want;
    for (int64_t a : acc) {
      int64_t v = 0;
      if (p.rounding == MeanRounding::kFolded) {
        v = SpecMbqm(a, p.multiplier, p.shift) + p.output_zero_point;
      } else if (p.rounding == MeanRounding::kDivideHalfAway) {
        const int64_t r = SpecMbqm(a, p.multiplier, p.shift);
        v = sign(r) * ((2 * abs64(r) + hw) / (2 * hw)) + p.output_zero_point;
      } else {
        const int64_t raw = a + hw * p.input_zero_point;
        v = sign(raw) * (abs64(raw) / hw);
      }
      want.push_back(SpecClamp(v, p.act_min, p.act_max));
    }
    std::vector<int8_t> out(want.size());
    ref::MeanHW(p, in_d, in.data(), out.data());
    ASSERT_TRUE(SameInt8(want, out)) << "case " << iter << " in " << Describe(in_d) << " rounding "
                                     << static_cast<int>(p.rounding);
  }
  EXPECT_EQ(g_spec_violations, 0);
}

// ---------------------------------------------------------------------------------------
// Softmax (FORMAT.md 6.7).

// One row per the spec; false when the case breaks the spec's validity rules (k outside
// [0, 31] or a sum past int32), so the caller draws another.
bool SpecSoftmaxRow(const SoftmaxParams& p, const int8_t* q, int32_t depth,
                    std::vector<int64_t>* out) {
  int64_t mx = -128;
  for (int32_t c = 0; c < depth; ++c) mx = std::max(mx, int64_t{q[c]});
  std::vector<int64_t> e(static_cast<size_t>(depth), 0);
  int64_t sum = 0;
  for (int32_t c = 0; c < depth; ++c) {
    const int64_t d = q[c] - mx;
    if (d >= p.diff_min) {
      const int64_t r = SpecSrdhm(Fit32(d * Pow2(p.input_left_shift)), p.input_multiplier);
      e[c] = SpecExp(r);
      sum += SpecRdbp(e[c], 12);
    }
  }
  if (sum <= 0 || sum > kInt32Max) return false;
  const int hr = SpecClz(sum);
  const int64_t scale = SpecRecip(Fit32(sum * Pow2(hr) - Pow2(31)));
  const int k = (12 - hr) + 31 - 8;
  if (k < 0 || k > 31) return false;
  for (int32_t c = 0; c < depth; ++c) {
    const int64_t d = q[c] - mx;
    out->push_back(d >= p.diff_min
                       ? SpecClamp(SpecRdbp(SpecSrdhm(scale, e[c]), k) - 128, -128, 127)
                       : -128);
  }
  return true;
}

TEST(Softmax, KnownValues) {
  // beta * input_scale = 1/16 with 5 integer bits: multiplier 2^30, left shift 22.
  const SoftmaxParams p{1 << 30, 22, -512};
  const int8_t one[] = {42};
  int8_t out1[1];
  ref::Softmax(p, 1, 1, one, out1);
  EXPECT_EQ(out1[0], 127);  // probability 1 is 256/256, clamped
  const int8_t four[] = {-7, -7, -7, -7};
  int8_t out4[4];
  ref::Softmax(p, 1, 4, four, out4);
  for (int8_t v : out4) EXPECT_EQ(v, 64 - 128);
  const SoftmaxParams narrow{1 << 30, 22, 0};  // only the maximum takes part
  const int8_t row[] = {5, 9, -100};
  int8_t out3[3];
  ref::Softmax(narrow, 1, 3, row, out3);
  EXPECT_EQ(out3[0], -128);
  EXPECT_EQ(out3[1], 127);
  EXPECT_EQ(out3[2], -128);
}

TEST(Softmax, MatchesSpecOnRandomCases) {
  Rng rng(29);
  int rejected = 0;
  for (int done = 0; done < 5000;) {
    SoftmaxParams p;
    const int64_t mr = rng.Uniform(0, 99);
    p.input_multiplier = mr < 10   ? static_cast<int32_t>(kInt32Max)
                         : mr < 20 ? static_cast<int32_t>(Pow2(30))
                                   : rng.Int(Pow2(30), kInt32Max);
    p.input_left_shift = rng.Chance(10) ? 26 : rng.Int(0, 26);
    const int64_t lowest = std::min<int64_t>(Pow2(31 - p.input_left_shift), 100000);
    const int64_t dr = rng.Uniform(0, 99);
    p.diff_min = static_cast<int32_t>(dr < 10   ? 0
                                      : dr < 20 ? -lowest
                                      : dr < 60 ? -rng.Uniform(1, std::min<int64_t>(lowest, 255))
                                                : -rng.Uniform(1, lowest));
    const int32_t rows = rng.Int(1, 3);
    const int32_t depth = rng.Chance(10) ? rng.Int(300, 1000) : Channels(rng, 300);
    // Rows from a narrow band to the full int8 range, so the diffs cover [-255, 0].
    const int32_t spread = static_cast<int32_t>(Pow2(rng.Int(0, 8)));
    const int32_t base = rng.Int(-128, 128 - spread);
    std::vector<int8_t> in(static_cast<size_t>(rows) * depth);
    for (auto& v : in) v = static_cast<int8_t>(base + rng.Int(0, spread - 1));
    if (rng.Chance(10)) in[0] = 127;

    std::vector<int64_t> want;
    bool valid = true;
    for (int32_t r = 0; r < rows && valid; ++r) {
      valid = SpecSoftmaxRow(p, in.data() + r * depth, depth, &want);
    }
    if (!valid) {
      ++rejected;
      continue;
    }
    ++done;
    std::vector<int8_t> out(in.size());
    ref::Softmax(p, rows, depth, in.data(), out.data());
    ASSERT_TRUE(SameInt8(want, out))
        << "case " << done << " rows " << rows << " depth " << depth << " beta_m "
        << p.input_multiplier << " beta_s " << p.input_left_shift << " diff_min " << p.diff_min;
  }
  EXPECT_LT(rejected, 2500);
  EXPECT_EQ(g_spec_violations, 0);
}

// ---------------------------------------------------------------------------------------
// LookupTable, Requantize, Concatenation, Pad, Transpose.

TEST(LookupTable, MatchesSpecOnRandomCases) {
  Rng rng(30);
  for (int iter = 0; iter < 1000; ++iter) {
    const auto table = RandomInt8(rng, 256);
    const auto in = RandomInt8(rng, rng.Int(0, 700));
    std::vector<int64_t> want;
    for (int8_t x : in) want.push_back(table[static_cast<size_t>(x - (-128))]);
    std::vector<int8_t> out(in.size());
    ref::LookupTable(table.data(), static_cast<int32_t>(in.size()), in.data(), out.data());
    ASSERT_TRUE(SameInt8(want, out)) << "case " << iter;
  }
}

RequantizeParams PickRequantizeParams(Rng& rng) {
  RequantizeParams p;
  p.input_zero_point = PickZeroPoint(rng);
  p.output_zero_point = PickZeroPoint(rng);
  p.multiplier = PickMultiplier(rng);
  p.shift = PickShift(rng, 255);
  return p;
}

int64_t SpecRequantize(const RequantizeParams& p, int64_t x) {
  return SpecClamp(SpecMbqm(x - p.input_zero_point, p.multiplier, p.shift) + p.output_zero_point,
                   -128, 127);
}

TEST(Requantize, MatchesSpecOnRandomCases) {
  Rng rng(31);
  for (int iter = 0; iter < 2000; ++iter) {
    const RequantizeParams p = PickRequantizeParams(rng);
    const auto in = RandomInt8(rng, rng.Int(1, 600));
    std::vector<int64_t> want;
    for (int8_t x : in) want.push_back(SpecRequantize(p, x));
    std::vector<int8_t> out(in.size());
    ref::Requantize(p, static_cast<int32_t>(in.size()), in.data(), out.data());
    ASSERT_TRUE(SameInt8(want, out)) << "case " << iter << " zi " << p.input_zero_point
                                     << " zo " << p.output_zero_point << " m " << p.multiplier
                                     << " s " << p.shift;
  }
  EXPECT_EQ(g_spec_violations, 0);
}

int32_t& DimRef(Dims4& d, int axis) {
  return axis == 0 ? d.n : axis == 1 ? d.h : axis == 2 ? d.w : d.c;
}

TEST(Concatenation, MatchesSpecOnRandomCases) {
  Rng rng(32);
  for (int iter = 0; iter < 1500; ++iter) {
    const int axis = rng.Int(0, 3);
    const int num = rng.Int(1, 4);
    Dims4 out_d{rng.Int(1, 3), SmallDim(rng, 5), SmallDim(rng, 5), Channels(rng, 9)};
    DimRef(out_d, axis) = 0;
    std::vector<Dims4> dims;
    std::vector<std::vector<int8_t>> data;
    std::vector<RequantizeParams> params;
    for (int i = 0; i < num; ++i) {
      Dims4 d = out_d;
      DimRef(d, axis) = rng.Int(1, 4);
      DimRef(out_d, axis) += DimRef(d, axis);
      dims.push_back(d);
      data.push_back(RandomInt8(rng, FlatSize(d)));
      RequantizeParams p = PickRequantizeParams(rng);
      if (rng.Chance(40)) p.multiplier = 0;
      params.push_back(p);
    }
    std::vector<int64_t> want;
    ForEachOut(out_d, [&](int32_t n, int32_t h, int32_t w, int32_t c) {
      int32_t idx[4] = {n, h, w, c};
      int i = 0;
      while (idx[axis] >= DimRef(dims[i], axis)) idx[axis] -= DimRef(dims[i++], axis);
      const Dims4& d = dims[i];
      const int64_t x = data[i][((idx[0] * d.h + idx[1]) * d.w + idx[2]) * d.c + idx[3]];
      want.push_back(params[i].multiplier == 0 ? x : SpecRequantize(params[i], x));
    });
    std::vector<const int8_t*> ptrs;
    for (auto& v : data) ptrs.push_back(v.data());
    std::vector<int8_t> out(want.size());
    ref::Concatenation(axis, num, dims.data(), ptrs.data(), params.data(), out_d, out.data());
    ASSERT_TRUE(SameInt8(want, out))
        << "case " << iter << " axis " << axis << " inputs " << num << " out " << Describe(out_d);
  }
  EXPECT_EQ(g_spec_violations, 0);
}

TEST(Pad, MatchesSpecOnRandomCases) {
  Rng rng(33);
  for (int iter = 0; iter < 1500; ++iter) {
    const Dims4 in_d{rng.Int(1, 3), SmallDim(rng, 5), SmallDim(rng, 5), Channels(rng, 9)};
    int32_t pads[8];
    for (auto& v : pads) v = rng.Chance(40) ? 0 : rng.Int(0, 3);
    const Dims4 out_d{in_d.n + pads[0] + pads[1], in_d.h + pads[2] + pads[3],
                      in_d.w + pads[4] + pads[5], in_d.c + pads[6] + pads[7]};
    const int8_t pad_value = static_cast<int8_t>(PickZeroPoint(rng));
    const auto in = RandomInt8(rng, FlatSize(in_d));
    std::vector<int64_t> want;
    ForEachOut(out_d, [&](int32_t n, int32_t h, int32_t w, int32_t c) {
      const int32_t i[4] = {n - pads[0], h - pads[2], w - pads[4], c - pads[6]};
      const bool inside = i[0] >= 0 && i[0] < in_d.n && i[1] >= 0 && i[1] < in_d.h &&
                          i[2] >= 0 && i[2] < in_d.w && i[3] >= 0 && i[3] < in_d.c;
      want.push_back(inside ? in[((i[0] * in_d.h + i[1]) * in_d.w + i[2]) * in_d.c + i[3]]
                            : pad_value);
    });
    std::vector<int8_t> out(want.size());
    ref::Pad(pads, pad_value, in_d, in.data(), out_d, out.data());
    ASSERT_TRUE(SameInt8(want, out)) << "case " << iter << " in " << Describe(in_d);
  }
}

TEST(Transpose, MatchesSpecOnRandomCases) {
  Rng rng(34);
  for (int iter = 0; iter < 1500; ++iter) {
    Dims4 in_d{rng.Int(1, 4), SmallDim(rng, 6), SmallDim(rng, 6), Channels(rng, 9)};
    int32_t perm[4] = {0, 1, 2, 3};
    for (int i = 3; i > 0; --i) std::swap(perm[i], perm[rng.Int(0, i)]);
    Dims4 out_d;
    for (int d = 0; d < 4; ++d) DimRef(out_d, d) = DimRef(in_d, perm[d]);
    const auto in = RandomInt8(rng, FlatSize(in_d));
    std::vector<int64_t> want;
    ForEachOut(out_d, [&](int32_t n, int32_t h, int32_t w, int32_t c) {
      const int32_t o[4] = {n, h, w, c};
      int32_t i[4];
      for (int d = 0; d < 4; ++d) i[perm[d]] = o[d];
      want.push_back(in[((i[0] * in_d.h + i[1]) * in_d.w + i[2]) * in_d.c + i[3]]);
    });
    std::vector<int8_t> out(want.size());
    ref::Transpose(perm, in_d, in.data(), out_d, out.data());
    ASSERT_TRUE(SameInt8(want, out)) << "case " << iter << " in " << Describe(in_d) << " perm "
                                     << perm[0] << perm[1] << perm[2] << perm[3];
  }
}

}  // namespace
}  // namespace kernels
}  // namespace qinfer
