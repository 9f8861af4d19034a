// Compile-time kernel selection: the fastest twin this target's feature macros allow, else
// the reference kernel. Same signatures as kernels/reference.h; same bytes.
//
//   __ARM_FEATURE_MVE (Cortex-M55): Helium kernels (kernels/arm/mve.h), DSP ones where
//                                   Helium has none
//   __ARM_FEATURE_DSP (M4, M7):     DSP-extension kernels (kernels/arm/dsp.h)
//   otherwise (M0+, M3, host):      the reference
// Defining QINFER_REFERENCE_KERNELS forces the reference everywhere (benchmark baselines).
#ifndef QINFER_KERNELS_ARM_DISPATCH_H_
#define QINFER_KERNELS_ARM_DISPATCH_H_

#include "kernels/arm/dsp.h"
#include "kernels/arm/mve.h"
#include "kernels/reference.h"

#if defined(__ARM_FEATURE_DSP) && !defined(QINFER_REFERENCE_KERNELS)
#define QINFER_ARM_DSP 1
#else
#define QINFER_ARM_DSP 0
#endif
#if defined(__ARM_FEATURE_MVE) && !defined(QINFER_REFERENCE_KERNELS)
#define QINFER_ARM_MVE 1
#else
#define QINFER_ARM_MVE 0
#endif

namespace qinfer {
namespace kernels {
namespace fast {

inline void FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                           int32_t out_features, const int8_t* input, const int8_t* weights,
                           const int32_t* bias, int8_t* output) {
#if QINFER_ARM_MVE
  if (arm::FullyConnectedMveApplies(p, bias)) {
    arm::FullyConnectedMve(p, batches, in_features, out_features, input, weights, bias, output);
    return;
  }
#endif
#if QINFER_ARM_DSP
  arm::FullyConnectedDsp(p, batches, in_features, out_features, input, weights, bias, output);
#else
  ref::FullyConnected(p, batches, in_features, out_features, input, weights, bias, output);
#endif
}

inline void Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                   const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                   const Dims4& output_dims, int8_t* output) {
#if QINFER_ARM_MVE
  if (arm::ConvMveApplies(p, input_dims, weights_dims, output_dims, bias)) {
    arm::ConvMve(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
    return;
  }
#endif
#if QINFER_ARM_DSP
  arm::ConvDsp(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
#else
  ref::Conv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
#endif
}

inline void DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                            const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                            const Dims4& output_dims, int8_t* output) {
#if QINFER_ARM_MVE
  if (arm::DepthwiseMveApplies(p, input_dims, weights_dims, output_dims, bias)) {
    arm::DepthwiseMve(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
    return;
  }
#endif
#if QINFER_ARM_DSP
  arm::DepthwiseDsp(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
#else
  ref::DepthwiseConv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
#endif
}

inline void Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
                const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
                int8_t* output) {
#if QINFER_ARM_MVE
  if (arm::AddMveApplies(p, input1_dims, input2_dims, output_dims)) {
    arm::AddMve(p, input1_dims, input1, input2_dims, input2, output_dims, output);
    return;
  }
#endif
#if QINFER_ARM_DSP
  if (arm::AddDspApplies(p, input1_dims, input2_dims, output_dims)) {
    arm::AddDsp(p, input1_dims, input1, input2_dims, input2, output_dims, output);
    return;
  }
#endif
  ref::Add(p, input1_dims, input1, input2_dims, input2, output_dims, output);
}

inline void MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
                      const Dims4& output_dims, int8_t* output) {
#if QINFER_ARM_MVE
  arm::MaxPoolMve(p, input_dims, input, output_dims, output);
#elif QINFER_ARM_DSP
  arm::MaxPoolDsp(p, input_dims, input, output_dims, output);
#else
  ref::MaxPool2D(p, input_dims, input, output_dims, output);
#endif
}

inline void AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
                      const Dims4& output_dims, int8_t* output) {
#if QINFER_ARM_MVE
  if (arm::AvgPoolMveApplies(p)) {
    arm::AvgPoolMve(p, input_dims, input, output_dims, output);
    return;
  }
#endif
#if QINFER_ARM_DSP
  arm::AvgPoolDsp(p, input_dims, input, output_dims, output);
#else
  ref::AvgPool2D(p, input_dims, input, output_dims, output);
#endif
}

inline void MeanHW(const MeanParams& p, const Dims4& input_dims, const int8_t* input,
                   int8_t* output) {
#if QINFER_ARM_MVE
  arm::MeanMve(p, input_dims, input, output);
#elif QINFER_ARM_DSP
  arm::MeanDsp(p, input_dims, input, output);
#else
  ref::MeanHW(p, input_dims, input, output);
#endif
}

}  // namespace fast
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_ARM_DISPATCH_H_
