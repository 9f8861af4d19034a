// ONNX op semantics on the host: shape inference and a double-precision reference evaluator
// (NCHW), used for constant folding, for building lookup tables of fused elementwise
// regions, and as the float reference in tests.
#ifndef QINFER_CONVERTER_OPS_H_
#define QINFER_CONVERTER_OPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "converter/graph.h"

namespace qinfer {
namespace converter {

// True if the converter knows `op` (default ONNX domain) at all.
bool IsKnownOp(const std::string& op);
// Elementwise ops whose output element depends only on the same input element(s).
bool IsElementwiseOp(const std::string& op);
// Elementwise ops of one variable input (other inputs, if any, are constant parameters).
bool IsUnaryElementwise(const Node& n);

// Computes output shapes and types; computes values too when `values` is true (then every
// present input must carry data). `in[i]` is null for an absent optional input. `opset` is
// the default-domain opset. Throws Error naming the node on any problem.
void RunNode(const Node& n, const std::string& label, int opset,
             const std::vector<const Tensor*>& in, std::vector<Tensor>* out, bool values);

// Window geometry of Conv / pooling ops over an H x W input.
struct WindowGeom {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  int64_t pt = 0, pl = 0, pb = 0, pr = 0;
  int64_t oh = 1, ow = 1;
};
WindowGeom ComputeWindow(const Node& n, const std::string& label, int64_t h, int64_t w,
                         int64_t kh, int64_t kw, bool pool);

// Evaluates every node of `g` in order (inputs filled in by the caller as tensors with data)
// and returns all tensors with their values.
std::vector<Tensor> EvaluateGraph(const Graph& g, const std::vector<std::vector<double>>& inputs);

// Evaluates the body of a "_Lut" node (an elementwise function of one input) on any number
// of values.
std::vector<double> EvalElementwiseBody(const Graph& body, const std::vector<double>& x);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_OPS_H_
