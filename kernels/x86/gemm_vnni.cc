// AVX-512 VNNI paths (compile with -mavx512f -mavx512bw -mavx512vl -mavx512vnni).
// vpdpbusd multiplies unsigned by signed bytes: activations go in as a + 128 (a ^ 0x80), and
// the driver folds -(128 + zi) * sum(w) into the per-channel offset, so the int32 result is
// exactly the reference accumulator (mod 2^32, like the reference's int32 sum).
#include "kernels/x86/avx512.h"

#include "kernels/x86/driver.h"
#include "kernels/x86/internal.h"
#include "kernels/x86/vnni_common.h"
#include "kernels/x86/vnni_pointwise.h"
#include "kernels/x86/vnni_tile.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

struct Vnni {
  static constexpr int32_t kMR = 4, kNR = 4;
  static constexpr bool kNeedWsum = true;
  static constexpr bool kBroadcast = true;
  static constexpr int32_t kMRB = kTileRows;
  static constexpr int32_t kBcastMaxK = kBcastK;
  static constexpr int32_t kBcastMinRows = 8;

  // wpack[k4][64 channels][4 bytes], zero past nb channels and past K; wsum[j] = sum(w[j]).
  // 16 channel rows x 64 bytes are loaded (zero past K) and transposed as 16 x 16 dwords:
  // three shuffles per stored vector, where a gather cost about twice as much.
  static void PackW(const int8_t* w, int32_t ktot, int32_t nb, int8_t* wpack, int32_t* wsum) {
    const int32_t k4 = (ktot + 3) / 4;
    const int32_t nj = (nb + 15) / 16;  // the tile reads only these channels
    const __m512i ones = _mm512_set1_epi8(1);
    for (int32_t jj = 0; jj < nj; ++jj) {
      __m512i sum = _mm512_setzero_si512();
      for (int32_t k0 = 0; k0 < ktot; k0 += 64) {
        const __mmask64 m = TailMask(ktot - k0);
        __m512i r[16];
        for (int32_t l = 0; l < 16; ++l) {
          const int32_t j = jj * 16 + l;
          r[l] = j < nb ? _mm512_maskz_loadu_epi8(m, w + static_cast<int64_t>(j) * ktot + k0)
                        : _mm512_setzero_si512();
        }
        Transpose16(r);
        // r[d] holds dword d (k = k0 + 4d .. + 3) of the 16 channels.
        const int32_t qs = k4 - k0 / 4 < 16 ? k4 - k0 / 4 : 16;
        for (int32_t d = 0; d < qs; ++d) {
          _mm512_store_si512(wpack + ((k0 / 4 + d) * kNB + jj * 16) * 4, r[d]);
          sum = _mm512_dpbusd_epi32(sum, ones, r[d]);
        }
      }
      _mm512_storeu_si512(wsum + jj * 16, sum);
    }
  }

  // r[l] dword d -> r[d] dword l.
  static void Transpose16(__m512i (&r)[16]) {
    __m512i b[16];
    // Within 128-bit lanes: b[4g + c] lane L = dword 4L + c of rows 4g .. 4g + 3.
    for (int g = 0; g < 4; ++g) {
      const __m512i a0 = _mm512_unpacklo_epi32(r[4 * g], r[4 * g + 1]);
      const __m512i a1 = _mm512_unpackhi_epi32(r[4 * g], r[4 * g + 1]);
      const __m512i a2 = _mm512_unpacklo_epi32(r[4 * g + 2], r[4 * g + 3]);
      const __m512i a3 = _mm512_unpackhi_epi32(r[4 * g + 2], r[4 * g + 3]);
      b[4 * g] = _mm512_unpacklo_epi64(a0, a2);
      b[4 * g + 1] = _mm512_unpackhi_epi64(a0, a2);
      b[4 * g + 2] = _mm512_unpacklo_epi64(a1, a3);
      b[4 * g + 3] = _mm512_unpackhi_epi64(a1, a3);
    }
    // Across lanes: dword 4L + c of all 16 rows is lane L of b[c], b[4 + c], b[8 + c], b[12 + c].
    for (int c = 0; c < 4; ++c) {
      const __m512i u0 = _mm512_shuffle_i32x4(b[c], b[4 + c], 0x44);
      const __m512i u1 = _mm512_shuffle_i32x4(b[c], b[4 + c], 0xEE);
      const __m512i u2 = _mm512_shuffle_i32x4(b[8 + c], b[12 + c], 0x44);
      const __m512i u3 = _mm512_shuffle_i32x4(b[8 + c], b[12 + c], 0xEE);
      r[c] = _mm512_shuffle_i32x4(u0, u2, 0x88);
      r[4 + c] = _mm512_shuffle_i32x4(u0, u2, 0xDD);
      r[8 + c] = _mm512_shuffle_i32x4(u1, u3, 0x88);
      r[12 + c] = _mm512_shuffle_i32x4(u1, u3, 0xDD);
    }
  }

  // Raw sums of mr rows x nb channels of the packed weights. A row of several segments is
  // gathered to the stack first; a single segment (fully connected, 1x1 conv) is read in place.
  static void Bcast(const int8_t* const* a, int32_t nseg, int32_t seglen, int32_t mr,
                    int32_t ktot, const int8_t* wpack, int32_t nb, int32_t* out, int32_t ldo) {
    if (nseg == 1) {
      TileRJ(mr, (nb + 15) / 16, a, 1, ktot, wpack, kNB, out, ldo);
      return;
    }
    alignas(64) int8_t apack[kMRB][kBcastK + 64];
    const int32_t k4 = (ktot + 3) / 4;
    for (int32_t i = 0; i < mr; ++i) {
      int8_t* d = apack[i];
      for (int32_t s = 0; s < nseg; ++s) {
        const int8_t* src = a[i * nseg + s];
        for (int32_t k = 0; k < seglen; k += 64) {
          const __mmask64 m = TailMask(seglen - k);
          _mm512_mask_storeu_epi8(d + k, m, _mm512_maskz_loadu_epi8(m, src + k));
        }
        d += seglen;
      }
      for (int32_t k = ktot; k < k4 * 4; ++k) apack[i][k] = 0;
    }
    // One "tap" of ktot bytes per row against the [k4][kNB][4] block: the shared tile.
    const int8_t* rows[kMRB];
    for (int32_t i = 0; i < mr; ++i) rows[i] = apack[i];
    TileRJ(mr, (nb + 15) / 16, rows, 1, ktot, wpack, kNB, out, ldo);
  }

  // One 64-byte k step of R rows x 4 channels (and optionally the weight sums).
  template <int R, bool W>
  __attribute__((always_inline)) static inline void Step(__m512i (&acc)[R][kNR],
                                                         __m512i (&ws)[kNR],
                                                         const int8_t* const (&as)[R],
                                                         const int8_t* const (&bs)[kNR],
                                                         int32_t k, __mmask64 m) {
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i w[kNR];
#pragma GCC unroll 4
    for (int j = 0; j < kNR; ++j) {
      w[j] = _mm512_maskz_loadu_epi8(m, bs[j] + k);
      if (W) ws[j] = _mm512_dpbusd_epi32(ws[j], ones, w[j]);
    }
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      const __m512i x = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, as[i] + k), flip);
#pragma GCC unroll 4
      for (int j = 0; j < kNR; ++j) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], x, w[j]);
    }
  }

  // R rows (pixels) x 4 output channels; raw sums to out[i * ldo + j]. For R <= 2 the
  // k loop keeps two accumulator sets so enough vpdpbusd chains are in flight. With W, also
  // writes sum(w) of the 4 channels to wsum (fused: the weights are loaded anyway, so the
  // first row block needs no separate pass over them).
  template <int R, bool W>
  static void Micro(const int8_t* const* a, int32_t nseg, int32_t seglen,
                    const int8_t* const* b, int32_t, int32_t, int32_t* out, int32_t ldo,
                    int32_t* wsum) {
    __m512i acc0[R][kNR], acc1[R][kNR], ws0[kNR], ws1[kNR];
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < kNR; ++j) acc0[i][j] = acc1[i][j] = _mm512_setzero_si512();
#pragma GCC unroll 4
    for (int j = 0; j < kNR; ++j) ws0[j] = ws1[j] = _mm512_setzero_si512();
    const __mmask64 all = ~0ULL;
    for (int32_t s = 0; s < nseg; ++s) {
      const int8_t* as[R];
#pragma GCC unroll 8
      for (int i = 0; i < R; ++i) as[i] = a[i * nseg + s];
      const int64_t boff = static_cast<int64_t>(s) * seglen;
      const int8_t* const bs[kNR] = {b[0] + boff, b[1] + boff, b[2] + boff, b[3] + boff};
      int32_t k = 0;
      if (R <= 2) {
        for (; k + 128 <= seglen; k += 128) {
          Step<R, W>(acc0, ws0, as, bs, k, all);
          Step<R, W>(acc1, ws1, as, bs, k + 64, all);
        }
      }
      for (; k + 64 <= seglen; k += 64) Step<R, W>(acc0, ws0, as, bs, k, all);
      if (k < seglen) Step<R, W>(acc0, ws0, as, bs, k, TailMask(seglen - k));
    }
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      if (R <= 2) {
#pragma GCC unroll 4
        for (int j = 0; j < kNR; ++j) acc0[i][j] = _mm512_add_epi32(acc0[i][j], acc1[i][j]);
      }
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i * ldo),
                       Reduce4(acc0[i][0], acc0[i][1], acc0[i][2], acc0[i][3]));
    }
    if (W) {
#pragma GCC unroll 4
      for (int j = 0; j < kNR; ++j) ws0[j] = _mm512_add_epi32(ws0[j], ws1[j]);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(wsum),
                       Reduce4(ws0[0], ws0[1], ws0[2], ws0[3]));
    }
  }

  static int32_t WSum(const int8_t* w, int32_t len) {
    __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(),
                      _mm512_setzero_si512()};
    const __m512i ones = _mm512_set1_epi8(1);
    int32_t k = 0;
    for (; k + 256 <= len; k += 256) {
      for (int u = 0; u < 4; ++u)
        acc[u] = _mm512_dpbusd_epi32(acc[u], ones, _mm512_loadu_si512(w + k + 64 * u));
    }
    for (; k < len; k += 64) {
      acc[0] = _mm512_dpbusd_epi32(acc[0], ones,
                                   _mm512_maskz_loadu_epi8(TailMask(len - k), w + k));
    }
    return _mm512_reduce_add_epi32(_mm512_add_epi32(_mm512_add_epi32(acc[0], acc[1]),
                                                    _mm512_add_epi32(acc[2], acc[3])));
  }

  static void Epilogue(const int32_t* raw, int32_t nb, const BlockParams& bp, int32_t row_off,
                       int32_t zo, int32_t act_min, int32_t act_max, int8_t* out) {
    VnniEpilogue(raw, nb, bp, row_off, zo, act_min, act_max, out);
  }

  // |w * (x - zi)| <= 128 * 255 fits int16: multiply 32 channels in int16, widen, add.
  static void DwPixel(const int8_t* const* xs, const int8_t* const* ws, int32_t nt, int32_t nb,
                      int32_t zi, int32_t* acc) {
    const __m512i vzi = _mm512_set1_epi16(static_cast<int16_t>(zi));
    for (int32_t j = 0; j < nb; j += 32) {
      const int32_t rem = nb - j;
      const __mmask32 m = rem >= 32 ? 0xFFFFFFFFu : ((1u << rem) - 1);
      __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
      for (int32_t t = 0; t < nt; ++t) {
        const __m512i x = _mm512_sub_epi16(
            _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, xs[t] + j)), vzi);
        const __m512i w = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, ws[t] + j));
        const __m512i p = _mm512_mullo_epi16(x, w);
        s0 = _mm512_add_epi32(s0, _mm512_cvtepi16_epi32(_mm512_castsi512_si256(p)));
        s1 = _mm512_add_epi32(s1, _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(p, 1)));
      }
      _mm512_storeu_si512(acc + j, s0);
      _mm512_storeu_si512(acc + j + 16, s1);
    }
  }
};

// Pointwise ops (vnni_pointwise.h) with K <= kBcastK: each channel block's weights are
// packed once per call and every pixel streams past them. Stack: wpack 72 KB, < 2 KB rest.
bool RunPointwise(const Geometry& g, const int8_t* input, const int8_t* weights,
                  const int32_t* bias, int8_t* output) {
  if (!IsPointwise(g) || g.cg > kBcastK) return false;
  const int32_t K = g.cg, N = g.out_c, pixels = g.batches * g.out_h * g.out_w;
  alignas(64) int8_t wpack[kBcastK * kNB];
  alignas(64) int32_t wsum[kNB + 16];
  BlockParams bp;
  for (int32_t c0 = 0; c0 < N; c0 += kNB) {
    const int32_t nb = N - c0 < kNB ? N - c0 : kNB;
    if (g.requant.count != 1 || c0 == 0) FillRequant(g.requant, c0, nb, &bp);
    FillBias(bias, c0, nb, &bp);
    Vnni::PackW(weights + static_cast<int64_t>(c0) * K, K, nb, wpack, wsum);
    for (int32_t j = 0; j < nb; ++j)
      bp.col_off[j] = WrapAdd(bp.col_off[j], WrapMul(-(128 + g.zi), wsum[j]));
    PointwiseBlock(g, input, pixels, wpack, kNB * 4, bp, nb, output + c0);
  }
  return true;
}

}  // namespace

namespace vnni {

bool Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
            const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
            const Dims4& output_dims, int8_t* output) {
  const Geometry g = ConvGeometry(p, input_dims, weights_dims, output_dims);
  return RunPointwise(g, input, weights, bias, output) ||
         RunConv<Vnni>(g, input, weights, bias, output);
}

bool DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                     const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                     const Dims4& output_dims, int8_t* output) {
  return RunDepthwise<Vnni>(p, input_dims, weights_dims, bias, output_dims, input, weights,
                            output);
}

bool FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                    int32_t out_features, const int8_t* input, const int8_t* weights,
                    const int32_t* bias, int8_t* output) {
  if (batches == 1) return FullyConnectedRow(p, in_features, out_features, input, weights, bias, output);
  // Small weights (<= 16 KB): packed per call for the fully connected rows kernel; larger
  // ones through the pointwise tiles.
  if (FullyConnectedSmall(p, batches, in_features, out_features, input, weights, bias, output)) {
    return true;
  }
  const Geometry g = FcGeometry(p, batches, in_features, out_features);
  return RunPointwise(g, input, weights, bias, output) ||
         RunConv<Vnni>(g, input, weights, bias, output);
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
