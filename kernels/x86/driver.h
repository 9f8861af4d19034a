// ISA-independent loop nest shared by gemm_avx2.cc and gemm_vnni.cc; included only by those
// files, so each instance is compiled with that file's -m flags and has internal linkage
// (anonymous namespace): no AVX-512 code can leak into another translation unit via ODR.
//
// Conv2D and FullyConnected are one problem: for each output pixel m and output channel n,
//   acc[m][n] = bias[n] + sum_s sum_k (w[n][s*L + k] - zw) * (a[m][s][k] - zi)
// where a[m][s] points at segment s of the receptive field of pixel m (one filter tap of cg
// channels, or one filter row of kw*cg contiguous bytes when all taps of the row are inside
// the input), and weights are [N][K] rows (K = segments * L). Taps in the padding point at a
// buffer filled with zi, so they add exactly 0, as in the reference kernel. FullyConnected is
// a 1x1 conv over a [1, 1, batches, in] input with a weights zero point.
//
// A traits class K supplies:
//   kMR, kNR, kNeedWsum (raw = sum w * (a + 128): the caller folds -(128 + zi) * sum(w) and
//   -zw * sum(a - zi) into the offsets), Micro(), WSum(), Epilogue().
// VNNI, AVX2 and SSE4.1 also have a broadcast path (kBroadcast) for K <= K::kBcastMaxK and at
// least K::kBcastMinRows rows (its per-call weight packing must pay off):
// the channel block's weights are packed on the stack (VNNI [K/4][64][4] bytes, AVX2/SSE4.1
// [K/2][64][2] int16) and each row's 4 (2) activations are broadcast, so accumulators need
// no horizontal reduction. Both take activations as a + 128 and fold -(128 + zi) * sum(w).
// All int32 sums wrap exactly like the reference's int32 accumulator would (mod 2^32).
// Stack use of RunConv: < 100 KB (wpack kBcastK * kNB = 72 KB, VNNI row copies 7.3 KB,
// pointers 8 KB, zi buffer 4 KB, rest < 8 KB).
#ifndef QINFER_KERNELS_X86_DRIVER_H_
#define QINFER_KERNELS_X86_DRIVER_H_

#include <cstdint>

#include "kernels/types.h"
#include "kernels/x86/requant_lanes.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

constexpr int32_t kMaxSegments = 128;  // kh * kw in per-tap mode
constexpr int32_t kZeroBuf = 4096;     // max bytes of one segment
constexpr int32_t kNB = 64;            // output channels per block
constexpr int32_t kBcastK = 1152;      // max K of the broadcast path (3x3 x 128 channels)
constexpr int32_t kMaxRows = 8;        // max rows per block of any traits class

inline int32_t WrapAdd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t WrapMul(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}

struct Geometry {
  int32_t batches, in_h, in_w, in_c;
  int32_t kh, kw, cg;
  int32_t out_h, out_w, out_c;
  int32_t groups;
  int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
  int32_t zi, zw, zo, act_min, act_max;
  Requant requant;
};

// Per-block bias and requantization constants, padded to kNB + 16 lanes so the epilogues
// read whole vectors.
struct BlockParams {
  alignas(64) int32_t col_off[kNB + 16];
  RequantLanes<kNB + 16> rq;
};

// Per-tensor parameters are the same for every block: callers fill them for the first only.
inline void FillRequant(const Requant& rq, int32_t c0, int32_t nb, BlockParams* bp) {
  bp->rq.Fill(rq, c0, nb);
}

// col_off[j] = bias[c0 + j] (0 without bias) for j < nb, 0 past the block up to the next
// multiple of 16 (what the epilogues read).
QINFER_X86_PLAIN_LOOPS inline void FillBias(const int32_t* bias, int32_t c0, int32_t nb, BlockParams* bp) {
  const int32_t n16 = (nb + 15) / 16 * 16;
  int32_t j = 0;
  if (bias != nullptr) {
    for (; j < nb; ++j) bp->col_off[j] = bias[c0 + j];
  }
  for (; j < n16; ++j) bp->col_off[j] = 0;
}

template <class K, int MR, bool W>
inline void CallMicro(int32_t mr, const int8_t* const* a, int32_t nseg, int32_t seglen,
                      const int8_t* const* b, const Geometry& g, int32_t* out, int32_t* ws) {
  constexpr int32_t ld = kNB + 16;
  switch (mr) {
    case 1: K::template Micro<1, W>(a, nseg, seglen, b, g.zi, g.zw, out, ld, ws); break;
    case 2: K::template Micro<2, W>(a, nseg, seglen, b, g.zi, g.zw, out, ld, ws); break;
    case 3: K::template Micro<3, W>(a, nseg, seglen, b, g.zi, g.zw, out, ld, ws); break;
    default: K::template Micro<MR, W>(a, nseg, seglen, b, g.zi, g.zw, out, ld, ws); break;
  }
}

template <class K>
bool RunConv(const Geometry& g, const int8_t* input, const int8_t* weights, const int32_t* bias,
             int8_t* output) {
  constexpr int32_t MR = K::kMR, NR = K::kNR;
  const int32_t taps = g.kh * g.kw;
  if (g.groups <= 0 || g.out_c % g.groups != 0 || g.in_c != g.cg * g.groups) return false;
  if (taps <= 0 || taps > kMaxSegments || g.cg <= 0) return false;
  if (g.zi < -128 || g.zi > 127 || g.zw < -128 || g.zw > 127) return false;
  // Some tap falls in the padding (then segments must fit the zi buffer).
  const bool padded = g.pad_top > 0 || g.pad_left > 0 ||
                      (g.out_h - 1) * g.stride_h + (g.kh - 1) * g.dil_h - g.pad_top >= g.in_h ||
                      (g.out_w - 1) * g.stride_w + (g.kw - 1) * g.dil_w - g.pad_left >= g.in_w;
  if (padded && g.cg > kZeroBuf) return false;
  const int32_t ocg = g.out_c / g.groups;
  const int32_t ktot = taps * g.cg;
  const bool row_ok = g.groups == 1 && g.dil_w == 1 && g.kw > 1 && g.kw * g.cg <= kZeroBuf;
  const int32_t pixels = g.out_h * g.out_w;

  alignas(64) int8_t zbuf[kZeroBuf];
  const int32_t zlen = !padded ? 0 : row_ok ? g.kw * g.cg : g.cg;
  for (int32_t i = 0; i < zlen; ++i) zbuf[i] = static_cast<int8_t>(g.zi);
  // Broadcast path (small K, enough rows): the weights of a channel block are packed on the
  // stack as [K/4][64 channels][4] and each row's 4 activations are broadcast.
  // A weights zero point leaves a per-row term that only the sum-folding kernels compute.
  const bool bcast = K::kBroadcast && ktot <= K::kBcastMaxK && pixels >= K::kBcastMinRows &&
                     (K::kNeedWsum || g.zw == 0);
  const int32_t mstep = bcast ? K::kMRB : MR;
  alignas(64) int32_t tmp[kMaxRows][kNB + 16];
  for (int32_t i = 0; i < kMaxRows; ++i)
    for (int32_t j = 0; j < kNB + 16; ++j) tmp[i][j] = 0;
  alignas(64) int8_t wpack[bcast ? kBcastK * kNB : 1];
  const int8_t* aptr[kMaxRows * kMaxSegments];
  int32_t row_off[kMaxRows];
  alignas(16) int32_t wsum[kNB + 16];
  BlockParams bp;

  for (int32_t n = 0; n < g.batches; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * g.in_h * g.in_w * g.in_c;
    for (int32_t grp = 0; grp < g.groups; ++grp) {
      const int32_t ic0 = grp * g.cg;
      for (int32_t n0 = 0; n0 < ocg; n0 += kNB) {
        const int32_t nb = ocg - n0 < kNB ? ocg - n0 : kNB;
        const int32_t c0 = grp * ocg + n0;  // first output channel of the block
        // Per-tensor parameters are the same for every block.
        if (g.requant.count != 1 || c0 == 0) FillRequant(g.requant, c0, nb, &bp);
        FillBias(bias, c0, nb, &bp);
        if constexpr (K::kBroadcast) {
          if (bcast) {
            K::PackW(weights + static_cast<int64_t>(c0) * ktot, ktot, nb, wpack, wsum);
            for (int32_t j = 0; j < nb; ++j)
              bp.col_off[j] = WrapAdd(bp.col_off[j], WrapMul(-(128 + g.zi), wsum[j]));
          }
        }
        for (int32_t m0 = 0; m0 < pixels; m0 += mstep) {
          const int32_t mr = pixels - m0 < mstep ? pixels - m0 : mstep;
          // First pixel of the block; the rows below step through pixels without dividing
          // (one division per block: per row it cost as much as small-K arithmetic).
          const int32_t oy_b = m0 / g.out_w, ox_b = m0 - oy_b * g.out_w;
          // Row mode when every pixel of the block has its whole filter row inside the input.
          bool row_mode = row_ok;
          for (int32_t i = 0, ox = ox_b; i < mr && row_mode; ++i) {
            const int32_t ix0 = ox * g.stride_w - g.pad_left;
            if (ix0 < 0 || ix0 + g.kw - 1 >= g.in_w) row_mode = false;
            if (++ox == g.out_w) ox = 0;
          }
          const int32_t nseg = row_mode ? g.kh : taps;
          const int32_t seglen = row_mode ? g.kw * g.cg : g.cg;
          for (int32_t i = 0, oy = oy_b, ox = ox_b; i < mstep; ++i) {
            // Rows past mr repeat the block's first pixel (their results are not stored).
            if (i == mr) oy = oy_b, ox = ox_b;
            const int32_t iy0 = oy * g.stride_h - g.pad_top;
            const int32_t ix0 = ox * g.stride_w - g.pad_left;
            const int8_t** a = aptr + i * nseg;
            for (int32_t ky = 0; ky < g.kh; ++ky) {
              const int32_t iy = iy0 + ky * g.dil_h;
              const bool y_in = iy >= 0 && iy < g.in_h;
              if (row_mode) {
                a[ky] = y_in ? in_n + (static_cast<int64_t>(iy) * g.in_w + ix0) * g.in_c + ic0
                             : zbuf;
                continue;
              }
              for (int32_t kx = 0; kx < g.kw; ++kx) {
                const int32_t ix = ix0 + kx * g.dil_w;
                a[ky * g.kw + kx] =
                    y_in && ix >= 0 && ix < g.in_w
                        ? in_n + (static_cast<int64_t>(iy) * g.in_w + ix) * g.in_c + ic0
                        : zbuf;
              }
            }
            if (i < mr && ++ox == g.out_w) ox = 0, ++oy;
            row_off[i] = 0;
            if (K::kNeedWsum && g.zw != 0) {
              int32_t sx = 0;
              for (int32_t s = 0; s < nseg; ++s)
                for (int32_t k = 0; k < seglen; ++k) sx = WrapAdd(sx, a[s][k] - g.zi);
              row_off[i] = WrapMul(-g.zw, sx);
            }
          }
          if constexpr (K::kBroadcast) {
            if (bcast) {
              K::Bcast(aptr, nseg, seglen, mr, ktot, wpack, nb, &tmp[0][0], kNB + 16);
              for (int32_t i = 0; i < mr; ++i) {
                int8_t* out = output + (static_cast<int64_t>(n) * pixels + m0 + i) * g.out_c + c0;
                K::Epilogue(tmp[i], nb, bp, row_off[i], g.zo, g.act_min, g.act_max, out);
              }
              continue;
            }
          }
          for (int32_t j0 = 0; j0 < nb; j0 += NR) {
            const int8_t* b[NR];
            for (int32_t j = 0; j < NR; ++j) {
              const int32_t c = j0 + j < nb ? c0 + j0 + j : c0 + nb - 1;
              b[j] = weights + static_cast<int64_t>(c) * ktot;
            }
            int32_t* o = &tmp[0][j0];
            // The first row block also sums the weights (VNNI's -(128 + zi) * sum(w) term).
            if (K::kNeedWsum && m0 == 0) {
              CallMicro<K, MR, true>(mr, aptr, nseg, seglen, b, g, o, wsum + j0);
            } else {
              CallMicro<K, MR, false>(mr, aptr, nseg, seglen, b, g, o, nullptr);
            }
          }
          if (K::kNeedWsum && m0 == 0) {
            for (int32_t j = 0; j < nb; ++j)
              bp.col_off[j] = WrapAdd(bp.col_off[j], WrapMul(-(128 + g.zi), wsum[j]));
          }
          for (int32_t i = 0; i < mr; ++i) {
            int8_t* out = output + (static_cast<int64_t>(n) * pixels + m0 + i) * g.out_c + c0;
            K::Epilogue(tmp[i], nb, bp, row_off[i], g.zo, g.act_min, g.act_max, out);
          }
        }
      }
    }
  }
  return true;
}

inline Geometry ConvGeometry(const ConvParams& p, const Dims4& in, const Dims4& w,
                             const Dims4& out) {
  Geometry g;
  g.batches = out.n;
  g.in_h = in.h, g.in_w = in.w, g.in_c = in.c;
  g.kh = w.h, g.kw = w.w, g.cg = w.c;
  g.out_h = out.h, g.out_w = out.w, g.out_c = out.c;
  g.groups = p.groups;
  g.stride_h = p.stride_h, g.stride_w = p.stride_w;
  g.dil_h = p.dilation_h, g.dil_w = p.dilation_w;
  g.pad_top = p.pad_top, g.pad_left = p.pad_left;
  g.zi = p.input_zero_point, g.zw = 0, g.zo = p.output_zero_point;
  g.act_min = p.act_min, g.act_max = p.act_max;
  g.requant = p.requant;
  return g;
}

inline Geometry FcGeometry(const FullyConnectedParams& p, int32_t batches, int32_t in_f,
                           int32_t out_f) {
  Geometry g;
  g.batches = 1;
  g.in_h = 1, g.in_w = batches, g.in_c = in_f;
  g.kh = 1, g.kw = 1, g.cg = in_f;
  g.out_h = 1, g.out_w = batches, g.out_c = out_f;
  g.groups = 1;
  g.stride_h = g.stride_w = g.dil_h = g.dil_w = 1;
  g.pad_top = g.pad_left = 0;
  g.zi = p.input_zero_point, g.zw = p.weights_zero_point, g.zo = p.output_zero_point;
  g.act_min = p.act_min, g.act_max = p.act_max;
  g.requant = p.requant;
  return g;
}

// Depthwise conv (depth_multiplier 1): K supplies kV (lanes) and DwPixel(), which writes the
// raw accumulators (bias excluded) of channels [c0, c0 + nb) of one output pixel to acc.
template <class K>
bool RunDepthwise(const ConvParams& p, const Dims4& in, const Dims4& w, const int32_t* bias,
                  const Dims4& out, const int8_t* input, const int8_t* weights,
                  int8_t* output) {
  if (p.depth_multiplier != 1 || in.c != out.c || w.c != out.c) return false;
  const int32_t taps = w.h * w.w;
  if (taps <= 0 || taps > kMaxSegments) return false;
  if (p.input_zero_point < -128 || p.input_zero_point > 127) return false;
  const int32_t C = out.c;
  alignas(64) int32_t acc[kNB + 16];
  for (int32_t j = 0; j < kNB + 16; ++j) acc[j] = 0;
  const int8_t* xs[kMaxSegments];
  const int8_t* ws[kMaxSegments];
  BlockParams bp;
  for (int32_t c0 = 0; c0 < C; c0 += kNB) {
    const int32_t nb = C - c0 < kNB ? C - c0 : kNB;
    if (p.requant.count != 1 || c0 == 0) FillRequant(p.requant, c0, nb, &bp);
    FillBias(bias, c0, nb, &bp);
    for (int32_t n = 0; n < out.n; ++n) {
      const int8_t* in_n = input + static_cast<int64_t>(n) * in.h * in.w * in.c;
      for (int32_t oy = 0; oy < out.h; ++oy) {
        const int32_t iy0 = oy * p.stride_h - p.pad_top;
        for (int32_t ox = 0; ox < out.w; ++ox) {
          const int32_t ix0 = ox * p.stride_w - p.pad_left;
          int32_t nt = 0;
          for (int32_t ky = 0; ky < w.h; ++ky) {
            const int32_t iy = iy0 + ky * p.dilation_h;
            if (iy < 0 || iy >= in.h) continue;
            for (int32_t kx = 0; kx < w.w; ++kx) {
              const int32_t ix = ix0 + kx * p.dilation_w;
              if (ix < 0 || ix >= in.w) continue;
              xs[nt] = in_n + (static_cast<int64_t>(iy) * in.w + ix) * C + c0;
              ws[nt] = weights + (ky * w.w + kx) * C + c0;
              ++nt;
            }
          }
          K::DwPixel(xs, ws, nt, nb, p.input_zero_point, acc);
          int8_t* o = output + ((static_cast<int64_t>(n) * out.h + oy) * out.w + ox) * C + c0;
          K::Epilogue(acc, nb, bp, 0, p.output_zero_point, p.act_min, p.act_max, o);
        }
      }
    }
  }
  return true;
}

}  // namespace
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_DRIVER_H_
