// MultiplyByQuantizedMultiplier (kernels/fixedpoint.h) with one rounding step instead of two,
// for the vector rescalings of the add and mul kernels (rescale_avx512.h, eltwise_avx2.cc).
// SaturatingRoundingDoublingHighMul is floor((P + 2^30) / 2^31) for the product P = x * m,
// and RoundingDivideByPOT(r, e) is floor((r + c) / 2^e) with c = 2^(e-1) for r >= 0 and
// 2^(e-1) - 1 for r < 0 (c = 0 for e = 0). Nested floors fold: the result is
// floor((P + 2^30 + c * 2^31) / 2^(31 + e)). The 64-bit product plus the constant for
// r >= 0 gives Q = r + 2^(e-1) after one shift by 31; r < 0 exactly when Q < 2^(e-1), and
// then one is taken off before the final shift by e. Exact when Q fits int32 and x * m is not
// INT32_MIN * INT32_MIN: the checks below establish that from bounds on |x| once per call.
// Plain C++ (no intrinsics).
#ifndef QINFER_KERNELS_X86_RESCALE_ONCE_H_
#define QINFER_KERNELS_X86_RESCALE_ONCE_H_

#include <cstdint>

#include "kernels/simd_support.h"
#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace x86 {

using simd::IsInt8;
inline int64_t Abs64(int32_t v) { return v < 0 ? -int64_t{v} : int64_t{v}; }

// 2^(e-1), the rounding constant for r >= 0 (0 for e = 0).
inline int64_t RoundingHalf(int32_t e) { return e == 0 ? 0 : int64_t{1} << (e - 1); }

// Whether Q = r + 2^(e-1) stays inside int32 for every |r| <= r_bound.
inline bool QFits(int64_t r_bound, int32_t right_shift) {
  return r_bound + RoundingHalf(right_shift) <= INT32_MAX && -r_bound - 1 >= INT32_MIN;
}

// Whether MultiplyByQuantizedMultiplier(x, m, shift) can be rounded once for all
// |x| <= x_bound (x shifted left first when shift > 0, wrapping like the reference).
inline bool RescaleOnceFits(int64_t x_bound, int32_t m, int32_t shift) {
  if (shift < -31 || shift > 31) return false;
  int64_t shifted = x_bound << (shift > 0 ? shift : 0);
  if (shifted > (int64_t{1} << 31)) shifted = int64_t{1} << 31;
  // INT32_MIN * INT32_MIN saturates in the reference.
  if (m == INT32_MIN && shifted >= (int64_t{1} << 31)) return false;
  return QFits((shifted * Abs64(m) >> 31) + 1, shift > 0 ? 0 : -shift);
}

// One add input's rescaling: ((x - z) << shift) * m rounded by 2^(31 + right), as
// MultiplyByQuantizedMultiplier((x - z) << left_shift, m, s) computes it.
struct AddInputTerm {
  // (x - z) << shift stays below 2^31 in magnitude for every int8 x and zero point z.
  static constexpr int32_t kMaxShift = 23;
  int32_t shift = 0, right = 0;
  int64_t bound = 0;  // |result| <= bound
  bool ok = false;

  AddInputTerm(int32_t z, int32_t left_shift, int32_t m, int32_t s) {
    if (!IsInt8(z) || left_shift < 0 || s < -31 || s > 30) return;
    shift = left_shift + (s > 0 ? s : 0);
    right = s > 0 ? 0 : -s;
    if (shift > kMaxShift) return;
    const int64_t r = ((int64_t{255} << shift) * Abs64(m) >> 31) + 1;
    bound = (r >> right) + 1;
    ok = QFits(r, right);
  }
  // -(z << shift) * m: the zero point folded into the 64-bit product of x << shift.
  static int64_t Offset(int32_t z, int32_t shift, int32_t m) {
    return -int64_t{z} * (int64_t{1} << shift) * m;
  }
};

// Whether an add can run with three single-rounding rescalings.
inline bool AddRescalesOnce(const AddParams& p, const AddInputTerm& t1, const AddInputTerm& t2) {
  if (!t1.ok || !t2.ok || !IsInt8(p.output_zero_point)) return false;
  if (!simd::Int8ActivationRange(p.act_min, p.act_max)) return false;
  // The reference sums the two terms in int32: keep to sums that cannot overflow there.
  const int64_t raw = t1.bound + t2.bound;
  return raw <= INT32_MAX && RescaleOnceFits(raw, p.output_multiplier, p.output_shift);
}

// Whether a mul can run with one single-rounding rescaling of (x1 - z1) * (x2 - z2).
inline bool MulRescalesOnce(const MulParams& p) {
  if (!IsInt8(p.input1_zero_point) || !IsInt8(p.input2_zero_point)) return false;
  if (!IsInt8(p.output_zero_point)) return false;
  if (!simd::Int8ActivationRange(p.act_min, p.act_max)) return false;
  return RescaleOnceFits(int64_t{255} * 255, p.output_multiplier, p.output_shift);
}

}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_RESCALE_ONCE_H_
