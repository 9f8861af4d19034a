// AVX2 add/sub (compile with -mavx2): 8 elements per step in int32 lanes, the reference
// arithmetic of kernels/reference/elementwise.cc lane by lane; when the parameters allow
// (rescale_once.h), each of the three rescalings is rounded once instead of twice, with the
// same results and fewer instructions. Handles inputs whose channel
// dim is not broadcast (rows of C contiguous bytes, reused along broadcast N/H/W dims);
// a broadcast channel dim goes to the reference. In-place (output == an input) is safe: every
// element is read before it is written.
#include <immintrin.h>

#include <cstdint>

#include "kernels/simd_support.h"
#include "kernels/x86/broadcast_rows.h"
#include "kernels/x86/fixedpoint_avx2.h"
#include "kernels/x86/internal.h"
#include "kernels/x86/rescale_once.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

// The reference's double rounding, for any parameters the entry point accepts.
struct AddKernel {
  __m256i z1, z2, zo, lo, hi;
  __m128i left;
  Rescale8 r1, r2, ro;
  bool subtract;

  explicit AddKernel(const AddParams& p)
      : z1(_mm256_set1_epi32(p.input1_zero_point)),
        z2(_mm256_set1_epi32(p.input2_zero_point)),
        zo(_mm256_set1_epi32(p.output_zero_point)),
        lo(_mm256_set1_epi32(p.act_min - p.output_zero_point)),
        hi(_mm256_set1_epi32(p.act_max - p.output_zero_point)),
        left(_mm_cvtsi32_si128(p.left_shift)),
        r1(p.input1_multiplier, p.input1_shift),
        r2(p.input2_multiplier, p.input2_shift),
        ro(p.output_multiplier, p.output_shift),
        subtract(p.subtract) {}

  __m256i Eight(const int8_t* a, const int8_t* b) const {
    const __m256i x1 = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(a)));
    const __m256i x2 = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b)));
    const __m256i sa = r1(_mm256_sll_epi32(_mm256_sub_epi32(x1, z1), left));
    const __m256i sb = r2(_mm256_sll_epi32(_mm256_sub_epi32(x2, z2), left));
    const __m256i raw = subtract ? _mm256_sub_epi32(sa, sb) : _mm256_add_epi32(sa, sb);
    const __m256i q = _mm256_min_epi32(_mm256_max_epi32(ro(raw), lo), hi);
    return _mm256_add_epi32(q, zo);
  }
};

// MultiplyByQuantizedMultiplier rounded once (rescale_once.h) on 8 int32 lanes; `offset` is
// added to every 64-bit product (a zero point folded in).
struct RescaleOnce8 {
  __m256i mult, nudge, half, one;
  __m128i right;

  RescaleOnce8(int32_t multiplier, int32_t right_shift, int64_t offset = 0)
      : mult(_mm256_set1_epi32(multiplier)),
        nudge(_mm256_set1_epi64x(offset + (int64_t{1} << 30) + (RoundingHalf(right_shift) << 31))),
        half(_mm256_set1_epi32(right_shift == 0 ? INT32_MIN
                                                : static_cast<int32_t>(RoundingHalf(right_shift)))),
        one(_mm256_set1_epi32(1)),
        right(_mm_cvtsi32_si128(right_shift)) {}

  __m256i operator()(__m256i x) const {
    const __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(x, mult), nudge);
    const __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), mult), nudge);
    const __m256i q = _mm256_blend_epi32(_mm256_srli_epi64(pe, 31), _mm256_slli_epi64(po, 1), 0xAA);
    // q - 1 where q < half (r < 0): the compare gives -1 there.
    return _mm256_sra_epi32(_mm256_add_epi32(q, _mm256_cmpgt_epi32(half, q)), right);
  }
};

// The add with each rescaling rounded once, for parameters AddRescalesOnce accepts.
struct AddOnceKernel {
  RescaleOnce8 r1, r2, ro;
  __m256i zo, lo, hi;
  __m128i in_shift1, in_shift2, out_shift;
  bool subtract;

  AddOnceKernel(const AddParams& p, const AddInputTerm& t1, const AddInputTerm& t2)
      : r1(p.input1_multiplier, t1.right,
           AddInputTerm::Offset(p.input1_zero_point, t1.shift, p.input1_multiplier)),
        r2(p.input2_multiplier, t2.right,
           AddInputTerm::Offset(p.input2_zero_point, t2.shift, p.input2_multiplier)),
        ro(p.output_multiplier, p.output_shift > 0 ? 0 : -p.output_shift),
        zo(_mm256_set1_epi32(p.output_zero_point)),
        lo(_mm256_set1_epi32(p.act_min)),
        hi(_mm256_set1_epi32(p.act_max)),
        in_shift1(_mm_cvtsi32_si128(t1.shift)),
        in_shift2(_mm_cvtsi32_si128(t2.shift)),
        out_shift(_mm_cvtsi32_si128(p.output_shift > 0 ? p.output_shift : 0)),
        subtract(p.subtract) {}

  __m256i Eight(const int8_t* a, const int8_t* b) const {
    const __m256i x1 = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(a)));
    const __m256i x2 = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b)));
    const __m256i sa = r1(_mm256_sll_epi32(x1, in_shift1));
    const __m256i sb = r2(_mm256_sll_epi32(x2, in_shift2));
    const __m256i raw = subtract ? _mm256_sub_epi32(sa, sb) : _mm256_add_epi32(sa, sb);
    const __m256i q = _mm256_add_epi32(ro(_mm256_sll_epi32(raw, out_shift)), zo);
    return _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
  }
};

// n outputs of kernel k from rows a and b, 8 at a time; the tail through a zero-padded copy.
template <class K>
void Row(const K& k, const int8_t* a, const int8_t* b, int8_t* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) Store8Bytes(out + i, k.Eight(a + i, b + i));
  if (i < n) {
    alignas(16) int8_t ta[8] = {}, tb[8] = {}, to[8];
    const int64_t rem = n - i;
    for (int64_t j = 0; j < rem; ++j) ta[j] = a[i + j], tb[j] = b[i + j];
    Store8Bytes(to, k.Eight(ta, tb));
    for (int64_t j = 0; j < rem; ++j) out[i + j] = to[j];
  }
}

}  // namespace

namespace avx2 {

bool Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
         int8_t* output) {
  if (!simd::AddSupported(p, input1_dims, input2_dims, output_dims)) return false;
  const AddInputTerm t1(p.input1_zero_point, p.left_shift, p.input1_multiplier, p.input1_shift);
  const AddInputTerm t2(p.input2_zero_point, p.left_shift, p.input2_multiplier, p.input2_shift);
  if (AddRescalesOnce(p, t1, t2)) {
    const AddOnceKernel k(p, t1, t2);
    ForEachBroadcastRow(input1_dims, input1, input2_dims, input2, output_dims, output,
                        [&](const int8_t* a, const int8_t* b, int8_t* out, int64_t n) {
                          Row(k, a, b, out, n);
                        });
    return true;
  }
  const AddKernel k(p);
  ForEachBroadcastRow(input1_dims, input1, input2_dims, input2, output_dims, output,
                      [&](const int8_t* a, const int8_t* b, int8_t* out, int64_t n) {
                        Row(k, a, b, out, n);
                      });
  return true;
}

}  // namespace avx2
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
