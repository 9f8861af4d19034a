// HWCAP detection, the QINFER_ISA / SetIsa override, and the entry points.
#include "kernels/aarch64/dispatch.h"

#include <cstdlib>
#include <cstring>

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

#include "kernels/aarch64/internal.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {
namespace {

// Plain ints, constant-initialized: no static constructor. -1 = not yet computed.
int g_detected = -1;
int g_active = -1;

int Detect() {
#if defined(__aarch64__) && defined(__linux__)
  const unsigned long hwcap = getauxval(AT_HWCAP);
  if ((hwcap & HWCAP_ASIMD) && (hwcap & HWCAP_ASIMDDP)) return static_cast<int>(Isa::kDotprod);
  if (hwcap & HWCAP_ASIMD) return static_cast<int>(Isa::kNeon);
#elif defined(__aarch64__)
  return static_cast<int>(Isa::kNeon);  // Advanced SIMD is part of the AArch64 baseline
#endif
  return static_cast<int>(Isa::kRef);
}

int Active() {
  if (g_active < 0) {
    int isa = static_cast<int>(DetectedIsa());
    const char* env = std::getenv("QINFER_ISA");
    Isa forced;
    if (env != nullptr && ParseIsa(env, &forced) && static_cast<int>(forced) < isa) {
      isa = static_cast<int>(forced);
    }
    g_active = isa;
  }
  return g_active;
}

}  // namespace

Isa DetectedIsa() {
  if (g_detected < 0) g_detected = Detect();
  return static_cast<Isa>(g_detected);
}

Isa ActiveIsa() { return static_cast<Isa>(Active()); }

Isa SetIsa(Isa isa) {
  int v = static_cast<int>(isa);
  const int best = static_cast<int>(DetectedIsa());
  if (v > best) v = best;
  if (v < 0) v = 0;
  g_active = v;
  return static_cast<Isa>(v);
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kRef: return "ref";
    case Isa::kNeon: return "neon";
    case Isa::kDotprod: return "dotprod";
  }
  return "ref";
}

bool ParseIsa(const char* name, Isa* isa) {
  static const Isa kAll[] = {Isa::kRef, Isa::kNeon, Isa::kDotprod};
  for (Isa i : kAll) {
    if (std::strcmp(name, IsaName(i)) == 0) {
      *isa = i;
      return true;
    }
  }
  return false;
}

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

void FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                    int32_t out_features, const int8_t* input, const int8_t* weights,
                    const int32_t* bias, int8_t* output) {
  const int isa = Active();
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

}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer
