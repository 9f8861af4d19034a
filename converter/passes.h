// Graph passes on the ONNX-level IR, run after import + InferAndFold and before lowering.
#ifndef QINFER_CONVERTER_PASSES_H_
#define QINFER_CONVERTER_PASSES_H_

#include "converter/graph.h"

namespace qinfer {
namespace converter {

// Identity/Dropout removal, LogSoftmax split, Sub/Div by a constant into Add/Mul,
// MatMul [M,K]x[K,N] into Gemm, Pad folded into Conv.
void SimplifyGraph(Graph* g);
// BatchNormalization (and per-channel Mul/Add by constants) folded into the preceding
// Conv / Gemm; leftover BatchNormalization becomes Mul + Add by per-channel constants.
void FoldBatchNorm(Graph* g);
// Relu / Clip with constant bounds (ReLU6, ...) folded into the clamp bounds of the producer
// (attributes "_act_min", "_act_max").
void FuseActivations(Graph* g);
// Chains of elementwise ops of one variable input (HardSwish written as x*Clip(x+3,0,6)/6,
// x*HardSigmoid(x), Sigmoid, Tanh, LeakyRelu, scalar Add/Mul, ...) become one "_Lut" node.
void FuseElementwiseRegions(Graph* g);
// Removes nodes whose outputs nobody reads.
void RemoveDeadNodes(Graph* g);

// All of the above in order.
void OptimizeGraph(Graph* g);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_PASSES_H_
