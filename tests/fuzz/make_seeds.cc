// Regenerates the seed corpora in tests/fuzz/corpus/ (not run in CI; the seeds are checked in):
//   make_seeds <repo>/tests/fuzz/corpus [tflite files...]
// onnx/: small ONNX graphs (OnnxBuilder) covering the importer's common ops;
// model/: those graphs converted to .qinfer (random calibration), plus the .tflite files converted;
// npy/: .npy files of every dtype, 0-d to 4-d; tflite/: the .tflite files given.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "converter/error.h"
#include "converter/npy.h"
#include "converter/onnx_builder.h"
#include "converter/onnx_import.h"
#include "converter/tflite_import.h"

using namespace qinfer::converter;

namespace {

std::string dir;

void Write(const std::string& path, const void* data, size_t size) {
  std::ofstream f(dir + "/" + path, std::ios::binary);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}

std::vector<float> W(size_t n, unsigned seed, float scale = 0.5f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

void Emit(const std::string& name, const OnnxBuilder& b) {
  const std::string bytes = b.Serialize();
  Write("onnx/" + name + ".onnx", bytes.data(), bytes.size());
  try {
    Graph g = ImportOnnxBytes(bytes, name);
    LGraph lg = PrepareForQuantization(&g);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<Sample> calib(8);
    for (Sample& s : calib) {
      for (int in : lg.inputs) {
        std::vector<float> x(static_cast<size_t>(lg.tensors[static_cast<size_t>(in)].numel()));
        for (float& v : x) v = u(rng);
        s.push_back(x);
      }
    }
    ConvertOptions opt;
    opt.compute_sqnr = false;
    const ConvertResult r = ConvertGraphWithSamples(lg, calib, opt);
    Write("model/" + name + ".qinfer", r.bytes.data(), r.bytes.size());
    // The same model with pre-packed weights, so the target rules get fuzzed too.
    opt.target = Target::kX86Avx512Vnni;
    const ConvertResult packed = ConvertGraphWithSamples(lg, calib, opt);
    bool any_packed = false;
    for (const QOp& op : packed.model.ops) any_packed |= !op.packed_weights.empty();
    if (any_packed) {
      Write("model/" + name + ".x86-avx512vnni.qinfer", packed.bytes.data(), packed.bytes.size());
    }
    std::printf("%s: onnx %zu bytes, qinfer %zu bytes\n", name.c_str(), bytes.size(), r.bytes.size());
  } catch (const Error& e) {
    std::printf("%s: onnx only (%s)\n", name.c_str(), e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  dir = argv[1];
  {
    OnnxBuilder b;
    b.Input("x", {1, 3, 8, 8});
    b.Init("w", {4, 3, 3, 3}, W(108, 1));
    b.Init("g", {4}, W(4, 2, 1.f));
    b.Init("beta", {4}, W(4, 3));
    b.Init("mean", {4}, W(4, 4, 0.1f));
    b.Init("var", {4}, {0.5f, 1.f, 1.5f, 2.f});
    b.Node("Conv", {"x", "w"}, {"c"}, {OnnxAttr::Ints("pads", {1, 1, 1, 1}), OnnxAttr::Ints("kernel_shape", {3, 3})});
    b.Node("BatchNormalization", {"c", "g", "beta", "mean", "var"}, {"bn"});
    b.Node("Relu", {"bn"}, {"y"});
    b.Output("y");
    Emit("conv_bn_relu", b);
  }
  {
    OnnxBuilder b;
    b.Input("x", {1, 2, 3, 4});
    b.Init("fcb", {7}, W(7, 12));
    b.Init("w2", {5, 2, 2, 2}, W(40, 13));
    b.Node("Conv", {"x", "w2"}, {"c"}, {OnnxAttr::Ints("pads", {0, 0, 1, 1})});
    b.Node("Relu", {"c"}, {"r"});
    b.Node("MaxPool", {"r"}, {"mp"}, {OnnxAttr::Ints("kernel_shape", {2, 2}), OnnxAttr::Ints("strides", {1, 1})});
    b.Node("Flatten", {"mp"}, {"f"});
    b.Init("fc2", {7, 30}, W(210, 14));
    b.Node("Gemm", {"f", "fc2", "fcb"}, {"y"}, {OnnxAttr::Int("transB", 1), OnnxAttr::Float("alpha", 0.5f)});
    b.Output("y");
    Emit("conv_pool_gemm", b);
  }
  {
    OnnxBuilder b;
    b.Input("x", {1, 4, 5, 5});
    b.InitInt64("pads", {8}, {0, 0, 1, 2, 0, 0, 2, 1});
    b.Init("w", {4, 1, 3, 3}, W(36, 9, 1.f));
    b.Init("bias", {4}, W(4, 8));
    b.Node("Pad", {"x", "pads"}, {"p"});
    b.Node("Conv", {"p", "w", "bias"}, {"c"}, {OnnxAttr::Int("group", 4), OnnxAttr::Ints("strides", {2, 2})});
    b.Node("GlobalAveragePool", {"c"}, {"g"});
    b.Node("Flatten", {"g"}, {"y"});
    b.Output("y");
    Emit("pad_depthwise_gap", b);
  }
  {
    OnnxBuilder b(13);
    b.Input("x", {1, 2, 4, 4});
    b.Init("three", {}, {3.f});
    b.Init("zero", {}, {0.f});
    b.Init("six", {}, {6.f});
    b.Node("Sigmoid", {"x"}, {"s"});
    b.Node("Tanh", {"x"}, {"t"});
    b.Node("LeakyRelu", {"x"}, {"l"}, {OnnxAttr::Float("alpha", 0.1f)});
    b.Node("Add", {"x", "three"}, {"x3"});
    b.Node("Clip", {"x3", "zero", "six"}, {"c"});
    b.Node("Mul", {"x", "c"}, {"xc"});
    b.Node("Div", {"xc", "six"}, {"hswish"});
    b.Node("Add", {"s", "t"}, {"st"});
    for (const char* o : {"st", "l", "hswish"}) b.Output(o);
    Emit("elementwise", b);
  }
  {
    OnnxBuilder b;
    b.Input("x", {1, 3, 8});
    b.Init("w", {8, 5}, W(40, 21));
    b.Node("MatMul", {"x", "w"}, {"m"});
    b.Node("Softmax", {"m"}, {"y"}, {OnnxAttr::Int("axis", -1)});
    b.Output("y");
    Emit("matmul_softmax", b);
  }
  {
    OnnxBuilder b;
    b.Input("x", {-1, 2, 3, 3});
    b.Init("w", {4, 2, 1, 1}, W(8, 31));
    b.Node("Conv", {"x", "w"}, {"c"});
    b.Node("Shape", {"c"}, {"sh"});
    b.InitInt64("i0", {}, {0});
    b.Node("Gather", {"sh", "i0"}, {"n"});
    b.InitInt64("ax", {1}, {0});
    b.Node("Unsqueeze", {"n", "ax"}, {"n1"});
    b.InitInt64("m1", {1}, {-1});
    b.Node("Concat", {"n1", "m1"}, {"shape"}, {OnnxAttr::Int("axis", 0)});
    b.Node("Reshape", {"c", "shape"}, {"r"});
    b.Node("Transpose", {"c"}, {"t"}, {OnnxAttr::Ints("perm", {0, 2, 3, 1})});
    b.Node("Concat", {"r", "r"}, {"y"}, {OnnxAttr::Int("axis", 1)});
    b.Output("y");
    b.Output("t");
    Emit("shape_reshape_concat", b);
  }
  // npy: every dtype, several ranks, versions 1 and 2 (the latter via a long header is not
  // needed: the fuzzer mutates the version byte).
  {
    const std::vector<float> f = W(24, 40);
    const NpyArray a = NpyArray::FromFloat({2, 3, 4}, f.data());
    auto put = [](const std::string& name, const NpyArray& x) {
      const std::vector<uint8_t> bytes = SerializeNpy(x);
      Write("npy/" + name, bytes.data(), bytes.size());
    };
    put("f32_2x3x4.npy", a);
    put("f32_scalar.npy", NpyArray::FromFloat({}, f.data()));
    std::vector<int8_t> i8(12, -3);
    put("i8_1x12.npy", NpyArray::FromInt8({1, 12}, i8.data()));
    NpyArray u8;
    u8.type = NpyType::kUint8;
    u8.shape = {4, 1, 2, 2};
    u8.data.assign(16, 200);
    put("u8_4d.npy", u8);
    NpyArray i32;
    i32.type = NpyType::kInt32;
    i32.shape = {3};
    i32.data.assign(12, 1);
    put("i32_3.npy", i32);
    NpyArray i64;
    i64.type = NpyType::kInt64;
    i64.shape = {0, 2};
    put("i64_empty.npy", i64);
  }
  for (int i = 2; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::string name = argv[i];
    name = name.substr(name.find_last_of('/') + 1);
    Write("tflite/" + name, bytes.data(), bytes.size());
    try {
      const std::vector<uint8_t> q = ConvertTfliteBytesToQinfer(bytes.data(), bytes.size());
      Write("model/" + name + ".qinfer", q.data(), q.size());
      std::printf("%s: tflite %zu bytes, qinfer %zu bytes\n", name.c_str(), bytes.size(), q.size());
    } catch (const Error& e) {
      std::printf("%s: tflite only (%s)\n", name.c_str(), e.what());
    }
  }
  return 0;
}
