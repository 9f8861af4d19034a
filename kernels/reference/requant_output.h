// One output value of a requantizing reference kernel (conv, depthwise, fully connected):
// the int32 accumulator of output channel `channel` rescaled by its multiplier/shift, plus the
// output zero point, clamped to the activation range.
#ifndef QINFER_KERNELS_REFERENCE_REQUANT_OUTPUT_H_
#define QINFER_KERNELS_REFERENCE_REQUANT_OUTPUT_H_

#include <cstdint>

#include "kernels/fixedpoint.h"
#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace ref {

inline int8_t RequantOutput(int32_t acc, const Requant& requant, int32_t channel,
                            int32_t output_zero_point, int32_t act_min, int32_t act_max) {
  const int32_t r = RequantIndex(requant, channel);
  const int32_t scaled =
      MultiplyByQuantizedMultiplier(acc, requant.multiplier[r], requant.shift[r]);
  return AddZeroPointAndClamp(scaled, output_zero_point, act_min, act_max);
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_REFERENCE_REQUANT_OUTPUT_H_
