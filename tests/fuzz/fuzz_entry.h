// The fuzzed entry points, shared by the libFuzzer targets (tests/fuzz/fuzz_*.cc) and the
// regression replay in tests/fault_test.cc, so a kept crashing input is replayed through
// exactly the code that crashed.
#ifndef QINFER_TESTS_FUZZ_FUZZ_ENTRY_H_
#define QINFER_TESTS_FUZZ_FUZZ_ENTRY_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "converter/error.h"
#include "converter/npy.h"
#include "converter/onnx_import.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "runtime/verify_structure.h"
#include "schema/qinfer_generated.h"
#if __has_include("converter/tflite_import.h")
#include "converter/tflite_import.h"
#define QINFER_FUZZ_HAVE_TFLITE 1
#endif

namespace qinfer {
namespace fuzz {

constexpr uint32_t kMaxArena = 1u << 20;  // invoke only models whose plan fits in 1 MiB

// The compact structural check of the flash-size builds must agree with the generated one.
__attribute__((noinline)) inline void CheckStructureVerdicts(const uint8_t* bytes, size_t size) {
  if (size < 8 || size > 0x7fffffffu) return;
  flatbuffers::Verifier verifier(bytes, size, kMaxTableDepth, kMaxTables);
  if (schema::VerifyModelBuffer(verifier) != VerifyModelStructure(bytes, size, kAllOptionTypes)) {
    __builtin_trap();
  }
}

// Load + verify; when it verifies and the arena fits, Init + Invoke. Returns the load status.
inline Status RunModel(const uint8_t* data, size_t size) {
  struct alignas(16) Block {
    uint8_t b[16];
  };
  std::vector<Block> copy((size + 15) / 16 + 1);  // 16-aligned, as the runtime requires
  if (size > 0) std::memcpy(copy.data(), data, size);
  CheckStructureVerdicts(reinterpret_cast<const uint8_t*>(copy.data()), size);
  Model model;
  Error error;
  const Status s = Model::Load(copy.data(), size, &model, &error);
  if (s != Status::kOk) return s;
  if (model.arena_bytes() > kMaxArena) return s;
  std::vector<Block> arena(model.arena_bytes() / 16 + 1);
  Interpreter interp;
  if (interp.Init(model, arena.data(), arena.size() * 16, &error) != Status::kOk) return s;
  for (size_t i = 0; i < interp.input_count(); ++i) {
    TensorView v;
    if (interp.input(i, &v) == Status::kOk) {
      for (size_t k = 0; k < v.bytes; ++k) v.data[k] = static_cast<int8_t>(k * 37 + i);
    }
  }
  interp.Invoke(&error);
  for (size_t i = 0; i < interp.output_count(); ++i) {
    TensorView v;
    interp.output(i, &v);
  }
  return s;
}

// Each converter entry returns true when the input was accepted, false on a converter::Error.
// Any other exception escapes (a bug).
inline bool RunOnnx(const uint8_t* data, size_t size) {
  try {
    converter::Graph g = converter::ImportOnnxBytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    converter::PrepareForQuantization(&g);
    return true;
  } catch (const converter::Error&) {
    return false;
  }
}

inline bool RunNpy(const uint8_t* data, size_t size) {
  try {
    converter::NpyArray a = converter::ParseNpy(data, size, "fuzz");
    if (a.numel() > 0 && a.numel() < (1 << 16)) a.at(a.numel() - 1);
    return true;
  } catch (const converter::Error&) {
    return false;
  }
}

#ifdef QINFER_FUZZ_HAVE_TFLITE
// Import, plan, serialize and verify; a model that converts is also run through RunModel.
inline bool RunTflite(const uint8_t* data, size_t size) {
  std::vector<uint8_t> q;
  try {
    q = converter::ConvertTfliteBytesToQinfer(data, size);
  } catch (const converter::Error&) {
    return false;
  }
  RunModel(q.data(), q.size());
  return true;
}
#endif

}  // namespace fuzz
}  // namespace qinfer

#endif  // QINFER_TESTS_FUZZ_FUZZ_ENTRY_H_
