// int8 conv2d (any filter size, stride, padding, dilation; one group) with the
// Cortex-M DSP extension. No arena scratch: stack buffers of fixed size (768 bytes, plus 384
// for patches deeper than 64).
//
// Output pixels go in blocks of kP = 6. For a block, the patches of its pixels (the KH x KW x
// IC input values each output reads, k = (ky * KW + kx) * IC + ic) are expanded once to int16
// x - zi, taps in the padding written as 0, into a buffer laid out for the inner loop: per group
// of four k, per pixel, two words (x0, x2) and (x1, x3) (SXTAB16's order). Every output channel
// then runs over the buffer: one weight word (four k), sign-extended with SXTB16 into the same
// order, multiplies the six pixels' words with SMLAD: 21 instructions per 24 MACs, hand
// scheduled in inline asm (6 accumulators, 2 input and 2 weight registers). The expansion is
// shared by all output channels.
//
// Deeper patches (K > kKC) go in chunks of k; output channels then go in groups of kOCC whose
// int32 accumulators wait on the stack between chunks, and each chunk is expanded once per
// channel group.
//
// Requantization (kernels/arm/requant_dsp.h): when the call's accumulators are bounded by 2^30
// (bias + K * 128 * 255) and every channel shifts right by 1..22 with a multiplier >= 0 — what
// converters emit — the expanded inputs are doubled, so each accumulator is 2 * acc and
//   SMMULR(2 * acc, m) = SRDHM(acc, m),
//   (h + 2^(e-1) + zo * 2^e - (h < 0)) >> e = RDBP(h, e) + zo   (no overflow for e <= 22),
// then SSAT to int8 and the activation bounds with SSUB16 + SEL: 6 to 10 instructions per
// output, bit-exact. Otherwise the reference's arithmetic. Integer sums wrap like the
// reference's (whose accumulators the verifier bounds).
#include "kernels/arm/dsp.h"
#include "kernels/arm/dsp_ops.h"
#include "kernels/arm/patch_window.h"

#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>

#include <cstring>

#include "kernels/arm/requant_dsp.h"
#include "kernels/fixedpoint.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace arm {
namespace {

// -Os builds keep one fast variant (both clamps), -O2 builds one per activation range.
#if defined(__OPTIMIZE_SIZE__)
constexpr bool kSmall = true;
#else
constexpr bool kSmall = false;
#endif

constexpr int32_t kP = 6;     // output pixels per block (the asm below has 6 accumulators)
constexpr int32_t kKC = 64;   // k per chunk: the buffer is kKC / 4 groups * kP * 8 bytes
constexpr int32_t kOCC = 16;  // output channels per group when K > kKC
constexpr int32_t kGroupWords = kP * 2;  // buffer words per group of four k

struct Acc {
  int32_t v[kP];
};

// acc_p += sum_{g < groups} sum_{j < 4} w[4g + j] * x_p[4g + j] for the six pixels, x from the
// expanded buffer (per group: pixel 0's two words, pixel 1's, ...). Advances w past the groups.
inline __attribute__((always_inline)) void Mac(const int32_t* x, const int8_t*& w, int32_t groups,
                                               int32_t& a0, int32_t& a1, int32_t& a2, int32_t& a3,
                                               int32_t& a4, int32_t& a5) {
  int32_t wa, wb, xa, xb;
#define QINFER_PIXEL(a)                  \
  "ldrd %[xa], %[xb], [%[x]], #8\n\t"    \
  "smlad %[" a "], %[xa], %[wa], %[" a "]\n\t" \
  "smlad %[" a "], %[xb], %[wb], %[" a "]\n\t"
#define QINFER_GROUP                     \
  "ldr %[wa], [%[w]], #4\n\t"            \
  "sxtb16 %[wb], %[wa], ror #8\n\t"      \
  "sxtb16 %[wa], %[wa]\n\t"              \
  QINFER_PIXEL("a0") QINFER_PIXEL("a1") QINFER_PIXEL("a2") QINFER_PIXEL("a3") QINFER_PIXEL("a4") \
  QINFER_PIXEL("a5")
  // groups = 2 * pairs + odd; the flags of LSRS survive the (flag-neutral) group body.
  __asm__ volatile(
      "lsrs %[n], %[n], #1\n\t"
      "bcc 1f\n\t"
      QINFER_GROUP
      "1:\n\t"
      "beq 3f\n"
      "2:\n\t"
      QINFER_GROUP
      QINFER_GROUP
      "subs %[n], %[n], #1\n\t"
      "bne 2b\n"
      "3:\n\t"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [a4] "+r"(a4), [a5] "+r"(a5),
        [x] "+r"(x), [w] "+r"(w), [n] "+r"(groups), [wa] "=&r"(wa), [wb] "=&r"(wb),
        [xa] "=&r"(xa), [xb] "=&r"(xb)
      :
      : "cc", "memory");
#undef QINFER_GROUP
#undef QINFER_PIXEL
}

inline __attribute__((always_inline)) void Mac(const int32_t* x, const int8_t*& w, int32_t groups,
                                               Acc& acc) {
  Mac(x, w, groups, acc.v[0], acc.v[1], acc.v[2], acc.v[3], acc.v[4], acc.v[5]);
}

// The last kc % 4 values of k (the asm covers whole groups of four); w points at them.
__attribute__((noinline)) void MacTail(const int32_t* buf, const int8_t* w, int32_t kc, Acc& acc) {
  const int32_t groups = kc / 4;
  const int16_t* x = reinterpret_cast<const int16_t*>(buf + groups * kGroupWords);
  for (int32_t j = 0; j < (kc & 3); ++j) {
    const int32_t wv = w[j];
    const int32_t slot = ((j & 1) << 1) | (j >> 1);
    for (int32_t p = 0; p < kP; ++p) acc.v[p] += wv * x[p * 4 + slot];
  }
}

struct Geometry {
  const int8_t* input;
  int32_t in_h, in_w, in_c;
  int32_t kh, kw;
  int32_t out_h, out_w;
  int32_t stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
  int32_t depth;  // K = kh * kw * in_c
  int32_t zi;     // input zero point
  int32_t neg_zi2;  // -zi in both halfwords
  bool twice;     // expand 2 * (x - zi)
};

// Writes one pixel's expanded values for k in [k0, k1) into its slots of the buffer (zeros
// for a dummy pixel past the end of the output).
class Expander {
 public:
  Expander(const Geometry& g, int32_t* buf, int32_t k0, int32_t k1, int32_t p)
      : g_(g), buf_(buf + p * 2), k0_(k0), k1_(k1) {}

  void Pixel(int32_t pixel) {
    if (pixel < 0) {
      Put(k0_, k1_, nullptr);
      return;
    }
    const PixelPos at = PixelAt(pixel, g_.out_h, g_.out_w);
    const int32_t n = at.n, oy = at.oy;
    const int32_t row_k = g_.kw * g_.in_c;
    const int32_t ix0 = at.ox * g_.stride_w - g_.pad_left;
    const TapRange kx = InsideTaps(ix0, g_.kw, g_.in_w);
    for (int32_t ky = k0_ / row_k; ky < g_.kh; ++ky) {
      const int32_t ks = ky * row_k;
      if (ks >= k1_) break;
      const int32_t iy = oy * g_.stride_h - g_.pad_top + ky * g_.dilation_h;
      if (iy < 0 || iy >= g_.in_h) {
        Clip(ks, ks + row_k, nullptr);
        continue;
      }
      if (g_.dilation_w != 1) {  // taps of a row are not adjacent: one run of in_c per tap
        const int8_t* row = g_.input + (n * g_.in_h + iy) * g_.in_w * g_.in_c;
        for (int32_t kx = 0; kx < g_.kw; ++kx) {
          const int32_t ix = ix0 + kx * g_.dilation_w;
          const int32_t a = ks + kx * g_.in_c;
          Clip(a, a + g_.in_c, ix >= 0 && ix < g_.in_w ? row + ix * g_.in_c : nullptr);
        }
        continue;
      }
      const int32_t a = ks + kx.lo * g_.in_c;
      const int32_t b = ks + kx.hi * g_.in_c;
      Clip(ks, a, nullptr);
      if (a < b) Clip(a, b, g_.input + ((n * g_.in_h + iy) * g_.in_w + ix0 + kx.lo) * g_.in_c);
      Clip(b, ks + row_k, nullptr);
    }
  }

 private:
  // k in [ka, kb) ∩ [k0, k1): src[k - ka] - zi (src = the value of k = ka), or 0.
  void Clip(int32_t ka, int32_t kb, const int8_t* src) {
    const int32_t lo = ka < k0_ ? k0_ : ka;
    const int32_t hi = kb > k1_ ? k1_ : kb;
    if (lo < hi) Put(lo, hi, src == nullptr ? nullptr : src + (lo - ka));
  }

  // k in [ka, kb): src[k - ka] - zi, or 0 when src is null.
  void Put(int32_t ka, int32_t kb, const int8_t* src) {
    int32_t k = ka;
    for (; k < kb && (k & 3) != 0; ++k) Scalar(k, src == nullptr ? nullptr : src + (k - ka));
    int32_t n4 = (kb - k) >> 2;
    int32_t* d = buf_ + ((k - k0_) >> 2) * kGroupWords;
    if (src == nullptr) {
      for (; n4 > 0; --n4, d += kGroupWords) d[0] = d[1] = 0;
    } else {
      const int8_t* s = src + (k - ka);
      const int32_t nz = g_.neg_zi2;
      if (g_.twice) {
        for (; n4 > 0; --n4, d += kGroupWords, s += 4) {
          const int32_t v = Load4(s);
          const int32_t lo = __sxtab16(nz, v), hi = Sxtab16Ror8(nz, v);
          d[0] = __sadd16(lo, lo);
          d[1] = __sadd16(hi, hi);
        }
      } else {
        for (; n4 > 0; --n4, d += kGroupWords, s += 4) {
          const int32_t v = Load4(s);
          d[0] = __sxtab16(nz, v);
          d[1] = Sxtab16Ror8(nz, v);
        }
      }
    }
    k = kb - ((kb - k) & 3);
    for (; k < kb; ++k) Scalar(k, src == nullptr ? nullptr : src + (k - ka));
  }

  void Scalar(int32_t k, const int8_t* v) {
    const int32_t l = k - k0_;
    int16_t* d = reinterpret_cast<int16_t*>(buf_ + (l >> 2) * kGroupWords);
    const int32_t j = l & 3;
    const int32_t x = v == nullptr ? 0 : (*v - g_.zi) * (g_.twice ? 2 : 1);
    d[((j & 1) << 1) | (j >> 1)] = static_cast<int16_t>(x);
  }

  const Geometry& g_;
  int32_t* buf_;
  int32_t k0_, k1_;
};

// Output stage of one call: requantization constants and the output layout.
struct OutputStage {
  const int32_t* mult;
  const int32_t* shift;
  bool per_channel;
  bool fast;  // the fast form applies to every channel (see the top of the file)
  int32_t zo, lo, hi;
  int32_t lo2, hi2;  // lo, hi in both halfwords (for SSUB16 + SEL)
  int32_t out_c;
};

// How a fast output is finished beyond SSAT's [-128, 127]; kExact: the reference's arithmetic.
enum Finish { kClampNone = 0, kClampLow = 1, kClampBoth = 2, kExact = 3 };

// max(y, lo) and min(y, hi) on the low halfword in two instructions each (y in [-128, 127]):
// SSUB16 sets the GE flags per halfword, SEL picks bytes by them. Only the low byte is stored.
template <int kFinish>
inline int32_t ClampAct(int32_t y, int32_t lo2, int32_t hi2) {
  if (kFinish == kClampLow || kFinish == kClampBoth) {
    int32_t t;
    __asm__("ssub16 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(t) : "r"(y), "r"(lo2) : "cc");
    y = t;
  }
  if (kFinish == kClampBoth) {
    int32_t t;
    __asm__("ssub16 %0, %2, %1\n\tsel %0, %1, %2" : "=&r"(t) : "r"(y), "r"(hi2) : "cc");
    y = t;
  }
  return y;
}

// The reference's arithmetic, for any channel and accumulator (np outputs, stride out_c).
// Doubled accumulators (fast calls: no overflow) are halved back exactly.
__attribute__((noinline)) void StoreExact(const OutputStage& st, int32_t n, const Acc& acc,
                                          int32_t np, int8_t* o) {
  const int32_t r = st.per_channel ? n : 0;
  for (int32_t p = 0; p < np; ++p, o += st.out_c) {
    const int32_t a = st.fast ? acc.v[p] >> 1 : acc.v[p];
    const int32_t v = MultiplyByQuantizedMultiplier(a, st.mult[r], st.shift[r]);
    *o = AddZeroPointAndClamp(v, st.zo, st.lo, st.hi);
  }
}

// Rescales one doubled accumulator with the fast form and stores it.
template <int kFinish>
inline __attribute__((always_inline)) void Emit(int32_t a, int32_t m, int32_t add, int32_t e,
                                                int32_t lo2, int32_t hi2, int8_t* o) {
  const int32_t h = Smmulr(a, m);
  const int32_t v = (h + add - static_cast<int32_t>(static_cast<uint32_t>(h) >> 31)) >> e;
  *o = static_cast<int8_t>(ClampAct<kFinish>(Ssat8(v), lo2, hi2));
}

// Channel n of a block: np outputs, out_c apart.
template <int kFinish>
inline __attribute__((always_inline)) void Store(const OutputStage& st, int32_t n, const Acc& acc,
                                                 int32_t np, int8_t* o) {
  if (kFinish == kExact || np != kP) {
    StoreExact(st, n, acc, np, o);
    return;
  }
  const int32_t r = st.per_channel ? n : 0;
  const int32_t m = st.mult[r];
  const int32_t e1 = ~st.shift[r];  // e - 1
  const int32_t add = static_cast<int32_t>(static_cast<uint32_t>(2 * st.zo + 1) << e1);
  const int32_t e = e1 + 1;
  const int32_t stride = st.out_c;
  for (int32_t p = 0; p < kP; ++p, o += stride) Emit<kFinish>(acc.v[p], m, add, e, st.lo2, st.hi2, o);
}

struct Job {
  Geometry g;
  OutputStage st;
  const int8_t* weights;
  const int32_t* bias;
  int8_t* output;
  int32_t pixels;
};

inline int32_t InitialAcc(const Job& job, int32_t n) {
  if (job.bias == nullptr) return 0;
  return job.g.twice ? 2 * job.bias[n] : job.bias[n];
}

// K <= kKC: expand a block once, then each channel: accumulate, requantize, store.
// (Separate frames: the stack holds one path's buffers, not both.)
template <int kFinish>
__attribute__((noinline)) void RunShallow(const Job& job) {
  const int32_t depth = job.g.depth;
  const int32_t groups = depth / 4;
  const int32_t tail = depth & 3;
  const int32_t out_c = job.st.out_c;
  const int32_t* const mult = job.st.mult;
  const int32_t* const shift = job.st.shift;
  const int32_t rstep = job.st.per_channel ? 1 : 0;
  const int32_t zo21 = 2 * job.st.zo + 1;
  const int32_t lo2 = job.st.lo2, hi2 = job.st.hi2;
  const int32_t* const bias = job.bias;
  alignas(8) int32_t buf[kKC / 4 * kGroupWords];
  for (int32_t blk = 0; blk < job.pixels; blk += kP) {
    const int32_t np = job.pixels - blk < kP ? job.pixels - blk : kP;
    for (int32_t q = 0; q < kP; ++q) Expander(job.g, buf, 0, depth, q).Pixel(q < np ? blk + q : -1);
    const int8_t* w = job.weights;
    int8_t* o = job.output + blk * out_c;
    const bool full = kFinish != kExact && np == kP;
    int32_t r = 0;
    for (int32_t n = 0; n < out_c; ++n, ++o, r += rstep) {
      const int32_t b = bias == nullptr ? 0 : (kFinish == kExact ? bias[n] : 2 * bias[n]);
      int32_t a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b;
      if (groups > 0) Mac(buf, w, groups, a0, a1, a2, a3, a4, a5);
      if (tail != 0 || !full) {
        Acc acc{{a0, a1, a2, a3, a4, a5}};
        if (tail != 0) {
          MacTail(buf, w, depth, acc);
          w += tail;
        }
        if (full) {
          Store<kFinish>(job.st, n, acc, np, o);
        } else {
          StoreExact(job.st, n, acc, np, o);
        }
        continue;
      }
      const int32_t m = mult[r];
      const int32_t e1 = ~shift[r];  // e - 1
      const int32_t add = static_cast<int32_t>(static_cast<uint32_t>(zo21) << e1);
      const int32_t e = e1 + 1;
      int8_t* op = o;
      Emit<kFinish>(a0, m, add, e, lo2, hi2, op);
      Emit<kFinish>(a1, m, add, e, lo2, hi2, op += out_c);
      Emit<kFinish>(a2, m, add, e, lo2, hi2, op += out_c);
      Emit<kFinish>(a3, m, add, e, lo2, hi2, op += out_c);
      Emit<kFinish>(a4, m, add, e, lo2, hi2, op += out_c);
      Emit<kFinish>(a5, m, add, e, lo2, hi2, op += out_c);
    }
  }
}

// K > kKC: chunks of k, channel groups of kOCC with their accumulators on the stack.
template <int kFinish>
__attribute__((noinline)) void RunDeep(const Job& job) {
  const int32_t depth = job.g.depth;
  const int32_t out_c = job.st.out_c;
  alignas(8) int32_t buf[kKC / 4 * kGroupWords];
  Acc acc[kOCC];
  // Equal chunks of at most kKC, multiples of 4 (K = 144: 3 x 48, not 64 + 64 + 16).
  const int32_t chunks = (depth + kKC - 1) / kKC;
  const int32_t chunk = ((depth + chunks - 1) / chunks + 3) & ~3;
  for (int32_t blk = 0; blk < job.pixels; blk += kP) {
    const int32_t np = job.pixels - blk < kP ? job.pixels - blk : kP;
    for (int32_t oc0 = 0; oc0 < out_c; oc0 += kOCC) {
      const int32_t occ = out_c - oc0 < kOCC ? out_c - oc0 : kOCC;
      for (int32_t j = 0; j < occ; ++j) {
        const int32_t b = InitialAcc(job, oc0 + j);
        for (int32_t p = 0; p < kP; ++p) acc[j].v[p] = b;
      }
      for (int32_t k0 = 0; k0 < depth; k0 += chunk) {
        const int32_t k1 = depth - k0 < chunk ? depth : k0 + chunk;
        const int32_t kc = k1 - k0;
        const int32_t groups = kc / 4;
        for (int32_t q = 0; q < kP; ++q) Expander(job.g, buf, k0, k1, q).Pixel(q < np ? blk + q : -1);
        const int8_t* w = job.weights + oc0 * depth + k0;
        for (int32_t j = 0; j < occ; ++j, w += depth) {
          const int8_t* wj = w;
          if (groups > 0) Mac(buf, wj, groups, acc[j]);
          if ((kc & 3) != 0) MacTail(buf, wj, kc, acc[j]);
        }
      }
      int8_t* o = job.output + blk * out_c + oc0;
      for (int32_t j = 0; j < occ; ++j) Store<kFinish>(job.st, oc0 + j, acc[j], np, o + j);
    }
  }
}

template <int kFinish>
void Run(const Job& job) {
  if (job.g.depth <= kKC) {
    RunShallow<kFinish>(job);
  } else {
    RunDeep<kFinish>(job);
  }
}

}  // namespace

bool ConvDspApplies(const ConvParams& p, const Dims4& input_dims, const Dims4& weights_dims,
                    const Dims4& output_dims) {
  (void)input_dims;
  (void)weights_dims;
  (void)output_dims;
  return p.groups == 1;
}

// The kernel proper, for the shapes ConvDspApplies() admits (its stack buffers are only
// taken then).
__attribute__((noinline)) static void ConvDspRun(
    const ConvParams& p, const Dims4& input_dims, const int8_t* input, const Dims4& weights_dims,
    const int8_t* weights, const int32_t* bias, const Dims4& output_dims, int8_t* output) {
  Job job;
  Geometry& g = job.g;
  g.input = input;
  g.in_h = input_dims.h;
  g.in_w = input_dims.w;
  g.in_c = input_dims.c;
  g.kh = weights_dims.h;
  g.kw = weights_dims.w;
  g.out_h = output_dims.h;
  g.out_w = output_dims.w;
  g.stride_h = p.stride_h;
  g.stride_w = p.stride_w;
  g.dilation_h = p.dilation_h;
  g.dilation_w = p.dilation_w;
  g.pad_top = p.pad_top;
  g.pad_left = p.pad_left;
  g.depth = weights_dims.h * weights_dims.w * weights_dims.c;
  g.zi = p.input_zero_point;
  g.neg_zi2 = static_cast<int32_t>((static_cast<uint32_t>(-p.input_zero_point) & 0xFFFFu) * 0x10001u);
  const int32_t out_c = output_dims.c;

  OutputStage& st = job.st;
  st.mult = p.requant.multiplier;
  st.shift = p.requant.shift;
  st.per_channel = p.requant.count != 1;
  int64_t bias_max = 0;
  if (bias != nullptr) {
    for (int32_t n = 0; n < out_c; ++n) {
      const int64_t b = bias[n] < 0 ? -static_cast<int64_t>(bias[n]) : bias[n];
      if (b > bias_max) bias_max = b;
    }
  }
  st.fast = bias_max + static_cast<int64_t>(g.depth) * 128 * 255 < (int64_t{1} << 30);
  for (int32_t r = 0; r < p.requant.count && st.fast; ++r) {
    st.fast = p.requant.multiplier[r] >= 0 && p.requant.shift[r] <= -1 && p.requant.shift[r] >= -22;
  }
  g.twice = st.fast;
  st.zo = p.output_zero_point;
  st.lo = p.act_min;
  st.hi = p.act_max;
  st.lo2 = static_cast<int32_t>((static_cast<uint32_t>(p.act_min) & 0xFFFFu) * 0x10001u);
  st.hi2 = static_cast<int32_t>((static_cast<uint32_t>(p.act_max) & 0xFFFFu) * 0x10001u);
  st.out_c = out_c;
  job.weights = weights;
  job.bias = bias;
  job.output = output;
  job.pixels = output_dims.n * output_dims.h * output_dims.w;
  if (!st.fast) {
    Run<kExact>(job);
  } else if (kSmall || p.act_max < 127) {
    Run<kClampBoth>(job);  // with the full range the clamps are no-ops
  } else if (p.act_min > -128) {
    Run<kClampLow>(job);
  } else {
    Run<kClampNone>(job);
  }
}

void ConvDsp(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
             const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
             const Dims4& output_dims, int8_t* output) {
  if (ConvDspApplies(p, input_dims, weights_dims, output_dims)) {
    ConvDspRun(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
  } else {
    ref::Conv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
  }
}

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_DSP
