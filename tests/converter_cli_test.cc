// End-to-end tests of `qinfer convert`, `qinfer run` and `qinfer inspect` (the built binary).
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
#include <sstream>
#include <string>
#include <vector>

#include "converter/npy.h"
#include "converter/onnx_builder.h"
#include "tests/support/scratch_files.h"

namespace qinfer {
namespace converter {
namespace {

const std::string kModels = std::string(QINFER_SOURCE_DIR) + "/models/";
const std::string kDir =
    testing_support::ScratchDir(QINFER_BINARY_DIR, "converter_cli_test");

struct ToolRun {
  int status;
  std::string out, err;
};

using testing_support::Slurp;

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

ToolRun Qinfer(const std::string& args) {
  const std::string out = kDir + "stdout.txt", err = kDir + "stderr.txt";
  const std::string cmd = std::string(QINFER_TOOL) + " " + args + " >" + out + " 2>" + err;
  const int rc = std::system(cmd.c_str());
  ToolRun r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mkdir(kDir.c_str(), 0777);
  }
  void SetUp() override {
    if (!Exists(kModels + "fashion_cnn.onnx")) GTEST_SKIP() << "models/ not present";
  }
};

TEST_F(CliTest, HelpForEverySubcommand) {
  for (const char* sub : {"convert", "run", "inspect"}) {
    const ToolRun r = Qinfer(std::string(sub) + " --help");
    EXPECT_EQ(r.status, 0) << sub;
    EXPECT_NE(r.out.find("usage: qinfer"), std::string::npos) << sub;
  }
  const ToolRun c = Qinfer("convert --help");
  for (const char* flag : {"--calib", "--calib-method", "--per-tensor", "--symmetric-activations", "--power-of-two",
                           "--calib-samples", "--report", "--emit-c", "--target", "-o"})
    EXPECT_NE(c.out.find(flag), std::string::npos) << flag;
}

TEST_F(CliTest, ConvertRunInspectFashionCnn) {
  const std::string model = kDir + "fashion_cnn.qinfer";
  std::remove(model.c_str());
  const ToolRun c = Qinfer("convert " + kModels + "fashion_cnn.onnx --calib " + kModels + "fashion_calib.npy -o " + model +
                       " --report " + kDir + "report.html --emit-c " + kDir + "fashion_cnn.h");
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_NE(c.out.find("SQNR"), std::string::npos);
  EXPECT_NE(c.out.find("arena:"), std::string::npos);
  ASSERT_TRUE(Exists(model));
  const std::string html = Slurp(kDir + "report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("CONV_2D"), std::string::npos);
  const std::string header = Slurp(kDir + "fashion_cnn.h");
  EXPECT_NE(header.find("alignas(16) const unsigned char fashion_cnn[] = {"), std::string::npos);

  // Run the first 1000 test images (float32 NCHW in [0,1]) and compare with the float logits.
  const NpyArray u8 = ReadNpy(kModels + "fashion_test_1000_u8.npy");
  std::vector<float> x(static_cast<size_t>(u8.numel()));
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(u8.as<uint8_t>()[i]) / 255.0f;
  WriteNpy(kDir + "x.npy", NpyArray::FromFloat(u8.shape, x.data()));
  const ToolRun r = Qinfer("run " + model + " --input " + kDir + "x.npy -o " + kDir + "y.npy");
  ASSERT_EQ(r.status, 0) << r.err;
  const NpyArray y = ReadNpy(kDir + "y.npy");
  ASSERT_EQ(y.shape, std::vector<int64_t>({1000, 10}));
  const NpyArray ref = ReadNpy(kModels + "fashion_cnn.float_logits_1000.npy");
  const NpyArray labels = ReadNpy(kModels + "fashion_test_1000_labels.npy");
  int agree = 0, correct = 0;
  double err = 0, sig = 0;
  for (int i = 0; i < 1000; ++i) {
    int a = 0, b = 0;
    for (int k = 1; k < 10; ++k) {
      if (y.as<float>()[i * 10 + k] > y.as<float>()[i * 10 + a]) a = k;
      if (ref.as<float>()[i * 10 + k] > ref.as<float>()[i * 10 + b]) b = k;
    }
    for (int k = 0; k < 10; ++k) {
      const double d = y.as<float>()[i * 10 + k] - ref.as<float>()[i * 10 + k];
      err += d * d;
      sig += ref.as<float>()[i * 10 + k] * ref.as<float>()[i * 10 + k];
    }
    agree += a == b;
    correct += a == static_cast<int>(labels.at(i));
  }
  EXPECT_GE(agree, 985);
  EXPECT_GE(correct, 895);  // float: 902
  EXPECT_GT(10 * std::log10(sig / err), 25.0);

  // --raw: int8 in, int8 out.
  std::vector<int8_t> q(784, -128);
  WriteNpy(kDir + "xq.npy", NpyArray::FromInt8({1, 1, 1, 28, 28}, q.data()));
  const ToolRun raw = Qinfer("run " + model + " --raw --input " + kDir + "xq.npy -o " + kDir + "yq.npy");
  ASSERT_EQ(raw.status, 0) << raw.err;
  EXPECT_EQ(ReadNpy(kDir + "yq.npy").type, NpyType::kInt8);

  const ToolRun in = Qinfer("inspect " + model);
  ASSERT_EQ(in.status, 0) << in.err;
  for (const char* s : {"arena bytes", "weight bytes", "file bytes", "CONV_2D", "FULLY_CONNECTED", "source_perm"})
    EXPECT_NE(in.out.find(s), std::string::npos) << s;
}

// --target x86-avx512vnni: the packed model runs like the generic one (same output bytes,
// --raw), inspect names the target; reserved and unknown targets are refused.
TEST_F(CliTest, TargetPackedModelAndRefusals) {
  const std::string base = "convert " + kModels + "fashion_cnn.onnx --calib " + kModels +
                           "fashion_calib.npy --calib-samples 32 --no-sqnr -q -o " + kDir;
  ASSERT_EQ(Qinfer(base + "t_generic.qinfer").status, 0);
  const ToolRun packed = Qinfer(base + "t_vnni.qinfer --target x86-avx512vnni");
  ASSERT_EQ(packed.status, 0) << packed.err;
  const ToolRun in = Qinfer("inspect " + kDir + "t_vnni.qinfer");
  ASSERT_EQ(in.status, 0) << in.err;
  EXPECT_NE(in.out.find("target: x86-avx512vnni"), std::string::npos) << in.out;
  EXPECT_NE(in.out.find("packed weights buffer"), std::string::npos) << in.out;
  EXPECT_NE(Qinfer("inspect " + kDir + "t_generic.qinfer").out.find("target: generic (runs on this CPU)"),
            std::string::npos);
  std::vector<int8_t> q(5 * 784);
  for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<int8_t>(i * 37 % 256);
  WriteNpy(kDir + "tq.npy", NpyArray::FromInt8({5, 1, 28, 28}, q.data()));
  const ToolRun rg = Qinfer("run " + kDir + "t_generic.qinfer --raw --input " + kDir + "tq.npy -o " + kDir + "tg.npy");
  ASSERT_EQ(rg.status, 0) << rg.err;
  const ToolRun rv = Qinfer("run " + kDir + "t_vnni.qinfer --raw --input " + kDir + "tq.npy -o " + kDir + "tv.npy");
  if (in.out.find("runs on this CPU") != std::string::npos) {
    ASSERT_EQ(rv.status, 0) << rv.err;
    EXPECT_EQ(Slurp(kDir + "tg.npy"), Slurp(kDir + "tv.npy"));
  } else {
    EXPECT_NE(rv.status, 0);
    EXPECT_NE(rv.err.find("model is packed for x86-avx512vnni"), std::string::npos) << rv.err;
  }
  const ToolRun reserved = Qinfer(base + "t_m4.qinfer --target cortex-m4");
  EXPECT_NE(reserved.status, 0);
  EXPECT_NE(reserved.err.find("reserved"), std::string::npos) << reserved.err;
  EXPECT_FALSE(Exists(kDir + "t_m4.qinfer"));
  const ToolRun unknown = Qinfer(base + "t_x.qinfer --target x86");
  EXPECT_NE(unknown.status, 0);
  EXPECT_NE(unknown.err.find("unknown --target 'x86'"), std::string::npos) << unknown.err;
}

TEST_F(CliTest, MultiOutputModelWritesADirectory) {
  OnnxBuilder b;
  b.Input("x", {1, 4});
  b.Node("Relu", {"x"}, {"a"});
  b.Node("Sigmoid", {"x"}, {"b"});
  b.Output("a");
  b.Output("b");
  std::ofstream(kDir + "two.onnx", std::ios::binary) << b.Serialize();
  const float calib[8] = {-1, 0, 1, 2, 3, -2, 0.5f, 0.25f};
  WriteNpy(kDir + "two_calib.npy", NpyArray::FromFloat({2, 4}, calib));
  const ToolRun c = Qinfer("convert " + kDir + "two.onnx --calib " + kDir + "two_calib.npy -o " + kDir + "two.qinfer -q");
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(c.out, "");
  const ToolRun r = Qinfer("run " + kDir + "two.qinfer --input " + kDir + "two_calib.npy -o " + kDir + "two_out");
  ASSERT_EQ(r.status, 0) << r.err;
  const NpyArray a = ReadNpy(kDir + "two_out/a.npy");
  const NpyArray s = ReadNpy(kDir + "two_out/b.npy");
  ASSERT_EQ(a.shape, std::vector<int64_t>({2, 4}));
  EXPECT_NEAR(a.as<float>()[4], 3.0f, 0.03f);
  EXPECT_NEAR(s.as<float>()[0], 1 / (1 + std::exp(1.0f)), 0.01f);
}

TEST_F(CliTest, ErrorsAreOneLineAndNeverLeavePartialOutput) {
  const std::string out = kDir + "keep.qinfer";
  std::ofstream(out) << "keep";
  auto expect_error = [&](const std::string& args, const std::string& needle) {
    const ToolRun r = Qinfer(args);
    EXPECT_NE(r.status, 0) << args;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(Slurp(out), "keep");
  };
  expect_error("convert /nonexistent.onnx --calib " + kModels + "fashion_calib.npy -o " + out, "cannot open");
  // Malformed ONNX.
  std::ofstream(kDir + "junk.onnx") << "definitely not a protobuf \x01\x02";
  expect_error("convert " + kDir + "junk.onnx --calib " + kModels + "fashion_calib.npy -o " + out, "malformed ONNX");
  // Calibration shape mismatch.
  std::vector<float> bad(2 * 3 * 28 * 28, 0.5f);
  WriteNpy(kDir + "bad_shape.npy", NpyArray::FromFloat({2, 3, 28, 28}, bad.data()));
  expect_error("convert " + kModels + "fashion_cnn.onnx --calib " + kDir + "bad_shape.npy -o " + out, "shape [2,3,28,28]");
  // NaN / Inf in the calibration data.
  std::vector<float> nan(2 * 784, 0.5f);
  nan[900] = std::nanf("");
  WriteNpy(kDir + "nan.npy", NpyArray::FromFloat({2, 1, 28, 28}, nan.data()));
  expect_error("convert " + kModels + "fashion_cnn.onnx --calib " + kDir + "nan.npy -o " + out, "NaN");
  nan[900] = INFINITY;
  WriteNpy(kDir + "inf.npy", NpyArray::FromFloat({2, 1, 28, 28}, nan.data()));
  expect_error("convert " + kModels + "fashion_cnn.onnx --calib " + kDir + "inf.npy -o " + out, "Inf");
  // Calibration data of the wrong dtype.
  std::vector<int8_t> i8(784);
  WriteNpy(kDir + "i8.npy", NpyArray::FromInt8({1, 1, 28, 28}, i8.data()));
  expect_error("convert " + kModels + "fashion_cnn.onnx --calib " + kDir + "i8.npy -o " + out, "expected float32");
  // Unsupported op.
  OnnxBuilder b;
  b.Input("x", {1, 4});
  b.Node("LSTM", {"x"}, {"y"}, {}, "my_lstm");
  b.Output("y");
  std::ofstream(kDir + "lstm.onnx", std::ios::binary) << b.Serialize();
  const ToolRun r = Qinfer("convert " + kDir + "lstm.onnx --calib " + kModels + "fashion_calib.npy -o " + out);
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.err, "error: node 'my_lstm' (op LSTM) is not supported\n");
  EXPECT_EQ(Slurp(out), "keep");
  // Options.
  expect_error("convert " + kModels + "fashion_cnn.onnx --calib " + kModels + "fashion_calib.npy -o " + out +
                   " --calib-method magic",
               "unknown --calib-method");
  expect_error("convert " + kModels + "fashion_cnn.onnx -o " + out, "calibration");
  expect_error("run " + out + " --input " + kDir + "bad_shape.npy -o " + kDir + "never.npy", "");
  EXPECT_FALSE(Exists(kDir + "never.npy"));
  // No temporary files left behind.
  const ToolRun ls = Qinfer("inspect " + kDir + "keep.qinfer");
  EXPECT_NE(ls.status, 0);
}

TEST_F(CliTest, RunRejectsAWrongInputShape) {
  const std::string model = kDir + "shape.qinfer";
  ASSERT_EQ(Qinfer("convert " + kModels + "fashion_cnn.onnx --calib " + kModels + "fashion_calib.npy --calib-samples 8 -q --no-sqnr -o " + model).status, 0);
  std::vector<float> x(2 * 28 * 27, 0.f);
  WriteNpy(kDir + "wrong.npy", NpyArray::FromFloat({2, 1, 28, 27}, x.data()));
  const ToolRun r = Qinfer("run " + model + " --input " + kDir + "wrong.npy -o " + kDir + "wrong_out.npy");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("shape [2,1,28,27]"), std::string::npos) << r.err;
  EXPECT_FALSE(Exists(kDir + "wrong_out.npy"));
}

}  // namespace
}  // namespace converter
}  // namespace qinfer
