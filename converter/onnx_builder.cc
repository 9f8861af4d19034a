#include "converter/onnx_builder.h"

#include <onnx/onnx_pb.h>

namespace qinfer {
namespace converter {

OnnxAttr OnnxAttr::Int(const std::string& n, int64_t v) {
  OnnxAttr a;
  a.name = n;
  a.kind = kInt;
  a.i = v;
  return a;
}
OnnxAttr OnnxAttr::Float(const std::string& n, float v) {
  OnnxAttr a;
  a.name = n;
  a.kind = kFloat;
  a.f = v;
  return a;
}
OnnxAttr OnnxAttr::Ints(const std::string& n, std::vector<int64_t> v) {
  OnnxAttr a;
  a.name = n;
  a.kind = kInts;
  a.ints = std::move(v);
  return a;
}
OnnxAttr OnnxAttr::Floats(const std::string& n, std::vector<float> v) {
  OnnxAttr a;
  a.name = n;
  a.kind = kFloats;
  a.floats = std::move(v);
  return a;
}
OnnxAttr OnnxAttr::String(const std::string& n, const std::string& v) {
  OnnxAttr a;
  a.name = n;
  a.kind = kString;
  a.s = v;
  return a;
}
OnnxAttr OnnxAttr::TensorF(const std::string& n, std::vector<int64_t> shape, std::vector<float> v) {
  OnnxAttr a;
  a.name = n;
  a.kind = kTensorF;
  a.tshape = std::move(shape);
  a.floats = std::move(v);
  return a;
}
OnnxAttr OnnxAttr::TensorI64(const std::string& n, std::vector<int64_t> shape, std::vector<int64_t> v) {
  OnnxAttr a;
  a.name = n;
  a.kind = kTensorI64;
  a.tshape = std::move(shape);
  a.ints = std::move(v);
  return a;
}

OnnxBuilder::OnnxBuilder(int opset) : model_(new onnx::ModelProto) {
  model_->set_ir_version(7);
  model_->set_producer_name("qinfer-test");
  auto* os = model_->add_opset_import();
  os->set_domain("");
  os->set_version(opset);
  model_->mutable_graph()->set_name("g");
}

OnnxBuilder::~OnnxBuilder() = default;

void OnnxBuilder::Input(const std::string& name, const std::vector<int64_t>& shape) {
  auto* in = model_->mutable_graph()->add_input();
  in->set_name(name);
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto* sh = tt->mutable_shape();
  for (int64_t d : shape) {
    auto* dim = sh->add_dim();
    if (d < 0) dim->set_dim_param("N");
    else dim->set_dim_value(d);
  }
}

void OnnxBuilder::Output(const std::string& name) {
  auto* out = model_->mutable_graph()->add_output();
  out->set_name(name);
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
}

void OnnxBuilder::Init(const std::string& name, const std::vector<int64_t>& shape, const std::vector<float>& data) {
  auto* t = model_->mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : shape) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float)));
}

void OnnxBuilder::InitInt64(const std::string& name, const std::vector<int64_t>& shape, const std::vector<int64_t>& data) {
  auto* t = model_->mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : shape) t->add_dims(d);
  for (int64_t v : data) t->add_int64_data(v);
}

void OnnxBuilder::Node(const std::string& op, const std::vector<std::string>& inputs,
                       const std::vector<std::string>& outputs, const std::vector<OnnxAttr>& attrs,
                       const std::string& name) {
  auto* n = model_->mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name.empty() ? op + "_" + std::to_string(model_->graph().node_size()) : name);
  for (const auto& s : inputs) n->add_input(s);
  for (const auto& s : outputs) n->add_output(s);
  for (const OnnxAttr& a : attrs) {
    auto* at = n->add_attribute();
    at->set_name(a.name);
    switch (a.kind) {
      case OnnxAttr::kInt: at->set_type(onnx::AttributeProto::INT); at->set_i(a.i); break;
      case OnnxAttr::kFloat: at->set_type(onnx::AttributeProto::FLOAT); at->set_f(a.f); break;
      case OnnxAttr::kInts:
        at->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : a.ints) at->add_ints(v);
        break;
      case OnnxAttr::kFloats:
        at->set_type(onnx::AttributeProto::FLOATS);
        for (float v : a.floats) at->add_floats(v);
        break;
      case OnnxAttr::kString: at->set_type(onnx::AttributeProto::STRING); at->set_s(a.s); break;
      case OnnxAttr::kTensorF: {
        at->set_type(onnx::AttributeProto::TENSOR);
        auto* t = at->mutable_t();
        t->set_data_type(onnx::TensorProto::FLOAT);
        for (int64_t d : a.tshape) t->add_dims(d);
        for (float v : a.floats) t->add_float_data(v);
        break;
      }
      case OnnxAttr::kTensorI64: {
        at->set_type(onnx::AttributeProto::TENSOR);
        auto* t = at->mutable_t();
        t->set_data_type(onnx::TensorProto::INT64);
        for (int64_t d : a.tshape) t->add_dims(d);
        for (int64_t v : a.ints) t->add_int64_data(v);
        break;
      }
    }
  }
}

const onnx::ModelProto& OnnxBuilder::proto() const { return *model_; }

std::string OnnxBuilder::Serialize() const {
  std::string s;
  model_->SerializeToString(&s);
  return s;
}

}  // namespace converter
}  // namespace qinfer
