// Cortex-M55 Helium (MVE) twins of reference kernels, for cores with __ARM_FEATURE_MVE. Each
// gives the reference kernel's bytes exactly (tests/mcu/kernels_arm_test.cc checks that on
// random shapes under QEMU). kernels/arm/dispatch.h picks them at compile time; where an
// *Applies() function says no, the DSP-extension twin (kernels/arm/dsp.h) or the reference
// runs instead.
//
// Requantization on vectors: VQRDMULH is gemmlowp's SaturatingRoundingDoublingHighMul exactly
// (saturation included); gemmlowp's RoundingDivideByPOT rounds ties away from zero while
// VRSHL rounds them up, so negative values first lose 1: RDBP(h, e) = VRSHL(h + (h >> 31), -e)
// for e >= 1 (h >= -(2^31 - 1) after VQRDMULH with a multiplier >= 0, so h - 1 fits, and VRSHL
// adds its rounding constant without overflow).
#ifndef QINFER_KERNELS_ARM_MVE_H_
#define QINFER_KERNELS_ARM_MVE_H_

#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace arm {

#if defined(__ARM_FEATURE_MVE)

// ref::Conv2D for one group and dilation_w 1, with a bias, multipliers >= 0 and right shifts
// (every shift in [-31, -1], what converters emit). Pointwise convolutions (1x1, stride 1, no
// padding) read the input in place; others gather four pixels' patches into a 768-byte stack
// buffer (plus 320 bytes of accumulators for patches deeper than 192). kernels/arm/conv_mve.cc.
bool ConvMveApplies(const ConvParams& p, const Dims4& input_dims, const Dims4& weights_dims,
                    const Dims4& output_dims, const int32_t* bias);
void ConvMve(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
             const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
             const Dims4& output_dims, int8_t* output);

// ref::FullyConnected with weights zero point 0, a bias, multipliers >= 0, right shifts.
// kernels/arm/conv_mve.cc. No scratch.
bool FullyConnectedMveApplies(const FullyConnectedParams& p, const int32_t* bias);
void FullyConnectedMve(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                       int32_t out_features, const int8_t* input, const int8_t* weights,
                       const int32_t* bias, int8_t* output);

// ref::DepthwiseConv2D for 3x3 filters (any stride, dilation, padding, depth multiplier), with
// a bias, multipliers >= 0 and right shifts, tap offsets below 2^16 bytes.
// kernels/arm/depthwise_mve.cc. No scratch.
bool DepthwiseMveApplies(const ConvParams& p, const Dims4& input_dims, const Dims4& weights_dims,
                         const Dims4& output_dims, const int32_t* bias);
void DepthwiseMve(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                  const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                  const Dims4& output_dims, int8_t* output);

// ref::Add (add and sub) for inputs of the output's shape, left_shift <= 22, multipliers >= 0,
// input shifts in [-31, 0], output shift in [-31, -1]. kernels/arm/add_mve.cc. No scratch.
bool AddMveApplies(const AddParams& p, const Dims4& input1_dims, const Dims4& input2_dims,
                   const Dims4& output_dims);
void AddMve(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
            const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
            int8_t* output);

// ref::MaxPool2D, any shape; kernels/arm/pool_mve.cc. No scratch.
void MaxPoolMve(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
                const Dims4& output_dims, int8_t* output);

// ref::AvgPool2D for windows of at most 256 elements (filter_h * filter_w);
// kernels/arm/pool_mve.cc. No arena scratch.
bool AvgPoolMveApplies(const PoolParams& p);
void AvgPoolMve(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
                const Dims4& output_dims, int8_t* output);

// ref::MeanHW, any shape and rounding mode; kernels/arm/pool_mve.cc. No arena scratch.
void MeanMve(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output);

#endif  // __ARM_FEATURE_MVE

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_ARM_MVE_H_
