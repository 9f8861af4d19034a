// Structural check of a model flatbuffer for builds where flash matters: the checks of the
// generated Verify() functions and flatbuffers::Verifier (offsets, vtables, alignment, vector
// and string bounds, string terminators, nesting depth, table count), restated in one small
// loop over a byte-per-field layout of the schema's tables. tests/verify_structure_test.cc
// keeps the layout equal to the schema's generated type tables and the verdict equal to the
// generated verifier's. Option tables whose type is not in `option_types` are left unread,
// like a union member the schema does not know: a build without their opcodes rejects those
// ops before anything reads the options.
#ifndef QINFER_RUNTIME_VERIFY_STRUCTURE_H_
#define QINFER_RUNTIME_VERIFY_STRUCTURE_H_

#include <cstddef>
#include <cstdint>

namespace qinfer {

// Bit k: Operator.options of OpOptions type k is verified (k < 32).
constexpr uint32_t kAllOptionTypes = 0xffffffffu;

// The flatbuffers Verifier limits Model::Load uses.
constexpr uint32_t kMaxTableDepth = 32;
constexpr uint32_t kMaxTables = 200000;

bool VerifyModelStructure(const uint8_t* bytes, size_t size, uint32_t option_types);

namespace layout {

// A field: its kind in the low 4 bits; for kTable / kTableVector the table index in the high 4.
enum Kind : uint8_t {
  kScalar1, kScalar2, kScalar4, kScalar8,  // log2 of the byte size
  kString,
  kVector1, kVector2, kVector4, kVector8,  // of scalars
  kStringVector,
  kTable,
  kTableVector,
  kUnion,  // its type is the previous field (a 1-byte scalar)
};

struct Table {
  uint8_t first;  // FieldsOf(table)[i]: field i, in schema order (vtable slot i)
  uint8_t count;
};

// Table indices: the fixed tables, then OpOptions member k at kFirstOption + k - 1.
enum Index : uint8_t { kModel, kTensor, kQuantMeta, kBuffer, kOperator, kFirstOption };
constexpr int kNumOptionTypes = 13;
extern const Table kTables[kFirstOption + kNumOptionTypes];
const uint8_t* FieldsOf(const Table& table);

}  // namespace layout
}  // namespace qinfer

#endif  // QINFER_RUNTIME_VERIFY_STRUCTURE_H_
