#include "converter/npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <unistd.h>

#include "converter/error.h"

namespace qinfer {
namespace converter {

const char* NpyTypeName(NpyType t) {
  switch (t) {
    case NpyType::kFloat32: return "float32";
    case NpyType::kUint8: return "uint8";
    case NpyType::kInt8: return "int8";
    case NpyType::kInt32: return "int32";
    case NpyType::kInt64: return "int64";
  }
  return "?";
}

size_t NpyTypeSize(NpyType t) {
  switch (t) {
    case NpyType::kFloat32: return 4;
    case NpyType::kUint8: return 1;
    case NpyType::kInt8: return 1;
    case NpyType::kInt32: return 4;
    case NpyType::kInt64: return 8;
  }
  return 1;
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? "," : "") << shape[i];
  os << "]";
  return os.str();
}

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

double NpyArray::at(int64_t i) const {
  switch (type) {
    case NpyType::kFloat32: return as<float>()[i];
    case NpyType::kUint8: return as<uint8_t>()[i];
    case NpyType::kInt8: return as<int8_t>()[i];
    case NpyType::kInt32: return as<int32_t>()[i];
    case NpyType::kInt64: return static_cast<double>(as<int64_t>()[i]);
  }
  return 0;
}

std::vector<float> NpyArray::ToFloat() const {
  const int64_t n = numel();
  std::vector<float> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = static_cast<float>(at(i));
  return out;
}

NpyArray NpyArray::FromFloat(const std::vector<int64_t>& shape, const float* values) {
  NpyArray a;
  a.type = NpyType::kFloat32;
  a.shape = shape;
  a.data.resize(static_cast<size_t>(a.numel()) * 4);
  if (!a.data.empty()) std::memcpy(a.data.data(), values, a.data.size());
  return a;
}

NpyArray NpyArray::FromInt8(const std::vector<int64_t>& shape, const int8_t* values) {
  NpyArray a;
  a.type = NpyType::kInt8;
  a.shape = shape;
  a.data.resize(static_cast<size_t>(a.numel()));
  if (!a.data.empty()) std::memcpy(a.data.data(), values, a.data.size());
  return a;
}

namespace {

// A tiny parser for the header's Python dict literal:
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(const std::string& s, const std::string& what) : s_(s), what_(what) {}

  void Parse(std::string* descr, bool* fortran, std::vector<int64_t>* shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    Skip();
    Expect('{');
    while (true) {
      Skip();
      if (Peek() == '}') { ++p_; break; }
      const std::string key = ParseString();
      Skip();
      Expect(':');
      Skip();
      if (key == "descr") {
        *descr = ParseString();
        have_descr = true;
      } else if (key == "fortran_order") {
        *fortran = ParseBool();
        have_fortran = true;
      } else if (key == "shape") {
        *shape = ParseTuple();
        have_shape = true;
      } else {
        Bad("unknown header key '" + key + "'");
      }
      Skip();
      if (Peek() == ',') { ++p_; continue; }
      Skip();
      Expect('}');
      break;
    }
    if (!have_descr || !have_fortran || !have_shape)
      Bad("header lacks 'descr', 'fortran_order' or 'shape'");
  }

 private:
  [[noreturn]] void Bad(const std::string& why) {
    Fail(what_, ": not a valid .npy file (", why, ")");
  }
  char Peek() const { return p_ < s_.size() ? s_[p_] : '\0'; }
  void Skip() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\t' || s_[p_] == '\n' || s_[p_] == '\r')) ++p_;
  }
  void Expect(char c) {
    if (Peek() != c) Bad(std::string("expected '") + c + "' in header");
    ++p_;
  }
  std::string ParseString() {
    const char q = Peek();
    if (q != '\'' && q != '"') Bad("expected a string in header");
    ++p_;
    const size_t start = p_;
    while (p_ < s_.size() && s_[p_] != q) ++p_;
    if (p_ >= s_.size()) Bad("unterminated string in header");
    std::string out = s_.substr(start, p_ - start);
    ++p_;
    return out;
  }
  bool ParseBool() {
    if (s_.compare(p_, 4, "True") == 0) { p_ += 4; return true; }
    if (s_.compare(p_, 5, "False") == 0) { p_ += 5; return false; }
    Bad("expected True or False in header");
  }
  std::vector<int64_t> ParseTuple() {
    std::vector<int64_t> out;
    Expect('(');
    while (true) {
      Skip();
      if (Peek() == ')') { ++p_; break; }
      if (Peek() < '0' || Peek() > '9') Bad("expected a dimension in 'shape'");
      int64_t v = 0;
      while (Peek() >= '0' && Peek() <= '9') {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) Bad("dimension too large");
        v = v * 10 + (Peek() - '0');
        ++p_;
      }
      // Python 2 era files may write long integers as 3L.
      if (Peek() == 'L') ++p_;
      out.push_back(v);
      Skip();
      if (Peek() == ',') { ++p_; continue; }
      Skip();
      Expect(')');
      break;
    }
    return out;
  }

  const std::string& s_;
  const std::string& what_;
  size_t p_ = 0;
};

}  // namespace

NpyArray ParseNpy(const uint8_t* bytes, size_t size, const std::string& what) {
  static const uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10 || std::memcmp(bytes, kMagic, 6) != 0)
    Fail(what, ": not a .npy file (bad magic)");
  const int major = bytes[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = static_cast<size_t>(bytes[8]) | (static_cast<size_t>(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) Fail(what, ": truncated .npy header");
    header_len = static_cast<size_t>(bytes[8]) | (static_cast<size_t>(bytes[9]) << 8) |
                 (static_cast<size_t>(bytes[10]) << 16) | (static_cast<size_t>(bytes[11]) << 24);
    header_start = 12;
  } else {
    Fail(what, ": unsupported .npy format version ", major, ".", static_cast<int>(bytes[7]));
  }
  if (header_len > size - header_start) Fail(what, ": truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(bytes) + header_start, header_len);
  std::string descr;
  bool fortran = false;
  NpyArray a;
  HeaderParser(header, what).Parse(&descr, &fortran, &a.shape);
  if (fortran) Fail(what, ": Fortran-order arrays are not supported (save with C order)");
  if (descr == "<f4") a.type = NpyType::kFloat32;
  else if (descr == "|u1" || descr == "<u1" || descr == "u1") a.type = NpyType::kUint8;
  else if (descr == "|i1" || descr == "<i1" || descr == "i1") a.type = NpyType::kInt8;
  else if (descr == "<i4") a.type = NpyType::kInt32;
  else if (descr == "<i8") a.type = NpyType::kInt64;
  else
    Fail(what, ": unsupported dtype '", descr,
         "' (supported: little-endian float32, uint8, int8, int32, int64)");
  const size_t elem = NpyTypeSize(a.type);
  // Overflow-safe element count. Every prefix product must fit int64 (NpyArray::numel and
  // callers multiply dims in int64), even when a later dim is 0 and the array is empty.
  uint64_t numel = 1;
  for (int64_t d : a.shape) {
    const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / elem;
    if (d != 0 && numel > limit / static_cast<uint64_t>(d))
      Fail(what, ": shape ", ShapeString(a.shape), " is too large");
    numel *= static_cast<uint64_t>(d);
  }
  const size_t data_start = header_start + header_len;
  const uint64_t want = numel * elem;
  const uint64_t have = size - data_start;
  if (have < want)
    Fail(what, ": truncated data (shape ", ShapeString(a.shape), " needs ", want, " bytes, file has ",
         have, ")");
  if (have > want)
    Fail(what, ": ", have - want, " unexpected trailing bytes after the data");
  a.data.assign(bytes + data_start, bytes + data_start + want);
  return a;
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) Fail("cannot open '", path, "': ", std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) Fail("cannot read '", path, "'");
  return ss.str();
}

NpyArray ReadNpy(const std::string& path) {
  const std::string bytes = ReadFileBytes(path);
  return ParseNpy(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
}

std::vector<uint8_t> SerializeNpy(const NpyArray& array) {
  const char* descr = "<f4";
  switch (array.type) {
    case NpyType::kFloat32: descr = "<f4"; break;
    case NpyType::kUint8: descr = "|u1"; break;
    case NpyType::kInt8: descr = "|i1"; break;
    case NpyType::kInt32: descr = "<i4"; break;
    case NpyType::kInt64: descr = "<i8"; break;
  }
  std::string shape = "(";
  for (size_t i = 0; i < array.shape.size(); ++i) {
    shape += std::to_string(array.shape[i]);
    if (array.shape.size() == 1 || i + 1 < array.shape.size()) shape += ",";
    if (i + 1 < array.shape.size()) shape += " ";
  }
  shape += ")";
  std::string header =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so that the data starts at a multiple of 64 bytes (what NumPy writes).
  size_t prefix = 10;
  int major = 1;
  if (header.size() + 1 + prefix > 65535 + prefix) {
    major = 2;
    prefix = 12;
  }
  const size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';
  std::string head("\x93NUMPY", 6);
  head += static_cast<char>(major);
  head += '\0';
  const size_t hl = header.size();
  head += static_cast<char>(hl & 0xff);
  head += static_cast<char>((hl >> 8) & 0xff);
  if (major == 2) {
    head += static_cast<char>((hl >> 16) & 0xff);
    head += static_cast<char>((hl >> 24) & 0xff);
  }
  head += header;
  std::vector<uint8_t> out(head.size() + array.data.size());
  std::memcpy(out.data(), head.data(), head.size());
  if (!array.data.empty()) std::memcpy(out.data() + head.size(), array.data.data(), array.data.size());
  return out;
}

void WriteNpy(const std::string& path, const NpyArray& array) {
  const std::vector<uint8_t> bytes = SerializeNpy(array);
  WriteFileAtomic(path, bytes.data(), bytes.size());
}

void WriteFileAtomic(const std::string& path, const void* bytes, size_t size) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) Fail("cannot write '", path, "': ", std::strerror(errno));
  const bool ok = (size == 0 || std::fwrite(bytes, 1, size, f) == size) && std::fflush(f) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    std::remove(tmp.c_str());
    Fail("cannot write '", path, "' (disk full?)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    Fail("cannot write '", path, "': ", std::strerror(e));
  }
}

}  // namespace converter
}  // namespace qinfer
