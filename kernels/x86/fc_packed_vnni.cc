// AVX-512 VNNI fully connected on weights pre-packed by the converter (packed_layout.h with
// one group and one tap: blocks of [K/4][NBW][4] bytes) and the folded bias
// bias - (128 + zi) * sum(w). A batch row is K contiguous bytes, so the tile reads rows in
// place (no pointer arrays, no zi buffer) and requantizes its sums straight from registers
// (no int32 round trip through a stack array). The set-up per call is sized to the op:
// an op of at most 16 outputs fills the requantization lanes of one vector, not of 80, as
// a tiny op's set-up costs as much as its arithmetic.
#include <cstdint>

// First: it also silences GCC 12 about its own AVX-512 intrinsics (see there).
#include "kernels/x86/requant_avx512.h"

#include "kernels/x86/driver.h"
#include "kernels/x86/internal.h"
#include "kernels/x86/packed_layout.h"
#include "kernels/x86/vnni_tile.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

// Rows per tile: R x J accumulators, J weight vectors and a broadcast fit the 32 registers.
template <int J>
constexpr int kFcRows = J <= 2 ? 8 : 6;

// What the epilogue of every tile of one call needs.
struct FcOut {
  __m512i lo, hi, zo;  // act range minus zo, zo
  int32_t n;           // output row stride (out_features)
};

inline __mmask16 FirstLanes(int32_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
}

// -zw * sum(x[k] - zi): the weights zero point's term, the same for every channel.
inline int32_t RowOffset(const int8_t* x, int32_t K, int32_t zi, int32_t zw) {
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i s = _mm512_setzero_si512();
  for (int32_t k = 0; k < K; k += 64) {
    const __mmask64 m = K - k >= 64 ? ~0ULL : (1ULL << (K - k)) - 1;
    s = _mm512_dpbusd_epi32(s, ones, _mm512_maskz_loadu_epi8(m, x + k));
  }
  const int32_t sx = WrapAdd(_mm512_reduce_add_epi32(s), WrapMul(-K, zi));
  return WrapMul(-zw, sx);
}

// R rows x J 16-channel vectors of one block: rows x + i * K, block rows of nbw * 4 bytes,
// fb the block's folded bias, nb its channels (> 16 * (J - 1)), roff per row or null.
// For R <= 2 two accumulator sets alternate over k so enough vpdpbusd chains are in flight.
template <int R, int J, class Lanes>
void FcTile(const int8_t* x, int32_t K, const int8_t* wblk, int32_t nbw, const int32_t* fb,
            int32_t nb, const Lanes& rq, const int32_t* roff, const FcOut& e, int8_t* out) {
  constexpr int S = R <= 2 ? 2 : 1;
  __m512i acc[S][R][J];
#pragma GCC unroll 2
  for (int u = 0; u < S; ++u)
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < J; ++j) acc[u][i][j] = _mm512_setzero_si512();
  const int32_t full = K / 4, rem = K % 4;
  const int64_t row = int64_t{nbw} * 4;
  int32_t q = 0;
  for (; q + S <= full; q += S) {
#pragma GCC unroll 2
    for (int u = 0; u < S; ++u) {
      const int8_t* wq = wblk + (q + u) * row;
      __m512i w[J];
#pragma GCC unroll 4
      for (int j = 0; j < J; ++j) w[j] = _mm512_loadu_si512(wq + j * 64);
#pragma GCC unroll 8
      for (int i = 0; i < R; ++i) {
        const __m512i xb = Quad<false>(x + i * K + (q + u) * 4, 4);
#pragma GCC unroll 4
        for (int j = 0; j < J; ++j) acc[u][i][j] = _mm512_dpbusd_epi32(acc[u][i][j], xb, w[j]);
      }
    }
  }
  // A last whole group left by the two sets, then the partial one (weights past K are 0).
  for (; q < (K + 3) / 4; ++q) {
    const int8_t* wq = wblk + q * row;
    __m512i w[J];
#pragma GCC unroll 4
    for (int j = 0; j < J; ++j) w[j] = _mm512_loadu_si512(wq + j * 64);
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      const __m512i xb = q == full ? Quad<true>(x + i * K + q * 4, rem)
                                   : Quad<false>(x + i * K + q * 4, 4);
#pragma GCC unroll 4
      for (int j = 0; j < J; ++j) acc[0][i][j] = _mm512_dpbusd_epi32(acc[0][i][j], xb, w[j]);
    }
  }
  __m512i bias[J];
#pragma GCC unroll 4
  for (int j = 0; j < J; ++j) bias[j] = _mm512_maskz_loadu_epi32(FirstLanes(nb - 16 * j), fb + 16 * j);
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
    const __m512i ro = roff != nullptr ? _mm512_set1_epi32(roff[i]) : _mm512_setzero_si512();
#pragma GCC unroll 4
    for (int j = 0; j < J; ++j) {
      __m512i v = _mm512_add_epi32(acc[0][i][j], bias[j]);
      if (S == 2) v = _mm512_add_epi32(v, acc[S - 1][i][j]);
      v = _mm512_add_epi32(v, ro);
      const __m512i r = Requant16(rq, 16 * j, v, e.lo, e.hi, e.zo);
      _mm512_mask_cvtepi32_storeu_epi8(out + i * e.n + 16 * j, FirstLanes(nb - 16 * j), r);
    }
  }
}

template <int J, class Lanes>
void FcTileR(int32_t r, const int8_t* x, int32_t K, const int8_t* wblk, int32_t nbw,
             const int32_t* fb, int32_t nb, const Lanes& rq, const int32_t* roff,
             const FcOut& e, int8_t* out) {
  switch (r) {
    case 1: FcTile<1, J>(x, K, wblk, nbw, fb, nb, rq, roff, e, out); break;
    case 2: FcTile<2, J>(x, K, wblk, nbw, fb, nb, rq, roff, e, out); break;
    case 3: FcTile<3, J>(x, K, wblk, nbw, fb, nb, rq, roff, e, out); break;
    case 4: FcTile<4, J>(x, K, wblk, nbw, fb, nb, rq, roff, e, out); break;
    case 5: FcTile<5, J>(x, K, wblk, nbw, fb, nb, rq, roff, e, out); break;
    case 6: FcTile<6, J>(x, K, wblk, nbw, fb, nb, rq, roff, e, out); break;
    case 7: FcTile<kFcRows<J> >= 7 ? 7 : 6, J>(x, K, wblk, nbw, fb, nb, rq, roff, e, out); break;
    default: FcTile<kFcRows<J>, J>(x, K, wblk, nbw, fb, nb, rq, roff, e, out); break;
  }
}

// Lanes: RequantLanes<16> when out_features <= 16 (one vector), else RequantLanes<64>.
template <class Lanes>
bool RunFc(const FullyConnectedParams& p, int32_t M, int32_t K, int32_t N, const int8_t* input,
           const int8_t* packed, const int32_t* folded_bias, int8_t* output) {
  const int32_t zi = p.input_zero_point, zw = p.weights_zero_point, zo = p.output_zero_point;
  const PackedShape shape{1, N, 1, K};
  const FcOut e{_mm512_set1_epi32(p.act_min - zo), _mm512_set1_epi32(p.act_max - zo),
                _mm512_set1_epi32(zo), N};
  Lanes rq;
  constexpr int32_t kLaneVectors = sizeof(rq.mult) / sizeof(rq.mult[0]) / 16;
  const bool per_tensor = p.requant.count == 1;
  if (per_tensor) rq.Fill(p.requant, 0, N);
  int32_t roff[kMaxRows];
  for (int32_t n0 = 0; n0 < N; n0 += kPackBlock) {
    const int32_t nb = N - n0 < kPackBlock ? N - n0 : kPackBlock;
    const int32_t nbw = PackedBlockWidth(shape, n0);
    const int8_t* wblk = packed + PackedBlockOffset(shape, 0, n0);
    if (!per_tensor) rq.Fill(p.requant, n0, nb);
    const int32_t nj = nbw / 16;
    const int32_t rmax = nj <= 2 ? kFcRows<2> : kFcRows<4>;
    // Tiles of near-equal rows (25 = 7 + 6 + 6 + 6, not 8 + 8 + 8 + 1).
    const int32_t tiles = (M + rmax - 1) / rmax;
    for (int32_t m0 = 0, t = 0; m0 < M; ++t) {
      const int32_t r = (M - m0 + (tiles - t) - 1) / (tiles - t);
      const int8_t* x = input + static_cast<int64_t>(m0) * K;
      if (zw != 0) {
        for (int32_t i = 0; i < r; ++i) roff[i] = RowOffset(x + int64_t{i} * K, K, zi, zw);
      }
      const int32_t* ro = zw != 0 ? roff : nullptr;
      int8_t* out = output + static_cast<int64_t>(m0) * N + n0;
      const int32_t* fb = folded_bias + n0;
      if constexpr (kLaneVectors == 1) {
        FcTileR<1>(r, x, K, wblk, nbw, fb, nb, rq, ro, e, out);
      } else {
        switch (nj) {
          case 1: FcTileR<1>(r, x, K, wblk, nbw, fb, nb, rq, ro, e, out); break;
          case 2: FcTileR<2>(r, x, K, wblk, nbw, fb, nb, rq, ro, e, out); break;
          case 3: FcTileR<3>(r, x, K, wblk, nbw, fb, nb, rq, ro, e, out); break;
          default: FcTileR<4>(r, x, K, wblk, nbw, fb, nb, rq, ro, e, out); break;
        }
      }
      m0 += r;
    }
  }
  return true;
}

}  // namespace

namespace vnni {

// The fully connected case of the packed kernels (gemm_packed_vnni.cc tries it first).
bool FullyConnectedPackedRows(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                              int32_t out_features, const int8_t* input, const int8_t* packed,
                              const int32_t* folded_bias, int8_t* output) {
  const int32_t zi = p.input_zero_point, zw = p.weights_zero_point;
  if (zi < -128 || zi > 127 || zw < -128 || zw > 127) return false;
  if (batches <= 0 || in_features <= 0 || in_features > kPackMaxChannels || out_features <= 0)
    return false;
  if (out_features <= 16) {
    return RunFc<RequantLanes<16>>(p, batches, in_features, out_features, input, packed,
                                   folded_bias, output);
  }
  return RunFc<RequantLanes<kPackBlock>>(p, batches, in_features, out_features, input, packed,
                                         folded_bias, output);
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
