// x86 optimized twins of the reference conv2d, depthwise conv2d, fully connected, add and
// pooling kernels. Same signatures and byte-for-byte results as kernels::ref::*. The path is chosen once from
// cpuid (AVX-512 VNNI > AVX2 > SSE4.1 > reference), can be forced with the environment
// variable QINFER_ISA=ref|sse41|avx2|avx512vnni (read on first use) or SetIsa(), and is always
// clamped to what the CPU supports. Unsupported parameter combinations fall back to ref:
// depthwise with depth_multiplier != 1, zero points outside int8, more than 128 taps, or a
// padded conv with more than 4096 channels per group; add with a broadcast channel dim on
// AVX2 (the AVX-512 add takes it); average pooling windows of more than 256 elements. Add
// and pooling have AVX-512 and AVX2 kernels (the AVX-512 add declines parameters whose
// intermediates leave its ranges, and AVX2 runs them); SSE4.1 runs them on ref. Mul has an
// AVX-512 kernel only; other paths run it on ref.
// On the AVX-512 path, 3x3 depthwise convs with stride 1 or 2 take a VBMI kernel when cpuid
// also reports AVX-512 VBMI (Ice Lake and later).
// No heap, no exceptions, no static constructors; scratch lives on the stack (< 100 KB per
// call, see driver.h), so *ScratchSize() stays 0 and the arena is unchanged.
#ifndef QINFER_KERNELS_X86_DISPATCH_H_
#define QINFER_KERNELS_X86_DISPATCH_H_

#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace x86 {

enum class Isa : int32_t { kRef = 0, kSse41 = 1, kAvx2 = 2, kAvx512Vnni = 3 };

// Best ISA the CPU (and OS) supports; cpuid runs once.
Isa DetectedIsa();
// The ISA the kernels use now (QINFER_ISA or SetIsa override, clamped; default detected).
Isa ActiveIsa();
// Forces a path; returns the ISA actually selected (clamped to DetectedIsa()).
Isa SetIsa(Isa isa);
// "ref", "sse41", "avx2", "avx512vnni".
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

// Models converted with --target x86-avx512vnni: `packed` holds the weights in the layout of
// packed_layout.h and `folded_bias` bias - (128 + zi) * sum(w) per output channel. The VNNI
// path reads them directly; any other active path (or parameters the packed kernel does not
// take) runs Conv2D / FullyConnected on the generic `weights` and `bias`.
void Conv2DPacked(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                  const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                  const int8_t* packed, const int32_t* folded_bias, const Dims4& output_dims,
                  int8_t* output);

void FullyConnectedPacked(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                          int32_t out_features, const int8_t* input, const int8_t* weights,
                          const int32_t* bias, const int8_t* packed,
                          const int32_t* folded_bias, int8_t* output);

void Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims, int8_t* output);

void Mul(const MulParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims, int8_t* output);

void MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);

void AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output);

void MeanHW(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output);

void LookupTable(const int8_t* table, int32_t count, const int8_t* input, int8_t* output);

void Requantize(const RequantizeParams& p, int32_t count, const int8_t* input, int8_t* output);

void Concatenation(int32_t axis, int32_t num_inputs, const Dims4* input_dims,
                   const int8_t* const* inputs, const RequantizeParams* input_params,
                   const Dims4& output_dims, int8_t* output);

}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_DISPATCH_H_
