// AVX2 max and average pooling (compile with -mavx2), vectorized over channels: per output
// pixel, the window part inside the input (padding excluded, as in
// kernels/reference/pooling.cc) is reduced 32 (max) or 16 (average) channels at a time. A
// channel count that is not a multiple of the vector width ends with one block aligned to the
// last channel, overlapping the previous one (same values written twice); fewer channels than
// one vector run the scalar reference arithmetic.
// Average: window sums in int16 (at most 256 elements of |x| <= 128), then the reference's
// rounding (sum +/- count/2, truncating division) as |sum| + count/2 times ceil(2^31 / count),
// shifted right by 31; exact because (|sum| + count/2) * count < 2^31 for count <= 256.
#include <immintrin.h>

#include <cstdint>

#include "kernels/reference/pool_window.h"
#include "kernels/simd_support.h"
#include "kernels/x86/internal.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

inline int32_t Count(const PoolWindow& w) { return (w.y1 - w.y0) * (w.x1 - w.x0); }

inline int32_t ClampI(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Rounded average of one channel, exactly as the reference computes it.
inline int32_t AvgOf(int32_t sum, int32_t count) {
  if (count <= 0) return 0;
  return sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
}

struct MaxPool {
  static constexpr bool kAverage = false;
  static void Block32(const int8_t* base, int64_t row, int32_t c_count, const PoolWindow& w,
                      const PoolParams& p, int8_t* out) {
    __m256i m = _mm256_set1_epi8(-128);
    for (int32_t iy = w.y0; iy < w.y1; ++iy)
      for (int32_t ix = w.x0; ix < w.x1; ++ix)
        m = _mm256_max_epi8(m, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(
                                   base + iy * row + static_cast<int64_t>(ix) * c_count)));
    m = _mm256_min_epi8(_mm256_max_epi8(m, _mm256_set1_epi8(static_cast<int8_t>(p.act_min))),
                        _mm256_set1_epi8(static_cast<int8_t>(p.act_max)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), m);
  }
  static void Block16(const int8_t* base, int64_t row, int32_t c_count, const PoolWindow& w,
                      const PoolParams& p, int8_t* out) {
    __m128i m = _mm_set1_epi8(-128);
    for (int32_t iy = w.y0; iy < w.y1; ++iy)
      for (int32_t ix = w.x0; ix < w.x1; ++ix)
        m = _mm_max_epi8(m, _mm_loadu_si128(reinterpret_cast<const __m128i*>(
                                base + iy * row + static_cast<int64_t>(ix) * c_count)));
    m = _mm_min_epi8(_mm_max_epi8(m, _mm_set1_epi8(static_cast<int8_t>(p.act_min))),
                     _mm_set1_epi8(static_cast<int8_t>(p.act_max)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), m);
  }
  static void Scalar(const int8_t* base, int64_t row, int32_t c_count, const PoolWindow& w,
                     const PoolParams& p, int8_t* out) {
    int32_t mx = -128;
    for (int32_t iy = w.y0; iy < w.y1; ++iy)
      for (int32_t ix = w.x0; ix < w.x1; ++ix) {
        const int32_t v = base[iy * row + static_cast<int64_t>(ix) * c_count];
        mx = v > mx ? v : mx;
      }
    *out = static_cast<int8_t>(ClampI(mx, p.act_min, p.act_max));
  }
};

struct AvgPool {
  static constexpr bool kAverage = true;
  // 16 channels: int16 window sums, widened to int32 for the division.
  static void Block16(const int8_t* base, int64_t row, int32_t c_count, const PoolWindow& w,
                      const PoolParams& p, int8_t* out) {
    __m256i s = _mm256_setzero_si256();
    for (int32_t iy = w.y0; iy < w.y1; ++iy)
      for (int32_t ix = w.x0; ix < w.x1; ++ix)
        s = _mm256_add_epi16(s, _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(
                                    base + iy * row + static_cast<int64_t>(ix) * c_count))));
    const int32_t count = Count(w);
    const __m256i lo = _mm256_set1_epi32(p.act_min), hi = _mm256_set1_epi32(p.act_max);
    __m256i r[2];
    for (int h = 0; h < 2; ++h) {
      const __m256i sum = _mm256_cvtepi16_epi32(h == 0 ? _mm256_castsi256_si128(s)
                                                       : _mm256_extracti128_si256(s, 1));
      __m256i q = _mm256_setzero_si256();
      if (count > 0) {
        const uint32_t magic = static_cast<uint32_t>(((1ull << 31) + count - 1) / count);
        const __m256i vm = _mm256_set1_epi32(static_cast<int32_t>(magic));
        const __m256i n = _mm256_add_epi32(_mm256_abs_epi32(sum), _mm256_set1_epi32(count / 2));
        const __m256i pe = _mm256_mul_epu32(n, vm);
        const __m256i po = _mm256_mul_epu32(_mm256_srli_epi64(n, 32), vm);
        q = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
        q = _mm256_sign_epi32(q, sum);
      }
      r[h] = _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
    }
    const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(r[0]), _mm256_extracti128_si256(r[0], 1));
    const __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(r[1]), _mm256_extracti128_si256(r[1], 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_packs_epi16(p16, q16));
  }
  static void Block32(const int8_t* base, int64_t row, int32_t c_count, const PoolWindow& w,
                      const PoolParams& p, int8_t* out) {
    Block16(base, row, c_count, w, p, out);
    Block16(base + 16, row, c_count, w, p, out + 16);
  }
  static void Scalar(const int8_t* base, int64_t row, int32_t c_count, const PoolWindow& w,
                     const PoolParams& p, int8_t* out) {
    int32_t sum = 0;
    for (int32_t iy = w.y0; iy < w.y1; ++iy)
      for (int32_t ix = w.x0; ix < w.x1; ++ix) sum += base[iy * row + static_cast<int64_t>(ix) * c_count];
    *out = static_cast<int8_t>(ClampI(AvgOf(sum, Count(w)), p.act_min, p.act_max));
  }
};

template <class K>
bool Run(const PoolParams& p, const Dims4& in, const int8_t* input, const Dims4& out_d,
         int8_t* output) {
  if (!simd::PoolSupported(p, in, out_d, K::kAverage)) return false;
  const int32_t C = in.c;
  const int64_t row = static_cast<int64_t>(in.w) * C;
  int8_t* o = output;
  for (int32_t n = 0; n < out_d.n; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * in.h * row;
    for (int32_t oy = 0; oy < out_d.h; ++oy) {
      for (int32_t ox = 0; ox < out_d.w; ++ox, o += C) {
        const PoolWindow w = PoolWindowAt(p, in, oy, ox);
        if (C >= 32) {
          for (int32_t c = 0; c < C; c += 32) {
            const int32_t c0 = c + 32 <= C ? c : C - 32;
            K::Block32(in_n + c0, row, C, w, p, o + c0);
          }
        } else if (C >= 16) {
          K::Block16(in_n, row, C, w, p, o);
          K::Block16(in_n + C - 16, row, C, w, p, o + C - 16);
        } else {
          for (int32_t c = 0; c < C; ++c) K::Scalar(in_n + c, row, C, w, p, o + c);
        }
      }
    }
  }
  return true;
}

}  // namespace

namespace avx2 {

bool MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  return Run<MaxPool>(p, input_dims, input, output_dims, output);
}

bool AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  return Run<AvgPool>(p, input_dims, input, output_dims, output);
}

}  // namespace avx2
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
