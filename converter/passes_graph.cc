// ONNX-level graph passes: simplification, BatchNorm folding, activation fusion, elementwise
// region fusion into lookup tables, dead node removal.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "converter/error.h"
#include "converter/ops.h"
#include "converter/passes.h"

namespace qinfer {
namespace converter {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor& T(Graph* g, int id) { return g->tensors[static_cast<size_t>(id)]; }
const Tensor& T(const Graph& g, int id) { return g.tensors[static_cast<size_t>(id)]; }

bool IsConst(const Graph& g, int id) { return id >= 0 && T(g, id).is_const; }

// Replaces every read of `from` with `to` (node inputs and graph outputs).
void ReplaceUses(Graph* g, int from, int to) {
  for (Node& n : g->nodes) {
    if (n.dead) continue;
    for (int& t : n.inputs)
      if (t == from) t = to;
  }
  for (int& t : g->outputs) {
    if (t != from) continue;
    // Keep the ONNX output name on the tensor that now plays the output.
    const bool to_is_io = std::find(g->inputs.begin(), g->inputs.end(), to) != g->inputs.end() ||
                          g->IsOutput(to);
    if (!to_is_io) std::swap(T(g, from).name, T(g, to).name);
    t = to;
  }
}

// The node reading `t`, if exactly one node reads it once and it is not a graph output.
int SoleConsumer(const Graph& g, const std::vector<std::vector<int>>& consumers, int t) {
  if (t < 0 || g.IsOutput(t)) return -1;
  const auto& c = consumers[static_cast<size_t>(t)];
  return c.size() == 1 ? c[0] : -1;
}

std::vector<int64_t> AlignRight(const std::vector<int64_t>& s, size_t rank) {
  std::vector<int64_t> out(rank > s.size() ? rank - s.size() : 0, 1);
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

// If constant `c` broadcast against an output of shape `out` varies only along `axis` (or
// not at all), returns its per-channel values (length out[axis]); else empty.
std::vector<double> PerChannel(const Tensor& c, const std::vector<int64_t>& out, size_t axis) {
  if (c.shape.size() > out.size()) return {};
  const auto s = AlignRight(c.shape, out.size());
  for (size_t d = 0; d < s.size(); ++d)
    if (d != axis && s[d] != 1) return {};
  const int64_t ch = out[axis];
  if (s[axis] != 1 && s[axis] != ch) return {};
  std::vector<double> v(static_cast<size_t>(ch));
  for (int64_t i = 0; i < ch; ++i) v[static_cast<size_t>(i)] = c.data[s[axis] == 1 ? 0 : static_cast<size_t>(i)];
  return v;
}

// Conv or Gemm (normalized: alpha = beta = 1, transA = 0) with constant weights whose output
// channel scale/bias can be edited.
bool IsAffineProducer(const Graph& g, const Node& p) {
  if (p.op == "Conv") return IsConst(g, p.inputs.at(1)) && (p.inputs.size() < 3 || p.inputs[2] < 0 || IsConst(g, p.inputs[2]));
  if (p.op == "Gemm")
    return p.inputs.size() >= 2 && IsConst(g, p.inputs[1]) && (p.inputs.size() < 3 || p.inputs[2] < 0 || IsConst(g, p.inputs[2])) &&
           p.Int("transA", 0) == 0 && p.Float("alpha", 1.0) == 1.0 && p.Float("beta", 1.0) == 1.0;
  return false;
}

int64_t OutChannels(const Graph& g, const Node& p) {
  const Tensor& w = T(g, p.inputs[1]);
  if (p.op == "Conv") return w.shape[0];
  return p.Int("transB", 0) ? w.shape[0] : w.shape[1];
}

// Ensures producer `p` has its own bias tensor (a fresh constant of OC zeros if absent) and
// its own weight tensor (copies shared constants so edits do not leak).
void OwnParams(Graph* g, Node& p) {
  const int64_t oc = OutChannels(*g, p);
  Tensor w = T(g, p.inputs[1]);
  w.name = g->UniqueName(w.name + "_folded");
  p.inputs[1] = g->AddTensor(std::move(w));
  std::vector<double> b(static_cast<size_t>(oc), 0.0);
  if (p.inputs.size() >= 3 && p.inputs[2] >= 0) {
    const Tensor& old = T(*g, p.inputs[2]);
    if (old.numel() == oc) b = old.data;
    else if (old.numel() == 1) b.assign(static_cast<size_t>(oc), old.data[0]);
    else Fail("node '", p.name, "' (op ", p.op, "): bias of shape ", ShapeStr(old.shape), " is not supported");
  }
  const int id = g->AddConst(p.name + "_bias", {oc}, std::move(b));
  if (p.inputs.size() < 3) p.inputs.resize(3, -1);
  p.inputs[2] = id;
}

void ScaleOutputChannels(Graph* g, Node& p, const std::vector<double>& s) {
  Tensor& w = T(g, p.inputs[1]);
  const int64_t oc = OutChannels(*g, p);
  if (p.op == "Conv" || p.Int("transB", 0)) {
    const int64_t inner = w.numel() / oc;
    for (int64_t o = 0; o < oc; ++o)
      for (int64_t k = 0; k < inner; ++k) w.data[static_cast<size_t>(o * inner + k)] *= s[static_cast<size_t>(o)];
  } else {
    const int64_t rows = w.shape[0];
    for (int64_t k = 0; k < rows; ++k)
      for (int64_t o = 0; o < oc; ++o) w.data[static_cast<size_t>(k * oc + o)] *= s[static_cast<size_t>(o)];
  }
  Tensor& b = T(g, p.inputs[2]);
  for (int64_t o = 0; o < oc; ++o) b.data[static_cast<size_t>(o)] *= s[static_cast<size_t>(o)];
}

// Moves node `a`'s output onto its producer `p` (p now writes a's output), killing `a`.
void Absorb(Node& p, Node& a) {
  p.outputs[0] = a.outputs[0];
  a.dead = true;
}

}  // namespace

void SimplifyGraph(Graph* g) {
  auto consumers = g->Consumers();
  for (size_t i = 0; i < g->nodes.size(); ++i) {
    Node& n = g->nodes[i];
    if (n.dead) continue;
    const std::string label = g->Label(n);
    const bool float_cast = n.op == "Cast" && !IsConst(*g, n.inputs[0]) &&
                            T(*g, n.inputs[0]).type == ElemType::kFloat &&
                            (n.Int("to", 1) == 1 || n.Int("to", 1) == 11 || n.Int("to", 1) == 10);
    if (n.op == "Identity" || n.op == "Dropout" || float_cast) {
      if (n.outputs.size() > 1 && n.outputs[1] >= 0 &&
          (!consumers[static_cast<size_t>(n.outputs[1])].empty() || g->IsOutput(n.outputs[1])))
        Fail("node '", label, "' (op Dropout): the mask output is not supported");
      n.dead = true;
      ReplaceUses(g, n.outputs[0], n.inputs[0]);
      consumers = g->Consumers();
      continue;
    }
    if (n.op == "LogSoftmax") {
      Tensor mid = T(*g, n.outputs[0]);
      mid.name = g->UniqueName(mid.name + "_softmax");
      const int mid_id = g->AddTensor(std::move(mid));
      Node log;
      log.name = n.name + "_log";
      log.op = "Log";
      log.inputs = {mid_id};
      log.outputs = {n.outputs[0]};
      n.op = "Softmax";
      n.outputs = {mid_id};
      g->nodes.push_back(std::move(log));
      consumers = g->Consumers();
      continue;
    }
    if ((n.op == "Sub" || n.op == "Div") && n.inputs.size() == 2 && !IsConst(*g, n.inputs[0]) &&
        IsConst(*g, n.inputs[1])) {
      Tensor c = T(*g, n.inputs[1]);
      for (double& v : c.data) v = n.op == "Sub" ? -v : 1.0 / v;
      c.name = g->UniqueName(c.name + (n.op == "Sub" ? "_neg" : "_recip"));
      n.inputs[1] = g->AddTensor(std::move(c));
      n.op = n.op == "Sub" ? "Add" : "Mul";
      continue;
    }
    if (n.op == "MatMul" && IsConst(*g, n.inputs[1]) && !IsConst(*g, n.inputs[0]) &&
        T(*g, n.inputs[0]).rank() == 2 && T(*g, n.inputs[1]).rank() == 2) {
      n.op = "Gemm";
      n.attrs.clear();
      continue;
    }
    if (n.op == "Gemm" && n.inputs.size() >= 2 && IsConst(*g, n.inputs[1]) &&
        (n.inputs.size() < 3 || n.inputs[2] < 0 || IsConst(*g, n.inputs[2])) && n.Int("transA", 0) == 0) {
      const double alpha = n.Float("alpha", 1.0), beta = n.Float("beta", 1.0);
      if (alpha != 1.0) {
        Tensor w = T(*g, n.inputs[1]);
        for (double& v : w.data) v *= alpha;
        w.name = g->UniqueName(w.name + "_alpha");
        n.inputs[1] = g->AddTensor(std::move(w));
        n.SetFloat("alpha", 1.0);
      }
      if (beta != 1.0 && n.inputs.size() >= 3 && n.inputs[2] >= 0) {
        Tensor c = T(*g, n.inputs[2]);
        for (double& v : c.data) v *= beta;
        c.name = g->UniqueName(c.name + "_beta");
        n.inputs[2] = g->AddTensor(std::move(c));
      }
      n.SetFloat("beta", 1.0);
      continue;
    }
  }
  // Pad (constant 0, spatial only) into the following Conv.
  consumers = g->Consumers();
  for (Node& n : g->nodes) {
    if (n.dead || n.op != "Pad") continue;
    const int c = SoleConsumer(*g, consumers, n.outputs[0]);
    if (c < 0) continue;
    Node& conv = g->nodes[static_cast<size_t>(c)];
    if (conv.op != "Conv" || conv.inputs[0] != n.outputs[0] || conv.Str("auto_pad", "NOTSET") != "NOTSET") continue;
    const Tensor& x = T(*g, n.inputs[0]);
    if (x.rank() != 4) continue;
    std::vector<int64_t> pads;
    double value = 0;
    if (g->opset < 11) {
      pads = n.Ints("pads");
      value = n.Float("value", 0.0);
    } else {
      if (!IsConst(*g, n.inputs[1])) continue;
      for (double v : T(*g, n.inputs[1]).data) pads.push_back(static_cast<int64_t>(v));
      if (n.inputs.size() > 2 && n.inputs[2] >= 0) {
        if (!IsConst(*g, n.inputs[2])) continue;
        if (!T(*g, n.inputs[2]).data.empty()) value = T(*g, n.inputs[2]).data[0];
      }
      if (n.inputs.size() > 3 && n.inputs[3] >= 0) continue;
    }
    if (n.Str("mode", "constant") != "constant" || value != 0.0 || pads.size() != 8) continue;
    if (pads[0] || pads[1] || pads[4] || pads[5]) continue;
    if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; })) continue;
    auto cp = conv.Ints("pads", {0, 0, 0, 0});
    cp[0] += pads[2]; cp[1] += pads[3]; cp[2] += pads[6]; cp[3] += pads[7];
    Attr a;
    a.kind = Attr::kInts;
    a.ints = cp;
    conv.attrs["pads"] = a;
    conv.inputs[0] = n.inputs[0];
    n.dead = true;
  }
  g->Compact();
}

void FoldBatchNorm(Graph* g) {
  bool changed = true;
  while (changed) {
    changed = false;
    auto consumers = g->Consumers();
    auto producers = g->Producers();
    for (size_t i = 0; i < g->nodes.size(); ++i) {
      Node& n = g->nodes[i];
      if (n.dead) continue;
      if (n.op == "BatchNormalization") {
        for (size_t k = 1; k < 5; ++k)
          if (k >= n.inputs.size() || !IsConst(*g, n.inputs[k]))
            Fail("node '", g->Label(n), "' (op BatchNormalization): scale, bias, mean and variance must be constants");
        const Tensor& x = T(*g, n.inputs[0]);
        if (x.rank() < 2) Fail("node '", g->Label(n), "' (op BatchNormalization): input rank below 2");
        const int64_t C = x.shape.at(1);
        for (size_t k = 1; k < 5; ++k)
          if (T(*g, n.inputs[k]).numel() != C)
            Fail("node '", g->Label(n), "' (op BatchNormalization): parameter '", T(*g, n.inputs[k]).name, "' has ",
                 T(*g, n.inputs[k]).numel(), " values for ", C, " channels");
        const double eps = n.Float("epsilon", 1e-5);
        std::vector<double> s(static_cast<size_t>(C)), t(static_cast<size_t>(C));
        for (int64_t c = 0; c < C; ++c) {
          const size_t cu = static_cast<size_t>(c);
          s[cu] = T(*g, n.inputs[1]).data[cu] / std::sqrt(T(*g, n.inputs[4]).data[cu] + eps);
          t[cu] = T(*g, n.inputs[2]).data[cu] - T(*g, n.inputs[3]).data[cu] * s[cu];
        }
        const int p = producers[static_cast<size_t>(n.inputs[0])];
        if (p >= 0 && SoleConsumer(*g, consumers, n.inputs[0]) == static_cast<int>(i) &&
            IsAffineProducer(*g, g->nodes[static_cast<size_t>(p)]) &&
            OutChannels(*g, g->nodes[static_cast<size_t>(p)]) == C) {
          Node& pn = g->nodes[static_cast<size_t>(p)];
          OwnParams(g, pn);
          ScaleOutputChannels(g, pn, s);
          Tensor& b = T(g, pn.inputs[2]);
          for (int64_t c = 0; c < C; ++c) b.data[static_cast<size_t>(c)] += t[static_cast<size_t>(c)];
          Absorb(pn, g->nodes[i]);
        } else {
          // y = x * s + t with per-channel constants shaped to broadcast over NCHW.
          std::vector<int64_t> cs = {C};
          for (int d = 2; d < x.rank(); ++d) cs.push_back(1);
          const int sid = g->AddConst(n.name + "_scale", cs, s);
          const int tid = g->AddConst(n.name + "_shift", cs, t);
          Tensor mid = T(*g, n.outputs[0]);
          mid.name = g->UniqueName(mid.name + "_scaled");
          const int mid_id = g->AddTensor(std::move(mid));
          Node add;
          add.name = n.name + "_add";
          add.op = "Add";
          add.inputs = {mid_id, tid};
          add.outputs = {n.outputs[0]};
          Node& nn = g->nodes[i];
          nn.op = "Mul";
          nn.attrs.clear();
          nn.inputs = {nn.inputs[0], sid};
          nn.outputs = {mid_id};
          g->nodes.push_back(std::move(add));
        }
        changed = true;
        break;
      }
      if ((n.op == "Mul" || n.op == "Add") && n.inputs.size() == 2 && !n.Has("_act_min")) {
        const int ci = IsConst(*g, n.inputs[1]) ? 1 : (IsConst(*g, n.inputs[0]) ? 0 : -1);
        if (ci < 0 || IsConst(*g, n.inputs[static_cast<size_t>(1 - ci)])) continue;
        const int x = n.inputs[static_cast<size_t>(1 - ci)];
        const int p = producers[static_cast<size_t>(x)];
        if (p < 0 || SoleConsumer(*g, consumers, x) != static_cast<int>(i)) continue;
        Node& pn = g->nodes[static_cast<size_t>(p)];
        if (!IsAffineProducer(*g, pn) || pn.Has("_act_min")) continue;
        const Tensor& out = T(*g, n.outputs[0]);
        const Tensor& xt = T(*g, x);
        if (out.shape != xt.shape) continue;  // the constant would broadcast the output
        const auto v = PerChannel(T(*g, n.inputs[static_cast<size_t>(ci)]), xt.shape, 1);
        if (v.empty()) continue;
        OwnParams(g, pn);
        if (n.op == "Mul") {
          ScaleOutputChannels(g, pn, v);
        } else {
          Tensor& b = T(g, pn.inputs[2]);
          for (size_t c = 0; c < v.size(); ++c) b.data[c] += v[c];
        }
        Absorb(pn, g->nodes[i]);
        changed = true;
        break;
      }
    }
    if (changed) g->Compact();
  }
}

namespace {

bool IsRealOpProducer(const Graph& g, const Node& p) {
  static const std::set<std::string> ops = {"Conv", "Gemm", "MatMul", "MaxPool", "AveragePool",
                                            "GlobalAveragePool", "GlobalMaxPool", "ReduceMean"};
  if (ops.count(p.op)) return true;
  if (p.op == "Add" || p.op == "Sub" || p.op == "Mul") {
    if (p.inputs.size() != 2) return false;
    for (int t : p.inputs)
      if (IsConst(g, t) && T(g, t).numel() == 1) return false;  // becomes a lookup table
    return !(IsConst(g, p.inputs[0]) && IsConst(g, p.inputs[1]));
  }
  return false;
}

// Clamp bounds of a Relu / Clip node, or false if it is not a plain clamp.
bool ClampBounds(const Graph& g, const Node& a, double* lo, double* hi) {
  *lo = -kInf;
  *hi = kInf;
  if (a.op == "Relu") { *lo = 0; return true; }
  if (a.op != "Clip") return false;
  if (g.opset < 11) {
    *lo = a.Float("min", -kInf);
    *hi = a.Float("max", kInf);
    return true;
  }
  if (a.inputs.size() > 1 && a.inputs[1] >= 0) {
    if (!IsConst(g, a.inputs[1]) || T(g, a.inputs[1]).data.empty()) return false;
    *lo = T(g, a.inputs[1]).data[0];
  }
  if (a.inputs.size() > 2 && a.inputs[2] >= 0) {
    if (!IsConst(g, a.inputs[2]) || T(g, a.inputs[2]).data.empty()) return false;
    *hi = T(g, a.inputs[2]).data[0];
  }
  return true;
}

}  // namespace

void FuseActivations(Graph* g) {
  auto consumers = g->Consumers();
  auto producers = g->Producers();
  for (size_t i = 0; i < g->nodes.size(); ++i) {
    Node& a = g->nodes[i];
    if (a.dead) continue;
    double lo, hi;
    if (!ClampBounds(*g, a, &lo, &hi)) continue;
    const int x = a.inputs[0];
    const int p = producers[static_cast<size_t>(x)];
    if (p < 0 || SoleConsumer(*g, consumers, x) != static_cast<int>(i)) continue;
    Node& pn = g->nodes[static_cast<size_t>(p)];
    if (!IsRealOpProducer(*g, pn)) continue;
    pn.SetFloat("_act_min", std::max(pn.Float("_act_min", -kInf), lo));
    pn.SetFloat("_act_max", std::min(pn.Float("_act_max", kInf), hi));
    if (pn.Float("_act_min", 0) > pn.Float("_act_max", 0))
      Fail("node '", g->Label(a), "' (op ", a.op, "): empty clamp range");
    Absorb(pn, a);
    producers[static_cast<size_t>(pn.outputs[0])] = p;
  }
  g->Compact();
}

void FuseElementwiseRegions(Graph* g) {
  static const std::set<std::string> binary = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min",
                                               "Sum", "Mean", "PRelu"};
  const size_t nt = g->tensors.size();
  std::vector<int> root(nt, -1);           // region root of a tensor produced inside a region
  std::vector<int> node_root(g->nodes.size(), -1);
  auto root_of = [&](int t) { return root[static_cast<size_t>(t)] >= 0 ? root[static_cast<size_t>(t)] : t; };
  for (size_t i = 0; i < g->nodes.size(); ++i) {
    const Node& n = g->nodes[i];
    if (n.dead || n.outputs.size() != 1 || n.Has("_act_min")) continue;
    const bool unary = IsUnaryElementwise(n) && n.op != "Not" &&
                       (n.op != "Cast" || n.Int("to", 1) == 1 || n.Int("to", 1) == 11 || n.Int("to", 1) == 10);
    if (!unary && !binary.count(n.op)) continue;
    int r = -1;
    bool ok = true;
    for (size_t k = 0; k < n.inputs.size() && ok; ++k) {
      const int t = n.inputs[k];
      if (t < 0) continue;
      if (IsConst(*g, t)) {
        // Parameters: Clip bounds or scalar operands.
        if (T(*g, t).numel() != 1) ok = false;
        continue;
      }
      if (unary && k > 0) { ok = false; continue; }
      const int rt = root_of(t);
      if (r < 0) r = rt;
      else if (r != rt) ok = false;
    }
    if (!ok || r < 0) continue;
    if (T(*g, n.outputs[0]).shape != T(*g, r).shape || T(*g, r).type != ElemType::kFloat) continue;
    root[static_cast<size_t>(n.outputs[0])] = r;
    node_root[i] = r;
  }
  const auto consumers = g->Consumers();
  const auto producers = g->Producers();
  std::vector<Node> luts;
  for (size_t t = 0; t < nt; ++t) {
    const int r = root[t];
    if (r < 0) continue;
    bool exported = g->IsOutput(static_cast<int>(t));
    for (int c : consumers[t])
      if (node_root[static_cast<size_t>(c)] != r) exported = true;
    if (!exported) continue;
    // Collect the region nodes computing t from r.
    std::set<int> members;
    std::vector<int> stack = {static_cast<int>(t)};
    while (!stack.empty()) {
      const int u = stack.back();
      stack.pop_back();
      if (u == r || IsConst(*g, u)) continue;
      const int p = producers[static_cast<size_t>(u)];
      if (p < 0 || node_root[static_cast<size_t>(p)] != r) Fail("internal error: broken elementwise region");
      if (!members.insert(p).second) continue;
      for (int in : g->nodes[static_cast<size_t>(p)].inputs)
        if (in >= 0) stack.push_back(in);
    }
    auto body = std::make_shared<Graph>();
    body->opset = g->opset;
    std::map<int, int> remap;
    auto map_tensor = [&](int id) {
      if (id < 0) return -1;
      auto it = remap.find(id);
      if (it != remap.end()) return it->second;
      const int nid = body->AddTensor(T(*g, id));
      remap[id] = nid;
      return nid;
    };
    body->inputs = {map_tensor(r)};
    for (int m : members) {  // node indices ascend = topological order
      Node copy = g->nodes[static_cast<size_t>(m)];
      for (int& in : copy.inputs) in = map_tensor(in);
      for (int& out : copy.outputs) out = map_tensor(out);
      body->nodes.push_back(std::move(copy));
    }
    body->outputs = {map_tensor(static_cast<int>(t))};
    Node lut;
    lut.op = "_Lut";
    lut.name = g->nodes[static_cast<size_t>(producers[t])].name;
    lut.inputs = {r};
    lut.outputs = {static_cast<int>(t)};
    lut.body = body;
    luts.push_back(std::move(lut));
  }
  if (luts.empty()) return;
  for (const Node& l : luts) g->nodes[static_cast<size_t>(producers[static_cast<size_t>(l.outputs[0])])].dead = true;
  for (Node& l : luts) g->nodes.push_back(std::move(l));
  RemoveDeadNodes(g);
}

void RemoveDeadNodes(Graph* g) {
  bool changed = true;
  while (changed) {
    changed = false;
    const auto consumers = g->Consumers();
    for (Node& n : g->nodes) {
      if (n.dead) continue;
      bool used = false;
      for (int t : n.outputs)
        if (t >= 0 && (!consumers[static_cast<size_t>(t)].empty() || g->IsOutput(t))) used = true;
      if (!used) {
        n.dead = true;
        changed = true;
      }
    }
  }
  g->Compact();
}

void OptimizeGraph(Graph* g) {
  SimplifyGraph(g);
  RemoveDeadNodes(g);
  FoldBatchNorm(g);
  FuseActivations(g);
  FuseElementwiseRegions(g);
  RemoveDeadNodes(g);
}

}  // namespace converter
}  // namespace qinfer
