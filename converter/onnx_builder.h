// Builds small ONNX models in code (tests, examples): no Python, no files.
#ifndef QINFER_CONVERTER_ONNX_BUILDER_H_
#define QINFER_CONVERTER_ONNX_BUILDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
}

namespace qinfer {
namespace converter {

struct OnnxAttr {
  enum Kind { kInt, kFloat, kInts, kFloats, kString, kTensorF, kTensorI64 };
  std::string name;
  Kind kind = kInt;
  int64_t i = 0;
  float f = 0;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::string s;
  std::vector<int64_t> tshape;

  static OnnxAttr Int(const std::string& n, int64_t v);
  static OnnxAttr Float(const std::string& n, float v);
  static OnnxAttr Ints(const std::string& n, std::vector<int64_t> v);
  static OnnxAttr Floats(const std::string& n, std::vector<float> v);
  static OnnxAttr String(const std::string& n, const std::string& v);
  static OnnxAttr TensorF(const std::string& n, std::vector<int64_t> shape, std::vector<float> v);
  static OnnxAttr TensorI64(const std::string& n, std::vector<int64_t> shape, std::vector<int64_t> v);
};

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int opset = 13);
  ~OnnxBuilder();
  OnnxBuilder(const OnnxBuilder&) = delete;
  OnnxBuilder& operator=(const OnnxBuilder&) = delete;

  // A float input; a dim of -1 becomes a symbolic dimension named "N".
  void Input(const std::string& name, const std::vector<int64_t>& shape);
  void Output(const std::string& name);
  void Init(const std::string& name, const std::vector<int64_t>& shape, const std::vector<float>& data);
  void InitInt64(const std::string& name, const std::vector<int64_t>& shape, const std::vector<int64_t>& data);
  void Node(const std::string& op, const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
            const std::vector<OnnxAttr>& attrs = {}, const std::string& name = "");
  const onnx::ModelProto& proto() const;
  std::string Serialize() const;

 private:
  std::unique_ptr<onnx::ModelProto> model_;
};

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_ONNX_BUILDER_H_
