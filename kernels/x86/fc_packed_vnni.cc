// AVX-512 VNNI fully connected on weights pre-packed by the converter (packed_layout.h with
// one group and one tap: blocks of [K/4][NBW][4] bytes) and the folded bias
// bias - (128 + zi) * sum(w). A batch row is K contiguous bytes, so the tile reads rows in
// place (no pointer arrays, no zi buffer) and requantizes its sums straight from registers
// (no int32 round trip through a stack array). The set-up per call is sized to the op:
// an op of at most 16 outputs fills the requantization lanes of one vector, not of 80, as
// a tiny op's set-up costs as much as its arithmetic. Rows are flipped to x + 128 once,
// and weights not 64-byte aligned are realigned when one or two rows stream them.
#include <cstdint>

#include "kernels/x86/avx512.h"
#include "kernels/x86/driver.h"
#include "kernels/x86/internal.h"
#include "kernels/x86/packed_layout.h"
#include "kernels/x86/vnni_common.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

// Rows per tile: R x J accumulators, J weight vectors and a broadcast fit the 32 registers.
template <int J>
constexpr int kFcRows = J <= 2 ? 8 : 6;

// Rows the flipped-input buffer holds: any tile (kFlipRows * kPackMaxChannels bytes, 32 KB).
constexpr int32_t kFlipRows = 8;
static_assert(kFlipRows >= kFcRows<1> && kFlipRows >= kFcRows<4> && kMaxRows >= kFcRows<1>,
              "a tile's rows fit the buffers");

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
    s = _mm512_dpbusd_epi32(s, ones, _mm512_maskz_loadu_epi8(TailMask(K - k), x + k));
  }
  const int32_t sx = WrapAdd(_mm512_reduce_add_epi32(s), WrapMul(-K, zi));
  return WrapMul(-zw, sx);
}

// A block's weight vectors in storage order. Direct: unaligned loads. Realigned (weights
// 4- but not 64-byte aligned; model buffers are 16-byte aligned): whole 64-byte lines, each
// vector joined from two by vpermt2d (port 5, idle in these loops), as a vector split across
// two lines costs two L1 reads and halves the rate an M = 1 op streams weights from L2.
// Lanes of the first and last line outside the block are not read (masked loads).
template <bool kRealign>
struct WeightStream;

template <>
struct WeightStream<false> {
  const int8_t* p;
  explicit WeightStream(const int8_t* w) : p(w) {}
  template <bool kLast>
  __m512i Next() {
    const __m512i v = _mm512_loadu_si512(p);
    p += 64;
    return v;
  }
};

template <>
struct WeightStream<true> {
  const int8_t* line;
  __m512i prev, idx;
  __mmask16 tail;  // lanes of the last line inside the block
  explicit WeightStream(const int8_t* w) {
    const int32_t sh = static_cast<int32_t>(reinterpret_cast<uintptr_t>(w) & 63) / 4;
    line = w - sh * 4;
    tail = static_cast<__mmask16>((1u << sh) - 1);
    prev = _mm512_maskz_load_epi32(static_cast<__mmask16>(~tail), line);
    idx = _mm512_add_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                           _mm512_set1_epi32(sh));
  }
  template <bool kLast>
  __m512i Next() {
    line += 64;
    const __m512i cur = kLast ? _mm512_maskz_load_epi32(tail, line) : _mm512_load_si512(line);
    const __m512i v = _mm512_permutex2var_epi32(prev, idx, cur);
    prev = cur;
    return v;
  }
};

// Four bytes of a row flipped to x + 128 (FlipRows), broadcast to every lane.
inline __m512i Group(const int8_t* p) { return _mm512_broadcastd_epi32(_mm_loadu_si32(p)); }

// dst = src ^ 0x80 (unsigned x + 128) for `bytes` bytes, then 0x80 up to the next multiple
// of 64: the tiles read whole groups of 4, and weights past K are 0.
inline void FlipRows(const int8_t* src, int32_t bytes, int8_t* dst) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int32_t k = 0; k < bytes; k += 64) {
    const __m512i v = _mm512_maskz_loadu_epi8(TailMask(bytes - k), src + k);
    _mm512_store_si512(dst + k, _mm512_xor_si512(v, flip));
  }
}

// R rows x J 16-channel vectors of one block: rows x + i * K (flipped), wblk the block
// ([K/4][16 J][4]), fb its folded bias, nb its channels (> 16 * (J - 1)), roff per row or null.
// For R <= 2 two accumulator sets alternate over k so enough vpdpbusd chains are in flight.
template <int R, int J, bool kRealign, class Lanes>
void FcTile(const int8_t* x, int32_t K, const int8_t* wblk, const int32_t* fb, int32_t nb,
            const Lanes& rq, const int32_t* roff, const FcOut& e, int8_t* out) {
  constexpr int S = R <= 2 ? 2 : 1;
  __m512i acc[S][R][J];
#pragma GCC unroll 2
  for (int u = 0; u < S; ++u)
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < J; ++j) acc[u][i][j] = _mm512_setzero_si512();
  const int32_t groups = (K + 3) / 4;
  WeightStream<kRealign> ws(wblk);
  int32_t q = 0;
  // All but the last group of 4 channels (it may be partial and ends the block).
  for (; q + S < groups; q += S) {
#pragma GCC unroll 2
    for (int u = 0; u < S; ++u) {
      __m512i w[J];
#pragma GCC unroll 4
      for (int j = 0; j < J; ++j) w[j] = ws.template Next<false>();
#pragma GCC unroll 8
      for (int i = 0; i < R; ++i) {
        const __m512i xb = Group(x + i * K + (q + u) * 4);
#pragma GCC unroll 4
        for (int j = 0; j < J; ++j) acc[u][i][j] = _mm512_dpbusd_epi32(acc[u][i][j], xb, w[j]);
      }
    }
  }
  // The group left by the two sets, then the last (weights past K are 0).
  for (; q < groups; ++q) {
    __m512i w[J];
#pragma GCC unroll 4
    for (int j = 0; j < J; ++j) {
      w[j] = q == groups - 1 && j == J - 1 ? ws.template Next<true>() : ws.template Next<false>();
    }
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      const __m512i xb = Group(x + i * K + q * 4);
#pragma GCC unroll 4
      for (int j = 0; j < J; ++j) acc[0][i][j] = _mm512_dpbusd_epi32(acc[0][i][j], xb, w[j]);
    }
  }
  __m512i bias[J];
#pragma GCC unroll 4
  for (int j = 0; j < J; ++j) {
    bias[j] = _mm512_maskz_loadu_epi32(FirstLanes(nb - 16 * j), fb + 16 * j);
  }
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

template <int J, bool kRealign, class Lanes>
void FcTileR(int32_t r, const int8_t* x, int32_t K, const int8_t* wblk, const int32_t* fb,
             int32_t nb, const Lanes& rq, const int32_t* roff, const FcOut& e, int8_t* out) {
  constexpr int R7 = kFcRows<J> >= 7 ? 7 : 6;
  switch (r) {
    case 1: FcTile<1, J, kRealign>(x, K, wblk, fb, nb, rq, roff, e, out); break;
    case 2: FcTile<2, J, kRealign>(x, K, wblk, fb, nb, rq, roff, e, out); break;
    case 3: FcTile<3, J, false>(x, K, wblk, fb, nb, rq, roff, e, out); break;
    case 4: FcTile<4, J, false>(x, K, wblk, fb, nb, rq, roff, e, out); break;
    case 5: FcTile<5, J, false>(x, K, wblk, fb, nb, rq, roff, e, out); break;
    case 6: FcTile<6, J, false>(x, K, wblk, fb, nb, rq, roff, e, out); break;
    case 7: FcTile<R7, J, false>(x, K, wblk, fb, nb, rq, roff, e, out); break;
    default: FcTile<kFcRows<J>, J, false>(x, K, wblk, fb, nb, rq, roff, e, out); break;
  }
}

template <int J, class Lanes>
void FcTileA(int32_t r, bool realign, const int8_t* x, int32_t K, const int8_t* wblk,
             const int32_t* fb, int32_t nb, const Lanes& rq, const int32_t* roff, const FcOut& e,
             int8_t* out) {
  if (realign) {
    FcTileR<J, true>(r, x, K, wblk, fb, nb, rq, roff, e, out);
  } else {
    FcTileR<J, false>(r, x, K, wblk, fb, nb, rq, roff, e, out);
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
  // Rows are flipped to x + 128 once per call when they fit the buffer, else per tile (and
  // block): either way once per row and block, not per group of 4 in every tile, where the
  // xor would compete with vpdpbusd for port 0.
  alignas(64) int8_t flipped[kFlipRows * kPackMaxChannels + 64];
  const bool flip_once = int64_t{M} * K <= kFlipRows * kPackMaxChannels;
  if (flip_once) FlipRows(input, M * K, flipped);
  // Tiles of one or two rows stream the weights once per row pair: those realign them.
  const uintptr_t misalign = reinterpret_cast<uintptr_t>(packed) & 63;
  const bool realign = misalign != 0 && misalign % 4 == 0;
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
      if (zw != 0) {
        const int8_t* x = input + static_cast<int64_t>(m0) * K;
        for (int32_t i = 0; i < r; ++i) roff[i] = RowOffset(x + int64_t{i} * K, K, zi, zw);
      }
      const int8_t* x = flipped;
      if (flip_once) {
        x += m0 * K;
      } else {
        FlipRows(input + static_cast<int64_t>(m0) * K, r * K, flipped);
      }
      const int32_t* ro = zw != 0 ? roff : nullptr;
      int8_t* out = output + static_cast<int64_t>(m0) * N + n0;
      const int32_t* fb = folded_bias + n0;
      if constexpr (kLaneVectors == 1) {
        FcTileA<1>(r, realign, x, K, wblk, fb, nb, rq, ro, e, out);
      } else {
        switch (nj) {
          case 1: FcTileA<1>(r, realign, x, K, wblk, fb, nb, rq, ro, e, out); break;
          case 2: FcTileA<2>(r, realign, x, K, wblk, fb, nb, rq, ro, e, out); break;
          case 3: FcTileA<3>(r, realign, x, K, wblk, fb, nb, rq, ro, e, out); break;
          default: FcTileA<4>(r, realign, x, K, wblk, fb, nb, rq, ro, e, out); break;
        }
      }
      m0 += r;
    }
  }
  return true;
}

// Generic ops small enough to pack per call: packed weights and folded bias on the stack.
constexpr int32_t kSmallPackBytes = 16 * 1024;
constexpr int32_t kSmallPackChannels = 256;
constexpr int32_t kSmallMinRows = 8;

// Generic [N][K] weights into packed_layout.h's order (one group, one tap) at wp, and
// folded[c] = bias[c] - (128 + zi) * sum(w[c]). Whole groups of 4 bytes are gathered 16
// channels at a time; the partial last group is copied byte by byte, as a gather would read
// past the last row.
void PackSmall(const int8_t* w, const int32_t* bias, int32_t zi, int32_t K, int32_t N,
               int8_t* wp, int32_t* folded) {
  const PackedShape shape{1, N, 1, K};
  const int32_t full = K / 4, groups = (K + 3) / 4;
  const __m512i ones = _mm512_set1_epi8(1);
  const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  for (int32_t n0 = 0; n0 < N; n0 += kPackBlock) {
    const int32_t nbw = PackedBlockWidth(shape, n0);
    int8_t* blk = wp + PackedBlockOffset(shape, 0, n0);
    for (int32_t j0 = 0; j0 < nbw; j0 += 16) {
      const __m512i ch = _mm512_add_epi32(lane, _mm512_set1_epi32(n0 + j0));
      const __mmask16 valid = _mm512_cmplt_epi32_mask(ch, _mm512_set1_epi32(N));
      const __m512i at = _mm512_mullo_epi32(ch, _mm512_set1_epi32(K));
      __m512i sum = _mm512_setzero_si512();
      for (int32_t q = 0; q < full; ++q) {
        const __m512i v = _mm512_mask_i32gather_epi32(
            _mm512_setzero_si512(), valid, _mm512_add_epi32(at, _mm512_set1_epi32(q * 4)), w, 1);
        _mm512_storeu_si512(blk + (q * nbw + j0) * 4, v);
        sum = _mm512_dpbusd_epi32(sum, ones, v);
      }
      alignas(64) int32_t sums[16];
      _mm512_store_si512(sums, sum);
      for (int32_t l = 0; l < 16; ++l) {
        const int32_t c = n0 + j0 + l;
        int8_t* dst = blk + (full * nbw + j0 + l) * 4;
        for (int32_t r = 0; full < groups && r < 4; ++r) {
          const int8_t v = c < N && full * 4 + r < K ? w[int64_t{c} * K + full * 4 + r] : 0;
          dst[r] = v;
          sums[l] += v;
        }
        if (c < N) {
          folded[c] = WrapAdd(bias != nullptr ? bias[c] : 0, WrapMul(-(128 + zi), sums[l]));
        }
      }
    }
  }
}

}  // namespace

namespace vnni {

// Generic fully connected ops of kSmallMinRows+ rows whose weights fit kSmallPackBytes
// packed: packed on the stack per call, then the packed rows path (gemm_vnni.cc tries it
// first). Fewer rows do not repay the gathers (the row-dot kernels need no packing).
bool FullyConnectedSmall(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                         int32_t out_features, const int8_t* input, const int8_t* weights,
                         const int32_t* bias, int8_t* output) {
  const int32_t zi = p.input_zero_point, zw = p.weights_zero_point;
  if (zi < -128 || zi > 127 || zw < -128 || zw > 127) return false;
  if (batches < kSmallMinRows || in_features <= 0 || out_features <= 0 ||
      out_features > kSmallPackChannels)
    return false;
  const PackedShape shape{1, out_features, 1, in_features};
  if (PackedWeightsBytes(shape) > kSmallPackBytes) return false;
  alignas(64) int8_t wp[kSmallPackBytes];
  alignas(64) int32_t folded[kSmallPackChannels];
  PackSmall(weights, bias, zi, in_features, out_features, wp, folded);
  if (out_features <= 16) {
    return RunFc<RequantLanes<16>>(p, batches, in_features, out_features, input, wp, folded,
                                   output);
  }
  return RunFc<RequantLanes<kPackBlock>>(p, batches, in_features, out_features, input, wp,
                                         folded, output);
}

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
