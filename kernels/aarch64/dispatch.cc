// HWCAP detection, the QINFER_ISA / SetIsa override, and the entry points.
#include "kernels/aarch64/dispatch.h"

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

#include "kernels/aarch64/internal.h"
#include "kernels/isa_select.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {
namespace {

int32_t Detect() {
#if defined(__aarch64__) && defined(__linux__)
  const unsigned long hwcap = getauxval(AT_HWCAP);
  if ((hwcap & HWCAP_ASIMD) && (hwcap & HWCAP_ASIMDDP)) return static_cast<int32_t>(Isa::kDotprod);
  if (hwcap & HWCAP_ASIMD) return static_cast<int32_t>(Isa::kNeon);
#elif defined(__aarch64__)
  return static_cast<int32_t>(Isa::kNeon);  // Advanced SIMD is part of the AArch64 baseline
#endif
  return static_cast<int32_t>(Isa::kRef);
}

constexpr const char* kIsaNames[] = {"ref", "neon", "dotprod"};
IsaSelect g_isa{kIsaNames, 3, Detect, -1, -1};

int Active() { return ActivePath(&g_isa); }

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
  if (isa >= static_cast<int>(Isa::kDotprod) &&
      dotprod::Conv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output)) {
    return;
  }
  if (isa >= static_cast<int>(Isa::kNeon) &&
      neon::Conv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output)) {
    return;
  }
  ref::Conv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
}

void DepthwiseConv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                     const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                     const Dims4& output_dims, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kNeon) &&
      neon::DepthwiseConv2D(p, input_dims, input, weights_dims, weights, bias, output_dims,
                            output)) {
    return;
  }
  ref::DepthwiseConv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
}

namespace {

inline void FullyConnectedSingleRow(int isa, const FullyConnectedParams& p, int32_t batches,
                                    int32_t in_features, int32_t out_features,
                                    const int8_t* input, const int8_t* weights,
                                    const int32_t* bias, int8_t* output) {
  if (isa >= static_cast<int>(Isa::kDotprod)) {
    return dotprod::FullyConnectedSingleRow(p, batches, in_features, out_features, input,
                                            weights, bias, output);
  }
  return neon::FullyConnectedSingleRow(p, batches, in_features, out_features, input, weights,
                                       bias, output);
}

// Every path, best first.
__attribute__((noinline)) void FullyConnectedAnyPath(const FullyConnectedParams& p,
                                                     int32_t batches, int32_t in_features,
                                                     int32_t out_features, const int8_t* input,
                                                     const int8_t* weights, const int32_t* bias,
                                                     int8_t* output) {
  const int isa = Active();
  if (isa >= static_cast<int>(Isa::kNeon) &&
      SingleRowFits(p, batches, in_features, out_features)) {
    return FullyConnectedSingleRow(isa, p, batches, in_features, out_features, input, weights,
                                   bias, output);
  }
  if (isa >= static_cast<int>(Isa::kDotprod) &&
      dotprod::FullyConnected(p, batches, in_features, out_features, input, weights, bias,
                              output)) {
    return;
  }
  if (isa >= static_cast<int>(Isa::kNeon) &&
      neon::FullyConnected(p, batches, in_features, out_features, input, weights, bias,
                           output)) {
    return;
  }
  ref::FullyConnected(p, batches, in_features, out_features, input, weights, bias, output);
}

}  // namespace

// The single-row case jumps straight to its kernel and everything else to
// FullyConnectedAnyPath, so no argument is saved across a call: on a 64 -> 10 layer that
// bookkeeping was a tenth of the kernel.
void FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                    int32_t out_features, const int8_t* input, const int8_t* weights,
                    const int32_t* bias, int8_t* output) {
  const int isa = ResolvedPath(g_isa);  // -1 until FullyConnectedAnyPath has resolved it
  if (isa >= static_cast<int>(Isa::kNeon) &&
      SingleRowFits(p, batches, in_features, out_features)) {
    return FullyConnectedSingleRow(isa, p, batches, in_features, out_features, input, weights,
                                   bias, output);
  }
  FullyConnectedAnyPath(p, batches, in_features, out_features, input, weights, bias, output);
}

void Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kNeon) &&
      neon::Add(p, input1_dims, input1, input2_dims, input2, output_dims, output)) {
    return;
  }
  ref::Add(p, input1_dims, input1, input2_dims, input2, output_dims, output);
}

void MaxPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kNeon) &&
      neon::MaxPool2D(p, input_dims, input, output_dims, output)) {
    return;
  }
  ref::MaxPool2D(p, input_dims, input, output_dims, output);
}

void AvgPool2D(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
               const Dims4& output_dims, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kNeon) &&
      neon::AvgPool2D(p, input_dims, input, output_dims, output)) {
    return;
  }
  ref::AvgPool2D(p, input_dims, input, output_dims, output);
}

void MeanHW(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output) {
  if (Active() >= static_cast<int>(Isa::kNeon) && neon::MeanHW(p, input_dims, input, output)) {
    return;
  }
  ref::MeanHW(p, input_dims, input, output);
}

}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer
