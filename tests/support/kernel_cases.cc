// Random-case drivers shared by the optimized-kernel tests (see kernel_cases.h).
#include "tests/support/kernel_cases.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace testing_support {
namespace {

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


std::vector<int32_t> Bias(Rng& rng, int32_t n, bool* null) {
  *null = rng.Chance(15);
  std::vector<int32_t> b(static_cast<size_t>(n));
  for (auto& e : b) {
    const int r = rng.Uniform(0, 19);
    e = r == 0 ? INT32_MIN / 2 : r == 1 ? INT32_MAX / 2 : rng.Uniform(-100000, 100000);
  }
  return b;
}

}  // namespace

void Activation(Rng& rng, int32_t* lo, int32_t* hi) {
  *lo = -128, *hi = 127;
  if (rng.Chance(30)) {
    *lo = rng.Uniform(-128, 127);
    *hi = rng.Uniform(*lo, 127);
  }
}

namespace {

// One random fully connected case of the given shape; the parameters are drawn from rng.
// make_x, when given, draws the activations for the case's input zero point.
using MakeX = std::function<std::vector<int8_t>(int32_t zi, int64_t count)>;

void CheckFullyConnectedCase(Rng& rng, int c, int32_t batches, int32_t in, int32_t out,
                             const FullyConnectedFn& fn, int32_t zw_percent = 25,
                             const MakeX& make_x = nullptr) {
  FullyConnectedParams p;
  p.input_zero_point = rng.ZeroPoint();
  p.weights_zero_point = rng.Chance(zw_percent) ? rng.ZeroPoint() : 0;
  p.output_zero_point = rng.ZeroPoint();
  Activation(rng, &p.act_min, &p.act_max);
  const RequantData rq = MakeRequant(rng, out);
  p.requant = rq.view();
  const auto x = make_x ? make_x(p.input_zero_point, int64_t{batches} * in)
                        : rng.Bytes(int64_t{batches} * in);
  const auto w = rng.Bytes(int64_t{in} * out);
  bool null_bias;
  const auto bias = Bias(rng, out, &null_bias);
  const int32_t* b = null_bias ? nullptr : bias.data();
  std::vector<int8_t> want(static_cast<size_t>(batches * out)), got(want.size(), 0x55);
  ref::FullyConnected(p, batches, in, out, x.data(), w.data(), b, want.data());
  fn(p, batches, in, out, x.data(), w.data(), b, got.data());
  ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
      << "case " << c << " batches " << batches << " in " << in << " out " << out << " zi "
      << p.input_zero_point << " zw " << p.weights_zero_point;
}

}  // namespace

void CheckFullyConnectedRandom(uint32_t seed, int cases, FullyConnectedFn fn) {
  Rng rng(seed);
  for (int c = 0; c < cases; ++c) {
    const int32_t batches = rng.Chance(30)   ? 1
                            : rng.Chance(20) ? rng.Uniform(30, 50)  // broadcast path
                                             : rng.Uniform(1, 9);
    const int32_t in = rng.Chance(20) ? rng.Uniform(1, 1300) : rng.Uniform(1, 200);
    const int32_t out = rng.Uniform(1, 140);
    CheckFullyConnectedCase(rng, c, batches, in, out, fn);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

void CheckFullyConnectedSingleRowRandom(uint32_t seed, int cases, FullyConnectedFn fn) {
  Rng rng(seed);
  int with_k16 = 0;  // cases of K >= 16: the ones the single-row kernels take
  for (int c = 0; with_k16 < cases; ++c) {
    const int r = rng.Uniform(0, 9);
    const int32_t in = r == 0   ? rng.Uniform(1, 15)
                       : r <= 3 ? 16 * rng.Uniform(1, 16) + rng.Uniform(-1, 1)
                       : r == 4 ? rng.Uniform(257, 700)
                                : rng.Uniform(16, 256);
    const int32_t out = rng.Chance(30) ? rng.Uniform(1, 5) : rng.Uniform(1, 70);
    with_k16 += in >= 16;
    CheckFullyConnectedCase(rng, c, 1, in, out, fn);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

int CheckFullyConnectedLongRowRandom(uint32_t seed, int cases, FullyConnectedFn fn) {
  Rng rng(seed);
  int whole_groups = 0;
  for (int c = 0; whole_groups < cases; ++c) {
    const int32_t in = rng.Chance(75) ? 4 * rng.Uniform(176, 350) : rng.Uniform(1, 1400);
    CheckFullyConnectedCase(rng, c, 1, in, rng.Uniform(1, 150), fn);
    if (::testing::Test::HasFatalFailure()) return whole_groups;
    whole_groups += in % 4 == 0 && in >= 704;
  }
  return whole_groups;
}

RowWindowCounts CheckFullyConnectedRowWindowsRandom(uint32_t seed, int cases,
                                                   FullyConnectedFn fn) {
  Rng rng(seed);
  RowWindowCounts n;
  int lo = 0, hi = 0;  // the window the activations are drawn from
  const MakeX make_x = [&](int32_t zi, int64_t count) {
    const int r = rng.Uniform(0, 2);
    lo = r == 0 ? zi : r == 1 ? std::max(-128, zi - 128) : -128;
    hi = r == 0 ? 127 : r == 1 ? std::min(127, zi + 127) : 127;
    std::vector<int8_t> x(static_cast<size_t>(count));
    for (auto& e : x) {
      // The window's ends a tenth of the time: the modes' bounds are exact.
      e = static_cast<int8_t>(rng.Chance(10) ? (rng.Chance(50) ? lo : hi) : rng.Uniform(lo, hi));
    }
    if (count > 0 && rng.Chance(20)) {
      // One element just outside the window, where there is an outside: a range check
      // that misses a single element picks a mode that overflows.
      const size_t at = static_cast<size_t>(rng.Uniform(0, static_cast<int32_t>(count - 1)));
      if (lo > -128 && rng.Chance(50)) x[at] = static_cast<int8_t>(lo - 1);
      else if (hi < 127) x[at] = static_cast<int8_t>(hi + 1);
    }
    return x;
  };
  const auto enough = [&] {
    return n.unsigned_range >= cases && n.signed_range >= cases && n.wider >= cases;
  };
  for (int c = 0; !enough(); ++c) {
    const int32_t in = rng.Chance(50) ? 4 * rng.Uniform(1, 350) : rng.Uniform(1, 1400);
    int32_t zi = 0, xmin = 127, xmax = -128;
    CheckFullyConnectedCase(
        rng, c, 1, in, rng.Uniform(1, 70),
        [&](const FullyConnectedParams& p, int32_t b, int32_t i, int32_t o, const int8_t* x,
            const int8_t* w, const int32_t* bias, int8_t* y) {
          zi = p.input_zero_point;
          for (int32_t k = 0; k < i; ++k) xmin = std::min<int32_t>(xmin, x[k]), xmax = std::max<int32_t>(xmax, x[k]);
          fn(p, b, i, o, x, w, bias, y);
        },
        25, make_x);
    if (::testing::Test::HasFatalFailure()) return n;
    ++n.cases;
    if (xmin - zi >= 0) ++n.unsigned_range;
    else if (xmin - zi >= -128 && xmax - zi <= 127) ++n.signed_range;
    else ++n.wider;
  }
  return n;
}

FcSmallCounts CheckFullyConnectedSmallRandom(uint32_t seed, int cases, FullyConnectedFn fn) {
  Rng rng(seed);
  FcSmallCounts n;
  const auto enough = [&] {
    return n.one_vector >= cases && n.wider >= cases && n.with_zw >= cases &&
           n.without_zw >= cases && n.over_32k >= cases;
  };
  for (int c = 0; !enough(); ++c) {
    const bool big = rng.Chance(35);
    const int32_t batches = big ? rng.Uniform(30, 40) : rng.Uniform(1, 40);
    const int32_t in = big               ? rng.Uniform(1100, 1400)
                       : rng.Chance(10) ? 4 * rng.Uniform(1, 64)
                                        : rng.Uniform(1, 700);
    const int32_t out = big              ? rng.Uniform(1, 40)
                        : rng.Chance(50) ? rng.Uniform(1, 16)
                                         : rng.Uniform(17, 200);
    // Zero points and requantization are drawn inside the case: counted as the kernel gets them.
    bool zw = false;
    CheckFullyConnectedCase(
        rng, c, batches, in, out,
        [&](const FullyConnectedParams& p, int32_t b, int32_t i, int32_t o, const int8_t* x,
            const int8_t* w, const int32_t* bias, int8_t* y) {
          zw = p.weights_zero_point != 0;
          n.per_tensor += p.requant.count == 1;
          fn(p, b, i, o, x, w, bias, y);
        },
        50);
    if (::testing::Test::HasFatalFailure()) return n;
    ++n.cases;
    n.one_vector += out <= 16;
    n.wider += out > 16;
    n.with_zw += zw;
    n.without_zw += !zw;
    n.over_32k += batches * in > 32768;
  }
  return n;
}

namespace {

// A random window: kernel 1..5, stride 1..3, dilation 2 sometimes, padding below the kernel.
struct Window {
  int32_t kh, kw, pad_bottom, pad_right;
};

Window DrawWindow(Rng& rng, ConvParams* p) {
  Window w;
  w.kh = rng.Uniform(1, 5), w.kw = rng.Uniform(1, 5);
  p->stride_h = rng.Uniform(1, 3), p->stride_w = rng.Uniform(1, 3);
  p->dilation_h = rng.Chance(20) ? 2 : 1, p->dilation_w = rng.Chance(20) ? 2 : 1;
  p->pad_top = rng.Uniform(0, w.kh - 1), p->pad_left = rng.Uniform(0, w.kw - 1);
  w.pad_bottom = rng.Uniform(0, w.kh - 1), w.pad_right = rng.Uniform(0, w.kw - 1);
  return w;
}

// The output height and width of `win` over `in_d`; false if the window does not fit.
bool OutputSize(const ConvParams& p, const Window& win, const Dims4& in_d, int32_t* oh,
                int32_t* ow) {
  const int32_t eh = (win.kh - 1) * p.dilation_h + 1, ew = (win.kw - 1) * p.dilation_w + 1;
  const int32_t ph = in_d.h + p.pad_top + win.pad_bottom, pw = in_d.w + p.pad_left + win.pad_right;
  if (ph < eh || pw < ew) return false;
  *oh = (ph - eh) / p.stride_h + 1;
  *ow = (pw - ew) / p.stride_w + 1;
  return true;
}

// Draws quantization, data and bias for one conv-shaped case and compares `fn` with `want_fn`
// (the reference) byte for byte; returns the description of a mismatch, empty if equal.
template <typename RefFn>
::testing::AssertionResult RunConvCase(Rng& rng, ConvParams p, const Dims4& in_d,
                                       const Dims4& w_d, const Dims4& out_d, RefFn ref_fn,
                                       ConvFn fn) {
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
  ref_fn(p, in_d, x.data(), w_d, w.data(), b, out_d, want.data());
  fn(p, in_d, x.data(), w_d, w.data(), b, out_d, got.data());
  if (std::memcmp(want.data(), got.data(), want.size()) == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "in " << in_d.n << "x" << in_d.h << "x" << in_d.w << "x" << in_d.c << " k "
         << w_d.h << "x" << w_d.w << " s " << p.stride_h << "," << p.stride_w << " d "
         << p.dilation_h << "," << p.dilation_w << " pad " << p.pad_top << "," << p.pad_left
         << " g " << p.groups << " m " << p.depth_multiplier << " oc " << out_d.c;
}

}  // namespace

namespace {

// small_k: receptive fields of a few dozen bytes (stems over 1-4 channels, small 2-5
// kernels) over rows wide enough for runs of several pixels, 1..70 output channels.
void CheckConvCases(uint32_t seed, int cases, ConvFn fn, bool small_k) {
  Rng rng(seed);
  int done = 0;
  while (done < cases) {
    ConvParams p;
    const Window win = DrawWindow(rng, &p);
    p.groups = !small_k && rng.Chance(20) ? rng.Uniform(2, 4) : 1;
    p.depth_multiplier = 1;
    int32_t cg, ocg;
    if (small_k) {
      cg = rng.Chance(20) ? rng.Uniform(5, 21) : rng.Uniform(1, 4);
      ocg = rng.Chance(30) ? rng.Uniform(1, 16) : rng.Uniform(17, 70);
    } else {
      cg = rng.Chance(15) ? rng.Uniform(60, 140) : rng.Uniform(1, 40);
      ocg = rng.Chance(20) ? rng.Uniform(50, 90) : rng.Uniform(1, 20);
    }
    const int32_t in_h = rng.Uniform(1, small_k ? 10 : 12);
    const Dims4 in_d{rng.Uniform(1, 2), in_h, rng.Uniform(1, small_k ? 40 : 12), cg * p.groups};
    int32_t oh, ow;
    if (!OutputSize(p, win, in_d, &oh, &ow)) continue;
    const Dims4 out_d{in_d.n, oh, ow, ocg * p.groups};
    const Dims4 w_d{out_d.c, win.kh, win.kw, cg};
    if (FlatSize(out_d) * win.kh * win.kw * cg > 400000) continue;
    ASSERT_TRUE(RunConvCase(rng, p, in_d, w_d, out_d, ref::Conv2D, fn)) << "case " << done;
    ++done;
  }
}

}  // namespace

void CheckConv2DRandom(uint32_t seed, int cases, ConvFn fn) {
  CheckConvCases(seed, cases, std::move(fn), false);
}

void CheckConv2DSmallKRandom(uint32_t seed, int cases, ConvFn fn) {
  CheckConvCases(seed, cases, std::move(fn), true);
}

void CheckPointwiseConv2DRandom(uint32_t seed, int cases, ConvFn fn) {
  Rng rng(seed);
  for (int c = 0; c < cases; ++c) {
    ConvParams p;
    p.stride_h = p.stride_w = 1;
    p.dilation_h = rng.Chance(20) ? 2 : 1, p.dilation_w = rng.Chance(20) ? 2 : 1;
    p.pad_top = p.pad_left = 0;
    p.groups = 1;
    p.depth_multiplier = 1;
    // Sizes kept small enough for the sanitizer build (the reference does most of the work).
    const int r = rng.Uniform(0, 19);
    const int32_t k = r <= 2    ? rng.Uniform(1, 15)
                      : r <= 12 ? rng.Uniform(16, 100)
                      : r <= 17 ? rng.Uniform(100, 400)
                      : r == 18 ? rng.Uniform(400, 1152)
                                : rng.Uniform(1140, 1200);
    const int32_t oc = rng.Chance(50) ? rng.Uniform(1, 40) : rng.Uniform(40, 130);
    // Pixel counts around the tile heights (6 and 8 rows) and larger, some below the minimum.
    const int32_t h = rng.Uniform(1, 9), w = rng.Chance(80) ? rng.Uniform(1, 9) : rng.Uniform(10, 16);
    const Dims4 in_d{rng.Uniform(1, 2), h, w, k};
    const Dims4 out_d{in_d.n, h, w, oc};
    const Dims4 w_d{oc, 1, 1, k};
    ASSERT_TRUE(RunConvCase(rng, p, in_d, w_d, out_d, ref::Conv2D, fn)) << "case " << c;
  }
}

void CheckPointwiseTilesRandom(uint32_t seed, int cases_per_kind, ConvFn fn) {
  Rng rng(seed);
  const int kinds = 4 * 3;
  for (int c = 0; c < kinds * cases_per_kind; ++c) {
    const int32_t vectors = 1 + c % 4, rest_kind = c / 4 % 3;
    const int32_t rows = vectors <= 2 ? 8 : 6;
    const int32_t rest = rest_kind == 0   ? 0
                         : rest_kind == 1 ? rng.Uniform(1, rows / 2)
                                          : rng.Uniform(rows / 2 + 1, rows - 1);
    const int32_t pixels = rows * rng.Uniform(2, 3) + rest;  // >= 8, the kernel's minimum
    // Output channels: 0 or 1 whole blocks of 64, then a last block of `vectors` 16-lane
    // vectors, its last one 1..16 lanes full.
    const int32_t oc = 64 * rng.Uniform(0, 1) + 16 * (vectors - 1) + rng.Uniform(1, 16);
    const int32_t k = rng.Chance(3) ? rng.Uniform(49, 1152) : rng.Uniform(1, 48);
    ConvParams p;
    p.stride_h = p.stride_w = 1;
    p.dilation_h = p.dilation_w = 1;
    p.pad_top = p.pad_left = 0;
    p.groups = 1;
    p.depth_multiplier = 1;
    const bool two = pixels % 2 == 0 && rng.Chance(30);
    const Dims4 in_d{two ? 2 : 1, 1, two ? pixels / 2 : pixels, k};
    const Dims4 out_d{in_d.n, 1, in_d.w, oc};
    const Dims4 w_d{oc, 1, 1, k};
    ASSERT_TRUE(RunConvCase(rng, p, in_d, w_d, out_d, ref::Conv2D, fn)) << "case " << c;
  }
}

void CheckDepthwiseConv2DRandom(uint32_t seed, int cases, ConvFn fn) {
  Rng rng(seed);
  int done = 0;
  while (done < cases) {
    ConvParams p;
    const Window win = DrawWindow(rng, &p);
    p.groups = 1;
    p.depth_multiplier = rng.Chance(10) ? rng.Uniform(2, 3) : 1;
    const int32_t ic = rng.Chance(20) ? rng.Uniform(60, 150) : rng.Uniform(1, 40);
    // Wide rows sometimes: runs of 4 and 8 pixels with the whole window inside the input.
    const int32_t in_w = rng.Chance(25) ? rng.Uniform(15, 40) : rng.Uniform(1, 14);
    const Dims4 in_d{rng.Uniform(1, 2), rng.Uniform(1, 14), in_w, ic};
    int32_t oh, ow;
    if (!OutputSize(p, win, in_d, &oh, &ow)) continue;
    const Dims4 out_d{in_d.n, oh, ow, ic * p.depth_multiplier};
    const Dims4 w_d{1, win.kh, win.kw, out_d.c};
    ASSERT_TRUE(RunConvCase(rng, p, in_d, w_d, out_d, ref::DepthwiseConv2D, fn))
        << "case " << done;
    ++done;
  }
}

void CheckDepthwise3x3Random(uint32_t seed, int cases, ConvFn fn) {
  Rng rng(seed);
  for (int c = 0; c < cases; ++c) {
    ConvParams p;
    p.stride_h = p.stride_w = rng.Uniform(1, 2);
    p.dilation_h = p.dilation_w = 1;
    p.pad_top = rng.Uniform(0, 2), p.pad_left = rng.Uniform(0, 2);
    const Window win{3, 3, rng.Uniform(0, 2), rng.Uniform(0, 2)};
    p.groups = 1;
    p.depth_multiplier = 1;
    // Whole blocks of 32 channels, or a tail of 1..31 after 0..4 of them.
    const int32_t ch = rng.Chance(35) ? 32 * rng.Uniform(1, 5)
                       : rng.Chance(50) ? rng.Uniform(1, 40) : rng.Uniform(41, 150);
    const int32_t in_w = rng.Chance(25) ? rng.Uniform(15, 40) : rng.Uniform(1, 14);
    const Dims4 in_d{rng.Uniform(1, 2), rng.Uniform(1, 14), in_w, ch};
    int32_t oh, ow;
    if (!OutputSize(p, win, in_d, &oh, &ow)) {
      --c;
      continue;
    }
    const Dims4 out_d{in_d.n, oh, ow, ch};
    const Dims4 w_d{1, 3, 3, ch};
    ASSERT_TRUE(RunConvCase(rng, p, in_d, w_d, out_d, ref::DepthwiseConv2D, fn)) << "case " << c;
  }
}

// Requantization edges: weights 0 so each accumulator is its bias; every shift in [-31, 31]
// against edge multipliers and accumulators (ties at every power of two, INT32_MIN/MAX).
void CheckRequantizationEdges(FullyConnectedFn fn, int32_t in_features) {
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
  std::vector<int8_t> x(static_cast<size_t>(in_features), 5),
      w(static_cast<size_t>(n) * in_features, 0);
  for (int32_t zo : {-128, 0, 127}) {
    for (int32_t m : mults) {
      for (int32_t s = -31; s <= 31; ++s) {
        std::vector<int32_t> mv(static_cast<size_t>(n), m), sv(static_cast<size_t>(n), s);
        FullyConnectedParams p{-128, 0, zo, -128, 127,
                               Requant{mv.data(), sv.data(), n}};
        std::vector<int8_t> want(static_cast<size_t>(n)), got(want.size(), 0x55);
        ref::FullyConnected(p, 1, in_features, n, x.data(), w.data(), accs.data(), want.data());
        fn(p, 1, in_features, n, x.data(), w.data(), accs.data(), got.data());
        ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
            << "m " << m << " s " << s << " zo " << zo;
      }
    }
  }
}

namespace {

// An operand of an add with output dims `out`: N, H, W (and, if allowed, C) sometimes 1.
Dims4 AddOperandDims(Rng& rng, const Dims4& out, bool broadcast_c) {
  Dims4 d = out;
  if (rng.Chance(40)) {
    d.n = rng.Chance(50) ? 1 : d.n;
    d.h = rng.Chance(50) ? 1 : d.h;
    d.w = rng.Chance(50) ? 1 : d.w;
    d.c = broadcast_c && rng.Chance(50) ? 1 : d.c;
  }
  return d;
}

// As a converter sets them: input scales at most twice the output's, so the sum of the two
// rescaled inputs stays inside int32.
void ConverterRescalings(Rng& rng, AddParams* p) {
  p->left_shift = rng.Chance(75) ? 20 : rng.Uniform(0, 22);
  p->input1_multiplier = rng.Uniform(1 << 30, INT32_MAX);
  p->input1_shift = rng.Uniform(-31, 0);
  p->input2_multiplier = rng.Uniform(1 << 30, INT32_MAX);
  p->input2_shift = rng.Uniform(-31, 0);
  p->output_multiplier = rng.Multiplier();
  p->output_shift = rng.Shift();
}

}  // namespace

BinaryDims DrawBinaryDims(Rng& rng) {
  // Mostly short rows; some long enough for several vector bodies and a tail.
  const int32_t ch = rng.Chance(30)   ? rng.Uniform(1, 20)
                     : rng.Chance(85) ? rng.Uniform(1, 90)
                                      : rng.Uniform(91, 300);
  BinaryDims d;
  d.out = Dims4{rng.Uniform(1, 2), rng.Uniform(1, 8), rng.Uniform(1, 8), ch};
  const bool broadcast_c = rng.Chance(10);
  d.in1 = AddOperandDims(rng, d.out, broadcast_c);
  d.in2 = AddOperandDims(rng, d.out, broadcast_c);
  return d;
}

AddCounts CheckAddRandom(uint32_t seed, int cases, AddFn fn, const AddOptions& options) {
  Rng rng(seed);
  AddCounts counts;
  int channel_rows = 0;  // cases with the channel dim of both inputs not broadcast
  for (int c = 0; channel_rows < cases; ++c) {
    const BinaryDims dims = DrawBinaryDims(rng);
    const Dims4 &out_d = dims.out, &d1 = dims.in1, &d2 = dims.in2;
    channel_rows += d1.c == out_d.c && d2.c == out_d.c;
    AddParams p;
    p.input1_zero_point = rng.ZeroPoint();
    p.input2_zero_point = rng.ZeroPoint();
    p.output_zero_point = rng.ZeroPoint();
    (options.rescalings ? options.rescalings : ConverterRescalings)(rng, &p);
    Activation(rng, &p.act_min, &p.act_max);
    p.subtract = rng.Chance(30);
    const auto a = rng.Bytes(FlatSize(d1));
    const auto b = rng.Bytes(FlatSize(d2));
    std::vector<int8_t> want(static_cast<size_t>(FlatSize(out_d))), got(want.size(), 0x55);
    ref::Add(p, d1, a.data(), d2, b.data(), out_d, want.data());
    const bool in_place = FlatSize(d1) == FlatSize(out_d) && rng.Chance(20);
    if (in_place) {  // the planner may give the output an input's buffer
      std::memcpy(got.data(), a.data(), got.size());
      fn(p, d1, got.data(), d2, b.data(), out_d, got.data());
    } else {
      fn(p, d1, a.data(), d2, b.data(), out_d, got.data());
    }
    const auto describe = [&] {
      std::ostringstream s;
      s << "case " << c << " out " << out_d.n << "x" << out_d.h << "x" << out_d.w << "x"
        << out_d.c << " in1 c " << d1.c << " in2 c " << d2.c << " left " << p.left_shift
        << " m " << p.input1_multiplier << "," << p.input2_multiplier << ","
        << p.output_multiplier << " s " << p.input1_shift << "," << p.input2_shift << ","
        << p.output_shift << " sub " << p.subtract << " in place " << in_place;
      return s.str();
    };
    ++counts.cases;
    EXPECT_EQ(0, std::memcmp(want.data(), got.data(), want.size())) << describe();
    if (options.declining) {
      std::vector<int8_t> direct(want.size(), 0x55);
      if (options.declining(p, d1, a.data(), d2, b.data(), out_d, direct.data())) {
        ++counts.taken;
        EXPECT_EQ(0, std::memcmp(want.data(), direct.data(), want.size()))
            << describe() << " (declining kernel)";
      }
    }
    if (::testing::Test::HasFailure()) return counts;
  }
  return counts;
}

void CheckPoolRandom(uint32_t seed, int cases, bool max, PoolFn fn) {
  Rng rng(seed);
  int wide = 0;  // cases with >= 16 channels
  for (int c = 0; wide < cases;) {
    PoolParams p;
    p.filter_h = rng.Chance(5) ? rng.Uniform(12, 17) : rng.Uniform(1, 5);
    p.filter_w = rng.Chance(5) ? rng.Uniform(12, 17) : rng.Uniform(1, 5);
    p.stride_h = rng.Uniform(1, 3), p.stride_w = rng.Uniform(1, 3);
    p.pad_top = rng.Uniform(0, p.filter_h - 1), p.pad_left = rng.Uniform(0, p.filter_w - 1);
    const int32_t pad_bottom = rng.Uniform(0, p.filter_h - 1);
    const int32_t pad_right = rng.Uniform(0, p.filter_w - 1);
    const int32_t ch = rng.Chance(20) ? rng.Uniform(1, 15) : rng.Uniform(16, 100);
    const Dims4 in_d{rng.Uniform(1, 2), rng.Uniform(1, 20), rng.Uniform(1, 20), ch};
    const int32_t span_h = in_d.h + p.pad_top + pad_bottom - p.filter_h;
    const int32_t span_w = in_d.w + p.pad_left + pad_right - p.filter_w;
    if (span_h < 0 || span_w < 0) continue;
    const Dims4 out_d{in_d.n, span_h / p.stride_h + 1, span_w / p.stride_w + 1, ch};
    Activation(rng, &p.act_min, &p.act_max);
    const auto x = rng.Bytes(FlatSize(in_d));
    std::vector<int8_t> want(static_cast<size_t>(FlatSize(out_d))), got(want.size(), 0x55);
    (max ? ref::MaxPool2D : ref::AvgPool2D)(p, in_d, x.data(), out_d, want.data());
    fn(p, in_d, x.data(), out_d, got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
        << "case " << c << (max ? " max" : " avg") << " in " << in_d.n << "x" << in_d.h << "x"
        << in_d.w << "x" << ch << " filter " << p.filter_h << "x" << p.filter_w << " stride "
        << p.stride_h << "," << p.stride_w << " pad " << p.pad_top << "," << p.pad_left;
    wide += ch >= 16;
    ++c;
  }
}

void CheckAvgPoolDivisionEdges(PoolFn fn, int32_t channels) {
  for (int32_t fill : {-128, 127, -1, 1, 0}) {
    for (int32_t f = 1; f <= 17; ++f) {
      // Padding f - 1 on every side: the output pixels see every clipped count from 1 to f*f.
      const PoolParams p{f, f, 1, 1, f - 1, f - 1, -128, 127};
      const Dims4 in_d{1, f, f, channels};
      std::vector<int8_t> x(static_cast<size_t>(FlatSize(in_d)), static_cast<int8_t>(fill));
      for (size_t i = 0; i < x.size(); i += 5) {  // some ties and near-ties
        x[i] = static_cast<int8_t>(fill == 0 ? 1 : -fill / 2);
      }
      const Dims4 out_d{1, 2 * f - 1, 2 * f - 1, in_d.c};
      std::vector<int8_t> want(static_cast<size_t>(FlatSize(out_d))), got(want.size(), 0x55);
      ref::AvgPool2D(p, in_d, x.data(), out_d, want.data());
      fn(p, in_d, x.data(), out_d, got.data());
      ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
          << "fill " << fill << " window " << f << "x" << f << " channels " << channels;
    }
  }
}

void CheckMeanRandom(uint32_t seed, int cases, MeanFn fn) {
  Rng rng(seed);
  int wide = 0;  // cases with >= 16 channels
  for (int c = 0; wide < cases; ++c) {
    const bool big = rng.Chance(15);
    const int32_t ch = rng.Chance(20) ? rng.Uniform(1, 15) : rng.Uniform(16, 70);
    const Dims4 in_d{rng.Uniform(1, 2), big ? rng.Uniform(17, 40) : rng.Uniform(1, 9),
                     big ? rng.Uniform(17, 40) : rng.Uniform(1, 9), big ? 16 : ch};
    MeanParams p;
    p.input_zero_point = rng.ZeroPoint();
    p.output_zero_point = rng.ZeroPoint();
    p.multiplier = rng.Uniform(1 << 30, INT32_MAX);
    p.shift = rng.Uniform(-31, 0);
    Activation(rng, &p.act_min, &p.act_max);
    p.rounding = static_cast<MeanRounding>(rng.Uniform(0, 2));
    if (p.rounding == MeanRounding::kDivideTruncate) p.output_zero_point = p.input_zero_point;
    const auto x = rng.Bytes(FlatSize(in_d));
    std::vector<int8_t> want(static_cast<size_t>(in_d.n * in_d.c)), got(want.size(), 0x55);
    ref::MeanHW(p, in_d, x.data(), want.data());
    fn(p, in_d, x.data(), got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
        << "case " << c << " in " << in_d.n << "x" << in_d.h << "x" << in_d.w << "x" << in_d.c
        << " rounding " << static_cast<int>(p.rounding) << " shift " << p.shift;
    wide += in_d.c >= 16;
  }
}

}  // namespace testing_support
}  // namespace kernels
}  // namespace qinfer
