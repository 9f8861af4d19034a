// AVX-512 max and average pooling (the avx512vnni path; uses AVX-512 F/BW only). The window
// part inside the input (padding excluded, as in kernels/reference/pooling.cc) is reduced in
// two passes per output row: the window's input rows are combined column by column into one
// row on the stack (64 bytes per step, whatever the channel count), then each output pixel
// combines its window's columns of that row, 64 (max) or 32 (average) channels at a time, the
// last block masked. Rows longer than the stack row run a one-pass loop per pixel instead.
// Average: window sums in int16 (at most 256 elements of |x| <= 128), then the reference's
// rounding (sum +/- count/2, truncating division) as (|sum| + count/2) * ceil(2^31 / count)
// >> 31 with the sign put back; exact because (|sum| + count/2) * count < 2^31 for
// count <= 256. The reciprocal is recomputed only when the window count changes.
#include "kernels/x86/avx512.h"

#include <cstdint>

#include "kernels/reference/pool_window.h"
#include "kernels/simd_support.h"
#include "kernels/x86/internal.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

inline __mmask64 Mask64(int32_t n) { return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1; }

struct MaxPool {
  static constexpr bool kAverage = false;
  using Acc = int8_t;
  static constexpr int32_t kBlock = 64;
  __m512i lo, hi;
  bool clamp;

  explicit MaxPool(const PoolParams& p)
      : lo(_mm512_set1_epi8(static_cast<int8_t>(p.act_min))),
        hi(_mm512_set1_epi8(static_cast<int8_t>(p.act_max))),
        clamp(p.act_min > -128 || p.act_max < 127) {}

  // One output pixel's channels under m (at most 64), read from the input directly.
  void Block(const int8_t* base, int64_t row, int64_t pixel, const PoolWindow& w,
             __mmask64 m, int8_t* out) {
    __m512i acc = _mm512_set1_epi8(-128);
    for (int32_t iy = w.y0; iy < w.y1; ++iy) {
      const int8_t* r = base + iy * row;
      for (int32_t ix = w.x0; ix < w.x1; ++ix) {
        acc = _mm512_max_epi8(acc, _mm512_maskz_loadu_epi8(m, r + ix * pixel));
      }
    }
    if (clamp) acc = _mm512_min_epi8(_mm512_max_epi8(acc, lo), hi);
    _mm512_mask_storeu_epi8(out, m, acc);
  }
  void StartPixel(const PoolWindow&) {}

  // Column maxima of `count` consecutive rows of `bytes` bytes (-128 for none).
  void Rows(const int8_t* first, int32_t count, int64_t bytes, int8_t* to) const {
    for (int64_t i = 0; i < bytes; i += 64) {
      const __mmask64 m = Mask64(bytes - i < 64 ? static_cast<int32_t>(bytes - i) : 64);
      __m512i acc = _mm512_set1_epi8(-128);
      for (int32_t r = 0; r < count; ++r) {
        acc = _mm512_max_epi8(acc, _mm512_maskz_loadu_epi8(m, first + r * bytes + i));
      }
      _mm512_mask_storeu_epi8(to + i, m, acc);
    }
  }
  void Columns(const int8_t* combined, int32_t x0, int32_t x1, int64_t pixel, __mmask64 m,
               int8_t* out) const {
    __m512i acc = _mm512_set1_epi8(-128);
    for (int32_t ix = x0; ix < x1; ++ix) {
      acc = _mm512_max_epi8(acc, _mm512_maskz_loadu_epi8(m, combined + ix * pixel));
    }
    if (clamp) acc = _mm512_min_epi8(_mm512_max_epi8(acc, lo), hi);
    _mm512_mask_storeu_epi8(out, m, acc);
  }
};

struct AvgPool {
  static constexpr bool kAverage = true;
  using Acc = int16_t;
  static constexpr int32_t kBlock = 32;
  __m256i lo, hi;
  __m512i magic, half;
  int32_t count = -1;

  explicit AvgPool(const PoolParams& p)
      : lo(_mm256_set1_epi8(static_cast<int8_t>(p.act_min))),
        hi(_mm256_set1_epi8(static_cast<int8_t>(p.act_max))),
        magic(_mm512_setzero_si512()),
        half(_mm512_setzero_si512()) {}

  void StartPixel(const PoolWindow& w) {
    const int32_t c = (w.y1 - w.y0) * (w.x1 - w.x0);
    if (c == count) return;
    count = c;
    // count <= 0 (a window entirely in the padding): magic 0 gives the reference's 0.
    const uint32_t mg = c > 0 ? static_cast<uint32_t>(((uint64_t{1} << 31) + c - 1) / c) : 0u;
    magic = _mm512_set1_epi32(static_cast<int32_t>(mg));
    half = _mm512_set1_epi32(c > 0 ? c / 2 : 0);
  }

  __m128i Divide(__m256i sum16) const {
    const __m512i sum = _mm512_cvtepi16_epi32(sum16), zero = _mm512_setzero_si512();
    const __m512i n = _mm512_add_epi32(_mm512_abs_epi32(sum), half);
    const __m512i pe = _mm512_mul_epu32(n, magic);
    const __m512i po = _mm512_mul_epu32(_mm512_srli_epi64(n, 32), magic);
    const __m512i q = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe, 31), _mm512_slli_epi64(po, 1));
    const __m512i s = _mm512_mask_sub_epi32(q, _mm512_cmplt_epi32_mask(sum, zero), zero, q);
    return _mm512_cvtepi32_epi8(s);  // |average| <= 128: -128..127 after the sign
  }

  // 32 window sums to averages, clamped, stored under m.
  void Store(__m512i sums, __mmask32 m, int8_t* out) const {
    const __m128i a = Divide(_mm512_castsi512_si256(sums));
    const __m128i b = Divide(_mm512_extracti64x4_epi64(sums, 1));
    __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1);
    v = _mm256_min_epi8(_mm256_max_epi8(v, lo), hi);
    _mm256_mask_storeu_epi8(out, m, v);
  }

  void Block(const int8_t* base, int64_t row, int64_t pixel, const PoolWindow& w,
             __mmask64 m64, int8_t* out) {
    const __mmask32 m = static_cast<__mmask32>(m64);
    __m512i acc = _mm512_setzero_si512();
    for (int32_t iy = w.y0; iy < w.y1; ++iy) {
      const int8_t* r = base + iy * row;
      for (int32_t ix = w.x0; ix < w.x1; ++ix) {
        acc = _mm512_add_epi16(acc, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, r + ix * pixel)));
      }
    }
    Store(acc, m, out);
  }

  // Column sums of `count` consecutive rows of `bytes` bytes.
  void Rows(const int8_t* first, int32_t count, int64_t bytes, int16_t* to) const {
    for (int64_t i = 0; i < bytes; i += 32) {
      const __mmask32 m = static_cast<__mmask32>(Mask64(bytes - i < 32 ? static_cast<int32_t>(bytes - i) : 32));
      __m512i acc = _mm512_setzero_si512();
      for (int32_t r = 0; r < count; ++r) {
        acc = _mm512_add_epi16(acc, _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(m, first + r * bytes + i)));
      }
      _mm512_mask_storeu_epi16(to + i, m, acc);
    }
  }
  void Columns(const int16_t* combined, int32_t x0, int32_t x1, int64_t pixel, __mmask64 m64,
               int8_t* out) const {
    const __mmask32 m = static_cast<__mmask32>(m64);
    __m512i acc = _mm512_setzero_si512();
    for (int32_t ix = x0; ix < x1; ++ix) {
      acc = _mm512_add_epi16(acc, _mm512_maskz_loadu_epi16(m, combined + ix * pixel));
    }
    Store(acc, m, out);
  }
};

// Stack row of the two-pass loop: kRowBytes bytes of int8 maxima or int16 sums.
constexpr int64_t kRowBytes = 32 * 1024;

template <class K>
bool Run(const PoolParams& p, const Dims4& in, const int8_t* input, const Dims4& out_d,
         int8_t* output) {
  if (!simd::PoolSupported(p, in, out_d, K::kAverage)) return false;
  K k(p);
  const int32_t C = in.c;
  const int64_t row = static_cast<int64_t>(in.w) * C;
  const bool two_pass = row * static_cast<int64_t>(sizeof(typename K::Acc)) <= kRowBytes;
  alignas(64) typename K::Acc combined[kRowBytes / sizeof(typename K::Acc)];
  int8_t* o = output;
  for (int32_t n = 0; n < out_d.n; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * in.h * row;
    for (int32_t oy = 0; oy < out_d.h; ++oy) {
      const PoolWindow rows = PoolWindowAt(p, in, oy, 0);
      if (two_pass) {
        const int32_t count = rows.y1 > rows.y0 ? rows.y1 - rows.y0 : 0;
        k.Rows(count > 0 ? in_n + rows.y0 * row : in_n, count, row, combined);
      }
      for (int32_t ox = 0; ox < out_d.w; ++ox, o += C) {
        const PoolWindow w = PoolWindowAt(p, in, oy, ox);
        k.StartPixel(w);
        for (int32_t c = 0; c < C; c += K::kBlock) {
          const int32_t left = C - c;
          const __mmask64 m = Mask64(left < K::kBlock ? left : K::kBlock);
          if (two_pass) {
            k.Columns(combined + c, w.x0, w.x1, C, m, o + c);
          } else {
            k.Block(in_n + c, row, C, w, m, o + c);
          }
        }
      }
    }
  }
  return true;
}

}  // namespace

namespace vnni {

bool MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  return Run<MaxPool>(p, input_dims, input, output_dims, output);
}

bool AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  return Run<AvgPool>(p, input_dims, input, output_dims, output);
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
