// The compact structural verifier (runtime/verify_structure.h) against the generated one:
// its field layout must equal the schema's generated type tables, and on every model of the
// fuzzing corpus, each truncation, byte flip and random corruption must get the same verdict.
#include <dirent.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/verify_structure.h"
#include "schema/qinfer_generated.h"
#include "tests/support/model_builder.h"

namespace qinfer {
namespace {

using flatbuffers::TypeTable;
using testing::AlignedBytes;

bool Generated(const AlignedBytes& b) {
  flatbuffers::Verifier v(b.data(), b.size(), kMaxTableDepth, kMaxTables);
  return schema::VerifyModelBuffer(v);
}

bool Compact(const AlignedBytes& b, uint32_t option_types = kAllOptionTypes) {
  return VerifyModelStructure(b.data(), b.size(), option_types);
}

const TypeTable* TypeOf(int index) {
  static const flatbuffers::TypeFunction fixed[] = {schema::ModelTypeTable, schema::TensorTypeTable,
                                                    schema::QuantMetaTypeTable, schema::BufferTypeTable,
                                                    schema::OperatorTypeTable};
  if (index < layout::kFirstOption) return fixed[index]();
  const TypeTable* u = schema::OpOptionsTypeTable();
  return u->type_refs[u->type_codes[index - layout::kFirstOption + 1].sequence_ref]();
}

int IndexOf(const TypeTable* type) {
  for (int i = 0; i < layout::kFirstOption + layout::kNumOptionTypes; ++i) {
    if (TypeOf(i) == type) return i;
  }
  return -1;
}

int Log2(int bytes) { return bytes == 1 ? 0 : bytes == 2 ? 1 : bytes == 4 ? 2 : 3; }

// The layout byte a field of the generated type table must have.
int Expected(const TypeTable* type, size_t i) {
  static const int kBytes[] = {1, 1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8};
  const flatbuffers::TypeCode c = type->type_codes[i];
  if (c.base_type == flatbuffers::ET_SEQUENCE) {
    const TypeTable* ref = type->type_refs[c.sequence_ref]();
    if (ref->st == flatbuffers::ST_UNION) return c.is_repeating ? -1 : layout::kUnion;
    if (ref->st != flatbuffers::ST_TABLE || IndexOf(ref) < 0 || IndexOf(ref) >= 16) return -1;
    return (c.is_repeating ? layout::kTableVector : layout::kTable) | IndexOf(ref) << 4;
  }
  if (c.base_type == flatbuffers::ET_STRING) return c.is_repeating ? layout::kStringVector : layout::kString;
  const int log2 = Log2(kBytes[c.base_type]);
  return c.is_repeating ? layout::kVector1 + log2 : layout::kScalar1 + log2;
}

TEST(VerifyStructure, LayoutIsTheSchemas) {
  const TypeTable* u = schema::OpOptionsTypeTable();
  ASSERT_EQ(u->num_elems, static_cast<size_t>(layout::kNumOptionTypes + 1))
      << "OpOptions changed: update runtime/verify_structure.*";
  EXPECT_EQ(u->values, nullptr);
  for (int t = 0; t < layout::kFirstOption + layout::kNumOptionTypes; ++t) {
    const TypeTable* type = TypeOf(t);
    const layout::Table& mine = layout::kTables[t];
    ASSERT_EQ(mine.count, type->num_elems) << "table " << t << " changed in schema/qinfer.fbs: "
                                           << "update runtime/verify_structure.cc";
    for (size_t i = 0; i < type->num_elems; ++i) {
      EXPECT_EQ(layout::FieldsOf(mine)[i], Expected(type, i)) << "table " << t << " field " << i;
      if (layout::FieldsOf(mine)[i] == layout::kUnion) {
        ASSERT_GT(i, 0u);
        EXPECT_EQ(type->type_codes[i - 1].base_type, flatbuffers::ET_UTYPE);
      }
    }
  }
}

std::vector<AlignedBytes> CorpusModels() {
  const std::string dir = std::string(QINFER_SOURCE_DIR) + "/tests/fuzz/corpus/model";
  std::vector<std::string> paths;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (std::string(e->d_name).find(".qinfer") != std::string::npos) paths.push_back(dir + "/" + e->d_name);
    }
    closedir(d);
  }
  std::sort(paths.begin(), paths.end());
  std::vector<AlignedBytes> out;
  for (const std::string& p : paths) {
    std::ifstream f(p, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    out.emplace_back(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  return out;
}

TEST(VerifyStructure, SameVerdictAsTheGeneratedVerifier) {
  const std::vector<AlignedBytes> models = CorpusModels();
  ASSERT_GE(models.size(), 6u);
  uint32_t option_types_seen = 0;
  int accepted = 0, rejected = 0;
  auto same = [&](const AlignedBytes& b, const char* what, size_t where) {
    const bool g = Generated(b);
    EXPECT_EQ(Compact(b), g) << what << " at " << where;
    // Leaving option types out only skips reads: never rejects what the full check accepts.
    if (g) {
      EXPECT_TRUE(Compact(b, 0)) << what << " at " << where;
      ++accepted;
    } else {
      ++rejected;
    }
  };
  std::mt19937 rng(6);
  for (const AlignedBytes& good : models) {
    ASSERT_TRUE(Generated(good));
    same(good, "unchanged", 0);
    const auto* m = schema::GetModel(good.data());
    for (const auto* op : *m->operators()) option_types_seen |= 1u << static_cast<int>(op->options_type());
    for (size_t len = 0; len < good.size(); ++len) same(AlignedBytes(good.data(), len), "truncation", len);
    for (size_t i = 0; i < good.size(); ++i) {
      for (uint8_t x : {0x01, 0x02, 0x10, 0x5a, 0x80, 0xff}) {
        AlignedBytes b(good.data(), good.size());
        b.data()[i] ^= x;
        same(b, "flip", i);
      }
    }
    for (int k = 0; k < 2000; ++k) {
      AlignedBytes b(good.data(), good.size());
      const int n = 1 + static_cast<int>(rng() % 4);
      for (int j = 0; j < n; ++j) b.data()[rng() % b.size()] = static_cast<uint8_t>(rng());
      same(b, "corruption", static_cast<size_t>(k));
    }
  }
  // The corpus reaches the option tables of most types, and both verdicts occur often.
  EXPECT_GE(__builtin_popcount(option_types_seen >> 1), 9) << std::hex << option_types_seen;
  EXPECT_GT(accepted, 1000);
  EXPECT_GT(rejected, 1000);
}

// An option table the build does not verify is never read: corrupting it is invisible to the
// structural check with its type left out, and caught with it included.
TEST(VerifyStructure, LeftOutOptionTypesAreNotRead) {
  int checked = 0;
  for (const AlignedBytes& good : CorpusModels()) {
    const auto* m = schema::GetModel(good.data());
    for (const auto* op : *m->operators()) {
      const uint32_t type = static_cast<uint32_t>(op->options_type());
      if (op->options() == nullptr || type == 0) continue;
      AlignedBytes b(good.data(), good.size());
      const size_t table = static_cast<const uint8_t*>(op->options()) - good.data();
      // The options table's vtable offset, pointing far outside the buffer.
      b.data()[table] = 0x7f; b.data()[table + 1] = 0x7f; b.data()[table + 2] = 0x7f; b.data()[table + 3] = 0x7f;
      EXPECT_FALSE(Generated(b));
      EXPECT_FALSE(Compact(b));
      EXPECT_TRUE(Compact(b, ~(1u << type))) << "type " << type;
      ++checked;
    }
  }
  EXPECT_GT(checked, 10);
}

}  // namespace
}  // namespace qinfer
