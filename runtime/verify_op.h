// Per-op semantic checks (verify_ops.cc); the graph and plan checks live in verifier.cc.
#ifndef QINFER_RUNTIME_VERIFY_OP_H_
#define QINFER_RUNTIME_VERIFY_OP_H_

#include <cstdint>

#include "runtime/error_report.h"
#include "schema/qinfer_generated.h"

namespace qinfer {

// Checks one op whose tensor indices are already known to be in range and whose tensors
// have valid shapes and dtypes: arity, options type, shapes against params, ranges.
Status VerifyOperator(const schema::Model* model, int32_t op_index, Error* error);

// "op 3 (CONV_2D): " prefix for every op error.
ErrorReport OpError(Error* error, Status code, const schema::Model* model, int32_t op_index);

}  // namespace qinfer

#endif  // QINFER_RUNTIME_VERIFY_OP_H_
