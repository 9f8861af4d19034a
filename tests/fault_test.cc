// Fault tests (issue 5): hostile bytes against the runtime, the converter and the qinfer tool.
// Each bad input must give an error code / a converter::Error / a non-zero exit with a one-line
// `error:` message, never a crash (the ASan+UBSan build checks the reads), and a run that
// verifies must Invoke cleanly. The fuzzers' kept crashing inputs (tests/fuzz/regressions/) are
// replayed here through the same entry points the fuzz targets use (tests/fuzz/fuzz_entry.h).
//
// Crafted single-rule models (zero dim, rank, 2^31 byte size, bad indices, shift 40, conv output
// size, arena overlap / outside / misaligned, ...) are in verifier_test.cc; arena size and
// alignment contracts of Interpreter::Init in runtime_test.cc (ArenaContracts); CLI errors for
// missing files, malformed ONNX, calibration shape / dtype / NaN / Inf in converter_cli_test.cc.
// The cases here start from real converted models instead.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "converter/error.h"
#include "converter/npy.h"
#include "converter/onnx_builder.h"
#include "converter/onnx_import.h"
#include "converter/qmodel.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "tests/fuzz/fuzz_entry.h"
#include "tests/support/scratch_files.h"

namespace qinfer {
namespace {

using converter::ConvertResult;
using converter::OnnxAttr;
using converter::OnnxBuilder;

const std::string kFuzzDir = std::string(QINFER_SOURCE_DIR) + "/tests/fuzz/";
const std::string kTmp =
    testing_support::ScratchDir(QINFER_BINARY_DIR, "fault_test");

using testing_support::Slurp;

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != ".." && n != "README.md") out.push_back(dir + "/" + n);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<float> W(size_t n, unsigned seed, float scale = 0.5f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

// conv 3x3 pad 1 -> relu -> maxpool 2x2 -> flatten -> gemm: a small real model.
void BuildOnnx(OnnxBuilder* b) {
  b->Input("x", {1, 2, 6, 6});
  b->Init("w", {4, 2, 3, 3}, W(72, 1));
  b->Init("bias", {4}, W(4, 2));
  b->Node("Conv", {"x", "w", "bias"}, {"c"}, {OnnxAttr::Ints("pads", {1, 1, 1, 1})});
  b->Node("Relu", {"c"}, {"r"});
  b->Node("MaxPool", {"r"}, {"mp"}, {OnnxAttr::Ints("kernel_shape", {2, 2}), OnnxAttr::Ints("strides", {2, 2})});
  b->Node("Flatten", {"mp"}, {"f"});
  b->Init("fc", {5, 36}, W(180, 3));
  b->Init("fcb", {5}, W(5, 4));
  b->Node("Gemm", {"f", "fc", "fcb"}, {"y"}, {OnnxAttr::Int("transB", 1)});
  b->Output("y");
}

std::vector<converter::Sample> RandomSamples(const converter::LGraph& lg, size_t count, float lo, float hi) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<converter::Sample> out(count);
  for (auto& s : out) {
    for (int in : lg.inputs) {
      std::vector<float> x(static_cast<size_t>(lg.tensors[static_cast<size_t>(in)].numel()));
      for (float& v : x) v = u(rng);
      s.push_back(x);
    }
  }
  return out;
}

const ConvertResult& RealModel() {
  static const ConvertResult r = [] {
    OnnxBuilder b;
    BuildOnnx(&b);
    converter::Graph g = converter::ImportOnnxBytes(b.Serialize(), "fault");
    const converter::LGraph lg = converter::PrepareForQuantization(&g);
    converter::ConvertOptions opt;
    opt.compute_sqnr = false;
    return converter::ConvertGraphWithSamples(lg, RandomSamples(lg, 8, -1.f, 1.f), opt);
  }();
  return r;
}

Status LoadOnly(const std::vector<uint8_t>& bytes, Error* err) {
  struct alignas(16) Block {
    uint8_t b[16];
  };
  std::vector<Block> copy(bytes.size() / 16 + 1);
  if (!bytes.empty()) std::memcpy(copy.data(), bytes.data(), bytes.size());
  Model m;
  return Model::Load(copy.data(), bytes.size(), &m, err);
}

// ---------------------------------------------------------------------------------------------
// Runtime.

TEST(FaultRuntime, RealModelRunsClean) {
  const auto& r = RealModel();
  EXPECT_EQ(fuzz::RunModel(r.bytes.data(), r.bytes.size()), Status::kOk);
}

// Every prefix of every real model (the converted one and the checked-in seed models) is
// rejected, or (never expected for a strict prefix) verifies and Invokes cleanly.
TEST(FaultRuntime, TruncatedAtEveryLength) {
  std::vector<std::vector<uint8_t>> models = {RealModel().bytes};
  for (const std::string& p : ListDir(kFuzzDir + "corpus/model")) {
    const std::string s = Slurp(p);
    if (s.size() <= 16384) models.emplace_back(s.begin(), s.end());
  }
  for (const auto& m : models) {
    size_t accepted = 0;
    for (size_t len = 0; len < m.size(); ++len) {
      if (fuzz::RunModel(m.data(), len) == Status::kOk) ++accepted;
    }
    EXPECT_EQ(accepted, 0u) << "a truncated model verified";
  }
}

TEST(FaultRuntime, FlippedByteAtEveryPosition) {
  const auto& good = RealModel().bytes;
  size_t rejected = 0, runs = 0;
  for (uint8_t mask : {0x01, 0x80, 0xff}) {
    for (size_t i = 0; i < good.size(); ++i) {
      std::vector<uint8_t> bad = good;
      bad[i] ^= mask;
      if (fuzz::RunModel(bad.data(), bad.size()) == Status::kOk) ++runs;  // ran Invoke cleanly
      else ++rejected;
    }
  }
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(runs, 0u);  // weight bytes, scales: still valid models
}

// Mutates the converted model (QModel), serializes it and expects `code` from the verifier.
// (Tensor indices cannot be broken this way: SerializeModel renumbers them; the out-of-range
// index cases are crafted in verifier_test.cc.)
void ExpectRejected(const char* name, Status code, const std::function<void(converter::QModel&)>& mutate) {
  converter::QModel m = RealModel().model;
  mutate(m);
  Error err;
  const Status got = LoadOnly(converter::SerializeModel(m), &err);
  EXPECT_EQ(got, code) << name << ": " << StatusName(got) << " " << err.message;
  EXPECT_NE(err.message[0], '\0') << name;
}

int FirstOp(const converter::QModel& m, converter::LKind kind) {
  for (size_t i = 0; i < m.ops.size(); ++i)
    if (m.ops[i].kind == kind) return static_cast<int>(i);
  return -1;
}

TEST(FaultRuntime, RealModelMutations) {
  using converter::LKind;
  using converter::QModel;
  ASSERT_GE(FirstOp(RealModel().model, LKind::kConv), 0);
  ASSERT_GE(FirstOp(RealModel().model, LKind::kFullyConnected), 0);
  // Arena plan: the fully connected output placed on top of its input (both live at that op).
  ExpectRejected("overlapping plan", Status::kArenaOverlap, [](QModel& m) {
    const auto& fc = m.ops[static_cast<size_t>(FirstOp(m, LKind::kFullyConnected))];
    m.tensors[static_cast<size_t>(fc.outputs[0])].arena_offset = m.tensors[static_cast<size_t>(fc.inputs[0])].arena_offset;
  });
  ExpectRejected("arena too small for the plan", Status::kArenaPlanInvalid, [](QModel& m) { m.arena_bytes = 16; });
  ExpectRejected("offset past 2^31", Status::kArenaPlanInvalid, [](QModel& m) {
    m.tensors[static_cast<size_t>(m.outputs[0])].arena_offset = 0x7ffffff0;
  });
  ExpectRejected("negative dim", Status::kBadShape, [](QModel& m) { m.tensors[static_cast<size_t>(m.inputs[0])].shape[1] = -6; });
  ExpectRejected("zero dim", Status::kBadShape, [](QModel& m) { m.tensors[static_cast<size_t>(m.outputs[0])].shape.back() = 0; });
  // 2^16 * 2^16 = 2^32 bytes: 0 in 32-bit arithmetic.
  ExpectRejected("byte size wraps 32 bits", Status::kTooLarge, [](QModel& m) {
    m.tensors[static_cast<size_t>(m.inputs[0])].shape = {65536, 65536, 1, 1};
  });
  ExpectRejected("shift too large", Status::kBadRequant, [](QModel& m) {
    auto& op = m.ops[static_cast<size_t>(FirstOp(m, LKind::kFullyConnected))];
    for (auto& s : op.shift) s = 32;
  });
  ExpectRejected("shift too small", Status::kBadRequant, [](QModel& m) {
    auto& op = m.ops[static_cast<size_t>(FirstOp(m, LKind::kConv))];
    op.shift[0] = -64;
  });
  ExpectRejected("conv output shape vs params", Status::kShapeMismatch, [](QModel& m) {
    auto& op = m.ops[static_cast<size_t>(FirstOp(m, LKind::kConv))];
    op.stride_h = 2;
  });
  ExpectRejected("fc declared output size", Status::kShapeMismatch, [](QModel& m) {
    auto& op = m.ops[static_cast<size_t>(FirstOp(m, LKind::kFullyConnected))];
    auto& w = m.tensors[static_cast<size_t>(op.inputs[1])];
    w.shape[0] -= 1;
    w.data.resize(static_cast<size_t>(w.shape[0] * w.shape[1]));
  });
}

TEST(FaultRuntime, ArenaSmallerThanRequired) {
  const auto& bytes = RealModel().bytes;
  struct alignas(16) Block {
    uint8_t b[16];
  };
  std::vector<Block> copy(bytes.size() / 16 + 1);
  std::memcpy(copy.data(), bytes.data(), bytes.size());
  Model model;
  Error err;
  ASSERT_EQ(Model::Load(copy.data(), bytes.size(), &model, &err), Status::kOk) << err.message;
  std::vector<Block> arena(model.arena_bytes() / 16 + 1);
  Interpreter interp;
  for (size_t short_by : {size_t{1}, size_t{16}, size_t{model.arena_bytes()}}) {
    EXPECT_EQ(interp.Init(model, arena.data(), model.arena_bytes() - short_by, &err), Status::kArenaTooSmall);
    EXPECT_EQ(interp.Invoke(&err), Status::kNotInitialized);
  }
  EXPECT_EQ(interp.Init(model, arena.data(), model.arena_bytes(), &err), Status::kOk);
  EXPECT_EQ(interp.Invoke(&err), Status::kOk);
}

// ---------------------------------------------------------------------------------------------
// Converter.

template <typename F>
std::string ExpectConverterError(F&& f) {
  try {
    f();
  } catch (const converter::Error& e) {
    const std::string msg = e.what();
    EXPECT_FALSE(msg.empty());
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg;
  }
  ADD_FAILURE() << "no converter::Error";
  return "";
}

TEST(FaultConverter, TruncatedOnnxAtEveryLength) {
  OnnxBuilder b;
  BuildOnnx(&b);
  const std::string bytes = b.Serialize();
  size_t errors = 0;
  for (size_t len = 0; len < bytes.size(); ++len) {
    bool ok = true;
    EXPECT_NO_THROW(ok = fuzz::RunOnnx(reinterpret_cast<const uint8_t*>(bytes.data()), len)) << len;
    if (!ok) ++errors;
  }
  EXPECT_GT(errors, bytes.size() / 2);
}

TEST(FaultConverter, CorruptOnnx) {
  OnnxBuilder b;
  BuildOnnx(&b);
  const std::string good = b.Serialize();
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0xff);
    EXPECT_NO_THROW(fuzz::RunOnnx(reinterpret_cast<const uint8_t*>(bad.data()), bad.size())) << i;
  }
}

TEST(FaultConverter, HugeDims) {
  {  // graph input whose element count overflows
    OnnxBuilder b;
    b.Input("x", {1, 1 << 30, 1 << 30, 1 << 30});
    b.Node("Relu", {"x"}, {"y"});
    b.Output("y");
    ExpectConverterError([&] {
      converter::Graph g = converter::ImportOnnxBytes(b.Serialize(), "huge");
      converter::PrepareForQuantization(&g);
    });
  }
  {  // large but not overflowing: more than the runtime can address
    OnnxBuilder b;
    b.Input("x", {1, 65536, 65536, 4});
    b.Node("Relu", {"x"}, {"y"});
    b.Output("y");
    ExpectConverterError([&] {
      converter::Graph g = converter::ImportOnnxBytes(b.Serialize(), "huge");
      converter::PrepareForQuantization(&g);
    });
  }
  {  // an initializer declaring a huge shape with (almost) no data
    OnnxBuilder b;
    b.Input("x", {1, 4});
    b.Init("w", {1 << 20, 1 << 20}, {1.f, 2.f});
    b.Node("MatMul", {"x", "w"}, {"y"});
    b.Output("y");
    ExpectConverterError([&] {
      converter::Graph g = converter::ImportOnnxBytes(b.Serialize(), "huge-init");
      converter::PrepareForQuantization(&g);
    });
  }
}

// Constant subgraphs are folded in doubles on the host: one that would fold into gigabytes, or
// take billions of multiply-adds, is refused by name before anything is allocated.
TEST(FaultConverter, ConstantFoldingIsBounded) {
  {  // ConstantOfShape 16384 x 16384 (2^28 values, 2 GiB of doubles) feeding an Add
    OnnxBuilder b(13);
    b.Input("x", {1, 16384});
    b.InitInt64("shape", {2}, {16384, 16384});
    b.Node("ConstantOfShape", {"shape"}, {"big"}, {OnnxAttr::TensorF("value", {1}, {1.f})}, "fill");
    b.Node("MatMul", {"x", "big"}, {"y"});
    b.Output("y");
    const std::string msg = ExpectConverterError([&] { converter::ImportOnnxBytes(b.Serialize(), "fold"); });
    EXPECT_NE(msg.find("'fill'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("ConstantOfShape"), std::string::npos) << msg;
  }
  {  // 2048^3 multiply-adds between two constants: small tensors, minutes of work
    OnnxBuilder b(13);
    b.Input("x", {1, 2048});
    b.InitInt64("shape", {2}, {2048, 2048});
    b.Node("ConstantOfShape", {"shape"}, {"a"}, {OnnxAttr::TensorF("value", {1}, {1.f})}, "fill_a");
    b.Node("ConstantOfShape", {"shape"}, {"c"}, {OnnxAttr::TensorF("value", {1}, {2.f})}, "fill_c");
    b.Node("MatMul", {"a", "c"}, {"w"}, {}, "product");
    b.Node("MatMul", {"x", "w"}, {"y"});
    b.Output("y");
    const std::string msg = ExpectConverterError([&] { converter::ImportOnnxBytes(b.Serialize(), "fold"); });
    EXPECT_NE(msg.find("'product'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("multiply-adds"), std::string::npos) << msg;
  }
}

class FaultCalib : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mkdir(kTmp.c_str(), 0777); }
  void SetUp() override {
    OnnxBuilder b;
    BuildOnnx(&b);
    g_ = converter::ImportOnnxBytes(b.Serialize(), "calib");
    lg_ = converter::PrepareForQuantization(&g_);
  }
  std::string Load(const converter::NpyArray& a, const std::string& name) {
    const std::string path = kTmp + name;
    converter::WriteNpy(path, a);
    return ExpectConverterError([&] { converter::LoadCalibration(g_, lg_, {path}, 0); });
  }
  converter::Graph g_;
  converter::LGraph lg_;
};

TEST_F(FaultCalib, WrongShape) {
  std::vector<float> x(3 * 2 * 6 * 5, 0.25f);
  EXPECT_NE(Load(converter::NpyArray::FromFloat({3, 2, 6, 5}, x.data()), "shape.npy").find("shape"), std::string::npos);
}

TEST_F(FaultCalib, WrongDtype) {
  std::vector<int8_t> x(2 * 72, 1);
  EXPECT_NE(Load(converter::NpyArray::FromInt8({2, 2, 6, 6}, x.data()), "dtype.npy").find("float32"), std::string::npos);
}

TEST_F(FaultCalib, NanAndInf) {
  std::vector<float> x(2 * 72, 0.25f);
  x[100] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_NE(Load(converter::NpyArray::FromFloat({2, 2, 6, 6}, x.data()), "nan.npy").find("NaN"), std::string::npos);
  x[100] = -std::numeric_limits<float>::infinity();
  EXPECT_NE(Load(converter::NpyArray::FromFloat({2, 2, 6, 6}, x.data()), "inf.npy").find("Inf"), std::string::npos);
}

TEST_F(FaultCalib, MissingFileAndCount) {
  ExpectConverterError([&] { converter::LoadCalibration(g_, lg_, {kTmp + "nope.npy"}, 0); });
  ExpectConverterError([&] { converter::LoadCalibration(g_, lg_, {}, 0); });
}

// Constant calibration activations (zero range everywhere): either a clean error or a model
// that verifies and runs; never a division by zero (UBSan) or a NaN scale.
TEST_F(FaultCalib, ConstantActivations) {
  for (float v : {0.f, 3.f}) {
    std::vector<converter::Sample> s = RandomSamples(lg_, 4, v, v);
    converter::ConvertOptions opt;
    opt.compute_sqnr = true;
    try {
      const ConvertResult r = converter::ConvertGraphWithSamples(lg_, s, opt);
      EXPECT_EQ(fuzz::RunModel(r.bytes.data(), r.bytes.size()), Status::kOk) << v;
      for (const auto& t : r.model.tensors)
        for (float sc : t.scales) EXPECT_TRUE(std::isfinite(sc) && sc > 0) << t.name;
    } catch (const converter::Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fuzz regressions: every kept input replays cleanly through its fuzz target's entry point.

TEST(FuzzRegressions, Replay) {
  size_t n = 0;
  for (const char* t : {"model", "onnx", "npy", "tflite"}) {
    const std::string target = t;
    for (const std::string& p : ListDir(kFuzzDir + "regressions/" + target)) {
      const std::string s = Slurp(p);
      const auto* d = reinterpret_cast<const uint8_t*>(s.data());
      SCOPED_TRACE(p);
      ++n;
      if (target == "model") {
        fuzz::RunModel(d, s.size());
      }
      if (target == "onnx") {
        EXPECT_NO_THROW(fuzz::RunOnnx(d, s.size()));
      }
      if (target == "npy") {
        EXPECT_NO_THROW(fuzz::RunNpy(d, s.size()));
      }
#ifdef QINFER_FUZZ_HAVE_TFLITE
      if (target == "tflite") {
        EXPECT_NO_THROW(fuzz::RunTflite(d, s.size()));
      }
#endif
    }
  }
  std::printf("replayed %zu regression inputs\n", n);
}

// The seed corpora too (they are small): each input is accepted or cleanly refused.
TEST(FuzzRegressions, SeedCorpora) {
  for (const char* t : {"model", "onnx", "npy", "tflite"}) {
    const std::string target = t;
    for (const std::string& p : ListDir(kFuzzDir + "corpus/" + target)) {
      const std::string s = Slurp(p);
      const auto* d = reinterpret_cast<const uint8_t*>(s.data());
      SCOPED_TRACE(p);
      if (target == "model") {
        EXPECT_EQ(fuzz::RunModel(d, s.size()), Status::kOk);
      }
      if (target == "onnx") {
        EXPECT_NO_THROW(fuzz::RunOnnx(d, s.size()));
      }
      if (target == "npy") {
        EXPECT_TRUE(fuzz::RunNpy(d, s.size()));
      }
#ifdef QINFER_FUZZ_HAVE_TFLITE
      if (target == "tflite") {
        EXPECT_NO_THROW(fuzz::RunTflite(d, s.size()));
      }
#endif
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The qinfer tool.

struct ToolRun {
  int status = -1;
  bool signaled = false;
  std::string err;
};

ToolRun Qinfer(const std::string& args) {
  const std::string err = kTmp + "stderr.txt";
  const std::string cmd = "ulimit -c 0; " + std::string(QINFER_TOOL) + " " + args + " >/dev/null 2>" + err;
  const int rc = std::system(cmd.c_str());
  ToolRun r;
  // sh reports a child killed by signal N as exit status 128 + N.
  r.signaled = WIFSIGNALED(rc) || (WIFEXITED(rc) && WEXITSTATUS(rc) > 128);
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.err = Slurp(err);
  return r;
}

void ExpectOneLineError(const ToolRun& r, const std::string& what) {
  EXPECT_FALSE(r.signaled) << what;
  EXPECT_NE(r.status, 0) << what;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << what << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": " << r.err;
}

class FaultCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mkdir(kTmp.c_str(), 0777);
    OnnxBuilder b;
    BuildOnnx(&b);
    std::ofstream(kTmp + "good.onnx", std::ios::binary) << b.Serialize();
    std::vector<float> x(4 * 72);
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i));
    converter::WriteNpy(kTmp + "calib.npy", converter::NpyArray::FromFloat({4, 2, 6, 6}, x.data()));
  }
  // A failed convert: one-line error, an existing output untouched, no new file (nor a
  // temporary) left behind.
  void ExpectFailedConvert(const std::string& onnx, const std::string& calib, const std::string& what) {
    const std::string keep = kTmp + "keep.qinfer", fresh = kTmp + "fresh.qinfer";
    std::ofstream(keep) << "keep";
    std::remove(fresh.c_str());
    ExpectOneLineError(Qinfer("convert " + onnx + " --calib " + calib + " -q -o " + keep), what);
    EXPECT_EQ(Slurp(keep), "keep") << what;
    ExpectOneLineError(Qinfer("convert " + onnx + " --calib " + calib + " -q -o " + fresh), what);
    EXPECT_FALSE(Exists(fresh)) << what;
    for (const std::string& p : ListDir(kTmp)) EXPECT_EQ(p.find(".tmp."), std::string::npos) << p;
  }
};

TEST_F(FaultCli, GoodModelConverts) {
  const std::string out = kTmp + "good.qinfer";
  const ToolRun r = Qinfer("convert " + kTmp + "good.onnx --calib " + kTmp + "calib.npy -q --no-sqnr -o " + out);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(Exists(out));
}

TEST_F(FaultCli, TruncatedAndCorruptOnnx) {
  const std::string good = Slurp(kTmp + "good.onnx");
  std::ofstream(kTmp + "trunc.onnx", std::ios::binary) << good.substr(0, good.size() / 2);
  ExpectFailedConvert(kTmp + "trunc.onnx", kTmp + "calib.npy", "truncated onnx");
  std::ofstream(kTmp + "empty.onnx", std::ios::binary) << "";
  ExpectFailedConvert(kTmp + "empty.onnx", kTmp + "calib.npy", "empty onnx");
  std::string bad = good;
  for (size_t i = 0; i < bad.size(); i += 7) bad[i] = static_cast<char>(bad[i] ^ 0x55);
  std::ofstream(kTmp + "corrupt.onnx", std::ios::binary) << bad;
  ExpectFailedConvert(kTmp + "corrupt.onnx", kTmp + "calib.npy", "corrupt onnx");
}

TEST_F(FaultCli, BadCalibration) {
  std::vector<float> x(2 * 72, 0.5f);
  x[3] = std::numeric_limits<float>::quiet_NaN();
  converter::WriteNpy(kTmp + "nan.npy", converter::NpyArray::FromFloat({2, 2, 6, 6}, x.data()));
  ExpectFailedConvert(kTmp + "good.onnx", kTmp + "nan.npy", "NaN calibration");
  converter::WriteNpy(kTmp + "shape.npy", converter::NpyArray::FromFloat({2, 72}, x.data()));
  ExpectFailedConvert(kTmp + "good.onnx", kTmp + "shape.npy", "calibration shape");
  std::ofstream(kTmp + "junk.npy", std::ios::binary) << "\x93NUMPY\x01\x00\xff\xff{'descr'";
  ExpectFailedConvert(kTmp + "good.onnx", kTmp + "junk.npy", "corrupt npy");
}

TEST_F(FaultCli, HugeDims) {
  OnnxBuilder b;
  b.Input("x", {1, 1 << 30, 1 << 30, 16});
  b.Node("Relu", {"x"}, {"y"});
  b.Output("y");
  std::ofstream(kTmp + "huge.onnx", std::ios::binary) << b.Serialize();
  ExpectFailedConvert(kTmp + "huge.onnx", kTmp + "calib.npy", "huge dims");
}

TEST_F(FaultCli, OutputIntoMissingDirectory) {
  const ToolRun r = Qinfer("convert " + kTmp + "good.onnx --calib " + kTmp + "calib.npy -q -o " + kTmp + "no/such/dir/x.qinfer");
  ExpectOneLineError(r, "missing output directory");
}

TEST_F(FaultCli, RunAndInspectCorruptModels) {
  const std::string good = std::string(RealModel().bytes.begin(), RealModel().bytes.end());
  std::vector<float> x(72, 0.5f);
  converter::WriteNpy(kTmp + "in.npy", converter::NpyArray::FromFloat({1, 2, 6, 6}, x.data()));
  const std::vector<std::string> bads = {good.substr(0, good.size() / 3), std::string(good.size(), '\0'),
                                         "QINF", good.substr(0, 4) + "XXXX" + good.substr(8)};
  for (size_t i = 0; i < bads.size(); ++i) {
    const std::string p = kTmp + "bad" + std::to_string(i) + ".qinfer";
    std::ofstream(p, std::ios::binary) << bads[i];
    ExpectOneLineError(Qinfer("inspect " + p), "inspect " + p);
    std::remove((kTmp + "out.npy").c_str());
    ExpectOneLineError(Qinfer("run " + p + " --input " + kTmp + "in.npy -o " + kTmp + "out.npy"), "run " + p);
    EXPECT_FALSE(Exists(kTmp + "out.npy"));
  }
}

}  // namespace
}  // namespace qinfer
