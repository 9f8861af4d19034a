// Per-ISA entry points of kernels/aarch64 (gemm_dotprod.cc is compiled with
// -march=armv8.2-a+dotprod). Each returns false when it does not handle the parameters, and
// the dispatcher then runs the next path down, finally the reference kernel.
#ifndef QINFER_KERNELS_AARCH64_INTERNAL_H_
#define QINFER_KERNELS_AARCH64_INTERNAL_H_

#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {

// The single-row fully connected path (fc_single_row.h) handles exactly these calls; the
// dispatcher checks before calling it, so it has no fallback and returns nothing. Internal
// linkage: no copy built with the dot-product flags can stand in for the dispatcher's.
constexpr int32_t kSingleRowMinK = 16;
namespace {
inline bool SingleRowFits(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                          int32_t out_features) {
  const int32_t zi = p.input_zero_point, zw = p.weights_zero_point;
  return batches == 1 && in_features >= kSingleRowMinK && out_features > 0 && zi >= -128 &&
         zi <= 127 && zw >= -128 && zw <= 127;
}
}  // namespace

#define QINFER_AARCH64_DECLARE_GEMM(ns)                                                      \
  namespace ns {                                                                             \
  bool Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,             \
              const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,         \
              const Dims4& output_dims, int8_t* output);                                     \
  bool FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,   \
                      int32_t out_features, const int8_t* input, const int8_t* weights,      \
                      const int32_t* bias, int8_t* output);                                  \
  /* batches must be 1: the dispatcher's signature, so it can jump here unchanged */        \
  void FullyConnectedSingleRow(const FullyConnectedParams& p, int32_t batches,               \
                               int32_t in_features, int32_t out_features,                    \
                               const int8_t* input, const int8_t* weights,                   \
                               const int32_t* bias, int8_t* output);                         \
  }

QINFER_AARCH64_DECLARE_GEMM(neon)
QINFER_AARCH64_DECLARE_GEMM(dotprod)
#undef QINFER_AARCH64_DECLARE_GEMM

namespace neon {
bool Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
         int8_t* output);
bool MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);
bool AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);
bool MeanHW(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output);
bool DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                     const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                     const Dims4& output_dims, int8_t* output);
}  // namespace neon

}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_AARCH64_INTERNAL_H_
