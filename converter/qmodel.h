// The quantized model as the converter holds it before writing: integers for the runtime
// plus float scales as host metadata. Mirrors schema/qinfer.fbs.
#ifndef QINFER_CONVERTER_QMODEL_H_
#define QINFER_CONVERTER_QMODEL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "converter/calibrate.h"
#include "converter/lgraph.h"
#include "kernels/types.h"

namespace qinfer {
namespace converter {

struct QTensor {
  std::string name;
  bool int32 = false;             // int32 bias, else int8
  std::vector<int> shape;
  int32_t zero_point = 0;
  std::vector<float> scales;      // 1 or per channel
  int32_t quant_axis = 0;
  bool is_const = false;
  std::vector<uint8_t> data;      // constants: little-endian bytes
  std::vector<int> source_perm;
  // Memory plan (activations).
  int32_t arena_offset = -1;
  int32_t live_from = -1, live_until = -1;
  // Report: the chosen real range (activations).
  float range_lo = 0, range_hi = 0;

  int64_t numel() const;
  int64_t bytes() const { return numel() * (int32 ? 4 : 1); }
};

struct QOp {
  LKind kind = LKind::kReshape;
  std::string name;
  std::vector<int> inputs, outputs;
  // Geometry (copied from the lowered op).
  int kh = 1, kw = 1, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  int pad_t = 0, pad_l = 0, pad_b = 0, pad_r = 0;
  int groups = 1, depth_multiplier = 1;
  int axis = 0;
  std::vector<int> pads, perm;
  bool subtract = false;
  // Integers.
  std::vector<int32_t> multiplier, shift;  // conv/fc per channel; concat per input; mean/requant [0]
  int32_t act_min = -128, act_max = 127;
  kernels::MeanRounding mean_rounding = kernels::MeanRounding::kFolded;
  int32_t left_shift = 0;
  int32_t input1_multiplier = 0, input1_shift = 0, input2_multiplier = 0, input2_shift = 0;
  int32_t output_multiplier = 0, output_shift = 0;
  int32_t softmax_multiplier = 0, softmax_left_shift = 0, diff_min = 0;
  std::vector<int8_t> table;
  int32_t scratch_offset = -1, scratch_bytes = 0;
  // Target-specific constants (PackForTarget), written as extra buffers when not empty.
  std::vector<int8_t> packed_weights;
  std::vector<int32_t> folded_bias;
};

// Kernel family whose weight layout a model carries; values are schema Target's.
enum class Target : uint8_t { kGeneric = 0, kX86Avx512Vnni = 1 };

struct QModel {
  std::vector<QTensor> tensors;
  std::vector<QOp> ops;
  std::vector<int> inputs, outputs;
  uint32_t arena_bytes = 0;
  std::string description;
  Target target = Target::kGeneric;
};

struct QuantOptions {
  bool per_tensor = false;             // weights per tensor instead of per output channel
  bool symmetric_activations = false;
  bool power_of_two = false;
  // User-fixed real ranges for named tensors (ONNX names), replacing calibration; a range
  // on the output of a reshape/transpose/pad/pool moves to the tensor it shares scales with.
  std::vector<std::pair<std::string, std::pair<float, float>>> range_overrides;
};

// Second moments of the inputs of each conv / depthwise / fully connected op (indexed by
// op), for data-aware weight rounding: per group (conv group, depthwise input channel, or
// 1) H = E[x x^T] over input patches laid out like a weight row, and mu = E[x].
struct LayerMoments {
  bool valid = false;
  bool has_h = false;      // H computed (else too costly: only mu, for the bias correction)
  int groups = 1, K = 0;
  int64_t count = 0;
  std::vector<double> H;   // groups * K * K
  std::vector<double> mu;  // groups * K
};
std::vector<LayerMoments> ComputeMoments(const LGraph& g, const std::vector<Sample>& samples, int64_t max_patches);
// Rounds the K weights w[k * stride] / s to integers in [qmin, qmax], each to its floor or
// ceil, minimizing dq^T H dq (coordinate descent from round-to-nearest). Returns the error.
double OptimizeRounding(const float* w, int K, int stride, double s, const double* H, int qmin, int qmax, int8_t* q);

// Quantizes a lowered float graph with the calibrated ranges (one per lowered tensor;
// tensor i of the result is lowered tensor i, so float and int8 values line up). With
// `moments` (one per op), weight rounding is optimized on the calibration data and the mean
// error it leaves is removed through the bias.
QModel Quantize(const LGraph& g, const std::vector<TensorRange>& ranges, const QuantOptions& options,
                const std::vector<LayerMoments>* moments = nullptr);

// Empirical bias correction: `passes` rounds of measuring, with the runtime on `samples`,
// the mean int8-vs-float error per output channel of every conv / depthwise / fully
// connected layer (where neither side is clamped) and folding it into the int32 bias.
void CorrectBiases(const LGraph& lg, QModel* m, const std::vector<Sample>& samples, int passes);

// Memory plan: live ranges, 16-byte aligned offsets (smallest of several heuristics),
// zero-copy RESHAPE views, scratch. `no_reuse` gives every tensor its own bytes (used to
// read every intermediate tensor after Invoke for the SQNR table). Returns the heuristic used.
std::string PlanMemory(QModel* m, bool no_reuse = false);

// The flatbuffer bytes of the model (file identifier QINF, version 1, buffers 16-aligned).
// Tensors no op reads or writes are left out; `file_index` (optional) receives the index of
// each QModel tensor in the file, or -1.
std::vector<uint8_t> SerializeModel(const QModel& m, std::vector<int>* file_index = nullptr);

// Weight bytes: the sum of the constant buffers.
int64_t WeightBytes(const QModel& m);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_QMODEL_H_
