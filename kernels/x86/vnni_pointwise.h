// Pointwise ops on AVX-512 VNNI: 1x1 stride-1 unpadded convolutions and multi-row fully
// connected ops, where output pixel m reads the K contiguous bytes at input + m * K. Weights
// are one channel block in the broadcast layout of vnni_tile.h ([k/4][channels][4], zero
// past K); each tile's sums are requantized straight from the accumulator registers (no
// round trip through a raw-sum array, no per-pixel pointer set-up). A block of few
// 16-channel vectors gets more pixel rows, so enough vpdpbusd chains stay in flight.
// Include only from files compiled with the VNNI flags; internal linkage, like driver.h.
#ifndef QINFER_KERNELS_X86_VNNI_POINTWISE_H_
#define QINFER_KERNELS_X86_VNNI_POINTWISE_H_

#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/driver.h"
#include "kernels/x86/requant_avx512.h"
#include "kernels/x86/vnni_tile.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

// Pixel rows of a tile of J 16-channel vectors (R x J accumulators + J weight vectors).
constexpr int32_t PointwiseRows(int32_t j) { return j <= 2 ? 8 : 6; }
constexpr int32_t kPointwiseMinPixels = 8;  // the tallest tile: a last tile overlaps the one before

// True if g is pointwise in the sense above (weights zero point 0: no per-pixel term).
inline bool IsPointwise(const Geometry& g) {
  return g.kh == 1 && g.kw == 1 && g.groups == 1 && g.cg == g.in_c && g.stride_h == 1 &&
         g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0 && g.out_h == g.in_h &&
         g.out_w == g.in_w && g.zw == 0 && g.zi >= -128 && g.zi <= 127 && g.cg > 0 &&
         int64_t{g.batches} * g.out_h * g.out_w >= kPointwiseMinPixels;
}

// Output side of a block: nb channels of output rows ldo bytes apart, requantized with bp
// (col_off = bias - (128 + zi) * sum(w), already folded).
struct PointwiseOut {
  const BlockParams* bp;
  __m512i lo, hi, zo;  // act_min - zo, act_max - zo, zo
  __mmask16 last;      // valid lanes of the block's last 16-channel vector
  __mmask64 last64;    // valid bytes of a row of the block
  __m512i unpack;      // dword order after packing 4 vectors: lane l holds 4 bytes of each
};

// One group of 4 channels (the first `valid` with kTail: the last pixel reads no further,
// and the weights past K are 0) of R pixels into R x J accumulators.
template <int R, int J, bool kTail>
__attribute__((always_inline)) inline void PointwiseStep(__m512i (&acc)[R][J], const int8_t* a,
                                                         int32_t K, const int8_t* w, int32_t q,
                                                         int32_t valid) {
  __m512i wv[J];
#pragma GCC unroll 4
  for (int j = 0; j < J; ++j) wv[j] = _mm512_loadu_si512(w + j * 64);
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
    const __m512i x = Quad<kTail>(a + int64_t{i} * K + q * 4, valid);
#pragma GCC unroll 4
    for (int j = 0; j < J; ++j) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], x, wv[j]);
  }
}

// R pixels (rows K bytes apart from a) x J channel vectors; w_row = bytes per k/4 step.
template <int R, int J>
void PointwiseTile(const int8_t* a, int32_t K, const int8_t* w, int64_t w_row,
                   const PointwiseOut& po, int8_t* out, int32_t ldo) {
  __m512i acc[R][J];
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < J; ++j) acc[i][j] = _mm512_setzero_si512();
  const int32_t full = K / 4, rem = K % 4;
  int32_t q = 0;
  for (; q < full; ++q) PointwiseStep<R, J, false>(acc, a, K, w + q * w_row, q, 4);
  // A loop, not an if: with an if GCC kept every accumulator in memory in the loop above.
  for (; q * 4 < K; ++q) PointwiseStep<R, J, true>(acc, a, K, w + q * w_row, q, rem);
  __m512i off[J];
#pragma GCC unroll 4
  for (int j = 0; j < J; ++j) off[j] = _mm512_load_si512(po.bp->col_off + j * 16);
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
    __m512i r[J];
#pragma GCC unroll 4
    for (int j = 0; j < J; ++j)
      r[j] = Requant16(po.bp->rq, j * 16, _mm512_add_epi32(acc[i][j], off[j]), po.lo, po.hi,
                       po.zo);
    int8_t* o = out + int64_t{i} * ldo;
    if (J >= 3) {
      // Three or four vectors narrowed with two saturating packs (exact: the values are
      // int8 already) and one dword permute: half the shuffles of one vpmovdb each.
      const __m512i r3 = J == 4 ? r[J - 1] : r[0];
      const __m512i b = _mm512_packs_epi16(_mm512_packs_epi32(r[0], r[1]),
                                           _mm512_packs_epi32(r[2 % J], r3));
      _mm512_mask_storeu_epi8(o, po.last64, _mm512_permutexvar_epi32(po.unpack, b));
    } else {
#pragma GCC unroll 4
      for (int j = 0; j < J; ++j)
        _mm512_mask_cvtepi32_storeu_epi8(o + j * 16, j == J - 1 ? po.last : 0xFFFF, r[j]);
    }
  }
}

// Every pixel (pixels >= kPointwiseMinPixels) against one block of J channel vectors. The
// last rows run as a tile of R or R / 2 rows that ends at the last pixel, overlapping the
// tile before (it rewrites equal bytes): fewer rows computed twice than a full tile alone.
template <int J>
void PointwiseRun(const int8_t* a, int32_t pixels, int32_t K, const int8_t* w, int64_t w_row,
                  const PointwiseOut& po, int8_t* out, int32_t ldo) {
  constexpr int32_t R = PointwiseRows(J), H = R / 2;
  const int32_t whole = pixels / R * R, rest = pixels - whole;
  for (int32_t m = 0; m < whole; m += R)
    PointwiseTile<R, J>(a + int64_t{m} * K, K, w, w_row, po, out + int64_t{m} * ldo, ldo);
  if (rest > H) {
    const int32_t m = pixels - R;
    PointwiseTile<R, J>(a + int64_t{m} * K, K, w, w_row, po, out + int64_t{m} * ldo, ldo);
  } else if (rest > 0) {
    const int32_t m = pixels - H;
    PointwiseTile<H, J>(a + int64_t{m} * K, K, w, w_row, po, out + int64_t{m} * ldo, ldo);
  }
}

// One block of nb (1..64) channels: output columns [0, nb) of rows ldo bytes apart.
inline void PointwiseBlock(const Geometry& g, const int8_t* a, int32_t pixels, const int8_t* w,
                           int64_t w_row, const BlockParams& bp, int32_t nb, int8_t* out) {
  PointwiseOut po;
  po.bp = &bp;
  po.lo = _mm512_set1_epi32(g.act_min - g.zo);
  po.hi = _mm512_set1_epi32(g.act_max - g.zo);
  po.zo = _mm512_set1_epi32(g.zo);
  const int32_t tail = nb % 16;
  po.last = tail == 0 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << tail) - 1);
  po.last64 = nb >= 64 ? ~0ULL : (1ULL << nb) - 1;
  po.unpack = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
  const int32_t K = g.cg, ldo = g.out_c;
  switch ((nb + 15) / 16) {
    case 1: PointwiseRun<1>(a, pixels, K, w, w_row, po, out, ldo); break;
    case 2: PointwiseRun<2>(a, pixels, K, w, w_row, po, out, ldo); break;
    case 3: PointwiseRun<3>(a, pixels, K, w, w_row, po, out, ldo); break;
    default: PointwiseRun<4>(a, pixels, K, w, w_row, po, out, ldo); break;
  }
}

}  // namespace
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_VNNI_POINTWISE_H_
