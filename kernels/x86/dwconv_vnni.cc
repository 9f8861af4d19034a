// AVX-512 VNNI depthwise conv (depth multiplier 1), compiled with the AVX-512 flags. One output
// pixel and 32 channels per step: the 32 input bytes of a tap are sign-extended to int16 and
// vpdpwssd multiplies them by that tap's weights twice, once with the odd lanes zeroed and once
// with the even ones, so each int32 lane sums a single channel (even channels in one
// accumulator, odd in the other) with no widening of products. The input zero point is folded
// into the accumulator's start value, bias - zi * sum(w); taps in the padding read a buffer
// filled with zi, which the fold cancels exactly, as the reference skips them. All int32 sums
// wrap mod 2^32, so the result equals the reference's in-range int32 accumulator.
// GCC 12 flags its own _mm512_undefined_epi32() (self-initialized) inside AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/internal.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

constexpr int32_t kLanes = 32;      // channels per block
constexpr int32_t kMaxTaps = 64;    // kh * kw handled here (stack: 8 KB of weights)

// Per-block constants, split into even (index 0) and odd (index 1) channels.
struct Block {
  alignas(64) int16_t w[kMaxTaps][2][kLanes];  // tap weights, the other parity's lanes zero
  alignas(64) int32_t start[2][16];            // bias - zi * sum over taps of w
  // Requantization: multiplier (and its copy shifted into the even lanes' place for the odd
  // products), left shift, right shift with its remainder mask and half-mask.
  alignas(64) int32_t mult[2][16], mult_hi[2][16], lsh[2][16], rsh[2][16], rmask[2][16],
      rhalf[2][16];
  bool any_lsh, any_sat;  // some left shift > 0; some multiplier INT32_MIN (may saturate)
};

inline __m512i Load(const int32_t* p) { return _mm512_load_si512(p); }

// MultiplyByQuantizedMultiplier, + zero point, clamp, on 16 lanes: the arithmetic of
// kernels/fixedpoint.h. SaturatingRoundingDoublingHighMul as (x * m + 2^30) >> 31 (equal to
// gemmlowp's truncating division for both signs), then RoundingDivideByPOT (ties away from 0).
inline __m512i Requant16(const Block& b, int par, __m512i x, __m512i lo, __m512i hi, __m512i zo) {
  if (b.any_lsh) x = _mm512_sllv_epi32(x, Load(b.lsh[par]));
  const __m512i mult = Load(b.mult[par]);
  const __m512i nudge = _mm512_set1_epi64(1LL << 30);
  const __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(x, mult), nudge);
  const __m512i po = _mm512_add_epi64(
      _mm512_mul_epi32(_mm512_srli_epi64(x, 32), Load(b.mult_hi[par])), nudge);
  __m512i r = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
  if (b.any_sat) {
    const __m512i imin = _mm512_set1_epi32(INT32_MIN);
    const __mmask16 sat = _mm512_cmpeq_epi32_mask(x, imin) & _mm512_cmpeq_epi32_mask(mult, imin);
    r = _mm512_mask_mov_epi32(r, sat, _mm512_set1_epi32(INT32_MAX));
  }
  const __m512i rem = _mm512_and_si512(r, Load(b.rmask[par]));
  const __m512i thr = _mm512_add_epi32(Load(b.rhalf[par]), _mm512_srli_epi32(r, 31));
  __m512i q = _mm512_srav_epi32(r, Load(b.rsh[par]));
  q = _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, thr), q, _mm512_set1_epi32(1));
  q = _mm512_min_epi32(_mm512_max_epi32(q, lo), hi);
  return _mm512_add_epi32(q, zo);
}

void FillBlock(const ConvParams& p, const int8_t* weights, const int32_t* bias, int32_t taps,
               int32_t C, int32_t c0, int32_t nb, Block* b) {
  for (int32_t t = 0; t < taps; ++t)
    for (int32_t j = 0; j < kLanes; ++j) {
      const int16_t v = j < nb ? weights[t * C + c0 + j] : 0;
      b->w[t][0][j] = j % 2 == 0 ? v : 0;
      b->w[t][1][j] = j % 2 == 1 ? v : 0;
    }
  b->any_lsh = b->any_sat = false;
  for (int32_t j = 0; j < kLanes; ++j) {
    const int32_t par = j % 2, lane = j / 2;
    int32_t start = 0, mult = 0, shift = 0;
    if (j < nb) {
      uint32_t s = bias != nullptr ? static_cast<uint32_t>(bias[c0 + j]) : 0u;
      for (int32_t t = 0; t < taps; ++t)
        s -= static_cast<uint32_t>(p.input_zero_point) * static_cast<uint32_t>(weights[t * C + c0 + j]);
      start = static_cast<int32_t>(s);
      const int32_t r = p.requant.count == 1 ? 0 : c0 + j;
      mult = p.requant.multiplier[r];
      shift = p.requant.shift[r];
    }
    const int32_t right = shift > 0 ? 0 : -shift;
    const uint32_t mask = (1u << right) - 1u;  // right <= 31
    b->start[par][lane] = start;
    b->mult[par][lane] = mult;
    b->mult_hi[par][lane] = mult;  // read by vpmuldq from the odd lane's low half (see below)
    b->lsh[par][lane] = shift > 0 ? shift : 0;
    b->rsh[par][lane] = right;
    b->rmask[par][lane] = static_cast<int32_t>(mask);
    b->rhalf[par][lane] = static_cast<int32_t>(mask >> 1);
    b->any_lsh = b->any_lsh || shift > 0;
    b->any_sat = b->any_sat || mult == INT32_MIN;
  }
  // vpmuldq reads the low half of each 64-bit lane: move the odd lanes' multipliers there.
  for (int par = 0; par < 2; ++par)
    for (int32_t lane = 0; lane < 16; lane += 2) b->mult_hi[par][lane] = b->mult[par][lane + 1];
}

struct Consts {
  __m512i zo, lo, hi;
  __mmask32 m;  // channels of the block
};

// P output pixels whose taps are given as P base pointers plus per-tap offsets (interior) or
// P * taps pointers (off == nullptr). P independent accumulator pairs hide vpdpwssd latency.
template <int P>
inline void Pixels(const Block& b, const Consts& k, int32_t taps, const int8_t* const* base,
                   const int64_t* off, int8_t* const* out) {
  __m512i acc[P][2];
  for (int i = 0; i < P; ++i) acc[i][0] = Load(b.start[0]), acc[i][1] = Load(b.start[1]);
  for (int32_t t = 0; t < taps; ++t) {
    const __m512i w0 = _mm512_load_si512(b.w[t][0]), w1 = _mm512_load_si512(b.w[t][1]);
    for (int i = 0; i < P; ++i) {
      const int8_t* src = off != nullptr ? base[i] + off[t] : base[i * taps + t];
      const __m512i x = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(k.m, src));
      acc[i][0] = _mm512_dpwssd_epi32(acc[i][0], x, w0);
      acc[i][1] = _mm512_dpwssd_epi32(acc[i][1], x, w1);
    }
  }
  for (int i = 0; i < P; ++i) {
    const __m512i r0 = Requant16(b, 0, acc[i][0], k.lo, k.hi, k.zo);
    const __m512i r1 = Requant16(b, 1, acc[i][1], k.lo, k.hi, k.zo);
    // Back to channel order: even and odd channels' bytes interleaved.
    const __m128i e = _mm512_cvtepi32_epi8(r0), d = _mm512_cvtepi32_epi8(r1);
    _mm256_mask_storeu_epi8(out[i], k.m, _mm256_set_m128i(_mm_unpackhi_epi8(e, d), _mm_unpacklo_epi8(e, d)));
  }
}

}  // namespace

namespace vnni {

bool DepthwiseConv2DDirect(const ConvParams& p, const Dims4& in, const int8_t* input,
                           const Dims4& wd, const int8_t* weights, const int32_t* bias,
                           const Dims4& out, int8_t* output) {
  if (p.depth_multiplier != 1 || in.c != out.c || wd.c != out.c || in.n != out.n) return false;
  const int32_t taps = wd.h * wd.w;
  if (taps <= 0 || taps > kMaxTaps) return false;
  if (p.input_zero_point < -128 || p.input_zero_point > 127) return false;
  for (int32_t i = 0; i < p.requant.count; ++i)
    if (p.requant.shift[i] < -31 || p.requant.shift[i] > 31) return false;
  const int32_t C = out.c;
  alignas(64) int8_t zbuf[kLanes];
  for (int32_t j = 0; j < kLanes; ++j) zbuf[j] = static_cast<int8_t>(p.input_zero_point);
  Consts k;
  k.zo = _mm512_set1_epi32(p.output_zero_point);
  k.lo = _mm512_set1_epi32(p.act_min - p.output_zero_point);
  k.hi = _mm512_set1_epi32(p.act_max - p.output_zero_point);
  const int64_t row = static_cast<int64_t>(in.w) * C;
  const int32_t span_h = (wd.h - 1) * p.dilation_h, span_w = (wd.w - 1) * p.dilation_w;
  int64_t off[kMaxTaps];  // tap offsets from the window's top-left input byte
  for (int32_t ky = 0; ky < wd.h; ++ky)
    for (int32_t kx = 0; kx < wd.w; ++kx)
      off[ky * wd.w + kx] = ky * p.dilation_h * row + static_cast<int64_t>(kx) * p.dilation_w * C;
  Block b;
  const int8_t* xs[kMaxTaps];
  for (int32_t c0 = 0; c0 < C; c0 += kLanes) {
    const int32_t nb = C - c0 < kLanes ? C - c0 : kLanes;
    k.m = nb == kLanes ? 0xFFFFFFFFu : (1u << nb) - 1u;
    FillBlock(p, weights, bias, taps, C, c0, nb, &b);
    for (int32_t n = 0; n < out.n; ++n) {
      const int8_t* in_n = input + static_cast<int64_t>(n) * in.h * row + c0;
      for (int32_t oy = 0; oy < out.h; ++oy) {
        const int32_t iy0 = oy * p.stride_h - p.pad_top;
        const bool rows_in = iy0 >= 0 && iy0 + span_h < in.h;
        int8_t* o_row = output + (static_cast<int64_t>(n) * out.h + oy) * out.w * C + c0;
        // Runs of 8 or 4 pixels whose windows are entirely inside the input, else one by one.
        auto inside = [&](int32_t ox, int32_t count) {
          const int32_t first = ox * p.stride_w - p.pad_left;
          const int32_t last = (ox + count - 1) * p.stride_w - p.pad_left + span_w;
          return rows_in && ox + count <= out.w && first >= 0 && last < in.w;
        };
        for (int32_t ox = 0; ox < out.w;) {
          const int8_t* base[8];
          int8_t* outs[8];
          const int32_t count = inside(ox, 8) ? 8 : inside(ox, 4) ? 4 : 1;
          for (int32_t i = 0; i < count; ++i) {
            base[i] = in_n + iy0 * row + static_cast<int64_t>((ox + i) * p.stride_w - p.pad_left) * C;
            outs[i] = o_row + static_cast<int64_t>(ox + i) * C;
          }
          if (count == 8) {
            Pixels<8>(b, k, taps, base, off, outs);
          } else if (count == 4) {
            Pixels<4>(b, k, taps, base, off, outs);
          } else {
            const int32_t ix0 = ox * p.stride_w - p.pad_left;
            for (int32_t ky = 0, t = 0; ky < wd.h; ++ky) {
              const int32_t iy = iy0 + ky * p.dilation_h;
              const bool y_in = iy >= 0 && iy < in.h;
              for (int32_t kx = 0; kx < wd.w; ++kx, ++t) {
                const int32_t ix = ix0 + kx * p.dilation_w;
                xs[t] = y_in && ix >= 0 && ix < in.w ? in_n + iy * row + static_cast<int64_t>(ix) * C
                                                     : zbuf;
              }
            }
            Pixels<1>(b, k, taps, xs, nullptr, outs);
          }
          ox += count;
        }
      }
    }
  }
  return true;
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
