// The AVX-512 VNNI broadcast micro-kernel shared by the pre-packed path (gemm_packed_vnni.cc,
// weights packed by the converter) and the generic path (gemm_vnni.cc, one channel block
// packed on the stack per call). Weights are 64-byte rows [tap][k/4][16 ch][4] (packed_layout.h);
// 4 activation bytes of a pixel are broadcast (as unsigned a + 128) against each row, so the
// R x J accumulators stay in registers and need no horizontal reduction. Include only from
// files compiled with the VNNI flags; internal linkage, like driver.h.
#ifndef QINFER_KERNELS_X86_VNNI_TILE_H_
#define QINFER_KERNELS_X86_VNNI_TILE_H_

#include <immintrin.h>

#include <cstdint>

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

constexpr int32_t kTileRows = 6;  // pixels per micro tile: 6 x 4 accumulators + 4 weights

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

// R pixels x J 16-channel vectors of one block; a[i * taps + t] points at tap t of pixel i,
// wblk at the block's rows (row = nbw * 4 bytes). Raw sums go to out[i * ldo + j].
// For R <= 2 two accumulator sets alternate over k so enough vpdpbusd chains are in flight.
template <int R, int J>
void Tile(const int8_t* const* a, int32_t taps, int32_t cg, const int8_t* wblk, int32_t nbw,
          int32_t* out, int32_t ldo) {
  constexpr int S = R <= 2 ? 2 : 1;
  __m512i acc[S][R][J];
#pragma GCC unroll 2
  for (int u = 0; u < S; ++u)
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < J; ++j) acc[u][i][j] = _mm512_setzero_si512();
  const int32_t full = cg / 4, rem = cg % 4, cq = (cg + 3) / 4;
  const int64_t row = int64_t{nbw} * 4;  // bytes per k/4 step
  for (int32_t t = 0; t < taps; ++t) {
    const int8_t* as[R];
#pragma GCC unroll 6
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
#pragma GCC unroll 4
      for (int j = 0; j < J; ++j) w[j] = _mm512_loadu_si512(wt + q * row + j * 64);
#pragma GCC unroll 6
      for (int i = 0; i < R; ++i) {
        const __m512i x = tail ? Quad<true>(as[i] + q * 4, rem) : Quad<false>(as[i] + q * 4, 4);
#pragma GCC unroll 4
        for (int j = 0; j < J; ++j) acc[0][i][j] = _mm512_dpbusd_epi32(acc[0][i][j], x, w[j]);
      }
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
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

// mr (1..kTileRows) pixels x nj (1..4) 16-channel vectors.
inline void TileRJ(int32_t mr, int32_t nj, const int8_t* const* a, int32_t taps, int32_t cg,
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

}  // namespace
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_VNNI_TILE_H_
