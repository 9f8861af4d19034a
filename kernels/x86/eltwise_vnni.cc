// AVX-512 add/sub (the avx512vnni path; uses AVX-512 F/BW, and VBMI when the CPU has it):
// each of the three rescalings of kernels/reference/elementwise.cc rounded once
// (rescale_avx512.h) instead of twice, with the same results; the input zero points are
// folded into the 64-bit products. An input term depends only on its int8 value, so for
// large tensors both terms' 256 values are computed once per call and looked up 64 bytes at
// a time (vpermi2b on byte planes); the output rescaling runs on every element. Runs only
// when the parameters keep every intermediate inside the ranges rescale_avx512.h needs
// (checked once per call, rescale_once.h); other parameters go to the AVX2 kernel (mul: the
// reference). A broadcast channel dim reads one value per row; rows are reused along
// broadcast N/H/W dims (broadcast_rows.h). In place (output == an input) is safe: each
// vector is read before it is written. Mul: the product of the two zero-point-shifted
// inputs (|x| <= 65025) and one rescaling rounded once, 32 elements per step (MulKernel).
#include "kernels/x86/avx512.h"

#include <cstdint>

#include "kernels/x86/broadcast_rows.h"
#include "kernels/x86/internal.h"
#include "kernels/x86/rescale_avx512.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

struct AddKernel {
  Rescale16 r1, r2, ro;
  __m512i zo, lo, hi;
  __m128i in_shift1, in_shift2, out_shift;
  bool subtract, shift_left;

  AddKernel(const AddParams& p, const AddInputTerm& t1, const AddInputTerm& t2)
      : r1(p.input1_multiplier, t1.right,
           AddInputTerm::Offset(p.input1_zero_point, t1.shift, p.input1_multiplier)),
        r2(p.input2_multiplier, t2.right,
           AddInputTerm::Offset(p.input2_zero_point, t2.shift, p.input2_multiplier)),
        ro(p.output_multiplier, p.output_shift > 0 ? 0 : -p.output_shift),
        zo(_mm512_set1_epi32(p.output_zero_point)),
        lo(_mm512_set1_epi32(p.act_min)),
        hi(_mm512_set1_epi32(p.act_max)),
        in_shift1(_mm_cvtsi32_si128(t1.shift)),
        in_shift2(_mm_cvtsi32_si128(t2.shift)),
        out_shift(_mm_cvtsi32_si128(p.output_shift > 0 ? p.output_shift : 0)),
        subtract(p.subtract),
        shift_left(p.output_shift > 0) {}

  __m512i Sixteen(__m128i a, __m128i b) const {
    const __m512i sa = r1(_mm512_sll_epi32(_mm512_cvtepi8_epi32(a), in_shift1));
    const __m512i sb = r2(_mm512_sll_epi32(_mm512_cvtepi8_epi32(b), in_shift2));
    const __m512i raw = subtract ? _mm512_sub_epi32(sa, sb) : _mm512_add_epi32(sa, sb);
    return _mm512_min_epi32(_mm512_max_epi32(Output(raw), lo), hi);
  }

  // 16 outputs before the clamp, from 16 sums of the two terms.
  __m512i Output(__m512i raw) const {
    return _mm512_add_epi32(ro(shift_left ? _mm512_sll_epi32(raw, out_shift) : raw), zo);
  }
};

// The 256 values of one input term as four byte planes: plane p holds byte p of the term of
// every int8 x, indexed by x as an unsigned byte (0..127, then -128..-1).
struct TermPlanes {
  alignas(64) int8_t plane[4][256];

  void Build(const Rescale16& r, __m128i shift) {
    const __m128i ramp = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int32_t u = 0; u < 256; u += 16) {
      const __m128i x = _mm_add_epi8(_mm_set1_epi8(static_cast<int8_t>(u)), ramp);
      const __m512i term = r(_mm512_sll_epi32(_mm512_cvtepi8_epi32(x), shift));
      for (int32_t p = 0; p < 4; ++p) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(plane[p] + u),
                         _mm512_cvtepi32_epi8(_mm512_srli_epi32(term, 8 * p)));
      }
    }
  }
};

// Table lookups need AVX512-VBMI (QINFER_VBMI, avx512.h): vpermi2b, 64 byte lookups in a
// 128-byte table.

QINFER_VBMI inline __m512i Plane(const int8_t* plane, __m512i x, __mmask64 negative) {
  const __m512i* t = reinterpret_cast<const __m512i*>(plane);
  const __m512i low = _mm512_permutex2var_epi8(_mm512_load_si512(t), x, _mm512_load_si512(t + 1));
  const __m512i high = _mm512_permutex2var_epi8(_mm512_load_si512(t + 2), x, _mm512_load_si512(t + 3));
  return _mm512_mask_mov_epi8(low, negative, high);
}

// The terms of 64 bytes as four vectors of int32, in the order of the unpack instructions
// (within each 128-bit lane: elements 0-3, 4-7, 8-11, 12-15); vpackss* undoes it.
QINFER_VBMI inline void Terms(const TermPlanes& t, __m512i x, __m512i d[4]) {
  const __mmask64 negative = _mm512_movepi8_mask(x);
  const __m512i p0 = Plane(t.plane[0], x, negative), p1 = Plane(t.plane[1], x, negative);
  const __m512i p2 = Plane(t.plane[2], x, negative), p3 = Plane(t.plane[3], x, negative);
  const __m512i w01lo = _mm512_unpacklo_epi8(p0, p1), w01hi = _mm512_unpackhi_epi8(p0, p1);
  const __m512i w23lo = _mm512_unpacklo_epi8(p2, p3), w23hi = _mm512_unpackhi_epi8(p2, p3);
  d[0] = _mm512_unpacklo_epi16(w01lo, w23lo);
  d[1] = _mm512_unpackhi_epi16(w01lo, w23lo);
  d[2] = _mm512_unpacklo_epi16(w01hi, w23hi);
  d[3] = _mm512_unpackhi_epi16(w01hi, w23hi);
}

// n / 64 blocks of 64 outputs with both terms looked up; returns how many outputs it wrote.
QINFER_VBMI int64_t LookupBlocks(const AddKernel& k, const TermPlanes& t1, const TermPlanes& t2,
                                 const AddParams& p, const int8_t* a, const int8_t* b,
                                 int8_t* out, int64_t n) {
  const __m512i lo = _mm512_set1_epi8(static_cast<int8_t>(p.act_min));
  const __m512i hi = _mm512_set1_epi8(static_cast<int8_t>(p.act_max));
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    __m512i da[4], db[4], q[4];
    Terms(t1, _mm512_loadu_si512(a + i), da);
    Terms(t2, _mm512_loadu_si512(b + i), db);
    for (int32_t j = 0; j < 4; ++j) {
      q[j] = k.Output(p.subtract ? _mm512_sub_epi32(da[j], db[j]) : _mm512_add_epi32(da[j], db[j]));
    }
    // Saturating packs clamp to int8 exactly; then the activation range.
    const __m512i bytes = _mm512_packs_epi16(_mm512_packs_epi32(q[0], q[1]), _mm512_packs_epi32(q[2], q[3]));
    _mm512_storeu_si512(out + i, _mm512_min_epi8(_mm512_max_epi8(bytes, lo), hi));
  }
  return i;
}

// Looked-up terms pay off from this many outputs (building both tables costs ~50 vectors).
constexpr int64_t kLookupMinOutputs = 1024;

struct AddRows {
  const AddKernel& k;
  const AddParams& p;
  const TermPlanes* t1;  // null: no lookups (few outputs, or no VBMI)
  const TermPlanes* t2;

  // n outputs from a (stride 1, or one value for all when a_step is 0) and b likewise.
  void operator()(const int8_t* a, bool a_step, const int8_t* b, bool b_step, int8_t* out,
                  int64_t n) const {
    if (n <= 0) return;
    const __m128i a1 = _mm_set1_epi8(*a), b1 = _mm_set1_epi8(*b);
    int64_t i = 0;
    if (t1 != nullptr && a_step && b_step) i = LookupBlocks(k, *t1, *t2, p, a, b, out, n);
    for (; i + 16 <= n; i += 16) {
      const __m128i va = a_step ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)) : a1;
      const __m128i vb = b_step ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)) : b1;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm512_cvtepi32_epi8(k.Sixteen(va, vb)));
    }
    if (i < n) {
      const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
      const __m128i va = a_step ? _mm_maskz_loadu_epi8(m, a + i) : a1;
      const __m128i vb = b_step ? _mm_maskz_loadu_epi8(m, b + i) : b1;
      _mm512_mask_cvtepi32_storeu_epi8(out + i, m, k.Sixteen(va, vb));
    }
  }
};

// Mul, 32 elements per step: the shifted inputs (|x| <= 255) multiply in int16 lanes
// (vpmullw/vpmulhw give the low and high halves of each 17-bit product, unpacked to int32
// in the per-lane order vpackssdw undoes), then one rescaling per 16 products.
struct MulKernel {
  Rescale16 ro;
  __m512i z1, z2, zo;
  __m256i lo, hi;
  __m128i out_shift;
  bool shift_left;

  explicit MulKernel(const MulParams& p)
      : ro(p.output_multiplier, p.output_shift > 0 ? 0 : -p.output_shift),
        z1(_mm512_set1_epi16(static_cast<int16_t>(p.input1_zero_point))),
        z2(_mm512_set1_epi16(static_cast<int16_t>(p.input2_zero_point))),
        zo(_mm512_set1_epi16(static_cast<int16_t>(p.output_zero_point))),
        lo(_mm256_set1_epi8(static_cast<int8_t>(p.act_min))),
        hi(_mm256_set1_epi8(static_cast<int8_t>(p.act_max))),
        out_shift(_mm_cvtsi32_si128(p.output_shift > 0 ? p.output_shift : 0)),
        shift_left(p.output_shift > 0) {}

  __m512i Rescaled(__m512i prod) const {
    return ro(shift_left ? _mm512_sll_epi32(prod, out_shift) : prod);
  }

  // 32 outputs; saturating packs clamp to int16 and int8 exactly (|zero point| <= 128).
  __m256i ThirtyTwo(__m256i a, __m256i b) const {
    const __m512i xa = _mm512_sub_epi16(_mm512_cvtepi8_epi16(a), z1);
    const __m512i xb = _mm512_sub_epi16(_mm512_cvtepi8_epi16(b), z2);
    const __m512i low = _mm512_mullo_epi16(xa, xb), high = _mm512_mulhi_epi16(xa, xb);
    const __m512i q = _mm512_packs_epi32(Rescaled(_mm512_unpacklo_epi16(low, high)),
                                         Rescaled(_mm512_unpackhi_epi16(low, high)));
    const __m256i bytes = _mm512_cvtsepi16_epi8(_mm512_adds_epi16(q, zo));
    return _mm256_min_epi8(_mm256_max_epi8(bytes, lo), hi);
  }

  void operator()(const int8_t* a, bool a_step, const int8_t* b, bool b_step, int8_t* out,
                  int64_t n) const {
    if (n <= 0) return;
    const __m256i a1 = _mm256_set1_epi8(*a), b1 = _mm256_set1_epi8(*b);
    for (int64_t i = 0; i < n; i += 32) {
      const __mmask32 m = n - i >= 32 ? ~__mmask32{0} : (__mmask32{1} << (n - i)) - 1u;
      const __m256i va = a_step ? _mm256_maskz_loadu_epi8(m, a + i) : a1;
      const __m256i vb = b_step ? _mm256_maskz_loadu_epi8(m, b + i) : b1;
      _mm256_mask_storeu_epi8(out + i, m, ThirtyTwo(va, vb));
    }
  }
};

}  // namespace

namespace vnni {

bool Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
         int8_t* output) {
  const AddInputTerm t1(p.input1_zero_point, p.left_shift, p.input1_multiplier, p.input1_shift);
  const AddInputTerm t2(p.input2_zero_point, p.left_shift, p.input2_multiplier, p.input2_shift);
  if (!AddRescalesOnce(p, t1, t2)) return false;
  const AddKernel k(p, t1, t2);
  const bool step1 = input1_dims.c == output_dims.c, step2 = input2_dims.c == output_dims.c;
  const bool lookup = FlatSize(output_dims) >= kLookupMinOutputs && step1 && step2 &&
                      __builtin_cpu_supports("avx512vbmi");
  TermPlanes planes[2];  // built only when used
  if (lookup) {
    planes[0].Build(k.r1, k.in_shift1);
    planes[1].Build(k.r2, k.in_shift2);
  }
  const AddRows rows{k, p, lookup ? &planes[0] : nullptr, lookup ? &planes[1] : nullptr};
  ForEachBroadcastRow(input1_dims, input1, input2_dims, input2, output_dims, output,
                      [&](const int8_t* a, const int8_t* b, int8_t* out, int64_t n) {
                        rows(a, step1, b, step2, out, n);
                      });
  return true;
}

bool Mul(const MulParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
         int8_t* output) {
  if (!MulRescalesOnce(p)) return false;
  const MulKernel k(p);
  const bool step1 = input1_dims.c == output_dims.c, step2 = input2_dims.c == output_dims.c;
  ForEachBroadcastRow(input1_dims, input1, input2_dims, input2, output_dims, output,
                      [&](const int8_t* a, const int8_t* b, int8_t* out, int64_t n) {
                        k(a, step1, b, step2, out, n);
                      });
  return true;
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
