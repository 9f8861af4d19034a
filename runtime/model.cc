#include "runtime/model.h"

#include <cstdint>

#include "runtime/error_report.h"
#include "runtime/target.h"
#include "runtime/verifier.h"
#include "schema/qinfer_generated.h"

namespace qinfer {

Status Model::Load(const void* data, size_t size, Model* out, Error* error) {
  if (out == nullptr) return ErrorReport(error, Status::kNullArgument, -1, -1) << "no output model";
  out->model_ = nullptr;
  const schema::Model* model = nullptr;
  Status status = VerifyBytes(data, size, &model, error);
  if (status == Status::kOk) status = CheckTargetRunnable(model, error);
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
  flatbuffers::Verifier verifier(bytes, size, /*max_depth=*/32, /*max_tables=*/200000);
  if (!schema::VerifyModelBuffer(verifier)) {
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
  if (error != nullptr) *error = Error();
  return Status::kOk;
}

uint32_t Model::arena_bytes() const { return model_ == nullptr ? 0 : model_->arena_bytes(); }

}  // namespace qinfer
