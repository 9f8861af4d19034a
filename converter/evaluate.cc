#include "converter/evaluate.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "converter/error.h"
#include "converter/lgraph.h"
#include "converter/convert.h"
#include "converter/npy.h"
#include "converter/onnx_import.h"
#include "converter/runner.h"
#include "schema/qinfer_generated.h"

namespace qinfer {
namespace converter {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Raw bytes of a file; .gz is decompressed with the gzip tool (no zlib dependency).
std::string ReadMaybeGzip(const std::string& path) {
  if (!EndsWith(path, ".gz")) return ReadFileBytes(path);
  FILE* probe = std::fopen(path.c_str(), "rb");
  if (probe == nullptr) throw Error(Cat("cannot open '", path, "'"));
  std::fclose(probe);
  std::string out;
  FILE* p = popen(("gzip -dc '" + path + "' 2>/dev/null").c_str(), "r");
  if (p == nullptr) throw Error(Cat("cannot run gzip on '", path, "'"));
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) throw Error(Cat("'", path, "' is not a valid gzip file"));
  return out;
}

uint32_t BigEndian32(const std::string& b, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(b[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(b[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(b[at + 3]));
}

// IDX (MNIST-style) unsigned-byte file: magic 0x00000801 + dims, big-endian.
NpyArray ParseIdx(const std::string& b, const std::string& what) {
  if (b.size() < 8 || b[0] != 0 || b[1] != 0 || static_cast<uint8_t>(b[2]) != 0x08) {
    throw Error(Cat(what, ": not an IDX unsigned-byte file"));
  }
  const int rank = static_cast<uint8_t>(b[3]);
  if (rank < 1 || rank > 4 || b.size() < 4 + 4 * static_cast<size_t>(rank)) throw Error(Cat(what, ": bad IDX header"));
  NpyArray a;
  a.type = NpyType::kUint8;
  int64_t n = 1;
  for (int d = 0; d < rank; ++d) {
    a.shape.push_back(BigEndian32(b, 4 + 4 * static_cast<size_t>(d)));
    n *= a.shape.back();
  }
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (static_cast<int64_t>(b.size() - header) != n) throw Error(Cat(what, ": IDX data size does not match its dims"));
  a.data.assign(b.begin() + static_cast<std::ptrdiff_t>(header), b.end());
  return a;
}

NpyArray ReadArray(const std::string& path) {
  const std::string bytes = ReadMaybeGzip(path);
  if (bytes.size() >= 6 && bytes.compare(1, 5, "NUMPY") == 0) {
    return ParseNpy(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
  }
  return ParseIdx(bytes, path);
}

int Argmax(const float* v, size_t n) { return static_cast<int>(std::max_element(v, v + n) - v); }

}  // namespace

LabelledData LoadLabelledData(const std::string& images, const std::string& labels, float divisor) {
  const NpyArray x = ReadArray(images);
  const NpyArray y = ReadArray(labels);
  if (x.shape.empty() || y.shape.size() != 1 || x.shape[0] != y.shape[0]) {
    throw Error(Cat("images ", ShapeString(x.shape), " and labels ", ShapeString(y.shape),
                    " must share their first (sample) axis"));
  }
  LabelledData d;
  d.sample_shape.assign(x.shape.begin() + 1, x.shape.end());
  d.values = x.ToFloat();
  if (x.type != NpyType::kFloat32) {
    for (float& v : d.values) v /= divisor;
  }
  d.labels.resize(static_cast<size_t>(y.numel()));
  for (int64_t i = 0; i < y.numel(); ++i) d.labels[static_cast<size_t>(i)] = static_cast<int32_t>(y.at(i));
  return d;
}

ClassifierEval EvaluateClassifier(const std::string& onnx_path, const std::vector<uint8_t>& qinfer_model,
                                  const LabelledData& data, int64_t limit) {
  Graph g = ImportOnnxFile(onnx_path);
  const LGraph lg = PrepareForQuantization(&g);
  if (lg.inputs.size() != 1 || lg.outputs.empty()) throw Error("evaluate needs a model with one input");
  const LTensor& in = lg.tensors[static_cast<size_t>(lg.inputs[0])];
  // Source shape of the input: stored dim d is source dim source_perm[d].
  std::vector<int> perm = in.source_perm;
  if (perm.empty()) {
    for (size_t d = 0; d < in.shape.size(); ++d) perm.push_back(static_cast<int>(d));
  }
  std::vector<int> source_shape(in.shape.size());
  for (size_t d = 0; d < in.shape.size(); ++d) source_shape[static_cast<size_t>(perm[d])] = in.shape[d];
  int64_t sample_numel = 1;
  for (int64_t s : data.sample_shape) sample_numel *= s;
  if (sample_numel != in.numel()) {
    throw Error(Cat("a sample has shape ", ShapeString(data.sample_shape), " but the model input has ",
                    in.numel(), " elements"));
  }

  ModelRunner run(qinfer_model);
  const auto* model = run.schema();
  const auto* qin = model->tensors()->Get(static_cast<uint32_t>(model->inputs()->Get(0)));
  if (qin->quant() == nullptr || qin->quant()->scale() == nullptr || qin->quant()->scale()->size() != 1) {
    throw Error("the qinfer model's input has no scale metadata");
  }
  const float in_scale = qin->quant()->scale()->Get(0);
  const int32_t in_zero_point = qin->zero_point();
  const int out_index = lg.outputs[0];

  ClassifierEval e;
  e.samples = limit > 0 ? std::min(limit, data.count()) : data.count();
  e.model_bytes = static_cast<int64_t>(run.model_bytes());
  e.arena_bytes = model->arena_bytes();
  for (uint32_t b = 0; model->buffers() && b < model->buffers()->size(); ++b) {
    e.weight_bytes += model->buffers()->Get(b)->data() ? model->buffers()->Get(b)->data()->size() : 0;
  }
  int64_t float_hits = 0, int8_hits = 0, agree = 0;
  double invoke_seconds = 0;
  for (int64_t i = 0; i < e.samples; ++i) {
    const float* src = data.values.data() + i * sample_numel;
    const std::vector<float> stored =
        TransposeData(std::vector<float>(src, src + sample_numel), source_shape, perm);
    const auto values = RunFloat(lg, {stored});
    const std::vector<float>& fo = values[static_cast<size_t>(out_index)];
    const int float_class = Argmax(fo.data(), fo.size());

    TensorView x = run.input(0);
    for (int64_t k = 0; k < sample_numel; ++k) {
      x.data[k] = QuantizeToInt8(stored[static_cast<size_t>(k)], in_scale, in_zero_point);
    }
    const auto t0 = std::chrono::steady_clock::now();
    run.Invoke();
    invoke_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const TensorView y = run.output(0);
    // The scale is positive, so the int8 argmax is the dequantized argmax.
    const int int8_class = static_cast<int>(std::max_element(y.data, y.data + y.bytes) - y.data);
    const int label = data.labels[static_cast<size_t>(i)];
    float_hits += float_class == label;
    int8_hits += int8_class == label;
    agree += float_class == int8_class;
  }
  const double n = static_cast<double>(std::max<int64_t>(e.samples, 1));
  e.float_top1 = static_cast<double>(float_hits) / n;
  e.int8_top1 = static_cast<double>(int8_hits) / n;
  e.agreement = static_cast<double>(agree) / n;
  e.microseconds_per_inference = invoke_seconds * 1e6 / n;
  return e;
}

}  // namespace converter
}  // namespace qinfer
