// AVX-512 VNNI depthwise conv (depth multiplier 1), compiled with the AVX-512 flags. One output
// pixel and 32 channels per step: the 32 input bytes of a tap are sign-extended to int16 and
// vpdpwssd multiplies them by that tap's weights twice, once with the odd lanes zeroed and once
// with the even ones, so each int32 lane sums a single channel (even channels in one
// accumulator, odd in the other) with no widening of products. The input zero point is folded
// into the accumulator's start value, bias - zi * sum(w); taps in the padding read a buffer
// filled with zi, which the fold cancels exactly, as the reference skips them. All int32 sums
// wrap mod 2^32, so the result equals the reference's in-range int32 accumulator.
#include <cstdint>

#include "kernels/x86/avx512.h"
#include "kernels/x86/requant_avx512.h"

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
  RequantLanes<16> rq[2];
};

void FillBlock(const ConvParams& p, const int8_t* weights, const int32_t* bias, int32_t taps,
               int32_t C, int32_t c0, int32_t nb, Block* b) {
  for (int32_t t = 0; t < taps; ++t)
    for (int32_t j = 0; j < kLanes; ++j) {
      const int16_t v = j < nb ? weights[t * C + c0 + j] : 0;
      b->w[t][0][j] = j % 2 == 0 ? v : 0;
      b->w[t][1][j] = j % 2 == 1 ? v : 0;
    }
  b->rq[0] = RequantLanes<16>();
  b->rq[1] = RequantLanes<16>();
  for (int32_t j = 0; j < kLanes; ++j) {
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
    b->start[j % 2][j / 2] = start;
    b->rq[j % 2].Set(j / 2, mult, shift);
  }
  b->rq[0].Finish();
  b->rq[1].Finish();
}

inline __m512i Load(const int32_t* p) { return _mm512_load_si512(p); }

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
    const __m512i r0 = Requant16(b.rq[0], 0, acc[i][0], k.lo, k.hi, k.zo);
    const __m512i r1 = Requant16(b.rq[1], 0, acc[i][1], k.lo, k.hi, k.zo);
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
  if (!RequantShiftsOk(p.requant)) return false;
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
