// Classifier evaluation on a labelled data set: the float source model (the converter's
// float executor) against the int8 qinfer model (the runtime), sample by sample.
#ifndef QINFER_CONVERTER_EVALUATE_H_
#define QINFER_CONVERTER_EVALUATE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace qinfer {
namespace converter {

struct LabelledData {
  std::vector<int64_t> sample_shape;  // one sample, in the source model's layout
  std::vector<float> values;          // count * prod(sample_shape)
  std::vector<int32_t> labels;
  int64_t count() const { return static_cast<int64_t>(labels.size()); }
};

// Images: a float32 or uint8 .npy, or an IDX ubyte file (optionally .gz); integer data is
// divided by `divisor`. Labels: an integer .npy or IDX ubyte file. A leading batch-1 axis
// is added to match a model input of rank one more than a sample.
LabelledData LoadLabelledData(const std::string& images, const std::string& labels, float divisor);

struct ClassifierEval {
  int64_t samples = 0;
  double float_top1 = 0, int8_top1 = 0, agreement = 0;
  double microseconds_per_inference = 0;  // int8 Invoke only, host wall clock
  int64_t arena_bytes = 0, model_bytes = 0, weight_bytes = 0;
};

ClassifierEval EvaluateClassifier(const std::string& onnx_path,
                                  const std::vector<uint8_t>& qinfer_model,
                                  const LabelledData& data, int64_t limit = 0);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_EVALUATE_H_
