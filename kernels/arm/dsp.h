// Cortex-M DSP-extension (SMLAD / SXTB16 / SXTAB16) twins of reference kernels, for cores with
// __ARM_FEATURE_DSP (Cortex-M4, M7, M33, M55). Each gives the reference kernel's bytes exactly
// (tests/mcu/kernels_dsp_test.cc checks that on random shapes under QEMU).
// kernels/arm/dispatch.h picks them at compile time (fast::FullyConnected, fast::Conv2D).
#ifndef QINFER_KERNELS_ARM_DSP_H_
#define QINFER_KERNELS_ARM_DSP_H_

#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace arm {

#if defined(__ARM_FEATURE_DSP)

// Same contract as ref::FullyConnected. No scratch.
void FullyConnectedDsp(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                       int32_t out_features, const int8_t* input, const int8_t* weights,
                       const int32_t* bias, int8_t* output);

// ref::Conv2D for the pointwise case only: 1x1 filter, stride 1, no padding, one group
// (Conv2D1x1DspApplies: 1x1, stride 1, no padding, one group). No scratch.
bool Conv2D1x1DspApplies(const ConvParams& p, const Dims4& input_dims, const Dims4& weights_dims,
                         const Dims4& output_dims);
void Conv2D1x1Dsp(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                  const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                  const Dims4& output_dims, int8_t* output);

#endif  // __ARM_FEATURE_DSP

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_ARM_DSP_H_
