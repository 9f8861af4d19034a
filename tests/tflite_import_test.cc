// TFLite importer: the TFLite Micro models from ../shared/conformance/tflm (exact output),
// hello_world's sine check, one synthetic .tflite per supported operator (built here with
// FlatBufferBuilder over schema/tflite_subset.fbs) checked against a straightforward
// implementation, in this file, of TFLite's int8 reference kernel arithmetic, refusals, and
// TFLite's QuantizeMultiplier.
#include "converter/tflite_import.h"

#include <fixedpoint/fixedpoint.h>
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "converter/error.h"
#include "converter/target.h"
#include "converter/tflite_arith.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "schema/qinfer_generated.h"
#include "schema/tflite_subset_generated.h"
#include "tests/support/model_builder.h"

namespace qinfer {
namespace converter {
namespace {

namespace tfl = ::qinfer::tfl;
using tfl::BuiltinOperator;
using tfl::TensorType;

// =============================================================================================
// TFLite's int8 reference arithmetic, written independently of the importer.

namespace ref {

// m = q * 2^(shift - 31), q in [2^30, 2^31), rounded half away from zero.
void QuantizeMultiplier(double m, int32_t* q, int32_t* shift) {
  if (m == 0) {
    *q = 0;
    *shift = 0;
    return;
  }
  int e = std::ilogb(m) + 1;  // |m| = f * 2^e with f in [0.5, 1)
  const double scaled = std::ldexp(m, 31 - e);
  const double r = scaled >= 0 ? std::floor(scaled + 0.5) : std::ceil(scaled - 0.5);
  int64_t qi = static_cast<int64_t>(r);
  if (qi == (int64_t{1} << 31)) {
    qi >>= 1;
    ++e;
  }
  if (e < -31) {
    qi = 0;
    e = 0;
  }
  *q = static_cast<int32_t>(qi);
  *shift = e;
}

int32_t Srdhm(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^e rounded to nearest, ties away from zero.
int32_t Rdbp(int32_t x, int e) {
  if (e == 0) return x;
  const int64_t ax = std::llabs(static_cast<int64_t>(x));
  int64_t q = ax >> e;
  if (2 * (ax & ((int64_t{1} << e) - 1)) >= (int64_t{1} << e)) ++q;
  return static_cast<int32_t>(x < 0 ? -q : q);
}

int32_t Mbqm(int32_t x, int32_t m, int32_t s) {
  const int left = s > 0 ? s : 0, right = s > 0 ? 0 : -s;
  return Rdbp(Srdhm(static_cast<int32_t>(static_cast<int64_t>(x) * (int64_t{1} << left)), m),
              right);
}

int32_t Clamp(int64_t v, int32_t lo, int32_t hi) {
  return static_cast<int32_t>(std::min<int64_t>(hi, std::max<int64_t>(lo, v)));
}

// Fused activation bounds: zp + round(f / scale), in float.
void ActRange(int act, float scale, int32_t zp, int32_t* lo, int32_t* hi) {
  auto q = [&](float f) { return zp + static_cast<int32_t>(std::round(f / scale)); };
  *lo = -128;
  *hi = 127;
  if (act == 1) *lo = std::max(-128, q(0.0f));
  if (act == 3) {
    *lo = std::max(-128, q(0.0f));
    *hi = std::min(127, q(6.0f));
  }
  if (act == 2) {
    *lo = std::max(-128, q(-1.0f));
    *hi = std::min(127, q(1.0f));
  }
}

// TFLite's SAME / VALID output size and leading padding.
void Geometry(bool same, int in, int k, int stride, int dil, int* out, int* pad) {
  const int eff = (k - 1) * dil + 1;
  *out = same ? (in + stride - 1) / stride : (in + stride - eff) / stride;
  const int total = std::max(0, (*out - 1) * stride + eff - in);
  *pad = total / 2;
}

struct Shape4 {
  int n, h, w, c;
  int64_t size() const { return static_cast<int64_t>(n) * h * w * c; }
  int64_t at(int b, int y, int x, int ch) const {
    return ((static_cast<int64_t>(b) * h + y) * w + x) * c + ch;
  }
};

struct ConvCfg {
  bool depthwise = false, same = true;
  int stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1, act = 0;
};

std::vector<int8_t> Conv(const ConvCfg& g, const Shape4& is, const std::vector<int8_t>& x,
                         int32_t zi, float si, const Shape4& ws, const std::vector<int8_t>& w,
                         const std::vector<float>& wscale, const std::vector<int32_t>* bias,
                         float so, int32_t zo, Shape4* os) {
  const int oc = g.depthwise ? ws.c : ws.n;
  const int kh = ws.h, kw = ws.w;
  int oh, ow, pt, pl;
  Geometry(g.same, is.h, kh, g.stride_h, g.dil_h, &oh, &pt);
  Geometry(g.same, is.w, kw, g.stride_w, g.dil_w, &ow, &pl);
  *os = {is.n, oh, ow, oc};
  int32_t lo, hi;
  ActRange(g.act, so, zo, &lo, &hi);
  std::vector<int8_t> y(static_cast<size_t>(os->size()));
  const int fin = g.depthwise ? 1 : ws.c;
  const int groups = g.depthwise ? 1 : is.c / fin;
  const int per_group = oc / groups;
  const int mult = g.depthwise ? oc / is.c : 1;
  for (int b = 0; b < is.n; ++b)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int o = 0; o < oc; ++o) {
          int64_t acc = 0;
          for (int ky = 0; ky < kh; ++ky)
            for (int kx = 0; kx < kw; ++kx) {
              const int iy = oy * g.stride_h - pt + ky * g.dil_h;
              const int ix = ox * g.stride_w - pl + kx * g.dil_w;
              if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) continue;
              if (g.depthwise) {
                const int ic = o / mult;
                acc += static_cast<int64_t>(w[static_cast<size_t>((ky * kw + kx) * oc + o)]) *
                       (x[static_cast<size_t>(is.at(b, iy, ix, ic))] - zi);
              } else {
                const int ic0 = (o / per_group) * fin;
                for (int ic = 0; ic < fin; ++ic) {
                  acc += static_cast<int64_t>(w[static_cast<size_t>(
                             ((static_cast<int64_t>(o) * kh + ky) * kw + kx) * fin + ic)]) *
                         (x[static_cast<size_t>(is.at(b, iy, ix, ic0 + ic))] - zi);
                }
              }
            }
          if (bias) acc += (*bias)[static_cast<size_t>(o)];
          int32_t m, s;
          const float fs = wscale.size() == 1 ? wscale[0] : wscale[static_cast<size_t>(o)];
          QuantizeMultiplier(
              static_cast<double>(si) * static_cast<double>(fs) / static_cast<double>(so), &m, &s);
          y[static_cast<size_t>(os->at(b, oy, ox, o))] = static_cast<int8_t>(
              Clamp(static_cast<int64_t>(Mbqm(static_cast<int32_t>(acc), m, s)) + zo, lo, hi));
        }
  return y;
}

std::vector<int8_t> FullyConnected(int batches, int in_f, int out_f, const std::vector<int8_t>& x,
                                   int32_t zi, float si, const std::vector<int8_t>& w,
                                   const std::vector<float>& wscale, int32_t wzp,
                                   const std::vector<int32_t>* bias, float so, int32_t zo,
                                   int act) {
  int32_t lo, hi;
  ActRange(act, so, zo, &lo, &hi);
  std::vector<int8_t> y(static_cast<size_t>(batches) * out_f);
  for (int b = 0; b < batches; ++b)
    for (int o = 0; o < out_f; ++o) {
      int64_t acc = 0;
      for (int i = 0; i < in_f; ++i) {
        acc += static_cast<int64_t>(w[static_cast<size_t>(o) * in_f + i] - wzp) *
               (x[static_cast<size_t>(b) * in_f + i] - zi);
      }
      if (bias) acc += (*bias)[static_cast<size_t>(o)];
      int32_t m, s;
      if (wscale.size() == 1) {
        const float product = si * wscale[0];  // per tensor: the product is a float
        QuantizeMultiplier(static_cast<double>(product) / static_cast<double>(so), &m, &s);
      } else {
        QuantizeMultiplier(static_cast<double>(si) *
                               static_cast<double>(wscale[static_cast<size_t>(o)]) /
                               static_cast<double>(so),
                           &m, &s);
      }
      y[static_cast<size_t>(b) * out_f + o] = static_cast<int8_t>(
          Clamp(static_cast<int64_t>(Mbqm(static_cast<int32_t>(acc), m, s)) + zo, lo, hi));
    }
  return y;
}

// NumPy broadcasting of two shapes (rank <= 4), index mapping.
std::vector<int> Pad4(const std::vector<int>& s) {
  std::vector<int> r(4 - s.size(), 1);
  r.insert(r.end(), s.begin(), s.end());
  return r;
}

template <typename F>
std::vector<int8_t> Binary(const std::vector<int>& sa, const std::vector<int8_t>& a,
                           const std::vector<int>& sb, const std::vector<int8_t>& b,
                           const std::vector<int>& so, F f) {
  const std::vector<int> A = Pad4(sa), B = Pad4(sb), O = Pad4(so);
  std::vector<int8_t> y;
  for (int i0 = 0; i0 < O[0]; ++i0)
    for (int i1 = 0; i1 < O[1]; ++i1)
      for (int i2 = 0; i2 < O[2]; ++i2)
        for (int i3 = 0; i3 < O[3]; ++i3) {
          auto idx = [&](const std::vector<int>& S) {
            const int j0 = S[0] == 1 ? 0 : i0, j1 = S[1] == 1 ? 0 : i1, j2 = S[2] == 1 ? 0 : i2,
                      j3 = S[3] == 1 ? 0 : i3;
            return ((static_cast<size_t>(j0) * S[1] + j1) * S[2] + j2) * S[3] + j3;
          };
          y.push_back(static_cast<int8_t>(f(a[idx(A)], b[idx(B)])));
        }
  return y;
}

int32_t AddOne(int32_t x1, int32_t x2, int32_t z1, int32_t z2, float s1, float s2, float so,
               int32_t zo, int act, bool sub) {
  const double twice = 2.0 * static_cast<double>(std::max(s1, s2));
  int32_t m1, sh1, m2, sh2, mo, sho;
  QuantizeMultiplier(static_cast<double>(s1) / twice, &m1, &sh1);
  QuantizeMultiplier(static_cast<double>(s2) / twice, &m2, &sh2);
  QuantizeMultiplier(twice / (static_cast<double>(1 << 20) * static_cast<double>(so)), &mo, &sho);
  const int32_t a = Mbqm((x1 - z1) * (1 << 20), m1, sh1);
  const int32_t b = Mbqm((x2 - z2) * (1 << 20), m2, sh2);
  int32_t lo, hi;
  ActRange(act, so, zo, &lo, &hi);
  return Clamp(static_cast<int64_t>(Mbqm(sub ? a - b : a + b, mo, sho)) + zo, lo, hi);
}

int32_t MulOne(int32_t x1, int32_t x2, int32_t z1, int32_t z2, float s1, float s2, float so,
               int32_t zo, int act) {
  int32_t m, s;
  QuantizeMultiplier(static_cast<double>(s1) * static_cast<double>(s2) / static_cast<double>(so),
                     &m, &s);
  int32_t lo, hi;
  ActRange(act, so, zo, &lo, &hi);
  return Clamp(static_cast<int64_t>(Mbqm((x1 - z1) * (x2 - z2), m, s)) + zo, lo, hi);
}

std::vector<int8_t> Pool(bool max, bool same, const Shape4& is, const std::vector<int8_t>& x,
                         int fh, int fw, int sh, int sw, int act, float so, int32_t zo,
                         Shape4* os) {
  int oh, ow, pt, pl;
  Geometry(same, is.h, fh, sh, 1, &oh, &pt);
  Geometry(same, is.w, fw, sw, 1, &ow, &pl);
  *os = {is.n, oh, ow, is.c};
  int32_t lo, hi;
  ActRange(act, so, zo, &lo, &hi);
  std::vector<int8_t> y;
  for (int b = 0; b < is.n; ++b)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        for (int ch = 0; ch < is.c; ++ch) {
          int32_t acc = max ? -128 : 0, count = 0;
          for (int ky = 0; ky < fh; ++ky)
            for (int kx = 0; kx < fw; ++kx) {
              const int iy = oy * sh - pt + ky, ix = ox * sw - pl + kx;
              if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) continue;
              const int32_t v = x[static_cast<size_t>(is.at(b, iy, ix, ch))];
              acc = max ? std::max(acc, v) : acc + v;
              ++count;
            }
          if (!max) acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          y.push_back(static_cast<int8_t>(Clamp(acc, lo, hi)));
        }
  return y;
}

// Softmax with gemmlowp fixed point: 5 integer bits for the scaled differences, 12 for the sum.
std::vector<int8_t> Softmax(const std::vector<int8_t>& x, int depth, float beta, float si) {
  const double real = std::min<double>(
      static_cast<double>(beta) * static_cast<double>(si) * (1 << 26), 2147483647.0);
  int32_t mult, shift;
  QuantizeMultiplier(real, &mult, &shift);
  const int32_t diff_min = -static_cast<int32_t>(
      std::floor(31.0 * (int64_t{1} << 26) / static_cast<double>(int64_t{1} << shift)));
  using FD = gemmlowp::FixedPoint<int32_t, 5>;
  using FA = gemmlowp::FixedPoint<int32_t, 12>;
  using F0 = gemmlowp::FixedPoint<int32_t, 0>;
  std::vector<int8_t> y(x.size());
  for (size_t r = 0; r < x.size() / static_cast<size_t>(depth); ++r) {
    const int8_t* in = x.data() + r * static_cast<size_t>(depth);
    int32_t mx = -128;
    for (int i = 0; i < depth; ++i) mx = std::max<int32_t>(mx, in[i]);
    FA sum = FA::Zero();
    auto exp_of = [&](int32_t d) {
      return gemmlowp::exp_on_negative_values(FD::FromRaw(Srdhm(d * (1 << shift), mult)));
    };
    for (int i = 0; i < depth; ++i)
      if (in[i] - mx >= diff_min) sum = sum + gemmlowp::Rescale<12>(exp_of(in[i] - mx));
    int headroom = 0;
    while (headroom < 32 && ((static_cast<uint32_t>(sum.raw()) << headroom) & 0x80000000u) == 0)
      ++headroom;
    const int over = 12 - headroom;
    const int32_t shifted =
        static_cast<int32_t>((static_cast<uint32_t>(sum.raw()) << headroom) - (1u << 31));
    const F0 recip = gemmlowp::one_over_one_plus_x_for_x_in_0_1(F0::FromRaw(shifted));
    for (int i = 0; i < depth; ++i) {
      if (in[i] - mx >= diff_min) {
        const int32_t p = Rdbp((recip * exp_of(in[i] - mx)).raw(), over + 31 - 8);
        y[r * static_cast<size_t>(depth) + static_cast<size_t>(i)] =
            static_cast<int8_t>(Clamp(p - 128, -128, 127));
      } else {
        y[r * static_cast<size_t>(depth) + static_cast<size_t>(i)] = -128;
      }
    }
  }
  return y;
}

// LOGISTIC / TANH (int8): frexp of input_scale * 2^27, 4 integer bits, gemmlowp.
int32_t LogisticOrTanh(bool tanh, int32_t x, float si, int32_t zi) {
  int e;
  const double f = std::frexp(static_cast<double>(si) * 134217728.0, &e);
  const int32_t m = static_cast<int32_t>(std::round(f * 2147483648.0));
  const int64_t radius = static_cast<int64_t>(std::floor(15.0 * 134217728.0 / std::ldexp(1.0, e)));
  const int32_t v = x - zi;
  if (v <= -radius) return -128;
  if (v >= radius) return 127;
  using F4 = gemmlowp::FixedPoint<int32_t, 4>;
  const F4 in = F4::FromRaw(Mbqm(v, m, e));
  if (tanh) return Clamp(Rdbp(gemmlowp::tanh(in).raw(), 24), -128, 127);
  return Clamp(static_cast<int64_t>(Rdbp(gemmlowp::logistic(in).raw(), 23)) - 128, -128, 127);
}

int32_t HardSwish(int32_t x, float si, int32_t zi, float so, int32_t zo) {
  const float hires = (1.0f / 128.0f) * si;
  const float out_ratio = hires / so;
  const float rel_ratio = hires / (3.0f / 32768.0f);
  int32_t om, oe, rm, re;
  QuantizeMultiplier(static_cast<double>(out_ratio), &om, &oe);
  QuantizeMultiplier(static_cast<double>(rel_ratio), &rm, &re);
  auto to16 = [](int32_t m) -> int32_t {
    return m >= 2147483647 - 32768 ? 32767 : (m + 32768) >> 16;
  };
  const int32_t om16 = to16(om), rm16 = to16(rm);
  auto sat16 = [](int64_t v) -> int32_t {
    return static_cast<int32_t>(std::min<int64_t>(32767, std::max<int64_t>(-32768, v)));
  };
  auto srdhm16 = [&](int32_t a, int32_t b) -> int32_t {
    if (a == -32768 && b == -32768) return 32767;
    const int32_t ab = a * b;
    const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return static_cast<int16_t>((ab + nudge) / (1 << 15));
  };
  const int32_t hires_v = (x - zi) * 128;
  const int32_t pre_out = srdhm16(hires_v, om16);
  int32_t rel = hires_v;
  if (re > 0) rel = sat16(static_cast<int64_t>(rel) * (int64_t{1} << (re - 1)));
  rel = srdhm16(rel, rm16);
  if (re > 0) rel = sat16(static_cast<int64_t>(rel) * 2);
  if (re < 0) rel = Rdbp(rel, -re);
  rel = (rel + 32768) >> 1;
  int32_t prod =
      (rel == -32768 && pre_out == -32768) ? 32767 : static_cast<int16_t>((rel * pre_out) / 32768);
  int32_t out = static_cast<int16_t>(Rdbp(prod, -oe) + zo);
  return Clamp(out, -128, 127);
}

int32_t LeakyRelu(int32_t x, float si, int32_t zi, float so, int32_t zo, float alpha) {
  const float a_ratio = si * alpha / so;
  const float i_ratio = si / so;
  int32_t ma, sa, mi, s_i;
  QuantizeMultiplier(static_cast<double>(a_ratio), &ma, &sa);
  QuantizeMultiplier(static_cast<double>(i_ratio), &mi, &s_i);
  const int32_t v = x - zi;
  return Clamp(static_cast<int64_t>(zo) + (v >= 0 ? Mbqm(v, mi, s_i) : Mbqm(v, ma, sa)), -128, 127);
}

int32_t Relu(int32_t x, float si, int32_t zi, float so, int32_t zo, float lo_f, float hi_f) {
  int32_t m, s;
  QuantizeMultiplier(static_cast<double>(si) / static_cast<double>(so), &m, &s);
  const int32_t lo = std::max(-128, zo + static_cast<int32_t>(std::round(lo_f / so)));
  const int32_t hi =
      std::isinf(hi_f) ? 127 : std::min(127, zo + static_cast<int32_t>(std::round(hi_f / so)));
  return Clamp(static_cast<int64_t>(zo) + Mbqm(x - zi, m, s), lo, hi);
}

int32_t Requantize(int32_t x, float si, int32_t zi, float so, int32_t zo) {
  int32_t m, s;
  QuantizeMultiplier(static_cast<double>(si) / static_cast<double>(so), &m, &s);
  return Clamp(static_cast<int64_t>(Mbqm(x - zi, m, s)) + zo, -128, 127);
}

// QuantizedMeanOrSum (integer): 1/n folded into QM(in/out).
int32_t MeanFolded(int64_t sum_minus_zp, int64_t n, float si, float so, int32_t zo) {
  int32_t m, s;
  QuantizeMultiplier(static_cast<double>(si) / static_cast<double>(so), &m, &s);
  int sh = 0;
  while ((int64_t{2} << sh) <= n) ++sh;  // floor(log2(n))
  sh = std::min(sh, 32);
  sh = std::min(sh, 31 + s);
  m = static_cast<int32_t>((static_cast<int64_t>(m) << sh) / n);
  s -= sh;
  return Clamp(static_cast<int64_t>(Mbqm(static_cast<int32_t>(sum_minus_zp), m, s)) + zo, -128,
               127);
}

// reference_integer_ops::Mean: MBQM then a rounding division.
int32_t MeanTwice(int64_t sum_minus_zp, int64_t n, float si, float so, int32_t zo) {
  int32_t m, s;
  QuantizeMultiplier(static_cast<double>(si) / static_cast<double>(so), &m, &s);
  int64_t v = Mbqm(static_cast<int32_t>(sum_minus_zp), m, s);
  v = v > 0 ? (v + n / 2) / n : (v - n / 2) / n;
  return Clamp(v + zo, -128, 127);
}

}  // namespace ref

// =============================================================================================
// A .tflite writer over the importer's schema subset.

struct TfliteBuilder {
  struct Tensor {
    std::vector<int> shape;
    TensorType type = TensorType::INT8;
    std::vector<uint8_t> data;
    std::vector<float> scales;
    std::vector<int64_t> zps;
    int qdim = 0;
    std::string name;
  };
  struct Op {
    int32_t code = 0;
    std::vector<int> in, out;
    tfl::BuiltinOptions type = tfl::BuiltinOptions::NONE;
    std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)> options;
    std::string custom;
  };
  std::vector<Tensor> tensors;
  std::vector<Op> ops;
  std::vector<int> inputs, outputs;

  int Add(Tensor t) {
    if (t.name.empty()) t.name = "t" + std::to_string(tensors.size());
    tensors.push_back(std::move(t));
    return static_cast<int>(tensors.size()) - 1;
  }
  int Act(std::vector<int> shape, float scale, int zp, TensorType type = TensorType::INT8) {
    Tensor t;
    t.shape = std::move(shape);
    t.type = type;
    t.scales = {scale};
    t.zps = {zp};
    return Add(t);
  }
  int Input(std::vector<int> shape, float scale, int zp, TensorType type = TensorType::INT8) {
    const int t = Act(std::move(shape), scale, zp, type);
    inputs.push_back(t);
    return t;
  }
  int ConstI8(std::vector<int> shape, const std::vector<int8_t>& v, std::vector<float> scales,
              std::vector<int64_t> zps, int qdim = 0) {
    Tensor t;
    t.shape = std::move(shape);
    t.data.assign(reinterpret_cast<const uint8_t*>(v.data()),
                  reinterpret_cast<const uint8_t*>(v.data()) + v.size());
    t.scales = std::move(scales);
    t.zps = std::move(zps);
    t.qdim = qdim;
    return Add(t);
  }
  int ConstI32(std::vector<int> shape, const std::vector<int32_t>& v, float scale = 0) {
    Tensor t;
    t.shape = std::move(shape);
    t.type = TensorType::INT32;
    t.data.resize(v.size() * 4);
    std::memcpy(t.data.data(), v.data(), t.data.size());
    if (scale > 0) {
      t.scales = {scale};
      t.zps = {0};
    }
    return Add(t);
  }
  void AddOp(
      BuiltinOperator code, std::vector<int> in, std::vector<int> out,
      tfl::BuiltinOptions type = tfl::BuiltinOptions::NONE,
      std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder&)> options = nullptr) {
    Op op;
    op.code = static_cast<int32_t>(code);
    op.in = std::move(in);
    op.out = std::move(out);
    op.type = type;
    op.options = std::move(options);
    ops.push_back(std::move(op));
  }

  std::vector<uint8_t> Finish() const {
    flatbuffers::FlatBufferBuilder b;
    std::vector<flatbuffers::Offset<tfl::Buffer>> buffers = {tfl::CreateBuffer(b)};
    std::vector<flatbuffers::Offset<tfl::Tensor>> ts;
    for (const Tensor& t : tensors) {
      uint32_t buffer = 0;
      if (!t.data.empty()) {
        buffers.push_back(tfl::CreateBufferDirect(b, &t.data));
        buffer = static_cast<uint32_t>(buffers.size()) - 1;
      }
      flatbuffers::Offset<tfl::QuantizationParameters> q = 0;
      if (!t.scales.empty())
        q = tfl::CreateQuantizationParametersDirect(b, nullptr, nullptr, &t.scales, &t.zps,
                                                    tfl::QuantizationDetails::NONE, 0, t.qdim);
      ts.push_back(tfl::CreateTensorDirect(b, &t.shape, t.type, buffer, t.name.c_str(), q));
    }
    std::vector<int32_t> codes;
    std::vector<std::string> customs;
    std::vector<flatbuffers::Offset<tfl::Operator>> os;
    for (const Op& op : ops) {
      size_t idx = 0;
      while (idx < codes.size() && !(codes[idx] == op.code && customs[idx] == op.custom)) ++idx;
      if (idx == codes.size()) {
        codes.push_back(op.code);
        customs.push_back(op.custom);
      }
      const flatbuffers::Offset<void> opts = op.options ? op.options(b) : 0;
      os.push_back(
          tfl::CreateOperatorDirect(b, static_cast<uint32_t>(idx), &op.in, &op.out, op.type, opts));
    }
    std::vector<flatbuffers::Offset<tfl::OperatorCode>> oc;
    for (size_t i = 0; i < codes.size(); ++i) {
      oc.push_back(tfl::CreateOperatorCodeDirect(b, static_cast<int8_t>(std::min(codes[i], 127)),
                                                 customs[i].empty() ? nullptr : customs[i].c_str(),
                                                 1, static_cast<BuiltinOperator>(codes[i])));
    }
    std::vector<flatbuffers::Offset<tfl::SubGraph>> sg = {
        tfl::CreateSubGraphDirect(b, &ts, &inputs, &outputs, &os, "main")};
    auto model = tfl::CreateModelDirect(b, 3, &oc, &sg, "qinfer test model", &buffers);
    tfl::FinishModelBuffer(b, model);
    return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  }
};

// Runs a qinfer model on int8 inputs; returns the outputs (empty on failure, reported).
std::vector<std::vector<int8_t>> RunQinfer(const std::vector<uint8_t>& bytes,
                                           const std::vector<std::vector<int8_t>>& inputs) {
  testing::AlignedBytes model_bytes(bytes.data(), bytes.size());
  Model model;
  qinfer::Error err;
  if (Model::Load(model_bytes.data(), model_bytes.size(), &model, &err) != Status::kOk) {
    ADD_FAILURE() << "load: " << err.message;
    return {};
  }
  testing::AlignedBytes arena;
  arena.resize(std::max<size_t>(model.arena_bytes(), 16));
  Interpreter interp;
  if (interp.Init(model, arena.data(), arena.size(), &err) != Status::kOk) {
    ADD_FAILURE() << "init: " << err.message;
    return {};
  }
  if (interp.input_count() != inputs.size()) {
    ADD_FAILURE() << "model has " << interp.input_count() << " inputs";
    return {};
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    TensorView v;
    interp.input(i, &v);
    if (v.bytes != inputs[i].size()) {
      ADD_FAILURE() << "input " << i << " has " << v.bytes << " bytes, given " << inputs[i].size();
      return {};
    }
    std::memcpy(v.data, inputs[i].data(), v.bytes);
  }
  if (interp.Invoke(&err) != Status::kOk) {
    ADD_FAILURE() << "invoke: " << err.message;
    return {};
  }
  std::vector<std::vector<int8_t>> outs;
  for (size_t i = 0; i < interp.output_count(); ++i) {
    TensorView v;
    interp.output(i, &v);
    outs.emplace_back(v.data, v.data + v.bytes);
  }
  return outs;
}

std::vector<int8_t> RandomI8(std::mt19937& rng, size_t n, int lo = -128, int hi = 127) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(d(rng));
  return v;
}

float RandomScale(std::mt19937& rng, float lo, float hi) {
  std::uniform_real_distribution<float> d(std::log(lo), std::log(hi));
  return std::exp(d(rng));
}

int RandomZp(std::mt19937& rng) { return std::uniform_int_distribution<int>(-128, 127)(rng); }

std::vector<uint8_t> Convert(const std::vector<uint8_t>& tflite,
                             TfliteImportReport* report = nullptr) {
  return ConvertTfliteBytesToQinfer(tflite.data(), tflite.size(), report);
}

// Converts and runs a single-output model; compares with `expected`; returns the report.
TfliteImportReport ConvertAndCompare(const TfliteBuilder& b,
                                     const std::vector<std::vector<int8_t>>& inputs,
                                     const std::vector<int8_t>& expected, const std::string& what) {
  TfliteImportReport report;
  std::vector<uint8_t> q;
  try {
    q = Convert(b.Finish(), &report);
  } catch (const Error& e) {
    ADD_FAILURE() << what << ": " << e.what();
    return report;
  }
  if (what.find("trial") == std::string::npos || what.size() < 8 ||
      what.substr(what.size() - 8) == " trial 0") {
    std::cout << "  [" << what << "] ops: " << report.ops.size() << " TFLite -> "
              << report.qinfer_op_source.size() << " qinfer; .tflite " << report.tflite_bytes
              << " B, .qinfer " << report.qinfer_bytes << " B, weights " << report.weight_bytes
              << " B, arena " << report.arena_bytes << " B\n";
  }
  const auto outs = RunQinfer(q, inputs);
  if (outs.size() != 1) {
    ADD_FAILURE() << what << ": no output";
    return report;
  }
  EXPECT_EQ(outs[0].size(), expected.size()) << what;
  size_t diff = 0, first = 0;
  for (size_t i = 0; i < std::min(outs[0].size(), expected.size()); ++i) {
    if (outs[0][i] != expected[i]) {
      if (diff == 0) first = i;
      ++diff;
    }
  }
  EXPECT_EQ(diff, 0u) << what << ": " << diff << " values differ, first at " << first << ": got "
                      << static_cast<int>(outs[0][first]) << ", expected "
                      << static_cast<int>(expected[first]);
  // The same model converted with --target x86-avx512vnni (pre-packed weights, folded bias)
  // must give the same bytes where this CPU runs it.
  TfliteImportOptions packed_options;
  packed_options.target = Target::kX86Avx512Vnni;
  const std::vector<uint8_t> tflite = b.Finish();
  const std::vector<uint8_t> packed =
      ConvertTfliteBytesToQinfer(tflite.data(), tflite.size(), nullptr, packed_options);
  testing::AlignedBytes aligned(packed.data(), packed.size());
  Model model;
  qinfer::Error err;
  if (Model::Load(aligned.data(), aligned.size(), &model, &err) == Status::kOk) {
    const auto pouts = RunQinfer(packed, inputs);
    EXPECT_EQ(pouts.size(), 1u) << what << " (packed)";
    if (pouts.size() == 1) {
      EXPECT_EQ(pouts[0], expected) << what << " (packed)";
    }
  } else {
    EXPECT_EQ(err.code, Status::kTargetUnsupported) << what << ": " << err.message;
  }
  return report;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

bool FileExists(const std::string& path) { return std::ifstream(path).good(); }

const std::string kTflmDir = std::string(QINFER_SHARED_DIR) + "/conformance/tflm";

template <typename F>
flatbuffers::Offset<void> U(F f) {
  return f.Union();
}

// =============================================================================================
// TFLite Micro's models.

TEST(TfliteImport, NetworkTesterExactOutput) {
  const std::string dir = kTflmDir + "/network_tester/";
  if (!FileExists(dir + "network_model.tflite")) GTEST_SKIP() << "no " << dir;
  TfliteImportReport report;
  const std::vector<uint8_t> q = ConvertTfliteToQinfer(dir + "network_model.tflite", &report);
  const std::string in = ReadFile(dir + "input_int8.bin");
  const std::string expected = ReadFile(dir + "expected_output_int8.bin");
  const auto outs = RunQinfer(q, {std::vector<int8_t>(in.begin(), in.end())});
  ASSERT_EQ(outs.size(), 1u);
  ASSERT_EQ(outs[0].size(), expected.size());
  EXPECT_EQ(std::memcmp(outs[0].data(), expected.data(), expected.size()), 0);
  std::cout << FormatTfliteReport(report);
}

TEST(TfliteImport, HelloWorldSine) {
  const std::string path = kTflmDir + "/hello_world_int8.tflite";
  if (!FileExists(path)) GTEST_SKIP() << "no " << path;
  TfliteImportReport report;
  const std::vector<uint8_t> q = ConvertTfliteToQinfer(path, &report);
  std::cout << FormatTfliteReport(report);
  testing::AlignedBytes model_bytes(q.data(), q.size());
  Model model;
  qinfer::Error err;
  ASSERT_EQ(Model::Load(model_bytes.data(), model_bytes.size(), &model, &err), Status::kOk)
      << err.message;
  const auto* t_in = model.schema()->tensors()->Get(model.schema()->inputs()->Get(0));
  const auto* t_out = model.schema()->tensors()->Get(model.schema()->outputs()->Get(0));
  const float si = t_in->quant()->scale()->Get(0), so = t_out->quant()->scale()->Get(0);
  const int zi = t_in->zero_point(), zo = t_out->zero_point();
  EXPECT_NEAR(si, 0.0244801156f, 1e-7);
  EXPECT_EQ(zi, -128);
  EXPECT_NEAR(so, 0.0082909567f, 1e-7);
  EXPECT_EQ(zo, 5);
  for (float x : {0.77f, 1.57f, 2.3f, 3.14f}) {
    const int qx = std::max(-128, std::min(127, static_cast<int>(std::round(x / si)) + zi));
    const auto outs = RunQinfer(q, {{static_cast<int8_t>(qx)}});
    ASSERT_EQ(outs.size(), 1u);
    const float y = (outs[0][0] - zo) * so;
    std::cout << "  hello_world x " << x << ": q " << static_cast<int>(outs[0][0]) << " y " << y
              << " sin " << std::sin(x) << "\n";
    EXPECT_LE(std::fabs(y - std::sin(x)), 0.05f) << "x " << x << " y " << y;
  }
}

// =============================================================================================
// One synthetic model per operator.

TEST(TfliteImport, Conv2DAndDepthwise) {
  std::mt19937 rng(1);
  for (int trial = 0; trial < 24; ++trial) {
    ref::ConvCfg g;
    g.depthwise = trial % 2 == 1;
    g.same = (trial / 2) % 2 == 0;
    g.stride_h = 1 + (trial / 4) % 2;
    g.stride_w = 1 + (trial / 8) % 3 % 2;
    g.dil_h = trial % 6 == 5 ? 2 : 1;
    g.dil_w = trial % 7 == 3 ? 2 : 1;
    g.act = std::vector<int>{0, 1, 3, 2}[static_cast<size_t>(trial % 4)];
    const int n = 1 + trial % 2, h = 5 + trial % 4, w = 5 + trial % 5;
    const int c = g.depthwise ? 2 + trial % 3 : (trial % 3 == 0 ? 4 : 3);
    const int groups = (!g.depthwise && c == 4 && trial % 5 == 0) ? 2 : 1;
    const int mult = g.depthwise ? 1 + trial % 3 : 1;
    const int oc = g.depthwise ? c * mult : 2 + trial % 4 * groups;
    const int kh = 1 + trial % 3, kw = 1 + (trial + 1) % 3;
    const bool per_channel = trial % 3 != 1;
    const bool with_bias = trial % 5 != 4;
    const float si = RandomScale(rng, 0.005f, 0.1f), so = RandomScale(rng, 0.01f, 0.5f);
    const int zi = RandomZp(rng), zo = RandomZp(rng) / 2;
    const ref::Shape4 is{n, h, w, c};
    const ref::Shape4 ws =
        g.depthwise ? ref::Shape4{1, kh, kw, oc} : ref::Shape4{oc, kh, kw, c / groups};
    std::vector<float> wscale;
    for (int i = 0; i < (per_channel ? oc : 1); ++i)
      wscale.push_back(RandomScale(rng, 0.001f, 0.05f));
    const std::vector<int8_t> wv = RandomI8(rng, static_cast<size_t>(ws.size()), -127, 127);
    std::vector<int32_t> bias;
    for (int i = 0; i < oc; ++i)
      bias.push_back(std::uniform_int_distribution<int>(-5000, 5000)(rng));

    TfliteBuilder b;
    const int x = b.Input({n, h, w, c}, si, zi);
    const int wt = b.ConstI8({ws.n, ws.h, ws.w, ws.c}, wv, wscale,
                             std::vector<int64_t>(wscale.size(), 0), g.depthwise ? 3 : 0);
    const int bt = with_bias ? b.ConstI32({oc}, bias) : -1;
    ref::Shape4 os;
    const std::vector<int8_t> xin = RandomI8(rng, static_cast<size_t>(is.size()));
    const std::vector<int8_t> expected =
        ref::Conv(g, is, xin, zi, si, ws, wv, wscale, with_bias ? &bias : nullptr, so, zo, &os);
    const int y = b.Act({os.n, os.h, os.w, os.c}, so, zo);
    b.outputs = {y};
    const auto pad = g.same ? tfl::Padding::SAME : tfl::Padding::VALID;
    const auto act = static_cast<tfl::ActivationFunctionType>(g.act);
    if (g.depthwise) {
      b.AddOp(BuiltinOperator::DEPTHWISE_CONV_2D, {x, wt, bt}, {y},
              tfl::BuiltinOptions::DepthwiseConv2DOptions, [=](flatbuffers::FlatBufferBuilder& f) {
                return U(tfl::CreateDepthwiseConv2DOptions(f, pad, g.stride_w, g.stride_h, mult,
                                                           act, g.dil_w, g.dil_h));
              });
    } else {
      b.AddOp(BuiltinOperator::CONV_2D, {x, wt, bt}, {y}, tfl::BuiltinOptions::Conv2DOptions,
              [=](flatbuffers::FlatBufferBuilder& f) {
                return U(tfl::CreateConv2DOptions(f, pad, g.stride_w, g.stride_h, act, g.dil_w,
                                                  g.dil_h));
              });
    }
    ConvertAndCompare(b, {xin}, expected, "conv trial " + std::to_string(trial));
  }
}

TEST(TfliteImport, FullyConnected) {
  std::mt19937 rng(2);
  for (int trial = 0; trial < 12; ++trial) {
    const bool per_channel = trial % 3 == 2;
    const bool keep = trial % 4 == 1;
    const int in_f = 3 + trial % 7, out_f = 2 + trial % 5;
    const std::vector<int> in_shape =
        trial % 2 == 0 ? std::vector<int>{2, in_f} : std::vector<int>{1, 3, in_f};
    int64_t numel = 1;
    for (int d : in_shape) numel *= d;
    const int batches = static_cast<int>(numel / in_f);
    const float si = RandomScale(rng, 0.005f, 0.1f), so = RandomScale(rng, 0.02f, 0.5f);
    const int zi = RandomZp(rng), zo = RandomZp(rng) / 2;
    const int wzp = per_channel ? 0 : (trial % 3 == 1 ? 7 : 0);
    std::vector<float> wscale;
    for (int i = 0; i < (per_channel ? out_f : 1); ++i)
      wscale.push_back(RandomScale(rng, 0.002f, 0.05f));
    const std::vector<int8_t> wv = RandomI8(rng, static_cast<size_t>(in_f) * out_f, -127, 127);
    std::vector<int32_t> bias;
    for (int i = 0; i < out_f; ++i)
      bias.push_back(std::uniform_int_distribution<int>(-3000, 3000)(rng));
    const int act = trial % 4 == 3 ? 1 : (trial % 4 == 2 ? 3 : 0);
    TfliteBuilder b;
    const int x = b.Input(in_shape, si, zi);
    const int wt = b.ConstI8({out_f, in_f}, wv, wscale, std::vector<int64_t>(wscale.size(), wzp));
    const int bt = trial % 5 == 4 ? -1 : b.ConstI32({out_f}, bias, si * wscale[0]);
    std::vector<int> out_shape = keep ? in_shape : std::vector<int>{batches, out_f};
    out_shape.back() = out_f;
    const int y = b.Act(out_shape, so, zo);
    b.outputs = {y};
    b.AddOp(BuiltinOperator::FULLY_CONNECTED, {x, wt, bt}, {y},
            tfl::BuiltinOptions::FullyConnectedOptions, [=](flatbuffers::FlatBufferBuilder& f) {
              return U(tfl::CreateFullyConnectedOptions(
                  f, static_cast<tfl::ActivationFunctionType>(act),
                  tfl::FullyConnectedOptionsWeightsFormat::DEFAULT, keep));
            });
    const std::vector<int8_t> xin = RandomI8(rng, static_cast<size_t>(numel));
    const auto expected = ref::FullyConnected(batches, in_f, out_f, xin, zi, si, wv, wscale, wzp,
                                              bt >= 0 ? &bias : nullptr, so, zo, act);
    ConvertAndCompare(b, {xin}, expected, "fc trial " + std::to_string(trial));
  }
}

TEST(TfliteImport, AddSubMulWithBroadcast) {
  std::mt19937 rng(3);
  const std::vector<std::pair<std::vector<int>, std::vector<int>>> shapes = {
      {{1, 4, 4, 3}, {1, 4, 4, 3}},
      {{1, 4, 4, 3}, {3}},
      {{2, 1, 5}, {2, 3, 1}},
      {{6}, {1}},
      {{1, 2, 3, 4}, {1, 1, 3, 1}}};
  for (int trial = 0; trial < 15; ++trial) {
    const int kind = trial % 3;  // add, sub, mul
    const auto& sh = shapes[static_cast<size_t>(trial % shapes.size())];
    const float s1 = RandomScale(rng, 0.01f, 0.2f), s2 = RandomScale(rng, 0.01f, 0.2f);
    const float so = kind == 2 ? RandomScale(rng, 0.005f, 0.1f) : RandomScale(rng, 0.02f, 0.4f);
    const int z1 = RandomZp(rng), z2 = RandomZp(rng), zo = RandomZp(rng) / 2;
    const int act = trial % 4 == 0 ? 1 : (trial % 4 == 1 ? 3 : 0);
    TfliteBuilder b;
    const int a = b.Input(sh.first, s1, z1);
    const int c = b.Input(sh.second, s2, z2);
    std::vector<int> os;
    {
      const auto A = ref::Pad4(sh.first), B = ref::Pad4(sh.second);
      const size_t r = std::max(sh.first.size(), sh.second.size());
      for (size_t i = 4 - r; i < 4; ++i) os.push_back(std::max(A[i], B[i]));
    }
    const int y = b.Act(os, so, zo);
    b.outputs = {y};
    const auto at = static_cast<tfl::ActivationFunctionType>(act);
    if (kind == 0) {
      b.AddOp(BuiltinOperator::ADD, {a, c}, {y}, tfl::BuiltinOptions::AddOptions,
              [=](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateAddOptions(f, at)); });
    } else if (kind == 1) {
      b.AddOp(BuiltinOperator::SUB, {a, c}, {y}, tfl::BuiltinOptions::SubOptions,
              [=](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateSubOptions(f, at)); });
    } else {
      b.AddOp(BuiltinOperator::MUL, {a, c}, {y}, tfl::BuiltinOptions::MulOptions,
              [=](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateMulOptions(f, at)); });
    }
    int64_t n1 = 1, n2 = 1;
    for (int d : sh.first) n1 *= d;
    for (int d : sh.second) n2 *= d;
    const auto x1 = RandomI8(rng, static_cast<size_t>(n1)),
               x2 = RandomI8(rng, static_cast<size_t>(n2));
    const auto expected = ref::Binary(sh.first, x1, sh.second, x2, os, [&](int p, int q) {
      return kind == 2 ? ref::MulOne(p, q, z1, z2, s1, s2, so, zo, act)
                       : ref::AddOne(p, q, z1, z2, s1, s2, so, zo, act, kind == 1);
    });
    ConvertAndCompare(b, {x1, x2}, expected, "binary trial " + std::to_string(trial));
  }
}

TEST(TfliteImport, Pooling) {
  std::mt19937 rng(4);
  for (int trial = 0; trial < 16; ++trial) {
    const bool max = trial % 2 == 0, same = (trial / 2) % 2 == 0;
    const ref::Shape4 is{1 + trial % 2, 5 + trial % 3, 6 + trial % 4, 3};
    const int fh = 2 + trial % 2, fw = 3 - trial % 2, sh = 1 + (trial / 4) % 2,
              sw = 1 + (trial / 8) % 2;
    const int act = trial % 3 == 0 ? 3 : 0;
    const float s = RandomScale(rng, 0.01f, 0.1f);
    const int z = RandomZp(rng);
    const auto xin = RandomI8(rng, static_cast<size_t>(is.size()));
    ref::Shape4 os;
    const auto expected = ref::Pool(max, same, is, xin, fh, fw, sh, sw, act, s, z, &os);
    TfliteBuilder b;
    const int x = b.Input({is.n, is.h, is.w, is.c}, s, z);
    const int y = b.Act({os.n, os.h, os.w, os.c}, s, z);
    b.outputs = {y};
    b.AddOp(max ? BuiltinOperator::MAX_POOL_2D : BuiltinOperator::AVERAGE_POOL_2D, {x}, {y},
            tfl::BuiltinOptions::Pool2DOptions, [=](flatbuffers::FlatBufferBuilder& f) {
              return U(tfl::CreatePool2DOptions(f, same ? tfl::Padding::SAME : tfl::Padding::VALID,
                                                sw, sh, fw, fh,
                                                static_cast<tfl::ActivationFunctionType>(act)));
            });
    ConvertAndCompare(b, {xin}, expected, "pool trial " + std::to_string(trial));
  }
}

// MEAN with different input and output quantization: TFLite's integer QuantizedMeanOrSum.
TEST(TfliteImport, MeanFolded) {
  std::mt19937 rng(5);
  struct Case {
    std::vector<int> shape;
    std::vector<int32_t> axes;
    bool keep;
  };
  const std::vector<Case> cases = {{{1, 7, 7, 8}, {1, 2}, false}, {{2, 3, 5, 4}, {-3, -2}, false},
                                   {{1, 6, 10}, {1}, true},       {{3, 12}, {1}, false},
                                   {{1, 4, 4, 3}, {2, 1}, false}, {{2, 5, 3, 2}, {1, 2, 3}, false}};
  for (size_t trial = 0; trial < cases.size(); ++trial) {
    const Case& cs = cases[trial];
    const float si = RandomScale(rng, 0.01f, 0.1f), so = RandomScale(rng, 0.005f, 0.05f);
    const int zi = RandomZp(rng), zo = RandomZp(rng);
    const int rank = static_cast<int>(cs.shape.size());
    std::vector<bool> red(static_cast<size_t>(rank), false);
    for (int32_t a : cs.axes) red[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
    std::vector<int> os;
    for (int d = 0; d < rank; ++d) {
      if (!red[static_cast<size_t>(d)])
        os.push_back(cs.shape[static_cast<size_t>(d)]);
      else if (cs.keep)
        os.push_back(1);
    }
    TfliteBuilder b;
    const int x = b.Input(cs.shape, si, zi);
    const int ax = b.ConstI32({static_cast<int>(cs.axes.size())}, cs.axes);
    const int y = b.Act(os, so, zo);
    b.outputs = {y};
    const bool keep = cs.keep;
    b.AddOp(
        BuiltinOperator::MEAN, {x, ax}, {y}, tfl::BuiltinOptions::ReducerOptions,
        [=](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateReducerOptions(f, keep)); });
    int64_t numel = 1;
    for (int d : cs.shape) numel *= d;
    const auto xin = RandomI8(rng, static_cast<size_t>(numel));
    // Reference: sum over the reduced (adjacent) axes.
    int first = rank, last = -1;
    for (int d = 0; d < rank; ++d)
      if (red[static_cast<size_t>(d)]) {
        first = std::min(first, d);
        last = std::max(last, d);
      }
    int64_t outer = 1, count = 1, inner = 1;
    for (int d = 0; d < rank; ++d)
      (d < first ? outer : d <= last ? count : inner) *= cs.shape[static_cast<size_t>(d)];
    std::vector<int8_t> expected;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        int64_t sum = 0;
        for (int64_t k = 0; k < count; ++k)
          sum += xin[static_cast<size_t>((o * count + k) * inner + i)] - zi;
        expected.push_back(static_cast<int8_t>(ref::MeanFolded(sum, count, si, so, zo)));
      }
    ConvertAndCompare(b, {xin}, expected, "mean trial " + std::to_string(trial));
  }
}

// MEAN keep_dims over H, W: TFLite's reference_integer_ops::Mean rounds twice (rescale, then a
// division by H*W rounding half away from zero); qinfer's MEAN has that mode, so every case
// converts, and the runtime matches an independent emulation on every input tried.
TEST(TfliteImport, MeanKeepDimsHW) {
  std::mt19937 rng(6);
  for (int trial = 0; trial < 12; ++trial) {
    const std::vector<int> shape = {1, 3 + trial % 5, 3 + (trial * 3) % 5, 4};
    const std::vector<int> big = {1, 7, 7, 4};
    const std::vector<int>& sh = trial >= 10 ? big : shape;
    const float si = RandomScale(rng, 0.01f, 0.1f);
    const float so = trial % 2 == 0 ? si : RandomScale(rng, 0.005f, 0.05f);
    const int zi = RandomZp(rng), zo = trial % 2 == 0 ? zi : RandomZp(rng);
    TfliteBuilder b;
    const int x = b.Input(sh, si, zi);
    const int ax = b.ConstI32({2}, {1, 2});
    const int y = b.Act({1, 1, 1, 4}, so, zo);
    b.outputs = {y};
    b.AddOp(
        BuiltinOperator::MEAN, {x, ax}, {y}, tfl::BuiltinOptions::ReducerOptions,
        [=](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateReducerOptions(f, true)); });
    const int64_t count = static_cast<int64_t>(sh[1]) * sh[2];
    const std::vector<uint8_t> q = Convert(b.Finish());
    for (int rep = 0; rep < 40; ++rep) {
      std::vector<int8_t> xin = RandomI8(rng, static_cast<size_t>(count * 4));
      if (rep == 0) std::fill(xin.begin(), xin.end(), static_cast<int8_t>(127));
      if (rep == 1) std::fill(xin.begin(), xin.end(), static_cast<int8_t>(-128));
      std::vector<int8_t> expected;
      for (int ch = 0; ch < 4; ++ch) {
        int64_t sum = 0;
        for (int64_t k = 0; k < count; ++k) sum += xin[static_cast<size_t>(k * 4 + ch)] - zi;
        expected.push_back(static_cast<int8_t>(ref::MeanTwice(sum, count, si, so, zo)));
      }
      const auto outs = RunQinfer(q, {xin});
      ASSERT_EQ(outs.size(), 1u);
      EXPECT_EQ(outs[0], expected) << "trial " << trial;
    }
  }
}

// MEAN with equal input and output quantization (and not the keep_dims H,W case): TFLite's
// reference_ops::Mean divides the raw int8 sum by the count, truncating toward zero.
TEST(TfliteImport, MeanEqualQuantizationTruncates) {
  std::mt19937 rng(16);
  for (int trial = 0; trial < 8; ++trial) {
    const std::vector<int> shape = {1, 2 + trial % 6, 3 + trial % 4, 5};
    const float s = RandomScale(rng, 0.01f, 0.1f);
    const int z = RandomZp(rng);
    TfliteBuilder b;
    const int x = b.Input(shape, s, z);
    const int ax = b.ConstI32({2}, {1, 2});
    const int y = b.Act({1, 5}, s, z);
    b.outputs = {y};
    b.AddOp(
        BuiltinOperator::MEAN, {x, ax}, {y}, tfl::BuiltinOptions::ReducerOptions,
        [=](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateReducerOptions(f, false)); });
    const int64_t count = static_cast<int64_t>(shape[1]) * shape[2];
    const std::vector<uint8_t> q = Convert(b.Finish());
    for (int rep = 0; rep < 40; ++rep) {
      const std::vector<int8_t> xin = RandomI8(rng, static_cast<size_t>(count * 5));
      std::vector<int8_t> expected;
      for (int ch = 0; ch < 5; ++ch) {
        int64_t sum = 0;
        for (int64_t k = 0; k < count; ++k) sum += xin[static_cast<size_t>(k * 5 + ch)];
        expected.push_back(static_cast<int8_t>(sum / count));  // C++ division truncates
      }
      const auto outs = RunQinfer(q, {xin});
      ASSERT_EQ(outs.size(), 1u);
      EXPECT_EQ(outs[0], expected) << "trial " << trial;
    }
  }
}

TEST(TfliteImport, Softmax) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 8; ++trial) {
    const std::vector<int> shape =
        trial % 2 ? std::vector<int>{2, 10} : std::vector<int>{1, 1, 3, 7 + trial};
    const float si = RandomScale(rng, 0.02f, 0.3f);
    const float beta = trial % 3 == 0 ? 1.0f : 0.5f + trial * 0.25f;
    const int zi = RandomZp(rng);
    TfliteBuilder b;
    const int x = b.Input(shape, si, zi);
    const int y = b.Act(shape, 1.0f / 256, -128);
    b.outputs = {y};
    b.AddOp(
        BuiltinOperator::SOFTMAX, {x}, {y}, tfl::BuiltinOptions::SoftmaxOptions,
        [=](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateSoftmaxOptions(f, beta)); });
    int64_t numel = 1;
    for (int d : shape) numel *= d;
    const auto xin = RandomI8(rng, static_cast<size_t>(numel));
    ConvertAndCompare(b, {xin}, ref::Softmax(xin, shape.back(), beta, si),
                      "softmax trial " + std::to_string(trial));
  }
}

// LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU, RELU6, RELU_N1_TO_1 and QUANTIZE: checked on all
// 256 inputs.
TEST(TfliteImport, ElementwiseTables) {
  std::mt19937 rng(8);
  std::vector<int8_t> all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<size_t>(i)] = static_cast<int8_t>(i - 128);
  const std::vector<BuiltinOperator> kinds = {
      BuiltinOperator::LOGISTIC,     BuiltinOperator::TANH,    BuiltinOperator::HARD_SWISH,
      BuiltinOperator::LEAKY_RELU,   BuiltinOperator::RELU,    BuiltinOperator::RELU6,
      BuiltinOperator::RELU_N1_TO_1, BuiltinOperator::QUANTIZE};
  for (BuiltinOperator kind : kinds) {
    for (int trial = 0; trial < 12; ++trial) {
      float si = RandomScale(rng, 0.002f, 0.2f);
      int zi = RandomZp(rng);
      float so = RandomScale(rng, 0.002f, 0.2f);
      int zo = RandomZp(rng);
      if (kind == BuiltinOperator::LOGISTIC) {
        so = 1.0f / 256;
        zo = -128;
      }
      if (kind == BuiltinOperator::TANH) {
        so = 1.0f / 128;
        zo = 0;
      }
      if (kind == BuiltinOperator::HARD_SWISH) so = std::max(so, si / 100);
      if (kind == BuiltinOperator::RELU6 && trial % 2 == 0) {
        so = si;
        zo = zi;
      }
      const float alpha = trial % 3 == 0 ? 0.1f : (trial % 3 == 1 ? 0.3f : -0.2f);
      TfliteBuilder b;
      const int x = b.Input({2, 128}, si, zi);
      const int y = b.Act({2, 128}, so, zo);
      b.outputs = {y};
      if (kind == BuiltinOperator::LEAKY_RELU) {
        b.AddOp(kind, {x}, {y}, tfl::BuiltinOptions::LeakyReluOptions,
                [=](flatbuffers::FlatBufferBuilder& f) {
                  return U(tfl::CreateLeakyReluOptions(f, alpha));
                });
      } else {
        b.AddOp(kind, {x}, {y});
      }
      std::vector<int8_t> expected;
      for (int8_t v : all) {
        int32_t r = 0;
        switch (kind) {
          case BuiltinOperator::LOGISTIC:
            r = ref::LogisticOrTanh(false, v, si, zi);
            break;
          case BuiltinOperator::TANH:
            r = ref::LogisticOrTanh(true, v, si, zi);
            break;
          case BuiltinOperator::HARD_SWISH:
            r = ref::HardSwish(v, si, zi, so, zo);
            break;
          case BuiltinOperator::LEAKY_RELU:
            r = ref::LeakyRelu(v, si, zi, so, zo, alpha);
            break;
          case BuiltinOperator::RELU:
            r = ref::Relu(v, si, zi, so, zo, 0.0f, std::numeric_limits<float>::infinity());
            break;
          case BuiltinOperator::RELU6:
            r = ref::Relu(v, si, zi, so, zo, 0.0f, 6.0f);
            break;
          case BuiltinOperator::RELU_N1_TO_1:
            r = ref::Relu(v, si, zi, so, zo, -1.0f, 1.0f);
            break;
          default:
            r = ref::Requantize(v, si, zi, so, zo);
            break;
        }
        expected.push_back(static_cast<int8_t>(r));
      }
      ConvertAndCompare(
          b, {all}, expected,
          std::string(tfl::EnumNameBuiltinOperator(kind)) + " trial " + std::to_string(trial));
    }
  }
}

TEST(TfliteImport, ConcatenationPadTransposeViews) {
  std::mt19937 rng(9);
  const float s = 0.05f;
  const int z = 3;
  // CONCATENATION along axis -1 (= 3), one input requantized.
  {
    TfliteBuilder b;
    const int a = b.Input({1, 2, 2, 3}, s, z);
    const int c = b.Input({1, 2, 2, 2}, 0.08f, -10);
    const int y = b.Act({1, 2, 2, 5}, s, z);
    b.outputs = {y};
    b.AddOp(BuiltinOperator::CONCATENATION, {a, c}, {y}, tfl::BuiltinOptions::ConcatenationOptions,
            [](flatbuffers::FlatBufferBuilder& f) {
              return U(tfl::CreateConcatenationOptions(f, -1));
            });
    const auto x1 = RandomI8(rng, 12), x2 = RandomI8(rng, 8);
    std::vector<int8_t> expected;
    for (int p = 0; p < 4; ++p) {
      for (int k = 0; k < 3; ++k) expected.push_back(x1[static_cast<size_t>(p * 3 + k)]);
      for (int k = 0; k < 2; ++k) {
        expected.push_back(static_cast<int8_t>(
            ref::Requantize(x2[static_cast<size_t>(p * 2 + k)], 0.08f, -10, s, z)));
      }
    }
    ConvertAndCompare(b, {x1, x2}, expected, "concat");
  }
  // PAD and PADV2 (pad value = zero point), int32 and int64 paddings.
  for (int v2 = 0; v2 < 2; ++v2) {
    TfliteBuilder b;
    const int x = b.Input({1, 2, 3, 2}, s, z);
    int p;
    if (v2) {
      TfliteBuilder::Tensor t;
      t.shape = {4, 2};
      t.type = TensorType::INT64;
      const std::vector<int64_t> pads = {0, 0, 1, 2, 0, 1, 1, 0};
      t.data.resize(64);
      std::memcpy(t.data.data(), pads.data(), 64);
      p = b.Add(t);
    } else {
      p = b.ConstI32({4, 2}, {0, 0, 1, 2, 0, 1, 1, 0});
    }
    const int y = b.Act({1, 5, 4, 3}, s, z);
    b.outputs = {y};
    if (v2) {
      const int cv = b.ConstI8({}, {static_cast<int8_t>(z)}, {s}, {z});
      b.AddOp(BuiltinOperator::PADV2, {x, p, cv}, {y});
    } else {
      b.AddOp(BuiltinOperator::PAD, {x, p}, {y});
    }
    const auto xin = RandomI8(rng, 12);
    std::vector<int8_t> expected;
    for (int h = 0; h < 5; ++h)
      for (int w = 0; w < 4; ++w)
        for (int c = 0; c < 3; ++c) {
          const int ih = h - 1, iw = w, ic = c - 1;
          const bool in = ih >= 0 && ih < 2 && iw < 3 && ic >= 0;
          expected.push_back(in ? xin[static_cast<size_t>((ih * 3 + iw) * 2 + ic)]
                                : static_cast<int8_t>(z));
        }
    ConvertAndCompare(b, {xin}, expected, v2 ? "padv2" : "pad");
  }
  // TRANSPOSE [2,3,4] perm [2,0,1], then RESHAPE to [4,6] (shape tensor), SQUEEZE, EXPAND_DIMS.
  {
    TfliteBuilder b;
    const int x = b.Input({2, 3, 4}, s, z);
    const int perm = b.ConstI32({3}, {2, 0, 1});
    const int t = b.Act({4, 2, 3}, s, z);
    const int shp = b.ConstI32({3}, {1, -1, 6});
    const int r = b.Act({1, 4, 6}, s, z);
    const int sq = b.Act({4, 6}, s, z);
    const int axis = b.ConstI32({}, {1});
    const int e = b.Act({4, 1, 6}, s, z);
    b.outputs = {e};
    b.AddOp(BuiltinOperator::TRANSPOSE, {x, perm}, {t});
    b.AddOp(BuiltinOperator::RESHAPE, {t, shp}, {r});
    b.AddOp(BuiltinOperator::SQUEEZE, {r}, {sq}, tfl::BuiltinOptions::SqueezeOptions,
            [](flatbuffers::FlatBufferBuilder& f) {
              const std::vector<int32_t> dims = {0};
              return U(tfl::CreateSqueezeOptionsDirect(f, &dims));
            });
    b.AddOp(BuiltinOperator::EXPAND_DIMS, {sq, axis}, {e});
    const auto xin = RandomI8(rng, 24);
    std::vector<int8_t> expected;
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 2; ++j)
        for (int k = 0; k < 3; ++k)
          expected.push_back(xin[static_cast<size_t>((j * 3 + k) * 4 + i)]);
    ConvertAndCompare(b, {xin}, expected, "transpose+views");
  }
}

// A float interface (QUANTIZE in, DEQUANTIZE out) around an int8 graph: the boundary ops are
// dropped and the qinfer model has int8 I/O.
TEST(TfliteImport, FloatInterfaceIsStripped) {
  TfliteBuilder b;
  const int xf = b.Input({1, 8}, 0, 0, TensorType::FLOAT32);
  b.tensors[static_cast<size_t>(xf)].scales.clear();
  b.tensors[static_cast<size_t>(xf)].zps.clear();
  const int x = b.Act({1, 8}, 0.1f, 5);
  const int y = b.Act({1, 8}, 0.05f, -3);
  const int yf = b.Act({1, 8}, 0, 0, TensorType::FLOAT32);
  b.tensors[static_cast<size_t>(yf)].scales.clear();
  b.tensors[static_cast<size_t>(yf)].zps.clear();
  b.outputs = {yf};
  b.AddOp(BuiltinOperator::QUANTIZE, {xf}, {x});
  b.AddOp(BuiltinOperator::RELU, {x}, {y});
  b.AddOp(BuiltinOperator::DEQUANTIZE, {y}, {yf});
  std::vector<int8_t> xin(8);
  for (int i = 0; i < 8; ++i) xin[static_cast<size_t>(i)] = static_cast<int8_t>(i * 30 - 120);
  std::vector<int8_t> expected;
  for (int8_t v : xin) {
    expected.push_back(static_cast<int8_t>(
        ref::Relu(v, 0.1f, 5, 0.05f, -3, 0.0f, std::numeric_limits<float>::infinity())));
  }
  const auto report = ConvertAndCompare(b, {xin}, expected, "float io");
  EXPECT_EQ(report.notes.size(), 2u);
}

// A small MobileNet-like chain: every intermediate is checked through the final output.
TEST(TfliteImport, MobileNetLikeChain) {
  std::mt19937 rng(13);
  const ref::Shape4 xs{1, 24, 24, 3};
  const float sx = 0.02f, s1 = 0.05f, s2 = 0.06f, s3 = 0.08f, s4 = 0.1f, s5 = 0.04f, s6 = 0.15f;
  const int zx = -3, z1 = -128, z2 = -128, z3 = 5, z4 = -2, z5 = 1, z6 = 3;
  const std::vector<int8_t> w1 = RandomI8(rng, 8 * 3 * 3 * 3, -127, 127),
                            w2 = RandomI8(rng, 9 * 8, -127, 127);
  const std::vector<int8_t> w3 = RandomI8(rng, 8 * 8, -127, 127),
                            w4 = RandomI8(rng, 4 * 8, -127, 127);
  std::vector<float> ws1, ws2, ws3;
  for (int i = 0; i < 8; ++i) {
    ws1.push_back(RandomScale(rng, 0.002f, 0.01f));
    ws2.push_back(RandomScale(rng, 0.01f, 0.05f));
    ws3.push_back(RandomScale(rng, 0.005f, 0.02f));
  }
  const float ws4 = 0.01f;
  std::vector<int32_t> b1, b2, b3, b4;
  for (int i = 0; i < 8; ++i) {
    b1.push_back(std::uniform_int_distribution<int>(-800, 800)(rng));
    b2.push_back(std::uniform_int_distribution<int>(-800, 800)(rng));
    b3.push_back(std::uniform_int_distribution<int>(-800, 800)(rng));
  }
  for (int i = 0; i < 4; ++i) b4.push_back(std::uniform_int_distribution<int>(-800, 800)(rng));

  TfliteBuilder b;
  const int x = b.Input({1, 24, 24, 3}, sx, zx);
  const int t1 = b.Act({1, 12, 12, 8}, s1, z1), t2 = b.Act({1, 12, 12, 8}, s2, z2),
            t3 = b.Act({1, 12, 12, 8}, s3, z3);
  const int t4 = b.Act({1, 12, 12, 8}, s4, z4), t5 = b.Act({1, 8}, s5, z5),
            t6 = b.Act({1, 4}, s6, z6);
  const int t7 = b.Act({1, 4}, 1.0f / 256, -128);
  const int cw1 = b.ConstI8({8, 3, 3, 3}, w1, ws1, std::vector<int64_t>(8, 0));
  const int cw2 = b.ConstI8({1, 3, 3, 8}, w2, ws2, std::vector<int64_t>(8, 0), 3);
  const int cw3 = b.ConstI8({8, 1, 1, 8}, w3, ws3, std::vector<int64_t>(8, 0));
  const int cw4 = b.ConstI8({4, 8}, w4, {ws4}, {0});
  const int cb1 = b.ConstI32({8}, b1), cb2 = b.ConstI32({8}, b2), cb3 = b.ConstI32({8}, b3),
            cb4 = b.ConstI32({4}, b4);
  const int axes = b.ConstI32({2}, {1, 2});
  b.outputs = {t7};
  auto conv_opts = [](int stride, tfl::ActivationFunctionType act) {
    return [=](flatbuffers::FlatBufferBuilder& f) {
      return U(tfl::CreateConv2DOptions(f, tfl::Padding::SAME, stride, stride, act));
    };
  };
  b.AddOp(BuiltinOperator::CONV_2D, {x, cw1, cb1}, {t1}, tfl::BuiltinOptions::Conv2DOptions,
          conv_opts(2, tfl::ActivationFunctionType::RELU6));
  b.AddOp(BuiltinOperator::DEPTHWISE_CONV_2D, {t1, cw2, cb2}, {t2},
          tfl::BuiltinOptions::DepthwiseConv2DOptions, [](flatbuffers::FlatBufferBuilder& f) {
            return U(tfl::CreateDepthwiseConv2DOptions(f, tfl::Padding::SAME, 1, 1, 1,
                                                       tfl::ActivationFunctionType::RELU6));
          });
  b.AddOp(BuiltinOperator::CONV_2D, {t2, cw3, cb3}, {t3}, tfl::BuiltinOptions::Conv2DOptions,
          conv_opts(1, tfl::ActivationFunctionType::NONE));
  b.AddOp(BuiltinOperator::ADD, {t3, t1}, {t4});
  b.AddOp(BuiltinOperator::MEAN, {t4, axes}, {t5}, tfl::BuiltinOptions::ReducerOptions,
          [](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateReducerOptions(f, false)); });
  b.AddOp(BuiltinOperator::FULLY_CONNECTED, {t5, cw4, cb4}, {t6});
  b.AddOp(BuiltinOperator::SOFTMAX, {t6}, {t7}, tfl::BuiltinOptions::SoftmaxOptions,
          [](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateSoftmaxOptions(f, 1.0f)); });

  for (int rep = 0; rep < 3; ++rep) {
    const std::vector<int8_t> xin = RandomI8(rng, static_cast<size_t>(xs.size()));
    ref::ConvCfg g1;
    g1.stride_h = g1.stride_w = 2;
    g1.act = 3;
    ref::Shape4 o1, o2, o3;
    const auto y1 = ref::Conv(g1, xs, xin, zx, sx, {8, 3, 3, 3}, w1, ws1, &b1, s1, z1, &o1);
    ref::ConvCfg g2;
    g2.depthwise = true;
    g2.act = 3;
    const auto y2 = ref::Conv(g2, o1, y1, z1, s1, {1, 3, 3, 8}, w2, ws2, &b2, s2, z2, &o2);
    const auto y3 =
        ref::Conv(ref::ConvCfg(), o2, y2, z2, s2, {8, 1, 1, 8}, w3, ws3, &b3, s3, z3, &o3);
    const auto y4 = ref::Binary(
        {1, 12, 12, 8}, y3, {1, 12, 12, 8}, y1, {1, 12, 12, 8},
        [&](int p, int q) { return ref::AddOne(p, q, z3, z1, s3, s1, s4, z4, 0, false); });
    std::vector<int8_t> y5;
    for (int ch = 0; ch < 8; ++ch) {
      int64_t sum = 0;
      for (int k = 0; k < 144; ++k) sum += y4[static_cast<size_t>(k * 8 + ch)] - z4;
      y5.push_back(static_cast<int8_t>(ref::MeanFolded(sum, 144, s4, s5, z5)));
    }
    const auto y6 = ref::FullyConnected(1, 8, 4, y5, z5, s5, w4, {ws4}, 0, &b4, s6, z6, 0);
    const auto y7 = ref::Softmax(y6, 4, 1.0f, s6);
    const TfliteImportReport r =
        ConvertAndCompare(b, {xin}, y7, "mobilenet-like chain trial " + std::to_string(rep));
    EXPECT_EQ(r.qinfer_op_source.size(), 7u);
  }
}

// The integers in the converted model follow TFLite's derivations where float and double
// arithmetic disagree: the per-tensor fully connected scale product is a float, the conv
// per-channel one a double.
const schema::Operator* FirstOp(const std::vector<uint8_t>& qinfer_bytes) {
  return schema::GetModel(qinfer_bytes.data())->operators()->Get(0);
}

TEST(TfliteImport, MultipliersFollowTfliteFloatVersusDouble) {
  std::mt19937 rng(12);
  int fc_found = 0, conv_found = 0;
  for (int k = 0; k < 200000 && (fc_found < 3 || conv_found < 3); ++k) {
    const float si = RandomScale(rng, 0.001f, 0.5f), sw = RandomScale(rng, 0.0005f, 0.05f);
    const float so = RandomScale(rng, 0.001f, 0.5f);
    const float product = si * sw;
    int32_t qf, sf, qd, sd;
    ref::QuantizeMultiplier(static_cast<double>(product) / static_cast<double>(so), &qf, &sf);
    ref::QuantizeMultiplier(
        static_cast<double>(si) * static_cast<double>(sw) / static_cast<double>(so), &qd, &sd);
    if (qf == qd && sf == sd) continue;
    const bool fc = fc_found <= conv_found;
    TfliteBuilder b;
    if (fc) {
      const int x = b.Input({1, 4}, si, 0);
      const int w = b.ConstI8({3, 4}, std::vector<int8_t>(12, 1), {sw}, {0});
      const int y = b.Act({1, 3}, so, 0);
      b.outputs = {y};
      b.AddOp(BuiltinOperator::FULLY_CONNECTED, {x, w, -1}, {y});
    } else {
      const int x = b.Input({1, 3, 3, 2}, si, 0);
      const int w = b.ConstI8({2, 1, 1, 2}, std::vector<int8_t>(4, 1), {sw, sw}, {0, 0});
      const int y = b.Act({1, 3, 3, 2}, so, 0);
      b.outputs = {y};
      b.AddOp(BuiltinOperator::CONV_2D, {x, w, -1}, {y}, tfl::BuiltinOptions::Conv2DOptions,
              [](flatbuffers::FlatBufferBuilder& f) {
                return U(tfl::CreateConv2DOptions(f, tfl::Padding::SAME, 1, 1));
              });
    }
    const std::vector<uint8_t> q = Convert(b.Finish());
    const schema::Operator* op = FirstOp(q);
    if (fc) {
      ASSERT_EQ(op->options_as_FullyConnectedOptions()->multiplier()->Get(0), qf);
      ASSERT_EQ(op->options_as_FullyConnectedOptions()->shift()->Get(0), sf);
      ++fc_found;
    } else {
      for (int c = 0; c < 2; ++c) {
        ASSERT_EQ(op->options_as_Conv2DOptions()->multiplier()->Get(c), qd);
        ASSERT_EQ(op->options_as_Conv2DOptions()->shift()->Get(c), sd);
      }
      ++conv_found;
    }
  }
  EXPECT_EQ(fc_found, 3);
  EXPECT_EQ(conv_found, 3);
}

// =============================================================================================
// Refusals.

std::string ImportError(const std::vector<uint8_t>& bytes, size_t size = static_cast<size_t>(-1)) {
  try {
    ConvertTfliteBytesToQinfer(bytes.data(), std::min(size, bytes.size()));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TfliteBuilder SmallConvModel() {
  TfliteBuilder b;
  const int x = b.Input({1, 4, 4, 2}, 0.05f, 1);
  const int w =
      b.ConstI8({3, 3, 3, 2}, std::vector<int8_t>(54, 3), {0.01f, 0.02f, 0.03f}, {0, 0, 0});
  const int bias = b.ConstI32({3}, {10, -20, 30});
  const int y = b.Act({1, 2, 2, 3}, 0.1f, -2);
  b.outputs = {y};
  b.AddOp(BuiltinOperator::CONV_2D, {x, w, bias}, {y}, tfl::BuiltinOptions::Conv2DOptions,
          [](flatbuffers::FlatBufferBuilder& f) {
            return U(tfl::CreateConv2DOptions(f, tfl::Padding::SAME, 2, 2,
                                              tfl::ActivationFunctionType::RELU));
          });
  return b;
}

// Most operator kinds in one graph, for the corruption test.
TfliteBuilder MultiOpModel() {
  TfliteBuilder b = SmallConvModel();
  const int c = b.outputs[0];  // [1,2,2,3]
  const int dw_w = b.ConstI8({1, 3, 3, 6}, std::vector<int8_t>(54, -2), {0.02f}, {0}, 3);
  const int d = b.Act({1, 2, 2, 6}, 0.1f, 4);
  b.AddOp(BuiltinOperator::DEPTHWISE_CONV_2D, {c, dw_w, -1}, {d},
          tfl::BuiltinOptions::DepthwiseConv2DOptions, [](flatbuffers::FlatBufferBuilder& f) {
            return U(tfl::CreateDepthwiseConv2DOptions(f, tfl::Padding::SAME, 1, 1, 2,
                                                       tfl::ActivationFunctionType::RELU6));
          });
  const int e = b.Act({1, 2, 2, 6}, 0.12f, -1);
  b.AddOp(BuiltinOperator::HARD_SWISH, {d}, {e});
  const int f2 = b.Act({1, 2, 2, 6}, 0.2f, 0);
  b.AddOp(BuiltinOperator::ADD, {d, e}, {f2}, tfl::BuiltinOptions::AddOptions,
          [](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateAddOptions(f)); });
  const int ax = b.ConstI32({2}, {1, 2});
  const int m = b.Act({1, 6}, 0.1f, 2);
  b.AddOp(BuiltinOperator::MEAN, {f2, ax}, {m}, tfl::BuiltinOptions::ReducerOptions,
          [](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateReducerOptions(f, false)); });
  const int fw = b.ConstI8({4, 6}, std::vector<int8_t>(24, 5), {0.01f}, {0});
  const int g = b.Act({1, 4}, 0.3f, 0);
  b.AddOp(BuiltinOperator::FULLY_CONNECTED, {m, fw, -1}, {g});
  const int l = b.Act({1, 4}, 1.0f / 256, -128);
  b.AddOp(BuiltinOperator::LOGISTIC, {g}, {l});
  const int sm = b.Act({1, 4}, 1.0f / 256, -128);
  b.AddOp(BuiltinOperator::SOFTMAX, {l}, {sm}, tfl::BuiltinOptions::SoftmaxOptions,
          [](flatbuffers::FlatBufferBuilder& f) { return U(tfl::CreateSoftmaxOptions(f, 1.0f)); });
  b.outputs = {sm};
  return b;
}

TEST(TfliteImportRefusal, SmallModelConverts) {
  EXPECT_EQ(ImportError(SmallConvModel().Finish()), "");
  EXPECT_EQ(ImportError(MultiOpModel().Finish()), "");
}

TEST(TfliteImportRefusal, UnsupportedOperators) {
  struct Case {
    BuiltinOperator op;
    TensorType type;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {BuiltinOperator::SVDF, TensorType::INT8, "op 0 (SVDF, INT8) is not supported"},
      {BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM, TensorType::INT8,
       "op 0 (UNIDIRECTIONAL_SEQUENCE_LSTM, INT8) is not supported"},
      {BuiltinOperator::LSTM, TensorType::INT8, "op 0 (LSTM, INT8) is not supported"},
      {BuiltinOperator::FULLY_CONNECTED, TensorType::INT16,
       "op 0 (FULLY_CONNECTED, INT16) is not supported"},
      {BuiltinOperator::ADD, TensorType::INT16, "op 0 (ADD, INT16) is not supported"},
      {BuiltinOperator::CONV_2D, TensorType::FLOAT32, "op 0 (CONV_2D, FLOAT32) is not supported"},
      {BuiltinOperator::DIV, TensorType::INT8, "op 0 (DIV, INT8) is not supported"},
      {BuiltinOperator::RESIZE_BILINEAR, TensorType::INT8,
       "op 0 (RESIZE_BILINEAR, INT8) is not supported"},
  };
  for (const Case& cs : cases) {
    TfliteBuilder b;
    const int x = b.Input({1, 4}, 0.1f, 0, cs.type);
    const int y = b.Act({1, 4}, 0.1f, 0, cs.type);
    b.outputs = {y};
    b.AddOp(cs.op, {x, x}, {y});
    EXPECT_EQ(ImportError(b.Finish()), cs.expected);
  }
  // A custom operator, after a supported one: the index is the custom op's.
  {
    TfliteBuilder b;
    const int x = b.Input({1, 4}, 0.1f, 0);
    const int h = b.Act({1, 4}, 0.1f, 0);
    const int y = b.Act({1, 4}, 0.1f, 0);
    b.outputs = {y};
    b.AddOp(BuiltinOperator::RELU, {x}, {h});
    b.AddOp(BuiltinOperator::CUSTOM, {h}, {y});
    b.ops.back().custom = "MyOp";
    EXPECT_EQ(ImportError(b.Finish()),
              "op 1 (CUSTOM, INT8) is not supported: custom operator 'MyOp'");
  }
  // Float ops inside the graph (not at the boundary): refused.
  {
    TfliteBuilder b;
    const int x = b.Input({1, 4}, 0.1f, 0);
    const int f = b.Act({1, 4}, 0, 0, TensorType::FLOAT32);
    const int y = b.Act({1, 4}, 0, 0, TensorType::FLOAT32);
    b.outputs = {y};
    b.AddOp(BuiltinOperator::DEQUANTIZE, {x}, {f});
    b.AddOp(BuiltinOperator::LOGISTIC, {f}, {y});
    EXPECT_EQ(ImportError(b.Finish()), "op 0 (DEQUANTIZE, INT8) is not supported");
  }
  // PADV2 with a pad value other than the zero point.
  {
    TfliteBuilder b;
    const int x = b.Input({1, 2, 2, 1}, 0.1f, 0);
    const int p = b.ConstI32({4, 2}, {0, 0, 1, 1, 1, 1, 0, 0});
    const int cv = b.ConstI8({1}, {5}, {0.1f}, {0});
    const int y = b.Act({1, 4, 4, 1}, 0.1f, 0);
    b.outputs = {y};
    b.AddOp(BuiltinOperator::PADV2, {x, p, cv}, {y});
    EXPECT_EQ(
        ImportError(b.Finish()),
        "op 0 (PADV2, INT8) is not supported: pad value 5 differs from the output zero point 0");
  }
  // int16 activations reaching an otherwise supported op through QUANTIZE.
  {
    TfliteBuilder b;
    const int x = b.Input({1, 4}, 0.1f, 0);
    const int y = b.Act({1, 4}, 0.1f, 0, TensorType::INT16);
    b.outputs = {y};
    b.AddOp(BuiltinOperator::QUANTIZE, {x}, {y});
    EXPECT_EQ(ImportError(b.Finish()), "op 0 (QUANTIZE, INT8) is not supported: output type INT16");
  }
}

TEST(TfliteImportRefusal, InconsistentDeclaredOutputShape) {
  TfliteBuilder b = SmallConvModel();
  b.tensors[static_cast<size_t>(b.outputs[0])].shape = {1, 3, 3,
                                                        3};  // SAME, stride 2 on 4x4 gives 2x2
  const std::string e = ImportError(b.Finish());
  EXPECT_EQ(e.rfind("op 0 (CONV_2D): declared output shape [1,3,3,3]", 0), 0u) << e;
  EXPECT_NE(e.find("[1,2,2,3]"), std::string::npos) << e;
  // Pooling with VALID padding.
  TfliteBuilder p;
  const int x = p.Input({1, 5, 5, 1}, 0.1f, 0);
  const int y = p.Act({1, 2, 3, 1}, 0.1f, 0);
  p.outputs = {y};
  p.AddOp(BuiltinOperator::MAX_POOL_2D, {x}, {y}, tfl::BuiltinOptions::Pool2DOptions,
          [](flatbuffers::FlatBufferBuilder& f) {
            return U(tfl::CreatePool2DOptions(f, tfl::Padding::VALID, 2, 2, 2, 2));
          });
  EXPECT_EQ(ImportError(p.Finish()).rfind("op 0 (MAX_POOL_2D): declared output shape [1,2,3,1]", 0),
            0u);
}

TEST(TfliteImportRefusal, BadIndicesAndBuffers) {
  {
    TfliteBuilder b = SmallConvModel();
    b.ops[0].in[1] = 17;
    EXPECT_EQ(ImportError(b.Finish()), "op 0 (CONV_2D): input 1 is tensor 17, out of [0, 4)");
  }
  {
    TfliteBuilder b = SmallConvModel();
    b.tensors[1].data.resize(50);  // 54 weights expected
    const std::string e = ImportError(b.Finish());
    EXPECT_EQ(e.rfind("op 0 (CONV_2D): filter 't1' has a 50-byte buffer", 0), 0u) << e;
  }
  {
    TfliteBuilder b = SmallConvModel();
    b.outputs = {9};
    EXPECT_EQ(ImportError(b.Finish()),
              "malformed TFLite file: graph output 0 is tensor 9, out of [0, 4)");
  }
  {
    TfliteBuilder b = SmallConvModel();
    b.tensors[2].shape = {4};  // bias for 3 channels
    b.tensors[2].data.resize(16);
    EXPECT_EQ(ImportError(b.Finish()), "op 0 (CONV_2D): bias 't2' has shape [4], expected [3]");
  }
  EXPECT_EQ(ImportError(std::vector<uint8_t>(100, 0)),
            "not a TFLite model: no TFL3 file identifier");
}

// Every truncation of a small model, and random corruptions, fail cleanly.
TEST(TfliteImportRefusal, TruncatedAndCorruptedFiles) {
  const std::vector<uint8_t> good = SmallConvModel().Finish();
  ASSERT_EQ(ImportError(good), "");
  for (size_t n = 0; n < good.size(); ++n) {
    const std::string e = ImportError(good, n);
    EXPECT_NE(e, "") << "truncated to " << n << " of " << good.size() << " bytes";
  }
  const std::vector<uint8_t> multi = MultiOpModel().Finish();
  ASSERT_EQ(ImportError(multi), "");
  for (size_t n = 0; n < multi.size(); n += 7) EXPECT_NE(ImportError(multi, n), "") << n;
  const char* seed_env = std::getenv("QINFER_TFLITE_FUZZ_SEED");
  std::mt19937 rng(seed_env ? static_cast<unsigned>(std::atoi(seed_env)) : 10u);
  int failed = 0;
  // QINFER_TFLITE_FUZZ_ITERS raises the count for a longer local run (e.g. under ASan).
  const char* iters_env = std::getenv("QINFER_TFLITE_FUZZ_ITERS");
  const int iters = iters_env ? std::atoi(iters_env) : 6000;
  for (int trial = 0; trial < iters; ++trial) {
    std::vector<uint8_t> bad = trial % 2 ? good : multi;
    const int flips = 1 + trial % 4;
    for (int k = 0; k < flips; ++k) {
      bad[std::uniform_int_distribution<size_t>(0, bad.size() - 1)(rng)] =
          static_cast<uint8_t>(rng());
    }
    // Either a clean error or a model the runtime accepts; never a crash.
    try {
      const std::vector<uint8_t> q = ConvertTfliteBytesToQinfer(bad.data(), bad.size());
      EXPECT_FALSE(q.empty());
    } catch (const Error&) {
      ++failed;
    }
  }
  EXPECT_GT(failed, 0);
  // TFLite Micro's models, damaged.
  for (const std::string name :
       {"/hello_world_int8.tflite", "/network_tester/network_model.tflite"}) {
    if (!FileExists(kTflmDir + name)) continue;
    const std::string real = ReadFile(kTflmDir + name);
    for (int trial = 0; trial < iters / 6; ++trial) {
      std::vector<uint8_t> bad(real.begin(), real.end());
      for (int k = 0; k < 1 + trial % 3; ++k) {
        bad[std::uniform_int_distribution<size_t>(0, bad.size() - 1)(rng)] =
            static_cast<uint8_t>(rng());
      }
      try {
        ConvertTfliteBytesToQinfer(bad.data(), bad.size());
      } catch (const Error&) {
      }
    }
  }
}

// =============================================================================================
// QuantizeMultiplier against an independent implementation.

TEST(TfliteArith, QuantizeMultiplierMatchesIndependentImplementation) {
  std::mt19937_64 rng(11);
  std::vector<double> values = {1.0,
                                0.5,
                                0.25,
                                2.0,
                                1e-10,
                                4.6e-10,
                                4.7e-10,
                                1e-9,
                                1e-3,
                                3.0,
                                1.0 / 3,
                                123456.0,
                                0.9999999999,
                                0.99999999999,
                                std::nextafter(1.0, 0.0),
                                std::nextafter(0.5, 0.0),
                                std::ldexp(1.0, -31),
                                std::ldexp(1.0, -32),
                                std::ldexp(0.99999999999, -31),
                                std::ldexp(1.0 - std::ldexp(1.0, -33), 0),
                                std::ldexp(1.0 - std::ldexp(1.0, -32), 0),
                                std::ldexp(1.0 - std::ldexp(1.0, -31), 0),
                                -0.3,
                                -0.75};
  // Values whose mantissa * 2^31 lies exactly on a half: ties round away from zero.
  for (int k = 0; k < 200; ++k) {
    const uint64_t q = (uint64_t{1} << 30) + (rng() % (uint64_t{1} << 30));
    values.push_back(std::ldexp(static_cast<double>(q) + 0.5, -31 - static_cast<int>(rng() % 20)));
  }
  std::uniform_real_distribution<double> exp_d(-40, 20);
  while (values.size() < 100000) {
    const double m = std::exp2(exp_d(rng));
    values.push_back(rng() % 7 == 0 ? std::nextafter(std::exp2(std::floor(std::log2(m))), 0.0) : m);
  }
  int just_below_one_rounds_up = 0;
  for (double v : values) {
    int32_t q1, s1, q2, s2;
    ASSERT_TRUE(tfl_arith::QuantizeMultiplier(v, &q1, &s1));
    ref::QuantizeMultiplier(v, &q2, &s2);
    ASSERT_EQ(q1, q2) << v;
    ASSERT_EQ(s1, s2) << v;
    if (v > 0 && q1 != 0) {
      ASSERT_GE(q1, 1 << 30) << v;
      // m == q * 2^(s - 31) within half a unit of q.
      EXPECT_LE(std::fabs(std::ldexp(static_cast<double>(q1), s1 - 31) - v),
                std::ldexp(0.5, s1 - 31))
          << v;
    }
    if (v < 1.0 && v > 0.99 && s1 == 1) ++just_below_one_rounds_up;
  }
  EXPECT_GT(just_below_one_rounds_up, 0);  // q == 2^31 became 2^30 with shift + 1
  // The documented edge cases.
  int32_t q, s;
  tfl_arith::QuantizeMultiplier(std::nextafter(1.0, 0.0), &q, &s);
  EXPECT_EQ(q, 1 << 30);
  EXPECT_EQ(s, 1);
  tfl_arith::QuantizeMultiplier(std::ldexp(1.0, -33), &q, &s);
  EXPECT_EQ(q, 0);
  EXPECT_EQ(s, 0);
  tfl_arith::QuantizeMultiplier(std::ldexp(1.0, -32), &q, &s);
  EXPECT_EQ(q, 1 << 30);
  EXPECT_EQ(s, -31);
  tfl_arith::QuantizeMultiplier(0.0, &q, &s);
  EXPECT_EQ(q, 0);
  EXPECT_EQ(s, 0);
}

TEST(TfliteArith, PaddingMatchesTflite) {
  int32_t out, before, after;
  // SAME, stride 2, 8 -> 4, filter 3: total pad 1, the extra one at the bottom/right.
  ASSERT_TRUE(tfl_arith::ComputePadding(true, 8, 3, 2, 1, &out, &before, &after));
  EXPECT_EQ(out, 4);
  EXPECT_EQ(before, 0);
  EXPECT_EQ(after, 1);
  ASSERT_TRUE(tfl_arith::ComputePadding(true, 7, 4, 1, 1, &out, &before, &after));
  EXPECT_EQ(out, 7);
  EXPECT_EQ(before, 1);
  EXPECT_EQ(after, 2);
  ASSERT_TRUE(tfl_arith::ComputePadding(false, 7, 3, 2, 2, &out, &before, &after));
  EXPECT_EQ(out, 2);
  EXPECT_EQ(before + after, 0);
  EXPECT_FALSE(tfl_arith::ComputePadding(false, 2, 3, 1, 1, &out, &before, &after));
}

}  // namespace
}  // namespace converter
}  // namespace qinfer
