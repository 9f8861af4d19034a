// Reading and writing NumPy .npy files (format versions 1.0, 2.0 and 3.0), C order,
// little-endian float32 / uint8 / int8 / int32 / int64. Host-only; errors throw
// qinfer::converter::Error with a one-line message naming the file.
#ifndef QINFER_CONVERTER_NPY_H_
#define QINFER_CONVERTER_NPY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qinfer {
namespace converter {

enum class NpyType { kFloat32, kUint8, kInt8, kInt32, kInt64 };

const char* NpyTypeName(NpyType t);
size_t NpyTypeSize(NpyType t);

struct NpyArray {
  NpyType type = NpyType::kFloat32;
  std::vector<int64_t> shape;   // empty = 0-d (one element)
  std::vector<uint8_t> data;    // numel * NpyTypeSize(type) bytes, little-endian, C order

  int64_t numel() const;
  // Element i converted to double / float.
  double at(int64_t i) const;
  std::vector<float> ToFloat() const;

  static NpyArray FromFloat(const std::vector<int64_t>& shape, const float* values);
  static NpyArray FromInt8(const std::vector<int64_t>& shape, const int8_t* values);
  template <typename T>
  const T* as() const { return reinterpret_cast<const T*>(data.data()); }
  template <typename T>
  T* as() { return reinterpret_cast<T*>(data.data()); }
};

// Parses .npy bytes; `what` names the source in error messages.
NpyArray ParseNpy(const uint8_t* bytes, size_t size, const std::string& what);
NpyArray ReadNpy(const std::string& path);
std::vector<uint8_t> SerializeNpy(const NpyArray& array);
// Writes through a temporary file and a rename: never leaves a partial file.
void WriteNpy(const std::string& path, const NpyArray& array);

std::string ShapeString(const std::vector<int64_t>& shape);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_NPY_H_
