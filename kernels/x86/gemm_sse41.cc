// SSE4.1 paths (compile with -msse4.1): the AVX2 scheme on 128-bit vectors. int8 is
// sign-extended to int16, zero points are subtracted in int16 ((x - zi) and (w - zw) fit in
// [-255, 255]) and pmaddwd accumulates into int32. SSE4.1 has no per-lane variable shifts, so
// the requantization (once per output, not per MAC) runs the scalar reference arithmetic.
// Small K takes the broadcast path of madd_bcast.h.
#include <smmintrin.h>

// gemmlowp's fixedpoint header picks its SSE specializations under -msse4.1; their vector
// template arguments trip -Wignored-attributes (a GCC note about alignment attributes).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#include "kernels/fixedpoint.h"
#pragma GCC diagnostic pop
#include "kernels/x86/driver.h"
#include "kernels/x86/internal.h"
#include "kernels/x86/madd_bcast.h"
#include "kernels/x86/madd_micro.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

inline __m128i Load8(const int8_t* p) {
  return _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

// MaddMicro's and MaddBcast's operations on 8 int16 / 4 int32 lanes.
struct Sse41Madd {
  using Vec = __m128i;
  static constexpr int32_t kBytes = 8, kLanes = 4;
  static Vec LoadFlipped(const int8_t* p) {
    const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
    return _mm_cvtepu8_epi16(_mm_xor_si128(v, _mm_set1_epi8(static_cast<char>(0x80))));
  }
  static Vec Bcast32(int32_t v) { return _mm_set1_epi32(v); }
  static Vec LoadAligned(const int32_t* p) {
    return _mm_load_si128(reinterpret_cast<const __m128i*>(p));
  }
  static void Store(int32_t* p, Vec v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
  static void StoreInt16(int16_t* p, Vec v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
  static int32_t Sum(Vec v) {
    __m128i q = _mm_hadd_epi32(v, v);
    q = _mm_hadd_epi32(q, q);
    return _mm_cvtsi128_si32(q);
  }
  static Vec Zero() { return _mm_setzero_si128(); }
  static Vec Set16(int32_t v) { return _mm_set1_epi16(static_cast<int16_t>(v)); }
  static Vec Load(const int8_t* p) { return Load8(p); }
  static Vec Sub16(Vec a, Vec b) { return _mm_sub_epi16(a, b); }
  static Vec MaddAdd(Vec acc, Vec x, Vec w) { return _mm_add_epi32(acc, _mm_madd_epi16(x, w)); }
  static void Store2(Vec acc0, Vec acc1, int32_t* out) {
    __m128i q = _mm_hadd_epi32(acc0, acc1);
    q = _mm_hadd_epi32(q, q);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), q);
  }
};

// PackW and Bcast: the broadcast path (madd_bcast.h).
struct Sse41 : MaddBcast<Sse41Madd> {
  static constexpr int32_t kMR = 4, kNR = 2;
  static constexpr bool kNeedWsum = false;
  static constexpr bool kBroadcast = true;
  static constexpr int32_t kMRB = kRows;
  static constexpr int32_t kBcastMaxK = kBcastInt16K;
  static constexpr int32_t kBcastMinRows = 32;

  template <int R, bool>
  static void Micro(const int8_t* const* a, int32_t nseg, int32_t seglen,
                    const int8_t* const* b, int32_t zi, int32_t zw, int32_t* out, int32_t ldo,
                    int32_t*) {
    MaddMicro<Sse41Madd, R>(a, nseg, seglen, b, zi, zw, out, ldo);
  }

  static int32_t WSum(const int8_t*, int32_t) { return 0; }

  static void Epilogue(const int32_t* raw, int32_t nb, const BlockParams& bp, int32_t row_off,
                       int32_t zo, int32_t act_min, int32_t act_max, int8_t* out) {
    for (int32_t j = 0; j < nb; ++j) {
      const int32_t x = WrapAdd(WrapAdd(raw[j], bp.col_off[j]), row_off);
      const int32_t shift = bp.rq.lshift[j] - bp.rq.rshift[j];
      out[j] = AddZeroPointAndClamp(MultiplyByQuantizedMultiplier(x, bp.rq.mult[j], shift), zo,
                                    act_min, act_max);
    }
  }

  static void DwPixel(const int8_t* const* xs, const int8_t* const* ws, int32_t nt, int32_t nb,
                      int32_t zi, int32_t* acc) {
    const __m128i vzi16 = _mm_set1_epi16(static_cast<int16_t>(zi));
    int32_t j = 0;
    // |w * (x - zi)| <= 128 * 255 fits int16: 8 channels multiplied in int16, then widened.
    for (; j + 8 <= nb; j += 8) {
      __m128i s0 = _mm_setzero_si128(), s1 = _mm_setzero_si128();
      for (int32_t t = 0; t < nt; ++t) {
        const __m128i x = _mm_sub_epi16(Load8(xs[t] + j), vzi16);
        const __m128i p = _mm_mullo_epi16(x, Load8(ws[t] + j));
        s0 = _mm_add_epi32(s0, _mm_cvtepi16_epi32(p));
        s1 = _mm_add_epi32(s1, _mm_cvtepi16_epi32(_mm_unpackhi_epi64(p, p)));
      }
      _mm_storeu_si128(reinterpret_cast<__m128i*>(acc + j), s0);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(acc + j + 4), s1);
    }
    for (; j < nb; ++j) {
      int32_t s = 0;
      for (int32_t t = 0; t < nt; ++t) s = WrapAdd(s, WrapMul(xs[t][j] - zi, ws[t][j]));
      acc[j] = s;
    }
  }
};

}  // namespace

namespace sse41 {

bool Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
            const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
            const Dims4& output_dims, int8_t* output) {
  return RunConv<Sse41>(ConvGeometry(p, input_dims, weights_dims, output_dims), input, weights,
                        bias, output);
}

bool DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                     const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                     const Dims4& output_dims, int8_t* output) {
  return RunDepthwise<Sse41>(p, input_dims, weights_dims, bias, output_dims, input, weights,
                             output);
}

bool FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                    int32_t out_features, const int8_t* input, const int8_t* weights,
                    const int32_t* bias, int8_t* output) {
  return RunConv<Sse41>(FcGeometry(p, batches, in_features, out_features), input, weights,
                        bias, output);
}

}  // namespace sse41
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
