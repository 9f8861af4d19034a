#include "runtime/verifier.h"

#include <cstdint>

#include "runtime/error_report.h"
#include "runtime/target.h"
#include "runtime/tensor_util.h"
#include "runtime/verify_op.h"
#include "schema/qinfer_generated.h"

namespace qinfer {
namespace {

constexpr int64_t kMaxTensorBytes = 0x7fffffff;
constexpr int32_t kArenaAlignment = 16;
constexpr int32_t kMaxAliasChain = 16;

#define QINFER_CHECK(expr)                      \
  do {                                          \
    const Status status_ = (expr);              \
    if (status_ != Status::kOk) return status_; \
  } while (0)

// Out of line: the accessor chains would otherwise be inlined at every use.
__attribute__((noinline)) const schema::Tensor* TensorAt(const schema::Model* m, int32_t t) {
  return m->tensors()->Get(t);
}

__attribute__((noinline)) const schema::Operator* OpAt(const schema::Model* m, int32_t i) {
  return m->operators()->Get(i);
}

ErrorReport TensorError(Error* error, Status code, int32_t t) {
  ErrorReport r(error, code, -1, t);
  r << "tensor " << t << ": ";
  return r;
}

Status VerifyTensor(const schema::Model* m, int32_t t, Error* error) {
#if defined(QINFER_TERSE_ERRORS)
  (void)error;  // VerifyModel records the code and tensor index
  auto bad = [](Status code) { return TerseStatus(code); };
#else
  auto bad = [&](Status code) { return TensorError(error, code, t); };
#endif
  const schema::Tensor* tensor = TensorAt(m, t);
  if (tensor->shape() == nullptr) return bad(Status::kMissingField) << "shape missing";
  const int32_t rank = Rank(tensor);
  if (rank < 1 || rank > kMaxRank) {
    return bad(Status::kBadShape) << "rank " << rank << " not in [1, 4]";
  }
  int64_t bytes = ElementBytes(tensor->dtype());
  for (int32_t d = 0; d < rank; ++d) {
    const int32_t dim = Dim(tensor, d);
    if (dim < 1) return bad(Status::kBadShape) << "dim " << d << " = " << dim << " < 1";
    bytes *= dim;
    if (bytes > kMaxTensorBytes) {
      return bad(Status::kTooLarge) << "byte size exceeds 2^31 - 1";
    }
  }
  switch (tensor->dtype()) {
    case schema::DType::INT8:
      if (tensor->zero_point() < -128 || tensor->zero_point() > 127) {
        return bad(Status::kBadZeroPoint) << "zero point " << tensor->zero_point()
                                          << " out of [-128, 127]";
      }
      break;
    case schema::DType::INT32:
      if (tensor->zero_point() != 0) {
        return bad(Status::kBadZeroPoint) << "int32 zero point must be 0";
      }
      break;
    default:
      return bad(Status::kBadDType) << "unknown dtype";
  }
  if (tensor->buffer() >= 0) {
    const auto* buffers = m->buffers();
    if (buffers == nullptr || tensor->buffer() >= static_cast<int32_t>(buffers->size())) {
      return bad(Status::kBadBuffer) << "buffer " << tensor->buffer() << " out of range";
    }
    const auto* data = buffers->Get(tensor->buffer())->data();
    if (data == nullptr || static_cast<int64_t>(data->size()) != bytes) {
      return bad(Status::kBadBuffer)
             << "buffer holds " << (data == nullptr ? 0 : data->size()) << " bytes, shape needs " << bytes;
    }
    // The model base is 16-aligned (checked on load), so this is alignment in flash too.
    if (reinterpret_cast<uintptr_t>(data->data()) % kArenaAlignment != 0) {
      return bad(Status::kBadBuffer) << "buffer not 16-byte aligned";
    }
    if (tensor->arena_offset() != -1) {
      return bad(Status::kArenaPlanInvalid) << "constant with an arena offset";
    }
    return Status::kOk;
  }
  if (tensor->buffer() != -1) return bad(Status::kBadBuffer) << "bad buffer index";
  if (tensor->dtype() != schema::DType::INT8) {
    return bad(Status::kBadDType) << "activations must be int8";
  }
  const int32_t offset = tensor->arena_offset();
  // offset >= 0 and bytes < 2^31 here: the end fits 32 bits.
  if (offset < 0 || offset % kArenaAlignment != 0 ||
      static_cast<uint32_t>(offset) + static_cast<uint32_t>(bytes) > m->arena_bytes()) {
    return bad(Status::kArenaPlanInvalid)
           << "arena offset " << offset << " + " << bytes << " bytes not 16-aligned inside arena of "
           << m->arena_bytes();
  }
  return Status::kOk;
}

bool IsConstant(const schema::Model* m, int32_t t) { return TensorAt(m, t)->buffer() >= 0; }

bool Contains(const flatbuffers::Vector<int32_t>* v, int32_t value) {
  for (uint32_t i = 0; i < v->size(); ++i) {
    if (v->Get(i) == value) return true;
  }
  return false;
}

// Graph inputs/outputs: in range, activations, distinct.
Status VerifyGraphEnds(const schema::Model* m, const flatbuffers::Vector<int32_t>* ends,
                       const char* what, Error* error) {
  if (ends == nullptr || ends->size() == 0) {
    ErrorReport r(error, Status::kMissingField, -1, -1);
    return r << "graph has no " << what;
  }
  const int32_t num_tensors = static_cast<int32_t>(m->tensors()->size());
  for (uint32_t i = 0; i < ends->size(); ++i) {
    const int32_t t = ends->Get(i);
    if (t < 0 || t >= num_tensors) {
      ErrorReport r(error, Status::kBadTensorIndex, -1, t);
      return r << what << "[" << i << "] = " << t << " out of range";
    }
    if (IsConstant(m, t)) {
      return TensorError(error, Status::kBadBuffer, t) << "graph " << what << " is a constant";
    }
    for (uint32_t j = 0; j < i; ++j) {
      if (ends->Get(j) == t) return TensorError(error, Status::kBadTensorIndex, t) << "listed twice in " << what;
    }
  }
  return Status::kOk;
}

// Op i's reads and write: indices in range; it reads activations produced before it and
// still live, and writes one activation whose live range starts at it.
Status OpDataflow(const schema::Model* m, int32_t i, Error* error) {
#if defined(QINFER_TERSE_ERRORS)
  (void)error;  // VerifyDataflow records the code and op index
  auto bad = [](Status code) { return TerseStatus(code); };
#else
  auto bad = [&](Status code) { return OpError(error, code, m, i); };
#endif
  const int32_t num_tensors = static_cast<int32_t>(m->tensors()->size());
  const auto* op = OpAt(m, i);
  if (op->inputs() == nullptr || op->outputs() == nullptr) {
    return bad(Status::kMissingField) << "inputs/outputs missing";
  }
  if (op->outputs()->size() != 1) return bad(Status::kBadOpArity) << "must have exactly one output";
  for (uint32_t s = 0; s < op->inputs()->size(); ++s) {
    const int32_t t = op->inputs()->Get(s);
    if (t == -1) continue;  // absent optional input; VerifyOperator decides if allowed
    if (t < 0 || t >= num_tensors) {
      return bad(Status::kBadTensorIndex) << "inputs[" << s << "] = " << t << " out of range";
    }
    if (IsConstant(m, t)) continue;
    const auto* tensor = TensorAt(m, t);
    if (tensor->live_from() >= i) {
      return bad(Status::kUseBeforeDefinition)
             << "reads tensor " << t << " which op " << tensor->live_from() << " produces";
    }
    if (tensor->live_until() < i) {
      return bad(Status::kArenaPlanInvalid)
             << "reads tensor " << t << " after its live range ends at op " << tensor->live_until();
    }
  }
  const int32_t out = op->outputs()->Get(0);
  if (out < 0 || out >= num_tensors) {
    return bad(Status::kBadTensorIndex) << "output " << out << " out of range";
  }
  if (IsConstant(m, out)) return bad(Status::kBadBuffer) << "writes a constant";
  if (TensorAt(m, out)->live_from() != i) {
    return bad(Status::kArenaPlanInvalid)
           << "output tensor " << out << " has live_from " << TensorAt(m, out)->live_from();
  }
  return Status::kOk;
}

// Each activation is produced once, by the op its live_from names, and read only after that
// and no later than its live_until.
Status VerifyDataflow(const schema::Model* m, Error* error) {
  const int32_t num_tensors = static_cast<int32_t>(m->tensors()->size());
  const int32_t num_ops = static_cast<int32_t>(m->operators()->size());
  for (int32_t i = 0; i < num_ops; ++i) {
    const Status status = OpDataflow(m, i, error);
#if defined(QINFER_TERSE_ERRORS)
    if (status != Status::kOk) ErrorReport(error, status, i, -1);
#endif
    QINFER_CHECK(status);
  }
  for (int32_t t = 0; t < num_tensors; ++t) {
    if (IsConstant(m, t)) continue;
    const auto* tensor = TensorAt(m, t);
    const int32_t from = tensor->live_from();
    const bool is_input = Contains(m->inputs(), t);
    if (is_input ? from != -1
                 : (from < 0 || from >= num_ops || OpAt(m, from)->outputs()->Get(0) != t)) {
      return TensorError(error, Status::kUseBeforeDefinition, t)
             << (is_input ? "graph input must have live_from -1" : "no op produces it at live_from");
    }
    if (tensor->live_until() < from || tensor->live_until() > num_ops) {
      return TensorError(error, Status::kArenaPlanInvalid, t) << "bad live range";
    }
    if (Contains(m->outputs(), t) && tensor->live_until() != num_ops) {
      return TensorError(error, Status::kArenaPlanInvalid, t) << "graph output must live until the end";
    }
  }
  return Status::kOk;
}

// Offsets and lengths inside the arena (checked before the plan): every end fits 32 bits.
bool BytesOverlap(uint32_t a_off, uint32_t a_len, uint32_t b_off, uint32_t b_len) {
  return a_off < b_off + b_len && b_off < a_off + a_len;
}

// An activation's bytes (int8: its element count), below 2^31 once VerifyTensor passed.
uint32_t ActivationBytes(const schema::Tensor* t) {
  uint32_t n = 1;
  for (int32_t d = 0; d < Rank(t); ++d) n *= static_cast<uint32_t>(Dim(t, d));
  return n;
}

// True if `t` is a zero-copy RESHAPE view of `base` (possibly through a chain of views).
bool IsViewOf(const schema::Model* m, int32_t t, int32_t base) {
  for (int32_t step = 0; step < kMaxAliasChain; ++step) {
    const auto* tensor = TensorAt(m, t);
    if (tensor->live_from() < 0) return false;
    const auto* op = OpAt(m, tensor->live_from());
    if (op->opcode() != schema::OpCode::RESHAPE) return false;
    const int32_t src = op->inputs()->Get(0);
    if (IsConstant(m, src) || TensorAt(m, src)->arena_offset() != tensor->arena_offset()) {
      return false;
    }
    if (src == base) return true;
    t = src;
  }
  return false;
}

Status VerifyPlan(const schema::Model* m, Error* error) {
  const int32_t num_tensors = static_cast<int32_t>(m->tensors()->size());
  for (int32_t a = 0; a < num_tensors; ++a) {
    if (IsConstant(m, a)) continue;
    const auto* ta = TensorAt(m, a);
    for (int32_t b = a + 1; b < num_tensors; ++b) {
      if (IsConstant(m, b)) continue;
      const auto* tb = TensorAt(m, b);
      if (!BytesOverlap(ta->arena_offset(), ActivationBytes(ta), tb->arena_offset(),
                        ActivationBytes(tb))) {
        continue;
      }
      if (ta->live_until() < tb->live_from() || tb->live_until() < ta->live_from()) continue;
      if (IsViewOf(m, b, a) || IsViewOf(m, a, b)) continue;
      return TensorError(error, Status::kArenaOverlap, a)
             << "overlaps tensor " << b << " in the arena while both are live";
    }
  }
  const int32_t num_ops = static_cast<int32_t>(m->operators()->size());
  for (int32_t i = 0; i < num_ops; ++i) {
    const auto* op = OpAt(m, i);
    const int32_t bytes = op->scratch_bytes();
    if (bytes == 0 && op->scratch_offset() == -1) continue;
    const int32_t offset = op->scratch_offset();
    if (bytes < 0 || offset < 0 || offset % kArenaAlignment != 0 ||
        static_cast<uint32_t>(offset) + static_cast<uint32_t>(bytes) > m->arena_bytes()) {
      return OpError(error, Status::kArenaPlanInvalid, m, i) << "scratch outside the arena";
    }
    for (int32_t t = 0; t < num_tensors; ++t) {
      if (IsConstant(m, t)) continue;
      const auto* tensor = TensorAt(m, t);
      if (tensor->live_from() <= i && i <= tensor->live_until() &&
          BytesOverlap(offset, bytes, tensor->arena_offset(), ActivationBytes(tensor))) {
        return OpError(error, Status::kArenaOverlap, m, i) << "scratch overlaps live tensor " << t;
      }
    }
  }
  return Status::kOk;
}

}  // namespace

Status VerifyModel(const schema::Model* m, Error* error) {
  if (m->tensors() == nullptr || m->operators() == nullptr) {
    ErrorReport r(error, Status::kMissingField, -1, -1);
    return r << "model has no tensors or operators";
  }
  const int64_t num_tensors = m->tensors()->size();
  const int64_t num_ops = m->operators()->size();
  if (num_tensors > kMaxTensors || num_ops > kMaxOperators || num_ops == 0) {
    ErrorReport r(error, Status::kTooLarge, -1, -1);
    return r << num_tensors << " tensors and " << num_ops << " ops; limits are " << kMaxTensors
             << " and " << kMaxOperators << " (at least one op)";
  }
  for (int32_t t = 0; t < num_tensors; ++t) {
    const Status status = VerifyTensor(m, t, error);
#if defined(QINFER_TERSE_ERRORS)
    if (status != Status::kOk) ErrorReport(error, status, -1, t);
#endif
    QINFER_CHECK(status);
  }
  QINFER_CHECK(VerifyGraphEnds(m, m->inputs(), "inputs", error));
  QINFER_CHECK(VerifyGraphEnds(m, m->outputs(), "outputs", error));
  QINFER_CHECK(VerifyDataflow(m, error));
  for (int32_t i = 0; i < num_ops; ++i) QINFER_CHECK(VerifyOperator(m, i, error));
  QINFER_CHECK(VerifyTargetData(m, error));
  return VerifyPlan(m, error);
}

}  // namespace qinfer
