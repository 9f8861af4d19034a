// Firmware: the optimized kernels (kernels/arm/: DSP extension on M4/M7, Helium on M55, as
// kernels/arm/dispatch.h picks them for this core) against the reference kernels on random
// shapes and parameters, byte for byte, on the emulated core. On a core without either
// extension the dispatch is the reference itself and the test is trivially true.
//
// Shapes are drawn to reach every path: 1x1 and larger filters, strides, padding on each side,
// dilation, depths that are and are not multiples of 4 / 16, deep patches (chunked k), channel
// counts around the vector and block widths, blocks of pixels with a ragged tail, per-tensor
// and per-channel requantization with left and right shifts, activation ranges, and large
// biases (the exact requantization fallback). Every kernel the core has is run directly too
// (on the M55, the DSP kernels as well as the Helium ones), and the cases each took are
// counted. The benchmarks run the layers through the interpreter (bench/mcu/).
#include <cstring>

#include "kernels/arm/dispatch.h"
#include "kernels/reference.h"
#include "platform.h"

namespace {

namespace k = qinfer::kernels;

uint32_t rng_state = 0x12345678u;

uint32_t Next() {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

int32_t Uniform(int32_t lo, int32_t hi) {
  return lo + static_cast<int32_t>(Next() % static_cast<uint32_t>(hi - lo + 1));
}

bool OneIn(int32_t n) { return Uniform(1, n) == 1; }

void Fill(int8_t* p, int32_t n, int32_t lo = -128, int32_t hi = 127) {
  // Mostly uniform; sometimes runs of the extremes (largest products).
  const int32_t mode = Uniform(0, 5);
  for (int32_t i = 0; i < n; ++i) {
    int32_t v = Uniform(lo, hi);
    if (mode == 0) v = OneIn(2) ? lo : hi;
    p[i] = static_cast<int8_t>(v);
  }
}

constexpr int32_t kMaxIn = 4096;
constexpr int32_t kMaxW = 8192;
constexpr int32_t kMaxOut = 4096;
constexpr int32_t kMaxCh = 80;

int8_t in_buf[kMaxIn];
int8_t in2_buf[kMaxIn];
int8_t w_buf[kMaxW];
int8_t out_ref[kMaxOut];
int8_t out_fast[kMaxOut];
int32_t bias_buf[kMaxCh];
int32_t mult_buf[kMaxCh];
int32_t shift_buf[kMaxCh];

int32_t RandomMultiplier() {
  switch (Uniform(0, 9)) {
    case 0: return Uniform(0, 1 << 20);                       // tiny (even 0)
    case 1: return 0x7FFFFFFF;
    default: return (1 << 30) + static_cast<int32_t>(Next() & 0x3FFFFFFF);  // normalized
  }
}

int32_t RandomShift() {
  switch (Uniform(0, 9)) {
    case 0: return Uniform(-31, -15);
    case 1: return Uniform(0, 4);
    default: return Uniform(-12, -1);
  }
}

void RandomRequant(int32_t channels, bool per_channel, k::Requant* r) {
  const int32_t n = per_channel ? channels : 1;
  for (int32_t c = 0; c < n; ++c) {
    mult_buf[c] = RandomMultiplier();
    shift_buf[c] = RandomShift();
  }
  r->multiplier = mult_buf;
  r->shift = shift_buf;
  r->count = n;
}

void RandomActivation(int32_t* lo, int32_t* hi) {
  switch (Uniform(0, 3)) {
    case 0:
    case 1:
      *lo = -128;
      *hi = 127;
      break;
    case 2:  // relu-like
      *lo = Uniform(-128, -100);
      *hi = 127;
      break;
    default:
      *lo = Uniform(-128, 0);
      *hi = Uniform(*lo, 127);
  }
}

// Biases within the verifier's accumulator bound for `depth` terms of at most `term`.
const int32_t* RandomBias(int32_t channels, int32_t depth, int32_t term) {
  if (OneIn(5)) return nullptr;
  const int64_t room = 0x7FFFFFFF - static_cast<int64_t>(depth) * term;
  const bool huge = OneIn(6) && room > 0;
  for (int32_t c = 0; c < channels; ++c) {
    if (huge) {
      const int32_t mag = static_cast<int32_t>(room - static_cast<int64_t>(Next() % 1000));
      bias_buf[c] = OneIn(2) ? mag : -mag;
    } else {
      bias_buf[c] = Uniform(-60000, 60000);
    }
  }
  return bias_buf;
}

bool Same(const char* what, int32_t iter, int32_t n) {
  for (int32_t i = 0; i < n; ++i) {
    if (out_ref[i] != out_fast[i]) {
      platform_puts("MISMATCH ");
      platform_puts(what);
      platform_puts(" iteration ");
      platform_put_i32(iter);
      platform_puts(" byte ");
      platform_put_i32(i);
      platform_puts(": reference ");
      platform_put_i32(out_ref[i]);
      platform_puts(", fast ");
      platform_put_i32(out_fast[i]);
      platform_puts("\n");
      return false;
    }
  }
  return true;
}

void ClearOutputs() {
  std::memset(out_ref, 0x55, sizeof out_ref);
  std::memset(out_fast, 0x55, sizeof out_fast);
}

// Cases each optimized kernel ran on (its *Applies() said yes), by kernel.
struct Coverage {
  const char* name;
  int32_t cases;
};
Coverage coverage[32];
int32_t num_coverage = 0;

void Covered(const char* name) {
  for (int32_t i = 0; i < num_coverage; ++i) {
    if (coverage[i].name == name) {
      ++coverage[i].cases;
      return;
    }
  }
  coverage[num_coverage++] = Coverage{name, 1};
}

// The rule for every optimized kernel: at least this many random cases, bit-exact.
constexpr int32_t kMinCases = 1000;

// Each test draws cases until every kernel it reached (coverage entries from `first` on) has
// kMinCases, or it has drawn `max_draws` (a kernel short of the bar then fails main()).
bool NeedMoreCases(int32_t first, int32_t draw, int32_t max_draws) {
  if (draw >= max_draws) return false;
  if (num_coverage == first) return true;
  for (int32_t i = first; i < num_coverage; ++i) {
    if (coverage[i].cases < kMinCases) return true;
  }
  return false;
}

// Runs one optimized kernel into out_fast and compares it with out_ref (already computed).
template <typename Fn>
bool Check(const char* what, int32_t iter, Fn fn) {
  std::memset(out_fast, 0x55, sizeof out_fast);
  fn();
  Covered(what);
  return Same(what, iter, kMaxOut);
}

int TestFullyConnected(int32_t max_draws) {
  int failures = 0;
  const int32_t first = num_coverage;
  for (int32_t it = 0; NeedMoreCases(first, it, max_draws); ++it) {
    const int32_t batches = Uniform(1, 8);
    const int32_t in = OneIn(3) ? Uniform(1, 300) : Uniform(1, 80);
    const int32_t out = Uniform(1, kMaxCh);
    if (batches * in > kMaxIn || batches * out > kMaxOut || in * out > kMaxW) continue;
    k::FullyConnectedParams p;
    p.input_zero_point = Uniform(-128, 127);
    p.weights_zero_point = OneIn(3) ? Uniform(-128, 127) : 0;
    p.output_zero_point = Uniform(-128, 127);
    RandomActivation(&p.act_min, &p.act_max);
    RandomRequant(out, OneIn(2), &p.requant);
    Fill(in_buf, batches * in);
    Fill(w_buf, out * in, p.weights_zero_point == 0 ? -127 : -128, 127);
    const int32_t* bias = RandomBias(out, in, 255 * 255);
    ClearOutputs();
    k::ref::FullyConnected(p, batches, in, out, in_buf, w_buf, bias, out_ref);
    bool ok = Check("fully connected (dispatch)", it, [&] {
      k::fast::FullyConnected(p, batches, in, out, in_buf, w_buf, bias, out_fast);
    });
#if defined(__ARM_FEATURE_DSP)
    ok &= Check("fully connected DSP", it, [&] {
      k::arm::FullyConnectedDsp(p, batches, in, out, in_buf, w_buf, bias, out_fast);
    });
#endif
#if defined(__ARM_FEATURE_MVE)
    if (k::arm::FullyConnectedMveApplies(p, bias)) {
      ok &= Check("fully connected MVE", it, [&] {
        k::arm::FullyConnectedMve(p, batches, in, out, in_buf, w_buf, bias, out_fast);
      });
    }
#endif
    if (!ok) ++failures;
  }
  return failures;
}

// Conv (depthwise = false) or depthwise conv on a random geometry.
int TestConv(bool depthwise, int32_t max_draws) {
  int failures = 0;
  int32_t ran = 0;
  const int32_t first = num_coverage;
  for (int32_t it = 0; NeedMoreCases(first, it, max_draws); ++it) {
    // 0-1: 1x1, 2-3: 3x3, 4: other, 5: deep 3x3; depthwise mostly 3x3 (its fast paths).
    const int32_t shape = depthwise ? (OneIn(4) ? Uniform(0, 5) : 2) : Uniform(0, 5);
    int32_t kh, kw;
    if (shape <= 1) {
      kh = kw = 1;
    } else if (shape <= 3 || shape == 5) {
      kh = kw = 3;
    } else {
      kh = Uniform(1, 5);
      kw = Uniform(1, 5);
    }
    // Depthwise: stride 2 on both axes half the time (MobileNet's downsampling layers; the
    // DSP kernel's stride-2 lines).
    const int32_t stride_h = (depthwise ? OneIn(2) : OneIn(3)) ? 2 : 1;
    const int32_t stride_w = OneIn(4) ? (OneIn(2) ? 2 : 3) : stride_h;
    const int32_t dil_h = OneIn(12) ? 2 : 1;
    // Conv: dilation_w > 1 often (the DSP kernel's own case: taps gathered one by one).
    const int32_t dil_w = (depthwise ? OneIn(12) : OneIn(3)) ? Uniform(2, 3) : 1;
    const int32_t pt = Uniform(0, kh > 1 ? 2 : 0), pb = Uniform(0, kh > 1 ? 2 : 0);
    const int32_t pl = Uniform(0, kw > 1 ? 2 : 0), pr = Uniform(0, kw > 1 ? 2 : 0);
    const int32_t mult = depthwise ? (OneIn(4) ? Uniform(2, 3) : 1) : 1;
    // Depthwise: sometimes long thin planes (lines longer than the DSP kernel's 64-output chunks).
    const bool long_line = depthwise && OneIn(16);
    const int32_t ic = long_line ? Uniform(1, 6)
                                 : (shape == 5 ? Uniform(8, 40) : (OneIn(2) ? Uniform(1, 8) : Uniform(1, 40)));
    // Small planes: the reference conv dominates the test's time on the -Os builds.
    const k::Dims4 in{OneIn(6) ? 2 : 1, long_line ? Uniform(1, 3) : Uniform(1, 9),
                      long_line ? Uniform(64, 200) : Uniform(1, 11), ic};
    const int32_t eff_h = (kh - 1) * dil_h + 1, eff_w = (kw - 1) * dil_w + 1;
    if (in.h + pt + pb < eff_h || in.w + pl + pr < eff_w) continue;
    const int32_t oc = depthwise ? ic * mult : Uniform(1, 40);
    if (oc > kMaxCh) continue;
    const k::Dims4 w = depthwise ? k::Dims4{1, kh, kw, oc} : k::Dims4{oc, kh, kw, ic};
    const k::Dims4 out{in.n, (in.h + pt + pb - eff_h) / stride_h + 1, (in.w + pl + pr - eff_w) / stride_w + 1, oc};
    if (k::FlatSize(in) > kMaxIn || k::FlatSize(w) > kMaxW || k::FlatSize(out) > kMaxOut) continue;
    k::ConvParams p;
    p.stride_h = stride_h;
    p.stride_w = stride_w;
    p.dilation_h = dil_h;
    p.dilation_w = dil_w;
    p.pad_top = pt;
    p.pad_left = pl;
    p.groups = 1;
    p.depth_multiplier = mult;
    p.input_zero_point = Uniform(-128, 127);
    p.output_zero_point = Uniform(-128, 127);
    RandomActivation(&p.act_min, &p.act_max);
    RandomRequant(oc, !OneIn(4), &p.requant);
    Fill(in_buf, static_cast<int32_t>(k::FlatSize(in)));
    Fill(w_buf, static_cast<int32_t>(k::FlatSize(w)), -127, 127);
    const int32_t depth = kh * kw * (depthwise ? 1 : ic);
    const int32_t* bias = RandomBias(oc, depth, 128 * 255);
    ClearOutputs();
    if (depthwise) {
      k::ref::DepthwiseConv2D(p, in, in_buf, w, w_buf, bias, out, out_ref);
    } else {
      k::ref::Conv2D(p, in, in_buf, w, w_buf, bias, out, out_ref);
    }
    ++ran;
    bool ok = Check(depthwise ? "depthwise (dispatch)" : "conv (dispatch)", it, [&] {
      if (depthwise) {
        k::fast::DepthwiseConv2D(p, in, in_buf, w, w_buf, bias, out, out_fast);
      } else {
        k::fast::Conv2D(p, in, in_buf, w, w_buf, bias, out, out_fast);
      }
    });
    // Counted apart: the DSP depthwise's stride-2 lines, the Helium one's strided planes.
    [[maybe_unused]] const bool strided = stride_h > 1 && stride_w > 1;
#if defined(__ARM_FEATURE_DSP)
    if (depthwise && k::arm::DepthwiseDspApplies(p, in, w, out)) {
      ok &= Check(strided ? "depthwise DSP, both strides > 1" : "depthwise DSP", it, [&] { k::arm::DepthwiseDsp(p, in, in_buf, w, w_buf, bias, out, out_fast); });
    }
    if (!depthwise && k::arm::ConvDspApplies(p, in, w, out)) {
      ok &= Check(dil_w > 1 ? "conv DSP, dilation_w > 1" : "conv DSP", it,
                  [&] { k::arm::ConvDsp(p, in, in_buf, w, w_buf, bias, out, out_fast); });
    }
#endif
#if defined(__ARM_FEATURE_MVE)
    if (depthwise && k::arm::DepthwiseMveApplies(p, in, w, out, bias)) {
      ok &= Check(strided ? "depthwise MVE, both strides > 1" : "depthwise MVE", it, [&] { k::arm::DepthwiseMve(p, in, in_buf, w, w_buf, bias, out, out_fast); });
    }
    if (!depthwise && k::arm::ConvMveApplies(p, in, w, out, bias)) {
      ok &= Check("conv MVE", it, [&] { k::arm::ConvMve(p, in, in_buf, w, w_buf, bias, out, out_fast); });
    }
#endif
    if (!ok) {
      ++failures;
      const int32_t shape_info[] = {in.n, in.h, in.w, in.c, oc, kh, kw, stride_h, stride_w, dil_h, dil_w,
                                    pt, pl, mult, p.requant.count, p.act_min, p.act_max, bias != nullptr};
      platform_puts("  n h w c oc kh kw sh sw dh dw pt pl mult rq lo hi bias:");
      for (int32_t v : shape_info) {
        platform_puts(" ");
        platform_put_i32(v);
      }
      platform_puts("\n");
    }
  }
  platform_puts(depthwise ? "depthwise: " : "conv: ");
  platform_put_i32(ran);
  platform_puts(" shapes\n");
  return failures;
}

k::Dims4 RandomBroadcast(const k::Dims4& out) {
  k::Dims4 d = out;
  if (OneIn(3)) d.h = 1;
  if (OneIn(3)) d.w = 1;
  if (OneIn(4)) d.c = 1;
  if (OneIn(8)) d = k::Dims4{1, 1, 1, 1};
  return d;
}

int TestAdd(int32_t max_draws) {
  int failures = 0;
  const int32_t first = num_coverage;
  for (int32_t it = 0; NeedMoreCases(first, it, max_draws); ++it) {
    const k::Dims4 out{OneIn(5) ? 2 : 1, Uniform(1, 6), Uniform(1, 9), Uniform(1, 70)};
    if (k::FlatSize(out) > kMaxOut) continue;
    const bool broadcast = OneIn(3);
    const k::Dims4 a = broadcast ? RandomBroadcast(out) : out;
    const k::Dims4 b = broadcast ? RandomBroadcast(out) : out;
    k::AddParams p;
    p.input1_zero_point = Uniform(-128, 127);
    p.input2_zero_point = Uniform(-128, 127);
    p.output_zero_point = Uniform(-128, 127);
    p.left_shift = OneIn(3) ? Uniform(0, 22) : 20;
    // Input scales below 1 (the converter's form: multiplier < 2^31, shift <= 0).
    p.input1_multiplier = RandomMultiplier();
    p.input1_shift = OneIn(4) ? 0 : -Uniform(0, 8);
    p.input2_multiplier = RandomMultiplier();
    p.input2_shift = OneIn(4) ? 0 : -Uniform(0, 8);
    p.output_multiplier = RandomMultiplier();
    p.output_shift = OneIn(3) ? -Uniform(0, 31) : Uniform(-22, -8);
    if (OneIn(6)) p.output_shift = Uniform(0, 2);
    RandomActivation(&p.act_min, &p.act_max);
    p.subtract = OneIn(3);
    Fill(in_buf, static_cast<int32_t>(k::FlatSize(a)));
    Fill(in2_buf, static_cast<int32_t>(k::FlatSize(b)));
    ClearOutputs();
    k::ref::Add(p, a, in_buf, b, in2_buf, out, out_ref);
    bool ok = Check("add (dispatch)", it, [&] { k::fast::Add(p, a, in_buf, b, in2_buf, out, out_fast); });
#if defined(__ARM_FEATURE_DSP)
    if (k::arm::AddDspApplies(p, a, b, out)) {
      ok &= Check("add DSP", it, [&] { k::arm::AddDsp(p, a, in_buf, b, in2_buf, out, out_fast); });
    }
#endif
#if defined(__ARM_FEATURE_MVE)
    if (k::arm::AddMveApplies(p, a, b, out)) {
      ok &= Check("add MVE", it, [&] { k::arm::AddMve(p, a, in_buf, b, in2_buf, out, out_fast); });
    }
#endif
    if (!ok) ++failures;
  }
  return failures;
}

// Windows up to 256 elements (the average kernels' limit) and some beyond (the dispatch falls
// back), every stride and padding, channel counts around 4 and 16, extreme inputs.
int TestPool(bool max, int32_t max_draws) {
  int failures = 0;
  const int32_t first = num_coverage;
  for (int32_t it = 0; NeedMoreCases(first, it, max_draws); ++it) {
    k::PoolParams p;
    const bool big = OneIn(8);
    p.filter_h = big ? Uniform(10, 30) : Uniform(1, 8);
    p.filter_w = big ? Uniform(10, 30) : Uniform(1, 8);
    if (OneIn(4)) p.filter_w = OneIn(2) ? 1 : p.filter_w;
    p.stride_h = Uniform(1, 3);
    p.stride_w = Uniform(1, 3);
    p.pad_top = OneIn(2) ? 0 : Uniform(0, p.filter_h - 1);
    p.pad_left = OneIn(2) ? 0 : Uniform(0, p.filter_w - 1);
    const int32_t pad_bottom = OneIn(2) ? 0 : Uniform(0, p.filter_h - 1);
    const int32_t pad_right = OneIn(2) ? 0 : Uniform(0, p.filter_w - 1);
    RandomActivation(&p.act_min, &p.act_max);
    k::Dims4 in{Uniform(1, 2), Uniform(1, 32), Uniform(1, 32), OneIn(3) ? Uniform(1, 80) : Uniform(1, 20)};
    const int32_t num_h = in.h + p.pad_top + pad_bottom - p.filter_h;
    const int32_t num_w = in.w + p.pad_left + pad_right - p.filter_w;
    if (num_h < 0 || num_w < 0) continue;
    k::Dims4 out{in.n, num_h / p.stride_h + 1, num_w / p.stride_w + 1, in.c};
    if (k::FlatSize(in) > kMaxIn || k::FlatSize(out) > kMaxOut) continue;
    Fill(in_buf, static_cast<int32_t>(k::FlatSize(in)));
    ClearOutputs();
    bool ok = true;
    if (max) {
      k::ref::MaxPool2D(p, in, in_buf, out, out_ref);
      ok &= Check("max pool (dispatch)", it, [&] { k::fast::MaxPool2D(p, in, in_buf, out, out_fast); });
#if defined(__ARM_FEATURE_DSP)
      ok &= Check("max pool DSP", it, [&] { k::arm::MaxPoolDsp(p, in, in_buf, out, out_fast); });
#endif
#if defined(__ARM_FEATURE_MVE)
      ok &= Check("max pool MVE", it, [&] { k::arm::MaxPoolMve(p, in, in_buf, out, out_fast); });
#endif
    } else {
      k::ref::AvgPool2D(p, in, in_buf, out, out_ref);
      ok &= Check("avg pool (dispatch)", it, [&] { k::fast::AvgPool2D(p, in, in_buf, out, out_fast); });
#if defined(__ARM_FEATURE_DSP)
      if (k::arm::AvgPoolDspApplies(p)) {
        ok &= Check("avg pool DSP", it, [&] { k::arm::AvgPoolDsp(p, in, in_buf, out, out_fast); });
      }
#endif
#if defined(__ARM_FEATURE_MVE)
      if (k::arm::AvgPoolMveApplies(p)) {
        ok &= Check("avg pool MVE", it, [&] { k::arm::AvgPoolMve(p, in, in_buf, out, out_fast); });
      }
#endif
    }
    if (!ok) ++failures;
  }
  return failures;
}

// Mean over H, W: every rounding mode, pixel counts below and above the 256-pixel runs of the
// halfword sums, channel counts around 4, extreme inputs.
int TestMean(int32_t max_draws) {
  int failures = 0;
  const int32_t first = num_coverage;
  for (int32_t it = 0; NeedMoreCases(first, it, max_draws); ++it) {
    const bool big = OneIn(4);
    const k::Dims4 in{OneIn(5) ? 2 : 1, big ? Uniform(8, 40) : Uniform(1, 10), big ? Uniform(8, 40) : Uniform(1, 10),
                      big ? Uniform(1, 6) : Uniform(1, 40)};
    if (k::FlatSize(in) > kMaxIn) continue;
    k::MeanParams p;
    p.input_zero_point = Uniform(-128, 127);
    p.output_zero_point = Uniform(-128, 127);
    p.multiplier = RandomMultiplier();
    p.shift = RandomShift();
    p.rounding = static_cast<k::MeanRounding>(Uniform(0, 2));
    if (p.rounding == k::MeanRounding::kDivideTruncate) p.output_zero_point = p.input_zero_point;
    RandomActivation(&p.act_min, &p.act_max);
    Fill(in_buf, static_cast<int32_t>(k::FlatSize(in)));
    ClearOutputs();
    k::ref::MeanHW(p, in, in_buf, out_ref);
    bool ok = Check("mean (dispatch)", it, [&] { k::fast::MeanHW(p, in, in_buf, out_fast); });
#if defined(__ARM_FEATURE_DSP)
    ok &= Check("mean DSP", it, [&] { k::arm::MeanDsp(p, in, in_buf, out_fast); });
#endif
#if defined(__ARM_FEATURE_MVE)
    // FOLDED finishes on vectors, the divide modes channel by channel: each its own 1,000.
    ok &= Check(p.rounding == k::MeanRounding::kFolded ? "mean MVE, FOLDED" : "mean MVE, divide modes", it,
                [&] { k::arm::MeanMve(p, in, in_buf, out_fast); });
#endif
    if (!ok) ++failures;
  }
  return failures;
}

}  // namespace

int main() {
  platform_puts("qinfer optimized kernels vs reference (" QINFER_MCU_TARGET_NAME ")\n");
#if defined(__ARM_FEATURE_MVE)
  platform_puts("Helium (MVE) + DSP extension\n");
#elif defined(__ARM_FEATURE_DSP)
  platform_puts("DSP extension\n");
#else
  platform_puts("no DSP extension on this core: the dispatch is the reference\n");
#endif
  int failures = TestFullyConnected(6000);
  failures += TestConv(false, 6000);
  failures += TestConv(true, 8000);
  failures += TestAdd(6000);
  failures += TestPool(false, 8000);
  failures += TestPool(true, 8000);
  failures += TestMean(6000);
  for (int32_t i = 0; i < num_coverage; ++i) {
    platform_puts("  ");
    platform_puts(coverage[i].name);
    platform_puts(": ");
    platform_put_i32(coverage[i].cases);
    platform_puts(" cases bit-exact");
    if (coverage[i].cases < kMinCases) {
      platform_puts(" -- FEWER THAN 1000");
      ++failures;
    }
    platform_puts("\n");
  }
  platform_puts(failures == 0 ? "ALL PASSED\n" : "FAILURES\n");
  return failures == 0 ? QINFER_MCU_EXIT_OK : QINFER_MCU_EXIT_FAIL;
}
