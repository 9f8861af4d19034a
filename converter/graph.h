// The converter's host graph IR at the ONNX level (NCHW, ONNX op semantics), between import
// and lowering. Constants hold their values as double (exact for float32 weights and for
// the int64 shape arithmetic PyTorch exports).
#ifndef QINFER_CONVERTER_GRAPH_H_
#define QINFER_CONVERTER_GRAPH_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace qinfer {
namespace converter {

enum class ElemType { kFloat, kInt, kBool };

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  bool has_shape = false;
  ElemType type = ElemType::kFloat;
  bool is_const = false;
  std::vector<double> data;  // constants only; numel() values, C order

  int64_t numel() const;
  int rank() const { return static_cast<int>(shape.size()); }
};

struct Attr {
  enum Kind { kInt, kFloat, kInts, kFloats, kString, kTensor, kOther };
  Kind kind = kOther;
  int64_t i = 0;
  double f = 0;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::string s;
  std::shared_ptr<Tensor> t;
};

struct Graph;

struct Node {
  std::string name;
  std::string op;
  std::string domain;
  std::vector<int> inputs;   // tensor ids; -1 = absent optional input
  std::vector<int> outputs;  // tensor ids; -1 = absent optional output
  std::map<std::string, Attr> attrs;
  bool dead = false;
  // For the converter's own "_Lut" op: an elementwise subgraph of one input (body->inputs[0])
  // computing body->outputs[0].
  std::shared_ptr<const Graph> body;

  bool Has(const std::string& key) const { return attrs.count(key) != 0; }
  int64_t Int(const std::string& key, int64_t def) const;
  double Float(const std::string& key, double def) const;
  std::vector<int64_t> Ints(const std::string& key, const std::vector<int64_t>& def = {}) const;
  std::string Str(const std::string& key, const std::string& def = "") const;
  void SetFloat(const std::string& key, double v);
  void SetInt(const std::string& key, int64_t v);
};

struct Graph {
  std::vector<Tensor> tensors;
  std::vector<Node> nodes;  // topological order
  std::vector<int> inputs;
  std::vector<int> outputs;
  int opset = 13;

  int AddTensor(Tensor t);
  int AddConst(const std::string& name, std::vector<int64_t> shape, std::vector<double> data,
               ElemType type = ElemType::kFloat);
  int Find(const std::string& name) const;  // -1 if absent
  std::string UniqueName(const std::string& base);
  // consumers[t] = indices of live nodes reading tensor t (a node appears once per use).
  std::vector<std::vector<int>> Consumers() const;
  std::vector<int> Producers() const;  // producer node per tensor, -1 if none
  bool IsOutput(int t) const;
  // Drops dead nodes and re-sorts topologically.
  void Compact();
  // Label used in messages: the node name, else its first output's name.
  std::string Label(const Node& n) const;
};

std::string ShapeStr(const std::vector<int64_t>& shape);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_GRAPH_H_
