// Random-case drivers shared by the optimized-kernel tests (see kernel_cases.h).
#include "tests/support/kernel_cases.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
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

void CheckFullyConnectedRandom(uint32_t seed, int cases, FullyConnectedFn fn) {
  Rng rng(seed);
  for (int c = 0; c < cases; ++c) {
    const int32_t batches = rng.Chance(30)   ? 1
                            : rng.Chance(20) ? rng.Uniform(30, 50)  // broadcast path
                                             : rng.Uniform(1, 9);
    const int32_t in = rng.Chance(20) ? rng.Uniform(1, 1300) : rng.Uniform(1, 200);
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
    fn(p, batches, in, out, x.data(), w.data(), b, got.data());
    ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
        << "case " << c << " batches " << batches << " in " << in << " out " << out
        << " zi " << p.input_zero_point << " zw " << p.weights_zero_point;
  }
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

void CheckConv2DRandom(uint32_t seed, int cases, ConvFn fn) {
  Rng rng(seed);
  int done = 0;
  while (done < cases) {
    ConvParams p;
    const Window win = DrawWindow(rng, &p);
    p.groups = rng.Chance(20) ? rng.Uniform(2, 4) : 1;
    p.depth_multiplier = 1;
    const int32_t cg = rng.Chance(15) ? rng.Uniform(60, 140) : rng.Uniform(1, 40);
    const int32_t ocg = rng.Chance(20) ? rng.Uniform(50, 90) : rng.Uniform(1, 20);
    const Dims4 in_d{rng.Uniform(1, 2), rng.Uniform(1, 12), rng.Uniform(1, 12), cg * p.groups};
    int32_t oh, ow;
    if (!OutputSize(p, win, in_d, &oh, &ow)) continue;
    const Dims4 out_d{in_d.n, oh, ow, ocg * p.groups};
    const Dims4 w_d{out_d.c, win.kh, win.kw, cg};
    if (FlatSize(out_d) * win.kh * win.kw * cg > 400000) continue;
    ASSERT_TRUE(RunConvCase(rng, p, in_d, w_d, out_d, ref::Conv2D, fn)) << "case " << done;
    ++done;
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

// Requantization edges: weights 0 so each accumulator is its bias; every shift in [-31, 31]
// against edge multipliers and accumulators (ties at every power of two, INT32_MIN/MAX).
void CheckRequantizationEdges(FullyConnectedFn fn) {
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
        fn(p, 1, 3, n, x.data(), w.data(), accs.data(), got.data());
        ASSERT_EQ(0, std::memcmp(want.data(), got.data(), want.size()))
            << "m " << m << " s " << s << " zo " << zo;
      }
    }
  }
}

}  // namespace testing_support
}  // namespace kernels
}  // namespace qinfer
