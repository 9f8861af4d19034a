// Armv8.0 NEON depthwise conv (depth_multiplier 1), also the dot-product path's (SDOT has no
// depthwise form). Per output pixel, 16 channels at a time: SMULL/SMULL2 of the raw int8 bytes
// (each product fits int16 exactly), SADDW/SADDW2 into int32. Taps in the padding read a row
// of zi, so every pixel sums all taps and the -zi * sum(w) term is one per-channel constant,
// folded into the block's offsets. Stack: < 5 KB (block params 2 KB, channel-tail copies 2 KB).
#include <arm_neon.h>

#include "kernels/aarch64/internal.h"
#include "kernels/aarch64/requant.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {
namespace {

constexpr int32_t kMaxTaps = 64;

// Raw sums (no bias) of channels [j, j + 16) over nt taps.
inline void Dw16(const int8_t* const* xs, const int8_t* const* ws, int32_t nt, int32_t j,
                 int32x4_t (&s)[4]) {
  s[0] = s[1] = s[2] = s[3] = vdupq_n_s32(0);
  for (int32_t t = 0; t < nt; ++t) {
    const int8x16_t x = vld1q_s8(xs[t] + j), w = vld1q_s8(ws[t] + j);
    const int16x8_t lo = vmull_s8(vget_low_s8(x), vget_low_s8(w));
    const int16x8_t hi = vmull_high_s8(x, w);
    s[0] = vaddw_s16(s[0], vget_low_s16(lo));
    s[1] = vaddw_high_s16(s[1], lo);
    s[2] = vaddw_s16(s[2], vget_low_s16(hi));
    s[3] = vaddw_high_s16(s[3], hi);
  }
}

// Requantizes 16 channel sums starting at block channel j and stores the first n (<= 16).
inline void Store16(const int32x4_t (&s)[4], const BlockParams& bp, int32_t j,
                    const OutputStage& os, int8_t* out, int32_t n) {
  const int32x4_t zero = vdupq_n_s32(0);
  int32x4_t r[4];
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) r[q] = Requant4(s[q], bp, j + 4 * q, zero, os);
  const int16x8_t h0 = vcombine_s16(vmovn_s32(r[0]), vmovn_s32(r[1]));
  const int16x8_t h1 = vcombine_s16(vmovn_s32(r[2]), vmovn_s32(r[3]));
  const int8x16_t b = vcombine_s8(vmovn_s16(h0), vmovn_s16(h1));
  if (n >= 16) {
    vst1q_s8(out, b);
    return;
  }
  alignas(16) int8_t t[16];
  vst1q_s8(t, b);
  for (int32_t i = 0; i < n; ++i) out[i] = t[i];
}

}  // namespace

namespace neon {

bool DepthwiseConv2D(const ConvParams& p, const Dims4& in, const int8_t* input,
                     const Dims4& w, const int8_t* weights, const int32_t* bias,
                     const Dims4& out, int8_t* output) {
  if (p.depth_multiplier != 1 || in.c != out.c || w.c != out.c) return false;
  const int32_t taps = w.h * w.w;
  if (taps <= 0 || taps > kMaxTaps) return false;
  if (p.input_zero_point < -128 || p.input_zero_point > 127) return false;
  const int32_t C = out.c;
  const int32_t zi = p.input_zero_point;
  const OutputStage os = MakeOutputStage(p.output_zero_point, p.act_min, p.act_max);
  alignas(16) int8_t zrow[kNB];
  FillBytes(zrow, static_cast<int8_t>(zi), kNB);
  // Offset of each tap from the receptive field's top-left corner (bytes).
  int64_t toff[kMaxTaps];
  for (int32_t ky = 0; ky < w.h; ++ky)
    for (int32_t kx = 0; kx < w.w; ++kx)
      toff[ky * w.w + kx] = (static_cast<int64_t>(ky) * p.dilation_h * in.w + kx * p.dilation_w) * C;
  const int8_t* xs[kMaxTaps];
  const int8_t* ws[kMaxTaps];
  alignas(16) int8_t tx[kMaxTaps][16];
  alignas(16) int8_t tw[kMaxTaps][16];
  const int8_t* txp[kMaxTaps];
  const int8_t* twp[kMaxTaps];
  for (int32_t t = 0; t < taps; ++t) txp[t] = tx[t], twp[t] = tw[t];
  const int32_t span_h = (w.h - 1) * p.dilation_h, span_w = (w.w - 1) * p.dilation_w;
  BlockParams bp;

  for (int32_t c0 = 0; c0 < C; c0 += kNB) {
    const int32_t nb = C - c0 < kNB ? C - c0 : kNB;
    FillBlockParams(p.requant, bias, c0, nb, &bp);
    for (int32_t t = 0; t < taps; ++t) ws[t] = weights + static_cast<int64_t>(t) * C + c0;
    for (int32_t j = 0; j < nb; ++j) {
      int32_t s = 0;
      for (int32_t t = 0; t < taps; ++t) s = WrapAdd(s, ws[t][j]);
      bp.col_off[j] = WrapAdd(bp.col_off[j], WrapMul(-zi, s));
    }
    const int32_t tail = nb & 15, body = nb - tail;
    if (tail > 0) {  // weights of the last channels, padded with 0 (adds nothing)
      for (int32_t t = 0; t < taps; ++t) {
        CopyBytes(tw[t], ws[t] + body, tail);
        FillBytes(tw[t] + tail, 0, 16 - tail);
      }
    }
    for (int32_t n = 0; n < out.n; ++n) {
      const int8_t* in_n = input + static_cast<int64_t>(n) * in.h * in.w * C;
      for (int32_t oy = 0; oy < out.h; ++oy) {
        const int32_t iy0 = oy * p.stride_h - p.pad_top;
        for (int32_t ox = 0; ox < out.w; ++ox) {
          const int32_t ix0 = ox * p.stride_w - p.pad_left;
          const int64_t base = (static_cast<int64_t>(iy0) * in.w + ix0) * C + c0;
          if (iy0 >= 0 && iy0 + span_h < in.h && ix0 >= 0 && ix0 + span_w < in.w) {
            for (int32_t t = 0; t < taps; ++t) xs[t] = in_n + base + toff[t];
          } else {
            for (int32_t ky = 0; ky < w.h; ++ky) {
              const int32_t iy = iy0 + ky * p.dilation_h;
              for (int32_t kx = 0; kx < w.w; ++kx) {
                const int32_t ix = ix0 + kx * p.dilation_w;
                const bool inside = iy >= 0 && iy < in.h && ix >= 0 && ix < in.w;
                xs[ky * w.w + kx] = inside ? in_n + base + toff[ky * w.w + kx] : zrow;
              }
            }
          }
          int8_t* o = output + ((static_cast<int64_t>(n) * out.h + oy) * out.w + ox) * C + c0;
          int32x4_t s[4];
          for (int32_t j = 0; j < body; j += 16) {
            Dw16(xs, ws, taps, j, s);
            Store16(s, bp, j, os, o + j, 16);
          }
          if (tail > 0) {
            for (int32_t t = 0; t < taps; ++t) {
              CopyBytes(tx[t], xs[t] + body, tail);
              FillBytes(tx[t] + tail, 0, 16 - tail);
            }
            Dw16(txp, twp, taps, 0, s);
            Store16(s, bp, body, os, o + body, tail);
          }
        }
      }
    }
  }
  return true;
}

}  // namespace neon
}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer
