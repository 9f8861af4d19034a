// The integer rescaling primitives of TFLite's int8 spec, on top of gemmlowp's fixedpoint.
// Rounding rules (gemmlowp names):
//  - SaturatingRoundingDoublingHighMul: a*b/2^31 to nearest, ties toward +inf; saturates
//    only for INT32_MIN * INT32_MIN.
//  - RoundingDivideByPOT: x/2^e to nearest, ties away from zero.
// MultiplyByQuantizedMultiplier applies them in that order ("double rounding"), which is
// what TFLite's reference kernels, TFLite Micro and CMSIS-NN (default build) do.
#ifndef QINFER_KERNELS_FIXEDPOINT_H_
#define QINFER_KERNELS_FIXEDPOINT_H_

#include <cstdint>

#include <fixedpoint/fixedpoint.h>

namespace qinfer {
namespace kernels {

inline int32_t Srdhm(int32_t a, int32_t b) {
  return gemmlowp::SaturatingRoundingDoublingHighMul(a, b);
}

inline int32_t Rdbp(int32_t x, int32_t exponent) {
  return gemmlowp::RoundingDivideByPOT(x, exponent);
}

// x * multiplier * 2^(shift - 31); shift > 0 shifts left first (x << shift must fit int32).
inline int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  return Rdbp(Srdhm(static_cast<int32_t>(static_cast<uint32_t>(x) << left), multiplier), right);
}

inline int32_t Clamp(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

// v + zero_point clamped to [lo, hi] (inside int8). Exact even when v is near the int32
// limits, where a plain int32 sum would overflow.
inline int8_t AddZeroPointAndClamp(int32_t v, int32_t zero_point, int32_t lo, int32_t hi) {
  const int64_t sum = static_cast<int64_t>(v) + zero_point;
  return static_cast<int8_t>(sum < lo ? lo : (sum > hi ? hi : sum));
}

}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_FIXEDPOINT_H_
