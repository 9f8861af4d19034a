#include "runtime/status.h"

namespace qinfer {

const char* StatusName(Status s) {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kNullArgument: return "null argument";
    case Status::kModelMisaligned: return "model bytes not 16-byte aligned";
    case Status::kModelTooSmall: return "model too small";
    case Status::kBadIdentifier: return "not a qinfer model (file identifier)";
    case Status::kBadVersion: return "unsupported model version";
    case Status::kMalformedFlatbuffer: return "malformed flatbuffer";
    case Status::kMissingField: return "missing field";
    case Status::kBadTensorIndex: return "tensor index out of range";
    case Status::kBadDType: return "bad dtype";
    case Status::kBadShape: return "bad shape";
    case Status::kBadZeroPoint: return "bad zero point";
    case Status::kBadBuffer: return "bad constant buffer";
    case Status::kBadOpCode: return "unknown opcode";
    case Status::kBadOptions: return "missing or mismatched op options";
    case Status::kBadOpArity: return "wrong number of op inputs or outputs";
    case Status::kShapeMismatch: return "shape inconsistent with op parameters";
    case Status::kBadRequant: return "requantization parameter out of range";
    case Status::kBadActivationRange: return "bad activation range";
    case Status::kBadParam: return "op parameter out of range";
    case Status::kArenaPlanInvalid: return "invalid arena plan";
    case Status::kArenaOverlap: return "live tensors overlap in the arena";
    case Status::kUseBeforeDefinition: return "tensor used before it is produced";
    case Status::kArenaTooSmall: return "arena smaller than the model needs";
    case Status::kArenaMisaligned: return "arena not 16-byte aligned";
    case Status::kNotInitialized: return "not initialized";
    case Status::kBadIndex: return "index out of range";
    case Status::kTooLarge: return "model exceeds runtime limits";
    case Status::kUnknownTarget: return "unknown model target";
    case Status::kBadPackedData: return "bad packed weights or folded bias";
    case Status::kTargetUnsupported: return "model target not supported on this CPU";
  }
  return "unknown status";
}

}  // namespace qinfer
