// Error codes and the error report every runtime entry point fills in.
#ifndef QINFER_RUNTIME_STATUS_H_
#define QINFER_RUNTIME_STATUS_H_

#include <cstdint>

namespace qinfer {

// Stable numeric values: they are part of the C API (qinfer.h mirrors them).
enum class Status : int32_t {
  kOk = 0,
  kNullArgument = 1,
  kModelMisaligned = 2,         // model bytes not 16-byte aligned
  kModelTooSmall = 3,
  kBadIdentifier = 4,           // not a qinfer file
  kBadVersion = 5,
  kMalformedFlatbuffer = 6,     // flatbuffers Verifier rejected it
  kMissingField = 7,
  kBadTensorIndex = 8,
  kBadDType = 9,
  kBadShape = 10,
  kBadZeroPoint = 11,
  kBadBuffer = 12,              // constant buffer missing, wrong size or misaligned
  kBadOpCode = 13,
  kBadOptions = 14,             // options table missing or of the wrong type
  kBadOpArity = 15,             // wrong number of inputs/outputs
  kShapeMismatch = 16,          // shape inconsistent with op params
  kBadRequant = 17,             // multiplier/shift out of range or wrong length
  kBadActivationRange = 18,
  kBadParam = 19,               // stride, dilation, pad, axis, perm, ... out of range
  kArenaPlanInvalid = 20,       // offset+size outside arena, misaligned
  kArenaOverlap = 21,           // two live tensors share bytes
  kUseBeforeDefinition = 22,
  kArenaTooSmall = 23,          // caller's arena smaller than the plan
  kArenaMisaligned = 24,
  kNotInitialized = 25,
  kBadIndex = 26,               // input/output index out of range in an API call
  kTooLarge = 27,               // a count or size beyond the runtime's limits
  kUnknownTarget = 28,          // Model.target is not a value this runtime knows
  kBadPackedData = 29,          // packed weights / folded bias misplaced, mis-sized or wrong
  kTargetUnsupported = 30,      // packed for kernels this CPU (or build) cannot run
};

const char* StatusName(Status s);

struct Error {
  Status code = Status::kOk;
  int32_t op_index = -1;      // -1 when not about one op
  int32_t tensor_index = -1;  // -1 when not about one tensor
  char message[160] = {0};
};

}  // namespace qinfer

#endif  // QINFER_RUNTIME_STATUS_H_
