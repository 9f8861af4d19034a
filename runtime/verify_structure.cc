#include "runtime/verify_structure.h"

#include "flatbuffers/flatbuffers.h"

namespace qinfer {
namespace layout {
namespace {

constexpr uint8_t Ref(Kind kind, Index table) { return static_cast<uint8_t>(kind | table << 4); }

// Every table's fields; tables with the same field sequence share it.
constexpr uint8_t kFields[] = {
    // 0 Model
    kScalar4, Ref(kTableVector, kTensor), Ref(kTableVector, kOperator), kVector4, kVector4,
    Ref(kTableVector, kBuffer), kScalar4, kString, kString,
    // 9 Tensor
    kString, kScalar1, kVector4, kScalar4, kScalar4, kScalar4, Ref(kTable, kQuantMeta), kVector4,
    kScalar4, kScalar4,
    // 19 QuantMeta; Pad and Transpose: its first field
    kVector4, kScalar4,
    // 21 Operator
    kScalar2, kVector4, kVector4, kScalar1, kUnion, kScalar4, kScalar4, kString,
    // 29 Buffer, LookupTable
    kVector1,
    // 30 Conv2D; Pool2D, Mul, Mean, Softmax, Requantize: its first 10, 4, 4, 3, 2 fields;
    // 39 Concatenation, 40 FullyConnected: its last 5, 4 fields
    kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4,
    kScalar4, kVector4, kVector4, kScalar4, kScalar4,
    // 44 Add
    kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4,
    kScalar1,
};

}  // namespace

const Table kTables[kFirstOption + kNumOptionTypes] = {
    {0, 9}, {9, 10}, {19, 2}, {29, 1}, {21, 8},
    // OpOptions members, in union order: Conv2D, FullyConnected, Add, Mul, Pool2D, Mean,
    // Softmax, LookupTable, Requantize, Concatenation, Pad, Transpose, Reshape
    {30, 14}, {40, 4}, {44, 10}, {30, 4}, {30, 10}, {30, 4}, {30, 3}, {29, 1}, {30, 2},
    {39, 3}, {19, 1}, {19, 1}, {0, 0}};

const uint8_t* FieldsOf(const Table& table) { return kFields + table.first; }
}  // namespace layout

namespace {

class StructureWalker {
 public:
  StructureWalker(flatbuffers::Verifier& verifier, uint32_t option_types)
      : v_(verifier), option_types_(option_types) {}

  // Recursion follows the schema's nesting (Model > Tensor > QuantMeta), never the data's.
  bool Table(const uint8_t* table, const layout::Table& type) {
    if (!v_.VerifyTableStart(table)) return false;
    const auto* t = reinterpret_cast<const flatbuffers::Table*>(table);
    const uint8_t* fields = layout::FieldsOf(type);
    for (uint32_t i = 0; i < type.count; ++i) {
      const uint32_t kind = fields[i] & 15u;
      const layout::Table& ref = layout::kTables[fields[i] >> 4];
      const auto field = flatbuffers::FieldIndexToOffset(static_cast<flatbuffers::voffset_t>(i));
      if (kind <= layout::kScalar8) {
        const size_t bytes = size_t{1} << kind;
        const auto at = t->GetOptionalFieldOffset(field);
        if (at != 0 && !v_.VerifyFieldStruct(table, at, bytes, bytes)) return false;
        continue;
      }
      if (!t->VerifyOffset(v_, field)) return false;
      const uint8_t* p = t->GetPointer<const uint8_t*>(field);
      if (p == nullptr) continue;
      bool ok;
      if (kind == layout::kString) {
        ok = v_.VerifyString(reinterpret_cast<const flatbuffers::String*>(p));
      } else if (kind <= layout::kVector8) {
        ok = v_.VerifyVectorOrString(p, size_t{1} << (kind - layout::kVector1));
      } else if (kind == layout::kTable) {
        ok = Table(p, ref);
      } else if (kind == layout::kUnion) {
        ok = UnionMember(p, t->GetField<uint8_t>(field - sizeof(flatbuffers::voffset_t), 0));
      } else {
        ok = Offsets(p, kind == layout::kTableVector ? &ref : nullptr);
      }
      if (!ok) return false;
    }
    return v_.EndTable();
  }

 private:
  // A vector of tables (`type` given) or of strings.
  bool Offsets(const uint8_t* p, const layout::Table* type) {
    if (!v_.VerifyVectorOrString(p, sizeof(flatbuffers::uoffset_t))) return false;
    const auto* offsets = reinterpret_cast<const flatbuffers::Vector<flatbuffers::Offset<void>>*>(p);
    for (flatbuffers::uoffset_t k = 0; k < offsets->size(); ++k) {
      const uint8_t* e = offsets->Data() + k * sizeof(flatbuffers::uoffset_t);
      e += flatbuffers::ReadScalar<flatbuffers::uoffset_t>(e);
      if (type != nullptr ? !Table(e, *type) : !v_.VerifyString(reinterpret_cast<const flatbuffers::String*>(e))) {
        return false;
      }
    }
    return true;
  }

  // As the generated code: NONE and types the schema does not list pass unread.
  bool UnionMember(const uint8_t* p, uint32_t type) {
    if (type == 0 || type > layout::kNumOptionTypes || (option_types_ >> type & 1u) == 0) return true;
    return Table(p, layout::kTables[layout::kFirstOption + type - 1]);
  }

  flatbuffers::Verifier& v_;
  const uint32_t option_types_;
};

}  // namespace

bool VerifyModelStructure(const uint8_t* bytes, size_t size, uint32_t option_types) {
  constexpr size_t kMinBytes = 12;  // root offset, identifier, smallest vtable and table
  if (size < kMinBytes || !flatbuffers::BufferHasIdentifier(bytes, "QINF")) return false;
  flatbuffers::Verifier::Options limits;
  limits.max_depth = kMaxTableDepth;
  limits.max_tables = kMaxTables;
  flatbuffers::Verifier verifier(bytes, size, limits);
  const flatbuffers::uoffset_t root = verifier.VerifyOffset(0);
  return root != 0 && StructureWalker(verifier, option_types).Table(bytes + root, layout::kTables[layout::kModel]);
}

}  // namespace qinfer
