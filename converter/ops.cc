#include "converter/ops.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <set>

#include "converter/error.h"

namespace qinfer {
namespace converter {
namespace {

const std::set<std::string>& UnaryOps() {
  static const std::set<std::string> s = {
      "Relu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "LeakyRelu", "Clip", "Identity",
      "Dropout", "Neg", "Abs", "Exp", "Log", "Sqrt", "Reciprocal", "Erf", "Floor", "Ceil",
      "Round", "Softplus", "Softsign", "Elu", "Selu", "Celu", "ThresholdedRelu", "Sign", "Sin",
      "Cos", "Not", "Cast", "Mish", "Gelu"};
  return s;
}

const std::set<std::string>& BinaryOps() {
  static const std::set<std::string> s = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min",
                                          "Sum", "Mean", "Equal", "Less", "Greater",
                                          "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor",
                                          "Where", "Mod", "PRelu"};
  return s;
}

const std::set<std::string>& OtherOps() {
  static const std::set<std::string> s = {
      "Shape", "Size", "Gather", "Slice", "Concat", "ConstantOfShape", "Unsqueeze", "Squeeze",
      "Reshape", "Flatten", "Transpose", "Expand", "Range", "Tile", "Split", "ReduceProd",
      "ReduceSum", "ReduceMax", "ReduceMin", "ReduceMean", "Constant", "Conv",
      "BatchNormalization", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool",
      "GlobalMaxPool", "Pad", "Softmax", "LogSoftmax"};
  return s;
}

[[noreturn]] void Bad(const Node& n, const std::string& label, const std::string& why) {
  Fail("node '", label, "' (op ", n.op, "): ", why);
}

int64_t NormAxis(const Node& n, const std::string& label, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) Bad(n, label, Cat("axis ", axis, " out of range for rank ", rank));
  return axis < 0 ? axis + rank : axis;
}

int64_t Numel(const std::vector<int64_t>& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::vector<int64_t> Strides(const std::vector<int64_t>& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (int i = static_cast<int>(s.size()) - 2; i >= 0; --i)
    st[static_cast<size_t>(i)] = st[static_cast<size_t>(i) + 1] * s[static_cast<size_t>(i) + 1];
  return st;
}

// Values of a constant integer input (shape arithmetic).
std::vector<int64_t> ConstInts(const Node& n, const std::string& label, const Tensor* t,
                               const char* what) {
  if (!t) Bad(n, label, Cat("missing input '", what, "'"));
  if (!t->is_const || t->data.size() != static_cast<size_t>(t->numel()))
    Bad(n, label, Cat("input '", what, "' (", t->name,
                      ") is computed at run time; only constant values are supported here "
                      "(dynamic shapes cannot be fixed)"));
  std::vector<int64_t> v;
  v.reserve(t->data.size());
  for (double d : t->data) {
    if (std::isnan(d)) Bad(n, label, Cat("input '", what, "' (", t->name, ") holds NaN"));
    // Clamped to +-2^31 (beyond any dimension, so INT64_MAX-style slice ends keep their
    // meaning) so that products of a dimension and such a value cannot overflow int64.
    constexpr double kLimit = 2147483648.0;
    if (d >= kLimit) v.push_back(static_cast<int64_t>(kLimit));
    else if (d <= -kLimit) v.push_back(-static_cast<int64_t>(kLimit));
    else v.push_back(static_cast<int64_t>(d));
  }
  return v;
}

std::vector<int64_t> BroadcastShape(const Node& n, const std::string& label,
                                    const std::vector<const Tensor*>& in) {
  size_t rank = 0;
  for (const Tensor* t : in)
    if (t) rank = std::max(rank, t->shape.size());
  std::vector<int64_t> out(rank, 1);
  for (const Tensor* t : in) {
    if (!t) continue;
    const size_t off = rank - t->shape.size();
    for (size_t i = 0; i < t->shape.size(); ++i) {
      const int64_t d = t->shape[i];
      int64_t& o = out[off + i];
      if (d == o || d == 1) continue;
      if (o == 1) { o = d; continue; }
      Bad(n, label, Cat("shapes cannot be broadcast: ", ShapeStr(t->shape), " vs ", ShapeStr(out)));
    }
  }
  return out;
}

// Offsets into each input for every output element (NumPy broadcasting).
void ForEachBroadcast(const std::vector<int64_t>& out_shape,
                      const std::vector<const Tensor*>& in,
                      const std::function<void(int64_t, const std::vector<int64_t>&)>& fn) {
  const size_t rank = out_shape.size();
  std::vector<std::vector<int64_t>> st(in.size(), std::vector<int64_t>(rank, 0));
  for (size_t k = 0; k < in.size(); ++k) {
    if (!in[k]) continue;
    const auto s = Strides(in[k]->shape);
    const size_t off = rank - in[k]->shape.size();
    for (size_t i = 0; i < in[k]->shape.size(); ++i)
      st[k][off + i] = in[k]->shape[i] == 1 ? 0 : s[i];
  }
  const int64_t total = Numel(out_shape);
  std::vector<int64_t> idx(rank, 0), offs(in.size(), 0);
  for (int64_t e = 0; e < total; ++e) {
    fn(e, offs);
    for (int d = static_cast<int>(rank) - 1; d >= 0; --d) {
      const size_t du = static_cast<size_t>(d);
      ++idx[du];
      for (size_t k = 0; k < in.size(); ++k) offs[k] += st[k][du];
      if (idx[du] < out_shape[du]) break;
      for (size_t k = 0; k < in.size(); ++k) offs[k] -= st[k][du] * idx[du];
      idx[du] = 0;
    }
  }
}

ElemType CastType(int64_t to) {
  switch (to) {
    case 1: case 10: case 11: case 16: return ElemType::kFloat;
    case 9: return ElemType::kBool;
    default: return ElemType::kInt;
  }
}

// Resolved once per node: folding and float execution apply these to every element, and a
// string comparison or attribute lookup per element made large constant subgraphs crawl.
using UnaryFn = std::function<double(double)>;
using BinaryFn = std::function<double(double, double)>;

UnaryFn UnaryFunction(const std::string& op, const Node& n, double lo, double hi) {
  if (op == "Relu") return [](double x) { return x > 0 ? x : 0.0; };
  if (op == "Sigmoid") return [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  if (op == "Tanh") return [](double x) { return std::tanh(x); };
  if (op == "HardSigmoid") {
    const double a = n.Float("alpha", 0.2), b = n.Float("beta", 0.5);
    return [a, b](double x) { return std::max(0.0, std::min(1.0, a * x + b)); };
  }
  if (op == "HardSwish") return [](double x) { return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5)); };
  if (op == "LeakyRelu") {
    const double a = n.Float("alpha", 0.01);
    return [a](double x) { return x >= 0 ? x : x * a; };
  }
  if (op == "Clip") return [lo, hi](double x) { return std::min(std::max(x, lo), hi); };
  if (op == "Neg") return [](double x) { return -x; };
  if (op == "Abs") return [](double x) { return std::fabs(x); };
  if (op == "Exp") return [](double x) { return std::exp(x); };
  if (op == "Log") return [](double x) { return std::log(x); };
  if (op == "Sqrt") return [](double x) { return std::sqrt(x); };
  if (op == "Reciprocal") return [](double x) { return 1.0 / x; };
  if (op == "Erf") return [](double x) { return std::erf(x); };
  if (op == "Floor") return [](double x) { return std::floor(x); };
  if (op == "Ceil") return [](double x) { return std::ceil(x); };
  if (op == "Round") return [](double x) { return std::nearbyint(x); };  // half to even, as ONNX
  if (op == "Softplus") return [](double x) { return x > 30 ? x : std::log1p(std::exp(x)); };
  if (op == "Softsign") return [](double x) { return x / (1 + std::fabs(x)); };
  if (op == "Elu") {
    const double a = n.Float("alpha", 1.0);
    return [a](double x) { return x >= 0 ? x : a * (std::exp(x) - 1); };
  }
  if (op == "Selu") {
    const double a = n.Float("alpha", 1.67326319217681884765625);
    const double g = n.Float("gamma", 1.05070102214813232421875);
    return [a, g](double x) { return x > 0 ? g * x : g * (a * std::exp(x) - a); };
  }
  if (op == "Celu") {
    const double a = n.Float("alpha", 1.0);
    return [a](double x) { return std::max(0.0, x) + std::min(0.0, a * (std::exp(x / a) - 1)); };
  }
  if (op == "ThresholdedRelu") {
    const double a = n.Float("alpha", 1.0);
    return [a](double x) { return x > a ? x : 0.0; };
  }
  if (op == "Sign") return [](double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); };
  if (op == "Sin") return [](double x) { return std::sin(x); };
  if (op == "Cos") return [](double x) { return std::cos(x); };
  if (op == "Not") return [](double x) { return x == 0 ? 1.0 : 0.0; };
  if (op == "Mish") return [](double x) { return x * std::tanh(x > 30 ? x : std::log1p(std::exp(x))); };
  if (op == "Gelu") {
    if (n.Str("approximate", "none") == "tanh")
      return [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); };
    return [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); };
  }
  return [](double x) { return x; };  // Identity, Dropout, Cast (rounded by the caller)
}

BinaryFn BinaryFunction(const std::string& op, const Node& n, ElemType t) {
  if (op == "Add" || op == "Sum" || op == "Mean") return [](double a, double b) { return a + b; };
  if (op == "Sub") return [](double a, double b) { return a - b; };
  if (op == "Mul") return [](double a, double b) { return a * b; };
  if (op == "Div") {
    if (t == ElemType::kInt) return [](double a, double b) { return b == 0 ? 0 : std::trunc(a / b); };
    return [](double a, double b) { return a / b; };
  }
  if (op == "Pow") return [](double a, double b) { return std::pow(a, b); };
  if (op == "Max") return [](double a, double b) { return std::max(a, b); };
  if (op == "Min") return [](double a, double b) { return std::min(a, b); };
  if (op == "Equal") return [](double a, double b) { return a == b ? 1.0 : 0.0; };
  if (op == "Less") return [](double a, double b) { return a < b ? 1.0 : 0.0; };
  if (op == "Greater") return [](double a, double b) { return a > b ? 1.0 : 0.0; };
  if (op == "LessOrEqual") return [](double a, double b) { return a <= b ? 1.0 : 0.0; };
  if (op == "GreaterOrEqual") return [](double a, double b) { return a >= b ? 1.0 : 0.0; };
  if (op == "And") return [](double a, double b) { return (a != 0) && (b != 0) ? 1.0 : 0.0; };
  if (op == "Or") return [](double a, double b) { return (a != 0) || (b != 0) ? 1.0 : 0.0; };
  if (op == "Xor") return [](double a, double b) { return (a != 0) != (b != 0) ? 1.0 : 0.0; };
  if (op == "PRelu") return [](double a, double b) { return a >= 0 ? a : a * b; };
  if (op == "Mod") {
    if (n.Int("fmod", 0)) return [](double a, double b) { return b == 0 ? 0 : std::fmod(a, b); };
    return [](double a, double b) {
      if (b == 0) return 0.0;
      double r = std::fmod(a, b);
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    };
  }
  return [](double a, double) { return a; };
}

Tensor& Out(std::vector<Tensor>* out, size_t i) {
  if (out->size() <= i) out->resize(i + 1);
  return (*out)[i];
}

void SetShape(Tensor& t, std::vector<int64_t> shape, ElemType type) {
  // Refuse element counts beyond 2^31 before anything is computed or allocated for them.
  int64_t numel = 1;
  for (int64_t d : shape)
    if (d > 0 && (numel > (int64_t{1} << 31) / d || (numel *= d) > (int64_t{1} << 31)))
      Fail("a tensor of shape ", ShapeStr(shape), " is too large (more than 2^31 elements)");
  t.shape = std::move(shape);
  t.has_shape = true;
  t.type = type;
}

const Tensor* In(const std::vector<const Tensor*>& in, size_t i) {
  return i < in.size() ? in[i] : nullptr;
}

const Tensor& Need(const Node& n, const std::string& label, const std::vector<const Tensor*>& in,
                   size_t i) {
  const Tensor* t = In(in, i);
  if (!t) Bad(n, label, Cat("missing input ", i));
  if (!t->has_shape) Bad(n, label, Cat("input '", t->name, "' has an unknown shape"));
  return *t;
}

std::vector<int64_t> ReduceAxes(const Node& n, const std::string& label, int opset,
                                const std::vector<const Tensor*>& in, int64_t rank) {
  std::vector<int64_t> axes;
  const bool axes_input = (n.op == "ReduceSum" && opset >= 13) || opset >= 18;
  if (axes_input) {
    if (In(in, 1)) axes = ConstInts(n, label, In(in, 1), "axes");
  } else {
    axes = n.Ints("axes");
  }
  if (axes.empty()) {
    if (n.Int("noop_with_empty_axes", 0)) return {};
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  for (auto& a : axes) a = NormAxis(n, label, a, rank);
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

}  // namespace

bool IsKnownOp(const std::string& op) {
  return UnaryOps().count(op) || BinaryOps().count(op) || OtherOps().count(op);
}

bool IsElementwiseOp(const std::string& op) {
  return UnaryOps().count(op) || BinaryOps().count(op);
}

bool IsUnaryElementwise(const Node& n) { return UnaryOps().count(n.op) != 0; }

WindowGeom ComputeWindow(const Node& n, const std::string& label, int64_t h, int64_t w,
                         int64_t kh, int64_t kw, bool pool) {
  WindowGeom g;
  g.kh = kh;
  g.kw = kw;
  const auto strides = n.Ints("strides", {1, 1});
  const auto dil = n.Ints("dilations", {1, 1});
  if (strides.size() != 2 || dil.size() != 2) Bad(n, label, "only 2-D windows are supported");
  g.sh = strides[0];
  g.sw = strides[1];
  g.dh = dil[0];
  g.dw = dil[1];
  if (g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || kh < 1 || kw < 1)
    Bad(n, label, "invalid kernel, stride or dilation");
  const std::string auto_pad = n.Str("auto_pad", "NOTSET");
  const int64_t ekh = (kh - 1) * g.dh + 1, ekw = (kw - 1) * g.dw + 1;
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    g.oh = (h + g.sh - 1) / g.sh;
    g.ow = (w + g.sw - 1) / g.sw;
    const int64_t th = std::max<int64_t>(0, (g.oh - 1) * g.sh + ekh - h);
    const int64_t tw = std::max<int64_t>(0, (g.ow - 1) * g.sw + ekw - w);
    if (auto_pad == "SAME_UPPER") {
      g.pt = th / 2; g.pb = th - g.pt; g.pl = tw / 2; g.pr = tw - g.pl;
    } else {
      g.pb = th / 2; g.pt = th - g.pb; g.pr = tw / 2; g.pl = tw - g.pr;
    }
    return g;
  }
  if (auto_pad == "VALID") {
    g.oh = (h - ekh) / g.sh + 1;
    g.ow = (w - ekw) / g.sw + 1;
  } else {
    if (auto_pad != "NOTSET") Bad(n, label, "unknown auto_pad '" + auto_pad + "'");
    const auto pads = n.Ints("pads", {0, 0, 0, 0});
    if (pads.size() != 4) Bad(n, label, "pads must have 4 values");
    g.pt = pads[0]; g.pl = pads[1]; g.pb = pads[2]; g.pr = pads[3];
    if (g.pt < 0 || g.pl < 0 || g.pb < 0 || g.pr < 0) Bad(n, label, "negative pads");
    const bool ceil_mode = pool && n.Int("ceil_mode", 0) != 0;
    const int64_t nh = h + g.pt + g.pb - ekh, nw = w + g.pl + g.pr - ekw;
    if (nh < 0 || nw < 0) Bad(n, label, "the window is larger than the padded input");
    if (ceil_mode) {
      g.oh = (nh + g.sh - 1) / g.sh + 1;
      g.ow = (nw + g.sw - 1) / g.sw + 1;
      // The last window must start inside the input or the left padding (PyTorch rule).
      if ((g.oh - 1) * g.sh >= h + g.pt) --g.oh;
      if ((g.ow - 1) * g.sw >= w + g.pl) --g.ow;
    } else {
      g.oh = nh / g.sh + 1;
      g.ow = nw / g.sw + 1;
    }
  }
  if (g.oh < 1 || g.ow < 1) Bad(n, label, "empty output");
  return g;
}

void RunNode(const Node& n, const std::string& label, int opset,
             const std::vector<const Tensor*>& in, std::vector<Tensor>* out, bool values) {
  const std::string& op = n.op;
  if (!n.domain.empty() && n.domain != "ai.onnx") Bad(n, label, "is not supported (custom domain)");
  auto data_ok = [&](const Tensor* t) { return t && t->data.size() == static_cast<size_t>(t->numel()); };
  if (values) {
    for (const Tensor* t : in)
      if (t && !data_ok(t)) Bad(n, label, Cat("input '", t->name, "' has no values"));
  }

  // ---- elementwise ----
  if (UnaryOps().count(op)) {
    const Tensor& x = Need(n, label, in, 0);
    Tensor& y = Out(out, 0);
    ElemType type = x.type;
    if (op == "Cast") type = CastType(n.Int("to", 1));
    if (op == "Not" || (op == "Sign" && x.type == ElemType::kBool)) type = x.type;
    SetShape(y, x.shape, type);
    if (op == "Dropout" && out->size() > 1) SetShape((*out)[1], x.shape, ElemType::kBool);
    if (!values) return;
    double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
    if (op == "Clip") {
      if (opset < 11) {
        lo = n.Float("min", lo);
        hi = n.Float("max", hi);
      } else {
        if (In(in, 1)) { if (!data_ok(In(in, 1)) || In(in, 1)->data.empty()) Bad(n, label, "min is not constant"); lo = In(in, 1)->data[0]; }
        if (In(in, 2)) { if (!data_ok(In(in, 2)) || In(in, 2)->data.empty()) Bad(n, label, "max is not constant"); hi = In(in, 2)->data[0]; }
      }
    }
    y.data.resize(x.data.size());
    const UnaryFn f = UnaryFunction(op, n, lo, hi);
    for (size_t i = 0; i < x.data.size(); ++i) {
      double v = f(x.data[i]);
      if (op == "Cast") {
        if (type == ElemType::kInt) v = std::trunc(v);
        else if (type == ElemType::kBool) v = v != 0;
        else if (n.Int("to", 1) == 1) v = static_cast<float>(v);
      }
      if (x.type == ElemType::kInt && type == ElemType::kInt && op != "Cast") v = std::trunc(v);
      y.data[i] = v;
    }
    if (op == "Dropout" && out->size() > 1) (*out)[1].data.assign(x.data.size(), 1.0);
    return;
  }
  if (BinaryOps().count(op)) {
    std::vector<const Tensor*> ins;
    for (size_t i = 0; i < in.size(); ++i) ins.push_back(&Need(n, label, in, i));
    if (ins.empty()) Bad(n, label, "no inputs");
    const auto shape = BroadcastShape(n, label, ins);
    ElemType type = ins[0]->type;
    static const std::set<std::string> cmp = {"Equal", "Less", "Greater", "LessOrEqual",
                                              "GreaterOrEqual", "And", "Or", "Xor"};
    if (cmp.count(op)) type = ElemType::kBool;
    if (op == "Where") type = ins.size() > 1 ? ins[1]->type : ElemType::kFloat;
    Tensor& y = Out(out, 0);
    SetShape(y, shape, type);
    if (!values) return;
    y.data.assign(static_cast<size_t>(Numel(shape)), 0.0);
    if (op == "Where") {
      if (ins.size() != 3) Bad(n, label, "Where needs 3 inputs");
      ForEachBroadcast(shape, ins, [&](int64_t e, const std::vector<int64_t>& o) {
        y.data[static_cast<size_t>(e)] = ins[0]->data[static_cast<size_t>(o[0])] != 0
                                             ? ins[1]->data[static_cast<size_t>(o[1])]
                                             : ins[2]->data[static_cast<size_t>(o[2])];
      });
      return;
    }
    if (ins.size() == 1) { y.data = ins[0]->data; return; }
    const BinaryFn f = BinaryFunction(op, n, type);
    ForEachBroadcast(shape, ins, [&](int64_t e, const std::vector<int64_t>& o) {
      double acc = ins[0]->data[static_cast<size_t>(o[0])];
      for (size_t k = 1; k < ins.size(); ++k) acc = f(acc, ins[k]->data[static_cast<size_t>(o[k])]);
      if (op == "Mean") acc /= static_cast<double>(ins.size());
      if (type == ElemType::kFloat && ins[0]->type == ElemType::kFloat) {
      } else if (type == ElemType::kInt) {
        acc = std::trunc(acc);
      }
      y.data[static_cast<size_t>(e)] = acc;
    });
    return;
  }

  if (op == "_Lut") {
    const Tensor& x = Need(n, label, in, 0);
    Tensor& y = Out(out, 0);
    SetShape(y, x.shape, ElemType::kFloat);
    if (values) y.data = EvalElementwiseBody(*n.body, x.data);
    return;
  }

  // ---- shape manipulation ----
  if (op == "Constant") {
    Tensor& y = Out(out, 0);
    if (n.Has("value")) {
      const Tensor& v = *n.attrs.at("value").t;
      y.shape = v.shape; y.has_shape = true; y.type = v.type; y.data = v.data;
    } else if (n.Has("value_float")) {
      SetShape(y, {}, ElemType::kFloat); y.data = {n.Float("value_float", 0)};
    } else if (n.Has("value_floats")) {
      const auto& f = n.attrs.at("value_floats").floats;
      SetShape(y, {static_cast<int64_t>(f.size())}, ElemType::kFloat); y.data = f;
    } else if (n.Has("value_int")) {
      SetShape(y, {}, ElemType::kInt); y.data = {static_cast<double>(n.Int("value_int", 0))};
    } else if (n.Has("value_ints")) {
      const auto v = n.Ints("value_ints");
      SetShape(y, {static_cast<int64_t>(v.size())}, ElemType::kInt);
      y.data.assign(v.begin(), v.end());
    } else {
      Bad(n, label, "unsupported Constant attribute");
    }
    return;
  }
  if (op == "Shape" || op == "Size") {
    const Tensor& x = Need(n, label, in, 0);
    Tensor& y = Out(out, 0);
    if (op == "Size") {
      SetShape(y, {}, ElemType::kInt);
      y.data = {static_cast<double>(x.numel())};
      return;
    }
    const int64_t r = x.rank();
    int64_t s = n.Int("start", 0), e = n.Int("end", r);
    if (s < 0) s += r;
    if (e < 0) e += r;
    s = std::clamp<int64_t>(s, 0, r);
    e = std::clamp<int64_t>(e, 0, r);
    SetShape(y, {std::max<int64_t>(0, e - s)}, ElemType::kInt);
    y.data.clear();
    for (int64_t i = s; i < e; ++i) y.data.push_back(static_cast<double>(x.shape[static_cast<size_t>(i)]));
    return;  // values known from the shape alone
  }
  if (op == "Gather") {
    const Tensor& x = Need(n, label, in, 0);
    const Tensor& idx = Need(n, label, in, 1);
    const int64_t axis = NormAxis(n, label, n.Int("axis", 0), x.rank());
    std::vector<int64_t> shape(x.shape.begin(), x.shape.begin() + axis);
    shape.insert(shape.end(), idx.shape.begin(), idx.shape.end());
    shape.insert(shape.end(), x.shape.begin() + axis + 1, x.shape.end());
    Tensor& y = Out(out, 0);
    SetShape(y, shape, x.type);
    if (!values) return;
    const int64_t outer = Numel({x.shape.begin(), x.shape.begin() + axis});
    const int64_t inner = Numel({x.shape.begin() + axis + 1, x.shape.end()});
    const int64_t dim = x.shape[static_cast<size_t>(axis)];
    y.data.clear();
    for (int64_t o = 0; o < outer; ++o)
      for (double dv : idx.data) {
        if (!(dv > -9.2e18 && dv < 9.2e18)) Bad(n, label, "index out of range");
        int64_t k = static_cast<int64_t>(dv);
        if (k < 0) k += dim;
        if (k < 0 || k >= dim) Bad(n, label, "index out of range");
        for (int64_t i = 0; i < inner; ++i)
          y.data.push_back(x.data[static_cast<size_t>((o * dim + k) * inner + i)]);
      }
    return;
  }
  if (op == "Slice") {
    const Tensor& x = Need(n, label, in, 0);
    std::vector<int64_t> starts, ends, axes, steps;
    if (opset < 10) {
      starts = n.Ints("starts"); ends = n.Ints("ends"); axes = n.Ints("axes");
    } else {
      starts = ConstInts(n, label, In(in, 1), "starts");
      ends = ConstInts(n, label, In(in, 2), "ends");
      if (In(in, 3)) axes = ConstInts(n, label, In(in, 3), "axes");
      if (In(in, 4)) steps = ConstInts(n, label, In(in, 4), "steps");
    }
    if (axes.empty()) for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
      Bad(n, label, "starts/ends/axes/steps lengths differ");
    const int64_t r = x.rank();
    std::vector<int64_t> b(static_cast<size_t>(r), 0), st(static_cast<size_t>(r), 1), shape = x.shape;
    for (size_t i = 0; i < starts.size(); ++i) {
      const int64_t a = NormAxis(n, label, axes[i], r);
      const int64_t dim = x.shape[static_cast<size_t>(a)];
      const int64_t step = steps[i];
      if (step == 0) Bad(n, label, "step 0");
      int64_t s = starts[i], e = ends[i];
      if (s < 0) s += dim;
      if (e < 0) e += dim;
      if (step > 0) {
        s = std::clamp<int64_t>(s, 0, dim);
        e = std::clamp<int64_t>(e, 0, dim);
        shape[static_cast<size_t>(a)] = e > s ? (e - s + step - 1) / step : 0;
      } else {
        s = std::clamp<int64_t>(s, 0, dim - 1);
        e = std::clamp<int64_t>(e, -1, dim - 1);
        shape[static_cast<size_t>(a)] = s > e ? (s - e + (-step) - 1) / (-step) : 0;
      }
      b[static_cast<size_t>(a)] = s;
      st[static_cast<size_t>(a)] = step;
    }
    Tensor& y = Out(out, 0);
    SetShape(y, shape, x.type);
    if (!values) return;
    const auto xs = Strides(x.shape);
    const int64_t total = Numel(shape);
    y.data.resize(static_cast<size_t>(total));
    std::vector<int64_t> idx(static_cast<size_t>(r), 0);
    for (int64_t e = 0; e < total; ++e) {
      int64_t off = 0;
      for (size_t d = 0; d < idx.size(); ++d) off += (b[d] + idx[d] * st[d]) * xs[d];
      y.data[static_cast<size_t>(e)] = x.data[static_cast<size_t>(off)];
      for (int d = static_cast<int>(r) - 1; d >= 0; --d) {
        if (++idx[static_cast<size_t>(d)] < shape[static_cast<size_t>(d)]) break;
        idx[static_cast<size_t>(d)] = 0;
      }
    }
    return;
  }
  if (op == "Concat") {
    std::vector<const Tensor*> ins;
    for (size_t i = 0; i < in.size(); ++i) {
      const Tensor& t = Need(n, label, in, i);
      if (t.numel() == 0 && t.rank() == 1) continue;  // empty shape pieces
      ins.push_back(&t);
    }
    if (ins.empty()) Bad(n, label, "no inputs");
    const int64_t r = ins[0]->rank();
    const int64_t axis = NormAxis(n, label, n.Int("axis", 0), r);
    std::vector<int64_t> shape = ins[0]->shape;
    shape[static_cast<size_t>(axis)] = 0;
    for (const Tensor* t : ins) {
      if (t->rank() != r) Bad(n, label, "inputs of different ranks");
      for (int64_t d = 0; d < r; ++d)
        if (d != axis && t->shape[static_cast<size_t>(d)] != shape[static_cast<size_t>(d)])
          Bad(n, label, Cat("input shapes differ off the axis: ", ShapeStr(t->shape), " vs ", ShapeStr(ins[0]->shape)));
      shape[static_cast<size_t>(axis)] += t->shape[static_cast<size_t>(axis)];
    }
    Tensor& y = Out(out, 0);
    SetShape(y, shape, ins[0]->type);
    if (!values) return;
    const int64_t outer = Numel({shape.begin(), shape.begin() + axis});
    y.data.clear();
    for (int64_t o = 0; o < outer; ++o)
      for (const Tensor* t : ins) {
        const int64_t chunk = Numel({t->shape.begin() + axis, t->shape.end()});
        y.data.insert(y.data.end(), t->data.begin() + o * chunk, t->data.begin() + (o + 1) * chunk);
      }
    return;
  }
  if (op == "ConstantOfShape") {
    const auto shape = ConstInts(n, label, In(in, 0), "shape");
    Tensor& y = Out(out, 0);
    double v = 0;
    ElemType type = ElemType::kFloat;
    if (n.Has("value")) {
      const Tensor& t = *n.attrs.at("value").t;
      if (!t.data.empty()) v = t.data[0];
      type = t.type;
    }
    for (int64_t d : shape) if (d < 0) Bad(n, label, "negative dimension");
    SetShape(y, shape, type);
    if (!values) return;
    y.data.assign(static_cast<size_t>(Numel(shape)), v);
    return;
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    const Tensor& x = Need(n, label, in, 0);
    std::vector<int64_t> axes;
    if (opset >= 13) {
      if (In(in, 1)) axes = ConstInts(n, label, In(in, 1), "axes");
    } else {
      axes = n.Ints("axes");
    }
    std::vector<int64_t> shape;
    if (op == "Unsqueeze") {
      const int64_t r = x.rank() + static_cast<int64_t>(axes.size());
      std::vector<bool> is_new(static_cast<size_t>(r), false);
      for (int64_t a : axes) is_new[static_cast<size_t>(NormAxis(n, label, a, r))] = true;
      size_t k = 0;
      for (int64_t d = 0; d < r; ++d) shape.push_back(is_new[static_cast<size_t>(d)] ? 1 : x.shape[k++]);
      if (k != x.shape.size()) Bad(n, label, "repeated axes");
    } else {
      std::vector<bool> drop(x.shape.size(), false);
      if (axes.empty()) {
        for (size_t d = 0; d < x.shape.size(); ++d) drop[d] = x.shape[d] == 1;
      } else {
        for (int64_t a : axes) {
          const int64_t d = NormAxis(n, label, a, x.rank());
          if (x.shape[static_cast<size_t>(d)] != 1) Bad(n, label, "squeezing a dimension that is not 1");
          drop[static_cast<size_t>(d)] = true;
        }
      }
      for (size_t d = 0; d < x.shape.size(); ++d) if (!drop[d]) shape.push_back(x.shape[d]);
    }
    Tensor& y = Out(out, 0);
    SetShape(y, shape, x.type);
    if (values) y.data = x.data;
    return;
  }
  if (op == "Reshape" || op == "Flatten") {
    const Tensor& x = Need(n, label, in, 0);
    std::vector<int64_t> shape;
    if (op == "Flatten") {
      int64_t axis = n.Int("axis", 1);
      if (axis < 0) axis += x.rank();
      if (axis < 0 || axis > x.rank()) Bad(n, label, "axis out of range");
      shape = {Numel({x.shape.begin(), x.shape.begin() + axis}), Numel({x.shape.begin() + axis, x.shape.end()})};
    } else {
      shape = opset < 5 ? n.Ints("shape") : ConstInts(n, label, In(in, 1), "shape");
      const bool allowzero = n.Int("allowzero", 0) != 0;
      int64_t known = 1, infer = -1;
      for (size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] == 0 && !allowzero) {
          if (d >= x.shape.size()) Bad(n, label, "0 in shape beyond the input rank");
          shape[d] = x.shape[d];
        }
        if (shape[d] == -1) {
          if (infer >= 0) Bad(n, label, "more than one -1 in shape");
          infer = static_cast<int64_t>(d);
        } else if (shape[d] < 0) {
          Bad(n, label, "negative dimension in shape");
        } else {
          if (shape[d] != 0 && known > std::numeric_limits<int64_t>::max() / shape[d])
            Bad(n, label, Cat("shape ", ShapeStr(shape), " is too large"));
          known *= shape[d];
        }
      }
      if (infer >= 0) {
        if (known == 0 || x.numel() % known) Bad(n, label, Cat("cannot reshape ", ShapeStr(x.shape), " to ", ShapeStr(shape)));
        shape[static_cast<size_t>(infer)] = x.numel() / known;
      }
      if (Numel(shape) != x.numel())
        Bad(n, label, Cat("cannot reshape ", ShapeStr(x.shape), " to ", ShapeStr(shape)));
    }
    Tensor& y = Out(out, 0);
    SetShape(y, shape, x.type);
    if (values) y.data = x.data;
    return;
  }
  if (op == "Transpose") {
    const Tensor& x = Need(n, label, in, 0);
    std::vector<int64_t> perm = n.Ints("perm");
    if (perm.empty()) for (int64_t d = x.rank() - 1; d >= 0; --d) perm.push_back(d);
    if (static_cast<int64_t>(perm.size()) != x.rank()) Bad(n, label, "perm has the wrong length");
    std::vector<int64_t> shape;
    std::vector<bool> seen(perm.size(), false);
    for (int64_t p : perm) {
      if (p < 0 || p >= x.rank() || seen[static_cast<size_t>(p)]) Bad(n, label, "invalid perm");
      seen[static_cast<size_t>(p)] = true;
      shape.push_back(x.shape[static_cast<size_t>(p)]);
    }
    Tensor& y = Out(out, 0);
    SetShape(y, shape, x.type);
    if (!values) return;
    const auto xs = Strides(x.shape);
    const int64_t total = x.numel();
    y.data.resize(static_cast<size_t>(total));
    std::vector<int64_t> idx(perm.size(), 0);
    for (int64_t e = 0; e < total; ++e) {
      int64_t off = 0;
      for (size_t d = 0; d < perm.size(); ++d) off += idx[d] * xs[static_cast<size_t>(perm[d])];
      y.data[static_cast<size_t>(e)] = x.data[static_cast<size_t>(off)];
      for (int d = static_cast<int>(perm.size()) - 1; d >= 0; --d) {
        if (++idx[static_cast<size_t>(d)] < shape[static_cast<size_t>(d)]) break;
        idx[static_cast<size_t>(d)] = 0;
      }
    }
    return;
  }
  if (op == "Expand") {
    const Tensor& x = Need(n, label, in, 0);
    Tensor s;
    s.shape = ConstInts(n, label, In(in, 1), "shape");
    s.has_shape = true;
    const auto shape = BroadcastShape(n, label, {&x, &s});
    Tensor& y = Out(out, 0);
    SetShape(y, shape, x.type);
    if (!values) return;
    y.data.resize(static_cast<size_t>(Numel(shape)));
    ForEachBroadcast(shape, {&x}, [&](int64_t e, const std::vector<int64_t>& o) {
      y.data[static_cast<size_t>(e)] = x.data[static_cast<size_t>(o[0])];
    });
    return;
  }
  if (op == "Tile") {
    const Tensor& x = Need(n, label, in, 0);
    const auto reps = ConstInts(n, label, In(in, 1), "repeats");
    if (static_cast<int64_t>(reps.size()) != x.rank()) Bad(n, label, "repeats length differs from rank");
    std::vector<int64_t> shape;
    for (size_t d = 0; d < reps.size(); ++d) shape.push_back(x.shape[d] * reps[d]);
    Tensor& y = Out(out, 0);
    SetShape(y, shape, x.type);
    if (!values) return;
    const auto xs = Strides(x.shape);
    const int64_t total = Numel(shape);
    y.data.resize(static_cast<size_t>(total));
    std::vector<int64_t> idx(shape.size(), 0);
    for (int64_t e = 0; e < total; ++e) {
      int64_t off = 0;
      for (size_t d = 0; d < shape.size(); ++d) off += (idx[d] % x.shape[d]) * xs[d];
      y.data[static_cast<size_t>(e)] = x.data[static_cast<size_t>(off)];
      for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        if (++idx[static_cast<size_t>(d)] < shape[static_cast<size_t>(d)]) break;
        idx[static_cast<size_t>(d)] = 0;
      }
    }
    return;
  }
  if (op == "Range") {
    const auto& s = Need(n, label, in, 0);
    const auto& l = Need(n, label, in, 1);
    const auto& d = Need(n, label, in, 2);
    if (!data_ok(&s) || !data_ok(&l) || !data_ok(&d) || s.data.empty() || l.data.empty() || d.data.empty())
      Bad(n, label, "only constant ranges are supported");
    const double start = s.data[0], limit = l.data[0], delta = d.data[0];
    if (delta == 0) Bad(n, label, "delta 0");
    const double steps = std::ceil((limit - start) / delta);
    if (!(steps <= double{1 << 30})) Bad(n, label, "range too long");
    const int64_t count = std::max<int64_t>(0, static_cast<int64_t>(steps));
    Tensor& y = Out(out, 0);
    SetShape(y, {count}, s.type);
    if (!values) return;
    y.data.clear();
    y.data.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) y.data.push_back(start + static_cast<double>(i) * delta);
    return;
  }
  if (op == "Split") {
    const Tensor& x = Need(n, label, in, 0);
    const int64_t axis = NormAxis(n, label, n.Int("axis", 0), x.rank());
    std::vector<int64_t> split;
    if (opset >= 13) {
      if (In(in, 1)) split = ConstInts(n, label, In(in, 1), "split");
    } else {
      split = n.Ints("split");
    }
    const int64_t dim = x.shape[static_cast<size_t>(axis)];
    const size_t outs = n.outputs.size();
    if (split.empty()) {
      const int64_t k = static_cast<int64_t>(outs);
      const int64_t chunk = (dim + k - 1) / k;
      for (int64_t i = 0; i < k; ++i) split.push_back(std::min(chunk, dim - i * chunk));
    }
    if (split.size() != outs) Bad(n, label, "split count differs from the outputs");
    const int64_t outer = Numel({x.shape.begin(), x.shape.begin() + axis});
    const int64_t inner = Numel({x.shape.begin() + axis + 1, x.shape.end()});
    int64_t begin = 0;
    for (size_t k = 0; k < outs; ++k) {
      std::vector<int64_t> shape = x.shape;
      shape[static_cast<size_t>(axis)] = split[k];
      Tensor& y = Out(out, k);
      SetShape(y, shape, x.type);
      if (values) {
        y.data.clear();
        for (int64_t o = 0; o < outer; ++o)
          y.data.insert(y.data.end(), x.data.begin() + (o * dim + begin) * inner,
                        x.data.begin() + (o * dim + begin + split[k]) * inner);
      }
      begin += split[k];
    }
    if (begin != dim) Bad(n, label, "split sizes do not add up");
    return;
  }
  if (op == "ReduceProd" || op == "ReduceSum" || op == "ReduceMax" || op == "ReduceMin" ||
      op == "ReduceMean") {
    const Tensor& x = Need(n, label, in, 0);
    const auto axes = ReduceAxes(n, label, opset, in, x.rank());
    const bool keep = n.Int("keepdims", 1) != 0;
    std::vector<bool> red(x.shape.size(), false);
    for (int64_t a : axes) red[static_cast<size_t>(a)] = true;
    std::vector<int64_t> shape, kshape;
    for (size_t d = 0; d < x.shape.size(); ++d) {
      kshape.push_back(red[d] ? 1 : x.shape[d]);
      if (!red[d]) shape.push_back(x.shape[d]);
      else if (keep) shape.push_back(1);
    }
    Tensor& y = Out(out, 0);
    SetShape(y, shape, x.type);
    if (!values) return;
    const int64_t total = Numel(kshape);
    const double init = op == "ReduceProd" ? 1.0
                        : op == "ReduceMax" ? -std::numeric_limits<double>::infinity()
                        : op == "ReduceMin" ? std::numeric_limits<double>::infinity() : 0.0;
    y.data.assign(static_cast<size_t>(total), init);
    const auto ks = Strides(kshape);
    std::vector<int64_t> idx(x.shape.size(), 0);
    for (int64_t e = 0; e < x.numel(); ++e) {
      int64_t o = 0;
      for (size_t d = 0; d < idx.size(); ++d) if (!red[d]) o += idx[d] * ks[d];
      double& acc = y.data[static_cast<size_t>(o)];
      const double v = x.data[static_cast<size_t>(e)];
      if (op == "ReduceProd") acc *= v;
      else if (op == "ReduceMax") acc = std::max(acc, v);
      else if (op == "ReduceMin") acc = std::min(acc, v);
      else acc += v;
      for (int d = static_cast<int>(idx.size()) - 1; d >= 0; --d) {
        if (++idx[static_cast<size_t>(d)] < x.shape[static_cast<size_t>(d)]) break;
        idx[static_cast<size_t>(d)] = 0;
      }
    }
    if (op == "ReduceMean" && total > 0) {
      const double cnt = static_cast<double>(x.numel() / total);
      for (double& v : y.data) v /= cnt;
    }
    return;
  }

  // ---- neural network ops (NCHW) ----
  if (op == "Conv") {
    const Tensor& x = Need(n, label, in, 0);
    const Tensor& w = Need(n, label, in, 1);
    if (x.rank() != 4 || w.rank() != 4) Bad(n, label, "only 2-D convolution (rank-4 input) is supported");
    const int64_t g = n.Int("group", 1);
    const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
    const int64_t OC = w.shape[0], ICg = w.shape[1];
    if (g < 1 || C % g || OC % g || ICg * g != C)
      Bad(n, label, Cat("weights ", ShapeStr(w.shape), " do not match input ", ShapeStr(x.shape), " with group ", g));
    const auto ks = n.Ints("kernel_shape", {w.shape[2], w.shape[3]});
    if (ks.size() != 2 || ks[0] != w.shape[2] || ks[1] != w.shape[3]) Bad(n, label, "kernel_shape differs from the weights");
    const WindowGeom wg = ComputeWindow(n, label, H, W, w.shape[2], w.shape[3], false);
    Tensor& y = Out(out, 0);
    SetShape(y, {N, OC, wg.oh, wg.ow}, ElemType::kFloat);
    if (!values) return;
    const Tensor* b = In(in, 2);
    y.data.assign(static_cast<size_t>(N * OC * wg.oh * wg.ow), 0.0);
    const int64_t ocg = OC / g;
    for (int64_t nn = 0; nn < N; ++nn)
      for (int64_t oc = 0; oc < OC; ++oc) {
        const int64_t grp = oc / ocg;
        for (int64_t oy = 0; oy < wg.oh; ++oy)
          for (int64_t ox = 0; ox < wg.ow; ++ox) {
            double acc = b ? b->data[static_cast<size_t>(oc)] : 0.0;
            for (int64_t ic = 0; ic < ICg; ++ic)
              for (int64_t ky = 0; ky < wg.kh; ++ky) {
                const int64_t iy = oy * wg.sh - wg.pt + ky * wg.dh;
                if (iy < 0 || iy >= H) continue;
                for (int64_t kx = 0; kx < wg.kw; ++kx) {
                  const int64_t ix = ox * wg.sw - wg.pl + kx * wg.dw;
                  if (ix < 0 || ix >= W) continue;
                  acc += x.data[static_cast<size_t>(((nn * C + grp * ICg + ic) * H + iy) * W + ix)] *
                         w.data[static_cast<size_t>(((oc * ICg + ic) * wg.kh + ky) * wg.kw + kx)];
                }
              }
            y.data[static_cast<size_t>(((nn * OC + oc) * wg.oh + oy) * wg.ow + ox)] = acc;
          }
      }
    return;
  }
  if (op == "MaxPool" || op == "AveragePool") {
    const Tensor& x = Need(n, label, in, 0);
    if (x.rank() != 4) Bad(n, label, "only 2-D pooling (rank-4 input) is supported");
    if (n.outputs.size() > 1 && n.outputs[1] >= 0) Bad(n, label, "the Indices output is not supported");
    const auto ks = n.Ints("kernel_shape");
    if (ks.size() != 2) Bad(n, label, "kernel_shape must have 2 values");
    const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
    const WindowGeom wg = ComputeWindow(n, label, H, W, ks[0], ks[1], true);
    Tensor& y = Out(out, 0);
    SetShape(y, {N, C, wg.oh, wg.ow}, ElemType::kFloat);
    if (!values) return;
    const bool include_pad = n.Int("count_include_pad", 0) != 0;
    y.data.resize(static_cast<size_t>(N * C * wg.oh * wg.ow));
    for (int64_t nc = 0; nc < N * C; ++nc)
      for (int64_t oy = 0; oy < wg.oh; ++oy)
        for (int64_t ox = 0; ox < wg.ow; ++ox) {
          double acc = op == "MaxPool" ? -std::numeric_limits<double>::infinity() : 0.0;
          int64_t count = 0, padded = 0;
          for (int64_t ky = 0; ky < wg.kh; ++ky)
            for (int64_t kx = 0; kx < wg.kw; ++kx) {
              const int64_t iy = oy * wg.sh - wg.pt + ky * wg.dh;
              const int64_t ix = ox * wg.sw - wg.pl + kx * wg.dw;
              // Positions in the explicit padding count for count_include_pad; positions
              // beyond it (ceil mode) never do.
              if (iy >= -wg.pt && iy < H + wg.pb && ix >= -wg.pl && ix < W + wg.pr) ++padded;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              const double v = x.data[static_cast<size_t>((nc * H + iy) * W + ix)];
              if (op == "MaxPool") acc = std::max(acc, v);
              else acc += v;
              ++count;
            }
          if (op == "AveragePool") acc /= static_cast<double>(include_pad ? padded : std::max<int64_t>(count, 1));
          y.data[static_cast<size_t>((nc * wg.oh + oy) * wg.ow + ox)] = acc;
        }
    return;
  }
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool") {
    const Tensor& x = Need(n, label, in, 0);
    if (x.rank() < 3) Bad(n, label, "input rank below 3");
    std::vector<int64_t> shape = {x.shape[0], x.shape[1]};
    for (int i = 2; i < x.rank(); ++i) shape.push_back(1);
    Tensor& y = Out(out, 0);
    SetShape(y, shape, ElemType::kFloat);
    if (!values) return;
    const int64_t nc = x.shape[0] * x.shape[1];
    const int64_t hw = x.numel() / std::max<int64_t>(nc, 1);
    y.data.resize(static_cast<size_t>(nc));
    for (int64_t i = 0; i < nc; ++i) {
      double acc = op == "GlobalMaxPool" ? -std::numeric_limits<double>::infinity() : 0.0;
      for (int64_t k = 0; k < hw; ++k) {
        const double v = x.data[static_cast<size_t>(i * hw + k)];
        acc = op == "GlobalMaxPool" ? std::max(acc, v) : acc + v;
      }
      y.data[static_cast<size_t>(i)] = op == "GlobalMaxPool" ? acc : acc / static_cast<double>(hw);
    }
    return;
  }
  if (op == "BatchNormalization") {
    const Tensor& x = Need(n, label, in, 0);
    if (x.rank() < 2) Bad(n, label, "input rank below 2");
    Tensor& y = Out(out, 0);
    SetShape(y, x.shape, ElemType::kFloat);
    for (size_t k = 1; k < n.outputs.size(); ++k)
      if (n.outputs[k] >= 0) Bad(n, label, "training-mode outputs are not supported");
    if (!values) return;
    const Tensor &sc = Need(n, label, in, 1), &bi = Need(n, label, in, 2), &mean = Need(n, label, in, 3),
                 &var = Need(n, label, in, 4);
    const double eps = n.Float("epsilon", 1e-5);
    const int64_t C = x.shape[1];
    const int64_t inner = x.numel() / (x.shape[0] * C);
    y.data.resize(x.data.size());
    for (int64_t e = 0; e < x.numel(); ++e) {
      const size_t c = static_cast<size_t>((e / inner) % C);
      y.data[static_cast<size_t>(e)] =
          (x.data[static_cast<size_t>(e)] - mean.data[c]) / std::sqrt(var.data[c] + eps) * sc.data[c] + bi.data[c];
    }
    return;
  }
  if (op == "Gemm") {
    const Tensor& a = Need(n, label, in, 0);
    const Tensor& b = Need(n, label, in, 1);
    if (a.rank() != 2 || b.rank() != 2) Bad(n, label, "Gemm inputs must be rank 2");
    const bool ta = n.Int("transA", 0) != 0, tb = n.Int("transB", 0) != 0;
    const int64_t M = ta ? a.shape[1] : a.shape[0], K = ta ? a.shape[0] : a.shape[1];
    const int64_t K2 = tb ? b.shape[1] : b.shape[0], N = tb ? b.shape[0] : b.shape[1];
    if (K != K2) Bad(n, label, Cat("inner dimensions differ: ", ShapeStr(a.shape), " x ", ShapeStr(b.shape)));
    Tensor& y = Out(out, 0);
    SetShape(y, {M, N}, ElemType::kFloat);
    if (!values) return;
    const double alpha = n.Float("alpha", 1.0), beta = n.Float("beta", 1.0);
    const Tensor* c = In(in, 2);
    Tensor cs;
    y.data.assign(static_cast<size_t>(M * N), 0.0);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < K; ++k)
          acc += a.data[static_cast<size_t>(ta ? k * M + i : i * K + k)] *
                 b.data[static_cast<size_t>(tb ? j * K + k : k * N + j)];
        y.data[static_cast<size_t>(i * N + j)] = alpha * acc;
      }
    if (c) {
      std::vector<const Tensor*> ins = {&y, c};
      const auto sh = BroadcastShape(n, label, ins);
      if (sh != y.shape) Bad(n, label, "C does not broadcast to the output");
      std::vector<double> res(y.data.size());
      ForEachBroadcast(y.shape, ins, [&](int64_t e, const std::vector<int64_t>& o) {
        res[static_cast<size_t>(e)] = y.data[static_cast<size_t>(o[0])] + beta * c->data[static_cast<size_t>(o[1])];
      });
      y.data = std::move(res);
    }
    return;
  }
  if (op == "MatMul") {
    const Tensor& a = Need(n, label, in, 0);
    const Tensor& b = Need(n, label, in, 1);
    if (a.rank() < 1 || b.rank() < 1) Bad(n, label, "scalar inputs");
    if (b.rank() != 2 || a.rank() < 2) Bad(n, label, "only [..., K] x [K, N] is supported");
    const int64_t K = a.shape.back(), N = b.shape[1];
    if (b.shape[0] != K) Bad(n, label, Cat("inner dimensions differ: ", ShapeStr(a.shape), " x ", ShapeStr(b.shape)));
    std::vector<int64_t> shape = a.shape;
    shape.back() = N;
    Tensor& y = Out(out, 0);
    SetShape(y, shape, ElemType::kFloat);
    if (!values) return;
    const int64_t M = a.numel() / K;
    y.data.assign(static_cast<size_t>(M * N), 0.0);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t k = 0; k < K; ++k) {
        const double av = a.data[static_cast<size_t>(i * K + k)];
        for (int64_t j = 0; j < N; ++j) y.data[static_cast<size_t>(i * N + j)] += av * b.data[static_cast<size_t>(k * N + j)];
      }
    return;
  }
  if (op == "Pad") {
    const Tensor& x = Need(n, label, in, 0);
    std::vector<int64_t> pads;
    double value = 0;
    if (opset < 11) {
      pads = n.Ints("pads");
      value = n.Float("value", 0.0);
    } else {
      pads = ConstInts(n, label, In(in, 1), "pads");
      if (In(in, 2) && In(in, 2)->numel() > 0) {
        if (!data_ok(In(in, 2))) Bad(n, label, "constant_value is not constant");
        value = In(in, 2)->data[0];
      }
      if (In(in, 3)) Bad(n, label, "the axes input is not supported");
    }
    const std::string mode = n.Str("mode", "constant");
    if (mode != "constant") Bad(n, label, "only mode 'constant' is supported (got '" + mode + "')");
    const int64_t r = x.rank();
    if (static_cast<int64_t>(pads.size()) != 2 * r) Bad(n, label, "pads must have 2*rank values");
    std::vector<int64_t> shape = x.shape;
    for (int64_t d = 0; d < r; ++d) {
      shape[static_cast<size_t>(d)] += pads[static_cast<size_t>(d)] + pads[static_cast<size_t>(d + r)];
      if (pads[static_cast<size_t>(d)] < 0 || pads[static_cast<size_t>(d + r)] < 0) Bad(n, label, "negative pads are not supported");
    }
    Tensor& y = Out(out, 0);
    SetShape(y, shape, x.type);
    if (!values) return;
    y.data.assign(static_cast<size_t>(Numel(shape)), value);
    const auto ys = Strides(shape);
    std::vector<int64_t> idx(static_cast<size_t>(r), 0);
    for (int64_t e = 0; e < x.numel(); ++e) {
      int64_t o = 0;
      for (size_t d = 0; d < idx.size(); ++d) o += (idx[d] + pads[d]) * ys[d];
      y.data[static_cast<size_t>(o)] = x.data[static_cast<size_t>(e)];
      for (int d = static_cast<int>(r) - 1; d >= 0; --d) {
        if (++idx[static_cast<size_t>(d)] < x.shape[static_cast<size_t>(d)]) break;
        idx[static_cast<size_t>(d)] = 0;
      }
    }
    return;
  }
  if (op == "Softmax" || op == "LogSoftmax") {
    const Tensor& x = Need(n, label, in, 0);
    Tensor& y = Out(out, 0);
    SetShape(y, x.shape, ElemType::kFloat);
    if (!values) return;
    const int64_t r = x.rank();
    const int64_t axis = NormAxis(n, label, n.Int("axis", opset >= 13 ? -1 : 1), r);
    int64_t outer, depth, inner;
    if (opset < 13) {
      outer = Numel({x.shape.begin(), x.shape.begin() + axis});
      depth = Numel({x.shape.begin() + axis, x.shape.end()});
      inner = 1;
    } else {
      outer = Numel({x.shape.begin(), x.shape.begin() + axis});
      depth = x.shape[static_cast<size_t>(axis)];
      inner = Numel({x.shape.begin() + axis + 1, x.shape.end()});
    }
    y.data.resize(x.data.size());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t k = 0; k < depth; ++k) mx = std::max(mx, x.data[static_cast<size_t>((o * depth + k) * inner + i)]);
        double sum = 0;
        for (int64_t k = 0; k < depth; ++k) sum += std::exp(x.data[static_cast<size_t>((o * depth + k) * inner + i)] - mx);
        for (int64_t k = 0; k < depth; ++k) {
          const size_t e = static_cast<size_t>((o * depth + k) * inner + i);
          const double v = x.data[e] - mx;
          y.data[e] = op == "Softmax" ? std::exp(v) / sum : v - std::log(sum);
        }
      }
    return;
  }
  Bad(n, label, "is not supported");
}

std::vector<Tensor> EvaluateGraph(const Graph& g, const std::vector<std::vector<double>>& inputs) {
  std::vector<Tensor> t = g.tensors;
  if (inputs.size() != g.inputs.size()) Fail("EvaluateGraph: expected ", g.inputs.size(), " inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor& x = t[static_cast<size_t>(g.inputs[i])];
    if (static_cast<int64_t>(inputs[i].size()) != x.numel()) Fail("EvaluateGraph: input ", i, " has the wrong size");
    x.data = inputs[i];
  }
  for (const Node& n : g.nodes) {
    if (n.dead) continue;
    std::vector<const Tensor*> in;
    for (int id : n.inputs) in.push_back(id >= 0 ? &t[static_cast<size_t>(id)] : nullptr);
    std::vector<Tensor> out(n.outputs.size());
    for (size_t k = 0; k < n.outputs.size(); ++k)
      if (n.outputs[k] >= 0) out[k].name = t[static_cast<size_t>(n.outputs[k])].name;
    RunNode(n, g.Label(n), g.opset, in, &out, true);
    for (size_t k = 0; k < n.outputs.size(); ++k)
      if (n.outputs[k] >= 0 && k < out.size()) {
        Tensor& dst = t[static_cast<size_t>(n.outputs[k])];
        dst.shape = out[k].shape;
        dst.type = out[k].type;
        dst.has_shape = true;
        dst.data = std::move(out[k].data);
      }
  }
  return t;
}

std::vector<double> EvalElementwiseBody(const Graph& body, const std::vector<double>& x) {
  Graph g = body;
  Tensor& in = g.tensors[static_cast<size_t>(g.inputs.at(0))];
  in.shape = {static_cast<int64_t>(x.size())};
  std::vector<Tensor> t = EvaluateGraph(g, {x});
  std::vector<double> y = std::move(t[static_cast<size_t>(g.outputs.at(0))].data);
  if (y.size() != x.size()) Fail("internal error: an elementwise region changed the element count");
  return y;
}

}  // namespace converter
}  // namespace qinfer
