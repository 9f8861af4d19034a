// Parameter checks shared by the SIMD add, mul and pooling kernels (kernels/x86,
// kernels/aarch64). A kernel that declines a case returns false and its caller runs the
// reference kernel, so these say only what the vector code computes bit-exactly, not what
// is valid.
#ifndef QINFER_KERNELS_SIMD_SUPPORT_H_
#define QINFER_KERNELS_SIMD_SUPPORT_H_

#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace simd {

// int8 values an int16 sum holds exactly: the largest average-pooling window.
constexpr int32_t kMaxInt16SumTerms = 256;

constexpr bool IsInt8(int32_t v) { return v >= -128 && v <= 127; }

// A non-empty clamp range inside int8: the kernels clamp in int8 or narrow lanes.
constexpr bool Int8ActivationRange(int32_t act_min, int32_t act_max) {
  return act_min >= -128 && act_min <= act_max && act_max <= 127;
}

// Rescaling shifts the vector code takes: right by up to 31, left by up to 30.
constexpr bool RescaleShiftInRange(int32_t shift) { return shift >= -31 && shift <= 30; }

// The add's input left shift and its three rescaling shifts.
inline bool AddShiftsInRange(const AddParams& p) {
  return p.left_shift >= 0 && p.left_shift <= 30 && RescaleShiftInRange(p.input1_shift) &&
         RescaleShiftInRange(p.input2_shift) && RescaleShiftInRange(p.output_shift);
}

// What the AVX2 and NEON add kernels take: neither input broadcast along channels (rows of
// both run in step with the output), shifts in range, an int8 output zero point and clamp.
inline bool AddSupported(const AddParams& p, const Dims4& input1, const Dims4& input2,
                         const Dims4& output) {
  return input1.c == output.c && input2.c == output.c && AddShiftsInRange(p) &&
         Int8ActivationRange(p.act_min, p.act_max) && IsInt8(p.output_zero_point);
}

// Pooling: an int8 clamp range, the same batch and channels in and out, and for average
// pooling a window whose int16 sum cannot overflow.
inline bool PoolSupported(const PoolParams& p, const Dims4& in, const Dims4& out, bool average) {
  return Int8ActivationRange(p.act_min, p.act_max) && in.c == out.c && in.n == out.n &&
         (!average || static_cast<int64_t>(p.filter_h) * p.filter_w <= kMaxInt16SumTerms);
}

}  // namespace simd
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_SIMD_SUPPORT_H_
