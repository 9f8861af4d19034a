#include "converter/target.h"

#include <cstring>

#include "converter/error.h"
#include "kernels/x86/packed_layout.h"

namespace qinfer {
namespace converter {
namespace {

namespace x86 = kernels::x86;

int32_t ReadInt32(const std::vector<uint8_t>& bytes, size_t i) {
  int32_t v;
  std::memcpy(&v, bytes.data() + 4 * i, 4);
  return v;
}

void PackOp(const QModel& m, size_t index, QOp* op) {
  const QTensor& w = m.tensors.at(static_cast<size_t>(op->inputs.at(1)));
  x86::PackedShape s;
  if (op->kind == LKind::kFullyConnected) {
    s = x86::PackedShape{1, w.shape.at(0), 1, w.shape.at(1)};
  } else {
    s = x86::PackedShape{op->groups, w.shape.at(0) / op->groups, w.shape.at(1) * w.shape.at(2), w.shape.at(3)};
  }
  if (s.taps > x86::kPackMaxTaps || s.cg > x86::kPackMaxChannels) return;
  const int8_t* weights = reinterpret_cast<const int8_t*>(w.data.data());
  op->packed_weights.assign(static_cast<size_t>(x86::PackedWeightsBytes(s)), 0);
  x86::ForEachPackedByte(s, [&](int64_t at, int64_t src) {
    if (src >= 0) op->packed_weights[static_cast<size_t>(at)] = weights[src];
  });
  std::vector<int32_t> bias;
  if (op->inputs.size() > 2 && op->inputs[2] >= 0) {
    const QTensor& b = m.tensors.at(static_cast<size_t>(op->inputs[2]));
    for (size_t i = 0; i < b.data.size() / 4; ++i) bias.push_back(ReadInt32(b.data, i));
  }
  const int32_t zi = m.tensors.at(static_cast<size_t>(op->inputs.at(0))).zero_point;
  const int32_t out_c = s.groups * s.ocg;
  op->folded_bias.assign(static_cast<size_t>(out_c), 0);
  for (int32_t oc = 0; oc < out_c; ++oc) {
    if (!x86::FoldedBias(s, weights, bias.empty() ? nullptr : bias.data(), zi, oc, &op->folded_bias[oc])) {
      Fail("op ", index, " (", op->name, "): folded bias of output channel ", oc,
           " (bias - (128 + input zero point) * sum of weights) does not fit int32; convert with --target generic");
    }
  }
}

}  // namespace

Target ParseTarget(const std::string& name) {
  if (name == "generic" || name == "x86-avx2") return Target::kGeneric;
  if (name == "x86-avx512vnni") return Target::kX86Avx512Vnni;
  if (name == "cortex-m4" || name == "cortex-m55" || name == "aarch64-dotprod") {
    Fail("--target ", name, " is reserved: its kernels read the generic layout for now; use --target generic ",
         "(a generic model runs on every target)");
  }
  Fail("unknown --target '", name, "' (generic, x86-avx512vnni, x86-avx2)");
}

const char* TargetName(Target t) { return t == Target::kX86Avx512Vnni ? "x86-avx512vnni" : "generic"; }

void PackForTarget(QModel* m, Target target) {
  m->target = target;
  for (size_t i = 0; i < m->ops.size(); ++i) {
    QOp& op = m->ops[i];
    op.packed_weights.clear();
    op.folded_bias.clear();
    if (target == Target::kX86Avx512Vnni && (op.kind == LKind::kConv || op.kind == LKind::kFullyConnected)) {
      PackOp(*m, i, &op);
    }
  }
}

}  // namespace converter
}  // namespace qinfer
