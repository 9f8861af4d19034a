// AVX-512 VNNI fully connected on one row (M = 1) with generic [N][K] weights. Every weight
// byte is used once, so packing does not pay off; 4 channel rows stream at once, each with
// its own accumulators, reduced horizontally once per row.
//
// vpdpbusd multiplies unsigned by signed bytes, and x - zi spans 9 bits in general. Three
// ways to feed it, picked per call from the activations' range; each gives the exact sum:
//  - kUnsigned, every x - zi in [0, 255] (always for post-ReLU inputs, zi = -128):
//    vpdpbusd(x - zi, w), one per 64 weight bytes.
//  - kSigned, every x - zi in [-128, 127] (always for zi = 0): vpdpbusd(w + 128, x - zi),
//    minus 128 * sum(x - zi), one constant for every channel.
//  - kCorrected, any range: vpdpbusd(x + 128, w) and vpdpbusd(128 + zi, w), two per 64
//    weight bytes, as the -(128 + zi) * sum(w) correction must be summed per call.
#include <cstdint>

#include "kernels/x86/avx512.h"
#include "kernels/x86/driver.h"
#include "kernels/x86/internal.h"
#include "kernels/x86/vnni_common.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

enum class RowMode { kUnsigned, kSigned, kCorrected };

constexpr int32_t kRowChannels = 4;

// What every step of a call adds to x, and the correction's broadcast byte.
struct RowConsts {
  __m512i x_shift;  // kCorrected: 128 (x ^ 0x80); else -zi
  __m512i zi128;    // kCorrected: 128 + zi
  __m512i flip;     // 0x80 bytes
};

// One weight row of K bytes (K and the row 4-byte aligned) read as whole 64-byte lines,
// each 64-byte step joined from two by vpermt2d (port 5, idle here): model buffers are only
// 16-byte aligned, and a step split across two lines costs two L1 reads, which halved the
// rate an M = 1 op streams its weights from L2. Lanes outside the row are not read.
struct RowLines {
  const int8_t* line;  // the line read last
  int32_t off, len;    // row offset of `line`, row length
  __m512i prev, idx;

  RowLines(const int8_t* row, int32_t k) : len(k) {
    const int32_t sh = static_cast<int32_t>(reinterpret_cast<uintptr_t>(row) & 63) / 4;
    line = row - sh * 4;
    off = -sh * 4;
    prev = _mm512_maskz_load_epi32(Inside(), line);
    idx = _mm512_add_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                           _mm512_set1_epi32(sh));
  }
  // Lanes of `line` holding row bytes [0, len).
  __mmask16 Inside() const {
    const int32_t lo = off < 0 ? -off / 4 : 0;
    const int32_t hi = len - off >= 64 ? 16 : len - off <= 0 ? 0 : (len - off) / 4;
    return static_cast<__mmask16>(((1u << hi) - 1) & ~((1u << lo) - 1));
  }
  // The next 64 row bytes (0 past len). kInside: the next line lies inside the row.
  template <bool kInside>
  __m512i Next() {
    line += 64;
    off += 64;
    const __m512i cur = kInside ? _mm512_load_si512(line) : _mm512_maskz_load_epi32(Inside(), line);
    const __m512i v = _mm512_permutex2var_epi32(prev, idx, cur);
    prev = cur;
    return v;
  }
};

// xv: the step's activations plus x_shift, 0 past K (where the weights are 0 too).
template <RowMode kMode>
__attribute__((always_inline)) inline void RowStep(__m512i (&acc)[kRowChannels],
                                                   __m512i (&cor)[kRowChannels],
                                                   const __m512i (&wv)[kRowChannels], __m512i xv,
                                                   const RowConsts& rc) {
#pragma GCC unroll 8
  for (int j = 0; j < kRowChannels; ++j) {
    if constexpr (kMode == RowMode::kSigned) {
      acc[j] = _mm512_dpbusd_epi32(acc[j], _mm512_xor_si512(wv[j], rc.flip), xv);
    } else {
      acc[j] = _mm512_dpbusd_epi32(acc[j], xv, wv[j]);
    }
    if constexpr (kMode == RowMode::kCorrected) {
      cor[j] = _mm512_dpbusd_epi32(cor[j], rc.zi128, wv[j]);
    }
  }
}

inline __m512i ShiftedX(const int8_t* x, int32_t k, const RowConsts& rc) {
  return _mm512_add_epi8(_mm512_loadu_si512(x + k), rc.x_shift);
}
inline __m512i ShiftedXTail(const int8_t* x, int32_t k, int32_t K, const RowConsts& rc) {
  const __mmask64 m = TailMask(K - k);
  return _mm512_maskz_add_epi8(m, _mm512_maskz_loadu_epi8(m, x + k), rc.x_shift);
}

// The 4 rows' sums (before the mode's per-call constant), lanes 0..3.
template <bool kRealign, RowMode kMode>
__attribute__((always_inline)) inline __m128i RowSums(const int8_t* const (&w)[kRowChannels],
                                                      const int8_t* x, int32_t K,
                                                      const RowConsts& rc) {
  __m512i acc[kRowChannels], cor[kRowChannels], wv[kRowChannels];
  for (int j = 0; j < kRowChannels; ++j) acc[j] = cor[j] = _mm512_setzero_si512();
  const int32_t kfull = K / 64 * 64;
  int32_t k = 0;
  if constexpr (kRealign) {
    RowLines rows[kRowChannels] = {{w[0], K}, {w[1], K}, {w[2], K}, {w[3], K}};
    // Steps whose next line ends inside the row; then the last one or two, masked.
    for (; k + 128 <= K; k += 64) {
#pragma GCC unroll 4
      for (int j = 0; j < kRowChannels; ++j) wv[j] = rows[j].Next<true>();
      RowStep<kMode>(acc, cor, wv, ShiftedX(x, k, rc), rc);
    }
    for (; k < K; k += 64) {
#pragma GCC unroll 4
      for (int j = 0; j < kRowChannels; ++j) wv[j] = rows[j].Next<false>();
      RowStep<kMode>(acc, cor, wv, ShiftedXTail(x, k, K, rc), rc);
    }
  } else {
    for (; k < kfull; k += 64) {
#pragma GCC unroll 4
      for (int j = 0; j < kRowChannels; ++j) wv[j] = _mm512_loadu_si512(w[j] + k);
      RowStep<kMode>(acc, cor, wv, ShiftedX(x, k, rc), rc);
    }
    if (k < K) {
      const __mmask64 m = TailMask(K - k);
#pragma GCC unroll 4
      for (int j = 0; j < kRowChannels; ++j) wv[j] = _mm512_maskz_loadu_epi8(m, w[j] + k);
      RowStep<kMode>(acc, cor, wv, ShiftedXTail(x, k, K, rc), rc);
    }
  }
  if constexpr (kMode == RowMode::kCorrected) {
    for (int j = 0; j < kRowChannels; ++j) acc[j] = _mm512_sub_epi32(acc[j], cor[j]);
  }
  return Reduce4(acc[0], acc[1], acc[2], acc[3]);
}

// Inlined for aligned or short rows: a tiny op (1x8x8) would pay for the call.
template <bool kRealign, RowMode kMode>
__attribute__((always_inline)) inline void RowBlocks(const FullyConnectedParams& p, int32_t K,
                                                     int32_t N, const int8_t* x,
                                                     const int8_t* weights, const int32_t* bias,
                                                     int32_t row_off, int8_t* output) {
  const int32_t zi = p.input_zero_point;
  const RowConsts rc{_mm512_set1_epi8(static_cast<char>(kMode == RowMode::kCorrected ? 128 : -zi)),
                     _mm512_set1_epi8(static_cast<char>(128 + zi)),
                     _mm512_set1_epi8(static_cast<char>(0x80))};
  alignas(64) int32_t raw[kNB + 16];
  BlockParams bp;
  for (int32_t c0 = 0; c0 < N; c0 += kNB) {
    const int32_t nb = N - c0 < kNB ? N - c0 : kNB;
    // A per-tensor rq is filled once, for the lanes the op's blocks read.
    if (p.requant.count != 1 || c0 == 0) {
      bp.rq.Fill(p.requant, c0, nb, N < kNB ? (N + 15) / 16 * 16 : kNB);
    }
    FillBias(bias, c0, nb, &bp);
    for (int32_t j0 = 0; j0 < nb; j0 += kRowChannels) {
      const int8_t* w[kRowChannels];
      for (int32_t j = 0; j < kRowChannels; ++j) {
        const int32_t c = c0 + (j0 + j < nb ? j0 + j : nb - 1);  // past nb: a repeat, unused
        w[j] = weights + static_cast<int64_t>(c) * K;
      }
      _mm_store_si128(reinterpret_cast<__m128i*>(raw + j0), RowSums<kRealign, kMode>(w, x, K, rc));
    }
    VnniEpilogue(raw, nb, bp, row_off, p.output_zero_point, p.act_min, p.act_max, output + c0);
  }
}

template <RowMode kMode>
__attribute__((noinline)) void RowLinesAll(const FullyConnectedParams& p, int32_t K, int32_t N,
                                           const int8_t* x, const int8_t* weights,
                                           const int32_t* bias, int32_t row_off, int8_t* output) {
  RowBlocks<true, kMode>(p, K, N, x, weights, bias, row_off, output);
}

// kCorrected inlined: tiny ops (no range scan) take it, and would pay for the call.
template <RowMode kMode>
__attribute__((always_inline)) inline void RunRows(const FullyConnectedParams& p, int32_t K,
                                                   int32_t N, const int8_t* x,
                                                   const int8_t* weights, const int32_t* bias,
                                                   int32_t row_off, int8_t* output) {
  // Rows 4-byte aligned, some not 64-byte aligned, and long enough for lines to pay off:
  // each row's first and last lines cost a fixed set-up, which made rows of 256 bytes half
  // as fast as direct loads; the two broke even near 700 bytes (x 144 and x 1000 channels).
  const auto base = reinterpret_cast<uintptr_t>(weights);
  if (base % 4 == 0 && K % 4 == 0 && (base % 64 != 0 || K % 64 != 0) && K >= 704) {
    RowLinesAll<kMode>(p, K, N, x, weights, bias, row_off, output);
  } else {
    RowBlocks<false, kMode>(p, K, N, x, weights, bias, row_off, output);
  }
}

template <RowMode kMode>
__attribute__((noinline)) void RunRowsApart(const FullyConnectedParams& p, int32_t K, int32_t N,
                                            const int8_t* x, const int8_t* weights,
                                            const int32_t* bias, int32_t row_off, int8_t* output) {
  RunRows<kMode>(p, K, N, x, weights, bias, row_off, output);
}

// Which of the modes the activations allow, and sum(x) (mod 2^32).
struct XRange {
  bool fits_unsigned, fits_signed;
  int32_t sum;
};

inline XRange RangeOf(const int8_t* x, int32_t K, int32_t zi) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i vzi = _mm512_set1_epi8(static_cast<char>(zi));
  const __m512i slo = _mm512_set1_epi8(static_cast<char>(zi - 128 < -128 ? -128 : zi - 128));
  const __m512i shi = _mm512_set1_epi8(static_cast<char>(zi + 127 > 127 ? 127 : zi + 127));
  __mmask64 below = 0, outside = 0;
  __m512i s = _mm512_setzero_si512();
  for (int32_t k = 0; k < K; k += 64) {
    const __mmask64 m = TailMask(K - k);
    const __m512i v = _mm512_maskz_loadu_epi8(m, x + k);
    below |= _mm512_mask_cmplt_epi8_mask(m, v, vzi);
    outside |= _mm512_mask_cmplt_epi8_mask(m, v, slo) | _mm512_mask_cmpgt_epi8_mask(m, v, shi);
    // sum(x + 128) over the step's K bytes (0 elsewhere), in 8 64-bit lanes.
    s = _mm512_add_epi64(s, _mm512_sad_epu8(_mm512_maskz_add_epi8(m, v, flip),
                                            _mm512_setzero_si512()));
  }
  const int64_t sum = _mm512_reduce_add_epi64(s) - int64_t{128} * K;
  return XRange{below == 0, outside == 0,
                static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(sum)))};
}

}  // namespace

namespace vnni {

bool FullyConnectedRow(const FullyConnectedParams& p, int32_t K, int32_t N, const int8_t* x,
                       const int8_t* weights, const int32_t* bias, int8_t* output) {
  const int32_t zi = p.input_zero_point, zw = p.weights_zero_point;
  if (zi < -128 || zi > 127 || zw < -128 || zw > 127 || K <= 0) return false;
  // Post-ReLU inputs (zi = -128) fit kUnsigned without a scan. Ops of fewer than 32 vpdpbusd
  // (1x8x8: 8) skip it too: the scan would cost more than the correction it saves.
  const int64_t steps = int64_t{N} * ((K + 63) / 64);
  XRange r{zi == -128, false, 0};
  if (zw != 0 || (zi != -128 && steps >= 32)) r = RangeOf(x, K, zi);
  // sum(x - zi): the weights zero point's term, -zw * sum(x - zi), is the same for every
  // channel, as is kSigned's -128 * sum(x - zi).
  const int32_t sxz = WrapAdd(r.sum, WrapMul(-K, zi));
  int32_t row_off = WrapMul(-zw, sxz);
  if (r.fits_unsigned) {
    RunRowsApart<RowMode::kUnsigned>(p, K, N, x, weights, bias, row_off, output);
  } else if (r.fits_signed) {
    row_off = WrapAdd(row_off, WrapMul(-128, sxz));
    RunRowsApart<RowMode::kSigned>(p, K, N, x, weights, bias, row_off, output);
  } else {
    RunRows<RowMode::kCorrected>(p, K, N, x, weights, bias, row_off, output);
  }
  return true;
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
