// Dry-run calibration: runs the float lowered graph over calibration samples and chooses a
// real range per activation tensor with one of the observers.
#ifndef QINFER_CONVERTER_CALIBRATE_H_
#define QINFER_CONVERTER_CALIBRATE_H_

#include <functional>
#include <string>
#include <vector>

#include "converter/lgraph.h"

namespace qinfer {
namespace converter {

enum class CalibMethod { kMinMax, kEma, kPercentile, kMse };
const char* CalibMethodName(CalibMethod m);
bool ParseCalibMethod(const std::string& s, CalibMethod* m);

struct CalibOptions {
  CalibMethod method = CalibMethod::kMinMax;
  double percentile = 99.99;  // kPercentile: keep this share of values (two-sided tails)
  double ema_decay = 0.9;     // kEma: weight of the running value per sample
  double zscore = 0;          // > 0: drop values further than this many std devs from the mean
  bool symmetric = false;     // activations will be quantized symmetrically
  int bins = 2048;
  // Called after each sample of each pass: (done, total).
  std::function<void(size_t, size_t)> progress;
};

struct TensorRange {
  float lo = 0, hi = 0;    // the chosen range
  float min = 0, max = 0;  // observed extremes
  bool observed = false;
};

// One sample = the graph inputs in stored layout.
using Sample = std::vector<std::vector<float>>;

// Channel equalization with bias absorption between a conv/depthwise/FC and the single
// conv/FC reading its output (passes_equalize.cc). Per-channel scales are
// (channel half-range / largest half-range)^exponent. Returns the number of pairs changed.
int EqualizeChannels(LGraph* g, const std::vector<Sample>& samples, double exponent);

std::vector<TensorRange> Calibrate(const LGraph& g, const std::vector<Sample>& samples,
                                   const CalibOptions& options);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_CALIBRATE_H_
