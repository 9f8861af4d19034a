// Model targets (schema Target): their names, the checks on the packed data a target adds
// to conv / fully connected ops, and whether this CPU and build can run a target.
#ifndef QINFER_RUNTIME_TARGET_H_
#define QINFER_RUNTIME_TARGET_H_

#include <cstdint>

#include "runtime/status.h"

// Cortex-M builds can run no packed model (no x86 kernels) and cannot spare the flash of the
// packed-layout checks: VerifyTargetData refuses every non-generic model there
// (kTargetUnsupported, as Model::Load would), so only the unknown-target check and the rule
// that generic models carry no packed data are compiled in, and CheckTargetRunnable is
// unreachable after verification.
#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
#define QINFER_CHECKS_PACKED_DATA 0
#else
#define QINFER_CHECKS_PACKED_DATA 1
#endif

namespace qinfer {

namespace schema {
struct Model;
}

// "generic", "x86-avx512vnni" (the `qinfer convert --target` names); "unknown" otherwise.
const char* TargetName(uint8_t target);

// After VerifyOperator passed for every op: the target is known, packed fields appear only
// in a non-generic model on CONV_2D / FULLY_CONNECTED, in pairs, with buffers of exactly
// the layout's size, holding the op's weights in that layout and its folded bias.
Status VerifyTargetData(const schema::Model* model, Error* error);

// kTargetUnsupported unless the model's target can run here: generic always; an x86
// target only on an x86 build whose active kernel path (cpuid, clamped by QINFER_ISA or
// SetIsa) includes the target's instructions.
Status CheckTargetRunnable(const schema::Model* model, Error* error);

}  // namespace qinfer

#endif  // QINFER_RUNTIME_TARGET_H_
