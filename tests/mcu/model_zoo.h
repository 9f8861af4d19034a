// Host-only: builds the int8 networks the MCU firmware runs (conformance nets, the issue's
// benchmark layers, DS-CNN keyword spotting) with random weights from a fixed seed, and runs
// them on the host runtime to get the bytes the device must reproduce.
//
// Float appears here only to pick plausible scales; every number the model stores is an
// integer, computed the way a converter would (TFLite's QuantizeMultiplier conventions).
#ifndef QINFER_TESTS_MCU_MODEL_ZOO_H_
#define QINFER_TESTS_MCU_MODEL_ZOO_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/support/model_builder.h"

namespace qinfer {
namespace mcu {

// xorshift64*: deterministic on every host.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint32_t Next();
  int32_t Uniform(int32_t lo, int32_t hi);  // inclusive
  double Unit();                             // [0, 1)
  std::vector<int8_t> Int8(size_t n, int32_t lo = -128, int32_t hi = 127);

 private:
  uint64_t s_;
};

// real = m * 2^(s - 31), m in [2^30, 2^31) (or 0), s in [-31, 30].
void QuantizeMultiplier(double real, int32_t* multiplier, int32_t* shift);

// A network under construction: a ModelBuilder plus the float scale of every activation.
class Net {
 public:
  explicit Net(uint64_t seed) : rng_(seed) {}

  int32_t Input(std::vector<int32_t> shape, double scale, int32_t zero_point);
  // pads: top, bottom, left, right.
  int32_t Conv(int32_t in, int32_t out_channels, int32_t kh, int32_t kw, int32_t stride_h,
               int32_t stride_w, std::vector<int32_t> pads, bool per_channel, bool relu);
  int32_t Depthwise(int32_t in, int32_t multiplier, int32_t k, int32_t stride, int32_t pad,
                    bool per_channel, bool relu);
  int32_t FullyConnected(int32_t in, int32_t out_features, bool per_channel,
                         int32_t weights_zero_point = 0);
  int32_t MaxPool(int32_t in, int32_t k, int32_t stride, int32_t pad);
  int32_t AvgPool(int32_t in, int32_t kh, int32_t kw, int32_t stride, int32_t pad);
  int32_t Mean(int32_t in);
  int32_t Softmax(int32_t in);
  int32_t Add(int32_t a, int32_t b, bool subtract);
  int32_t Mul(int32_t a, int32_t b);
  int32_t Tanh(int32_t in);  // a 256-entry lookup table
  int32_t Requantize(int32_t in, double out_scale, int32_t out_zero_point);
  int32_t Concat(std::vector<int32_t> ins, int32_t axis);
  int32_t Pad(int32_t in, std::vector<int32_t> pads);  // before/after per dim
  int32_t Transpose(int32_t in, std::vector<int32_t> perm);
  int32_t Reshape(int32_t in, std::vector<int32_t> shape);
  // A random int8 constant usable as an elementwise operand.
  int32_t Constant(std::vector<int32_t> shape, double scale, int32_t zero_point);

  testing::AlignedBytes Finish(std::vector<int32_t> inputs, std::vector<int32_t> outputs);

  const std::vector<int32_t>& shape(int32_t t) { return mb_.tensor(t).shape; }
  Rng& rng() { return rng_; }

 private:
  int32_t Activation(std::vector<int32_t> shape, double scale, int32_t zero_point);
  int32_t zp(int32_t t) { return mb_.tensor(t).zero_point; }

  testing::ModelBuilder mb_;
  Rng rng_;
  std::map<int32_t, double> scale_;
};

struct Blob {
  std::vector<int8_t> bytes;
};

// One model with input sets and the host runtime's outputs for each.
struct Case {
  std::string name;
  testing::AlignedBytes model;
  uint32_t arena_bytes = 0;
  std::vector<std::vector<Blob>> inputs;   // [set][input]
  std::vector<std::vector<Blob>> outputs;  // [set][output]
  uint64_t macs = 0;                       // multiply-accumulates per inference (bench)
  // When set, the firmware takes the model from this symbol of this header (e.g. the
  // converter's --emit-c output) instead of a copy the case writer emits.
  std::string model_symbol;
  std::string model_header;
  // Nonzero: the device must refuse the model with this status (no inputs or outputs).
  int32_t refuse_status = 0;
};

// Fills `c.inputs` with `sets` random input sets (set 1, if any, holds extremes) and runs
// the host runtime to fill `c.outputs`. Returns false (message on stderr) on any error.
bool RunOnHost(Case* c, int sets, uint64_t seed);
// Runs the given input sets (one blob per model input each) on the host runtime.
bool RunOnHostWithInputs(Case* c, std::vector<std::vector<Blob>> inputs);

// Conformance networks: every op kind, several shapes, quantization corner cases.
std::vector<Case> ConformanceCases();

// The benchmark layers (one op each) and DS-CNN.
Case BenchConv3x3();
Case BenchConv1x1();
Case BenchDepthwise3x3();
Case BenchDepthwise3x3Stride2();
Case BenchFullyConnected();
Case BenchAdd();
Case DsCnn(uint64_t seed);

}  // namespace mcu
}  // namespace qinfer

#endif  // QINFER_TESTS_MCU_MODEL_ZOO_H_
