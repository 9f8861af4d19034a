// The lowered graph: qinfer runtime ops on NHWC tensors with float constants, between the
// ONNX-level passes and quantization. The float executor and the calibration observers run
// on it, so every tensor observed is a tensor the int8 model will have.
#ifndef QINFER_CONVERTER_LGRAPH_H_
#define QINFER_CONVERTER_LGRAPH_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "converter/graph.h"

namespace qinfer {
namespace converter {

enum class LKind {
  kConv,
  kDepthwiseConv,
  kFullyConnected,
  kAdd,
  kMul,
  kMaxPool,
  kAvgPool,
  kMean,
  kSoftmax,
  kLut,
  kRequantize,
  kConcat,
  kPad,
  kTranspose,
  kReshape,
};
const char* LKindName(LKind k);

enum class LRole { kActivation, kWeights, kBias, kConstInput };

struct LTensor {
  std::string name;
  std::vector<int> shape;         // stored layout; rank 1..4
  LRole role = LRole::kActivation;
  std::vector<float> data;        // constants only
  int quant_axis = -1;            // weights: the per-channel axis
  std::vector<int> source_perm;   // graph inputs/outputs: stored dim d = source dim source_perm[d]

  bool is_const() const { return role != LRole::kActivation; }
  int64_t numel() const;
};

struct LOp {
  LKind kind = LKind::kReshape;
  std::string name;
  std::vector<int> inputs;   // -1 = absent (bias)
  std::vector<int> outputs;
  // Window ops.
  int kh = 1, kw = 1, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  int pad_t = 0, pad_l = 0, pad_b = 0, pad_r = 0;
  int groups = 1, depth_multiplier = 1;
  // Fused activation clamp (real values).
  float act_min = -std::numeric_limits<float>::infinity();
  float act_max = std::numeric_limits<float>::infinity();
  bool subtract = false;          // kAdd
  int axis = 0;                   // kConcat: axis of the output's rank
  std::vector<int> pads;          // kPad: before/after per dim
  std::vector<int> perm;          // kTranspose
  std::shared_ptr<const Graph> fn;  // kLut: elementwise function (ONNX subgraph)
};

struct LGraph {
  std::vector<LTensor> tensors;
  std::vector<LOp> ops;  // execution order
  std::vector<int> inputs;
  std::vector<int> outputs;

  int Add(LTensor t) {
    tensors.push_back(std::move(t));
    return static_cast<int>(tensors.size()) - 1;
  }
};

// Lowers an optimized ONNX-level graph to runtime ops in NHWC. Throws on anything the
// runtime cannot express.
LGraph Lower(const Graph& g);

// Float reference execution of the lowered graph on one sample (inputs in stored layout).
// Returns the values of every tensor (constants included, as stored).
std::vector<std::vector<float>> RunFloat(const LGraph& g, const std::vector<std::vector<float>>& inputs);

// Transposes `src` (shape `shape`) so that output dim d = input dim perm[d].
std::vector<float> TransposeData(const std::vector<float>& src, const std::vector<int>& shape,
                                 const std::vector<int>& perm);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_LGRAPH_H_
