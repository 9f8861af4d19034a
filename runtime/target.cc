#include "runtime/target.h"

#include <cstring>

#include "kernels/x86/packed_layout.h"
#if defined(QINFER_HAVE_X86_KERNELS)
#include "kernels/x86/dispatch.h"
#endif
#include "runtime/error_report.h"
#include "runtime/tensor_util.h"
#include "runtime/verify_op.h"
#include "schema/qinfer_generated.h"

namespace qinfer {
namespace {

#if !defined(QINFER_HAVE_X86_KERNELS)
Status RefuseWithoutX86Kernels(const schema::Model* m, Error* error) {
  ErrorReport r(error, Status::kTargetUnsupported, -1, -1);
  return r << "model is packed for " << TargetName(static_cast<uint8_t>(m->target()))
           << "; this build has no x86 kernels (convert with --target generic)";
}
#endif

#if QINFER_CHECKS_PACKED_DATA
using kernels::x86::PackedShape;

const flatbuffers::Vector<uint8_t>* BufferData(const schema::Model* m, int32_t index) {
  if (m->buffers() == nullptr || index >= static_cast<int32_t>(m->buffers()->size())) {
    return nullptr;
  }
  return m->buffers()->Get(index)->data();
}

// The op's weights as the packed layout sees them (the op is verified: shapes consistent).
PackedShape ShapeOf(const schema::Model* m, const schema::Operator* op) {
  const schema::Tensor* w = m->tensors()->Get(op->inputs()->Get(1));
  if (op->opcode() == schema::OpCode::FULLY_CONNECTED) return PackedShape{1, Dim(w, 0), 1, Dim(w, 1)};
  const int32_t groups = op->options_as_Conv2DOptions()->groups();
  return PackedShape{groups, Dim(w, 0) / groups, Dim(w, 1) * Dim(w, 2), Dim(w, 3)};
}

Status VerifyOpPacked(const schema::Model* m, int32_t i, Error* error) {
  const schema::Operator* op = m->operators()->Get(i);
  const int32_t pw = op->packed_weights(), fb = op->folded_bias();
  if (pw == -1 && fb == -1) return Status::kOk;
  auto bad = [&]() { return OpError(error, Status::kBadPackedData, m, i); };
  if (m->target() == schema::Target::GENERIC) return bad() << "packed data in a generic model";
  if (op->opcode() != schema::OpCode::CONV_2D && op->opcode() != schema::OpCode::FULLY_CONNECTED) {
    return bad() << "only CONV_2D and FULLY_CONNECTED carry packed data";
  }
  if (pw < 0 || fb < 0) return bad() << "packed_weights and folded_bias must come together";
  const auto* packed = BufferData(m, pw);
  const auto* folded = BufferData(m, fb);
  if (packed == nullptr || folded == nullptr) return bad() << "packed buffer index out of range";
  if (reinterpret_cast<uintptr_t>(packed->data()) % 16 != 0 ||
      reinterpret_cast<uintptr_t>(folded->data()) % 16 != 0) {
    return bad() << "packed buffer not 16-byte aligned";
  }
  const PackedShape s = ShapeOf(m, op);
  const int64_t want = kernels::x86::PackedWeightsBytes(s);
  if (static_cast<int64_t>(packed->size()) != want) {
    return bad() << "packed_weights holds " << packed->size() << " bytes, the layout needs " << want;
  }
  const int32_t out_c = s.groups * s.ocg;
  if (static_cast<int64_t>(folded->size()) != int64_t{4} * out_c) {
    return bad() << "folded_bias holds " << folded->size() << " bytes, needs 4 per output channel ("
                 << out_c << ")";
  }
  const schema::Tensor* w = m->tensors()->Get(op->inputs()->Get(1));
  const int8_t* weights = reinterpret_cast<const int8_t*>(BufferData(m, w->buffer())->data());
  const int8_t* p = reinterpret_cast<const int8_t*>(packed->data());
  int64_t first_bad = -1;
  kernels::x86::ForEachPackedByte(s, [&](int64_t at, int64_t src) {
    if (first_bad < 0 && p[at] != (src < 0 ? 0 : weights[src])) first_bad = at;
  });
  if (first_bad >= 0) {
    return bad() << "packed_weights byte " << first_bad << " differs from the weights in the layout";
  }
  const int32_t* bias = nullptr;
  if (op->inputs()->size() > 2 && op->inputs()->Get(2) >= 0) {
    const schema::Tensor* b = m->tensors()->Get(op->inputs()->Get(2));
    bias = reinterpret_cast<const int32_t*>(BufferData(m, b->buffer())->data());
  }
  const int32_t zi = m->tensors()->Get(op->inputs()->Get(0))->zero_point();
  for (int32_t oc = 0; oc < out_c; ++oc) {
    int32_t expect = 0, got = 0;
    std::memcpy(&got, folded->data() + 4 * oc, 4);
    // Unreachable after the accumulator bound (|bias| + depth * 255 * 128 <= INT32_MAX also
    // bounds the fold); kept so this check does not depend on that rule.
    if (!kernels::x86::FoldedBias(s, weights, bias, zi, oc, &expect)) {
      return bad() << "folded bias of channel " << oc << " does not fit int32";
    }
    if (got != expect) {
      return bad() << "folded_bias[" << oc << "] = " << got << ", bias and weights give " << expect;
    }
  }
  return Status::kOk;
}
#endif  // QINFER_CHECKS_PACKED_DATA

}  // namespace

const char* TargetName(uint8_t target) {
  switch (static_cast<schema::Target>(target)) {
    case schema::Target::GENERIC: return "generic";
    case schema::Target::X86_AVX512VNNI: return "x86-avx512vnni";
  }
  return "unknown";
}

Status VerifyTargetData(const schema::Model* m, Error* error) {
  const uint8_t target = static_cast<uint8_t>(m->target());
  if (target > static_cast<uint8_t>(schema::Target::MAX)) {
    ErrorReport r(error, Status::kUnknownTarget, -1, -1);
    return r << "model target " << static_cast<int32_t>(target) << " unknown to this runtime";
  }
  const int32_t num_ops = static_cast<int32_t>(m->operators()->size());
#if QINFER_CHECKS_PACKED_DATA
  for (int32_t i = 0; i < num_ops; ++i) {
    const Status s = VerifyOpPacked(m, i, error);
    if (s != Status::kOk) return s;
  }
#else
  if (m->target() != schema::Target::GENERIC) return RefuseWithoutX86Kernels(m, error);
  for (int32_t i = 0; i < num_ops; ++i) {
    const schema::Operator* op = m->operators()->Get(i);
    if (op->packed_weights() != -1 || op->folded_bias() != -1) {
      return OpError(error, Status::kBadPackedData, m, i) << "packed data in a generic model";
    }
  }
#endif
  return Status::kOk;
}

Status CheckTargetRunnable(const schema::Model* m, Error* error) {
  if (m->target() == schema::Target::GENERIC) return Status::kOk;
#if defined(QINFER_HAVE_X86_KERNELS)
  ErrorReport r(error, Status::kTargetUnsupported, -1, -1);
  namespace x86 = kernels::x86;
  const x86::Isa active = x86::ActiveIsa(), detected = x86::DetectedIsa();
  if (active >= x86::Isa::kAvx512Vnni) return Status::kOk;
  r << "model is packed for " << TargetName(static_cast<uint8_t>(m->target()))
    << "; this CPU supports " << x86::IsaName(detected);
  if (detected >= x86::Isa::kAvx512Vnni) {
    r << " but the kernels are forced to " << x86::IsaName(active) << " (QINFER_ISA or SetIsa)";
  }
  return r;
#else
  return RefuseWithoutX86Kernels(m, error);
#endif
}

}  // namespace qinfer
