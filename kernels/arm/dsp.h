// Cortex-M DSP-extension (SMLAD / SXTB16 / SXTAB16 / SMMULR / SSAT) twins of reference
// kernels, for cores with __ARM_FEATURE_DSP (Cortex-M4, M7, M33, M55). Each gives the
// reference kernel's bytes exactly (tests/mcu/kernels_arm_test.cc checks that on random shapes
// under QEMU). kernels/arm/dispatch.h picks them at compile time; where an *Applies() function
// says no, the reference runs. None needs arena scratch (stack buffers as noted).
#ifndef QINFER_KERNELS_ARM_DSP_H_
#define QINFER_KERNELS_ARM_DSP_H_

#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace arm {

#if defined(__ARM_FEATURE_DSP)

// Same contract as ref::FullyConnected (kernels/arm/matmul_dsp.cc). No scratch (a 340-byte
// stack block of accumulators).
void FullyConnectedDsp(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                       int32_t out_features, const int8_t* input, const int8_t* weights,
                       const int32_t* bias, int8_t* output);

// ref::Conv2D; the DSP path for one group (any filter, stride, padding, dilation), else the
// reference; kernels/arm/conv_dsp.cc. No arena scratch (stack buffers:
// 768 bytes, 1152 for K > 64).
bool ConvDspApplies(const ConvParams& p, const Dims4& input_dims, const Dims4& weights_dims,
                    const Dims4& output_dims);
void ConvDsp(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
             const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
             const Dims4& output_dims, int8_t* output);

// ref::DepthwiseConv2D; the DSP path for 3x3 filters, dilation 1, stride 1 or 2 along at least
// one axis (any padding, depth multiplier, stride across), else the reference;
// kernels/arm/depthwise_dsp.cc. No arena scratch (a 256-byte stack line).
bool DepthwiseDspApplies(const ConvParams& p, const Dims4& input_dims, const Dims4& weights_dims,
                         const Dims4& output_dims);
void DepthwiseDsp(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                  const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                  const Dims4& output_dims, int8_t* output);

// ref::Add (add and sub) for inputs of the output's shape or single values, left_shift <= 22,
// input shifts <= 0, output shift in [-22, -1] and a sum bounded by 2^30 (checked per call
// from the parameters); kernels/arm/add_dsp.cc. No scratch.
bool AddDspApplies(const AddParams& p, const Dims4& input1_dims, const Dims4& input2_dims,
                   const Dims4& output_dims);
void AddDsp(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
            const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
            int8_t* output);

// ref::MaxPool2D, any shape; kernels/arm/pool_dsp.cc. No scratch.
void MaxPoolDsp(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
                const Dims4& output_dims, int8_t* output);

// ref::AvgPool2D; the DSP path for windows of at most 256 elements (filter_h * filter_w), else
// the reference; kernels/arm/pool_dsp.cc. No scratch.
bool AvgPoolDspApplies(const PoolParams& p);
void AvgPoolDsp(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
                const Dims4& output_dims, int8_t* output);

// ref::MeanHW, any shape and rounding mode; kernels/arm/pool_dsp.cc. No scratch.
void MeanDsp(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output);

#endif  // __ARM_FEATURE_DSP

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_ARM_DSP_H_
