// Per-process scratch directories and whole-file reads for tests that write files.
#ifndef QINFER_TESTS_SUPPORT_SCRATCH_FILES_H_
#define QINFER_TESTS_SUPPORT_SCRATCH_FILES_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace qinfer {
namespace testing_support {

// Removes a directory when the tests end, so runs leave nothing behind in the build tree.
class RemoveDirAtEnd : public ::testing::Environment {
 public:
  explicit RemoveDirAtEnd(std::string dir) : dir_(std::move(dir)) {}
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

 private:
  std::string dir_;
};

// `parent/name.<pid>/`: per process, because ctest runs the tests of one file in parallel
// processes. The caller creates it; it is removed when the tests end.
inline std::string ScratchDir(const std::string& parent, const std::string& name) {
  std::string dir = parent + "/" + name + "." + std::to_string(getpid()) + "/";
  ::testing::AddGlobalTestEnvironment(new RemoveDirAtEnd(dir));
  return dir;
}

inline std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace testing_support
}  // namespace qinfer

#endif  // QINFER_TESTS_SUPPORT_SCRATCH_FILES_H_
