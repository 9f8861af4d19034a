// Host-side converter errors: thrown inside the converter, caught once in the CLI, printed as
// `error: <message>` on one line.
#ifndef QINFER_CONVERTER_ERROR_H_
#define QINFER_CONVERTER_ERROR_H_

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace qinfer {
namespace converter {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
inline void Append(std::ostringstream&) {}
template <typename T, typename... Rest>
void Append(std::ostringstream& os, T&& v, Rest&&... rest) {
  os << std::forward<T>(v);
  Append(os, std::forward<Rest>(rest)...);
}
}  // namespace detail

template <typename... Args>
[[noreturn]] void Fail(Args&&... args) {
  std::ostringstream os;
  detail::Append(os, std::forward<Args>(args)...);
  throw Error(os.str());
}

template <typename... Args>
std::string Cat(Args&&... args) {
  std::ostringstream os;
  detail::Append(os, std::forward<Args>(args)...);
  return os.str();
}

// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
// the destination is either the complete new file or untouched.
void WriteFileAtomic(const std::string& path, const void* bytes, size_t size);
std::string ReadFileBytes(const std::string& path);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_ERROR_H_
