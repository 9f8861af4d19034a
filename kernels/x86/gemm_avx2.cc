// AVX2 paths (compile with -mavx2): int8 sign-extended to int16, zero points subtracted in
// int16 ((x - zi) and (w - zw) fit in [-255, 255]), vpmaddwd into int32. No correction terms.
// Small K takes the broadcast path of madd_bcast.h.
#include <immintrin.h>

#include "kernels/x86/driver.h"
#include "kernels/x86/internal.h"
#include "kernels/x86/madd_bcast.h"
#include "kernels/x86/madd_micro.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

inline __m256i Load16(const int8_t* p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Same arithmetic as Requant16 in requant_avx512.h, on 8 lanes.
inline __m256i Requant8(__m256i x, __m256i mult, __m256i lsh, __m256i rsh, __m256i lo,
                        __m256i hi, __m256i zo) {
  x = _mm256_sllv_epi32(x, lsh);
  const __m256i nudge = _mm256_set1_epi64x(1LL << 30);
  const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, mult), nudge);
  const __m256i po = _mm256_add_epi64(
      _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(mult, 32)), nudge);
  __m256i r = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
  const __m256i imin = _mm256_set1_epi32(INT32_MIN);
  const __m256i sat = _mm256_and_si256(_mm256_cmpeq_epi32(x, imin), _mm256_cmpeq_epi32(mult, imin));
  r = _mm256_blendv_epi8(r, _mm256_set1_epi32(INT32_MAX), sat);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, rsh), one);
  const __m256i rem = _mm256_and_si256(r, mask);
  const __m256i thr = _mm256_add_epi32(_mm256_srai_epi32(mask, 1), _mm256_srli_epi32(r, 31));
  __m256i q = _mm256_srav_epi32(r, rsh);
  q = _mm256_sub_epi32(q, _mm256_cmpgt_epi32(rem, thr));
  q = _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
  return _mm256_add_epi32(q, zo);
}

inline void Store8(int8_t* out, __m256i v, int32_t n) {
  const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i p8 = _mm_packs_epi16(p16, p16);
  if (n >= 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), p8);
  } else {
    alignas(16) int8_t t[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(t), p8);
    for (int32_t i = 0; i < n; ++i) out[i] = t[i];
  }
}

// MaddMicro's and MaddBcast's operations on 16 int16 / 8 int32 lanes.
struct Avx2Madd {
  using Vec = __m256i;
  static constexpr int32_t kBytes = 16, kLanes = 8;
  static Vec LoadFlipped(const int8_t* p) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_cvtepu8_epi16(_mm_xor_si128(v, _mm_set1_epi8(static_cast<char>(0x80))));
  }
  static Vec Bcast32(int32_t v) { return _mm256_set1_epi32(v); }
  static Vec LoadAligned(const int32_t* p) {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
  }
  static void Store(int32_t* p, Vec v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static void StoreInt16(int16_t* p, Vec v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static int32_t Sum(Vec v) {
    __m128i q = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    q = _mm_hadd_epi32(q, q);
    q = _mm_hadd_epi32(q, q);
    return _mm_cvtsi128_si32(q);
  }
  static Vec Zero() { return _mm256_setzero_si256(); }
  static Vec Set16(int32_t v) { return _mm256_set1_epi16(static_cast<int16_t>(v)); }
  static Vec Load(const int8_t* p) { return Load16(p); }
  static Vec Sub16(Vec a, Vec b) { return _mm256_sub_epi16(a, b); }
  static Vec MaddAdd(Vec acc, Vec x, Vec w) { return _mm256_add_epi32(acc, _mm256_madd_epi16(x, w)); }
  static void Store2(Vec acc0, Vec acc1, int32_t* out) {
    const __m256i h = _mm256_hadd_epi32(acc0, acc1);
    __m128i q = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    q = _mm_hadd_epi32(q, q);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), q);
  }
};

// PackW and Bcast: the broadcast path (madd_bcast.h).
struct Avx2 : MaddBcast<Avx2Madd> {
  static constexpr int32_t kMR = 4, kNR = 2;
  static constexpr bool kNeedWsum = false;
  static constexpr bool kBroadcast = true;
  static constexpr int32_t kMRB = kRows;
  static constexpr int32_t kBcastMaxK = kBcastInt16K;
  static constexpr int32_t kBcastMinRows = 8;

  template <int R, bool>
  static void Micro(const int8_t* const* a, int32_t nseg, int32_t seglen,
                    const int8_t* const* b, int32_t zi, int32_t zw, int32_t* out, int32_t ldo,
                    int32_t*) {
    MaddMicro<Avx2Madd, R>(a, nseg, seglen, b, zi, zw, out, ldo);
  }

  static int32_t WSum(const int8_t*, int32_t) { return 0; }

  static void Epilogue(const int32_t* raw, int32_t nb, const BlockParams& bp, int32_t row_off,
                       int32_t zo, int32_t act_min, int32_t act_max, int8_t* out) {
    const __m256i roff = _mm256_set1_epi32(row_off);
    const __m256i lo = _mm256_set1_epi32(act_min - zo), hi = _mm256_set1_epi32(act_max - zo);
    const __m256i vzo = _mm256_set1_epi32(zo);
    for (int32_t j = 0; j < nb; j += 8) {
      __m256i x = _mm256_add_epi32(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(raw + j)),
          _mm256_load_si256(reinterpret_cast<const __m256i*>(bp.col_off + j)));
      x = _mm256_add_epi32(x, roff);
      const __m256i r =
          Requant8(x, _mm256_load_si256(reinterpret_cast<const __m256i*>(bp.rq.mult + j)),
                   _mm256_load_si256(reinterpret_cast<const __m256i*>(bp.rq.lshift + j)),
                   _mm256_load_si256(reinterpret_cast<const __m256i*>(bp.rq.rshift + j)), lo, hi,
                   vzo);
      Store8(out + j, r, nb - j);
    }
  }

  static void DwPixel(const int8_t* const* xs, const int8_t* const* ws, int32_t nt, int32_t nb,
                      int32_t zi, int32_t* acc) {
    const __m256i vzi = _mm256_set1_epi32(zi);
    const __m256i vzi16 = _mm256_set1_epi16(static_cast<int16_t>(zi));
    int32_t j = 0;
    // |w * (x - zi)| <= 128 * 255 fits int16: 16 channels multiplied in int16, then widened.
    for (; j + 16 <= nb; j += 16) {
      __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
      for (int32_t t = 0; t < nt; ++t) {
        const __m256i x = _mm256_sub_epi16(Load16(xs[t] + j), vzi16);
        const __m256i p = _mm256_mullo_epi16(x, Load16(ws[t] + j));
        s0 = _mm256_add_epi32(s0, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(p)));
        s1 = _mm256_add_epi32(s1, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(p, 1)));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + j), s0);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + j + 8), s1);
    }
    for (; j + 8 <= nb; j += 8) {
      __m256i s = _mm256_setzero_si256();
      for (int32_t t = 0; t < nt; ++t) {
        const __m256i x = _mm256_sub_epi32(
            _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(xs[t] + j))),
            vzi);
        const __m256i w = _mm256_cvtepi8_epi32(
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(ws[t] + j)));
        s = _mm256_add_epi32(s, _mm256_mullo_epi32(x, w));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + j), s);
    }
    for (; j < nb; ++j) {
      int32_t s = 0;
      for (int32_t t = 0; t < nt; ++t) {
        s = WrapAdd(s, WrapMul(xs[t][j] - zi, ws[t][j]));
      }
      acc[j] = s;
    }
  }
};

}  // namespace

namespace avx2 {

bool Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
            const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
            const Dims4& output_dims, int8_t* output) {
  return RunConv<Avx2>(ConvGeometry(p, input_dims, weights_dims, output_dims), input, weights,
                       bias, output);
}

bool DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                     const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                     const Dims4& output_dims, int8_t* output) {
  return RunDepthwise<Avx2>(p, input_dims, weights_dims, bias, output_dims, input, weights,
                            output);
}

bool FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                    int32_t out_features, const int8_t* input, const int8_t* weights,
                    const int32_t* bias, int8_t* output) {
  return RunConv<Avx2>(FcGeometry(p, batches, in_features, out_features), input, weights, bias,
                       output);
}

}  // namespace avx2
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
