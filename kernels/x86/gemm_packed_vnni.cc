// AVX-512 VNNI conv / fully connected on weights pre-packed by the converter
// (packed_layout.h) with the folded bias bias - (128 + zi) * sum(w): nothing is packed or
// summed here. Each output-channel block is a stream of 64-byte rows [tap][k/4][16 ch][4];
// 4 activation bytes of a pixel are broadcast (as unsigned a + 128) against each row, so
// accumulators need no horizontal reduction. Activations are read in place, per tap: a
// tap's channels are contiguous in NHWC, and taps in the padding read a zi-filled buffer
// (whose w * (zi + 128) the folded bias cancels, as the reference adds nothing there).
// GCC 12 flags its own _mm512_undefined_epi32() (self-initialized) inside AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include "kernels/x86/driver.h"
#include "kernels/x86/internal.h"
#include "kernels/x86/packed_layout.h"
#include "kernels/x86/vnni_common.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

constexpr int32_t kRows = 6;  // pixels per micro tile: 6 x 4 accumulators + 4 weights

// Four activation bytes at p (only the first `valid` when fewer remain), broadcast to every
// lane and flipped to unsigned.
template <bool kTail>
inline __m512i Quad(const int8_t* p, int32_t valid) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  if (kTail) {
    const __m128i v = _mm_maskz_loadu_epi8(static_cast<__mmask16>((1u << valid) - 1), p);
    return _mm512_xor_si512(_mm512_broadcastd_epi32(v), flip);
  }
  return _mm512_xor_si512(_mm512_broadcastd_epi32(_mm_loadu_si32(p)), flip);
}

// R pixels x J 16-channel vectors of one block; a[i * taps + t] points at tap t of pixel i.
// For R <= 2 two accumulator sets alternate over k so enough vpdpbusd chains are in flight.
template <int R, int J>
void Tile(const int8_t* const* a, int32_t taps, int32_t cg, const int8_t* wblk, int32_t nbw,
          int32_t* out, int32_t ldo) {
  constexpr int S = R <= 2 ? 2 : 1;
  __m512i acc[S][R][J];
  for (int u = 0; u < S; ++u)
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < J; ++j) acc[u][i][j] = _mm512_setzero_si512();
  const int32_t full = cg / 4, rem = cg % 4, cq = (cg + 3) / 4;
  const int64_t row = int64_t{nbw} * 4;  // bytes per k/4 step
  for (int32_t t = 0; t < taps; ++t) {
    const int8_t* as[R];
    for (int i = 0; i < R; ++i) as[i] = a[i * taps + t];
    const int8_t* wt = wblk + t * cq * row;
    int32_t q = 0;
    for (; q + S <= full; q += S) {
#pragma GCC unroll 2
      for (int u = 0; u < S; ++u) {
        __m512i w[J];
#pragma GCC unroll 4
        for (int j = 0; j < J; ++j) w[j] = _mm512_loadu_si512(wt + (q + u) * row + j * 64);
#pragma GCC unroll 6
        for (int i = 0; i < R; ++i) {
          const __m512i x = Quad<false>(as[i] + (q + u) * 4, 4);
#pragma GCC unroll 4
          for (int j = 0; j < J; ++j) acc[u][i][j] = _mm512_dpbusd_epi32(acc[u][i][j], x, w[j]);
        }
      }
    }
    for (; q < cq; ++q) {
      const bool tail = q == full;  // the last, partial group of 4 channels
      __m512i w[J];
      for (int j = 0; j < J; ++j) w[j] = _mm512_loadu_si512(wt + q * row + j * 64);
      for (int i = 0; i < R; ++i) {
        const __m512i x = tail ? Quad<true>(as[i] + q * 4, rem) : Quad<false>(as[i] + q * 4, 4);
        for (int j = 0; j < J; ++j) acc[0][i][j] = _mm512_dpbusd_epi32(acc[0][i][j], x, w[j]);
      }
    }
  }
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < J; ++j) {
      const __m512i v = S == 2 ? _mm512_add_epi32(acc[0][i][j], acc[S - 1][i][j]) : acc[0][i][j];
      _mm512_storeu_si512(out + i * ldo + j * 16, v);
    }
}

template <int R>
void TileJ(int32_t nj, const int8_t* const* a, int32_t taps, int32_t cg, const int8_t* wblk,
           int32_t nbw, int32_t* out, int32_t ldo) {
  switch (nj) {
    case 1: Tile<R, 1>(a, taps, cg, wblk, nbw, out, ldo); break;
    case 2: Tile<R, 2>(a, taps, cg, wblk, nbw, out, ldo); break;
    case 3: Tile<R, 3>(a, taps, cg, wblk, nbw, out, ldo); break;
    default: Tile<R, 4>(a, taps, cg, wblk, nbw, out, ldo); break;
  }
}

void TileRJ(int32_t mr, int32_t nj, const int8_t* const* a, int32_t taps, int32_t cg,
            const int8_t* wblk, int32_t nbw, int32_t* out, int32_t ldo) {
  switch (mr) {
    case 1: TileJ<1>(nj, a, taps, cg, wblk, nbw, out, ldo); break;
    case 2: TileJ<2>(nj, a, taps, cg, wblk, nbw, out, ldo); break;
    case 3: TileJ<3>(nj, a, taps, cg, wblk, nbw, out, ldo); break;
    case 4: TileJ<4>(nj, a, taps, cg, wblk, nbw, out, ldo); break;
    case 5: TileJ<5>(nj, a, taps, cg, wblk, nbw, out, ldo); break;
    default: TileJ<6>(nj, a, taps, cg, wblk, nbw, out, ldo); break;
  }
}

// Stack: zi buffer 4 KB, pointers 6 KB, accumulators 2 KB, block params 1.3 KB.
bool RunPacked(const Geometry& g, const int8_t* input, const int8_t* packed,
               const int32_t* folded_bias, int8_t* output) {
  const int32_t taps = g.kh * g.kw;
  if (g.groups <= 0 || g.out_c % g.groups != 0 || g.in_c != g.cg * g.groups) return false;
  if (taps <= 0 || taps > kPackMaxTaps || g.cg <= 0 || g.cg > kPackMaxChannels) return false;
  if (g.zi < -128 || g.zi > 127 || g.zw < -128 || g.zw > 127) return false;
  const int32_t ocg = g.out_c / g.groups;
  const PackedShape shape{g.groups, ocg, taps, g.cg};
  const int32_t pixels = g.out_h * g.out_w;
  static_assert(kPackMaxTaps <= kMaxSegments && kPackMaxChannels <= kZeroBuf, "stack buffers");
  alignas(64) int8_t zbuf[kZeroBuf];
  for (int32_t i = 0; i < g.cg; ++i) zbuf[i] = static_cast<int8_t>(g.zi);
  alignas(64) int32_t tmp[kRows][kNB + 16];
  const int8_t* aptr[kRows * kMaxSegments];
  int32_t row_off[kRows];
  BlockParams bp;

  for (int32_t n = 0; n < g.batches; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * g.in_h * g.in_w * g.in_c;
    for (int32_t grp = 0; grp < g.groups; ++grp) {
      const int32_t ic0 = grp * g.cg;
      for (int32_t n0 = 0; n0 < ocg; n0 += kPackBlock) {
        const int32_t nb = ocg - n0 < kPackBlock ? ocg - n0 : kPackBlock;
        const int32_t nbw = PackedBlockWidth(shape, n0);
        const int32_t c0 = grp * ocg + n0;
        const int8_t* wblk = packed + PackedBlockOffset(shape, grp, n0);
        FillRequant(g.requant, c0, nb, &bp);
        for (int32_t j = 0; j < kNB + 16; ++j) bp.col_off[j] = j < nb ? folded_bias[c0 + j] : 0;
        for (int32_t m0 = 0; m0 < pixels; m0 += kRows) {
          const int32_t mr = pixels - m0 < kRows ? pixels - m0 : kRows;
          for (int32_t i = 0; i < mr; ++i) {
            const int32_t m = m0 + i;
            const int32_t iy0 = (m / g.out_w) * g.stride_h - g.pad_top;
            const int32_t ix0 = (m % g.out_w) * g.stride_w - g.pad_left;
            const int8_t** a = aptr + i * taps;
            for (int32_t ky = 0; ky < g.kh; ++ky) {
              const int32_t iy = iy0 + ky * g.dil_h;
              for (int32_t kx = 0; kx < g.kw; ++kx) {
                const int32_t ix = ix0 + kx * g.dil_w;
                a[ky * g.kw + kx] =
                    iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w
                        ? in_n + (static_cast<int64_t>(iy) * g.in_w + ix) * g.in_c + ic0
                        : zbuf;
              }
            }
            // A weights zero point (fully connected only) leaves an activation term.
            row_off[i] = 0;
            if (g.zw != 0) {
              int32_t sx = 0;
              for (int32_t t = 0; t < taps; ++t)
                for (int32_t k = 0; k < g.cg; ++k) sx = WrapAdd(sx, a[t][k] - g.zi);
              row_off[i] = WrapMul(-g.zw, sx);
            }
          }
          TileRJ(mr, nbw / 16, aptr, taps, g.cg, wblk, nbw, &tmp[0][0], kNB + 16);
          for (int32_t i = 0; i < mr; ++i) {
            int8_t* out = output + (static_cast<int64_t>(n) * pixels + m0 + i) * g.out_c + c0;
            VnniEpilogue(tmp[i], nb, bp, row_off[i], g.zo, g.act_min, g.act_max, out);
          }
        }
      }
    }
  }
  return true;
}

}  // namespace

namespace vnni {

bool Conv2DPacked(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                  const Dims4& weights_dims, const int8_t* packed, const int32_t* folded_bias,
                  const Dims4& output_dims, int8_t* output) {
  return RunPacked(ConvGeometry(p, input_dims, weights_dims, output_dims), input, packed,
                   folded_bias, output);
}

bool FullyConnectedPacked(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                          int32_t out_features, const int8_t* input, const int8_t* packed,
                          const int32_t* folded_bias, int8_t* output) {
  return RunPacked(FcGeometry(p, batches, in_features, out_features), input, packed,
                   folded_bias, output);
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
