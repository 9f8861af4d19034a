// Reference int8 kernels: the specification every optimized path must match byte for byte.
// Plain functions on dims, pointers and precomputed integer params (kernels/types.h).
// Layout is NHWC. A null bias means no bias. Scratch: none of the reference kernels needs
// any; *_scratch_size() states it so the planner and the optimized twins share one contract.
#ifndef QINFER_KERNELS_REFERENCE_H_
#define QINFER_KERNELS_REFERENCE_H_

#include <cstddef>
#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace ref {

// weights [OC, KH, KW, IC/groups]; output [N, OH, OW, OC].
void Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
            const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
            const Dims4& output_dims, int8_t* output);
inline size_t Conv2DScratchSize(const Dims4&, const Dims4&, const Dims4&) { return 0; }

// weights [1, KH, KW, IC*M]; output [N, OH, OW, IC*M]; output channel oc reads ic = oc / M.
void DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                     const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                     const Dims4& output_dims, int8_t* output);

// input read as [batches, in_features]; weights [out_features, in_features].
void FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                    int32_t out_features, const int8_t* input, const int8_t* weights,
                    const int32_t* bias, int8_t* output);

// NumPy broadcasting over 4-D shapes: each input dim equals the output dim or is 1.
void Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
         int8_t* output);
void Mul(const MulParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
         int8_t* output);

// Padded positions are not part of a window (and not counted by the average).
void MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);
void AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);

// Mean over H and W; output [N, 1, 1, C].
void MeanHW(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output);
// One channel's output from its sum of (x - input_zero_point) over hw pixels, in p.rounding's
// mode (the optimized MEAN kernels share it, so all three modes stay the reference's).
int8_t MeanFromSum(const MeanParams& p, int32_t sum, int32_t hw);

// Softmax along the last axis of `rows` rows of `depth` values; output zero point -128,
// scale 1/256 (TFLite reference_ops::Softmax for int8, gemmlowp fixed point).
void Softmax(const SoftmaxParams& p, int32_t rows, int32_t depth, const int8_t* input,
             int8_t* output);

// out[i] = table[in[i] + 128] for any elementwise int8 -> int8 function.
void LookupTable(const int8_t* table, int32_t count, const int8_t* input, int8_t* output);

void Requantize(const RequantizeParams& p, int32_t count, const int8_t* input, int8_t* output);

// Concatenation along `axis` of a 4-D shape. Input i is copied when multipliers[i] == 0
// (same scale and zero point as the output), else requantized as by Requantize.
void Concatenation(int32_t axis, int32_t num_inputs, const Dims4* input_dims,
                   const int8_t* const* inputs, const RequantizeParams* input_params,
                   const Dims4& output_dims, int8_t* output);

// pads[2*d], pads[2*d+1]: elements before and after along dim d (N, H, W, C); the new
// elements take pad_value (the zero point, i.e. real 0).
void Pad(const int32_t* pads, int8_t pad_value, const Dims4& input_dims, const int8_t* input,
         const Dims4& output_dims, int8_t* output);

// output dim d = input dim perm[d].
void Transpose(const int32_t* perm, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_REFERENCE_H_
