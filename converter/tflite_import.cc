// TFLite (.tflite, int8) -> QModel. See tflite_import.h for the contract and
// tflite_arith.h for the integer derivations.
#include "converter/tflite_import.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "converter/error.h"
#include "converter/target.h"
#include "converter/tflite_arith.h"
#include "runtime/interpreter.h"
#include "runtime/model.h"
#include "schema/tflite_subset_generated.h"

namespace qinfer {
namespace converter {
namespace {

namespace tfl = ::qinfer::tfl;
using tfl::BuiltinOperator;
using tfl::TensorType;

constexpr int kMaxRank = 4;
constexpr int64_t kMaxElements = int64_t{1} << 31;
constexpr int kMaxConcatInputs = 16;    // runtime/verifier.h
constexpr int kMaxSoftmaxDepth = 4095;  // runtime/verify_ops.cc

std::string TypeName(TensorType t) {
  const char* n = tfl::EnumNameTensorType(t);
  if (n != nullptr && *n != '\0') return n;
  return Cat("TYPE", static_cast<int>(t));
}

std::string OpName(int32_t code) {
  if (code >= 0 && code <= static_cast<int32_t>(BuiltinOperator::MAX)) {
    const char* n = tfl::EnumNameBuiltinOperator(static_cast<BuiltinOperator>(code));
    if (n != nullptr && *n != '\0') return n;
  }
  return Cat("BUILTIN_", code);
}

std::string ShapeStr(const std::vector<int>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

// Element count, saturating far above anything valid (shapes come from untrusted files).
int64_t Numel(const std::vector<int>& s) {
  int64_t n = 1;
  for (int d : s) {
    n *= std::max(d, 0);
    if (n > (int64_t{1} << 40)) return int64_t{1} << 40;
  }
  return n;
}

const char* ActName(int32_t a) {
  switch (a) {
    case 0:
      return "";
    case 1:
      return " relu";
    case 2:
      return " relu_n1_to_1";
    case 3:
      return " relu6";
    case 4:
      return " tanh";
    case 5:
      return " sign_bit";
  }
  return " ?";
}

// A TFLite tensor as read from the file (validated lazily, where an op uses it).
struct TensorInfo {
  const tfl::Tensor* t = nullptr;
  TensorType type = TensorType::FLOAT32;
  std::vector<int> shape;  // as stored; rank 0 = scalar
  bool shape_ok = true;    // every dim >= 1 and the element count below 2^31
  std::string name;
  const uint8_t* data = nullptr;  // constant bytes, or null
  size_t data_size = 0;
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t quantized_dimension = 0;
  bool is_variable = false;
  bool sparse = false;

  bool is_const() const { return data != nullptr; }
  int64_t numel() const { return Numel(shape); }
};

int ElementSize(TensorType t) {
  switch (t) {
    case TensorType::INT8:
    case TensorType::UINT8:
    case TensorType::BOOL:
      return 1;
    case TensorType::INT16:
    case TensorType::FLOAT16:
    case TensorType::UINT16:
    case TensorType::BFLOAT16:
      return 2;
    case TensorType::INT32:
    case TensorType::FLOAT32:
    case TensorType::UINT32:
      return 4;
    case TensorType::INT64:
    case TensorType::FLOAT64:
    case TensorType::UINT64:
    case TensorType::COMPLEX64:
      return 8;
    default:
      return 0;
  }
}

// One TFLite operator being converted.
struct OpCtx {
  int index = 0;
  int32_t code = 0;
  std::string name;
  const tfl::Operator* op = nullptr;
  std::vector<int> in, out;  // TFLite tensor indices (-1 = absent)
};

class Importer {
 public:
  Importer(const uint8_t* data, size_t size, const TfliteImportOptions& options,
           TfliteImportReport* report)
      : data_(data), size_(size), options_(options), report_(report) {}

  QModel Run();

 private:
  // ---- errors ----
  [[noreturn]] void Unsupported(const OpCtx& c, const std::string& reason = std::string()) const {
    std::string dtype = "NONE";
    for (int t : c.in) {
      if (t >= 0 && t < static_cast<int>(tensors_.size())) {
        dtype = TypeName(tensors_[static_cast<size_t>(t)].type);
        break;
      }
    }
    if (dtype == "NONE") {
      for (int t : c.out)
        if (t >= 0 && t < static_cast<int>(tensors_.size())) {
          dtype = TypeName(tensors_[static_cast<size_t>(t)].type);
          break;
        }
    }
    Fail("op ", c.index, " (", c.name, ", ", dtype, ") is not supported",
         reason.empty() ? "" : ": ", reason);
  }
  template <typename... Args>
  [[noreturn]] void Invalid(const OpCtx& c, Args&&... args) const {
    Fail("op ", c.index, " (", c.name, "): ", std::forward<Args>(args)...);
  }

  // ---- file structure ----
  void VerifyAndLoad();
  void LoadTensors();
  void StripFloatIO();

  // ---- tensors ----
  const TensorInfo& T(int i) const { return tensors_[static_cast<size_t>(i)]; }
  std::string TName(int i) const {
    const std::string& n = T(i).name;
    return n.empty() ? Cat("#", i) : Cat("'", n, "'");
  }
  // The tensor in input slot `slot`, or -1 when the slot is absent / -1.
  int In(const OpCtx& c, size_t slot) const { return slot < c.in.size() ? c.in[slot] : -1; }
  void Arity(const OpCtx& c, size_t min_in, size_t max_in, size_t outs = 1) const;
  std::vector<int> QShape(const OpCtx& c, int t) const;
  // Quantization of an int8 activation-like tensor (per-tensor). Refuses others.
  void RequireInt8(const OpCtx& c, int t, const char* role) const;
  float Scale(int t) const { return T(t).scales[0]; }
  int32_t Zp(int t) const { return static_cast<int32_t>(T(t).zero_points[0]); }
  void CheckConstSize(const OpCtx& c, int t, const char* role) const;
  // QModel tensor for a TFLite tensor read by an op (constants are created on first use).
  int Read(const OpCtx& c, int t, const char* role);
  // QModel tensor for an op's output, which must not have been written before.
  int Write(const OpCtx& c, int t, const std::vector<int>& expected_shape);
  int NewActivation(const std::string& name, const std::vector<int>& shape, int like);
  QTensor BaseTensor(int t, const std::vector<int>& shape) const;
  std::vector<int32_t> ConstInts(const OpCtx& c, int t, const char* role) const;

  void Emit(const OpCtx& c, QOp op, const std::string& detail);
  void Note(const std::string& s) {
    if (std::find(notes_.begin(), notes_.end(), s) == notes_.end()) notes_.push_back(s);
  }

  // ---- operators ----
  void Convert(OpCtx& c);
  void Conv(const OpCtx& c, bool depthwise);
  void FullyConnected(const OpCtx& c);
  void AddSub(const OpCtx& c, bool subtract);
  void Mul(const OpCtx& c);
  void Pool(const OpCtx& c, bool max);
  void Mean(const OpCtx& c);
  void Softmax(const OpCtx& c);
  void Elementwise(const OpCtx& c);  // LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU*
  void Quantize(const OpCtx& c);
  void Concatenation(const OpCtx& c);
  void Pad(const OpCtx& c, bool v2);
  void Transpose(const OpCtx& c);
  void View(const OpCtx& c);  // RESHAPE, SQUEEZE, EXPAND_DIMS
  std::vector<int> Broadcast(const OpCtx& c, int a, int b) const;
  void SetActivation(const OpCtx& c, int32_t act, int out, QOp* op) const;

  const uint8_t* data_;
  size_t size_;
  TfliteImportOptions options_;
  TfliteImportReport* report_;

  const tfl::Model* model_ = nullptr;
  const tfl::SubGraph* graph_ = nullptr;
  std::vector<TensorInfo> tensors_;
  std::vector<int> graph_inputs_, graph_outputs_;
  std::vector<bool> stripped_;  // per TFLite op: a float I/O boundary op that is dropped
  std::vector<int> qmap_;       // TFLite tensor -> QModel tensor (-1 = none yet)
  std::vector<bool> written_;   // TFLite tensor written by an op or a graph input
  QModel m_;
  std::vector<int> qop_source_;  // QModel op -> TFLite op
  std::vector<TfliteOpInfo> infos_;
  std::vector<std::string> notes_;
};

// ---------------------------------------------------------------------------------------------
// File structure

void Importer::VerifyAndLoad() {
  if (size_ < 8) Fail("not a TFLite model: ", size_, " bytes");
  if (!flatbuffers::BufferHasIdentifier(data_, tfl::ModelIdentifier())) {
    Fail("not a TFLite model: no TFL3 file identifier");
  }
  if (size_ >= FLATBUFFERS_MAX_BUFFER_SIZE) Fail("TFLite model too large: ", size_, " bytes");
  flatbuffers::Verifier verifier(data_, size_, 64, 1000000);
  if (!tfl::VerifyModelBuffer(verifier)) {
    Fail("malformed TFLite file: the flatbuffer structure does not verify");
  }
  model_ = tfl::GetModel(data_);
  if (model_->version() != 3)
    Fail("unsupported TFLite schema version ", model_->version(), " (expected 3)");
  if (model_->subgraphs() == nullptr || model_->subgraphs()->size() == 0) {
    Fail("malformed TFLite file: no subgraph");
  }
  graph_ = model_->subgraphs()->Get(0);
  if (model_->subgraphs()->size() > 1) {
    Note(Cat("the model has ", model_->subgraphs()->size(),
             " subgraphs; only the first (the main graph) is converted"));
  }
  if (graph_->tensors() == nullptr)
    Fail("malformed TFLite file: the main subgraph has no tensor list");
  LoadTensors();
  const int nt = static_cast<int>(tensors_.size());
  auto indices = [&](const flatbuffers::Vector<int32_t>* v, const char* what) {
    std::vector<int> out;
    if (v == nullptr) return out;
    for (uint32_t i = 0; i < v->size(); ++i) {
      const int t = v->Get(i);
      if (t < 0 || t >= nt)
        Fail("malformed TFLite file: graph ", what, " ", i, " is tensor ", t, ", out of [0, ", nt,
             ")");
      out.push_back(t);
    }
    return out;
  };
  graph_inputs_ = indices(graph_->inputs(), "input");
  graph_outputs_ = indices(graph_->outputs(), "output");
  if (graph_outputs_.empty()) Fail("malformed TFLite file: the main subgraph has no outputs");
}

void Importer::LoadTensors() {
  const auto* ts = graph_->tensors();
  const auto* buffers = model_->buffers();
  const uint32_t nbuf = buffers ? buffers->size() : 0;
  tensors_.resize(ts->size());
  for (uint32_t i = 0; i < ts->size(); ++i) {
    const tfl::Tensor* t = ts->Get(i);
    TensorInfo& ti = tensors_[i];
    ti.t = t;
    ti.type = t->type();
    ti.name = t->name() ? t->name()->str() : std::string();
    ti.is_variable = t->is_variable();
    ti.sparse = t->sparsity() != nullptr;
    int64_t n = 1;
    if (t->shape()) {
      for (uint32_t d = 0; d < t->shape()->size(); ++d) {
        const int v = t->shape()->Get(d);
        ti.shape.push_back(v);
        if (v < 1) ti.shape_ok = false;
        if (n <= kMaxElements) n *= std::max(v, 1);
        if (n > kMaxElements) ti.shape_ok = false;
      }
    }
    if (const auto* q = t->quantization()) {
      if (q->scale()) ti.scales.assign(q->scale()->begin(), q->scale()->end());
      if (const auto* zp = q->zero_point()) {
        // A [long] vector is only 4-byte aligned in a damaged file (the verifier checks the
        // length prefix): copy the elements out rather than load them in place.
        const uint8_t* raw = zp->Data();
        for (uint32_t k = 0; k < zp->size(); ++k) {
          int64_t v;
          std::memcpy(&v, raw + 8 * static_cast<size_t>(k), 8);
          ti.zero_points.push_back(flatbuffers::EndianScalar(v));
        }
      }
      ti.quantized_dimension = q->quantized_dimension();
    }
    const uint32_t b = t->buffer();
    if (b >= nbuf && !(b == 0 && nbuf == 0)) {
      Fail("malformed TFLite file: tensor ", i, " ('", ti.name, "') uses buffer ", b, " of ", nbuf);
    }
    if (b == 0 || nbuf == 0) continue;
    const tfl::Buffer* buf = buffers->Get(b);
    if (buf->data() != nullptr && buf->data()->size() > 0) {
      ti.data = buf->data()->data();
      ti.data_size = buf->data()->size();
    } else if (buf->offset() > 1) {
      // Data kept after the flatbuffer (files above 2 GiB): offset from the file start.
      const uint64_t off = buf->offset(), len = buf->size();
      if (off > size_ || len > size_ - off) {
        Fail("malformed TFLite file: buffer ", b, " (tensor '", ti.name,
             "') lies outside the file");
      }
      if (len > 0) {
        ti.data = data_ + off;
        ti.data_size = static_cast<size_t>(len);
      }
    }
  }
}

// Drops float interface ops at the graph boundary (see TfliteImportOptions::strip_float_io).
void Importer::StripFloatIO() {
  const auto* ops = graph_->operators();
  const uint32_t n = ops ? ops->size() : 0;
  stripped_.assign(n, false);
  if (!options_.strip_float_io || n == 0) return;
  const auto* codes = model_->operator_codes();
  std::vector<int> consumers(tensors_.size(), 0);
  for (uint32_t i = 0; i < n; ++i) {
    const auto* in = ops->Get(i)->inputs();
    if (!in) continue;
    for (uint32_t k = 0; k < in->size(); ++k) {
      const int t = in->Get(k);
      if (t >= 0 && t < static_cast<int>(tensors_.size())) ++consumers[static_cast<size_t>(t)];
    }
  }
  auto code_of = [&](const tfl::Operator* op) -> int32_t {
    if (!codes || op->opcode_index() >= codes->size()) return -1;
    const auto* oc = codes->Get(op->opcode_index());
    return std::max(static_cast<int32_t>(oc->builtin_code()),
                    static_cast<int32_t>(oc->deprecated_builtin_code()));
  };
  auto one = [&](const flatbuffers::Vector<int32_t>* v) -> int {
    if (!v || v->size() != 1) return -1;
    const int t = v->Get(0);
    return t >= 0 && t < static_cast<int>(tensors_.size()) ? t : -1;
  };
  auto is_in = [](const std::vector<int>& v, int t) {
    return std::find(v.begin(), v.end(), t) != v.end();
  };
  for (uint32_t i = 0; i < n; ++i) {
    const tfl::Operator* op = ops->Get(i);
    const int32_t code = code_of(op);
    const int a = one(op->inputs()), b = one(op->outputs());
    if (a < 0 || b < 0) continue;
    if (code == static_cast<int32_t>(BuiltinOperator::QUANTIZE) &&
        T(a).type == TensorType::FLOAT32 && T(b).type == TensorType::INT8 &&
        is_in(graph_inputs_, a) && !is_in(graph_outputs_, a) &&
        consumers[static_cast<size_t>(a)] == 1 && !is_in(graph_inputs_, b)) {
      stripped_[i] = true;
      std::replace(graph_inputs_.begin(), graph_inputs_.end(), a, b);
      Note(Cat("float32 input '", T(a).name,
               "' is quantized by the host: the qinfer input is the int8 tensor '", T(b).name,
               "' (op ", i, ", QUANTIZE, dropped)"));
    } else if (code == static_cast<int32_t>(BuiltinOperator::DEQUANTIZE) &&
               T(a).type == TensorType::INT8 && T(b).type == TensorType::FLOAT32 &&
               is_in(graph_outputs_, b) && consumers[static_cast<size_t>(b)] == 0 &&
               !is_in(graph_inputs_, b)) {
      stripped_[i] = true;
      std::replace(graph_outputs_.begin(), graph_outputs_.end(), b, a);
      Note(Cat("float32 output '", T(b).name,
               "' is dequantized by the host: the qinfer output is the int8 tensor '", T(a).name,
               "' (op ", i, ", DEQUANTIZE, dropped)"));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tensors

void Importer::Arity(const OpCtx& c, size_t min_in, size_t max_in, size_t outs) const {
  if (c.in.size() < min_in || c.in.size() > max_in) {
    Invalid(c, c.in.size(), " inputs, expected ",
            min_in == max_in ? Cat(min_in) : Cat(min_in, " to ", max_in));
  }
  if (c.out.size() != outs) Invalid(c, c.out.size(), " outputs, expected ", outs);
  for (int t : c.out)
    if (t < 0) Invalid(c, "an output tensor index is -1");
}

std::vector<int> Importer::QShape(const OpCtx& c, int t) const {
  const TensorInfo& ti = T(t);
  if (!ti.shape_ok)
    Invalid(c, "tensor ", TName(t), " has shape ", ShapeStr(ti.shape), " (dims must be >= 1)");
  if (ti.shape.size() > static_cast<size_t>(kMaxRank)) {
    Unsupported(c, Cat("tensor ", TName(t), " has rank ", ti.shape.size(),
                       " (qinfer tensors have rank 1 to 4)"));
  }
  if (ti.shape.empty()) return {1};
  return ti.shape;
}

void Importer::RequireInt8(const OpCtx& c, int t, const char* role) const {
  const TensorInfo& ti = T(t);
  if (ti.type != TensorType::INT8) {
    Unsupported(c, Cat(role, " ", TName(t), " is ", TypeName(ti.type), " (int8 only)"));
  }
  if (ti.sparse) Unsupported(c, Cat(role, " ", TName(t), " is sparse"));
  if (ti.is_variable) Unsupported(c, Cat(role, " ", TName(t), " is a variable tensor"));
  if (ti.scales.empty() || ti.zero_points.empty())
    Invalid(c, role, " ", TName(t), " has no quantization parameters");
  if (ti.scales.size() != 1 || ti.zero_points.size() != 1) {
    Unsupported(
        c, Cat(role, " ", TName(t), " is quantized per channel (", ti.scales.size(), " scales)"));
  }
  const float s = ti.scales[0];
  if (!(s > 0) || !std::isfinite(s)) Invalid(c, role, " ", TName(t), " has scale ", s);
  if (ti.zero_points[0] < -128 || ti.zero_points[0] > 127) {
    Invalid(c, role, " ", TName(t), " has zero point ", ti.zero_points[0], " outside int8");
  }
}

void Importer::CheckConstSize(const OpCtx& c, int t, const char* role) const {
  const TensorInfo& ti = T(t);
  const int es = ElementSize(ti.type);
  const int64_t need = ti.numel() * es;
  if (es == 0 || static_cast<int64_t>(ti.data_size) != need) {
    Invalid(c, role, " ", TName(t), " has a ", ti.data_size, "-byte buffer; shape ",
            ShapeStr(ti.shape), " of ", TypeName(ti.type), " needs ", need);
  }
}

QTensor Importer::BaseTensor(int t, const std::vector<int>& shape) const {
  const TensorInfo& ti = T(t);
  QTensor q;
  q.name = ti.name;
  q.shape = shape;
  if (!ti.zero_points.empty()) q.zero_point = static_cast<int32_t>(ti.zero_points[0]);
  q.scales = ti.scales;
  q.quant_axis = ti.quantized_dimension;
  if (ti.type == TensorType::INT8 && ti.scales.size() == 1) {
    q.range_lo = static_cast<float>((-128.0 - q.zero_point) * ti.scales[0]);
    q.range_hi = static_cast<float>((127.0 - q.zero_point) * ti.scales[0]);
  }
  return q;
}

int Importer::Read(const OpCtx& c, int t, const char* role) {
  if (t < 0 || t >= static_cast<int>(tensors_.size()))
    Invalid(c, role, " is tensor ", t, ", out of range");
  int& q = qmap_[static_cast<size_t>(t)];
  if (q >= 0) return q;
  const TensorInfo& ti = T(t);
  if (!ti.is_const()) Invalid(c, "reads tensor ", TName(t), " before any op writes it");
  if (ti.type != TensorType::INT8 && ti.type != TensorType::INT32) {
    Unsupported(c, Cat(role, " ", TName(t), " is ", TypeName(ti.type)));
  }
  CheckConstSize(c, t, role);
  QTensor qt = BaseTensor(t, QShape(c, t));
  qt.int32 = ti.type == TensorType::INT32;
  qt.is_const = true;
  qt.data.assign(ti.data, ti.data + ti.data_size);
  m_.tensors.push_back(std::move(qt));
  q = static_cast<int>(m_.tensors.size()) - 1;
  return q;
}

int Importer::Write(const OpCtx& c, int t, const std::vector<int>& expected_shape) {
  const TensorInfo& ti = T(t);
  if (written_[static_cast<size_t>(t)])
    Invalid(c, "writes tensor ", TName(t), ", which is already written");
  if (ti.is_const()) Invalid(c, "writes tensor ", TName(t), ", which is a constant");
  RequireInt8(c, t, "output");
  const std::vector<int> declared = QShape(c, t);
  if (declared != expected_shape) {
    Invalid(c, "declared output shape ", ShapeStr(ti.shape), " of ", TName(t), " differs from ",
            ShapeStr(expected_shape), ", the shape its inputs and parameters imply");
  }
  written_[static_cast<size_t>(t)] = true;
  m_.tensors.push_back(BaseTensor(t, declared));
  qmap_[static_cast<size_t>(t)] = static_cast<int>(m_.tensors.size()) - 1;
  return qmap_[static_cast<size_t>(t)];
}

int Importer::NewActivation(const std::string& name, const std::vector<int>& shape, int like) {
  QTensor q = m_.tensors[static_cast<size_t>(like)];
  q.name = name;
  q.shape = shape;
  q.is_const = false;
  q.data.clear();
  q.int32 = false;
  m_.tensors.push_back(std::move(q));
  return static_cast<int>(m_.tensors.size()) - 1;
}

std::vector<int32_t> Importer::ConstInts(const OpCtx& c, int t, const char* role) const {
  if (t < 0) Invalid(c, role, " is missing");
  const TensorInfo& ti = T(t);
  if (ti.type != TensorType::INT32 && ti.type != TensorType::INT64) {
    Invalid(c, role, " ", TName(t), " is ", TypeName(ti.type), ", expected INT32 or INT64");
  }
  std::vector<int32_t> v;
  for (int d : ti.shape)
    if (d == 0) return v;  // an empty list
  if (!ti.is_const()) Unsupported(c, Cat(role, " ", TName(t), " is not a constant"));
  if (!ti.shape_ok) Invalid(c, role, " ", TName(t), " has shape ", ShapeStr(ti.shape));
  CheckConstSize(c, t, role);
  const int64_t n = ti.numel();
  for (int64_t i = 0; i < n; ++i) {
    int64_t x;
    if (ti.type == TensorType::INT32) {
      int32_t y;
      std::memcpy(&y, ti.data + 4 * i, 4);
      x = y;
    } else {
      std::memcpy(&x, ti.data + 8 * i, 8);
    }
    if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
      Invalid(c, role, " ", TName(t), " holds ", x, ", outside int32");
    }
    v.push_back(static_cast<int32_t>(x));
  }
  return v;
}

void Importer::Emit(const OpCtx& c, QOp op, const std::string& detail) {
  if (op.name.empty()) op.name = Cat(c.name, " #", c.index);
  m_.ops.push_back(std::move(op));
  qop_source_.push_back(c.index);
  TfliteOpInfo& info = infos_[static_cast<size_t>(c.index)];
  const char* kind = "";
  switch (m_.ops.back().kind) {
    case LKind::kConv:
      kind = "CONV_2D";
      break;
    case LKind::kDepthwiseConv:
      kind = "DEPTHWISE_CONV_2D";
      break;
    case LKind::kFullyConnected:
      kind = "FULLY_CONNECTED";
      break;
    case LKind::kAdd:
      kind = "ADD";
      break;
    case LKind::kMul:
      kind = "MUL";
      break;
    case LKind::kMaxPool:
      kind = "MAX_POOL_2D";
      break;
    case LKind::kAvgPool:
      kind = "AVG_POOL_2D";
      break;
    case LKind::kMean:
      kind = "MEAN";
      break;
    case LKind::kSoftmax:
      kind = "SOFTMAX";
      break;
    case LKind::kLut:
      kind = "LOOKUP_TABLE";
      break;
    case LKind::kRequantize:
      kind = "REQUANTIZE";
      break;
    case LKind::kConcat:
      kind = "CONCATENATION";
      break;
    case LKind::kPad:
      kind = "PAD";
      break;
    case LKind::kTranspose:
      kind = "TRANSPOSE";
      break;
    case LKind::kReshape:
      kind = "RESHAPE";
      break;
  }
  info.qinfer = info.qinfer == "-" || info.qinfer.empty() ? kind : info.qinfer + "+" + kind;
  if (!detail.empty()) info.detail = detail;
}

void Importer::SetActivation(const OpCtx& c, int32_t act, int out, QOp* op) const {
  if (!tfl_arith::ActivationRangeInt8(act, Scale(out), Zp(out), &op->act_min, &op->act_max)) {
    if (act == 4 || act == 5 || act < 0 || act > 5) {
      Unsupported(c, Cat("fused activation ", act == 4   ? "TANH"
                                              : act == 5 ? "SIGN_BIT"
                                                         : Cat(act)));
    }
    Invalid(c, "fused activation bounds do not fit int32 for the output scale");
  }
}

// ---------------------------------------------------------------------------------------------
// Operators

std::vector<int> Importer::Broadcast(const OpCtx& c, int a, int b) const {
  std::vector<int> sa = QShape(c, a), sb = QShape(c, b);
  if (T(a).shape.empty()) sa.clear();
  if (T(b).shape.empty()) sb.clear();
  const size_t r = std::max(sa.size(), sb.size());
  std::vector<int> out(r);
  for (size_t i = 0; i < r; ++i) {
    const int da = i + sa.size() >= r ? sa[i + sa.size() - r] : 1;
    const int db = i + sb.size() >= r ? sb[i + sb.size() - r] : 1;
    if (da != db && da != 1 && db != 1) {
      Invalid(c, "input shapes ", ShapeStr(T(a).shape), " and ", ShapeStr(T(b).shape),
              " do not broadcast");
    }
    out[i] = std::max(da, db);
  }
  if (out.empty()) out.push_back(1);
  return out;
}

void Importer::Conv(const OpCtx& c, bool depthwise) {
  Arity(c, 2, 3);
  const int x = In(c, 0), w = In(c, 1), bias = In(c, 2), y = c.out[0];
  if (x < 0 || w < 0) Invalid(c, "input or filter missing");
  RequireInt8(c, x, "input");
  const TensorInfo& wt = T(w);
  if (wt.type != TensorType::INT8)
    Unsupported(c, Cat("filter ", TName(w), " is ", TypeName(wt.type)));
  if (!wt.is_const()) Unsupported(c, Cat("filter ", TName(w), " is not a constant"));
  if (wt.sparse) Unsupported(c, Cat("filter ", TName(w), " is sparse"));
  const std::vector<int> is = QShape(c, x), ws = QShape(c, w);
  if (T(x).shape.size() != 4)
    Invalid(c, "input ", TName(x), " has shape ", ShapeStr(T(x).shape), ", expected rank 4");
  if (wt.shape.size() != 4)
    Invalid(c, "filter ", TName(w), " has shape ", ShapeStr(wt.shape), ", expected rank 4");

  int32_t padding, stride_w, stride_h, dil_w, dil_h, act, depth_multiplier = 0;
  if (depthwise) {
    const auto* o = c.op->builtin_options_as_DepthwiseConv2DOptions();
    if (!o) Invalid(c, "DepthwiseConv2DOptions missing");
    padding = static_cast<int32_t>(o->padding());
    stride_w = o->stride_w();
    stride_h = o->stride_h();
    dil_w = o->dilation_w_factor();
    dil_h = o->dilation_h_factor();
    act = static_cast<int32_t>(o->fused_activation_function());
    depth_multiplier = o->depth_multiplier();
  } else {
    const auto* o = c.op->builtin_options_as_Conv2DOptions();
    if (!o) Invalid(c, "Conv2DOptions missing");
    padding = static_cast<int32_t>(o->padding());
    stride_w = o->stride_w();
    stride_h = o->stride_h();
    dil_w = o->dilation_w_factor();
    dil_h = o->dilation_h_factor();
    act = static_cast<int32_t>(o->fused_activation_function());
  }
  if (padding != 0 && padding != 1) Invalid(c, "unknown padding ", padding);
  if (stride_w < 1 || stride_h < 1) Invalid(c, "stride ", stride_h, "x", stride_w);
  if (dil_w < 1 || dil_h < 1) Invalid(c, "dilation ", dil_h, "x", dil_w);

  const int n = is[0], h = is[1], wd = is[2], ch = is[3];
  int oc, kh = ws[1], kw = ws[2], groups = 1, mult = 1;
  if (depthwise) {
    if (ws[0] != 1)
      Invalid(c, "filter ", TName(w), " has shape ", ShapeStr(ws), ", expected [1, KH, KW, C*M]");
    oc = ws[3];
    if (oc % ch != 0)
      Invalid(c, "filter channels ", oc, " are not a multiple of input channels ", ch);
    mult = oc / ch;
    if (depth_multiplier != 0 && depth_multiplier != mult) {
      Note(Cat("op ", c.index, " (DEPTHWISE_CONV_2D): depth_multiplier option ", depth_multiplier,
               " disagrees with the shapes (", mult, "); the shapes are used, as TFLite does"));
    }
  } else {
    oc = ws[0];
    if (ch % ws[3] != 0)
      Invalid(c, "filter input channels ", ws[3], " do not divide input channels ", ch);
    groups = ch / ws[3];
    if (oc % groups != 0)
      Invalid(c, "output channels ", oc, " not a multiple of the ", groups, " groups");
  }
  int32_t oh, ow, pt, pb, pl, pr;
  if (!tfl_arith::ComputePadding(padding == 0, h, kh, stride_h, dil_h, &oh, &pt, &pb)) {
    Invalid(c, "filter height ", kh, " (dilation ", dil_h, ") does not fit input height ", h);
  }
  if (!tfl_arith::ComputePadding(padding == 0, wd, kw, stride_w, dil_w, &ow, &pl, &pr)) {
    Invalid(c, "filter width ", kw, " (dilation ", dil_w, ") does not fit input width ", wd);
  }

  // Filter quantization: per tensor or per output channel, zero points 0.
  const int qdim = depthwise ? 3 : 0;
  if (wt.scales.empty()) Invalid(c, "filter ", TName(w), " has no quantization parameters");
  if (wt.scales.size() != 1) {
    if (static_cast<int>(wt.scales.size()) != oc || wt.quantized_dimension != qdim) {
      Invalid(c, "filter ", TName(w), " has ", wt.scales.size(), " scales along dimension ",
              wt.quantized_dimension, "; expected 1 or ", oc, " along dimension ", qdim);
    }
  }
  for (int64_t z : wt.zero_points)
    if (z != 0) Unsupported(c, Cat("filter ", TName(w), " has a nonzero zero point"));

  const int xq = Read(c, x, "input");
  const int wq = Read(c, w, "filter");
  int bq = -1;
  if (bias >= 0) {
    const TensorInfo& bt = T(bias);
    if (bt.type != TensorType::INT32)
      Unsupported(c, Cat("bias ", TName(bias), " is ", TypeName(bt.type)));
    if (!bt.is_const()) Unsupported(c, Cat("bias ", TName(bias), " is not a constant"));
    if (Numel(QShape(c, bias)) != oc || bt.shape.size() > 1) {
      Invalid(c, "bias ", TName(bias), " has shape ", ShapeStr(bt.shape), ", expected [", oc, "]");
    }
    bq = Read(c, bias, "bias");
    m_.tensors[static_cast<size_t>(bq)].shape = {oc};
  }
  const int yq = Write(c, y, {n, oh, ow, oc});

  QOp op;
  op.kind = depthwise ? LKind::kDepthwiseConv : LKind::kConv;
  op.name = T(y).name;
  op.inputs = {xq, wq, bq};
  op.outputs = {yq};
  op.kh = kh;
  op.kw = kw;
  op.stride_h = stride_h;
  op.stride_w = stride_w;
  op.dil_h = dil_h;
  op.dil_w = dil_w;
  op.pad_t = pt;
  op.pad_b = pb;
  op.pad_l = pl;
  op.pad_r = pr;
  op.groups = groups;
  op.depth_multiplier = mult;
  const size_t nm = wt.scales.size() == 1 ? 1 : static_cast<size_t>(oc);
  for (size_t i = 0; i < nm; ++i) {
    int32_t q, s;
    const double real = tfl_arith::ConvMultiplier(Scale(x), wt.scales[i], Scale(y));
    if (!tfl_arith::QuantizeMultiplier(real, &q, &s) || q < 0)
      Invalid(c, "invalid filter scale ", wt.scales[i]);
    if (s > 30) Unsupported(c, Cat("requantization multiplier ", real, " too large"));
    op.multiplier.push_back(q);
    op.shift.push_back(s);
  }
  SetActivation(c, act, y, &op);
  Emit(c, std::move(op),
       Cat(ShapeStr(is), " -> ", ShapeStr({n, oh, ow, oc}), " ", kh, "x", kw, "/", stride_h,
           padding == 0 ? " SAME" : " VALID",
           dil_h > 1 || dil_w > 1 ? Cat(" dil ", dil_h, "x", dil_w) : "",
           groups > 1 ? Cat(" groups ", groups) : "", depthwise && mult > 1 ? Cat(" x", mult) : "",
           nm > 1 ? " per-channel" : " per-tensor", ActName(act)));
}

void Importer::FullyConnected(const OpCtx& c) {
  Arity(c, 2, 3);
  const int x = In(c, 0), w = In(c, 1), bias = In(c, 2), y = c.out[0];
  if (x < 0 || w < 0) Invalid(c, "input or weights missing");
  RequireInt8(c, x, "input");
  RequireInt8(c, y, "output");
  const TensorInfo& wt = T(w);
  if (wt.type != TensorType::INT8)
    Unsupported(c, Cat("weights ", TName(w), " are ", TypeName(wt.type)));
  if (!wt.is_const()) Unsupported(c, Cat("weights ", TName(w), " are not a constant"));
  if (wt.sparse) Unsupported(c, Cat("weights ", TName(w), " are sparse"));
  if (wt.shape.size() != 2)
    Invalid(c, "weights ", TName(w), " have shape ", ShapeStr(wt.shape), ", expected [OUT, IN]");
  const std::vector<int> ws = QShape(c, w), is = QShape(c, x);
  const int out_f = ws[0], in_f = ws[1];
  int32_t act = 0;
  bool keep = false;
  if (const auto* o = c.op->builtin_options_as_FullyConnectedOptions()) {
    act = static_cast<int32_t>(o->fused_activation_function());
    keep = o->keep_num_dims();
    if (o->weights_format() != tfl::FullyConnectedOptionsWeightsFormat::DEFAULT) {
      Unsupported(c, "shuffled weights format");
    }
  }
  const int64_t numel = Numel(is);
  if (numel % in_f != 0)
    Invalid(c, "input ", TName(x), " ", ShapeStr(is), " is not a whole number of ", in_f,
            "-wide rows");
  std::vector<int> expected;
  if (keep) {
    if (is.back() != in_f)
      Invalid(c, "keep_num_dims with input last dim ", is.back(), " != weights IN ", in_f);
    expected = is;
    expected.back() = out_f;
  } else {
    expected = {static_cast<int>(numel / in_f), out_f};
  }
  if (wt.scales.empty() || wt.zero_points.empty())
    Invalid(c, "weights ", TName(w), " have no quantization parameters");
  const bool per_channel = wt.scales.size() > 1;
  if (per_channel) {
    if (static_cast<int>(wt.scales.size()) != out_f || wt.quantized_dimension != 0) {
      Invalid(c, "weights ", TName(w), " have ", wt.scales.size(), " scales along dimension ",
              wt.quantized_dimension, "; expected 1 or ", out_f, " along dimension 0");
    }
    for (int64_t z : wt.zero_points)
      if (z != 0) Unsupported(c, "per-channel weights with a nonzero zero point");
  } else if (wt.zero_points[0] < -128 || wt.zero_points[0] > 127) {
    Invalid(c, "weights zero point ", wt.zero_points[0]);
  }
  const int xq = Read(c, x, "input");
  const int wq = Read(c, w, "weights");
  int bq = -1;
  if (bias >= 0) {
    const TensorInfo& bt = T(bias);
    if (bt.type != TensorType::INT32)
      Unsupported(c, Cat("bias ", TName(bias), " is ", TypeName(bt.type)));
    if (!bt.is_const()) Unsupported(c, Cat("bias ", TName(bias), " is not a constant"));
    if (Numel(QShape(c, bias)) != out_f || bt.shape.size() > 1) {
      Invalid(c, "bias ", TName(bias), " has shape ", ShapeStr(bt.shape), ", expected [", out_f,
              "]");
    }
    // TFLite's per-tensor Prepare refuses a bias scale far from input_scale * weights_scale.
    if (!per_channel && bt.scales.size() == 1) {
      const double product = static_cast<double>(Scale(x)) * static_cast<double>(wt.scales[0]);
      if (std::fabs(product - static_cast<double>(bt.scales[0])) / static_cast<double>(Scale(y)) >
          0.02) {
        Invalid(c, "bias scale ", bt.scales[0],
                " differs from input_scale * weights_scale = ", product);
      }
    }
    bq = Read(c, bias, "bias");
    m_.tensors[static_cast<size_t>(bq)].shape = {out_f};
  }
  RequireInt8(c, y, "output");
  const int yq = Write(c, y, expected);
  QOp op;
  op.kind = LKind::kFullyConnected;
  op.name = T(y).name;
  op.inputs = {xq, wq, bq};
  op.outputs = {yq};
  for (size_t i = 0; i < wt.scales.size(); ++i) {
    const double real = per_channel
                            ? tfl_arith::ConvMultiplier(Scale(x), wt.scales[i], Scale(y))
                            : tfl_arith::FullyConnectedMultiplier(Scale(x), wt.scales[0], Scale(y));
    int32_t q, s;
    if (!tfl_arith::QuantizeMultiplier(real, &q, &s) || q < 0)
      Invalid(c, "invalid weights scale ", wt.scales[i]);
    if (s > 30) Unsupported(c, Cat("requantization multiplier ", real, " too large"));
    op.multiplier.push_back(q);
    op.shift.push_back(s);
  }
  SetActivation(c, act, y, &op);
  Emit(c, std::move(op),
       Cat(ShapeStr(is), " -> ", ShapeStr(expected), " ", in_f, "->", out_f,
           per_channel ? " per-channel" : " per-tensor",
           (!per_channel && wt.zero_points[0] != 0) ? Cat(" weights zp ", wt.zero_points[0]) : "",
           ActName(act)));
}

void Importer::AddSub(const OpCtx& c, bool subtract) {
  Arity(c, 2, 2);
  const int a = In(c, 0), b = In(c, 1), y = c.out[0];
  if (a < 0 || b < 0) Invalid(c, "an input is missing");
  RequireInt8(c, a, "input 0");
  RequireInt8(c, b, "input 1");
  RequireInt8(c, y, "output");
  const std::vector<int> shape = Broadcast(c, a, b);
  int32_t act = 0;
  if (subtract) {
    if (const auto* o = c.op->builtin_options_as_SubOptions())
      act = static_cast<int32_t>(o->fused_activation_function());
  } else {
    if (const auto* o = c.op->builtin_options_as_AddOptions())
      act = static_cast<int32_t>(o->fused_activation_function());
  }
  tfl_arith::AddRescale r;
  std::string why;
  if (!tfl_arith::AddParams(Scale(a), Scale(b), Scale(y), &r, &why)) Unsupported(c, why);
  const int aq = Read(c, a, "input 0"), bq = Read(c, b, "input 1");
  const int yq = Write(c, y, shape);
  QOp op;
  op.kind = LKind::kAdd;
  op.name = T(y).name;
  op.inputs = {aq, bq};
  op.outputs = {yq};
  op.subtract = subtract;
  op.left_shift = r.left_shift;
  op.input1_multiplier = r.input1_multiplier;
  op.input1_shift = r.input1_shift;
  op.input2_multiplier = r.input2_multiplier;
  op.input2_shift = r.input2_shift;
  op.output_multiplier = r.output_multiplier;
  op.output_shift = r.output_shift;
  SetActivation(c, act, y, &op);
  Emit(c, std::move(op),
       Cat(ShapeStr(QShape(c, a)), (subtract ? " - " : " + "), ShapeStr(QShape(c, b)), " -> ",
           ShapeStr(shape), ActName(act)));
}

void Importer::Mul(const OpCtx& c) {
  Arity(c, 2, 2);
  const int a = In(c, 0), b = In(c, 1), y = c.out[0];
  if (a < 0 || b < 0) Invalid(c, "an input is missing");
  RequireInt8(c, a, "input 0");
  RequireInt8(c, b, "input 1");
  RequireInt8(c, y, "output");
  const std::vector<int> shape = Broadcast(c, a, b);
  int32_t act = 0;
  if (const auto* o = c.op->builtin_options_as_MulOptions())
    act = static_cast<int32_t>(o->fused_activation_function());
  const double micro =
      static_cast<double>(Scale(a)) * static_cast<double>(Scale(b)) / static_cast<double>(Scale(y));
  const float lite_f = Scale(a) * Scale(b) / Scale(y);
  const double lite = static_cast<double>(lite_f);
  int32_t q, s, q2, s2;
  if (!tfl_arith::QuantizeMultiplier(options_.lite_float_multipliers ? lite : micro, &q, &s) ||
      !tfl_arith::QuantizeMultiplier(options_.lite_float_multipliers ? micro : lite, &q2, &s2)) {
    Invalid(c, "invalid scales");
  }
  if (q != q2 || s != s2) {
    Note(Cat("op ", c.index,
             " (MUL): TFLite (float product) and TFLite Micro (double product) derive different "
             "multipliers (",
             options_.lite_float_multipliers ? "lite" : "micro",
             " used); results may differ by 1 "
             "where a product lands on a rounding boundary"));
  }
  // (x1 - z1) * (x2 - z2) is at most 255 * 255: the left shift must keep it inside int32.
  if (s > 15) Unsupported(c, "requantization multiplier too large");
  const int aq = Read(c, a, "input 0"), bq = Read(c, b, "input 1");
  const int yq = Write(c, y, shape);
  QOp op;
  op.kind = LKind::kMul;
  op.name = T(y).name;
  op.inputs = {aq, bq};
  op.outputs = {yq};
  op.output_multiplier = q;
  op.output_shift = s;
  SetActivation(c, act, y, &op);
  Emit(c, std::move(op),
       Cat(ShapeStr(QShape(c, a)), " * ", ShapeStr(QShape(c, b)), " -> ", ShapeStr(shape),
           ActName(act)));
}

void Importer::Pool(const OpCtx& c, bool max) {
  Arity(c, 1, 1);
  const int x = In(c, 0), y = c.out[0];
  if (x < 0) Invalid(c, "input missing");
  RequireInt8(c, x, "input");
  RequireInt8(c, y, "output");
  const auto* o = c.op->builtin_options_as_Pool2DOptions();
  if (!o) Invalid(c, "Pool2DOptions missing");
  if (T(x).shape.size() != 4)
    Invalid(c, "input ", TName(x), " has shape ", ShapeStr(T(x).shape), ", expected rank 4");
  const std::vector<int> is = QShape(c, x);
  const int32_t padding = static_cast<int32_t>(o->padding());
  if (padding != 0 && padding != 1) Invalid(c, "unknown padding ", padding);
  const int32_t fh = o->filter_height(), fw = o->filter_width(), sh = o->stride_h(),
                sw = o->stride_w();
  if (fh < 1 || fw < 1 || sh < 1 || sw < 1)
    Invalid(c, "filter ", fh, "x", fw, " stride ", sh, "x", sw);
  int32_t oh, ow, pt, pb, pl, pr;
  if (!tfl_arith::ComputePadding(padding == 0, is[1], fh, sh, 1, &oh, &pt, &pb) ||
      !tfl_arith::ComputePadding(padding == 0, is[2], fw, sw, 1, &ow, &pl, &pr)) {
    Invalid(c, "filter ", fh, "x", fw, " does not fit input ", ShapeStr(is));
  }
  if (Zp(x) != Zp(y)) Unsupported(c, "input and output zero points differ");
  if (std::fabs(Scale(x) - Scale(y)) > 1e-6f) {
    Note(Cat("op ", c.index, " (", c.name,
             "): input and output scales differ; TFLite's int8 pooling ignores "
             "the difference, and so does qinfer"));
  }
  const int xq = Read(c, x, "input");
  const int yq = Write(c, y, {is[0], oh, ow, is[3]});
  QOp op;
  op.kind = max ? LKind::kMaxPool : LKind::kAvgPool;
  op.name = T(y).name;
  op.inputs = {xq};
  op.outputs = {yq};
  op.kh = fh;
  op.kw = fw;
  op.stride_h = sh;
  op.stride_w = sw;
  op.pad_t = pt;
  op.pad_b = pb;
  op.pad_l = pl;
  op.pad_r = pr;
  SetActivation(c, static_cast<int32_t>(o->fused_activation_function()), y, &op);
  Emit(c, std::move(op),
       Cat(ShapeStr(is), " -> ", ShapeStr({is[0], oh, ow, is[3]}), " ", fh, "x", fw, "/", sh,
           padding == 0 ? " SAME" : " VALID",
           ActName(static_cast<int32_t>(o->fused_activation_function()))));
}

void Importer::Mean(const OpCtx& c) {
  Arity(c, 2, 2);
  const int x = In(c, 0), ax = In(c, 1), y = c.out[0];
  if (x < 0) Invalid(c, "input missing");
  RequireInt8(c, x, "input");
  RequireInt8(c, y, "output");
  const std::vector<int32_t> raw_axes = ConstInts(c, ax, "axis");
  bool keep = false;
  if (const auto* o = c.op->builtin_options_as_ReducerOptions()) keep = o->keep_dims();
  const std::vector<int> is = QShape(c, x);
  const int rank = static_cast<int>(T(x).shape.size());
  if (rank == 0) Unsupported(c, "mean of a scalar");
  std::set<int> axes;
  for (int32_t a : raw_axes) {
    const int32_t n = a < 0 ? a + rank : a;
    if (n < 0 || n >= rank) Invalid(c, "axis ", a, " out of range for rank ", rank);
    axes.insert(n);
  }
  if (axes.empty()) Unsupported(c, "empty axis list");
  std::vector<int> expected;
  for (int d = 0; d < rank; ++d) {
    if (axes.count(d)) {
      if (keep) expected.push_back(1);
    } else {
      expected.push_back(is[static_cast<size_t>(d)]);
    }
  }
  if (expected.empty()) expected.push_back(1);
  const int first = *axes.begin(), last = *axes.rbegin();
  if (last - first + 1 != static_cast<int>(axes.size()))
    Unsupported(c, "mean over non-adjacent axes");
  int64_t outer = 1, count = 1, inner = 1;
  for (int d = 0; d < rank; ++d) {
    const int64_t v = is[static_cast<size_t>(d)];
    if (d < first)
      outer *= v;
    else if (d <= last)
      count *= v;
    else
      inner *= v;
  }
  if (count * 255 > std::numeric_limits<int32_t>::max())
    Unsupported(c, "too many elements per mean");
  const int32_t zi = Zp(x), zo = Zp(y);
  const float si = Scale(x), so = Scale(y);
  int32_t m = 0, s = 0;
  kernels::MeanRounding rounding = kernels::MeanRounding::kFolded;
  std::string why, how;
  const bool special =
      !options_.micro_mean && keep && rank == 4 && raw_axes.size() == 2 &&
      ((raw_axes[0] == 1 && raw_axes[1] == 2) || (raw_axes[0] == 2 && raw_axes[1] == 1));
  if (special) {
    // TFLite's reference kernel for this case, reference_integer_ops::Mean, rounds twice:
    // MBQM(sum, QM(in / out)) and then a division by H*W rounded half away from zero.
    int32_t m0, s0;
    if (!tfl_arith::QuantizeMultiplier(static_cast<double>(si) / static_cast<double>(so), &m0,
                                       &s0)) {
      Invalid(c, "invalid scales");
    }
    const int64_t lo = count * (-128 - zi), hi = count * (127 - zi);
    for (int64_t a : {lo, hi}) {
      int32_t tmp;
      if (!tfl_arith::ReferenceIntegerMean(static_cast<int32_t>(a), m0, s0, count, zo, &tmp)) {
        Unsupported(c, "TFLite's mean rescaling overflows for these scales");
      }
    }
    m = m0;
    s = s0;
    rounding = kernels::MeanRounding::kDivideHalfAway;
    how = "reference_integer_ops::Mean: rescale, then divide by the count rounding half away";
  } else if (zi == zo && si == so) {
    // Same quantization in and out: TFLite's reference_ops::Mean truncates sum / count.
    m = int32_t{1} << 30;  // unused by the truncating mode; any valid multiplier
    s = 1;
    rounding = kernels::MeanRounding::kDivideTruncate;
    how = "reference_ops::Mean: the raw sum divided by the count, truncated";
  } else {
    if (!tfl_arith::MeanOrSumFoldedParams(si, so, count, &m, &s, &why)) Unsupported(c, why);
    how = "QuantizedMeanOrSum (1/count folded into the multiplier)";
  }
  int xq = Read(c, x, "input");
  const int in_parts = rank == 4 && first == 1 && last == 2 ? 0 : 1;  // needs a 4-D view
  std::string kinds;
  const std::vector<int> view = {static_cast<int>(outer), static_cast<int>(count), 1,
                                 static_cast<int>(inner)};
  if (in_parts) {
    const int v = NewActivation(Cat(T(x).name, "/mean_view"), view, xq);
    QOp r;
    r.kind = LKind::kReshape;
    r.name = m_.tensors[static_cast<size_t>(v)].name;
    r.inputs = {xq};
    r.outputs = {v};
    Emit(c, std::move(r), "");
    xq = v;
  }
  // qinfer's MEAN wants an output whose last dim is C; otherwise write [outer, inner] and view.
  const int yq = Write(c, y, expected);
  int mean_out = yq;
  const bool out_view = expected.back() != static_cast<int>(inner);
  if (out_view)
    mean_out = NewActivation(Cat(T(y).name, "/mean_out"),
                             {static_cast<int>(outer), static_cast<int>(inner)}, yq);
  QOp op;
  op.kind = LKind::kMean;
  op.name = T(y).name;
  op.inputs = {xq};
  op.outputs = {mean_out};
  op.multiplier = {m};
  op.shift = {s};
  op.mean_rounding = rounding;
  Emit(c, std::move(op),
       Cat(ShapeStr(is), " -> ", ShapeStr(expected), " over ", count, " elements: ", how));
  if (out_view) {
    QOp r;
    r.kind = LKind::kReshape;
    r.name = T(y).name;
    r.inputs = {mean_out};
    r.outputs = {yq};
    Emit(c, std::move(r), "");
  }
}

void Importer::Softmax(const OpCtx& c) {
  Arity(c, 1, 1);
  const int x = In(c, 0), y = c.out[0];
  if (x < 0) Invalid(c, "input missing");
  RequireInt8(c, x, "input");
  RequireInt8(c, y, "output");
  const auto* o = c.op->builtin_options_as_SoftmaxOptions();
  if (!o) Invalid(c, "SoftmaxOptions missing");
  if (Zp(y) != -128 || std::fabs(Scale(y) - 1.0f / 256) > 0.001f / 256) {
    Unsupported(c, Cat("output quantization ", Scale(y), ", ", Zp(y),
                       " (int8 softmax output is 1/256, -128)"));
  }
  const std::vector<int> is = QShape(c, x);
  if (is.back() > kMaxSoftmaxDepth)
    Unsupported(c, Cat("softmax over ", is.back(), " classes (at most 4095)"));
  int32_t mult, shift, diff_min;
  std::string why;
  if (!tfl_arith::SoftmaxParams(o->beta(), Scale(x), &mult, &shift, &diff_min, &why))
    Unsupported(c, why);
  const int xq = Read(c, x, "input");
  const int yq = Write(c, y, is);
  QOp op;
  op.kind = LKind::kSoftmax;
  op.name = T(y).name;
  op.inputs = {xq};
  op.outputs = {yq};
  op.softmax_multiplier = mult;
  op.softmax_left_shift = shift;
  op.diff_min = diff_min;
  Emit(c, std::move(op), Cat(ShapeStr(is), " beta ", o->beta()));
}

void Importer::Elementwise(const OpCtx& c) {
  Arity(c, 1, 1);
  const int x = In(c, 0), y = c.out[0];
  if (x < 0) Invalid(c, "input missing");
  RequireInt8(c, x, "input");
  RequireInt8(c, y, "output");
  const float si = Scale(x), so = Scale(y);
  const int32_t zi = Zp(x), zo = Zp(y);
  std::vector<int8_t> table(256);
  std::string why, detail;
  bool ok = false;
  const auto code = static_cast<BuiltinOperator>(c.code);
  switch (code) {
    case BuiltinOperator::LOGISTIC:
      if (zo != -128 || std::fabs(so - 1.0f / 256) > 1e-6f / 256) {
        Invalid(c, "output quantization ", so, ", ", zo,
                "; TFLite's int8 logistic produces scale 1/256, zero point -128");
      }
      ok = tfl_arith::LogisticTable(si, zi, table.data(), &why);
      detail = "reference_integer_ops::Logistic table";
      break;
    case BuiltinOperator::TANH:
      if (zo != 0 || std::fabs(so - 1.0f / 128) > 1e-6f / 128) {
        Invalid(c, "output quantization ", so, ", ", zo,
                "; TFLite's int8 tanh produces scale 1/128, zero point 0");
      }
      ok = tfl_arith::TanhTable(si, zi, table.data(), &why);
      detail = "reference_integer_ops::Tanh table";
      break;
    case BuiltinOperator::HARD_SWISH:
      ok = tfl_arith::HardSwishTable(si, zi, so, zo, table.data(), &why);
      detail = "reference_ops::HardSwish table";
      break;
    case BuiltinOperator::LEAKY_RELU: {
      float alpha = 0;
      if (const auto* o = c.op->builtin_options_as_LeakyReluOptions()) alpha = o->alpha();
      ok = tfl_arith::LeakyReluTable(si, zi, so, zo, alpha, table.data(), &why);
      detail = Cat("QuantizeLeakyRelu table, alpha ", alpha);
      break;
    }
    default: {
      // RELU, RELU6, RELU_N1_TO_1: requantize and clamp.
      const float lo = code == BuiltinOperator::RELU_N1_TO_1 ? -1.0f : 0.0f;
      const float hi = code == BuiltinOperator::RELU6 ? 6.0f
                       : code == BuiltinOperator::RELU_N1_TO_1
                           ? 1.0f
                           : std::numeric_limits<float>::infinity();
      const bool lite = options_.lite_float_multipliers;
      ok = tfl_arith::ReluTable(si, zi, so, zo, lo, hi, lite, table.data(), &why);
      std::vector<int8_t> other(256);
      std::string why2;
      if (ok && tfl_arith::ReluTable(si, zi, so, zo, lo, hi, !lite, other.data(), &why2) &&
          other != table) {
        Note(Cat("op ", c.index, " (", c.name,
                 "): TFLite (float) and TFLite Micro (double) rescaling differ on ",
                 "some inputs (", lite ? "lite" : "micro", " used)"));
      }
      if (code == BuiltinOperator::RELU6 && (si != so || zi != zo)) {
        Note(Cat("op ", c.index,
                 " (RELU6): input and output quantization differ; this follows TFLite's ReluX "
                 "(requantize, then clamp), TFLite Micro's RELU6 clamps without requantizing"));
      }
      detail = "requantize + clamp table";
      break;
    }
  }
  if (!ok) Unsupported(c, why);
  const std::vector<int> is = QShape(c, x);
  const int xq = Read(c, x, "input");
  const int yq = Write(c, y, is);
  QOp op;
  op.kind = LKind::kLut;
  op.name = T(y).name;
  op.inputs = {xq};
  op.outputs = {yq};
  op.table = table;
  Emit(c, std::move(op), Cat(ShapeStr(is), " ", detail));
}

void Importer::Quantize(const OpCtx& c) {
  Arity(c, 1, 1);
  const int x = In(c, 0), y = c.out[0];
  if (x < 0) Invalid(c, "input missing");
  if (T(x).type != TensorType::INT8) Unsupported(c);
  RequireInt8(c, x, "input");
  if (T(y).type != TensorType::INT8)
    Unsupported(c, Cat("output ", TName(y), " is ", TypeName(T(y).type)));
  RequireInt8(c, y, "output");
  const std::vector<int> is = QShape(c, x);
  const int xq = Read(c, x, "input");
  const int yq = Write(c, y, is);
  QOp op;
  op.name = T(y).name;
  op.inputs = {xq};
  op.outputs = {yq};
  if (Scale(x) == Scale(y) && Zp(x) == Zp(y)) {
    op.kind = LKind::kReshape;  // identity: a view
    Emit(c, std::move(op), Cat(ShapeStr(is), " same quantization"));
    return;
  }
  int32_t q, s;
  tfl_arith::QuantizeMultiplier(static_cast<double>(Scale(x)) / static_cast<double>(Scale(y)), &q,
                                &s);
  std::vector<int8_t> table(256);
  std::string why;
  if (!tfl_arith::RequantizeTable(Scale(x), Zp(x), Scale(y), Zp(y), table.data(), &why))
    Unsupported(c, why);
  if (s >= -31 && s <= 30) {
    op.kind = LKind::kRequantize;
    op.multiplier = {q};
    op.shift = {s};
    Emit(c, std::move(op), Cat(ShapeStr(is), " requantize"));
  } else {
    op.kind = LKind::kLut;
    op.table = table;
    Emit(c, std::move(op), Cat(ShapeStr(is), " requantize table"));
  }
}

void Importer::Concatenation(const OpCtx& c) {
  if (c.in.empty()) Invalid(c, "no inputs");
  Arity(c, 1, c.in.size());
  const int y = c.out[0];
  RequireInt8(c, y, "output");
  int32_t axis = 0, act = 0;
  if (const auto* o = c.op->builtin_options_as_ConcatenationOptions()) {
    axis = o->axis();
    act = static_cast<int32_t>(o->fused_activation_function());
  }
  if (act != 0) Unsupported(c, "fused activation on CONCATENATION");
  if (c.in.size() > static_cast<size_t>(kMaxConcatInputs))
    Unsupported(c, Cat(c.in.size(), " inputs (at most 16)"));
  const int x0 = In(c, 0);
  if (x0 < 0) Invalid(c, "input 0 missing");
  const int rank = static_cast<int>(QShape(c, x0).size());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) Invalid(c, "axis ", axis, " out of range for rank ", rank);
  std::vector<int> expected = QShape(c, x0);
  expected[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < c.in.size(); ++i) {
    const int x = c.in[i];
    if (x < 0) Invalid(c, "input ", i, " missing");
    RequireInt8(c, x, "input");
    const std::vector<int> s = QShape(c, x);
    if (static_cast<int>(s.size()) != rank)
      Invalid(c, "input ", i, " has rank ", s.size(), ", input 0 has ", rank);
    for (int d = 0; d < rank; ++d) {
      if (d != axis && s[static_cast<size_t>(d)] != expected[static_cast<size_t>(d)]) {
        Invalid(c, "input ", i, " shape ", ShapeStr(s), " differs from input 0 outside axis ",
                axis);
      }
    }
    expected[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
  }
  QOp op;
  op.kind = LKind::kConcat;
  op.name = T(y).name;
  op.axis = axis;
  bool requant = false;
  for (size_t i = 0; i < c.in.size(); ++i) {
    const int x = c.in[i];
    if (Scale(x) == Scale(y) && Zp(x) == Zp(y)) {
      op.multiplier.push_back(0);
      op.shift.push_back(0);
    } else {
      int32_t q, s;
      tfl_arith::QuantizeMultiplier(static_cast<double>(Scale(x)) / static_cast<double>(Scale(y)),
                                    &q, &s);
      if (q <= 0 || s > 23)
        Unsupported(c, Cat("input ", i, " rescaling ", Scale(x) / Scale(y), " out of range"));
      op.multiplier.push_back(q);
      op.shift.push_back(s);
      requant = true;
    }
    op.inputs.push_back(Read(c, x, "input"));
  }
  if (requant) {
    Note(Cat("op ", c.index,
             " (CONCATENATION): inputs with a different scale or zero point than the output are "
             "requantized as an int8 QUANTIZE would (TFLite's int8 kernel requires equal "
             "quantization)"));
  }
  op.outputs = {Write(c, y, expected)};
  Emit(c, std::move(op),
       Cat(c.in.size(), " inputs -> ", ShapeStr(expected), " axis ", axis,
           requant ? " requantized" : ""));
}

void Importer::Pad(const OpCtx& c, bool v2) {
  Arity(c, 2, v2 ? 3 : 2);
  const int x = In(c, 0), p = In(c, 1), y = c.out[0];
  if (x < 0) Invalid(c, "input missing");
  RequireInt8(c, x, "input");
  RequireInt8(c, y, "output");
  const std::vector<int> is = QShape(c, x);
  const int rank = static_cast<int>(T(x).shape.size());
  const std::vector<int32_t> pads = ConstInts(c, p, "paddings");
  if (static_cast<int>(pads.size()) != 2 * std::max(rank, 1)) {
    Invalid(c, "paddings hold ", pads.size(), " values, expected ", 2 * rank);
  }
  const int cv = In(c, 2);
  if (v2 && cv >= 0) {
    const TensorInfo& ct = T(cv);
    if (ct.type != TensorType::INT8)
      Unsupported(c, Cat("constant value of type ", TypeName(ct.type)));
    if (!ct.is_const()) Unsupported(c, "non-constant pad value");
    CheckConstSize(c, cv, "constant value");
    if (ct.numel() != 1) Invalid(c, "constant value has ", ct.numel(), " elements");
    const int8_t v = static_cast<int8_t>(ct.data[0]);
    if (v != Zp(y))
      Unsupported(
          c, Cat("pad value ", static_cast<int>(v), " differs from the output zero point ", Zp(y)));
  }
  if (Zp(x) != Zp(y)) Unsupported(c, "input and output zero points differ");
  std::vector<int> expected = is;
  for (size_t d = 0; d < is.size(); ++d) {
    if (pads[2 * d] < 0 || pads[2 * d + 1] < 0) Invalid(c, "negative padding");
    const int64_t v = static_cast<int64_t>(is[d]) + pads[2 * d] + pads[2 * d + 1];
    if (v > (int64_t{1} << 30)) Invalid(c, "padded dim too large");
    expected[d] = static_cast<int>(v);
  }
  const int xq = Read(c, x, "input");
  const int yq = Write(c, y, expected);
  QOp op;
  op.kind = LKind::kPad;
  op.name = T(y).name;
  op.inputs = {xq};
  op.outputs = {yq};
  op.pads.assign(pads.begin(), pads.end());
  Emit(c, std::move(op), Cat(ShapeStr(is), " -> ", ShapeStr(expected)));
}

void Importer::Transpose(const OpCtx& c) {
  Arity(c, 2, 2);
  const int x = In(c, 0), p = In(c, 1), y = c.out[0];
  if (x < 0) Invalid(c, "input missing");
  RequireInt8(c, x, "input");
  RequireInt8(c, y, "output");
  const std::vector<int> is = QShape(c, x);
  const std::vector<int32_t> perm = ConstInts(c, p, "permutation");
  if (perm.size() != is.size())
    Invalid(c, "permutation has ", perm.size(), " entries for rank ", is.size());
  std::vector<int> expected(is.size());
  std::vector<bool> seen(is.size(), false);
  for (size_t d = 0; d < perm.size(); ++d) {
    const int32_t v = perm[d];
    if (v < 0 || v >= static_cast<int32_t>(is.size()) || seen[static_cast<size_t>(v)])
      Invalid(c, "not a permutation");
    seen[static_cast<size_t>(v)] = true;
    expected[d] = is[static_cast<size_t>(v)];
  }
  if (Zp(x) != Zp(y)) Unsupported(c, "input and output zero points differ");
  const int xq = Read(c, x, "input");
  const int yq = Write(c, y, expected);
  QOp op;
  op.kind = LKind::kTranspose;
  op.name = T(y).name;
  op.inputs = {xq};
  op.outputs = {yq};
  op.perm.assign(perm.begin(), perm.end());
  Emit(c, std::move(op), Cat(ShapeStr(is), " -> ", ShapeStr(expected)));
}

void Importer::View(const OpCtx& c) {
  const auto code = static_cast<BuiltinOperator>(c.code);
  Arity(c, 1, 2);
  const int x = In(c, 0), y = c.out[0];
  if (x < 0) Invalid(c, "input missing");
  const std::vector<int> is = QShape(c, x);
  const int64_t numel = Numel(is);
  std::vector<int> expected;
  bool known = true;
  if (code == BuiltinOperator::RESHAPE) {
    std::vector<int32_t> ns;
    const int st = In(c, 1);
    bool have = false;
    if (st >= 0) {
      if (T(st).is_const()) {
        ns = ConstInts(c, st, "shape");
        have = true;
      } else {
        known = false;  // a computed shape: the declared output shape is checked by element count
      }
    } else if (const auto* o = c.op->builtin_options_as_ReshapeOptions()) {
      if (o->new_shape()) {
        ns.assign(o->new_shape()->begin(), o->new_shape()->end());
        have = true;
      }
    }
    if (!have) known = false;
    if (known) {
      int infer = -1;
      int64_t prod = 1;
      for (size_t i = 0; i < ns.size(); ++i) {
        if (ns[i] == -1) {
          if (infer >= 0) Invalid(c, "new shape has two -1 dims");
          infer = static_cast<int>(i);
        } else if (ns[i] < 1) {
          Invalid(c, "new shape dim ", ns[i]);
        } else {
          prod *= ns[i];
          if (prod > kMaxElements) Invalid(c, "new shape too large");
        }
      }
      if (infer >= 0) {
        if (numel % prod != 0)
          Invalid(c, "cannot infer the -1 dim of the new shape for ", numel, " elements");
        ns[static_cast<size_t>(infer)] = static_cast<int32_t>(numel / prod);
      }
      expected.assign(ns.begin(), ns.end());
      if (expected.empty()) expected.push_back(1);
    }
  } else if (code == BuiltinOperator::SQUEEZE) {
    std::set<int> dims;
    const int rank = static_cast<int>(T(x).shape.size());
    if (const auto* o = c.op->builtin_options_as_SqueezeOptions()) {
      if (o->squeeze_dims()) {
        for (int32_t d : *o->squeeze_dims()) {
          const int n = d < 0 ? d + rank : d;
          if (n < 0 || n >= rank) Invalid(c, "squeeze dim ", d, " out of range for rank ", rank);
          if (is[static_cast<size_t>(n)] != 1)
            Invalid(c, "squeeze dim ", d, " has size ", is[static_cast<size_t>(n)]);
          dims.insert(n);
        }
      }
    }
    for (int d = 0; d < rank; ++d) {
      const bool drop = dims.empty() ? is[static_cast<size_t>(d)] == 1 : dims.count(d) > 0;
      if (!drop) expected.push_back(is[static_cast<size_t>(d)]);
    }
    if (expected.empty()) expected.push_back(1);
  } else {  // EXPAND_DIMS
    const std::vector<int32_t> a = ConstInts(c, In(c, 1), "axis");
    if (a.size() != 1) Invalid(c, "axis holds ", a.size(), " values");
    const int rank = static_cast<int>(T(x).shape.size());
    int axis = a[0] < 0 ? a[0] + rank + 1 : a[0];
    if (axis < 0 || axis > rank) Invalid(c, "axis ", a[0], " out of range");
    expected.assign(T(x).shape.begin(), T(x).shape.end());
    expected.insert(expected.begin() + axis, 1);
  }
  const TensorInfo& ti = T(x);
  if (ti.type != TensorType::INT8) Unsupported(c);
  RequireInt8(c, y, "output");
  if (!known) {
    expected = QShape(c, y);
    if (Numel(expected) != numel) {
      Invalid(c, "output ", TName(y), " ", ShapeStr(T(y).shape), " holds ", Numel(expected),
              " elements, input ", numel);
    }
  } else if (Numel(expected) != numel) {
    Invalid(c, "new shape ", ShapeStr(expected), " holds ", Numel(expected), " elements, input ",
            numel);
  }
  if (expected.size() > static_cast<size_t>(kMaxRank))
    Unsupported(c, Cat("output rank ", expected.size()));
  if (ti.is_const()) {
    // A view of a constant is a constant with the new shape.
    if (ti.scales.size() != 1 || ti.zero_points.size() != 1)
      Unsupported(c, "per-channel constant input");
    const int xq = Read(c, x, "input");
    if (written_[static_cast<size_t>(y)]) Invalid(c, "writes tensor ", TName(y), " twice");
    if (QShape(c, y) != expected) {
      Invalid(c, "declared output shape ", ShapeStr(T(y).shape), " differs from ",
              ShapeStr(expected));
    }
    QTensor q = m_.tensors[static_cast<size_t>(xq)];
    q.name = T(y).name;
    q.shape = expected;
    q.zero_point = Zp(y);
    q.scales = T(y).scales;
    m_.tensors.push_back(std::move(q));
    qmap_[static_cast<size_t>(y)] = static_cast<int>(m_.tensors.size()) - 1;
    written_[static_cast<size_t>(y)] = true;
    infos_[static_cast<size_t>(c.index)].detail = "constant folded";
    return;
  }
  RequireInt8(c, x, "input");
  if (Zp(x) != Zp(y)) Unsupported(c, "input and output zero points differ");
  if (Scale(x) != Scale(y)) {
    Note(Cat("op ", c.index, " (", c.name,
             "): input and output scales differ; the bytes are passed through, as "
             "TFLite does"));
  }
  const int xq = Read(c, x, "input");
  const int yq = Write(c, y, expected);
  QOp op;
  op.kind = LKind::kReshape;
  op.name = T(y).name;
  op.inputs = {xq};
  op.outputs = {yq};
  Emit(c, std::move(op), Cat(ShapeStr(is), " -> ", ShapeStr(expected)));
}

void Importer::Convert(OpCtx& c) {
  const auto code = static_cast<BuiltinOperator>(c.code);
  // The data type gate: every supported operator takes int8 activations.
  const int x0 = In(c, 0);
  switch (code) {
    case BuiltinOperator::CONV_2D:
    case BuiltinOperator::DEPTHWISE_CONV_2D:
    case BuiltinOperator::FULLY_CONNECTED:
    case BuiltinOperator::ADD:
    case BuiltinOperator::SUB:
    case BuiltinOperator::MUL:
    case BuiltinOperator::AVERAGE_POOL_2D:
    case BuiltinOperator::MAX_POOL_2D:
    case BuiltinOperator::MEAN:
    case BuiltinOperator::SOFTMAX:
    case BuiltinOperator::LOGISTIC:
    case BuiltinOperator::TANH:
    case BuiltinOperator::HARD_SWISH:
    case BuiltinOperator::LEAKY_RELU:
    case BuiltinOperator::RELU:
    case BuiltinOperator::RELU6:
    case BuiltinOperator::RELU_N1_TO_1:
    case BuiltinOperator::QUANTIZE:
    case BuiltinOperator::CONCATENATION:
    case BuiltinOperator::PAD:
    case BuiltinOperator::PADV2:
    case BuiltinOperator::TRANSPOSE:
    case BuiltinOperator::RESHAPE:
    case BuiltinOperator::SQUEEZE:
    case BuiltinOperator::EXPAND_DIMS:
      if (x0 < 0 || T(x0).type != TensorType::INT8) Unsupported(c);
      for (int t : c.out)
        if (t >= 0 && T(t).type != TensorType::INT8)
          Unsupported(c, Cat("output type ", TypeName(T(t).type)));
      break;
    default:
      Unsupported(c);
  }
  switch (code) {
    case BuiltinOperator::CONV_2D:
      return Conv(c, false);
    case BuiltinOperator::DEPTHWISE_CONV_2D:
      return Conv(c, true);
    case BuiltinOperator::FULLY_CONNECTED:
      return FullyConnected(c);
    case BuiltinOperator::ADD:
      return AddSub(c, false);
    case BuiltinOperator::SUB:
      return AddSub(c, true);
    case BuiltinOperator::MUL:
      return Mul(c);
    case BuiltinOperator::AVERAGE_POOL_2D:
      return Pool(c, false);
    case BuiltinOperator::MAX_POOL_2D:
      return Pool(c, true);
    case BuiltinOperator::MEAN:
      return Mean(c);
    case BuiltinOperator::SOFTMAX:
      return Softmax(c);
    case BuiltinOperator::QUANTIZE:
      return Quantize(c);
    case BuiltinOperator::CONCATENATION:
      return Concatenation(c);
    case BuiltinOperator::PAD:
      return Pad(c, false);
    case BuiltinOperator::PADV2:
      return Pad(c, true);
    case BuiltinOperator::TRANSPOSE:
      return Transpose(c);
    case BuiltinOperator::RESHAPE:
    case BuiltinOperator::SQUEEZE:
    case BuiltinOperator::EXPAND_DIMS:
      return View(c);
    default:
      return Elementwise(c);
  }
}

QModel Importer::Run() {
  VerifyAndLoad();
  StripFloatIO();
  const auto* ops = graph_->operators();
  const uint32_t nops = ops ? ops->size() : 0;
  if (nops == 0) Fail("the TFLite model has no operators");
  const auto* codes = model_->operator_codes();
  const int nt = static_cast<int>(tensors_.size());
  qmap_.assign(tensors_.size(), -1);
  written_.assign(tensors_.size(), false);
  infos_.assign(nops, TfliteOpInfo());

  // Graph inputs: int8 activations. An input of another type is reported by the first op
  // that reads it (`op <i> (<OP>, <type>) is not supported`), or after the ops if none does.
  std::vector<int> other_inputs;
  for (int t : graph_inputs_) {
    if (written_[static_cast<size_t>(t)]) Fail("graph input ", TName(t), " is listed twice");
    const TensorInfo& ti = T(t);
    if (ti.is_const()) Fail("graph input ", TName(t), " is a constant");
    if (ti.type != TensorType::INT8) {
      other_inputs.push_back(t);
      continue;
    }
    if (ti.scales.size() != 1 || ti.zero_points.size() != 1 || !(ti.scales[0] > 0) ||
        ti.zero_points[0] < -128 || ti.zero_points[0] > 127) {
      Fail("graph input ", TName(t), " lacks valid per-tensor quantization");
    }
    if (!ti.shape_ok || ti.shape.size() > static_cast<size_t>(kMaxRank)) {
      Fail("graph input ", TName(t), " has unsupported shape ", ShapeStr(ti.shape));
    }
    m_.tensors.push_back(BaseTensor(t, ti.shape.empty() ? std::vector<int>{1} : ti.shape));
    qmap_[static_cast<size_t>(t)] = static_cast<int>(m_.tensors.size()) - 1;
    written_[static_cast<size_t>(t)] = true;
    m_.inputs.push_back(qmap_[static_cast<size_t>(t)]);
  }

  std::map<std::string, int> counts;
  for (uint32_t i = 0; i < nops; ++i) {
    const tfl::Operator* op = ops->Get(i);
    OpCtx c;
    c.index = static_cast<int>(i);
    c.op = op;
    if (!codes || op->opcode_index() >= codes->size()) {
      Fail("op ", i, ": opcode index ", op->opcode_index(), " out of range");
    }
    const tfl::OperatorCode* oc = codes->Get(op->opcode_index());
    c.code = std::max(static_cast<int32_t>(oc->builtin_code()),
                      static_cast<int32_t>(oc->deprecated_builtin_code()));
    c.name = OpName(c.code);
    auto indices = [&](const flatbuffers::Vector<int32_t>* v, const char* what) {
      std::vector<int> out;
      if (!v) return out;
      for (uint32_t k = 0; k < v->size(); ++k) {
        const int t = v->Get(k);
        if (t < -1 || t >= nt)
          Fail("op ", i, " (", c.name, "): ", what, " ", k, " is tensor ", t, ", out of [0, ", nt,
               ")");
        out.push_back(t);
      }
      return out;
    };
    c.in = indices(op->inputs(), "input");
    c.out = indices(op->outputs(), "output");
    TfliteOpInfo& info = infos_[i];
    info.index = c.index;
    info.op = c.name;
    info.qinfer = "-";
    ++counts[c.name];
    if (c.code == static_cast<int32_t>(BuiltinOperator::CUSTOM)) {
      const std::string cc = oc->custom_code() ? oc->custom_code()->str() : std::string();
      Unsupported(c, Cat("custom operator '", cc, "'"));
    }
    if (stripped_[i]) {
      info.detail = "float interface op, dropped";
      continue;
    }
    Convert(c);
  }

  for (int t : other_inputs) {
    Fail("graph input ", TName(t), " is ", TypeName(T(t).type), "; qinfer models take int8 inputs");
  }
  // Graph outputs.
  std::set<int> seen;
  for (int t : graph_outputs_) {
    if (!seen.insert(t).second) Fail("graph output ", TName(t), " is listed twice");
    const int q = qmap_[static_cast<size_t>(t)];
    if (q < 0) Fail("graph output ", TName(t), " is never written");
    if (m_.tensors[static_cast<size_t>(q)].is_const)
      Fail("graph output ", TName(t), " is a constant");
    m_.outputs.push_back(q);
  }
  if (m_.ops.empty()) Fail("the TFLite model has no operator qinfer runs");
  m_.description =
      model_->description() ? Cat("from TFLite: ", model_->description()->str()) : "from TFLite";

  if (report_) {
    report_->tflite_bytes = size_;
    report_->description = model_->description() ? model_->description()->str() : std::string();
    report_->ops = infos_;
    report_->op_counts.assign(counts.begin(), counts.end());
    report_->notes = notes_;
    report_->qinfer_op_source = qop_source_;
  }
  return std::move(m_);
}

}  // namespace

bool LooksLikeTflite(const void* data, size_t size) {
  return size >= 8 && std::memcmp(static_cast<const uint8_t*>(data) + 4, "TFL3", 4) == 0;
}

bool LooksLikeTfliteFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  uint8_t head[8] = {0};
  const size_t n = std::fread(head, 1, 8, f);
  std::fclose(f);
  return LooksLikeTflite(head, n);
}

QModel ImportTflite(const void* data, size_t size, TfliteImportReport* report,
                    const TfliteImportOptions& options) {
  if (data == nullptr && size > 0) Fail("not a TFLite model: no data");
  // The flatbuffers verifier checks alignment against the address: read from an 8-byte
  // aligned copy (uint64_t storage).
  std::unique_ptr<uint64_t[]> storage(new uint64_t[size / 8 + 1]);
  uint8_t* bytes = reinterpret_cast<uint8_t*>(storage.get());
  if (size > 0) std::memcpy(bytes, data, size);
  Importer importer(bytes, size, options, report);
  return importer.Run();
}

QModel ImportTfliteFile(const std::string& path, TfliteImportReport* report,
                        const TfliteImportOptions& options) {
  const std::string bytes = ReadFileBytes(path);
  return ImportTflite(bytes.data(), bytes.size(), report, options);
}

std::vector<uint8_t> ConvertTfliteBytesToQinfer(const void* data, size_t size,
                                                TfliteImportReport* report,
                                                const TfliteImportOptions& options) {
  TfliteImportReport local;
  TfliteImportReport* r = report ? report : &local;
  QModel m = ImportTflite(data, size, r, options);
  r->plan_heuristic = PlanMemory(&m);
  PackForTarget(&m, options.target);
  std::vector<uint8_t> bytes = SerializeModel(m);
  // The runtime's own verifier must accept the model; report a refusal against the TFLite op.
  std::unique_ptr<uint64_t[]> aligned(new uint64_t[bytes.size() / 8 + 2]);
  std::memcpy(aligned.get(), bytes.data(), bytes.size());
  // Without the CPU check: the model may be packed for another machine's target.
  qinfer::Error err;
  if (Model::Verify(aligned.get(), bytes.size(), &err) != Status::kOk) {
    const std::vector<int>& source = r->qinfer_op_source;
    if (err.op_index >= 0 && static_cast<size_t>(err.op_index) < source.size()) {
      const int k = source[static_cast<size_t>(err.op_index)];
      const std::string name = k >= 0 && static_cast<size_t>(k) < r->ops.size()
                                   ? r->ops[static_cast<size_t>(k)].op
                                   : "?";
      Fail("op ", k, " (", name, "): the qinfer runtime refuses the converted op: ", err.message);
    }
    Fail("the qinfer runtime refuses the converted model: ", err.message);
  }
  r->weight_bytes = WeightBytes(m);
  r->arena_bytes = m.arena_bytes;
  r->qinfer_bytes = bytes.size();
  return bytes;
}

std::vector<uint8_t> ConvertTfliteToQinfer(const std::string& path, TfliteImportReport* report,
                                           const TfliteImportOptions& options) {
  const std::string bytes = ReadFileBytes(path);
  return ConvertTfliteBytesToQinfer(bytes.data(), bytes.size(), report, options);
}

std::string FormatTfliteReport(const TfliteImportReport& r) {
  std::ostringstream os;
  os << "TFLite model: " << r.tflite_bytes << " bytes, " << r.ops.size() << " ops (";
  for (size_t i = 0; i < r.op_counts.size(); ++i) {
    os << (i ? ", " : "") << r.op_counts[i].second << " " << r.op_counts[i].first;
  }
  os << ")\n";
  for (const TfliteOpInfo& o : r.ops) {
    os << "  op " << o.index << " " << o.op << " -> " << o.qinfer;
    if (!o.detail.empty()) os << "  " << o.detail;
    os << "\n";
  }
  if (r.qinfer_bytes > 0) {
    os << "qinfer model: " << r.qinfer_bytes << " bytes (weights " << r.weight_bytes << "), arena "
       << r.arena_bytes << " bytes RAM (plan: " << r.plan_heuristic << ")\n";
  }
  for (const std::string& n : r.notes) os << "note: " << n << "\n";
  return os.str();
}

}  // namespace converter
}  // namespace qinfer
