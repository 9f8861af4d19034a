// Maps one verified schema operator to its kernel call. The single dispatch point where an
// optimized kernel family would be chosen.
#ifndef QINFER_RUNTIME_OP_DISPATCH_H_
#define QINFER_RUNTIME_OP_DISPATCH_H_

#include <cstdint>

#include "schema/qinfer_generated.h"

namespace qinfer {

void RunOperator(const schema::Model& model, const schema::Operator* op, uint8_t* arena);

}  // namespace qinfer

#endif  // QINFER_RUNTIME_OP_DISPATCH_H_
