// .npy reading/writing: round trips of every supported dtype, headers written by NumPy (v1
// and v2), clear errors on everything else, and no crash on corrupted files.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "converter/error.h"
#include "converter/npy.h"

namespace qinfer {
namespace converter {
namespace {

std::vector<uint8_t> Bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

// A .npy file with the given header dict and payload, as NumPy writes it.
std::vector<uint8_t> MakeNpy(const std::string& dict, const std::string& payload, int major = 1) {
  std::string h = dict;
  const size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>((h.size() >> 8) & 0xff);
  if (major != 1) {
    out += static_cast<char>((h.size() >> 16) & 0xff);
    out += static_cast<char>((h.size() >> 24) & 0xff);
  }
  return Bytes(out + h + payload);
}

std::string ErrorOf(const std::vector<uint8_t>& b) {
  try {
    ParseNpy(b.data(), b.size(), "t.npy");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Npy, RoundTripsEveryDtype) {
  for (NpyType t : {NpyType::kFloat32, NpyType::kUint8, NpyType::kInt8, NpyType::kInt32, NpyType::kInt64}) {
    NpyArray a;
    a.type = t;
    a.shape = {2, 3, 4};
    a.data.resize(24 * NpyTypeSize(t));
    for (size_t i = 0; i < a.data.size(); ++i) a.data[i] = static_cast<uint8_t>(i * 37 + 1);
    const auto bytes = SerializeNpy(a);
    const NpyArray b = ParseNpy(bytes.data(), bytes.size(), "x");
    EXPECT_EQ(b.type, t);
    EXPECT_EQ(b.shape, a.shape);
    EXPECT_EQ(b.data, a.data);
  }
}

TEST(Npy, HeaderIsPaddedAndScalarsWork) {
  NpyArray a;
  a.type = NpyType::kFloat32;
  a.shape = {};
  const float v = 2.5f;
  a.data.assign(reinterpret_cast<const uint8_t*>(&v), reinterpret_cast<const uint8_t*>(&v) + 4);
  const auto bytes = SerializeNpy(a);
  EXPECT_EQ((bytes.size() - 4) % 64, 0u);
  const NpyArray b = ParseNpy(bytes.data(), bytes.size(), "x");
  EXPECT_EQ(b.numel(), 1);
  EXPECT_EQ(b.at(0), 2.5);
  NpyArray one;
  one.type = NpyType::kInt8;
  one.shape = {3};
  one.data = {1, 2, 3};
  const auto ob = SerializeNpy(one);
  EXPECT_NE(std::string(ob.begin(), ob.end()).find("'shape': (3,)"), std::string::npos);
}

TEST(Npy, ReadsNumpyStyleHeadersV1AndV2) {
  const float f[2] = {1.f, -2.f};
  const std::string payload(reinterpret_cast<const char*>(f), 8);
  for (int major : {1, 2, 3}) {
    const auto b = MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", payload, major);
    const NpyArray a = ParseNpy(b.data(), b.size(), "v");
    EXPECT_EQ(a.shape, std::vector<int64_t>{2});
    EXPECT_EQ(a.ToFloat()[1], -2.f);
  }
  // Key order, spacing and '|u1'.
  const auto b = MakeNpy("{'shape':(1,2),'fortran_order':False,'descr':'|u1'}", std::string("\x01\xff", 2));
  const NpyArray a = ParseNpy(b.data(), b.size(), "v");
  EXPECT_EQ(a.type, NpyType::kUint8);
  EXPECT_EQ(a.at(1), 255.0);
}

TEST(Npy, ClearErrors) {
  const std::string p8(8, '\0');
  EXPECT_NE(ErrorOf(Bytes("hello world, not numpy")).find("bad magic"), std::string::npos);
  EXPECT_NE(ErrorOf(MakeNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", p8)).find("unsupported dtype '>f4'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(MakeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", p8)).find("unsupported dtype"),
            std::string::npos);
  EXPECT_NE(ErrorOf(MakeNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", p8)).find("Fortran"),
            std::string::npos);
  EXPECT_NE(ErrorOf(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", p8)).find("truncated data"),
            std::string::npos);
  EXPECT_NE(ErrorOf(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", p8)).find("trailing"),
            std::string::npos);
  EXPECT_NE(ErrorOf(MakeNpy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", p8)).find("unsupported dtype"),
            std::string::npos);
  EXPECT_NE(ErrorOf(MakeNpy("{'descr': '<f4', 'shape': (2,), }", p8)).find("lacks"), std::string::npos);
  EXPECT_NE(ErrorOf(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999,99999999999,), }", p8))
                .find("too large"),
            std::string::npos);
  // Empty (a dim is 0) but the dims before it overflow int64: 2^62 * 3.
  EXPECT_NE(ErrorOf(MakeNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (4611686018427387904,3,0,), }", ""))
                .find("too large"),
            std::string::npos);
  auto v9 = MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", p8);
  v9[6] = 9;
  EXPECT_NE(ErrorOf(v9).find("version"), std::string::npos);
  EXPECT_THROW(ReadNpy("/nonexistent/dir/x.npy"), Error);
}

TEST(Npy, CorruptedFilesNeverCrash) {
  NpyArray a;
  a.type = NpyType::kInt32;
  a.shape = {4, 5};
  a.data.assign(80, 7);
  const auto good = SerializeNpy(a);
  std::mt19937 rng(1);
  int parsed = 0, rejected = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<uint8_t> b = good;
    const int kind = iter % 3;
    if (kind == 0) {
      b.resize(rng() % (b.size() + 1));
    } else {
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) b[rng() % std::min<size_t>(b.size(), 128)] = static_cast<uint8_t>(rng());
    }
    try {
      const NpyArray r = ParseNpy(b.data(), b.size(), "fuzz");
      EXPECT_EQ(static_cast<int64_t>(r.data.size()), r.numel() * static_cast<int64_t>(NpyTypeSize(r.type)));
      ++parsed;
    } catch (const Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(parsed, 0);
}

TEST(Npy, WriteIsAtomicAndReadable) {
  const std::string path = std::string(QINFER_BINARY_DIR) + "/npy_test_out.npy";
  std::remove(path.c_str());
  const float v[3] = {1, 2, 3};
  WriteNpy(path, NpyArray::FromFloat({3}, v));
  const NpyArray r = ReadNpy(path);
  EXPECT_EQ(r.ToFloat(), std::vector<float>({1, 2, 3}));
  // A failing write leaves the existing file alone.
  EXPECT_THROW(WriteNpy("/nonexistent/dir/y.npy", r), Error);
  std::remove(path.c_str());
}

TEST(Npy, ReadsTheBundledModelsData) {
  const std::string dir = std::string(QINFER_SOURCE_DIR) + "/models/";
  FILE* f = std::fopen((dir + "fashion_calib.npy").c_str(), "rb");
  if (!f) GTEST_SKIP() << "models/ not present";
  std::fclose(f);
  const NpyArray calib = ReadNpy(dir + "fashion_calib.npy");
  EXPECT_EQ(calib.type, NpyType::kFloat32);
  EXPECT_EQ(calib.shape, std::vector<int64_t>({200, 1, 28, 28}));
  const NpyArray labels = ReadNpy(dir + "fashion_test_1000_labels.npy");
  EXPECT_EQ(labels.type, NpyType::kInt64);
  const NpyArray u8 = ReadNpy(dir + "fashion_test_1000_u8.npy");
  EXPECT_EQ(u8.type, NpyType::kUint8);
}

}  // namespace
}  // namespace converter
}  // namespace qinfer
