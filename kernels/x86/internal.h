// Per-ISA entry points of kernels/x86 (compiled with their own -m flags). Each returns false
// when it does not handle the parameters, and the dispatcher then runs the reference kernel.
#ifndef QINFER_KERNELS_X86_INTERNAL_H_
#define QINFER_KERNELS_X86_INTERNAL_H_

#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace x86 {

#define QINFER_X86_DECLARE(ns)                                                               \
  namespace ns {                                                                             \
  bool Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,             \
              const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,         \
              const Dims4& output_dims, int8_t* output);                                     \
  bool DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,    \
                       const Dims4& weights_dims, const int8_t* weights,                     \
                       const int32_t* bias, const Dims4& output_dims, int8_t* output);       \
  bool FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,   \
                      int32_t out_features, const int8_t* input, const int8_t* weights,      \
                      const int32_t* bias, int8_t* output);                                  \
  }

QINFER_X86_DECLARE(sse41)
QINFER_X86_DECLARE(avx2)
QINFER_X86_DECLARE(vnni)
#undef QINFER_X86_DECLARE

// Add and pooling (eltwise_avx2.cc, pool_avx2.cc).
namespace avx2 {
bool Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims, int8_t* output);
bool MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);
bool AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);
}  // namespace avx2

// gemm_packed_vnni.cc: weights pre-packed (packed_layout.h), bias folded by the converter.
// Depthwise conv with vpdpwssd (dwconv_vnni.cc) and convs whose receptive field fits 64
// bytes (conv_smallk_vnni.cc); the dispatcher tries them before the general VNNI kernels.
namespace vnni {
bool Conv2DPacked(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                  const Dims4& weights_dims, const int8_t* packed, const int32_t* folded_bias,
                  const Dims4& output_dims, int8_t* output);
bool FullyConnectedPacked(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                          int32_t out_features, const int8_t* input, const int8_t* packed,
                          const int32_t* folded_bias, int8_t* output);
// fc_packed_vnni.cc: the fully connected case, rows read in place (FullyConnectedPacked
// tries it first).
bool FullyConnectedPackedRows(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                              int32_t out_features, const int8_t* input, const int8_t* packed,
                              const int32_t* folded_bias, int8_t* output);
// fc_packed_vnni.cc: generic weights of small ops packed per call (FullyConnected tries it
// first for 8+ rows).
bool FullyConnectedSmall(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                         int32_t out_features, const int8_t* input, const int8_t* weights,
                         const int32_t* bias, int8_t* output);
// fc_row_vnni.cc: one row (M = 1) with generic weights, read in place.
bool FullyConnectedRow(const FullyConnectedParams& p, int32_t in_features, int32_t out_features,
                       const int8_t* input, const int8_t* weights, const int32_t* bias,
                       int8_t* output);
bool Conv2DSmallK(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                  const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                  const Dims4& output_dims, int8_t* output);
bool DepthwiseConv2DDirect(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                           const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                           const Dims4& output_dims, int8_t* output);
// 3x3 depthwise conv, stride 1 or 2, with vpdpbusd on rows interleaved by vpermt2b
// (dwconv3x3_vbmi.cc, AVX-512 VBMI too: the dispatcher checks cpuid for it).
bool DepthwiseConv3x3(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                      const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                      const Dims4& output_dims, int8_t* output);
// AVX-512 add, mul and pooling (eltwise_vnni.cc, pool_vnni.cc); the dispatcher falls back
// to the AVX2 kernels (mul: the reference) when they return false.
bool Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims, int8_t* output);
bool Mul(const MulParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims, int8_t* output);
bool MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);
bool AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);
// mean_vnni.cc; the dispatcher runs the reference when it returns false.
bool MeanHW(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output);
// bytemap_vnni.cc (AVX512-VBMI table lookups); false without VBMI or when too small to pay.
bool LookupTable(const int8_t* table, int32_t count, const int8_t* input, int8_t* output);
bool Requantize(const RequantizeParams& p, int32_t count, const int8_t* input, int8_t* output);
bool Concatenation(int32_t axis, int32_t num_inputs, const Dims4* input_dims,
                   const int8_t* const* inputs, const RequantizeParams* input_params,
                   const Dims4& output_dims, int8_t* output);
}  // namespace vnni

}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_INTERNAL_H_
