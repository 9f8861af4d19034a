// Compile-time kernel selection: the fastest twin this target's feature macros allow, else
// the reference kernel. Same signatures as kernels/reference.h; same bytes.
#ifndef QINFER_KERNELS_ARM_DISPATCH_H_
#define QINFER_KERNELS_ARM_DISPATCH_H_

#include "kernels/arm/dsp.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace fast {

inline void FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                           int32_t out_features, const int8_t* input, const int8_t* weights,
                           const int32_t* bias, int8_t* output) {
#if defined(__ARM_FEATURE_DSP)
  arm::FullyConnectedDsp(p, batches, in_features, out_features, input, weights, bias, output);
#else
  ref::FullyConnected(p, batches, in_features, out_features, input, weights, bias, output);
#endif
}

inline void Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                   const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                   const Dims4& output_dims, int8_t* output) {
#if defined(__ARM_FEATURE_DSP)
  if (arm::Conv2D1x1DspApplies(p, input_dims, weights_dims, output_dims)) {
    arm::Conv2D1x1Dsp(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
    return;
  }
#endif
  ref::Conv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
}

}  // namespace fast
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_ARM_DISPATCH_H_
