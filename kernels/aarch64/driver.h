// The GEMM loop nest shared by gemm_neon.cc and gemm_dotprod.cc; included only by those
// files, so each instance is compiled with that file's -march flags and has internal linkage.
//
// Conv2D and FullyConnected are one problem: for each output pixel m (a GEMM row) and output
// channel n, acc[m][n] = bias[n] + sum_k (w[n][k] - zw) * (a[m][k] - zi), weights being
// [N][K] rows (K = kh * kw * channels per group). A row is read in place when it is contiguous
// (fully connected, 1x1 conv without padding); otherwise kMR rows are gathered (im2col) into a
// stack buffer, padding taps holding zi so they add exactly 0, as in the reference kernel.
// The micro-kernel reads K in steps of kKC bytes; the last partial step reads per-row and
// per-channel copies padded with K::PadA / K::PadW, values that add 0 on that path.
// A traits class K supplies kNeedWsum/kNeedRowSum (raw = sum w * a: the driver then adds
// -zi * sum(w) + K * zi * zw per channel and -zw * sum(a) per row), PadA, PadW, and Micro().
// All int32 sums wrap exactly like the reference's int32 accumulator would (mod 2^32).
// Stack use of RunGemm: < 24 KB (im2col 16.4 KB, raw sums 2 KB, block params 2 KB, weight
// tails 2 KB).
#ifndef QINFER_KERNELS_AARCH64_DRIVER_H_
#define QINFER_KERNELS_AARCH64_DRIVER_H_

#include <arm_neon.h>

#include <cstdint>

#include "kernels/aarch64/requant.h"
#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {
namespace {

constexpr int32_t kMR = 4;           // GEMM rows per block
constexpr int32_t kNR = 4;           // output channels per micro-kernel call
constexpr int32_t kKC = 16;          // bytes of K per micro-kernel step
constexpr int32_t kMaxPackK = 4096;  // deepest receptive field the im2col path gathers

struct Geometry {
  int32_t batches, in_h, in_w, in_c;
  int32_t kh, kw, cg;
  int32_t out_h, out_w, out_c;
  int32_t groups;
  int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
  int32_t zi, zw, zo, act_min, act_max;
  Requant requant;
};

inline Geometry ConvGeometry(const ConvParams& p, const Dims4& in, const Dims4& w,
                             const Dims4& out) {
  return Geometry{out.n, in.h, in.w, in.c, w.h, w.w, w.c, out.h, out.w, out.c, p.groups,
                  p.stride_h, p.stride_w, p.dilation_h, p.dilation_w, p.pad_top, p.pad_left,
                  p.input_zero_point, 0, p.output_zero_point, p.act_min, p.act_max, p.requant};
}

// A [batches, in] x [out, in]^T product is a 1x1 conv over a 1 x batches image.
inline Geometry FcGeometry(const FullyConnectedParams& p, int32_t batches, int32_t in_f,
                           int32_t out_f) {
  return Geometry{1, 1, batches, in_f, 1, 1, in_f, 1, batches, out_f, 1, 1, 1, 1, 1, 0, 0,
                  p.input_zero_point, p.weights_zero_point, p.output_zero_point, p.act_min,
                  p.act_max, p.requant};
}

// One row of the im2col matrix: the receptive field of output pixel (oy, ox), group ic0.
inline void GatherRow(const Geometry& g, const int8_t* in_n, int32_t oy, int32_t ox,
                      int32_t ic0, int8_t* dst) {
  const int32_t iy0 = oy * g.stride_h - g.pad_top, ix0 = ox * g.stride_w - g.pad_left;
  const int8_t zi = static_cast<int8_t>(g.zi);
  const bool row_copy = g.groups == 1 && g.dil_w == 1 && ix0 >= 0 && ix0 + g.kw <= g.in_w;
  for (int32_t ky = 0; ky < g.kh; ++ky) {
    const int32_t iy = iy0 + ky * g.dil_h;
    if (iy < 0 || iy >= g.in_h) {
      FillBytes(dst, zi, g.kw * g.cg);
    } else if (row_copy) {  // the whole filter row is inside: one contiguous copy
      CopyBytes(dst, in_n + (static_cast<int64_t>(iy) * g.in_w + ix0) * g.in_c, g.kw * g.cg);
    } else {
      for (int32_t kx = 0; kx < g.kw; ++kx) {
        const int32_t ix = ix0 + kx * g.dil_w;
        if (ix < 0 || ix >= g.in_w) {
          FillBytes(dst + kx * g.cg, zi, g.cg);
        } else {
          CopyBytes(dst + kx * g.cg, in_n + (static_cast<int64_t>(iy) * g.in_w + ix) * g.in_c + ic0,
                    g.cg);
        }
      }
    }
    dst += g.kw * g.cg;
  }
}

template <class K, bool W>
inline void CallMicro(int32_t mr, const int8_t* const* a, const int8_t* const* at,
                      const int8_t* const* b, const int8_t* const* bt, int32_t full, bool tail,
                      const Geometry& g, int32_t* out, int32_t* wsum) {
  switch (mr) {
    case 1: K::template Micro<1, W>(a, at, b, bt, full, tail, g.zi, g.zw, out, kNB, wsum); break;
    case 2: K::template Micro<2, W>(a, at, b, bt, full, tail, g.zi, g.zw, out, kNB, wsum); break;
    case 3: K::template Micro<3, W>(a, at, b, bt, full, tail, g.zi, g.zw, out, kNB, wsum); break;
    default: K::template Micro<4, W>(a, at, b, bt, full, tail, g.zi, g.zw, out, kNB, wsum); break;
  }
}

template <class K>
bool RunGemm(const Geometry& g, const int8_t* input, const int8_t* weights, const int32_t* bias,
             int8_t* output) {
  const int32_t taps = g.kh * g.kw;
  if (g.groups <= 0 || g.out_c % g.groups != 0 || g.in_c != g.cg * g.groups) return false;
  if (taps <= 0 || g.cg <= 0) return false;
  if (g.zi < -128 || g.zi > 127 || g.zw < -128 || g.zw > 127) return false;
  const bool padded = g.pad_top > 0 || g.pad_left > 0 ||
                      (g.out_h - 1) * g.stride_h + (g.kh - 1) * g.dil_h - g.pad_top >= g.in_h ||
                      (g.out_w - 1) * g.stride_w + (g.kw - 1) * g.dil_w - g.pad_left >= g.in_w;
  const bool direct = taps == 1 && !padded;  // rows read in place
  const int32_t ktot = taps * g.cg;
  if (!direct && ktot > kMaxPackK) return false;
  const int32_t ocg = g.out_c / g.groups;
  const int32_t pixels = g.out_h * g.out_w;
  const int32_t full = ktot & ~(kKC - 1), tail = ktot - full;
  const int8_t pad_a = K::PadA(g.zi), pad_w = K::PadW(g.zw);
  const int32_t kzz = WrapMul(ktot, WrapMul(g.zi, g.zw));
  const OutputStage os = MakeOutputStage(g.zo, g.act_min, g.act_max);

  alignas(16) int8_t apack[kMR][kMaxPackK + kKC];
  alignas(16) int8_t atail[kMR][kKC];
  alignas(16) int8_t wtail[kNB][kKC];
  alignas(16) int32_t raw[kMR][kNB];
  alignas(16) int32_t wsum[kNB];
  BlockParams bp;
  for (int32_t n = 0; n < g.batches; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * g.in_h * g.in_w * g.in_c;
    for (int32_t grp = 0; grp < g.groups; ++grp) {
      const int32_t ic0 = grp * g.cg;
      for (int32_t n0 = 0; n0 < ocg; n0 += kNB) {
        const int32_t nb = ocg - n0 < kNB ? ocg - n0 : kNB;
        const int32_t c0 = grp * ocg + n0;  // first output channel of the block
        const int8_t* w0 = weights + static_cast<int64_t>(c0) * ktot;
        FillBlockParams(g.requant, bias, c0, nb, &bp);
        if (tail > 0) {
          for (int32_t j = 0; j < nb; ++j) {
            CopyBytes(wtail[j], w0 + static_cast<int64_t>(j) * ktot + full, tail);
            FillBytes(wtail[j] + tail, pad_w, kKC - tail);
          }
        }
        for (int32_t m0 = 0; m0 < pixels; m0 += kMR) {
          const int32_t mr = pixels - m0 < kMR ? pixels - m0 : kMR;
          const int8_t* arow[kMR];
          const int8_t* atl[kMR];
          int32_t row_off[kMR] = {0, 0, 0, 0};
          for (int32_t i = 0; i < mr; ++i) {
            const int32_t oy = (m0 + i) / g.out_w, ox = (m0 + i) % g.out_w;
            if (direct) {
              arow[i] = in_n +
                        (static_cast<int64_t>(oy) * g.stride_h * g.in_w + ox * g.stride_w) * g.in_c +
                        ic0;
              CopyBytes(atail[i], arow[i] + full, tail);
              FillBytes(atail[i] + tail, pad_a, kKC - tail);
              atl[i] = atail[i];
            } else {
              GatherRow(g, in_n, oy, ox, ic0, apack[i]);
              FillBytes(apack[i] + ktot, pad_a, kKC - tail);
              arow[i] = apack[i];
              atl[i] = apack[i] + full;
            }
            if (K::kNeedRowSum && g.zw != 0) {
              int32_t s = 0;
              for (int32_t k = 0; k < ktot; ++k) s = WrapAdd(s, arow[i][k]);
              row_off[i] = WrapMul(-g.zw, s);
            }
          }
          for (int32_t j0 = 0; j0 < nb; j0 += kNR) {
            const int8_t* b[kNR];
            const int8_t* bt[kNR];
            for (int32_t j = 0; j < kNR; ++j) {
              const int32_t c = j0 + j < nb ? j0 + j : nb - 1;
              b[j] = w0 + static_cast<int64_t>(c) * ktot;
              bt[j] = wtail[c];
            }
            // The first row block also sums the weights (the -zi * sum(w) term).
            if (K::kNeedWsum && m0 == 0) {
              CallMicro<K, true>(mr, arow, atl, b, bt, full, tail > 0, g, &raw[0][j0], wsum + j0);
            } else {
              CallMicro<K, false>(mr, arow, atl, b, bt, full, tail > 0, g, &raw[0][j0], nullptr);
            }
          }
          if (K::kNeedWsum && m0 == 0) {
            for (int32_t j = 0; j < nb; ++j)
              bp.col_off[j] = WrapAdd(bp.col_off[j], WrapAdd(WrapMul(-g.zi, wsum[j]), kzz));
          }
          for (int32_t i = 0; i < mr; ++i) {
            int8_t* out = output + (static_cast<int64_t>(n) * pixels + m0 + i) * g.out_c + c0;
            const int32x4_t roff = vdupq_n_s32(row_off[i]);
            for (int32_t j = 0; j < nb; j += 4) {
              Store4(out + j, Requant4(vld1q_s32(raw[i] + j), bp, j, roff, os), nb - j);
            }
          }
        }
      }
    }
  }
  return true;
}

}  // namespace
}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_AARCH64_DRIVER_H_
