// ONNX (opsets 11-17; older ones where the op semantics are the same) -> host graph IR.
#ifndef QINFER_CONVERTER_ONNX_IMPORT_H_
#define QINFER_CONVERTER_ONNX_IMPORT_H_

#include <string>

#include "converter/graph.h"

namespace onnx {
class ModelProto;
}

namespace qinfer {
namespace converter {

// Reads and imports an .onnx file. Throws Error on a malformed file, an unsupported op or a
// shape that cannot be made static.
Graph ImportOnnxFile(const std::string& path);
Graph ImportOnnxBytes(const std::string& bytes, const std::string& what);
Graph ImportOnnxModel(const onnx::ModelProto& model);

// Fixes input shapes (a symbolic first dimension becomes 1), infers every shape and folds
// every node whose inputs are all constant (shape subgraphs included).
void InferAndFold(Graph* g);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_ONNX_IMPORT_H_
