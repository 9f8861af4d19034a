#include "converter/graph.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "converter/error.h"

namespace qinfer {
namespace converter {

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t Node::Int(const std::string& key, int64_t def) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return def;
  if (it->second.kind == Attr::kInt) return it->second.i;
  if (it->second.kind == Attr::kFloat && it->second.f >= -9.2e18 && it->second.f <= 9.2e18)  // NaN fails too
    return static_cast<int64_t>(it->second.f);
  Fail("node '", name, "' (op ", op, "): attribute '", key, "' is not an integer");
}

double Node::Float(const std::string& key, double def) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return def;
  if (it->second.kind == Attr::kFloat) return it->second.f;
  if (it->second.kind == Attr::kInt) return static_cast<double>(it->second.i);
  Fail("node '", name, "' (op ", op, "): attribute '", key, "' is not a float");
}

std::vector<int64_t> Node::Ints(const std::string& key, const std::vector<int64_t>& def) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return def;
  if (it->second.kind == Attr::kInts) return it->second.ints;
  if (it->second.kind == Attr::kInt) return {it->second.i};
  Fail("node '", name, "' (op ", op, "): attribute '", key, "' is not a list of integers");
}

std::string Node::Str(const std::string& key, const std::string& def) const {
  auto it = attrs.find(key);
  if (it == attrs.end()) return def;
  if (it->second.kind == Attr::kString) return it->second.s;
  Fail("node '", name, "' (op ", op, "): attribute '", key, "' is not a string");
}

void Node::SetFloat(const std::string& key, double v) {
  Attr a;
  a.kind = Attr::kFloat;
  a.f = v;
  attrs[key] = a;
}

void Node::SetInt(const std::string& key, int64_t v) {
  Attr a;
  a.kind = Attr::kInt;
  a.i = v;
  attrs[key] = a;
}

int Graph::AddTensor(Tensor t) {
  tensors.push_back(std::move(t));
  return static_cast<int>(tensors.size()) - 1;
}

int Graph::AddConst(const std::string& name, std::vector<int64_t> shape, std::vector<double> data,
                    ElemType type) {
  Tensor t;
  t.name = UniqueName(name);
  t.shape = std::move(shape);
  t.has_shape = true;
  t.type = type;
  t.is_const = true;
  t.data = std::move(data);
  return AddTensor(std::move(t));
}

int Graph::Find(const std::string& name) const {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string Graph::UniqueName(const std::string& base) {
  std::set<std::string> names;
  for (const Tensor& t : tensors) names.insert(t.name);
  if (!names.count(base)) return base;
  for (int n = 1;; ++n) {
    std::string name = base + "_" + std::to_string(n);
    if (!names.count(name)) return name;
  }
}

std::vector<std::vector<int>> Graph::Consumers() const {
  std::vector<std::vector<int>> c(tensors.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].dead) continue;
    for (int t : nodes[i].inputs)
      if (t >= 0) c[static_cast<size_t>(t)].push_back(static_cast<int>(i));
  }
  return c;
}

std::vector<int> Graph::Producers() const {
  std::vector<int> p(tensors.size(), -1);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].dead) continue;
    for (int t : nodes[i].outputs)
      if (t >= 0) p[static_cast<size_t>(t)] = static_cast<int>(i);
  }
  return p;
}

bool Graph::IsOutput(int t) const {
  return std::find(outputs.begin(), outputs.end(), t) != outputs.end();
}

void Graph::Compact() {
  std::vector<Node> live;
  for (Node& n : nodes)
    if (!n.dead) live.push_back(std::move(n));
  // Kahn's algorithm, stable with respect to the current order.
  std::vector<int> producer(tensors.size(), -1);
  for (size_t i = 0; i < live.size(); ++i)
    for (int t : live[i].outputs)
      if (t >= 0) producer[static_cast<size_t>(t)] = static_cast<int>(i);
  std::vector<int> state(live.size(), 0);  // 0 new, 1 visiting, 2 done
  std::vector<Node> sorted;
  sorted.reserve(live.size());
  std::vector<std::pair<int, size_t>> stack;
  for (size_t root = 0; root < live.size(); ++root) {
    if (state[root]) continue;
    stack.push_back({static_cast<int>(root), 0});
    state[root] = 1;
    while (!stack.empty()) {
      auto& top = stack.back();
      const Node& n = live[static_cast<size_t>(top.first)];
      if (top.second < n.inputs.size()) {
        const int t = n.inputs[top.second++];
        const int p = t >= 0 ? producer[static_cast<size_t>(t)] : -1;
        if (p < 0 || state[static_cast<size_t>(p)] == 2) continue;
        if (state[static_cast<size_t>(p)] == 1) Fail("the graph has a cycle at node '", n.name, "'");
        state[static_cast<size_t>(p)] = 1;
        stack.push_back({p, 0});
      } else {
        state[static_cast<size_t>(top.first)] = 2;
        sorted.push_back(std::move(live[static_cast<size_t>(top.first)]));
        stack.pop_back();
      }
    }
  }
  nodes = std::move(sorted);
}

std::string Graph::Label(const Node& n) const {
  if (!n.name.empty()) return n.name;
  for (int t : n.outputs)
    if (t >= 0) return tensors[static_cast<size_t>(t)].name;
  return "?";
}

std::string ShapeStr(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? "," : "") << shape[i];
  os << "]";
  return os.str();
}

}  // namespace converter
}  // namespace qinfer
