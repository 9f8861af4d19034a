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
    Ref(kTableVector, kBuffer), kScalar4, kString, kString, kScalar1,
    // 10 Tensor
    kString, kScalar1, kVector4, kScalar4, kScalar4, kScalar4, Ref(kTable, kQuantMeta), kVector4,
    kScalar4, kScalar4,
    // 20 QuantMeta; Pad and Transpose: its first field
    kVector4, kScalar4,
    // 22 Operator
    kScalar2, kVector4, kVector4, kScalar1, kUnion, kScalar4, kScalar4, kString, kScalar4,
    kScalar4,
    // 32 Buffer, LookupTable
    kVector1,
    // 33 Conv2D; Pool2D, Mul, Softmax, Requantize: its first 10, 4, 3, 2 fields;
    // 42 Concatenation, 43 FullyConnected: its last 5, 4 fields
    kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4,
    kScalar4, kVector4, kVector4, kScalar4, kScalar4,
    // 47 Add; 52 Mean: its last 5 fields
    kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4, kScalar4,
    kScalar1,
};

}  // namespace

const Table kTables[kFirstOption + kNumOptionTypes] = {
    {0, 10}, {10, 10}, {20, 2}, {32, 1}, {22, 10},
    // OpOptions members, in union order: Conv2D, FullyConnected, Add, Mul, Pool2D, Mean,
    // Softmax, LookupTable, Requantize, Concatenation, Pad, Transpose, Reshape
    {33, 14}, {43, 4}, {47, 10}, {33, 4}, {33, 10}, {52, 5}, {33, 3}, {32, 1}, {33, 2},
    {42, 3}, {20, 1}, {20, 1}, {0, 0}};

const uint8_t* FieldsOf(const Table& table) { return kFields + table.first; }
}  // namespace layout

namespace {

// Offsets are uint32 from the buffer start: Model::Load admits at most 2^31 - 1 bytes.
class StructureWalker {
 public:
  StructureWalker(const uint8_t* bytes, uint32_t size, uint32_t option_types)
      : buf_(bytes), size_(size), option_types_(option_types) {}

  // The root offset, then the Model table.
  bool Root() {
    uint32_t root;
    return Offset(0, &root) && Table(root, layout::kTables[layout::kModel]);
  }

 private:
  // [at, at + len) lies in the buffer and `at` is a multiple of `align` (a power of two).
  bool In(uint32_t at, uint32_t len, uint32_t align) const {
    return (at & (align - 1)) == 0 && len < size_ && at <= size_ - len;
  }
  uint32_t U32(uint32_t at) const { return flatbuffers::ReadScalar<uint32_t>(buf_ + at); }
  uint32_t U16(uint32_t at) const { return flatbuffers::ReadScalar<uint16_t>(buf_ + at); }

  // A uoffset at `at`: nonzero, below 2^31, its target in the buffer.
  bool Offset(uint32_t at, uint32_t* target) const {
    if (!In(at, 4, 4)) return false;
    const uint32_t o = U32(at);
    *target = at + o;  // at < 2^31: wraps only for o >= 2^31, rejected below
    return o != 0 && o < 0x80000000u && In(*target, 1, 1);
  }

  // A vector (or string) of `count` elements of `elem` bytes at `at`; `end`: past its data.
  bool Vector(uint32_t at, uint32_t elem, uint32_t* end) const {
    if (!In(at, 4, 4)) return false;
    const uint32_t count = U32(at);
    if (count >= 0x7fffffffu / elem) return false;
    *end = at + 4 + count * elem;
    return In(at, 4 + count * elem, 1);
  }

  bool String(uint32_t at) const {
    uint32_t end;
    return Vector(at, 1, &end) && In(end, 1, 1) && buf_[end] == 0;
  }

  // A vector of offsets to tables (`type` given) or to strings. Its entries are followed
  // unchecked, as flatbuffers does: the target's own checks fail outside the buffer.
  bool Offsets(uint32_t at, const layout::Table* type) {
    uint32_t end;
    if (!Vector(at, 4, &end)) return false;
    for (uint32_t e = at + 4; e < end; e += 4) {
      const uint32_t o = U32(e);
      if (o >= size_ - e) return false;  // beyond the end (e < size_)
      if (type != nullptr ? !Table(e + o, *type) : !String(e + o)) {
        return false;
      }
    }
    return true;
  }

  // Recursion follows the schema's nesting (Model > Tensor > QuantMeta), never the data's.
  bool Table(uint32_t table, const layout::Table& type) {
    if (!In(table, 4, 4)) return false;
    const uint32_t vtable = table - U32(table);  // the soffset, subtracted modulo 2^32
    if (++depth_ > kMaxTableDepth || ++tables_ > kMaxTables || !In(vtable, 2, 2)) return false;
    const uint32_t vsize = U16(vtable);
    if ((vsize & 1) != 0 || !In(vtable, vsize, 1)) return false;
    const uint8_t* fields = layout::FieldsOf(type);
    for (uint32_t i = 0; i < type.count; ++i) {
      const uint32_t kind = fields[i] & 15u;
      const uint32_t slot = 4 + 2 * i;
      const uint32_t at = slot < vsize ? table + U16(vtable + slot) : table;
      if (at == table) continue;  // absent: the default value, or null
      if (kind <= layout::kScalar8) {
        if (!In(at, 1u << kind, 1u << kind)) return false;
        continue;
      }
      uint32_t p, end;
      if (!Offset(at, &p)) return false;
      const layout::Table& ref = layout::kTables[fields[i] >> 4];
      bool ok;
      if (kind == layout::kString) {
        ok = String(p);
      } else if (kind <= layout::kVector8) {
        ok = Vector(p, 1u << (kind - layout::kVector1), &end);
      } else if (kind == layout::kTable) {
        ok = Table(p, ref);
      } else if (kind == layout::kUnion) {
        // Its type: the previous field, a byte (checked in bounds just before).
        const uint32_t type_at = slot - 2 < vsize ? U16(vtable + slot - 2) : 0;
        ok = UnionMember(p, type_at == 0 ? 0u : buf_[table + type_at]);
      } else {
        ok = Offsets(p, kind == layout::kTableVector ? &ref : nullptr);
      }
      if (!ok) return false;
    }
    --depth_;
    return true;
  }

  // As the generated code: NONE and types the schema does not list pass unread.
  bool UnionMember(uint32_t at, uint32_t type) {
    if (type == 0 || type > layout::kNumOptionTypes || (option_types_ >> type & 1u) == 0) return true;
    return Table(at, layout::kTables[layout::kFirstOption + type - 1]);
  }

  const uint8_t* const buf_;
  const uint32_t size_;
  const uint32_t option_types_;
  uint32_t depth_ = 0;
  uint32_t tables_ = 0;
};

}  // namespace

bool VerifyModelStructure(const uint8_t* bytes, size_t size, uint32_t option_types) {
  constexpr size_t kMinBytes = 12;  // root offset, identifier, smallest vtable and table
  constexpr uint32_t kIdentifier = 'Q' | 'I' << 8 | 'N' << 16 | uint32_t{'F'} << 24;  // "QINF"
  if (size < kMinBytes || size > 0x7fffffffu || flatbuffers::ReadScalar<uint32_t>(bytes + 4) != kIdentifier) {
    return false;
  }
  return StructureWalker(bytes, static_cast<uint32_t>(size), option_types).Root();
}

}  // namespace qinfer
