// AArch64 optimized twins of the reference conv2d, depthwise conv2d and fully connected kernels.
// Same signatures and byte-for-byte results as kernels::ref::*. The path is chosen once from
// HWCAP (getauxval: ASIMDDP -> dot product, else NEON), can be forced with the environment
// variable QINFER_ISA=ref|neon|dotprod (read on first use) or SetIsa(), and is always clamped
// to what the CPU supports, so a Cortex-A53 never reaches an SDOT. Unsupported parameter
// combinations fall back to ref: zero points outside int8, depthwise with depth_multiplier != 1
// or more than 64 taps, a conv whose receptive field (kh * kw * channels per group) exceeds
// 4096 bytes unless it is a 1x1 conv without padding. Depthwise has no SDOT form: the dotprod
// path runs the NEON depthwise kernel. Add, max / average pooling and mean over H, W have NEON
// kernels only (no multiply-accumulate for SDOT to speed up), used on both paths; they fall
// back to ref for a broadcast channel dim (add), fewer than 16 channels (pooling, mean),
// average windows of more than 256 elements, or parameters outside int8 / the shift range.
// No heap, no exceptions, no static constructors; scratch lives on the stack (< 24 KB per
// call, see driver.h), so the arena is unchanged.
#ifndef QINFER_KERNELS_AARCH64_DISPATCH_H_
#define QINFER_KERNELS_AARCH64_DISPATCH_H_

#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {

enum class Isa : int32_t { kRef = 0, kNeon = 1, kDotprod = 2 };

// Best path the CPU supports; HWCAP is read once.
Isa DetectedIsa();
// The path the kernels use now (QINFER_ISA or SetIsa override, clamped; default detected).
Isa ActiveIsa();
// Forces a path; returns the one actually selected (clamped to DetectedIsa()).
Isa SetIsa(Isa isa);
// "ref", "neon", "dotprod".
const char* IsaName(Isa isa);
// Parses an IsaName; returns false if unknown.
bool ParseIsa(const char* name, Isa* isa);

void Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
            const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
            const Dims4& output_dims, int8_t* output);

void DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                     const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                     const Dims4& output_dims, int8_t* output);

void FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                    int32_t out_features, const int8_t* input, const int8_t* weights,
                    const int32_t* bias, int8_t* output);

void Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims, int8_t* output);

void MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);

void AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);

void MeanHW(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output);

}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_AARCH64_DISPATCH_H_
