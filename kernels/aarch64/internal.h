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

#define QINFER_AARCH64_DECLARE_GEMM(ns)                                                      \
  namespace ns {                                                                             \
  bool Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,             \
              const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,         \
              const Dims4& output_dims, int8_t* output);                                     \
  bool FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,   \
                      int32_t out_features, const int8_t* input, const int8_t* weights,      \
                      const int32_t* bias, int8_t* output);                                  \
  }

QINFER_AARCH64_DECLARE_GEMM(neon)
QINFER_AARCH64_DECLARE_GEMM(dotprod)
#undef QINFER_AARCH64_DECLARE_GEMM

namespace neon {
bool DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                     const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                     const Dims4& output_dims, int8_t* output);
}  // namespace neon

}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_AARCH64_INTERNAL_H_
