// Requantization with the DSP extension, shared by kernels/arm/*_dsp.cc (internal).
//
// The reference rescales an int32 accumulator a with gemmlowp's double rounding
// (kernels/fixedpoint.h):
//   x = a << left;  h = SRDHM(x, m) = floor((x*m + 2^30) / 2^31);  r = RDBP(h, e)
// with left = max(shift, 0), e = max(-shift, 0), m >= 0 (the only multipliers the verifier
// accepts). The fast form is exact whenever |x| < 2^30, which a kernel establishes once per
// call from a bound on |a| (largest bias + depth * largest product):
//  - SMMULR(2x, m) = floor((2x*m + 2^31) / 2^32) = floor((x*m + 2^30) / 2^31) = h, and 2x
//    fits int32; no saturation case exists (it needs x = m = INT32_MIN). Kernels double their
//    inputs or weights, so the accumulator itself is 2x and SMMULR takes it as it is;
//  - |h| <= |x| < 2^30, so h + 2^(e-1) cannot overflow and, for e >= 1,
//    RDBP(h, e) = (h + 2^(e-1) - (h < 0)) >> e  (arithmetic shift): gemmlowp's
//    remainder-vs-threshold rule rounds half away from zero, which is exactly this;
//  - the output zero point folds into the same addend, (2 zo + 1) << (e - 1), while
//    |zo * 2^e| stays small: for e <= 22 the sum is below 2^31;
//  - then SSAT to [-128, 127] (r + zo may exceed int8, not int32) and the activation bounds,
//    which lie inside [-128, 127].
// Calls outside these bounds (huge biases, left shifts, e > 22) take the reference's
// arithmetic.
#ifndef QINFER_KERNELS_ARM_REQUANT_DSP_H_
#define QINFER_KERNELS_ARM_REQUANT_DSP_H_

#include <cstdint>

#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>

namespace qinfer {
namespace kernels {
namespace arm {

// (a * b + 2^31) >> 32, the high word rounded.
inline int32_t Smmulr(int32_t a, int32_t b) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}

inline int32_t Ssat8(int32_t v) { return __ssat(v, 8); }

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_DSP

#endif  // QINFER_KERNELS_ARM_REQUANT_DSP_H_
