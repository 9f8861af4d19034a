// Per-op converter tests: a small ONNX graph built in C++, converted with random calibration
// data, run in int8 by the real runtime, and compared (dequantized, back in the ONNX layout)
// against the ONNX-level double-precision reference evaluator, which shares no code with
// lowering, layout changes or quantization.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "converter/error.h"
#include "converter/onnx_builder.h"
#include "converter/onnx_import.h"
#include "converter/ops.h"
#include "converter/runner.h"
#include "schema/qinfer_generated.h"

namespace qinfer {
namespace converter {
namespace {

std::vector<float> Random(size_t n, std::mt19937* rng, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(*rng);
  return v;
}

struct Result {
  std::vector<double> sqnr_db;     // per output
  std::vector<double> max_err;     // per output, in output quantization steps
  ConvertResult conv;
};

// Converts `b`, then compares int8 (runtime) with the ONNX reference on fresh inputs.
Result Check(const OnnxBuilder& b, float lo = -1.f, float hi = 1.f, ConvertOptions opt = ConvertOptions()) {
  Graph g = ImportOnnxBytes(b.Serialize(), "test");
  const Graph ref = g;
  LGraph lg = PrepareForQuantization(&g);
  std::mt19937 rng(1234);
  auto make = [&](size_t count) {
    std::vector<Sample> src;  // source layout, double
    for (size_t s = 0; s < count; ++s) {
      Sample smp;
      for (int in : ref.inputs) smp.push_back(Random(static_cast<size_t>(ref.tensors[static_cast<size_t>(in)].numel()), &rng, lo, hi));
      src.push_back(smp);
    }
    return src;
  };
  auto to_stored = [&](const Sample& s) {
    Sample out;
    for (size_t k = 0; k < s.size(); ++k) {
      const auto& shape = ref.tensors[static_cast<size_t>(ref.inputs[k])].shape;
      std::vector<int> si(shape.begin(), shape.end());
      std::vector<int> perm = lg.tensors[static_cast<size_t>(lg.inputs[k])].source_perm;
      if (perm.empty()) for (size_t d = 0; d < si.size(); ++d) perm.push_back(static_cast<int>(d));
      out.push_back(TransposeData(s[k], si, perm));
    }
    return out;
  };
  const auto calib_src = make(48);
  std::vector<Sample> calib;
  for (const auto& s : calib_src) calib.push_back(to_stored(s));
  Result r;
  r.conv = ConvertGraphWithSamples(lg, calib, opt);
  ModelRunner run(r.conv.bytes);
  const auto* m = run.schema();
  const size_t nout = ref.outputs.size();
  std::vector<double> sig(nout, 0), noise(nout, 0), maxe(nout, 0);
  for (const Sample& s : make(16)) {
    const Sample st = to_stored(s);
    for (size_t k = 0; k < st.size(); ++k) {
      const auto* t = m->tensors()->Get(m->inputs()->Get(static_cast<uint32_t>(k)));
      TensorView v = run.input(k);
      for (size_t i = 0; i < st[k].size(); ++i) v.data[i] = QuantizeToInt8(st[k][i], t->quant()->scale()->Get(0), t->zero_point());
    }
    run.Invoke();
    std::vector<std::vector<double>> ins;
    for (const auto& x : s) ins.emplace_back(x.begin(), x.end());
    const auto want = EvaluateGraph(ref, ins);
    for (size_t o = 0; o < nout; ++o) {
      const auto* t = m->tensors()->Get(m->outputs()->Get(static_cast<uint32_t>(o)));
      const float scale = t->quant()->scale()->Get(0);
      const TensorView v = run.output(o);
      std::vector<int> stored(t->shape()->begin(), t->shape()->end());
      std::vector<int> perm;
      if (t->source_perm()) perm.assign(t->source_perm()->begin(), t->source_perm()->end());
      else for (size_t d = 0; d < stored.size(); ++d) perm.push_back(static_cast<int>(d));
      std::vector<int> inv(perm.size());
      for (size_t d = 0; d < perm.size(); ++d) inv[static_cast<size_t>(perm[d])] = static_cast<int>(d);
      std::vector<float> deq(v.bytes);
      for (size_t i = 0; i < v.bytes; ++i) deq[i] = scale * static_cast<float>(v.data[i] - t->zero_point());
      const std::vector<float> got = TransposeData(deq, stored, inv);
      const auto& w = want[static_cast<size_t>(ref.outputs[o])].data;
      EXPECT_EQ(got.size(), w.size());
      for (size_t i = 0; i < got.size() && i < w.size(); ++i) {
        sig[o] += w[i] * w[i];
        noise[o] += (got[i] - w[i]) * (got[i] - w[i]);
        maxe[o] = std::max(maxe[o], std::fabs(got[i] - w[i]) / scale);
      }
    }
  }
  for (size_t o = 0; o < nout; ++o) {
    r.sqnr_db.push_back(noise[o] > 0 ? 10 * std::log10(sig[o] / noise[o]) : 99.0);
    r.max_err.push_back(maxe[o]);
  }
  return r;
}

std::vector<float> W(size_t n, unsigned seed, float scale = 0.5f) {
  std::mt19937 rng(seed);
  return Random(n, &rng, -scale, scale);
}

bool HasOp(const ConvertResult& r, LKind k) {
  for (const QOp& op : r.model.ops)
    if (op.kind == k) return true;
  return false;
}

TEST(ConverterOps, ConvBatchNormRelu) {
  OnnxBuilder b;
  b.Input("x", {1, 3, 10, 12});
  b.Init("w", {8, 3, 3, 3}, W(8 * 27, 1));
  b.Init("g", {8}, W(8, 2, 1.f));
  b.Init("beta", {8}, W(8, 3));
  b.Init("mean", {8}, W(8, 4, 0.1f));
  std::vector<float> var = W(8, 5, 0.4f);
  for (float& v : var) v = std::fabs(v) + 0.5f;
  b.Init("var", {8}, var);
  b.Node("Conv", {"x", "w"}, {"c"}, {OnnxAttr::Ints("pads", {1, 1, 1, 1}), OnnxAttr::Ints("kernel_shape", {3, 3})});
  b.Node("BatchNormalization", {"c", "g", "beta", "mean", "var"}, {"bn"});
  b.Node("Relu", {"bn"}, {"y"});
  b.Output("y");
  const Result r = Check(b);
  EXPECT_GT(r.sqnr_db[0], 30.0);
  EXPECT_LE(r.max_err[0], 4.0);
  // BN folded and ReLU fused: a single conv op.
  EXPECT_EQ(r.conv.model.ops.size(), 1u);
  EXPECT_EQ(r.conv.model.ops[0].act_min, r.conv.model.tensors[static_cast<size_t>(r.conv.model.ops[0].outputs[0])].zero_point);
}

TEST(ConverterOps, GroupedDilatedStridedConvWithPadOp) {
  OnnxBuilder b;
  b.Input("x", {1, 4, 11, 9});
  b.InitInt64("pads", {8}, {0, 0, 1, 2, 0, 0, 2, 1});
  b.Init("w", {6, 2, 3, 3}, W(6 * 18, 7));
  b.Init("bias", {6}, W(6, 8));
  b.Node("Pad", {"x", "pads"}, {"p"});
  b.Node("Conv", {"p", "w", "bias"}, {"y"},
         {OnnxAttr::Int("group", 2), OnnxAttr::Ints("dilations", {2, 1}), OnnxAttr::Ints("strides", {2, 2})});
  b.Output("y");
  const Result r = Check(b);
  EXPECT_GT(r.sqnr_db[0], 30.0);
  EXPECT_FALSE(HasOp(r.conv, LKind::kPad));  // folded into the conv padding
}

TEST(ConverterOps, DepthwiseMultiplierAndAutoPad) {
  OnnxBuilder b;
  b.Input("x", {1, 3, 9, 9});
  b.Init("w", {6, 1, 3, 3}, W(54, 9, 1.f));
  b.Node("Conv", {"x", "w"}, {"y"},
         {OnnxAttr::Int("group", 3), OnnxAttr::String("auto_pad", "SAME_UPPER"), OnnxAttr::Ints("strides", {2, 2})});
  b.Output("y");
  const Result r = Check(b);
  EXPECT_GT(r.sqnr_db[0], 30.0);
  EXPECT_TRUE(HasOp(r.conv, LKind::kDepthwiseConv));
}

TEST(ConverterOps, FlattenOfNchwIntoGemmPermutesWeights) {
  OnnxBuilder b;
  b.Input("x", {1, 2, 3, 4});
  b.Init("fcb", {7}, W(7, 12));
  b.Init("w2", {5, 2, 2, 2}, W(40, 13));
  b.Node("Conv", {"x", "w2"}, {"c"}, {OnnxAttr::Ints("pads", {0, 0, 1, 1})});  // [1,5,3,4]
  b.Node("Relu", {"c"}, {"r"});
  b.Node("MaxPool", {"r"}, {"mp"}, {OnnxAttr::Ints("kernel_shape", {2, 2}), OnnxAttr::Ints("strides", {1, 1})});  // [1,5,2,3]
  b.Node("Flatten", {"mp"}, {"f"});  // [1,30]
  b.Init("fc2", {7, 30}, W(210, 14));
  b.Node("Gemm", {"f", "fc2", "fcb"}, {"y"}, {OnnxAttr::Int("transB", 1), OnnxAttr::Float("alpha", 0.5f)});
  b.Output("y");
  const Result r = Check(b);
  EXPECT_GT(r.sqnr_db[0], 28.0);
  EXPECT_FALSE(HasOp(r.conv, LKind::kTranspose));  // no data movement for the flatten
}

TEST(ConverterOps, FlattenReadByNonFcNeedsTranspose) {
  OnnxBuilder b;
  b.Input("x", {1, 2, 3, 4});
  b.Init("w", {3, 2, 1, 1}, W(6, 15));
  b.Node("Conv", {"x", "w"}, {"c"});
  b.Node("Flatten", {"c"}, {"y"});
  b.Output("y");
  const Result r = Check(b);
  EXPECT_GT(r.sqnr_db[0], 35.0);
}

TEST(ConverterOps, MatMulWithBiasAdd) {
  OnnxBuilder b;
  b.Input("x", {1, 3, 8});
  b.Init("w", {8, 5}, W(40, 16));
  b.Init("bias", {5}, W(5, 17));
  b.Node("MatMul", {"x", "w"}, {"m"});
  b.Node("Add", {"m", "bias"}, {"y"});
  b.Output("y");
  const Result r = Check(b);
  EXPECT_GT(r.sqnr_db[0], 30.0);
}

TEST(ConverterOps, PoolingVariants) {
  OnnxBuilder b;
  b.Input("x", {1, 4, 9, 10});
  b.Node("MaxPool", {"x"}, {"a"},
         {OnnxAttr::Ints("kernel_shape", {3, 3}), OnnxAttr::Ints("strides", {2, 2}), OnnxAttr::Int("ceil_mode", 1)});
  b.Node("AveragePool", {"x"}, {"b"},
         {OnnxAttr::Ints("kernel_shape", {3, 3}), OnnxAttr::Ints("pads", {1, 1, 1, 1}), OnnxAttr::Int("count_include_pad", 1)});
  b.Node("AveragePool", {"x"}, {"c"},
         {OnnxAttr::Ints("kernel_shape", {2, 3}), OnnxAttr::Ints("pads", {1, 0, 0, 1}), OnnxAttr::Ints("strides", {2, 2})});
  b.Node("GlobalAveragePool", {"x"}, {"d"});
  b.Node("ReduceMean", {"x"}, {"e"}, {OnnxAttr::Ints("axes", {2, 3}), OnnxAttr::Int("keepdims", 0)});
  b.Node("GlobalMaxPool", {"x"}, {"f"});
  for (const char* o : {"a", "b", "c", "d", "e", "f"}) b.Output(o);
  const Result r = Check(b);
  for (size_t o = 0; o < 6; ++o) {
    EXPECT_GT(r.sqnr_db[o], 30.0) << "output " << o;
    EXPECT_LE(r.max_err[o], 2.0) << "output " << o;
  }
}

TEST(ConverterOps, ResidualAddSubMulDivConstants) {
  OnnxBuilder b;
  b.Input("x", {1, 4, 5, 6});
  b.Init("w", {4, 4, 3, 3}, W(144, 18, 0.3f));
  b.Init("pc", {4, 1, 1}, {0.5f, -1.5f, 2.f, 1.f});
  b.Init("two", {}, {2.f});
  b.Init("sh", {1, 4, 1, 1}, {0.1f, 0.2f, -0.3f, 0.f});
  b.Node("Conv", {"x", "w"}, {"c"}, {OnnxAttr::Ints("pads", {1, 1, 1, 1})});
  b.Node("Add", {"c", "x"}, {"res"});
  b.Node("Relu", {"res"}, {"r"});
  b.Node("Mul", {"r", "pc"}, {"m"});       // per-channel constant: MUL with a constant
  b.Node("Sub", {"m", "sh"}, {"s"});       // per-channel constant: ADD with a constant
  b.Node("Div", {"s", "two"}, {"d"});      // scalar: lookup table
  b.Node("Mul", {"d", "x"}, {"y"});        // two activations
  b.Output("y");
  const Result r = Check(b);
  EXPECT_GT(r.sqnr_db[0], 25.0);
}

TEST(ConverterOps, ConcatAndZeroPaddingConcat) {
  OnnxBuilder b(12);
  b.Input("x", {1, 3, 6, 6});
  b.Init("w1", {2, 3, 1, 1}, W(6, 19));
  b.Init("w2", {3, 3, 3, 3}, W(81, 20));
  b.InitInt64("zshape", {4}, {1, 2, 6, 6});
  b.Node("Conv", {"x", "w1"}, {"a"});
  b.Node("Conv", {"x", "w2"}, {"c"}, {OnnxAttr::Ints("pads", {1, 1, 1, 1})});
  b.Node("Concat", {"a", "c"}, {"cat"}, {OnnxAttr::Int("axis", 1)});
  b.Node("ConstantOfShape", {"zshape"}, {"zeros"});
  b.Node("Concat", {"cat", "zeros"}, {"y"}, {OnnxAttr::Int("axis", 1)});
  b.Output("y");
  const Result r = Check(b);
  EXPECT_GT(r.sqnr_db[0], 30.0);
  EXPECT_TRUE(HasOp(r.conv, LKind::kPad));
  EXPECT_TRUE(HasOp(r.conv, LKind::kConcat));
}

TEST(ConverterOps, NonlinearitiesBecomeLookupTables) {
  OnnxBuilder b(13);
  b.Input("x", {1, 2, 4, 4});
  b.Init("three", {}, {3.f});
  b.Init("zero", {}, {0.f});
  b.Init("six", {}, {6.f});
  b.Node("Sigmoid", {"x"}, {"s"});
  b.Node("Tanh", {"x"}, {"t"});
  b.Node("LeakyRelu", {"x"}, {"l"}, {OnnxAttr::Float("alpha", 0.1f)});
  b.Node("HardSigmoid", {"x"}, {"hs"}, {OnnxAttr::Float("alpha", 1.f / 6), OnnxAttr::Float("beta", 0.5f)});
  b.Node("Mul", {"x", "hs"}, {"hswish1"});
  b.Node("Add", {"x", "three"}, {"x3"});
  b.Node("Clip", {"x3", "zero", "six"}, {"c"});
  b.Node("Mul", {"x", "c"}, {"xc"});
  b.Node("Div", {"xc", "six"}, {"hswish2"});
  for (const char* o : {"s", "t", "l", "hswish1", "hswish2"}) b.Output(o);
  const Result r = Check(b, -4.f, 4.f);
  for (size_t o = 0; o < 5; ++o) {
    EXPECT_GT(r.sqnr_db[o], 35.0) << "output " << o;
    // One table rounding plus the input's own rounding propagated through the function.
    EXPECT_LE(r.max_err[o], 2.5) << "output " << o;
  }
  for (const QOp& op : r.conv.model.ops) EXPECT_EQ(op.kind, LKind::kLut);
}

TEST(ConverterOps, HardSwishOpsetFourteen) {
  OnnxBuilder b(14);
  b.Input("x", {1, 8});
  b.Node("HardSwish", {"x"}, {"y"});
  b.Output("y");
  const Result r = Check(b, -5.f, 5.f);
  EXPECT_GT(r.sqnr_db[0], 40.0);
}

TEST(ConverterOps, SoftmaxAndLogSoftmax) {
  OnnxBuilder b(13);
  b.Input("x", {1, 10});
  b.Init("w", {10, 10}, W(100, 21, 1.f));
  b.Node("MatMul", {"x", "w"}, {"m"});
  b.Node("Softmax", {"m"}, {"y"});
  b.Output("y");
  const Result r = Check(b, -2.f, 2.f);
  EXPECT_GT(r.sqnr_db[0], 25.0);
  EXPECT_LE(r.max_err[0], 6.0);
}

TEST(ConverterOps, LogSoftmaxIsSoftmaxThenLogTable) {
  OnnxBuilder b(13);
  b.Input("x", {1, 6});
  b.Node("LogSoftmax", {"x"}, {"y"});
  b.Output("y");
  const Result r = Check(b, -1.5f, 1.5f);
  EXPECT_GT(r.sqnr_db[0], 25.0);
  ASSERT_EQ(r.conv.model.ops.size(), 2u);
  EXPECT_EQ(r.conv.model.ops[0].kind, LKind::kSoftmax);
  EXPECT_EQ(r.conv.model.ops[1].kind, LKind::kLut);
}

TEST(ConverterOps, SoftmaxOverChannelsOfNchw) {
  OnnxBuilder b(13);
  b.Input("x", {1, 5, 3, 3});
  b.Init("w", {5, 5, 1, 1}, W(25, 22, 1.f));
  b.Node("Conv", {"x", "w"}, {"c"});
  b.Node("Softmax", {"c"}, {"y"}, {OnnxAttr::Int("axis", 1)});
  b.Output("y");
  const Result r = Check(b, -2.f, 2.f);
  EXPECT_GT(r.sqnr_db[0], 25.0);
}

TEST(ConverterOps, NhwcInputTransposeReshapeHead) {
  // BlazeFace style: NHWC input transposed to NCHW, head transposed back and reshaped.
  OnnxBuilder b(12);
  b.Input("x", {1, 6, 6, 3});
  b.Init("w", {4, 3, 3, 3}, W(108, 23));
  b.Init("bias", {4}, W(4, 24));
  b.InitInt64("shape", {3}, {1, 72, 2});
  b.Node("Transpose", {"x"}, {"t"}, {OnnxAttr::Ints("perm", {0, 3, 1, 2})});
  b.Node("Conv", {"t", "w", "bias"}, {"c"}, {OnnxAttr::Ints("pads", {1, 1, 1, 1})});
  b.Node("Transpose", {"c"}, {"h"}, {OnnxAttr::Ints("perm", {0, 2, 3, 1})});
  b.Node("Reshape", {"h", "shape"}, {"y"});
  b.Output("y");
  const Result r = Check(b);
  EXPECT_GT(r.sqnr_db[0], 30.0);
  EXPECT_FALSE(HasOp(r.conv, LKind::kTranspose));
}

TEST(ConverterOps, PyTorchShapeSubgraphIsFolded) {
  // x.view(x.size(0), -1) as exported by PyTorch: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
  OnnxBuilder b(13);
  b.Input("x", {-1, 2, 3, 3});
  b.Init("w", {2, 2, 1, 1}, W(4, 25));
  b.Init("fc", {18, 4}, W(72, 26));
  b.InitInt64("zero", {}, {0});
  b.InitInt64("axes", {1}, {0});
  b.InitInt64("minus1", {1}, {-1});
  b.Node("Conv", {"x", "w"}, {"c"});
  b.Node("Shape", {"c"}, {"shape"});
  b.Node("Gather", {"shape", "zero"}, {"n"}, {OnnxAttr::Int("axis", 0)});
  b.Node("Unsqueeze", {"n", "axes"}, {"n1"});
  b.Node("Concat", {"n1", "minus1"}, {"newshape"}, {OnnxAttr::Int("axis", 0)});
  b.Node("Reshape", {"c", "newshape"}, {"f"});
  b.Node("MatMul", {"f", "fc"}, {"y"});
  b.Output("y");
  const Result r = Check(b);
  EXPECT_GT(r.sqnr_db[0], 30.0);
}

TEST(ConverterOps, Relu6FusedIntoConvAndOptionsVariants) {
  OnnxBuilder b(11);
  b.Input("x", {1, 2, 5, 5});
  b.Init("w", {3, 2, 3, 3}, W(54, 27, 1.f));
  b.Init("lo", {}, {0.f});
  b.Init("hi", {}, {6.f});
  b.Node("Conv", {"x", "w"}, {"c"});
  b.Node("Clip", {"c", "lo", "hi"}, {"y"});
  b.Output("y");
  for (int variant = 0; variant < 4; ++variant) {
    ConvertOptions opt;
    opt.quant.per_tensor = variant == 1;
    opt.quant.symmetric_activations = variant == 2;
    opt.quant.power_of_two = variant == 3;
    opt.calib.method = static_cast<CalibMethod>(variant);
    const Result r = Check(b, -3.f, 3.f, opt);
    EXPECT_GT(r.sqnr_db[0], 25.0) << "variant " << variant;
    ASSERT_EQ(r.conv.model.ops.size(), 1u);
    const QTensor& w = r.conv.model.tensors[static_cast<size_t>(r.conv.model.ops[0].inputs[1])];
    EXPECT_EQ(w.scales.size(), variant == 1 ? 1u : 3u);
    if (variant == 3) {
      for (float s : w.scales) EXPECT_EQ(std::exp2(std::round(std::log2(s))), s);
    }
  }
}

TEST(ConverterOps, UnsupportedOpNamesTheNode) {
  OnnxBuilder b;
  b.Input("x", {1, 4});
  b.Node("LSTM", {"x"}, {"y"}, {}, "my_lstm");
  b.Output("y");
  try {
    ImportOnnxBytes(b.Serialize(), "test");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "node 'my_lstm' (op LSTM) is not supported");
  }
}

TEST(ConverterOps, RuntimeOnlyOpOnActivationsIsRejected) {
  OnnxBuilder b;
  b.Input("x", {1, 4});
  b.InitInt64("idx", {1}, {2});
  b.Node("Gather", {"x", "idx"}, {"y"}, {OnnxAttr::Int("axis", 1)}, "g");
  b.Output("y");
  Graph g = ImportOnnxBytes(b.Serialize(), "test");
  try {
    PrepareForQuantization(&g);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("node 'g' (op Gather) is not supported", 0), 0u) << e.what();
  }
}

TEST(ConverterOps, DynamicNonBatchDimensionIsAnError) {
  OnnxBuilder b;
  b.Input("x", {1, -1});
  b.Node("Relu", {"x"}, {"y"});
  b.Output("y");
  EXPECT_THROW(ImportOnnxBytes(b.Serialize(), "test"), Error);
}

TEST(ConverterOps, MalformedOnnxIsAnError) {
  EXPECT_THROW(ImportOnnxBytes("this is not a protobuf", "junk"), Error);
  EXPECT_THROW(ImportOnnxBytes("", "empty"), Error);
  OnnxBuilder b;
  b.Input("x", {1, 4});
  b.Node("Relu", {"nothing"}, {"y"});
  b.Output("y");
  EXPECT_THROW(ImportOnnxBytes(b.Serialize(), "dangling"), Error);
}

TEST(ConverterOps, PlannerSharesReshapeAndReusesMemory) {
  OnnxBuilder b;
  b.Input("x", {1, 8, 8, 8});
  b.Init("w", {8, 8, 1, 1}, W(64, 28));
  b.Node("Conv", {"x", "w"}, {"a"});
  b.Node("Relu", {"a"}, {"a1"});
  b.Node("Conv", {"a1", "w"}, {"b"});
  b.Node("Relu", {"b"}, {"b1"});
  b.Node("Conv", {"b1", "w"}, {"c"});
  b.Node("GlobalAveragePool", {"c"}, {"g"});
  b.Node("Flatten", {"g"}, {"y"});
  b.Output("y");
  const Result r = Check(b);
  // Three 512-byte activations in a chain: two live at a time, plus the small tail.
  EXPECT_LE(r.conv.arena_bytes, 512 * 2 + 64);
  const QModel& m = r.conv.model;
  for (const QOp& op : m.ops) {
    if (op.kind == LKind::kReshape) {
      EXPECT_EQ(m.tensors[static_cast<size_t>(op.inputs[0])].arena_offset,
                m.tensors[static_cast<size_t>(op.outputs[0])].arena_offset);
    }
  }
  for (const QTensor& t : m.tensors) {
    if (!t.is_const) {
      EXPECT_EQ(t.arena_offset % 16, 0);
    }
  }
}

TEST(ConverterOps, WriterAlignsBuffersAndWritesIdentifier) {
  OnnxBuilder b;
  b.Input("x", {1, 3, 4, 4});
  b.Init("w", {5, 3, 3, 3}, W(135, 29));
  b.Node("Conv", {"x", "w"}, {"y"});
  b.Output("y");
  const Result r = Check(b);
  const std::vector<uint8_t>& bytes = r.conv.bytes;
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()) + 4, 4), "QINF");
  const auto* m = schema::GetModel(bytes.data());
  EXPECT_EQ(m->version(), 1u);
  ASSERT_NE(m->buffers(), nullptr);
  for (const auto* buf : *m->buffers())
    EXPECT_EQ((buf->data()->data() - bytes.data()) % 16, 0);
}

}  // namespace
}  // namespace converter
}  // namespace qinfer
