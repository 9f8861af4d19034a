// Lowering: ONNX-level graph (NCHW) -> runtime ops on NHWC tensors.
//
// Every ONNX tensor maps to a Value: a lowered tensor plus a permutation `perm` with
// stored dim d = ONNX dim perm[d]. Transpose nodes only change the permutation; ops that
// need a layout (conv, pooling: NHWC) call Materialize, which emits a RESHAPE when only
// unit dimensions move and a TRANSPOSE otherwise. A Flatten of a non-identity layout that
// feeds only fully connected layers costs nothing: the FC weight columns are permuted.
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "converter/error.h"
#include "converter/lgraph.h"
#include "converter/ops.h"

namespace qinfer {
namespace converter {

const char* LKindName(LKind k) {
  switch (k) {
    case LKind::kConv: return "CONV_2D";
    case LKind::kDepthwiseConv: return "DEPTHWISE_CONV_2D";
    case LKind::kFullyConnected: return "FULLY_CONNECTED";
    case LKind::kAdd: return "ADD";
    case LKind::kMul: return "MUL";
    case LKind::kMaxPool: return "MAX_POOL_2D";
    case LKind::kAvgPool: return "AVG_POOL_2D";
    case LKind::kMean: return "MEAN";
    case LKind::kSoftmax: return "SOFTMAX";
    case LKind::kLut: return "LOOKUP_TABLE";
    case LKind::kRequantize: return "REQUANTIZE";
    case LKind::kConcat: return "CONCATENATION";
    case LKind::kPad: return "PAD";
    case LKind::kTranspose: return "TRANSPOSE";
    case LKind::kReshape: return "RESHAPE";
  }
  return "?";
}

int64_t LTensor::numel() const {
  int64_t n = 1;
  for (int d : shape) n *= d;
  return n;
}

std::vector<float> TransposeData(const std::vector<float>& src, const std::vector<int>& shape,
                                 const std::vector<int>& perm) {
  const size_t r = shape.size();
  std::vector<int64_t> st(r, 1);
  for (int i = static_cast<int>(r) - 2; i >= 0; --i)
    st[static_cast<size_t>(i)] = st[static_cast<size_t>(i) + 1] * shape[static_cast<size_t>(i) + 1];
  std::vector<int> oshape(r);
  for (size_t d = 0; d < r; ++d) oshape[d] = shape[static_cast<size_t>(perm[d])];
  std::vector<float> out(src.size());
  std::vector<int> idx(r, 0);
  for (size_t e = 0; e < src.size(); ++e) {
    int64_t off = 0;
    for (size_t d = 0; d < r; ++d) off += idx[d] * st[static_cast<size_t>(perm[d])];
    out[e] = src[static_cast<size_t>(off)];
    for (int d = static_cast<int>(r) - 1; d >= 0; --d) {
      if (++idx[static_cast<size_t>(d)] < oshape[static_cast<size_t>(d)]) break;
      idx[static_cast<size_t>(d)] = 0;
    }
  }
  return out;
}

namespace {

constexpr float kFInf = std::numeric_limits<float>::infinity();

std::vector<int> Identity(size_t r) {
  std::vector<int> p(r);
  std::iota(p.begin(), p.end(), 0);
  return p;
}

std::vector<int> Inverse(const std::vector<int>& p) {
  std::vector<int> q(p.size());
  for (size_t i = 0; i < p.size(); ++i) q[static_cast<size_t>(p[i])] = static_cast<int>(i);
  return q;
}

const std::vector<int> kNhwc = {0, 2, 3, 1};

struct Value {
  int t = -1;
  std::vector<int> perm;
  std::vector<int64_t> feat;  // FC-ready flatten: stored feature j = ONNX feature feat[j]
};

class Lowerer {
 public:
  explicit Lowerer(const Graph& g) : g_(g), consumers_(g.Consumers()) {}

  LGraph Run() {
    for (int in : g_.inputs) LowerInput(in);
    for (const Node& n : g_.nodes) {
      if (n.dead) continue;
      LowerNode(n);
    }
    for (int o : g_.outputs) LowerOutput(o);
    return std::move(out_);
  }

 private:
  const Tensor& T(int id) const { return g_.tensors[static_cast<size_t>(id)]; }
  bool IsConst(int id) const { return id >= 0 && T(id).is_const; }

  [[noreturn]] void Unsupported(const Node& n, const std::string& why) const {
    if (why.empty()) Fail("node '", g_.Label(n), "' (op ", n.op, ") is not supported");
    Fail("node '", g_.Label(n), "' (op ", n.op, ") is not supported: ", why);
  }

  static std::vector<int> StoredShape(const std::vector<int64_t>& s, const std::vector<int>& perm) {
    std::vector<int> out;
    for (int p : perm) {
      if (p < 0 || static_cast<size_t>(p) >= s.size())
        Fail("unsupported graph: layout of rank ", perm.size(), " for a tensor of shape ", ShapeStr(s));
      out.push_back(static_cast<int>(s[static_cast<size_t>(p)]));
    }
    if (out.empty()) out.push_back(1);
    return out;
  }

  void CheckRank(const Node& n, int id) const {
    const Tensor& t = T(id);
    if (t.rank() > 4) Unsupported(n, Cat("tensor '", t.name, "' has rank ", t.rank(), " (the runtime supports 1 to 4)"));
    for (int64_t d : t.shape)
      if (d > (int64_t{1} << 30)) Unsupported(n, "tensor too large");
  }

  int NewTensor(const std::string& name, std::vector<int> shape) {
    LTensor t;
    t.name = UniqueName(name);
    if (shape.empty()) shape.push_back(1);
    t.shape = std::move(shape);
    return out_.Add(std::move(t));
  }

  int NewConst(const std::string& name, std::vector<int> shape, std::vector<float> data, LRole role, int axis = -1) {
    LTensor t;
    t.name = UniqueName(name);
    if (shape.empty()) shape.push_back(1);
    t.shape = std::move(shape);
    t.role = role;
    t.data = std::move(data);
    t.quant_axis = axis;
    return out_.Add(std::move(t));
  }

  std::string UniqueName(const std::string& base) {
    std::string name = base.empty() ? "t" : base;
    if (names_.insert(name).second) return name;
    for (int i = 1;; ++i) {
      const std::string c = name + "_" + std::to_string(i);
      if (names_.insert(c).second) return c;
    }
  }

  LOp& Emit(LKind kind, const std::string& name, std::vector<int> in, std::vector<int> out) {
    LOp op;
    op.kind = kind;
    op.name = name;
    op.inputs = std::move(in);
    op.outputs = std::move(out);
    out_.ops.push_back(std::move(op));
    return out_.ops.back();
  }

  void SetAct(LOp& op, const Node& n) {
    op.act_min = static_cast<float>(n.Float("_act_min", -kFInf));
    op.act_max = static_cast<float>(n.Float("_act_max", kFInf));
  }

  Value Get(const Node& n, int id) {
    if (id < 0) Unsupported(n, "missing input");
    auto it = vals_.find(id);
    if (it == vals_.end()) {
      if (IsConst(id)) Unsupported(n, Cat("constant input '", T(id).name, "' in this position"));
      Fail("internal error: tensor '", T(id).name, "' has no lowered value");
    }
    CheckRank(n, id);
    return it->second;
  }

  // Same data order: the non-unit dims appear in the same order under both permutations.
  static bool SameOrder(const std::vector<int>& p, const std::vector<int>& q, const std::vector<int64_t>& s) {
    std::vector<int> a, b;
    for (int d : p) if (s[static_cast<size_t>(d)] != 1) a.push_back(d);
    for (int d : q) if (s[static_cast<size_t>(d)] != 1) b.push_back(d);
    return a == b;
  }

  int Reshape(int t, const std::vector<int>& shape, const std::string& name) {
    if (out_.tensors[static_cast<size_t>(t)].shape == shape) return t;
    const int o = NewTensor(name, shape);
    Emit(LKind::kReshape, name, {t}, {o});
    return o;
  }

  // Returns v re-laid-out with permutation q (over the ONNX shape s), emitting ops if needed.
  Value Materialize(const Value& v, const std::vector<int64_t>& s, const std::vector<int>& q, const std::string& base) {
    if (!v.feat.empty()) Fail("internal error: materializing a flattened FC input");
    Value r;
    r.perm = q;
    const std::vector<int> want = StoredShape(s, q);
    if (v.perm == q || SameOrder(v.perm, q, s)) {
      r.t = Reshape(v.t, want, base + (v.perm == q ? "_reshaped" : "_relaid"));
      return r;
    }
    const int src = Reshape(v.t, StoredShape(s, v.perm), base + "_ranked");
    const auto pinv = Inverse(v.perm);
    std::vector<int> tp;
    for (int d : q) tp.push_back(pinv[static_cast<size_t>(d)]);
    r.t = NewTensor(base + "_transposed", want);
    LOp& op = Emit(LKind::kTranspose, base + "_transpose", {src}, {r.t});
    op.perm = tp;
    return r;
  }

  // Value `v` of ONNX rank r viewed at rank R (>= r) with NumPy left-padding.
  static Value Extend(const Value& v, size_t r, size_t R) {
    Value e = v;
    const int k = static_cast<int>(R - r);
    e.perm.clear();
    for (int i = 0; i < k; ++i) e.perm.push_back(i);
    for (int p : v.perm) e.perm.push_back(p + k);
    return e;
  }

  // Constant laid out for permutation `perm` at rank R.
  int ConstStored(const Node& n, int id, size_t R, const std::vector<int>& perm, LRole role) {
    const Tensor& c = T(id);
    if (c.shape.size() > R) Unsupported(n, "constant of higher rank than the output");
    std::vector<int> s(R - c.shape.size(), 1);
    for (int64_t d : c.shape) s.push_back(static_cast<int>(d));
    std::vector<float> data(c.data.begin(), c.data.end());
    std::vector<float> td = TransposeData(data, s, perm);
    std::vector<int> ts;
    for (int p : perm) ts.push_back(s[static_cast<size_t>(p)]);
    while (ts.size() > 4 && ts[0] == 1) ts.erase(ts.begin());
    if (ts.size() > 4) Unsupported(n, "constant of rank > 4");
    return NewConst(c.name, ts, std::move(td), role);
  }

  void Set(int onnx_id, Value v) { vals_[onnx_id] = std::move(v); }

  int OutTensor(int onnx_id, const std::vector<int>& perm) {
    return NewTensor(T(onnx_id).name, StoredShape(T(onnx_id).shape, perm));
  }

  void LowerInput(int id) {
    const Tensor& t = T(id);
    if (t.rank() > 4 || t.rank() < 1) Fail("graph input '", t.name, "' has rank ", t.rank(), " (supported: 1 to 4)");
    std::vector<int> perm = Identity(static_cast<size_t>(t.rank()));
    if (t.rank() == 4) {
      static const std::set<std::string> nchw = {"Conv", "MaxPool", "AveragePool", "GlobalAveragePool",
                                                 "GlobalMaxPool", "BatchNormalization"};
      for (int c : consumers_[static_cast<size_t>(id)])
        if (nchw.count(g_.nodes[static_cast<size_t>(c)].op)) perm = kNhwc;
    }
    const int lt = NewTensor(t.name, StoredShape(t.shape, perm));
    if (perm != Identity(perm.size())) out_.tensors[static_cast<size_t>(lt)].source_perm = perm;
    out_.inputs.push_back(lt);
    Value v;
    v.t = lt;
    v.perm = perm;
    Set(id, v);
  }

  void LowerOutput(int id) {
    auto it = vals_.find(id);
    if (it == vals_.end()) Fail("graph output '", T(id).name, "' is not computed by any supported op");
    Value v = it->second;
    if (!v.feat.empty()) Fail("internal error: flattened FC input as a graph output");
    const size_t r = static_cast<size_t>(std::max(1, T(id).rank()));
    std::vector<int64_t> s = T(id).shape;
    if (s.empty()) s.push_back(1);
    const bool is_input = std::find(out_.inputs.begin(), out_.inputs.end(), v.t) != out_.inputs.end();
    const bool taken = std::find(out_.outputs.begin(), out_.outputs.end(), v.t) != out_.outputs.end();
    if (is_input || taken || out_.tensors[static_cast<size_t>(v.t)].shape != StoredShape(s, v.perm)) {
      // Give the output its own tensor (a reshape view keeps it cheap).
      if (out_.tensors[static_cast<size_t>(v.t)].shape == StoredShape(s, v.perm) && (is_input || taken)) {
        const int o = NewTensor(T(id).name, StoredShape(s, v.perm));
        Emit(LKind::kReshape, T(id).name + "_copy", {v.t}, {o});
        v.t = o;
      } else {
        v = Materialize(v, s, v.perm, T(id).name);
      }
    }
    LTensor& lt = out_.tensors[static_cast<size_t>(v.t)];
    if (v.perm != Identity(r)) lt.source_perm = v.perm;
    // Keep the ONNX output name.
    if (lt.name != T(id).name && !names_.count(T(id).name)) {
      names_.insert(T(id).name);
      lt.name = T(id).name;
    }
    out_.outputs.push_back(v.t);
  }

  void LowerNode(const Node& n) {
    for (int o : n.outputs)
      if (o >= 0) CheckRank(n, o);
    const std::string& op = n.op;
    const std::string label = g_.Label(n);
    if (op == "Conv") return LowerConv(n, label);
    if (op == "Gemm" || op == "MatMul") return LowerFc(n, label);
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Sum") return LowerBinary(n, label);
    if (op == "MaxPool" || op == "AveragePool") return LowerPool(n, label);
    if (op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "ReduceMean") return LowerGlobal(n, label);
    if (op == "Softmax") return LowerSoftmax(n, label);
    if (op == "_Lut") {
      const Value x = Get(n, n.inputs[0]);
      if (!x.feat.empty()) Unsupported(n, "internal: flattened input");
      Value y;
      y.perm = x.perm;
      y.t = NewTensor(T(n.outputs[0]).name, out_.tensors[static_cast<size_t>(x.t)].shape);
      LOp& l = Emit(LKind::kLut, label, {x.t}, {y.t});
      l.fn = n.body;
      Set(n.outputs[0], y);
      return;
    }
    if (op == "Concat") return LowerConcat(n, label);
    if (op == "Pad") return LowerPad(n, label);
    if (op == "Transpose") {
      const Value x = Get(n, n.inputs[0]);
      if (!x.feat.empty()) Unsupported(n, "internal: flattened input");
      std::vector<int64_t> t = n.Ints("perm");
      if (t.empty()) for (int d = T(n.inputs[0]).rank() - 1; d >= 0; --d) t.push_back(d);
      std::vector<int> ti(t.size());
      for (size_t i = 0; i < t.size(); ++i) ti[static_cast<size_t>(t[i])] = static_cast<int>(i);
      Value y;
      y.t = x.t;
      for (int p : x.perm) y.perm.push_back(ti[static_cast<size_t>(p)]);
      Set(n.outputs[0], y);
      return;
    }
    if (op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze") return LowerReshape(n, label);
    if (op == "Relu" || op == "Clip") Unsupported(n, "internal: unfused activation");
    Unsupported(n, "");
  }

  void LowerConv(const Node& n, const std::string& label) {
    if (!IsConst(n.inputs.at(1))) Unsupported(n, "the weights must be constant");
    if (n.inputs.size() > 2 && n.inputs[2] >= 0 && !IsConst(n.inputs[2])) Unsupported(n, "the bias must be constant");
    const Tensor& xt = T(n.inputs[0]);
    if (xt.rank() != 4) Unsupported(n, "only 2-D convolution is supported");
    const Value x = Materialize(Get(n, n.inputs[0]), xt.shape, kNhwc, xt.name + "_nhwc");
    const Tensor& w = T(n.inputs[1]);
    const int64_t C = xt.shape[1], H = xt.shape[2], W = xt.shape[3];
    const int64_t OC = w.shape[0], ICg = w.shape[1], KH = w.shape[2], KW = w.shape[3];
    const int64_t g = n.Int("group", 1);
    const WindowGeom wg = ComputeWindow(n, label, H, W, KH, KW, false);
    const bool depthwise = g == C && g > 1 && ICg == 1 && OC % C == 0;
    std::vector<float> wd;
    int wid;
    if (depthwise) {
      wd.resize(static_cast<size_t>(KH * KW * OC));
      for (int64_t oc = 0; oc < OC; ++oc)
        for (int64_t ky = 0; ky < KH; ++ky)
          for (int64_t kx = 0; kx < KW; ++kx)
            wd[static_cast<size_t>((ky * KW + kx) * OC + oc)] = static_cast<float>(w.data[static_cast<size_t>((oc * KH + ky) * KW + kx)]);
      wid = NewConst(w.name, {1, static_cast<int>(KH), static_cast<int>(KW), static_cast<int>(OC)}, std::move(wd), LRole::kWeights, 3);
    } else {
      wd.resize(static_cast<size_t>(OC * KH * KW * ICg));
      for (int64_t oc = 0; oc < OC; ++oc)
        for (int64_t ic = 0; ic < ICg; ++ic)
          for (int64_t ky = 0; ky < KH; ++ky)
            for (int64_t kx = 0; kx < KW; ++kx)
              wd[static_cast<size_t>(((oc * KH + ky) * KW + kx) * ICg + ic)] =
                  static_cast<float>(w.data[static_cast<size_t>(((oc * ICg + ic) * KH + ky) * KW + kx)]);
      wid = NewConst(w.name, {static_cast<int>(OC), static_cast<int>(KH), static_cast<int>(KW), static_cast<int>(ICg)}, std::move(wd), LRole::kWeights, 0);
    }
    int bid = -1;
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
      const Tensor& b = T(n.inputs[2]);
      if (b.numel() != OC) Unsupported(n, "bias size differs from the output channels");
      bid = NewConst(b.name, {static_cast<int>(OC)}, std::vector<float>(b.data.begin(), b.data.end()), LRole::kBias);
    } else {
      // Always a bias: bias correction and folded constants need one.
      bid = NewConst(label + "_bias", {static_cast<int>(OC)}, std::vector<float>(static_cast<size_t>(OC), 0.f), LRole::kBias);
    }
    Value y;
    y.perm = kNhwc;
    y.t = OutTensor(n.outputs[0], kNhwc);
    LOp& op = Emit(depthwise ? LKind::kDepthwiseConv : LKind::kConv, label, {x.t, wid, bid}, {y.t});
    op.kh = static_cast<int>(KH); op.kw = static_cast<int>(KW);
    op.stride_h = static_cast<int>(wg.sh); op.stride_w = static_cast<int>(wg.sw);
    op.dil_h = static_cast<int>(wg.dh); op.dil_w = static_cast<int>(wg.dw);
    op.pad_t = static_cast<int>(wg.pt); op.pad_l = static_cast<int>(wg.pl);
    op.pad_b = static_cast<int>(wg.pb); op.pad_r = static_cast<int>(wg.pr);
    op.groups = depthwise ? 1 : static_cast<int>(g);
    op.depth_multiplier = depthwise ? static_cast<int>(OC / C) : 1;
    SetAct(op, n);
    Set(n.outputs[0], y);
  }

  void LowerFc(const Node& n, const std::string& label) {
    if (n.inputs.size() < 2 || !IsConst(n.inputs[1]))
      Unsupported(n, "only a constant second operand (weights) is supported");
    if (IsConst(n.inputs[0])) Unsupported(n, "constant first operand");
    const Tensor& at = T(n.inputs[0]);
    const Tensor& b = T(n.inputs[1]);
    if (b.rank() != 2) Unsupported(n, "weights must be rank 2");
    bool trans_b = false;
    if (n.op == "Gemm") {
      if (n.Int("transA", 0) != 0) Unsupported(n, "transA");
      if (n.Float("alpha", 1.0) != 1.0 || n.Float("beta", 1.0) != 1.0) Unsupported(n, "alpha/beta on a non-constant Gemm");
      trans_b = n.Int("transB", 0) != 0;
      if (at.rank() != 2) Unsupported(n, "Gemm input must be rank 2");
    }
    const int64_t K = trans_b ? b.shape[1] : b.shape[0];
    const int64_t OUT = trans_b ? b.shape[0] : b.shape[1];
    if (at.shape.back() != K) Unsupported(n, "inner dimensions differ");
    Value a = Get(n, n.inputs[0]);
    std::vector<int64_t> feat = a.feat;
    if (feat.empty()) a = Materialize(a, at.shape, Identity(at.shape.size()), at.name);
    std::vector<float> wd(static_cast<size_t>(OUT * K));
    for (int64_t o = 0; o < OUT; ++o)
      for (int64_t j = 0; j < K; ++j) {
        const int64_t k = feat.empty() ? j : feat[static_cast<size_t>(j)];
        wd[static_cast<size_t>(o * K + j)] = static_cast<float>(b.data[static_cast<size_t>(trans_b ? o * K + k : k * OUT + o)]);
      }
    const int wid = NewConst(b.name, {static_cast<int>(OUT), static_cast<int>(K)}, std::move(wd), LRole::kWeights, 0);
    int bid = -1;
    if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
      if (!IsConst(n.inputs[2])) Unsupported(n, "the bias must be constant");
      const Tensor& c = T(n.inputs[2]);
      std::vector<float> bd;
      if (c.numel() == OUT) bd.assign(c.data.begin(), c.data.end());
      else if (c.numel() == 1) bd.assign(static_cast<size_t>(OUT), static_cast<float>(c.data[0]));
      else Unsupported(n, Cat("bias of shape ", ShapeStr(c.shape)));
      bid = NewConst(c.name, {static_cast<int>(OUT)}, std::move(bd), LRole::kBias);
    } else {
      bid = NewConst(label + "_bias", {static_cast<int>(OUT)}, std::vector<float>(static_cast<size_t>(OUT), 0.f), LRole::kBias);
    }
    Value y;
    y.perm = Identity(T(n.outputs[0]).shape.size());
    y.t = OutTensor(n.outputs[0], y.perm);
    LOp& op = Emit(LKind::kFullyConnected, label, {a.t, wid, bid}, {y.t});
    SetAct(op, n);
    Set(n.outputs[0], y);
  }

  void LowerBinary(const Node& n, const std::string& label) {
    if (n.inputs.size() != 2) Unsupported(n, "only two inputs are supported");
    const bool sub = n.op == "Sub";
    const bool mul = n.op == "Mul";
    const Tensor& ot = T(n.outputs[0]);
    const size_t R = ot.shape.size();
    // Target layout: the layout of a non-constant operand with the output's shape.
    int lead = -1;
    for (int k = 0; k < 2; ++k) {
      const int id = n.inputs[static_cast<size_t>(k)];
      if (IsConst(id)) continue;
      if (lead < 0 || (T(id).shape.size() == R && AlignedShape(T(id).shape, R) == ot.shape &&
                       AlignedShape(T(n.inputs[static_cast<size_t>(lead)]).shape, R) != ot.shape))
        lead = k;
    }
    if (lead < 0) Unsupported(n, "both inputs constant");
    const int lid = n.inputs[static_cast<size_t>(lead)];
    Value lv = Get(n, lid);
    if (!lv.feat.empty()) Unsupported(n, "internal: flattened input");
    const std::vector<int> target = Extend(lv, T(lid).shape.size(), R).perm;
    int ins[2];
    for (int k = 0; k < 2; ++k) {
      const int id = n.inputs[static_cast<size_t>(k)];
      if (IsConst(id)) {
        ins[k] = ConstStored(n, id, R, target, LRole::kConstInput);
        continue;
      }
      Value v = Get(n, id);
      if (!v.feat.empty()) Unsupported(n, "internal: flattened input");
      Value e = Extend(v, T(id).shape.size(), R);
      const auto s = AlignedShape(T(id).shape, R);
      ins[k] = Materialize(e, s, target, T(id).name).t;
    }
    Value y;
    y.perm = target;
    y.t = OutTensor(n.outputs[0], target);
    LOp& op = Emit(mul ? LKind::kMul : LKind::kAdd, label, {ins[0], ins[1]}, {y.t});
    op.subtract = sub;
    SetAct(op, n);
    Set(n.outputs[0], y);
  }

  static std::vector<int64_t> AlignedShape(const std::vector<int64_t>& s, size_t R) {
    std::vector<int64_t> out(R - std::min(R, s.size()), 1);
    out.insert(out.end(), s.begin(), s.end());
    return out;
  }

  void LowerPool(const Node& n, const std::string& label) {
    const Tensor& xt = T(n.inputs[0]);
    if (xt.rank() != 4) Unsupported(n, "only 2-D pooling is supported");
    const auto ks = n.Ints("kernel_shape");
    if (ks.size() != 2) Unsupported(n, "kernel_shape must have 2 values");
    const WindowGeom wg = ComputeWindow(n, label, xt.shape[2], xt.shape[3], ks[0], ks[1], true);
    if (wg.dh != 1 || wg.dw != 1) Unsupported(n, "dilated pooling");
    Value x = Materialize(Get(n, n.inputs[0]), xt.shape, kNhwc, xt.name + "_nhwc");
    const bool avg = n.op == "AveragePool";
    int64_t pt = wg.pt, pl = wg.pl, pb = wg.pb, pr = wg.pr, H = xt.shape[2], W = xt.shape[3];
    if (avg && n.Int("count_include_pad", 0) != 0 && (pt || pl || pb || pr)) {
      // Padded zeros count: pad explicitly (with real 0), then pool without padding.
      const int padded = NewTensor(xt.name + "_padded", {static_cast<int>(xt.shape[0]), static_cast<int>(H + pt + pb),
                                                         static_cast<int>(W + pl + pr), static_cast<int>(xt.shape[1])});
      LOp& p = Emit(LKind::kPad, label + "_pad", {x.t}, {padded});
      p.pads = {0, 0, static_cast<int>(pt), static_cast<int>(pb), static_cast<int>(pl), static_cast<int>(pr), 0, 0};
      x.t = padded;
      H += pt + pb;
      W += pl + pr;
      pt = pl = pb = pr = 0;
    }
    // The runtime's output size is (H + pt + pb - KH) / sh + 1: widen the bottom/right pad so
    // that ceil_mode's extra window is there (padded taps never join a window).
    if ((H + pt + pb - ks[0]) / wg.sh + 1 != wg.oh) pb = (wg.oh - 1) * wg.sh + ks[0] - H - pt;
    if ((W + pl + pr - ks[1]) / wg.sw + 1 != wg.ow) pr = (wg.ow - 1) * wg.sw + ks[1] - W - pl;
    if (pb < 0 || pr < 0) Unsupported(n, "internal: pooling geometry");
    Value y;
    y.perm = kNhwc;
    y.t = OutTensor(n.outputs[0], kNhwc);
    LOp& op = Emit(avg ? LKind::kAvgPool : LKind::kMaxPool, label, {x.t}, {y.t});
    op.kh = static_cast<int>(ks[0]); op.kw = static_cast<int>(ks[1]);
    op.stride_h = static_cast<int>(wg.sh); op.stride_w = static_cast<int>(wg.sw);
    op.pad_t = static_cast<int>(pt); op.pad_l = static_cast<int>(pl);
    op.pad_b = static_cast<int>(pb); op.pad_r = static_cast<int>(pr);
    SetAct(op, n);
    Set(n.outputs[0], y);
  }

  void LowerGlobal(const Node& n, const std::string& label) {
    const Tensor& xt = T(n.inputs[0]);
    const Tensor& ot = T(n.outputs[0]);
    if (xt.rank() != 4) Unsupported(n, "only rank-4 inputs are supported");
    std::vector<int> q = kNhwc;
    bool keep = true;
    if (n.op == "ReduceMean") {
      std::vector<int64_t> axes;
      if (g_.opset >= 18) {
        if (n.inputs.size() > 1 && n.inputs[1] >= 0) {
          if (!IsConst(n.inputs[1])) Unsupported(n, "axes must be constant");
          for (double v : T(n.inputs[1]).data) axes.push_back(static_cast<int64_t>(v));
        }
      } else {
        axes = n.Ints("axes");
      }
      if (axes.empty()) Unsupported(n, "reducing every axis");
      std::set<int> red;
      for (int64_t a : axes) red.insert(static_cast<int>(a < 0 ? a + 4 : a));
      // Reduced axes of size 1 are free; at most two real spatial axes.
      std::vector<int> r, keep_axes;
      for (int d = 0; d < 4; ++d) {
        if (red.count(d)) r.push_back(d);
        else keep_axes.push_back(d);
      }
      if (r.size() == 1) {
        // Pair it with a unit dimension if there is one.
        for (size_t i = 0; i < keep_axes.size(); ++i)
          if (xt.shape[static_cast<size_t>(keep_axes[i])] == 1 && keep_axes.size() > 2) {
            r.push_back(keep_axes[i]);
            keep_axes.erase(keep_axes.begin() + static_cast<long>(i));
            break;
          }
      }
      if (r.size() != 2 || keep_axes.size() != 2) Unsupported(n, "ReduceMean over axes other than two spatial axes");
      q = {keep_axes[0], r[0], r[1], keep_axes[1]};
      keep = n.Int("keepdims", 1) != 0;
    }
    const Value x = Materialize(Get(n, n.inputs[0]), xt.shape, q, xt.name + "_nhwc");
    Value y;
    if (keep && ot.rank() == 4) {
      y.perm = q;
    } else {
      y.perm = Identity(ot.shape.size());
    }
    y.t = OutTensor(n.outputs[0], y.perm);
    const int OH = static_cast<int>(xt.shape[static_cast<size_t>(q[1])]);
    const int OW = static_cast<int>(xt.shape[static_cast<size_t>(q[2])]);
    if (n.op == "GlobalMaxPool") {
      LOp& op = Emit(LKind::kMaxPool, label, {x.t}, {y.t});
      op.kh = OH; op.kw = OW;
      SetAct(op, n);
    } else {
      LOp& op = Emit(LKind::kMean, label, {x.t}, {y.t});
      SetAct(op, n);
    }
    Set(n.outputs[0], y);
  }

  void LowerSoftmax(const Node& n, const std::string& label) {
    const Tensor& xt = T(n.inputs[0]);
    const int r = std::max(1, xt.rank());
    int64_t axis = n.Int("axis", g_.opset >= 13 ? -1 : 1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) Fail("node '", g_.Label(n), "' (op ", n.op, "): axis out of range for rank ", r);
    if (g_.opset < 13) {
      for (int d = static_cast<int>(axis) + 1; d < r; ++d)
        if (xt.shape[static_cast<size_t>(d)] != 1) Unsupported(n, "opset < 13 softmax over several axes");
    }
    Value x = Get(n, n.inputs[0]);
    if (!x.feat.empty()) Unsupported(n, "internal: flattened input");
    // The runtime's softmax runs along the last stored axis.
    std::vector<int64_t> s = xt.shape;
    if (s.empty()) s.push_back(1);
    int last = -1;
    for (int d = static_cast<int>(x.perm.size()) - 1; d >= 0; --d)
      if (s[static_cast<size_t>(x.perm[static_cast<size_t>(d)])] != 1) { last = x.perm[static_cast<size_t>(d)]; break; }
    if (last != axis && s[static_cast<size_t>(axis)] != 1) {
      std::vector<int> q;
      for (int d = 0; d < r; ++d) if (d != axis) q.push_back(d);
      q.push_back(static_cast<int>(axis));
      x = Materialize(x, s, q, xt.name + "_softmax_layout");
    }
    Value y;
    y.perm = x.perm;
    y.t = NewTensor(T(n.outputs[0]).name, out_.tensors[static_cast<size_t>(x.t)].shape);
    Emit(LKind::kSoftmax, label, {x.t}, {y.t});
    Set(n.outputs[0], y);
  }

  void LowerConcat(const Node& n, const std::string& label) {
    const Tensor& ot = T(n.outputs[0]);
    const int r = ot.rank();
    int64_t axis = n.Int("axis", 0);
    if (axis < 0) axis += r;
    std::vector<int> vars, consts;
    for (int id : n.inputs) {
      if (id < 0) continue;
      if (T(id).numel() == 0) continue;
      (IsConst(id) ? consts : vars).push_back(id);
    }
    if (vars.empty()) Unsupported(n, "all inputs constant");
    Value lead = Get(n, vars[0]);
    if (!lead.feat.empty()) Unsupported(n, "internal: flattened input");
    const std::vector<int> target = lead.perm;
    const auto tinv = Inverse(target);
    const int saxis = tinv[static_cast<size_t>(axis)];
    // A single variable input concatenated with zero constants is a PAD (BlazeFace's
    // channel padding).
    bool zero_consts = vars.size() == 1 && !consts.empty();
    for (int c : consts)
      for (double v : T(c).data)
        if (v != 0.0) zero_consts = false;
    if (zero_consts) {
      int64_t before = 0, after = 0;
      bool seen = false;
      for (int id : n.inputs) {
        if (id < 0 || T(id).numel() == 0) continue;
        if (id == vars[0]) { seen = true; continue; }
        (seen ? after : before) += T(id).shape[static_cast<size_t>(axis)];
      }
      const Value x = Materialize(lead, T(vars[0]).shape, target, T(vars[0]).name);
      Value y;
      y.perm = target;
      y.t = OutTensor(n.outputs[0], target);
      LOp& op = Emit(LKind::kPad, label, {x.t}, {y.t});
      op.pads.assign(static_cast<size_t>(2 * r), 0);
      op.pads[static_cast<size_t>(2 * saxis)] = static_cast<int>(before);
      op.pads[static_cast<size_t>(2 * saxis + 1)] = static_cast<int>(after);
      Set(n.outputs[0], y);
      return;
    }
    std::vector<int> ins;
    for (int id : n.inputs) {
      if (id < 0 || T(id).numel() == 0) continue;
      if (IsConst(id)) {
        ins.push_back(ConstStored(n, id, static_cast<size_t>(r), target, LRole::kConstInput));
      } else {
        Value v = Get(n, id);
        if (!v.feat.empty()) Unsupported(n, "internal: flattened input");
        ins.push_back(Materialize(v, T(id).shape, target, T(id).name).t);
      }
    }
    Value y;
    y.perm = target;
    y.t = OutTensor(n.outputs[0], target);
    LOp& op = Emit(LKind::kConcat, label, ins, {y.t});
    op.axis = saxis;
    Set(n.outputs[0], y);
  }

  void LowerPad(const Node& n, const std::string& label) {
    const Tensor& xt = T(n.inputs[0]);
    std::vector<int64_t> pads;
    double value = 0;
    if (g_.opset < 11) {
      pads = n.Ints("pads");
      value = n.Float("value", 0.0);
    } else {
      if (!IsConst(n.inputs.at(1))) Unsupported(n, "pads must be constant");
      for (double v : T(n.inputs[1]).data) pads.push_back(static_cast<int64_t>(v));
      if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
        if (!IsConst(n.inputs[2])) Unsupported(n, "constant_value must be constant");
        if (!T(n.inputs[2]).data.empty()) value = T(n.inputs[2]).data[0];
      }
      if (n.inputs.size() > 3 && n.inputs[3] >= 0) Unsupported(n, "the axes input");
    }
    const std::string mode = n.Str("mode", "constant");
    if (mode != "constant") Unsupported(n, "mode '" + mode + "' (only 'constant')");
    if (value != 0.0) Unsupported(n, "a non-zero pad value");
    const int r = xt.rank();
    const Value x = Get(n, n.inputs[0]);
    if (!x.feat.empty()) Unsupported(n, "internal: flattened input");
    Value xm = Materialize(x, xt.shape, x.perm, xt.name);
    Value y;
    y.perm = x.perm;
    y.t = OutTensor(n.outputs[0], y.perm);
    LOp& op = Emit(LKind::kPad, label, {xm.t}, {y.t});
    for (int d = 0; d < r; ++d) {
      const int od = x.perm[static_cast<size_t>(d)];
      op.pads.push_back(static_cast<int>(pads[static_cast<size_t>(od)]));
      op.pads.push_back(static_cast<int>(pads[static_cast<size_t>(od + r)]));
    }
    Set(n.outputs[0], y);
  }

  void LowerReshape(const Node& n, const std::string& label) {
    const Tensor& xt = T(n.inputs[0]);
    const Tensor& ot = T(n.outputs[0]);
    Value x = Get(n, n.inputs[0]);
    if (!x.feat.empty()) Unsupported(n, "internal: reshaping a flattened FC input");
    std::vector<int64_t> xs = xt.shape;
    if (xs.empty()) xs.push_back(1);
    const std::vector<int> ident = Identity(xs.size());
    const bool same_order = x.perm == ident || SameOrder(x.perm, ident, xs);
    // Flatten to [1, K] read only by fully connected layers: permute their weights instead.
    if (!same_order && ot.rank() == 2 && ot.shape[0] == 1 && xs[0] == 1 && !g_.IsOutput(n.outputs[0])) {
      bool all_fc = !consumers_[static_cast<size_t>(n.outputs[0])].empty();
      for (int c : consumers_[static_cast<size_t>(n.outputs[0])]) {
        const Node& cn = g_.nodes[static_cast<size_t>(c)];
        if (!((cn.op == "Gemm" || cn.op == "MatMul") && cn.inputs[0] == n.outputs[0] && cn.inputs.size() > 1 &&
              cn.inputs[1] != n.outputs[0] && IsConst(cn.inputs[1])))
          all_fc = false;
      }
      if (all_fc) {
        Value y;
        y.t = x.t;
        y.perm = {0, 1};
        // Stored element j (in stored order) is ONNX element feat[j] (batch is 1).
        const std::vector<int> ss = StoredShape(xs, x.perm);
        std::vector<int64_t> ostr(xs.size(), 1);
        for (int i = static_cast<int>(xs.size()) - 2; i >= 0; --i)
          ostr[static_cast<size_t>(i)] = ostr[static_cast<size_t>(i) + 1] * xs[static_cast<size_t>(i) + 1];
        const int64_t total = xt.numel();
        y.feat.resize(static_cast<size_t>(total));
        std::vector<int> idx(ss.size(), 0);
        for (int64_t j = 0; j < total; ++j) {
          int64_t o = 0;
          for (size_t d = 0; d < ss.size(); ++d) o += idx[d] * ostr[static_cast<size_t>(x.perm[d])];
          y.feat[static_cast<size_t>(j)] = o;
          for (int d = static_cast<int>(ss.size()) - 1; d >= 0; --d) {
            if (++idx[static_cast<size_t>(d)] < ss[static_cast<size_t>(d)]) break;
            idx[static_cast<size_t>(d)] = 0;
          }
        }
        Set(n.outputs[0], y);
        return;
      }
    }
    if (!same_order) x = Materialize(x, xs, ident, xt.name + "_nchw");
    Value y;
    y.perm = Identity(std::max<size_t>(1, ot.shape.size()));
    std::vector<int> os;
    for (int64_t d : ot.shape) os.push_back(static_cast<int>(d));
    if (os.empty()) os.push_back(1);
    if (out_.tensors[static_cast<size_t>(x.t)].shape == os) {
      y.t = x.t;  // nothing to do
    } else {
      y.t = NewTensor(ot.name, os);
      Emit(LKind::kReshape, label, {x.t}, {y.t});
    }
    Set(n.outputs[0], y);
  }

  const Graph& g_;
  std::vector<std::vector<int>> consumers_;
  LGraph out_;
  std::map<int, Value> vals_;
  std::set<std::string> names_;
};

}  // namespace

LGraph Lower(const Graph& g) { return Lowerer(g).Run(); }

}  // namespace converter
}  // namespace qinfer
