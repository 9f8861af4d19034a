#include "runtime/model.h"

#include <cstdint>

#include "runtime/error_report.h"
#include "runtime/op_selection.h"
#include "runtime/target.h"
#include "runtime/verifier.h"
#include "runtime/verify_structure.h"
#include "schema/qinfer_generated.h"

namespace qinfer {
namespace {

#if defined(QINFER_OPS_SELECTED)
constexpr uint32_t Bit(schema::OpOptions type) { return 1u << static_cast<uint32_t>(type); }

// The option tables the compiled-in opcodes read; the others are never read, so not verified.
constexpr uint32_t kCompiledOptionTypes =
#if QINFER_OPS_CONV_2D || QINFER_OPS_DEPTHWISE_CONV_2D
    Bit(schema::OpOptions::Conv2DOptions) |
#endif
#if QINFER_OPS_FULLY_CONNECTED
    Bit(schema::OpOptions::FullyConnectedOptions) |
#endif
#if QINFER_OPS_ADD
    Bit(schema::OpOptions::AddOptions) |
#endif
#if QINFER_OPS_MUL
    Bit(schema::OpOptions::MulOptions) |
#endif
#if QINFER_OPS_MAX_POOL_2D || QINFER_OPS_AVG_POOL_2D
    Bit(schema::OpOptions::Pool2DOptions) |
#endif
#if QINFER_OPS_MEAN
    Bit(schema::OpOptions::MeanOptions) |
#endif
#if QINFER_OPS_SOFTMAX
    Bit(schema::OpOptions::SoftmaxOptions) |
#endif
#if QINFER_OPS_LOOKUP_TABLE
    Bit(schema::OpOptions::LookupTableOptions) |
#endif
#if QINFER_OPS_REQUANTIZE
    Bit(schema::OpOptions::RequantizeOptions) |
#endif
#if QINFER_OPS_CONCATENATION
    Bit(schema::OpOptions::ConcatenationOptions) |
#endif
#if QINFER_OPS_PAD
    Bit(schema::OpOptions::PadOptions) |
#endif
#if QINFER_OPS_TRANSPOSE
    Bit(schema::OpOptions::TransposeOptions) |
#endif
    0u;
#endif

// With every opcode, the generated verifier; with a selection, the compact one (the host tests
// check both accept and reject the same bytes).
bool VerifyStructure(const uint8_t* bytes, size_t size) {
#if defined(QINFER_OPS_SELECTED)
  return VerifyModelStructure(bytes, size, kCompiledOptionTypes);
#else
  flatbuffers::Verifier verifier(bytes, size, kMaxTableDepth, kMaxTables);
  return schema::VerifyModelBuffer(verifier);
#endif
}

}  // namespace

Status Model::Load(const void* data, size_t size, Model* out, Error* error) {
  if (out == nullptr) return ErrorReport(error, Status::kNullArgument, -1, -1) << "no output model";
  out->model_ = nullptr;
  const schema::Model* model = nullptr;
  Status status = VerifyBytes(data, size, &model, error);
#if QINFER_CHECKS_PACKED_DATA
  if (status == Status::kOk) status = CheckTargetRunnable(model, error);
#endif
  if (status != Status::kOk) return status;
  out->model_ = model;
  return Status::kOk;
}

Status Model::Verify(const void* data, size_t size, Error* error) {
  const schema::Model* model = nullptr;
  return VerifyBytes(data, size, &model, error);
}

Status Model::VerifyBytes(const void* data, size_t size, const schema::Model** out, Error* error) {
  if (data == nullptr) return ErrorReport(error, Status::kNullArgument, -1, -1) << "no model bytes";
  // Constant buffers are 16-aligned relative to the file; an aligned base keeps them so.
  if (reinterpret_cast<uintptr_t>(data) % 16 != 0) {
    return ErrorReport(error, Status::kModelMisaligned, -1, -1) << "model bytes must be 16-byte aligned";
  }
  if (size < 8 || size > 0x7fffffffu) {
    return ErrorReport(error, Status::kModelTooSmall, -1, -1) << "model size " << static_cast<int64_t>(size)
                                                               << " out of range";
  }
  const uint8_t* bytes = static_cast<const uint8_t*>(data);
  if (!schema::ModelBufferHasIdentifier(bytes)) {
    return ErrorReport(error, Status::kBadIdentifier, -1, -1) << "file identifier is not QINF";
  }
  if (!VerifyStructure(bytes, size)) {
    return ErrorReport(error, Status::kMalformedFlatbuffer, -1, -1) << "flatbuffer structure invalid";
  }
  const schema::Model* model = schema::GetModel(bytes);
  if (model->version() != kFormatVersion) {
    return ErrorReport(error, Status::kBadVersion, -1, -1) << "model version " << model->version()
                                                            << ", runtime reads " << kFormatVersion;
  }
  const Status status = VerifyModel(model, error);
  if (status != Status::kOk) return status;
  *out = model;
  ErrorReport(error, Status::kOk, -1, -1);  // clears code, indices and message in place
  return Status::kOk;
}

uint32_t Model::arena_bytes() const { return model_ == nullptr ? 0 : model_->arena_bytes(); }

}  // namespace qinfer
