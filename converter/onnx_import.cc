#include "converter/onnx_import.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include <onnx/onnx_pb.h>

#include "converter/error.h"
#include "converter/ops.h"

namespace qinfer {
namespace converter {
namespace {

template <typename T>
T ReadLE(const std::string& raw, size_t i) {
  T v;
  std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
  return v;
}

double HalfToDouble(uint16_t h) {
  const int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v;
  if (exp == 0) v = std::ldexp(mant, -24);
  else if (exp == 31) v = mant ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  else v = std::ldexp(mant + 1024, exp - 25);
  return sign ? -v : v;
}

double BF16ToDouble(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Element count of `shape`, or a converter::Error when it exceeds 2^31 (no tensor the runtime can
// hold is larger; also keeps every later int64 product of dims from overflowing).
int64_t CheckedNumel(const std::vector<int64_t>& shape, const std::string& what) {
  constexpr int64_t kMaxElements = int64_t{1} << 31;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) Fail(what, " has a negative dimension ", ShapeStr(shape));
    if (d != 0 && n > kMaxElements / d) Fail(what, " shape ", ShapeStr(shape), " is too large (more than 2^31 elements)");
    n *= d;
  }
  if (n > kMaxElements) Fail(what, " shape ", ShapeStr(shape), " is too large (more than 2^31 elements)");
  return n;
}

// Constant folding evaluates in doubles on the host. These bounds keep a pathological or hostile
// model from asking for gigabytes or hours: far above any constant subgraph a real export folds
// (shape arithmetic, a transposed or reshaped weight), far below what exhausts a host.
constexpr int64_t kMaxFoldedElementsPerNode = int64_t{1} << 22;  // 32 MiB of doubles
constexpr int64_t kMaxFoldedElementsTotal = int64_t{1} << 24;
constexpr int64_t kMaxFoldedMacsPerNode = int64_t{1} << 28;

void CheckFoldBudget(const Node& n, const std::string& label, const std::vector<const Tensor*>& in,
                     const std::vector<Tensor>& out, int64_t* folded_elements) {
  for (const Tensor& t : out) {
    const int64_t e = CheckedNumel(t.shape, Cat("node '", label, "' (op ", n.op, ") output"));
    if (e > kMaxFoldedElementsPerNode || *folded_elements + e > kMaxFoldedElementsTotal)
      Fail("node '", label, "' (op ", n.op, "): folding its constant inputs would produce ", e,
           " values (", *folded_elements, " already folded; limits ", kMaxFoldedElementsPerNode,
           " per node, ", kMaxFoldedElementsTotal, " per model)");
    *folded_elements += e;
  }
  // Contractions cost output size times the reduction length: bound the work, not just the size.
  const bool contraction = n.op == "MatMul" || n.op == "Gemm" || n.op == "Conv";
  if (contraction && !out.empty() && in.size() >= 2 && in[1] != nullptr) {
    const int64_t out_elems = out[0].numel();
    const Tensor& w = *in[1];
    int64_t per_output = w.numel();
    if (n.op == "Conv" && w.rank() >= 1 && w.shape[0] > 0) per_output /= w.shape[0];
    if (n.op != "Conv" && !out[0].shape.empty() && out[0].shape.back() > 0) per_output /= out[0].shape.back();
    if (per_output > 0 && out_elems > kMaxFoldedMacsPerNode / per_output)
      Fail("node '", label, "' (op ", n.op, "): folding its constant inputs would take more than ",
           kMaxFoldedMacsPerNode, " multiply-adds");
  }
}

Tensor ConvertTensor(const onnx::TensorProto& tp, const std::string& what) {
  Tensor t;
  t.name = tp.name();
  t.has_shape = true;
  t.is_const = true;
  for (int64_t d : tp.dims()) {
    if (d < 0) Fail("malformed ONNX file: ", what, " '", tp.name(), "' has a negative dimension");
    t.shape.push_back(d);
  }
  if (tp.data_location() == onnx::TensorProto::EXTERNAL)
    Fail(what, " '", tp.name(), "' uses external data, which is not supported (save the model with weights inside)");
  const int64_t n = CheckedNumel(t.shape, Cat(what, " '", tp.name(), "'"));
  const size_t count = static_cast<size_t>(n);
  const std::string& raw = tp.raw_data();
  const bool has_raw = tp.has_raw_data();
  // Every element needs at least one raw byte or one typed value: refuse a huge declared shape
  // before allocating for it.
  const size_t values = raw.size() + static_cast<size_t>(tp.float_data_size()) + static_cast<size_t>(tp.double_data_size()) +
                        static_cast<size_t>(tp.int32_data_size()) + static_cast<size_t>(tp.int64_data_size()) +
                        static_cast<size_t>(tp.uint64_data_size());
  if (count > values && tp.data_type() != onnx::TensorProto::STRING)
    Fail("malformed ONNX file: ", what, " '", tp.name(), "' has shape ", ShapeStr(t.shape), " but only ", values,
         " values");
  auto check = [&](size_t have) {
    if (have != count)
      Fail("malformed ONNX file: ", what, " '", tp.name(), "' has ", have, " values for shape ", ShapeStr(t.shape));
  };
  t.data.resize(count);
  const int dt = tp.data_type();
  switch (dt) {
    case onnx::TensorProto::FLOAT:
      t.type = ElemType::kFloat;
      if (has_raw) { check(raw.size() / 4); if (raw.size() % 4) check(SIZE_MAX); for (size_t i = 0; i < count; ++i) t.data[i] = ReadLE<float>(raw, i); }
      else { check(static_cast<size_t>(tp.float_data_size())); for (size_t i = 0; i < count; ++i) t.data[i] = tp.float_data(static_cast<int>(i)); }
      break;
    case onnx::TensorProto::DOUBLE:
      t.type = ElemType::kFloat;
      if (has_raw) { check(raw.size() / 8); for (size_t i = 0; i < count; ++i) t.data[i] = ReadLE<double>(raw, i); }
      else { check(static_cast<size_t>(tp.double_data_size())); for (size_t i = 0; i < count; ++i) t.data[i] = tp.double_data(static_cast<int>(i)); }
      break;
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
      t.type = ElemType::kFloat;
      if (has_raw) { check(raw.size() / 2); for (size_t i = 0; i < count; ++i) { const uint16_t h = ReadLE<uint16_t>(raw, i); t.data[i] = dt == onnx::TensorProto::FLOAT16 ? HalfToDouble(h) : BF16ToDouble(h); } }
      else { check(static_cast<size_t>(tp.int32_data_size())); for (size_t i = 0; i < count; ++i) { const uint16_t h = static_cast<uint16_t>(tp.int32_data(static_cast<int>(i))); t.data[i] = dt == onnx::TensorProto::FLOAT16 ? HalfToDouble(h) : BF16ToDouble(h); } }
      break;
    case onnx::TensorProto::INT64:
      t.type = ElemType::kInt;
      if (has_raw) { check(raw.size() / 8); for (size_t i = 0; i < count; ++i) t.data[i] = static_cast<double>(ReadLE<int64_t>(raw, i)); }
      else { check(static_cast<size_t>(tp.int64_data_size())); for (size_t i = 0; i < count; ++i) t.data[i] = static_cast<double>(tp.int64_data(static_cast<int>(i))); }
      break;
    case onnx::TensorProto::UINT64:
      t.type = ElemType::kInt;
      if (has_raw) { check(raw.size() / 8); for (size_t i = 0; i < count; ++i) t.data[i] = static_cast<double>(ReadLE<uint64_t>(raw, i)); }
      else { check(static_cast<size_t>(tp.uint64_data_size())); for (size_t i = 0; i < count; ++i) t.data[i] = static_cast<double>(tp.uint64_data(static_cast<int>(i))); }
      break;
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL: {
      t.type = dt == onnx::TensorProto::BOOL ? ElemType::kBool : ElemType::kInt;
      if (has_raw) {
        size_t es = 1;
        if (dt == onnx::TensorProto::INT32 || dt == onnx::TensorProto::UINT32) es = 4;
        if (dt == onnx::TensorProto::INT16 || dt == onnx::TensorProto::UINT16) es = 2;
        check(raw.size() / es);
        for (size_t i = 0; i < count; ++i) {
          double v = 0;
          switch (dt) {
            case onnx::TensorProto::INT32: v = ReadLE<int32_t>(raw, i); break;
            case onnx::TensorProto::UINT32: v = ReadLE<uint32_t>(raw, i); break;
            case onnx::TensorProto::INT16: v = ReadLE<int16_t>(raw, i); break;
            case onnx::TensorProto::UINT16: v = ReadLE<uint16_t>(raw, i); break;
            case onnx::TensorProto::INT8: v = ReadLE<int8_t>(raw, i); break;
            default: v = ReadLE<uint8_t>(raw, i); break;
          }
          t.data[i] = v;
        }
      } else {
        check(static_cast<size_t>(tp.int32_data_size()));
        for (size_t i = 0; i < count; ++i) t.data[i] = tp.int32_data(static_cast<int>(i));
      }
      break;
    }
    default:
      Fail(what, " '", tp.name(), "' has unsupported data type ", dt);
  }
  return t;
}

Attr ConvertAttr(const onnx::AttributeProto& a, const std::string& node) {
  Attr r;
  switch (a.type()) {
    case onnx::AttributeProto::FLOAT: r.kind = Attr::kFloat; r.f = a.f(); break;
    case onnx::AttributeProto::INT: r.kind = Attr::kInt; r.i = a.i(); break;
    case onnx::AttributeProto::STRING: r.kind = Attr::kString; r.s = a.s(); break;
    case onnx::AttributeProto::TENSOR:
      r.kind = Attr::kTensor;
      r.t = std::make_shared<Tensor>(ConvertTensor(a.t(), "attribute of node '" + node + "'"));
      break;
    case onnx::AttributeProto::FLOATS:
      r.kind = Attr::kFloats;
      r.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case onnx::AttributeProto::INTS:
      r.kind = Attr::kInts;
      r.ints.assign(a.ints().begin(), a.ints().end());
      break;
    default:
      // Older exporters omit the type; infer it from what is set.
      if (a.ints_size()) { r.kind = Attr::kInts; r.ints.assign(a.ints().begin(), a.ints().end()); }
      else if (a.floats_size()) { r.kind = Attr::kFloats; r.floats.assign(a.floats().begin(), a.floats().end()); }
      else if (a.has_t()) { r.kind = Attr::kTensor; r.t = std::make_shared<Tensor>(ConvertTensor(a.t(), "attribute")); }
      else if (a.has_s()) { r.kind = Attr::kString; r.s = a.s(); }
      else if (a.has_f()) { r.kind = Attr::kFloat; r.f = a.f(); }
      else if (a.has_i()) { r.kind = Attr::kInt; r.i = a.i(); }
      else r.kind = Attr::kOther;
  }
  return r;
}

}  // namespace

Graph ImportOnnxModel(const onnx::ModelProto& model) {
  Graph g;
  g.opset = 0;
  for (const auto& os : model.opset_import())
    if (os.domain().empty() || os.domain() == "ai.onnx") g.opset = static_cast<int>(os.version());
  if (g.opset == 0) g.opset = model.opset_import_size() == 0 ? 11 : 0;
  if (g.opset == 0) Fail("the ONNX model does not import the default operator set");
  if (g.opset < 7) Fail("ONNX opset ", g.opset, " is too old (supported: 11-17)");
  if (!model.has_graph()) Fail("malformed ONNX file: no graph");
  const onnx::GraphProto& gp = model.graph();

  std::map<std::string, int> by_name;
  auto lookup = [&](const std::string& name, const std::string& node) -> int {
    if (name.empty()) return -1;
    auto it = by_name.find(name);
    if (it == by_name.end())
      Fail("malformed ONNX file: node '", node, "' reads '", name, "', which nothing produces");
    return it->second;
  };

  for (const auto& init : gp.initializer()) {
    Tensor t = ConvertTensor(init, "initializer");
    if (by_name.count(t.name)) continue;
    const std::string name = t.name;
    const int id = g.AddTensor(std::move(t));
    by_name[name] = id;
  }
  for (const auto& in : gp.input()) {
    if (by_name.count(in.name())) continue;  // initializer listed as input (IR < 4)
    Tensor t;
    t.name = in.name();
    if (!in.type().has_tensor_type()) Fail("graph input '", in.name(), "' is not a tensor");
    const auto& tt = in.type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto::FLOAT)
      Fail("graph input '", in.name(), "' has element type ", tt.elem_type(), "; only float32 inputs are supported");
    if (!tt.has_shape()) Fail("graph input '", in.name(), "' has no shape (dynamic shapes cannot be fixed)");
    for (int d = 0; d < tt.shape().dim_size(); ++d) {
      const auto& dim = tt.shape().dim(d);
      if (dim.has_dim_value() && dim.dim_value() > 0) {
        t.shape.push_back(dim.dim_value());
      } else if (d == 0) {
        t.shape.push_back(1);  // batch: the runtime runs one sample at a time
      } else {
        Fail("graph input '", in.name(), "' has dynamic dimension ", d,
             dim.has_dim_param() ? " ('" + dim.dim_param() + "')" : std::string(),
             " that cannot be fixed; export the model with a static input shape");
      }
    }
    CheckedNumel(t.shape, "graph input '" + in.name() + "'");
    t.has_shape = true;
    const int id = g.AddTensor(std::move(t));
    by_name[in.name()] = id;
    g.inputs.push_back(id);
  }
  if (g.inputs.empty()) Fail("the ONNX graph has no inputs");

  int anon = 0;
  for (const auto& np : gp.node()) {
    Node n;
    n.name = np.name();
    n.op = np.op_type();
    n.domain = np.domain();
    const std::string label = n.name.empty() ? (np.output_size() ? np.output(0) : "node" + std::to_string(anon++)) : n.name;
    if (n.name.empty()) n.name = label;
    if ((!n.domain.empty() && n.domain != "ai.onnx") || !IsKnownOp(n.op))
      Fail("node '", label, "' (op ", n.op, ") is not supported");
    for (const auto& a : np.attribute()) n.attrs[a.name()] = ConvertAttr(a, label);
    for (const auto& s : np.input()) n.inputs.push_back(lookup(s, label));
    for (const auto& s : np.output()) {
      if (s.empty()) { n.outputs.push_back(-1); continue; }
      if (by_name.count(s)) Fail("malformed ONNX file: '", s, "' is produced twice");
      Tensor t;
      t.name = s;
      const int id = g.AddTensor(std::move(t));
      by_name[s] = id;
      n.outputs.push_back(id);
    }
    if (n.op == "Constant") {
      // Evaluate right away: the output is a constant tensor.
      std::vector<Tensor> out(1);
      RunNode(n, label, g.opset, {}, &out, true);
      Tensor& dst = g.tensors[static_cast<size_t>(n.outputs.at(0))];
      dst.shape = out[0].shape;
      dst.has_shape = true;
      dst.type = out[0].type;
      dst.data = std::move(out[0].data);
      dst.is_const = true;
      continue;
    }
    g.nodes.push_back(std::move(n));
  }
  for (const auto& out : gp.output()) {
    if (out.name().empty()) Fail("malformed ONNX file: a graph output has no name");
    g.outputs.push_back(lookup(out.name(), "graph output"));
  }
  if (g.outputs.empty()) Fail("the ONNX graph has no outputs");
  g.Compact();
  return g;
}

Graph ImportOnnxBytes(const std::string& bytes, const std::string& what) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    Fail("malformed ONNX file '", what, "' (protobuf parse failed)");
  Graph g = ImportOnnxModel(model);
  InferAndFold(&g);
  return g;
}

Graph ImportOnnxFile(const std::string& path) {
  return ImportOnnxBytes(ReadFileBytes(path), path);
}

void InferAndFold(Graph* g) {
  int64_t folded_elements = 0;
  for (Node& n : g->nodes) {
    if (n.dead) continue;
    const std::string label = g->Label(n);
    bool all_const = true;
    std::vector<const Tensor*> in;
    for (int id : n.inputs) {
      in.push_back(id >= 0 ? &g->tensors[static_cast<size_t>(id)] : nullptr);
      if (id >= 0 && !g->tensors[static_cast<size_t>(id)].is_const) all_const = false;
      if (id >= 0 && !g->tensors[static_cast<size_t>(id)].has_shape)
        Fail("node '", label, "' (op ", n.op, "): input '", g->tensors[static_cast<size_t>(id)].name,
             "' has an unknown shape");
    }
    std::vector<Tensor> out(n.outputs.size());
    if (all_const) {
      // Shapes first, so a constant subgraph that would fold into gigabytes is refused before
      // anything is allocated.
      RunNode(n, label, g->opset, in, &out, false);
      CheckFoldBudget(n, label, in, out, &folded_elements);
      out.assign(n.outputs.size(), Tensor());
    }
    RunNode(n, label, g->opset, in, &out, all_const);
    const bool produces_values = all_const || n.op == "Shape" || n.op == "Size";
    for (size_t k = 0; k < n.outputs.size() && k < out.size(); ++k) {
      if (n.outputs[k] < 0) continue;
      Tensor& dst = g->tensors[static_cast<size_t>(n.outputs[k])];
      dst.shape = out[k].shape;
      CheckedNumel(dst.shape, Cat("node '", label, "' (op ", n.op, "): output '", dst.name, "'"));
      dst.has_shape = true;
      dst.type = out[k].type;
      if (produces_values) {
        dst.data = std::move(out[k].data);
        dst.is_const = true;
      }
      for (int64_t d : dst.shape)
        if (d <= 0 && dst.numel() == 0 && !dst.is_const)
          Fail("node '", label, "' (op ", n.op, ") produces an empty tensor ", ShapeStr(dst.shape));
    }
    if (produces_values) n.dead = true;
  }
  // Graph outputs that became constant cannot be served by the runtime.
  for (int t : g->outputs)
    if (g->tensors[static_cast<size_t>(t)].is_const)
      Fail("graph output '", g->tensors[static_cast<size_t>(t)].name, "' is a constant; nothing to run");
  g->Compact();
}

}  // namespace converter
}  // namespace qinfer
