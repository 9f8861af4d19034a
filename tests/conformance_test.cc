// Tests of the qinfer-conformance/1 runner (tools/conformance_runner.h):
//  - the shared cases and the FORMAT.md worked example pass;
//  - built cases (groups, dilation, null/omitted bias, a four-op chain through intermediates)
//    match an independent int64 implementation of FORMAT.md written here, not the runner;
//  - every refusal rule of FORMAT.md refuses a mutated valid case;
//  - malformed input never crashes;
//  - the report format and exit status.
#include "tools/conformance_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#ifndef QINFER_SHARED_DIR
#define QINFER_SHARED_DIR "../shared"
#endif

namespace qinfer {
namespace conformance {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Vec = std::vector<int64_t>;

// ---------------------------------------------------------------------------------------
// Independent oracle: FORMAT.md sections 5 and 6, literally, in int64.
// ---------------------------------------------------------------------------------------
namespace oracle {

constexpr int64_t kMin32 = -(int64_t{1} << 31);
constexpr int64_t kMax32 = (int64_t{1} << 31) - 1;

int64_t Srdhm(int64_t a, int64_t b) {
  if (a == kMin32 && b == kMin32) return kMax32;
  const int64_t p = a * b;
  const int64_t nudge = p >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30);
  return (p + nudge) / (int64_t{1} << 31);  // C++ division truncates: trunc()
}

int64_t Rdbp(int64_t x, int e) {
  const int64_t mask = (int64_t{1} << e) - 1;
  const int64_t remainder = x & mask;
  const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (remainder > threshold ? 1 : 0);
}

int64_t Mbqm(int64_t x, int64_t m, int64_t s) {
  const int64_t left = std::max<int64_t>(s, 0), right = std::max<int64_t>(-s, 0);
  return Rdbp(Srdhm(x * (int64_t{1} << left), m), static_cast<int>(right));
}

int64_t ShlSat(int64_t x, int e) {
  const int64_t t = (int64_t{1} << (31 - e)) - 1;
  return x > t ? kMax32 : x < -t ? kMin32 : x * (int64_t{1} << e);
}

int64_t Rhs(int64_t a, int64_t b) {
  const int64_t s = a + b;
  return (s + (s >= 0 ? 1 : -1)) / 2;
}

int Clz(int64_t v) {
  int bits = 0;
  while (v >> bits) ++bits;
  return 32 - bits;
}

int64_t Clamp(int64_t v, int64_t lo, int64_t hi) { return std::min(std::max(v, lo), hi); }

int64_t ExpQ(int64_t a) {
  const int64_t x = a + (int64_t{1} << 28);
  const int64_t x2 = Srdhm(x, x), x3 = Srdhm(x2, x), x4 = Srdhm(x2, x2);
  const int64_t x4q = Rdbp(x4, 2);
  const int64_t p = Rdbp(Srdhm(x4q + x3, 715827883) + x2, 1);
  return 1895147668 + Srdhm(1895147668, x + p);
}

int64_t Exp(int64_t a) {
  if (a == 0) return kMax32;
  const int64_t m = (a & ((int64_t{1} << 24) - 1)) - (int64_t{1} << 24);
  int64_t res = ExpQ(ShlSat(m, 5));
  const int64_t rem = m - a;
  const int64_t table[7][2] = {{24, 1672461947}, {25, 1302514674}, {26, 790015084},
                               {27, 290630308},  {28, 39332535},   {29, 720401},
                               {30, 242}};
  for (const auto& t : table)
    if ((rem >> t[0]) & 1) res = Srdhm(res, t[1]);
  return res;
}

int64_t Recip(int64_t a) {
  const int64_t h = Rhs(a, kMax32);
  int64_t x = 1515870810 + Srdhm(h, -1010580540);
  for (int i = 0; i < 3; ++i) {
    const int64_t t = Srdhm(h, x);
    const int64_t u = (int64_t{1} << 29) - t;
    x = x + ShlSat(Srdhm(x, u), 2);
  }
  return ShlSat(x, 1);
}

// Returns nullopt when k falls outside [0, 31] (the case is then invalid).
std::optional<Vec> Softmax(const Vec& q, int64_t depth, int64_t beta_m, int beta_s,
                           int64_t diff_min) {
  Vec out(q.size());
  for (size_t row = 0; row < q.size() / depth; ++row) {
    const int64_t* r = q.data() + row * depth;
    const int64_t mx = *std::max_element(r, r + depth);
    int64_t sum = 0;
    Vec e(depth, 0);
    for (int64_t c = 0; c < depth; ++c) {
      const int64_t d = r[c] - mx;
      if (d >= diff_min) {
        e[c] = Exp(Srdhm(d * (int64_t{1} << beta_s), beta_m));
        sum += Rdbp(e[c], 12);
      }
    }
    const int hr = Clz(sum);
    const int64_t scale = Recip(sum * (int64_t{1} << hr) - (int64_t{1} << 31));
    const int k = (12 - hr) + 31 - 8;
    if (k < 0 || k > 31) return std::nullopt;
    for (int64_t c = 0; c < depth; ++c) {
      out[row * depth + c] = r[c] - mx >= diff_min
                                 ? Clamp(Rdbp(Srdhm(scale, e[c]), k) - 128, -128, 127)
                                 : -128;
    }
  }
  return out;
}

struct Geo {
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
};

int64_t OutExtent(int64_t in, int64_t p0, int64_t p1, int64_t k, int64_t d, int64_t s) {
  return (in + p0 + p1 - ((k - 1) * d + 1)) / s + 1;
}

// conv2d (depthwise=false, `mult` = groups) or depthwise_conv2d (`mult` = M); returns the
// int64 accumulators and the output shape.
Vec ConvAcc(bool depthwise, const Vec& in, const Vec& is, int64_t zi, const Vec& w,
            const Vec& ws, const Vec* bias, const Geo& g, int64_t mult, Vec* os) {
  const int64_t N = is[0], H = is[1], W = is[2], C = is[3];
  const int64_t KH = ws[1], KW = ws[2];
  const int64_t OC = depthwise ? C * mult : ws[0];
  const int64_t Cg = depthwise ? 1 : ws[3];
  const int64_t OCg = depthwise ? 1 : OC / mult;
  const int64_t OH = OutExtent(H, g.pad_top, g.pad_bottom, KH, g.dilation_h, g.stride_h);
  const int64_t OW = OutExtent(W, g.pad_left, g.pad_right, KW, g.dilation_w, g.stride_w);
  *os = {N, OH, OW, OC};
  Vec acc;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox)
        for (int64_t oc = 0; oc < OC; ++oc) {
          int64_t a = bias ? (*bias)[oc] : 0;
          for (int64_t ky = 0; ky < KH; ++ky)
            for (int64_t kx = 0; kx < KW; ++kx) {
              const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
              const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              if (depthwise) {
                a += w[(ky * KW + kx) * OC + oc] * (in[((n * H + iy) * W + ix) * C + oc / mult] - zi);
              } else {
                const int64_t grp = oc / OCg;
                for (int64_t ic = 0; ic < Cg; ++ic)
                  a += w[((oc * KH + ky) * KW + kx) * Cg + ic] *
                       (in[((n * H + iy) * W + ix) * C + grp * Cg + ic] - zi);
              }
            }
          acc.push_back(a);
        }
  return acc;
}

Vec FcAcc(const Vec& in, int64_t zi, const Vec& w, int64_t out_features, int64_t zw,
          const Vec* bias) {
  const int64_t IN = static_cast<int64_t>(w.size()) / out_features;
  const int64_t batches = static_cast<int64_t>(in.size()) / IN;
  Vec acc;
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t o = 0; o < out_features; ++o) {
      int64_t a = bias ? (*bias)[o] : 0;
      for (int64_t i = 0; i < IN; ++i) a += (w[o * IN + i] - zw) * (in[b * IN + i] - zi);
      acc.push_back(a);
    }
  return acc;
}

// Requantizes accumulators whose last axis has `channels` entries.
Vec Requant(const Vec& acc, int64_t channels, const Vec& mult, const Vec& shift, int64_t zo,
            int64_t lo, int64_t hi) {
  Vec out;
  for (size_t i = 0; i < acc.size(); ++i) {
    const size_t c = mult.size() == 1 ? 0 : i % channels;
    out.push_back(Clamp(Mbqm(acc[i], mult[c], shift[c]) + zo, lo, hi));
  }
  return out;
}

Vec Pool(bool is_max, const Vec& in, const Vec& is, int64_t fh, int64_t fw, const Geo& g,
         int64_t lo, int64_t hi, Vec* os) {
  const int64_t N = is[0], H = is[1], W = is[2], C = is[3];
  const int64_t OH = OutExtent(H, g.pad_top, g.pad_bottom, fh, 1, g.stride_h);
  const int64_t OW = OutExtent(W, g.pad_left, g.pad_right, fw, 1, g.stride_w);
  *os = {N, OH, OW, C};
  Vec out;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox)
        for (int64_t c = 0; c < C; ++c) {
          int64_t mx = -1000, s = 0, count = 0;
          for (int64_t iy = oy * g.stride_h - g.pad_top; iy < oy * g.stride_h - g.pad_top + fh; ++iy)
            for (int64_t ix = ox * g.stride_w - g.pad_left; ix < ox * g.stride_w - g.pad_left + fw;
                 ++ix) {
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const int64_t v = in[((n * H + iy) * W + ix) * C + c];
              mx = std::max(mx, v);
              s += v;
              ++count;
            }
          const int64_t mag = ((s < 0 ? -s : s) + count / 2) / count;  // floor: both >= 0
          const int64_t avg = s < 0 ? -mag : mag;
          out.push_back(Clamp(is_max ? mx : avg, lo, hi));
        }
  return out;
}

}  // namespace oracle

// ---------------------------------------------------------------------------------------
// Case building helpers.
// ---------------------------------------------------------------------------------------

// Deterministic pseudo-random integers.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  int64_t Int(int64_t lo, int64_t hi) {
    s_ = s_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + static_cast<int64_t>((s_ >> 33) % static_cast<uint64_t>(hi - lo + 1));
  }
  Vec Ints(size_t n, int64_t lo, int64_t hi) {
    Vec v(n);
    for (auto& x : v) x = Int(lo, hi);
    return v;
  }

 private:
  uint64_t s_;
};

int64_t Numel(const Vec& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

json Int8(const std::string& name, const std::string& kind, const Vec& shape, int64_t zp,
          const Vec& data) {
  json t = {{"name", name}, {"kind", kind}, {"dtype", "int8"}, {"shape", shape},
            {"zero_point", zp}};
  if (kind != "intermediate") t["data"] = data;
  return t;
}

json Inter(const std::string& name, const Vec& shape, int64_t zp) {
  return Int8(name, "intermediate", shape, zp, {});
}

json Int32(const std::string& name, const Vec& data) {
  return {{"name", name}, {"kind", "constant"}, {"dtype", "int32"},
          {"shape", Vec{static_cast<int64_t>(data.size())}}, {"data", data}};
}

json Op(const std::string& type, json inputs, const std::string& output, json params) {
  return {{"type", type}, {"inputs", std::move(inputs)}, {"outputs", {output}},
          {"params", std::move(params)}};
}

// bias_mode 0: an int32 bias tensor; 1: the bias input given as null; 2: no bias input.
void AddBias(int bias_mode, const Vec& b, json* tensors, json* inputs) {
  if (bias_mode == 0) {
    tensors->push_back(Int32("bias", b));
    inputs->push_back("bias");
  } else if (bias_mode == 1) {
    inputs->push_back(nullptr);
  }
}

json Case(const std::string& name, json tensors, json ops) {
  return {{"format", "qinfer-conformance/1"}, {"name", name}, {"description", "test"},
          {"tags", json::array()}, {"tensors", std::move(tensors)}, {"ops", std::move(ops)}};
}

json ConvParamsJson(const oracle::Geo& g, const char* group_key, int64_t group, int64_t zi,
                    int64_t zo, const Vec& mult, const Vec& shift, int64_t lo, int64_t hi) {
  return {{"stride_h", g.stride_h},     {"stride_w", g.stride_w},
          {"dilation_h", g.dilation_h}, {"dilation_w", g.dilation_w},
          {"pad_top", g.pad_top},       {"pad_left", g.pad_left},
          {"pad_bottom", g.pad_bottom}, {"pad_right", g.pad_right},
          {group_key, group},           {"input_zero_point", zi},
          {"output_zero_point", zo},    {"multiplier", mult},
          {"shift", shift},             {"activation_min", lo},
          {"activation_max", hi}};
}

// A right shift that maps the largest |acc| to roughly +-64..128 with multipliers ~0.7.
int64_t PickShift(const Vec& acc) {
  int64_t mx = 1;
  for (int64_t a : acc) mx = std::max(mx, a < 0 ? -a : a);
  int bits = 0;
  while (mx >> bits) ++bits;
  return 7 - bits;
}

// The test's own sanity check: a built expected output should not be constant.
void ExpectSpread(const Vec& v) {
  ASSERT_FALSE(v.empty());
  const auto mm = std::minmax_element(v.begin(), v.end());
  EXPECT_LT(*mm.first, *mm.second) << "test data degenerate: output is constant";
}

CaseResult RunJson(const json& c) { return RunCaseText(c.dump(), "built"); }

#define EXPECT_CASE_PASSES(c)                                    \
  do {                                                           \
    const CaseResult r_ = RunJson(c);                                \
    EXPECT_TRUE(r_.passed) << FormatResult(r_);                  \
  } while (0)

// Changing one expected value must make a passing case fail with a mismatch report.
void ExpectMismatchDetected(json c, const std::string& output_name) {
  for (json& t : c["tensors"]) {
    if (t["name"] != output_name) continue;
    json& d = t["data"];
    const int64_t v = d[0].get<int64_t>();
    d[0] = v == 127 ? 126 : v + 1;
    const CaseResult r = RunJson(c);
    EXPECT_FALSE(r.passed);
    EXPECT_NE(r.reason.find(output_name + ": 1 of " + std::to_string(d.size()) +
                            " values differ (first at flat index 0: got " + std::to_string(v) +
                            ", expected " + std::to_string(d[0].get<int64_t>()) + ")"),
              std::string::npos)
        << r.reason;
    return;
  }
  ADD_FAILURE() << "no tensor " << output_name;
}

// ---------------------------------------------------------------------------------------
// Built cases.
// ---------------------------------------------------------------------------------------

const char kWorkedExample[] = R"json({
  "format": "qinfer-conformance/1",
  "name": "example__tiny_conv",
  "description": "conv2d 1x3x3x1 -> 1x2x2x1, filter 2x2, stride 2x2, pad t1 l1 b0 r0",
  "source": {"origin": "hand-made example in FORMAT.md", "license": "Apache-2.0"},
  "tags": ["conv2d", "padding", "stride", "clamp", "per_tensor"],
  "tensors": [
    {"name": "input", "kind": "input", "dtype": "int8", "shape": [1,3,3,1],
     "zero_point": 2, "data": [5,-3,8,0,2,7,-6,4,1]},
    {"name": "weights", "kind": "constant", "dtype": "int8", "shape": [1,2,2,1],
     "zero_point": 0, "data": [1,-2,3,1]},
    {"name": "bias", "kind": "constant", "dtype": "int32", "shape": [1], "data": [-2]},
    {"name": "output", "kind": "output", "dtype": "int8", "shape": [1,2,2,1],
     "zero_point": -5, "data": [-4,-8,-7,-7]}
  ],
  "ops": [
    {"type": "conv2d", "inputs": ["input", "weights", "bias"], "outputs": ["output"],
     "params": {"stride_h": 2, "stride_w": 2, "dilation_h": 1, "dilation_w": 1,
                "pad_top": 1, "pad_left": 1, "pad_bottom": 0, "pad_right": 0,
                "groups": 1, "input_zero_point": 2, "output_zero_point": -5,
                "multiplier": [1342177280], "shift": [-1],
                "activation_min": -8, "activation_max": 127}}
  ]
})json";

json WorkedExample() { return json::parse(kWorkedExample); }

// conv2d (groups 2) -> t1 -> max_pool2d -> t2 -> fully_connected (rank-4 input, 3 batches)
// -> t3 -> softmax -> y. With `conv_as_output`, t1 is an output tensor read by the pool.
json ChainCase(bool conv_as_output) {
  Rng rng(7);
  const Vec xs = {1, 6, 6, 4};
  const int64_t zx = -3;
  const Vec x = rng.Ints(Numel(xs), -128, 127);
  const Vec w1s = {6, 3, 3, 2};
  const Vec w1 = rng.Ints(Numel(w1s), -127, 127);
  const Vec b1 = rng.Ints(6, -3000, 3000);
  oracle::Geo g1;
  g1.pad_top = g1.pad_left = g1.pad_bottom = g1.pad_right = 1;
  Vec t1s;
  const Vec acc1 = oracle::ConvAcc(false, x, xs, zx, w1, w1s, &b1, g1, 2, &t1s);
  const Vec m1 = {1518500250, 1400000000, 1200000000, 2000000000, 1100000000, 1700000000};
  const int64_t s = PickShift(acc1);
  const Vec s1 = {s, s, s + 1, s, s - 1, s};
  const int64_t zt1 = 5;
  const Vec t1 = oracle::Requant(acc1, 6, m1, s1, zt1, -128, 127);

  oracle::Geo g2;
  g2.stride_h = g2.stride_w = 2;
  Vec t2s;
  const Vec t2 = oracle::Pool(true, t1, t1s, 2, 2, g2, -100, 120, &t2s);

  const int64_t IN = 18, OUT = 4;
  const Vec w3 = rng.Ints(OUT * IN, -127, 127);
  const Vec b3 = rng.Ints(OUT, -2000, 2000);
  const Vec acc3 = oracle::FcAcc(t2, zt1, w3, OUT, 0, &b3);
  const Vec m3 = {1300000000, 1900000000, 1100000000, 1600000000};
  const int64_t s3v = PickShift(acc3) + 1;
  const Vec s3 = {s3v, s3v, s3v, s3v};
  const int64_t zt3 = -7;
  const Vec t3 = oracle::Requant(acc3, OUT, m3, s3, zt3, -128, 127);

  const int64_t beta_m = 1610612736, beta_s = 23, diff_min = -200;
  const Vec y = *oracle::Softmax(t3, OUT, beta_m, beta_s, diff_min);

  json tensors = {
      Int8("x", "input", xs, zx, x),
      Int8("w1", "constant", w1s, 0, w1),
      Int32("b1", b1),
      conv_as_output ? Int8("t1", "output", t1s, zt1, t1) : Inter("t1", t1s, zt1),
      Inter("t2", t2s, zt1),
      Int8("w3", "constant", {OUT, IN}, 0, w3),
      Int32("b3", b3),
      Inter("t3", {3, OUT}, zt3),
      Int8("y", "output", {3, OUT}, -128, y),
  };
  json ops = {
      Op("conv2d", {"x", "w1", "b1"}, "t1",
         ConvParamsJson(g1, "groups", 2, zx, zt1, m1, s1, -128, 127)),
      Op("max_pool2d", {"t1"}, "t2",
         {{"filter_h", 2}, {"filter_w", 2}, {"stride_h", 2}, {"stride_w", 2}, {"pad_top", 0},
          {"pad_left", 0}, {"pad_bottom", 0}, {"pad_right", 0}, {"activation_min", -100},
          {"activation_max", 120}}),
      Op("fully_connected", {"t2", "w3", "b3"}, "t3",
         {{"input_zero_point", zt1}, {"weights_zero_point", 0}, {"output_zero_point", zt3},
          {"multiplier", m3}, {"shift", s3}, {"activation_min", -128},
          {"activation_max", 127}}),
      Op("softmax", {"t3"}, "y",
         {{"input_multiplier", beta_m}, {"input_left_shift", beta_s}, {"diff_min", diff_min}}),
  };
  return Case(conv_as_output ? "built__chain_two_outputs" : "built__chain", tensors, ops);
}

// conv2d with the given groups / dilation and bias mode: 0 = bias, 1 = null, 2 = omitted.
json ConvCase(int64_t groups, int64_t dilation, int bias_mode, uint64_t seed) {
  Rng rng(seed);
  const Vec xs = {2, 7, 6, 4};
  const int64_t zx = 9;
  const Vec x = rng.Ints(Numel(xs), -128, 127);
  const Vec ws = {4, 3, 2, 4 / groups};
  const Vec w = rng.Ints(Numel(ws), -127, 127);
  const Vec b = rng.Ints(4, -5000, 5000);
  oracle::Geo g;
  g.stride_h = 1;
  g.stride_w = 2;
  g.dilation_h = dilation;
  g.dilation_w = dilation;
  g.pad_top = 2;
  g.pad_left = 1;
  g.pad_bottom = 1;
  g.pad_right = 0;
  Vec os;
  const Vec acc = oracle::ConvAcc(false, x, xs, zx, w, ws, bias_mode == 0 ? &b : nullptr, g,
                                  groups, &os);
  const int64_t s = PickShift(acc);
  const Vec mult = {1431655765, 1800000000, 1073741824, 2147483647};
  const Vec shift = {s, s + 1, s, s - 1};
  const int64_t zo = -4;
  const Vec y = oracle::Requant(acc, 4, mult, shift, zo, -90, 100);
  ExpectSpread(y);
  json tensors = {Int8("input", "input", xs, zx, x), Int8("weights", "constant", ws, 0, w),
                  Int8("output", "output", os, zo, y)};
  json inputs = {"input", "weights"};
  AddBias(bias_mode, b, &tensors, &inputs);
  return Case("built__conv", tensors,
              {Op("conv2d", inputs, "output",
                  ConvParamsJson(g, "groups", groups, zx, zo, mult, shift, -90, 100))});
}

json DepthwiseCase(int64_t M, int64_t dilation, int bias_mode, uint64_t seed) {
  Rng rng(seed);
  const Vec xs = {1, 6, 5, 3};
  const int64_t zx = -20;
  const Vec x = rng.Ints(Numel(xs), -128, 127);
  const Vec ws = {1, 3, 2, 3 * M};
  const Vec w = rng.Ints(Numel(ws), -127, 127);
  const Vec b = rng.Ints(3 * M, -4000, 4000);
  oracle::Geo g;
  g.stride_h = 2;
  g.stride_w = 1;
  g.dilation_h = dilation;
  g.dilation_w = dilation;
  g.pad_top = 1;
  g.pad_left = 1;
  g.pad_bottom = 2;
  g.pad_right = 1;
  Vec os;
  const Vec acc =
      oracle::ConvAcc(true, x, xs, zx, w, ws, bias_mode == 0 ? &b : nullptr, g, M, &os);
  const int64_t s = PickShift(acc);
  const Vec mult = {1500000000};
  const Vec shift = {s};
  const int64_t zo = 3;
  const Vec y = oracle::Requant(acc, 3 * M, mult, shift, zo, -128, 127);
  ExpectSpread(y);
  json tensors = {Int8("input", "input", xs, zx, x), Int8("weights", "constant", ws, 0, w),
                  Int8("output", "output", os, zo, y)};
  json inputs = {"input", "weights"};
  AddBias(bias_mode, b, &tensors, &inputs);
  return Case("built__depthwise", tensors,
              {Op("depthwise_conv2d", inputs, "output",
                  ConvParamsJson(g, "depth_multiplier", M, zx, zo, mult, shift, -128, 127))});
}

// fully_connected, input of shape `xs` read as [numel / 6, 6]; bias_mode as ConvCase.
json FcCase(const Vec& xs, int64_t zw, int bias_mode, uint64_t seed) {
  Rng rng(seed);
  const int64_t IN = 6, OUT = 3;
  const int64_t zx = 3;
  const Vec x = rng.Ints(Numel(xs), -128, 127);
  const Vec w = rng.Ints(OUT * IN, -128, 127);
  const Vec b = rng.Ints(OUT, -3000, 3000);
  const Vec acc = oracle::FcAcc(x, zx, w, OUT, zw, bias_mode == 0 ? &b : nullptr);
  const int64_t s = PickShift(acc);
  const Vec mult = {1200000000, 1900000000, 1600000000};
  const Vec shift = {s, s, s + 1};
  const int64_t zo = -10;
  const Vec y = oracle::Requant(acc, OUT, mult, shift, zo, -128, 127);
  ExpectSpread(y);
  const int64_t batches = Numel(xs) / IN;
  json tensors = {Int8("input", "input", xs, zx, x), Int8("weights", "constant", {OUT, IN}, zw, w),
                  Int8("output", "output", {batches, OUT}, zo, y)};
  json inputs = {"input", "weights"};
  AddBias(bias_mode, b, &tensors, &inputs);
  return Case("built__fc", tensors,
              {Op("fully_connected", inputs, "output",
                  {{"input_zero_point", zx}, {"weights_zero_point", zw},
                   {"output_zero_point", zo}, {"multiplier", mult}, {"shift", shift},
                   {"activation_min", -128}, {"activation_max", 127}})});
}

json PoolCase(bool is_max) {
  Rng rng(is_max ? 11 : 12);
  const Vec xs = {2, 5, 4, 3};
  const Vec x = rng.Ints(Numel(xs), -128, 127);
  oracle::Geo g;
  g.stride_h = 2;
  g.stride_w = 1;
  g.pad_top = 1;
  g.pad_left = 2;
  g.pad_bottom = 1;
  g.pad_right = 0;
  Vec os;
  const Vec y = oracle::Pool(is_max, x, xs, 3, 3, g, -100, 110, &os);
  ExpectSpread(y);
  return Case(is_max ? "built__maxpool" : "built__avgpool",
              {Int8("input", "input", xs, 4, x), Int8("output", "output", os, 4, y)},
              {Op(is_max ? "max_pool2d" : "avg_pool2d", {"input"}, "output",
                  {{"filter_h", 3}, {"filter_w", 3}, {"stride_h", g.stride_h},
                   {"stride_w", g.stride_w}, {"pad_top", g.pad_top}, {"pad_left", g.pad_left},
                   {"pad_bottom", g.pad_bottom}, {"pad_right", g.pad_right},
                   {"activation_min", -100}, {"activation_max", 110}})});
}

json AddCase() {
  Rng rng(21);
  const Vec shape = {2, 3, 4};
  const Vec a = rng.Ints(24, -128, 127), b = rng.Ints(24, -128, 127);
  const int64_t z1 = -5, z2 = 7, zo = 2, L = 20;
  const int64_t m1 = 1073741824, s1 = 0, m2 = 1789569707, s2 = -1, mo = 1431655765, so = -19;
  Vec y;
  for (size_t i = 0; i < a.size(); ++i) {
    const int64_t p = oracle::Mbqm((a[i] - z1) * (int64_t{1} << L), m1, s1);
    const int64_t q = oracle::Mbqm((b[i] - z2) * (int64_t{1} << L), m2, s2);
    y.push_back(oracle::Clamp(oracle::Mbqm(p + q, mo, so) + zo, -120, 125));
  }
  ExpectSpread(y);
  return Case("built__add",
              {Int8("input1", "input", shape, z1, a), Int8("input2", "input", shape, z2, b),
               Int8("output", "output", shape, zo, y)},
              {Op("add", {"input1", "input2"}, "output",
                  {{"input1_zero_point", z1}, {"input2_zero_point", z2},
                   {"output_zero_point", zo}, {"left_shift", L}, {"input1_multiplier", m1},
                   {"input1_shift", s1}, {"input2_multiplier", m2}, {"input2_shift", s2},
                   {"output_multiplier", mo}, {"output_shift", so}, {"activation_min", -120},
                   {"activation_max", 125}})});
}

json MulCase() {
  Rng rng(22);
  const Vec shape = {10};
  const Vec a = rng.Ints(10, -128, 127), b = rng.Ints(10, -128, 127);
  const int64_t z1 = 1, z2 = -2, zo = -3, mo = 1518500250, so = -8;
  Vec y;
  for (size_t i = 0; i < a.size(); ++i)
    y.push_back(oracle::Clamp(oracle::Mbqm((a[i] - z1) * (b[i] - z2), mo, so) + zo, -128, 127));
  ExpectSpread(y);
  return Case("built__mul",
              {Int8("input1", "input", shape, z1, a), Int8("input2", "input", shape, z2, b),
               Int8("output", "output", shape, zo, y)},
              {Op("mul", {"input1", "input2"}, "output",
                  {{"input1_zero_point", z1}, {"input2_zero_point", z2},
                   {"output_zero_point", zo}, {"output_multiplier", mo}, {"output_shift", so},
                   {"activation_min", -128}, {"activation_max", 127}})});
}

// Softmax over `shape` (last axis); nullopt-free only for valid k.
json SoftmaxCase(const Vec& shape, const Vec& x, int64_t beta_m, int64_t beta_s,
                 int64_t diff_min) {
  const auto y = oracle::Softmax(x, shape.back(), beta_m, static_cast<int>(beta_s), diff_min);
  Vec expected = y ? *y : Vec(x.size(), -128);
  return Case("built__softmax",
              {Int8("input", "input", shape, 0, x), Int8("output", "output", shape, -128, expected)},
              {Op("softmax", {"input"}, "output",
                  {{"input_multiplier", beta_m}, {"input_left_shift", beta_s},
                   {"diff_min", diff_min}})});
}

json SoftmaxBase() {
  Rng rng(31);
  return SoftmaxCase({2, 1, 3, 5}, rng.Ints(30, -128, 127), 1077952640, 22, -500);
}

// ---------------------------------------------------------------------------------------
// (1) the shared cases; (2) the worked example.
// ---------------------------------------------------------------------------------------

TEST(ConformanceShared, AllSharedCasesPass) {
  const fs::path dir = fs::path(QINFER_SHARED_DIR) / "conformance" / "cases";
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    GTEST_SKIP() << "shared conformance cases not found at " << dir
                 << " (set QINFER_SHARED_DIR)";
  std::ostringstream out, err;
  const int rc = RunConformance({dir.string()}, out, err);
  EXPECT_EQ(rc, 0) << out.str() << err.str();
  std::istringstream lines(out.str());
  std::string line, last;
  int cases = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("PASS ", 0) == 0 || line.rfind("FAIL ", 0) == 0) {
      ++cases;
      EXPECT_EQ(line.rfind("PASS ", 0), 0u) << line;
    }
    last = line;
  }
  EXPECT_GE(cases, 30);
  EXPECT_EQ(last, std::to_string(cases) + " passed, 0 failed");
}

TEST(ConformanceExample, WorkedExamplePasses) {
  const CaseResult r = RunCaseText(kWorkedExample, "fallback");
  EXPECT_TRUE(r.passed) << r.reason;
  EXPECT_EQ(r.name, "example__tiny_conv");
  EXPECT_EQ(FormatResult(r), "PASS example__tiny_conv");
}

TEST(ConformanceExample, SingleRoundingResultIsRejected) {
  // FORMAT.md section 8: a single rounding would give 0 and -3 (+ zo -5): -5, -8.
  json c = WorkedExample();
  c["tensors"][3]["data"] = {-5, -8, -7, -7};
  const CaseResult r = RunJson(c);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.reason, "output: 1 of 4 values differ (first at flat index 0: got -4, expected -5)");
}

// ---------------------------------------------------------------------------------------
// (3) a chained case; (4) groups, dilation, null and omitted bias, other ops.
// ---------------------------------------------------------------------------------------

TEST(ConformanceBuilt, ChainThroughIntermediates) {
  const json c = ChainCase(false);
  EXPECT_CASE_PASSES(c);
  ExpectMismatchDetected(c, "y");
}

TEST(ConformanceBuilt, ChainWithAnOutputReadByALaterOp) {
  const json c = ChainCase(true);
  EXPECT_CASE_PASSES(c);
  ExpectMismatchDetected(c, "t1");
  ExpectMismatchDetected(c, "y");
}

TEST(ConformanceBuilt, ConvGroups2) {
  const json c = ConvCase(2, 1, 0, 101);
  EXPECT_CASE_PASSES(c);
  ExpectMismatchDetected(c, "output");
}

TEST(ConformanceBuilt, ConvGroups4Depthwiselike) { EXPECT_CASE_PASSES(ConvCase(4, 1, 0, 102)); }

TEST(ConformanceBuilt, ConvDilation2) {
  const json c = ConvCase(1, 2, 0, 103);
  EXPECT_CASE_PASSES(c);
  ExpectMismatchDetected(c, "output");
}

TEST(ConformanceBuilt, ConvGroups2Dilation2NullBias) { EXPECT_CASE_PASSES(ConvCase(2, 2, 1, 104)); }

TEST(ConformanceBuilt, ConvOmittedBiasSlot) { EXPECT_CASE_PASSES(ConvCase(1, 1, 2, 105)); }

TEST(ConformanceBuilt, DepthwiseMultiplier2Dilation2) {
  const json c = DepthwiseCase(2, 2, 0, 201);
  EXPECT_CASE_PASSES(c);
  ExpectMismatchDetected(c, "output");
}

TEST(ConformanceBuilt, DepthwiseNullBias) { EXPECT_CASE_PASSES(DepthwiseCase(1, 1, 1, 202)); }

TEST(ConformanceBuilt, DepthwiseOmittedBiasSlot) {
  EXPECT_CASE_PASSES(DepthwiseCase(3, 1, 2, 203));
}

TEST(ConformanceBuilt, FullyConnectedRank4Input) {
  const json c = FcCase({2, 1, 3, 4}, 0, 0, 301);
  EXPECT_CASE_PASSES(c);
  ExpectMismatchDetected(c, "output");
}

TEST(ConformanceBuilt, FullyConnectedRank1InputNullBiasWeightsZeroPoint) {
  EXPECT_CASE_PASSES(FcCase({12}, 15, 1, 302));
}

TEST(ConformanceBuilt, FullyConnectedRank3InputOmittedBias) {
  EXPECT_CASE_PASSES(FcCase({3, 2, 3}, 0, 2, 303));
}

TEST(ConformanceBuilt, Pooling) {
  EXPECT_CASE_PASSES(PoolCase(true));
  EXPECT_CASE_PASSES(PoolCase(false));
  ExpectMismatchDetected(PoolCase(false), "output");
}

TEST(ConformanceBuilt, AddAndMul) {
  EXPECT_CASE_PASSES(AddCase());
  EXPECT_CASE_PASSES(MulCase());
  ExpectMismatchDetected(AddCase(), "output");
}

// FORMAT.md computes clamp(MBQM(acc, m, s) + zo, min, max) on mathematical integers: an
// MBQM result near INT32_MAX or INT32_MIN plus the zero point must saturate in the clamp,
// not wrap around in int32.
TEST(ConformanceBuilt, ZeroPointAddedToAnExtremeMbqmResultClamps) {
  for (const int sign : {1, -1}) {
    const int64_t zi = sign > 0 ? -128 : 127, x = sign > 0 ? 127 : -128, zo = sign > 0 ? 127 : -128;
    const int64_t tap = 127 * (x - zi);  // weight 127
    const int64_t bias = sign > 0 ? 2147483647 - tap : -2147483647 - tap;
    const Vec bias_data = {bias};
    const Vec acc = oracle::FcAcc({x}, zi, {127}, 1, 0, &bias_data);
    ASSERT_EQ(acc[0], sign > 0 ? 2147483647 : -2147483647);
    const Vec y = oracle::Requant(acc, 1, {2147483647}, {0}, zo, -128, 127);
    ASSERT_EQ(y[0], sign > 0 ? 127 : -128);
    const json c = Case("built__fc_saturating_zero_point",
                        {Int8("x", "input", {1, 1}, zi, {x}), Int8("w", "constant", {1, 1}, 0, {127}),
                         Int32("b", {bias}), Int8("y", "output", {1, 1}, zo, y)},
                        {Op("fully_connected", {"x", "w", "b"}, "y",
                            {{"input_zero_point", zi}, {"weights_zero_point", 0},
                             {"output_zero_point", zo}, {"multiplier", {2147483647}},
                             {"shift", {0}}, {"activation_min", -128}, {"activation_max", 127}})});
    EXPECT_CASE_PASSES(c);
  }
}

TEST(ConformanceBuilt, SoftmaxRank4AlongLastAxis) {
  const json c = SoftmaxBase();
  EXPECT_CASE_PASSES(c);
  ExpectMismatchDetected(c, "output");
  Rng rng(32);
  EXPECT_CASE_PASSES(SoftmaxCase({7}, rng.Ints(7, -128, 127), 2147483647, 30, -2));
}

TEST(ConformanceBuilt, SoftmaxKAtTheLimit) {
  // 511 equal values: sum = 511 * 2^19 < 2^28, k = 31, valid.
  EXPECT_CASE_PASSES(SoftmaxCase({1, 511}, Vec(511, 5), 1077952640, 19, -3968));
}

TEST(ConformanceRefusal, SoftmaxKOutOfRangeIsARuntimeRefusal) {
  // 512 equal values: sum = 2^28, CLZ 3, k = 32.
  const json c = SoftmaxCase({1, 512}, Vec(512, 5), 1077952640, 19, -3968);
  const CaseResult r = RunJson(c);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("invalid case"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("k=32"), std::string::npos) << r.reason;
  // A wide row whose other values fall below diff_min stays valid.
  Vec x(4000, -128);
  x[17] = 100;
  x[2005] = 0;
  EXPECT_CASE_PASSES(SoftmaxCase({2, 2000}, x, 1077952640, 19, -100));
}

// ---------------------------------------------------------------------------------------
// (5) refusals: each mutation of a valid case must be refused as invalid.
// ---------------------------------------------------------------------------------------

enum class Base { kExample, kChain, kDepthwise, kFc, kAdd, kMul, kMaxPool, kAvgPool, kSoftmax };

json MakeBase(Base b) {
  switch (b) {
    case Base::kExample: return WorkedExample();
    case Base::kChain: return ChainCase(false);
    case Base::kDepthwise: return DepthwiseCase(2, 1, 0, 401);
    case Base::kFc: return FcCase({2, 6}, 0, 0, 402);
    case Base::kAdd: return AddCase();
    case Base::kMul: return MulCase();
    case Base::kMaxPool: return PoolCase(true);
    case Base::kAvgPool: return PoolCase(false);
    case Base::kSoftmax: return SoftmaxBase();
  }
  return json();
}

json& TensorNamed(json& c, const std::string& name) {
  for (json& t : c["tensors"])
    if (t["name"] == name) return t;
  throw std::runtime_error("no tensor " + name);
}

json& P(json& c, size_t op = 0) { return c["ops"][op]["params"]; }

struct Refusal {
  const char* name;
  Base base;
  std::function<void(json&)> mutate;
  const char* reason_part;  // a piece the reason must contain (besides "invalid case")
};

void PrintTo(const Refusal& r, std::ostream* os) { *os << r.name; }

const std::vector<Refusal>& Refusals() {
  static const std::vector<Refusal> kRefusals = {
      // format id and top level
      {"format_unknown", Base::kExample, [](json& c) { c["format"] = "qinfer-conformance/2"; },
       "unknown format"},
      {"format_missing", Base::kExample, [](json& c) { c.erase("format"); }, "format"},
      {"format_not_a_string", Base::kExample, [](json& c) { c["format"] = 1; }, "format"},
      {"name_missing", Base::kExample, [](json& c) { c.erase("name"); }, "name"},
      {"name_not_a_string", Base::kExample, [](json& c) { c["name"] = 7; }, "name"},
      {"tensors_not_a_list", Base::kExample, [](json& c) { c["tensors"] = json::object(); },
       "tensors"},
      {"ops_missing", Base::kExample, [](json& c) { c.erase("ops"); }, "ops"},
      {"ops_empty", Base::kExample, [](json& c) { c["ops"] = json::array(); }, "no ops"},
      {"no_output_tensor", Base::kExample,
       [](json& c) { TensorNamed(c, "output")["kind"] = "intermediate";
                     TensorNamed(c, "output").erase("data"); },
       "no tensor of kind output"},
      // op type and params keys
      {"op_type_unknown", Base::kExample, [](json& c) { c["ops"][0]["type"] = "conv3d"; },
       "unknown op type"},
      {"op_type_later_version", Base::kAdd, [](json& c) { c["ops"][0]["type"] = "sub"; },
       "unknown op type"},
      {"params_unknown_key", Base::kExample, [](json& c) { P(c)["padding"] = 0; },
       "unknown params key"},
      {"params_key_of_other_op", Base::kExample, [](json& c) { P(c)["depth_multiplier"] = 1; },
       "unknown params key"},
      {"params_missing_key", Base::kExample, [](json& c) { P(c).erase("dilation_w"); },
       "missing params key"},
      {"params_missing_key_pool", Base::kMaxPool, [](json& c) { P(c).erase("pad_right"); },
       "missing params key"},
      {"params_missing_key_softmax", Base::kSoftmax, [](json& c) { P(c).erase("diff_min"); },
       "missing params key"},
      {"params_missing_key_add", Base::kAdd, [](json& c) { P(c).erase("left_shift"); },
       "missing params key"},
      {"params_extra_key_fc", Base::kFc, [](json& c) { P(c)["groups"] = 1; },
       "unknown params key"},
      {"params_not_an_object", Base::kExample, [](json& c) { c["ops"][0]["params"] = json::array(); },
       "params"},
      {"params_missing", Base::kSoftmax, [](json& c) { c["ops"][0].erase("params"); }, "params"},
      // shapes, data, ranges
      {"shape_rank_0", Base::kExample, [](json& c) { TensorNamed(c, "input")["shape"] = json::array(); },
       "rank"},
      {"shape_rank_5", Base::kExample,
       [](json& c) { TensorNamed(c, "input")["shape"] = {1, 1, 3, 3, 1}; }, "rank"},
      {"shape_zero_dim", Base::kExample,
       [](json& c) { TensorNamed(c, "input")["shape"] = {1, 0, 3, 1}; }, "shape[1]"},
      {"shape_negative_dim", Base::kExample,
       [](json& c) { TensorNamed(c, "input")["shape"] = {1, -3, -3, 1}; }, "shape[1]"},
      {"data_too_short", Base::kExample,
       [](json& c) { TensorNamed(c, "input")["data"].erase(8); }, "data has 8 values"},
      {"data_too_long", Base::kExample,
       [](json& c) { TensorNamed(c, "weights")["data"].push_back(1); }, "data has 5 values"},
      {"expected_data_wrong_length", Base::kExample,
       [](json& c) { TensorNamed(c, "output")["data"].push_back(1); }, "data has 5 values"},
      {"int8_data_above_range", Base::kExample,
       [](json& c) { TensorNamed(c, "input")["data"][3] = 128; }, "data[3]"},
      {"int8_data_below_range", Base::kExample,
       [](json& c) { TensorNamed(c, "weights")["data"][0] = -129; }, "data[0]"},
      {"expected_data_out_of_range", Base::kExample,
       [](json& c) { TensorNamed(c, "output")["data"][0] = 300; }, "data[0]"},
      {"int32_data_out_of_range", Base::kExample,
       [](json& c) { TensorNamed(c, "bias")["data"][0] = int64_t{2147483648}; }, "data[0]"},
      {"data_missing_on_input", Base::kExample,
       [](json& c) { TensorNamed(c, "input").erase("data"); }, "no data"},
      {"data_missing_on_output", Base::kExample,
       [](json& c) { TensorNamed(c, "output").erase("data"); }, "no data"},
      {"data_on_intermediate", Base::kChain,
       [](json& c) { TensorNamed(c, "t3")["data"] = Vec(12, 0); }, "must not have data"},
      {"int8_without_zero_point", Base::kExample,
       [](json& c) { TensorNamed(c, "input").erase("zero_point"); }, "no zero_point"},
      {"zero_point_out_of_range", Base::kExample,
       [](json& c) { TensorNamed(c, "input")["zero_point"] = 128; P(c)["input_zero_point"] = 128; },
       "zero_point"},
      {"int32_zero_point_nonzero", Base::kExample,
       [](json& c) { TensorNamed(c, "bias")["zero_point"] = 1; }, "int32"},
      {"unknown_kind", Base::kExample, [](json& c) { TensorNamed(c, "input")["kind"] = "weights"; },
       "unknown kind"},
      {"unknown_dtype", Base::kExample, [](json& c) { TensorNamed(c, "input")["dtype"] = "uint8"; },
       "unknown dtype"},
      {"int32_output", Base::kExample,
       [](json& c) { TensorNamed(c, "output")["dtype"] = "int32"; TensorNamed(c, "output").erase("zero_point"); },
       "int8"},
      {"duplicate_tensor_name", Base::kExample,
       [](json& c) { TensorNamed(c, "bias")["name"] = "weights"; }, "not unique"},
      // zero points: params vs tensors
      {"zp_mismatch_conv_input", Base::kExample, [](json& c) { P(c)["input_zero_point"] = 3; },
       "input_zero_point=3 differs"},
      {"zp_mismatch_conv_output", Base::kExample, [](json& c) { P(c)["output_zero_point"] = -4; },
       "output_zero_point=-4 differs"},
      {"zp_mismatch_depthwise_output", Base::kDepthwise,
       [](json& c) { P(c)["output_zero_point"] = 0; }, "differs"},
      {"zp_mismatch_fc_weights", Base::kFc, [](json& c) { P(c)["weights_zero_point"] = 1; },
       "weights_zero_point=1 differs"},
      {"zp_mismatch_fc_input", Base::kFc, [](json& c) { P(c)["input_zero_point"] = 0; },
       "differs"},
      {"zp_mismatch_add_input2", Base::kAdd, [](json& c) { P(c)["input2_zero_point"] = 0; },
       "input2_zero_point=0 differs"},
      {"zp_mismatch_mul_output", Base::kMul,
       [](json& c) { TensorNamed(c, "output")["zero_point"] = -128; P(c)["output_zero_point"] = -127; },
       "output_zero_point=-127 differs from tensor 'output' zero_point=-128"},
      {"zp_mismatch_chain_intermediate", Base::kChain,
       [](json& c) { TensorNamed(c, "t3")["zero_point"] = -6; }, "differs"},
      {"conv_weights_zero_point_nonzero", Base::kExample,
       [](json& c) { TensorNamed(c, "weights")["zero_point"] = 1; }, "zero_point 0"},
      {"depthwise_weights_zero_point_nonzero", Base::kDepthwise,
       [](json& c) { TensorNamed(c, "weights")["zero_point"] = -1; }, "zero_point 0"},
      {"pool_zero_points_differ", Base::kMaxPool,
       [](json& c) { TensorNamed(c, "output")["zero_point"] = 5; }, "same zero point"},
      {"softmax_output_zero_point", Base::kSoftmax,
       [](json& c) { TensorNamed(c, "output")["zero_point"] = -127; }, "-128"},
      // geometry
      {"conv_output_height_wrong", Base::kExample,
       [](json& c) { TensorNamed(c, "output")["shape"] = {1, 1, 4, 1}; }, "the op produces [1,2,2,1]"},
      {"conv_output_channels_wrong", Base::kExample,
       [](json& c) { TensorNamed(c, "output")["shape"] = {1, 2, 1, 2}; }, "the op produces"},
      {"conv_output_rank_wrong", Base::kExample,
       [](json& c) { TensorNamed(c, "output")["shape"] = {2, 2, 1}; }, "the op produces"},
      {"conv_stride_changes_geometry", Base::kExample, [](json& c) { P(c)["stride_h"] = 1; },
       "the op produces [1,3,2,1]"},
      {"conv_pad_bottom_changes_geometry", Base::kExample, [](json& c) { P(c)["pad_bottom"] = 2; },
       "the op produces [1,3,2,1]"},
      {"conv_dilation_changes_geometry", Base::kExample, [](json& c) { P(c)["dilation_w"] = 2; },
       "the op produces [1,2,1,1]"},
      {"conv_filter_larger_than_padded_input", Base::kExample,
       [](json& c) { P(c)["dilation_h"] = 5; }, "larger than the padded input"},
      {"depthwise_output_shape_wrong", Base::kDepthwise,
       [](json& c) { TensorNamed(c, "output")["shape"] = {1, 6, 4, 6}; }, "the op produces [1,4,6,6]"},
      {"pool_output_shape_wrong", Base::kMaxPool,
       [](json& c) { P(c)["stride_w"] = 2; }, "the op produces"},
      {"fc_output_shape_wrong", Base::kFc,
       [](json& c) { TensorNamed(c, "output")["shape"] = {6}; }, "the op produces [2,3]"},
      {"fc_input_not_a_multiple", Base::kFc,
       [](json& c) { auto& t = TensorNamed(c, "input"); t["shape"] = {11}; t["data"].erase(11); },
       "not a multiple"},
      {"add_shapes_differ", Base::kAdd,
       [](json& c) { TensorNamed(c, "input2")["shape"] = {2, 12}; }, "differ"},
      {"add_output_shape_differs", Base::kAdd,
       [](json& c) { TensorNamed(c, "output")["shape"] = {6, 4}; }, "the op produces"},
      {"softmax_output_shape_differs", Base::kSoftmax,
       [](json& c) { TensorNamed(c, "output")["shape"] = {2, 3, 5}; }, "the op produces"},
      {"conv_input_rank_3", Base::kExample,
       [](json& c) { TensorNamed(c, "input")["shape"] = {3, 3, 1}; }, "rank 4"},
      {"conv_groups_do_not_divide", Base::kExample, [](json& c) { P(c)["groups"] = 2; },
       "does not divide"},
      {"conv_weights_channels_wrong", Base::kChain,
       [](json& c) { P(c)["groups"] = 1; }, "input channels per group"},
      {"depthwise_weights_shape_wrong", Base::kDepthwise,
       [](json& c) { P(c)["depth_multiplier"] = 1; }, "must be [1, KH, KW, 3]"},
      {"bias_wrong_length", Base::kDepthwise,
       [](json& c) { auto& b = TensorNamed(c, "bias"); b["shape"] = {5}; b["data"].erase(5); },
       "bias"},
      {"bias_int8", Base::kFc,
       [](json& c) { auto& b = TensorNamed(c, "bias"); b["dtype"] = "int8"; b["zero_point"] = 0;
                     b["data"] = {1, 2, 3}; }, "must be int32"},
      {"weights_not_constant", Base::kExample,
       [](json& c) { TensorNamed(c, "weights")["kind"] = "input"; }, "must be a constant"},
      {"bias_not_constant", Base::kFc,
       [](json& c) { TensorNamed(c, "bias")["kind"] = "input"; }, "must be a constant"},
      {"activation_int32", Base::kMul,
       [](json& c) { auto& t = TensorNamed(c, "input2"); t["dtype"] = "int32"; t.erase("zero_point"); },
       "must be int8"},
      // graph structure
      {"read_before_produced", Base::kChain,
       [](json& c) { std::swap(c["ops"][1], c["ops"][2]); }, "before it is produced"},
      {"read_output_before_produced", Base::kChain,
       [](json& c) { c["ops"][0]["inputs"][0] = "y"; }, "before it is produced"},
      {"read_itself", Base::kMaxPool,
       [](json& c) { c["ops"][0]["inputs"][0] = "output"; }, "before it is produced"},
      {"produced_twice", Base::kChain,
       [](json& c) { const json op0 = c["ops"][0]; c["ops"].insert(c["ops"].begin() + 1, op0); },
       "already produced"},
      {"output_never_produced", Base::kExample,
       [](json& c) { c["tensors"].push_back(Int8("other", "output", {1}, 0, {0})); },
       "not produced by any op"},
      {"intermediate_never_produced", Base::kExample,
       [](json& c) { c["tensors"].push_back(Inter("tmp", {1}, 0)); }, "not produced by any op"},
      {"op_writes_an_input", Base::kMaxPool,
       [](json& c) { c["tensors"].push_back(Int8("x2", "input", {2, 3, 4, 3}, 4, Vec(72, 0)));
                     c["ops"][0]["outputs"] = {"x2"}; }, "must be intermediate or output"},
      {"op_writes_a_constant", Base::kExample,
       [](json& c) { c["ops"][0]["outputs"] = {"weights"}; }, "must be intermediate or output"},
      {"two_outputs", Base::kExample,
       [](json& c) { c["ops"][0]["outputs"].push_back("output"); }, "exactly one output"},
      {"no_outputs", Base::kExample, [](json& c) { c["ops"][0]["outputs"] = json::array(); },
       "exactly one output"},
      {"unknown_tensor_reference", Base::kExample,
       [](json& c) { c["ops"][0]["inputs"][1] = "weight"; }, "unknown tensor"},
      {"null_outside_bias_slot", Base::kExample,
       [](json& c) { c["ops"][0]["inputs"][1] = nullptr; }, "only the bias slot"},
      {"null_in_add", Base::kAdd, [](json& c) { c["ops"][0]["inputs"][1] = nullptr; },
       "only the bias slot"},
      {"too_many_inputs", Base::kExample,
       [](json& c) { c["ops"][0]["inputs"].push_back("bias"); }, "inputs"},
      {"too_few_inputs", Base::kExample,
       [](json& c) { c["ops"][0]["inputs"] = {"input"}; }, "inputs"},
      {"pool_two_inputs", Base::kAvgPool,
       [](json& c) { c["ops"][0]["inputs"].push_back("input"); }, "inputs"},
      // pooling pads
      {"pool_pad_top_equals_filter", Base::kMaxPool, [](json& c) { P(c)["pad_top"] = 3; },
       "pad_top=3 must be smaller than filter_h=3"},
      {"pool_pad_right_exceeds_filter", Base::kAvgPool, [](json& c) { P(c)["pad_right"] = 4; },
       "pad_right=4 must be smaller"},
      // requantization lists and ranges
      {"multiplier_list_too_long", Base::kExample,
       [](json& c) { P(c)["multiplier"] = {1342177280, 1342177280};
                     P(c)["shift"] = {-1, -1}; }, "1 or the number of output channels"},
      {"multiplier_shift_lengths_differ", Base::kChain,
       [](json& c) { P(c, 2)["shift"] = {-3}; }, "shift has 1"},
      {"per_channel_list_wrong_length", Base::kChain,
       [](json& c) { P(c)["multiplier"].erase(5); P(c)["shift"].erase(5); },
       "1 or the number of output channels"},
      {"multiplier_empty", Base::kExample,
       [](json& c) { P(c)["multiplier"] = json::array(); P(c)["shift"] = json::array(); },
       "must not be empty"},
      {"multiplier_not_a_list", Base::kFc, [](json& c) { P(c)["multiplier"] = 1200000000; },
       "must be a list"},
      {"multiplier_negative", Base::kExample, [](json& c) { P(c)["multiplier"] = {-1}; },
       "multiplier[0] = -1"},
      {"multiplier_too_big", Base::kFc,
       [](json& c) { P(c)["multiplier"][1] = int64_t{2147483648}; }, "multiplier[1]"},
      {"shift_too_big", Base::kExample, [](json& c) { P(c)["shift"] = {31}; }, "shift[0] = 31"},
      {"shift_too_small", Base::kDepthwise, [](json& c) { P(c)["shift"] = {-32}; },
       "shift[0] = -32"},
      {"add_input_shift_out_of_range", Base::kAdd, [](json& c) { P(c)["input1_shift"] = 31; },
       "input1_shift"},
      {"add_output_multiplier_negative", Base::kAdd,
       [](json& c) { P(c)["output_multiplier"] = -5; }, "output_multiplier"},
      {"add_left_shift_too_big", Base::kAdd, [](json& c) { P(c)["left_shift"] = 24; },
       "left_shift"},
      {"add_left_shift_negative", Base::kAdd, [](json& c) { P(c)["left_shift"] = -1; },
       "left_shift"},
      {"mul_shift_too_small", Base::kMul, [](json& c) { P(c)["output_shift"] = -32; },
       "output_shift"},
      {"mul_multiplier_too_big", Base::kMul,
       [](json& c) { P(c)["output_multiplier"] = int64_t{1} << 31; }, "output_multiplier"},
      // clamps and geometry params
      {"activation_min_above_max", Base::kExample,
       [](json& c) { P(c)["activation_min"] = 10; P(c)["activation_max"] = 9; }, "activation_min=10 >"},
      {"activation_max_out_of_range", Base::kMaxPool, [](json& c) { P(c)["activation_max"] = 128; },
       "activation_max"},
      {"activation_min_out_of_range", Base::kMul, [](json& c) { P(c)["activation_min"] = -129; },
       "activation_min"},
      {"stride_zero", Base::kExample, [](json& c) { P(c)["stride_w"] = 0; }, "stride_w"},
      {"dilation_zero", Base::kDepthwise, [](json& c) { P(c)["dilation_h"] = 0; }, "dilation_h"},
      {"pad_negative", Base::kExample, [](json& c) { P(c)["pad_top"] = -1; }, "pad_top"},
      {"groups_zero", Base::kExample, [](json& c) { P(c)["groups"] = 0; }, "groups"},
      {"depth_multiplier_zero", Base::kDepthwise, [](json& c) { P(c)["depth_multiplier"] = 0; },
       "depth_multiplier"},
      {"filter_zero", Base::kAvgPool, [](json& c) { P(c)["filter_w"] = 0; }, "filter_w"},
      // softmax params
      {"softmax_left_shift_31", Base::kSoftmax, [](json& c) { P(c)["input_left_shift"] = 31; },
       "input_left_shift"},
      {"softmax_left_shift_negative", Base::kSoftmax,
       [](json& c) { P(c)["input_left_shift"] = -1; }, "input_left_shift"},
      {"softmax_multiplier_negative", Base::kSoftmax,
       [](json& c) { P(c)["input_multiplier"] = -1; }, "input_multiplier"},
      {"softmax_diff_min_positive", Base::kSoftmax, [](json& c) { P(c)["diff_min"] = 1; },
       "diff_min"},
      {"softmax_diff_min_times_shift_below_int32", Base::kSoftmax,
       [](json& c) { P(c)["diff_min"] = -513; }, "below -2^31"},
      // non-integers and wrong types
      {"float_in_data", Base::kExample, [](json& c) { TensorNamed(c, "input")["data"][0] = 5.0; },
       "not an integer"},
      {"float_in_expected", Base::kExample,
       [](json& c) { TensorNamed(c, "output")["data"][2] = -7.5; }, "not an integer"},
      {"float_param", Base::kExample, [](json& c) { P(c)["stride_h"] = 2.0; }, "not an integer"},
      {"float_in_multiplier_list", Base::kExample,
       [](json& c) { P(c)["multiplier"][0] = 1342177280.0; }, "not an integer"},
      {"float_shape", Base::kExample, [](json& c) { TensorNamed(c, "input")["shape"][0] = 1.0; },
       "not an integer"},
      {"float_zero_point", Base::kExample,
       [](json& c) { TensorNamed(c, "input")["zero_point"] = 2.0; }, "not an integer"},
      {"string_param", Base::kExample, [](json& c) { P(c)["stride_h"] = "2"; }, "must be an integer"},
      {"bool_param", Base::kSoftmax, [](json& c) { P(c)["input_left_shift"] = true; },
       "must be an integer"},
      {"null_param", Base::kMaxPool, [](json& c) { P(c)["filter_h"] = nullptr; },
       "must be an integer"},
      {"string_in_data", Base::kExample, [](json& c) { TensorNamed(c, "input")["data"][1] = "x"; },
       "must be an integer"},
      {"shape_not_a_list", Base::kExample, [](json& c) { TensorNamed(c, "input")["shape"] = 9; },
       "must be a list"},
      {"data_not_a_list", Base::kExample, [](json& c) { TensorNamed(c, "bias")["data"] = -2; },
       "must be a list"},
      {"inputs_not_a_list", Base::kExample, [](json& c) { c["ops"][0]["inputs"] = "input"; },
       "must be a list"},
      {"input_name_not_a_string", Base::kExample, [](json& c) { c["ops"][0]["inputs"][0] = 0; },
       "must be a string"},
      {"tensor_not_an_object", Base::kExample, [](json& c) { c["tensors"][1] = "weights"; },
       "must be an object"},
      {"op_not_an_object", Base::kExample, [](json& c) { c["ops"][0] = 5; }, "must be an object"},
      {"huge_integer", Base::kExample,
       [](json& c) { P(c)["pad_left"] = uint64_t{18446744073709551615ULL}; }, "out of range"},
      {"huge_negative_integer", Base::kExample,
       [](json& c) { P(c)["pad_left"] = std::numeric_limits<int64_t>::min(); }, "pad_left"},
      // arithmetic preconditions (FORMAT.md 5, 6): int32 accumulators and MBQM inputs
      {"accumulator_overflows_int32", Base::kExample,
       [](json& c) { TensorNamed(c, "bias")["data"][0] = 2147483647; }, "does not fit int32"},
      {"accumulator_partial_sum_overflows", Base::kExample,
       [](json& c) { TensorNamed(c, "bias")["data"][0] = -2147483639; }, "partial sum"},
      {"mbqm_left_shift_overflows", Base::kExample,
       [](json& c) { P(c)["shift"] = {30}; }, "does not fit int32"},
      {"fc_accumulator_overflows", Base::kFc,
       [](json& c) { TensorNamed(c, "input")["data"] = Vec(12, 127);
                     for (int i = 12; i < 18; ++i) TensorNamed(c, "weights")["data"][i] = 127;
                     TensorNamed(c, "bias")["data"][2] = 2147483647; }, "does not fit int32"},
      {"add_sum_overflows", Base::kAdd,
       [](json& c) { P(c)["input1_shift"] = 3; P(c)["input2_shift"] = 3;
                     P(c)["input1_multiplier"] = 2147483647; P(c)["input2_multiplier"] = 2147483647;
                     TensorNamed(c, "input1")["data"][0] = -128; TensorNamed(c, "input1")["zero_point"] = 127;
                     P(c)["input1_zero_point"] = 127;
                     TensorNamed(c, "input2")["data"][0] = -128; TensorNamed(c, "input2")["zero_point"] = 127;
                     P(c)["input2_zero_point"] = 127; }, "does not fit int32"},
      {"mul_product_shift_overflows", Base::kMul, [](json& c) { P(c)["output_shift"] = 30; },
       "does not fit int32"},
  };
  return kRefusals;
}

class RefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(RefusalTest, IsRefusedAsInvalid) {
  const Refusal& rule = GetParam();
  json c = MakeBase(rule.base);
  {
    const CaseResult base = RunJson(c);
    ASSERT_TRUE(base.passed) << "base case must pass: " << FormatResult(base);
  }
  rule.mutate(c);
  const CaseResult r = RunJson(c);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.reason.rfind("invalid case: ", 0), 0u) << r.reason;
  EXPECT_NE(r.reason.find(rule.reason_part), std::string::npos)
      << "reason: " << r.reason << "\nexpected to contain: " << rule.reason_part;
  EXPECT_EQ(r.reason.find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Rules, RefusalTest, ::testing::ValuesIn(Refusals()),
                         [](const ::testing::TestParamInfo<Refusal>& info) {
                           return std::string(info.param.name);
                         });

TEST(ConformanceRefusal, UnknownTopLevelAndMetaKeysAreIgnored) {
  json c = WorkedExample();
  c["extra"] = {{"anything", 1.5}};
  c["tensors"][0]["meta"] = {{"scale", 0.25}, {"zero_point", "not read"}};
  c["tensors"][0]["comment"] = 3.5;
  c["ops"][0]["name"] = "label";
  c["ops"][0]["meta"] = {{"scale", 1e-3}};
  c["source"] = 42;
  EXPECT_CASE_PASSES(c);
}

TEST(ConformanceRefusal, Int32ZeroPointZeroAndNullIntermediateDataAreAccepted) {
  json c = WorkedExample();
  TensorNamed(c, "bias")["zero_point"] = 0;
  EXPECT_CASE_PASSES(c);
  json chain = ChainCase(false);
  TensorNamed(chain, "t2")["data"] = nullptr;
  EXPECT_CASE_PASSES(chain);
}

// ---------------------------------------------------------------------------------------
// (6) malformed input fails, never crashes.
// ---------------------------------------------------------------------------------------

TEST(ConformanceMalformed, BadJsonTextFails) {
  const std::string example = kWorkedExample;
  std::vector<std::string> texts = {
      "", " ", "{", "}", "[1,2]", "null", "42", "\"qinfer\"", "{\"format\": }",
      "{\"format\": \"qinfer-conformance/1\",}", "\xff\xfe{}", std::string("{\0}", 3),
      example.substr(0, example.size() / 2), example.substr(0, example.size() - 1),
      example + "garbage", std::string(200000, '[') + std::string(200000, ']'),
      "{\"format\": \"qinfer-conformance/1\", \"name\": \"x\"}",
      "{\"format\": \"qinfer-conformance/1\", \"name\": \"x\", \"tensors\": [], \"ops\": []}",
  };
  for (size_t cut = 1; cut < example.size(); cut += 97) texts.push_back(example.substr(0, cut));
  for (const std::string& t : texts) {
    const CaseResult r = RunCaseText(t, "fallback");
    EXPECT_FALSE(r.passed) << t.substr(0, 80);
    EXPECT_FALSE(r.reason.empty());
    EXPECT_EQ(r.reason.find('\n'), std::string::npos) << r.reason;
  }
  // A key given twice would silently drop a value.
  std::string twice = example;
  const size_t at = twice.find("\"groups\": 1,");
  ASSERT_NE(at, std::string::npos);
  twice.insert(at, "\"groups\": 2, ");
  const CaseResult dup = RunCaseText(twice, "fallback");
  EXPECT_FALSE(dup.passed);
  EXPECT_NE(dup.reason.find("'groups' appears twice"), std::string::npos) << dup.reason;
  EXPECT_EQ(RunCaseText("{", "fallback").name, "fallback");
  EXPECT_EQ(RunCaseText("{", "fallback").reason.rfind("invalid case: malformed JSON", 0), 0u);
}

TEST(ConformanceMalformed, HugeAndNonIntegerNumbersInText) {
  const std::string example = kWorkedExample;
  const std::vector<std::pair<std::string, std::string>> swaps = {
      {"\"stride_h\": 2", "\"stride_h\": 1e400"},
      {"\"stride_h\": 2", "\"stride_h\": 99999999999999999999999999"},
      {"\"stride_h\": 2", "\"stride_h\": -99999999999999999999999999"},
      {"\"stride_h\": 2", "\"stride_h\": 2e0"},
      {"\"stride_h\": 2", "\"stride_h\": 2147483648"},
      {"\"stride_h\": 2", "\"stride_h\": 9223372036854775808"},
      {"\"stride_h\": 2", "\"stride_h\": NaN"},
      {"\"shape\": [1,3,3,1]", "\"shape\": [65536,65536,65536,65536]"},
      {"\"shape\": [1,3,3,1]", "\"shape\": [1,2147483647,3,1]"},
      {"\"pad_top\": 1", "\"pad_top\": 2147483647"},
      {"\"pad_bottom\": 0", "\"pad_bottom\": 2147483647"},
      {"\"data\": [-2]", "\"data\": [-2.0]"},
      {"\"data\": [-2]", "\"data\": [1E2]"},
      {"\"zero_point\": -5", "\"zero_point\": -5.000000001"},
      {"\"multiplier\": [1342177280]", "\"multiplier\": [4294967296]"},
  };
  for (const auto& s : swaps) {
    std::string text = example;
    const size_t at = text.find(s.first);
    ASSERT_NE(at, std::string::npos) << s.first;
    text.replace(at, s.first.size(), s.second);
    const CaseResult r = RunCaseText(text, "fallback");
    EXPECT_FALSE(r.passed) << s.second;
    EXPECT_EQ(r.reason.rfind("invalid case: ", 0), 0u) << s.second << ": " << r.reason;
  }
}

TEST(ConformanceMalformed, HugePadsWithBigStrideDoNotOverflow) {
  // Valid geometry (OH = 1) with extreme pads: refused by the runner's limit or run, never UB.
  json c = WorkedExample();
  P(c)["pad_bottom"] = 2147483000;
  P(c)["stride_h"] = 2147483647;
  TensorNamed(c, "output")["shape"] = {1, 1, 2, 1};
  TensorNamed(c, "output")["data"] = {-4, -8};
  const CaseResult r = RunJson(c);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("limit"), std::string::npos) << r.reason;
}

TEST(ConformanceMalformed, UnreadableFiles) {
  const CaseResult r = RunCaseFile("/nonexistent/dir/some_case.json");
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.name, "some_case");
  EXPECT_FALSE(r.reason.empty());
  // A directory passed as a case file.
  const CaseResult d = RunCaseFile(fs::temp_directory_path().string());
  EXPECT_FALSE(d.passed);
}

// ---------------------------------------------------------------------------------------
// (7) report lines, final line, exit status.
// ---------------------------------------------------------------------------------------

class ConformanceReport : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("qinfer_conformance_test_" + std::string(info->name()) + "_" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path Write(const std::string& file, const std::string& text) {
    const fs::path p = dir_ / file;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  static std::string Named(const std::string& name, json c) {
    c["name"] = name;
    return c.dump(1);
  }
  fs::path dir_;
};

TEST_F(ConformanceReport, LinesFinalLineAndExitStatus) {
  json bad = WorkedExample();
  bad["tensors"][3]["data"] = {-4, -7, -7, -6};
  json invalid = WorkedExample();
  invalid["ops"][0]["params"]["output_zero_point"] = -6;
  Write("b_mismatch.json", Named("b_mismatch", bad));
  Write("a_pass.json", Named("a_pass", WorkedExample()));
  Write("d_malformed.json", "{\"format\": ");
  Write("c_invalid.json", Named("c_invalid", invalid));
  Write("e_chain.json", Named("e_chain", ChainCase(false)));
  Write("notes.txt", "not a case");
  fs::create_directories(dir_ / "sub.json");  // a directory is not a case
  std::ostringstream out, err;
  const int rc = RunConformance({dir_.string()}, out, err);
  EXPECT_EQ(rc, 1);
  std::istringstream lines(out.str());
  std::vector<std::string> got;
  for (std::string line; std::getline(lines, line);) got.push_back(line);
  ASSERT_EQ(got.size(), 6u) << out.str();
  EXPECT_EQ(got[0], "PASS a_pass");
  EXPECT_EQ(got[1],
            "FAIL b_mismatch: output: 2 of 4 values differ (first at flat index 1: got -8, "
            "expected -7)");
  EXPECT_EQ(got[2],
            "FAIL c_invalid: invalid case: op 0 (conv2d): output_zero_point=-6 differs from "
            "tensor 'output' zero_point=-5");
  EXPECT_EQ(got[3].rfind("FAIL d_malformed: invalid case: malformed JSON", 0), 0u) << got[3];
  EXPECT_EQ(got[4], "PASS e_chain");
  EXPECT_EQ(got[5], "2 passed, 3 failed");
}

TEST_F(ConformanceReport, AllPassingExitsZero) {
  const fs::path a = Write("x.json", Named("x", WorkedExample()));
  Write("y.json", Named("y", MulCase()));
  std::ostringstream out, err;
  EXPECT_EQ(RunConformance({dir_.string(), a.string()}, out, err), 0);
  EXPECT_EQ(out.str(), "PASS x\nPASS y\nPASS x\n3 passed, 0 failed\n");
  EXPECT_EQ(err.str(), "");
}

TEST_F(ConformanceReport, SeveralOutputsAreNamed) {
  json c = ChainCase(true);
  TensorNamed(c, "t1")["data"][3] = TensorNamed(c, "t1")["data"][3].get<int64_t>() == 0 ? 1 : 0;
  const int64_t y0 = TensorNamed(c, "y")["data"][0].get<int64_t>();
  TensorNamed(c, "y")["data"][0] = y0 == 0 ? 1 : 0;
  const CaseResult r = RunJson(c);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("t1: 1 of 216 values differ (first at flat index 3"), std::string::npos)
      << r.reason;
  EXPECT_NE(r.reason.find("; y: 1 of 12 values differ (first at flat index 0"), std::string::npos)
      << r.reason;
}

TEST_F(ConformanceReport, EmptyDirectoryAndMissingPath) {
  std::ostringstream out, err;
  EXPECT_EQ(RunConformance({dir_.string()}, out, err), 1);
  EXPECT_EQ(out.str(), "0 passed, 0 failed\n");
  EXPECT_NE(err.str().find("no case"), std::string::npos);

  std::ostringstream out2, err2;
  EXPECT_EQ(RunConformance({(dir_ / "missing.json").string()}, out2, err2), 1);
  EXPECT_EQ(out2.str().rfind("FAIL missing: ", 0), 0u) << out2.str();
  EXPECT_NE(out2.str().find("\n0 passed, 1 failed\n"), std::string::npos) << out2.str();

  std::ostringstream out3, err3;
  EXPECT_EQ(RunConformance({}, out3, err3), 1);
  EXPECT_EQ(out3.str(), "0 passed, 0 failed\n");
}

TEST_F(ConformanceReport, NameFallsBackToFileNameAndControlCharactersAreReplaced) {
  Write("broken.json", "[");
  json c = WorkedExample();
  c["name"] = "two\nlines";
  Write("ctl.json", c.dump());
  std::ostringstream out, err;
  EXPECT_EQ(RunConformance({dir_.string()}, out, err), 1);
  EXPECT_EQ(out.str().rfind("FAIL broken: invalid case: malformed JSON", 0), 0u) << out.str();
  EXPECT_NE(out.str().find("\nPASS two?lines\n1 passed, 1 failed\n"), std::string::npos)
      << out.str();
}

}  // namespace
}  // namespace conformance
}  // namespace qinfer
