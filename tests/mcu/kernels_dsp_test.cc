// Firmware: the DSP-extension kernels (kernels/arm/) against the reference kernels on random
// shapes and parameters, byte for byte, on the emulated core. With QINFER_MCU_BIG_RAM it then
// runs the fully connected 1280 -> 1000 and conv 1x1 24x24x32 -> 64 layers through
// both, between the instruction-count markers (bench/mcu/run_bench.sh reads those).
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

void Fill(int8_t* p, int32_t n, int32_t lo = -128, int32_t hi = 127) {
  for (int32_t i = 0; i < n; ++i) p[i] = static_cast<int8_t>(Uniform(lo, hi));
}

constexpr int32_t kMaxIn = 8 * 80;
constexpr int32_t kMaxW = 24 * 80;
constexpr int32_t kMaxOut = 8 * 24;
constexpr int32_t kMaxCh = 24;

int8_t in_buf[kMaxIn];
int8_t w_buf[kMaxW];
int8_t out_ref[kMaxOut];
int8_t out_fast[kMaxOut];
int32_t bias_buf[kMaxCh];
int32_t mult_buf[kMaxCh];
int32_t shift_buf[kMaxCh];

void RandomRequant(int32_t channels, bool per_channel, k::Requant* r) {
  const int32_t n = per_channel ? channels : 1;
  for (int32_t c = 0; c < n; ++c) {
    mult_buf[c] = (1 << 30) + static_cast<int32_t>(Next() & 0x3FFFFFFF);
    shift_buf[c] = Uniform(-14, 1);
  }
  r->multiplier = mult_buf;
  r->shift = shift_buf;
  r->count = n;
}

void RandomActivation(int32_t* lo, int32_t* hi) {
  if (Uniform(0, 2) == 0) {
    *lo = -128;
    *hi = 127;
  } else {
    *lo = Uniform(-128, 0);
    *hi = Uniform(*lo, 127);
  }
}

const int32_t* RandomBias(int32_t channels) {
  if (Uniform(0, 4) == 0) return nullptr;
  for (int32_t c = 0; c < channels; ++c) bias_buf[c] = Uniform(-60000, 60000);
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

int TestFullyConnected(int32_t iterations) {
  int failures = 0;
  for (int32_t it = 0; it < iterations; ++it) {
    const int32_t batches = Uniform(1, 8);
    const int32_t in = Uniform(1, 80);
    const int32_t out = Uniform(1, 24);
    if (batches * in > kMaxIn || batches * out > kMaxOut) continue;
    k::FullyConnectedParams p;
    p.input_zero_point = Uniform(-128, 127);
    p.weights_zero_point = Uniform(0, 2) == 0 ? Uniform(-128, 127) : 0;
    p.output_zero_point = Uniform(-128, 127);
    RandomActivation(&p.act_min, &p.act_max);
    RandomRequant(out, Uniform(0, 1) == 1, &p.requant);
    Fill(in_buf, batches * in);
    Fill(w_buf, out * in, -127, 127);
    const int32_t* bias = RandomBias(out);
    std::memset(out_ref, 0x55, sizeof out_ref);
    std::memset(out_fast, 0x55, sizeof out_fast);
    k::ref::FullyConnected(p, batches, in, out, in_buf, w_buf, bias, out_ref);
    k::fast::FullyConnected(p, batches, in, out, in_buf, w_buf, bias, out_fast);
    if (!Same("fully connected", it, kMaxOut)) ++failures;
  }
  return failures;
}

int TestConv(int32_t iterations) {
  int failures = 0;
  int32_t pointwise = 0;
  for (int32_t it = 0; it < iterations; ++it) {
    // Mostly 1x1 stride 1 (the DSP path); sometimes shapes that must fall back.
    const bool other = Uniform(0, 4) == 0;
    const k::Dims4 in{Uniform(1, 2), Uniform(1, 6), Uniform(1, 6), Uniform(1, 40)};
    const int32_t f = other ? Uniform(1, 3) : 1;
    const int32_t stride = other ? Uniform(1, 2) : 1;
    const int32_t pad = other && f > 1 ? Uniform(0, 1) : 0;
    const int32_t oc = Uniform(1, kMaxCh);
    if (in.h + 2 * pad < f || in.w + 2 * pad < f) continue;
    const k::Dims4 w{oc, f, f, in.c};
    const k::Dims4 out{in.n, (in.h + 2 * pad - f) / stride + 1, (in.w + 2 * pad - f) / stride + 1, oc};
    if (k::FlatSize(in) > kMaxIn || k::FlatSize(w) > kMaxW || k::FlatSize(out) > kMaxOut) continue;
    k::ConvParams p;
    p.stride_h = p.stride_w = stride;
    p.dilation_h = p.dilation_w = 1;
    p.pad_top = p.pad_left = pad;
    p.groups = 1;
    p.depth_multiplier = 1;
    p.input_zero_point = Uniform(-128, 127);
    p.output_zero_point = Uniform(-128, 127);
    RandomActivation(&p.act_min, &p.act_max);
    RandomRequant(oc, Uniform(0, 3) != 0, &p.requant);
    Fill(in_buf, static_cast<int32_t>(k::FlatSize(in)));
    Fill(w_buf, static_cast<int32_t>(k::FlatSize(w)), -127, 127);
    const int32_t* bias = RandomBias(oc);
#if defined(__ARM_FEATURE_DSP)
    if (k::arm::Conv2D1x1DspApplies(p, in, w, out)) ++pointwise;
#endif
    std::memset(out_ref, 0x55, sizeof out_ref);
    std::memset(out_fast, 0x55, sizeof out_fast);
    k::ref::Conv2D(p, in, in_buf, w, w_buf, bias, out, out_ref);
    k::fast::Conv2D(p, in, in_buf, w, w_buf, bias, out, out_fast);
    if (!Same("conv", it, kMaxOut)) ++failures;
  }
  platform_puts("conv: ");
  platform_put_i32(pointwise);
  platform_puts(" cases took the pointwise DSP path\n");
  return failures;
}

#if defined(QINFER_MCU_BIG_RAM)
// The layer shapes, reference vs fast, between the markers (2 regions each).
int8_t fc_w[1000 * 1280];
int8_t fc_in[1280];
int8_t pw_in[24 * 24 * 32];
int8_t pw_w[64 * 32];
int8_t big_ref[24 * 24 * 64];
int8_t big_fast[24 * 24 * 64];
int32_t big_bias[1000], big_mult[1000], big_shift[1000];

int BenchLayers() {
  int failures = 0;
  for (int32_t c = 0; c < 1000; ++c) {
    big_bias[c] = Uniform(-50000, 50000);
    big_mult[c] = (1 << 30) + static_cast<int32_t>(Next() & 0x3FFFFFFF);
    big_shift[c] = Uniform(-11, -8);
  }
  Fill(fc_w, sizeof fc_w, -127, 127);
  Fill(fc_in, sizeof fc_in);
  k::FullyConnectedParams fp;
  fp.input_zero_point = -3;
  fp.weights_zero_point = 0;
  fp.output_zero_point = 5;
  fp.act_min = -128;
  fp.act_max = 127;
  fp.requant = k::Requant{big_mult, big_shift, 1000};
  platform_puts("bench kernel_fc_1280_1000/ref\n");
  platform_mark_begin();
  k::ref::FullyConnected(fp, 1, 1280, 1000, fc_in, fc_w, big_bias, big_ref);
  platform_mark_end();
  platform_puts("bench kernel_fc_1280_1000/fast\n");
  platform_mark_begin();
  k::fast::FullyConnected(fp, 1, 1280, 1000, fc_in, fc_w, big_bias, big_fast);
  platform_mark_end();
  if (std::memcmp(big_ref, big_fast, 1000) != 0) {
    platform_puts("MISMATCH fully connected 1280 -> 1000\n");
    ++failures;
  }

  Fill(pw_in, sizeof pw_in);
  Fill(pw_w, sizeof pw_w, -127, 127);
  k::ConvParams cp;
  cp.stride_h = cp.stride_w = 1;
  cp.dilation_h = cp.dilation_w = 1;
  cp.pad_top = cp.pad_left = 0;
  cp.groups = 1;
  cp.depth_multiplier = 1;
  cp.input_zero_point = -3;
  cp.output_zero_point = 2;
  cp.act_min = -128;
  cp.act_max = 127;
  cp.requant = k::Requant{big_mult, big_shift, 64};
  const k::Dims4 in{1, 24, 24, 32}, w{64, 1, 1, 32}, out{1, 24, 24, 64};
  platform_puts("bench kernel_conv1x1_24x24x32_64/ref\n");
  platform_mark_begin();
  k::ref::Conv2D(cp, in, pw_in, w, pw_w, big_bias, out, big_ref);
  platform_mark_end();
  platform_puts("bench kernel_conv1x1_24x24x32_64/fast\n");
  platform_mark_begin();
  k::fast::Conv2D(cp, in, pw_in, w, pw_w, big_bias, out, big_fast);
  platform_mark_end();
  if (std::memcmp(big_ref, big_fast, sizeof big_ref) != 0) {
    platform_puts("MISMATCH conv 1x1 24x24x32 -> 64\n");
    ++failures;
  }
  return failures;
}
#endif

}  // namespace

int main() {
  platform_puts("qinfer DSP kernels vs reference (" QINFER_MCU_TARGET_NAME ")\n");
#if !defined(__ARM_FEATURE_DSP)
  platform_puts("no DSP extension on this core: the dispatch is the reference\n");
#endif
  int failures = TestFullyConnected(400) + TestConv(400);
#if defined(QINFER_MCU_BIG_RAM)
  failures += BenchLayers();
#endif
  platform_puts(failures == 0 ? "ALL PASSED\n" : "FAILURES\n");
  return failures == 0 ? QINFER_MCU_EXIT_OK : QINFER_MCU_EXIT_FAIL;
}
