// cpuid detection, the QINFER_ISA / SetIsa override, and the entry points.
#include "kernels/x86/dispatch.h"

#include "kernels/isa_select.h"
#include "kernels/reference.h"
#include "kernels/x86/internal.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

int Detect() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // __builtin_cpu_supports also checks that the OS saves the AVX / AVX-512 state (XCR0).
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) {
    return static_cast<int>(Isa::kAvx512Vnni);
  }
  if (__builtin_cpu_supports("avx2")) return static_cast<int>(Isa::kAvx2);
  if (__builtin_cpu_supports("sse4.1")) return static_cast<int>(Isa::kSse41);
#endif
  return static_cast<int>(Isa::kRef);
}

constexpr const char* kIsaNames[] = {"ref", "sse41", "avx2", "avx512vnni"};
IsaSelect g_isa{kIsaNames, 4, Detect, -1, -1};

int Active() { return ActivePath(&g_isa); }

// AVX-512 VBMI (vpermb/vpermt2b) on top of the VNNI path: Ice Lake and later, not Cascade
// Lake. Asked only once Active() has run cpuid's detection.
bool HasVbmi() {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_cpu_supports("avx512vbmi");
#else
  return false;
#endif
}

}  // namespace

Isa DetectedIsa() { return static_cast<Isa>(DetectedPath(&g_isa)); }

Isa ActiveIsa() { return static_cast<Isa>(Active()); }

Isa SetIsa(Isa isa) { return static_cast<Isa>(SetPath(&g_isa, static_cast<int32_t>(isa))); }

const char* IsaName(Isa isa) { return PathName(g_isa, static_cast<int32_t>(isa)); }

bool ParseIsa(const char* name, Isa* isa) { return ParsePath(g_isa, name, isa); }

void Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
            const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
            const Dims4& output_dims, int8_t* output) {
  const int isa = Active();
  if (isa >= static_cast<int>(Isa::kAvx512Vnni) &&
      (vnni::Conv2DSmallK(p, input_dims, input, weights_dims, weights, bias, output_dims,
                          output) ||
       vnni::Conv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output))) {
    return;
  }
  if (isa >= static_cast<int>(Isa::kAvx2) &&
      avx2::Conv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output)) {
    return;
  }
  if (isa >= static_cast<int>(Isa::kSse41) &&
      sse41::Conv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output)) {
    return;
  }
  ref::Conv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
}

void DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                     const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                     const Dims4& output_dims, int8_t* output) {
  const int isa = Active();
  if (isa >= static_cast<int>(Isa::kAvx512Vnni) &&
      ((HasVbmi() && vnni::DepthwiseConv3x3(p, input_dims, input, weights_dims, weights, bias,
                                            output_dims, output)) ||
       vnni::DepthwiseConv2DDirect(p, input_dims, input, weights_dims, weights, bias,
                                   output_dims, output) ||
       vnni::DepthwiseConv2D(p, input_dims, input, weights_dims, weights, bias, output_dims,
                             output))) {
    return;
  }
  if (isa >= static_cast<int>(Isa::kAvx2) &&
      avx2::DepthwiseConv2D(p, input_dims, input, weights_dims, weights, bias, output_dims,
                            output)) {
    return;
  }
  if (isa >= static_cast<int>(Isa::kSse41) &&
      sse41::DepthwiseConv2D(p, input_dims, input, weights_dims, weights, bias, output_dims,
                             output)) {
    return;
  }
  ref::DepthwiseConv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
}

void FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                    int32_t out_features, const int8_t* input, const int8_t* weights,
                    const int32_t* bias, int8_t* output) {
  const int isa = Active();
  if (isa >= static_cast<int>(Isa::kAvx512Vnni) &&
      vnni::FullyConnected(p, batches, in_features, out_features, input, weights, bias,
                           output)) {
    return;
  }
  if (isa >= static_cast<int>(Isa::kAvx2) &&
      avx2::FullyConnected(p, batches, in_features, out_features, input, weights, bias,
                           output)) {
    return;
  }
  if (isa >= static_cast<int>(Isa::kSse41) &&
      sse41::FullyConnected(p, batches, in_features, out_features, input, weights, bias,
                            output)) {
    return;
  }
  ref::FullyConnected(p, batches, in_features, out_features, input, weights, bias, output);
}

void Conv2DPacked(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                  const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                  const int8_t* packed, const int32_t* folded_bias, const Dims4& output_dims,
                  int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kAvx512Vnni) &&
      vnni::Conv2DPacked(p, input_dims, input, weights_dims, packed, folded_bias, output_dims,
                         output)) {
    return;
  }
  Conv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
}

void FullyConnectedPacked(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                          int32_t out_features, const int8_t* input, const int8_t* weights,
                          const int32_t* bias, const int8_t* packed,
                          const int32_t* folded_bias, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kAvx512Vnni) &&
      vnni::FullyConnectedPacked(p, batches, in_features, out_features, input, packed,
                                 folded_bias, output)) {
    return;
  }
  FullyConnected(p, batches, in_features, out_features, input, weights, bias, output);
}

void Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kAvx512Vnni) &&
      vnni::Add(p, input1_dims, input1, input2_dims, input2, output_dims, output)) {
    return;
  }
  if (Active() >= static_cast<int>(Isa::kAvx2) &&
      avx2::Add(p, input1_dims, input1, input2_dims, input2, output_dims, output)) {
    return;
  }
  ref::Add(p, input1_dims, input1, input2_dims, input2, output_dims, output);
}

void Mul(const MulParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kAvx512Vnni) &&
      vnni::Mul(p, input1_dims, input1, input2_dims, input2, output_dims, output)) {
    return;
  }
  ref::Mul(p, input1_dims, input1, input2_dims, input2, output_dims, output);
}

void MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kAvx512Vnni) &&
      vnni::MaxPool2D(p, input_dims, input, output_dims, output)) {
    return;
  }
  if (Active() >= static_cast<int>(Isa::kAvx2) &&
      avx2::MaxPool2D(p, input_dims, input, output_dims, output)) {
    return;
  }
  ref::MaxPool2D(p, input_dims, input, output_dims, output);
}

void AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kAvx512Vnni) &&
      vnni::AvgPool2D(p, input_dims, input, output_dims, output)) {
    return;
  }
  if (Active() >= static_cast<int>(Isa::kAvx2) &&
      avx2::AvgPool2D(p, input_dims, input, output_dims, output)) {
    return;
  }
  ref::AvgPool2D(p, input_dims, input, output_dims, output);
}

void MeanHW(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kAvx512Vnni) && vnni::MeanHW(p, input_dims, input, output)) {
    return;
  }
  ref::MeanHW(p, input_dims, input, output);
}

void LookupTable(const int8_t* table, int32_t count, const int8_t* input, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kAvx512Vnni) &&
      vnni::LookupTable(table, count, input, output)) {
    return;
  }
  ref::LookupTable(table, count, input, output);
}

void Requantize(const RequantizeParams& p, int32_t count, const int8_t* input, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kAvx512Vnni) && vnni::Requantize(p, count, input, output)) {
    return;
  }
  ref::Requantize(p, count, input, output);
}

void Concatenation(int32_t axis, int32_t num_inputs, const Dims4* input_dims,
                   const int8_t* const* inputs, const RequantizeParams* input_params,
                   const Dims4& output_dims, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kAvx512Vnni) &&
      vnni::Concatenation(axis, num_inputs, input_dims, inputs, input_params, output_dims,
                          output)) {
    return;
  }
  ref::Concatenation(axis, num_inputs, input_dims, inputs, input_params, output_dims, output);
}

}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
