// TFLite importer: a fully int8-quantized .tflite model (TFLite's converter, post-training or
// quantization-aware) to a qinfer model, bit-exact with TFLite's int8 reference kernels.
//
// The model carries its scales and zero points, so no calibration is needed: every integer the
// runtime uses (multipliers, shifts, clamp bounds, lookup tables) is derived from the float
// scales the way TFLite's kernels derive it in Prepare (converter/tflite_arith.h).
//
// Which TFLite: the arithmetic is that of TFLite Micro's kernels, which are TFLite's
// reference_ops / reference_integer_ops (and what qinfer's kernels implement: integer softmax,
// integer logistic and tanh). Desktop TFLite differs in places: it runs int8 LOGISTIC / TANH /
// SOFTMAX through float-built lookup tables and takes some real multipliers in float (see
// TfliteImportOptions); MEAN with keep_dims over H,W follows its reference kernel by default.
//
// Errors are converter::Error with one-line messages:
//  - `op <i> (<OPNAME>, <dtype>) is not supported` (optionally `: <reason>`) for an operator,
//    data type or parameter qinfer cannot run exactly (int16 activations, float ops, SVDF,
//    LSTM, custom ops, ...); <dtype> is the operator's first input type;
//  - `op <i> (<OPNAME>): <what>` for an inconsistent model (declared output shape versus the
//    one implied by padding, stride and dilation; buffer sizes; tensor indices);
//  - `malformed TFLite file: ...` / `not a TFLite model: ...` for bytes that fail the
//    flatbuffers verifier or the format's basic rules.
// Nothing is written by the importer; a bad file never crashes it.
#ifndef QINFER_CONVERTER_TFLITE_IMPORT_H_
#define QINFER_CONVERTER_TFLITE_IMPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "converter/qmodel.h"

namespace qinfer {
namespace converter {

struct TfliteImportOptions {
  // A float32 -> int8 QUANTIZE reading a graph input, and an int8 -> float32 DEQUANTIZE
  // writing a graph output (TFLite's converter adds them unless told to keep int8 I/O), are
  // dropped: the qinfer model's input/output is then the int8 tensor, whose scale and zero
  // point are in the model for the host to (de)quantize with. Off: such models are refused
  // as float ops.
  bool strip_float_io = true;
  // Weight layout of the written model (`qinfer convert --target`, converter/target.h).
  Target target = Target::kGeneric;
  // Where TFLite (lite/kernels) and TFLite Micro derive a real multiplier differently, which
  // one to follow. Micro (the default) takes double(in) / double(out) for RELU / RELU6 /
  // RELU_N1_TO_1 and double products for MUL; lite takes float(in / out) and float(a * b / o).
  // When the two choices give different integers the report says so.
  bool lite_float_multipliers = false;
  // MEAN with keep_dims over H and W of a 4-D input: TFLite's reference kernel
  // (reference_integer_ops::Mean: rescale, then divide by H*W rounding half away from zero)
  // by default; TFLite Micro has no such special case and takes the general path (a
  // truncating mean for equal input/output quantization, else 1/(H*W) folded into the
  // multiplier). Either way an op whose arithmetic qinfer's MEAN cannot reproduce exactly
  // is refused.
  bool micro_mean = false;
};

// What the importer did with one TFLite operator.
struct TfliteOpInfo {
  int index = 0;       // TFLite operator index
  std::string op;      // TFLite operator name, e.g. CONV_2D
  std::string qinfer;  // qinfer op(s) emitted, e.g. "CONV_2D" or "RESHAPE+MEAN", "-" if none
  std::string detail;  // shapes and parameters, human-readable
};

struct TfliteImportReport {
  size_t tflite_bytes = 0;
  std::string description;                             // the model's description string
  std::vector<TfliteOpInfo> ops;                       // one per TFLite operator, in order
  std::vector<std::pair<std::string, int>> op_counts;  // TFLite operator name -> count
  std::vector<std::string> notes;                      // choices and ambiguities worth knowing
  std::vector<int> qinfer_op_source;                   // qinfer op index -> TFLite op index
  // Filled by ConvertTflite*: the qinfer model's sizes.
  int64_t weight_bytes = 0;  // constant bytes (flash)
  uint32_t arena_bytes = 0;  // RAM: the activation plan (arena)
  size_t qinfer_bytes = 0;   // serialized model size
  std::string plan_heuristic;
};

// True when the bytes carry the TFLite file identifier ("TFL3" at offset 4).
bool LooksLikeTflite(const void* data, size_t size);
bool LooksLikeTfliteFile(const std::string& path);

// The model as a QModel (not yet memory-planned). Throws Error.
QModel ImportTflite(const void* data, size_t size, TfliteImportReport* report = nullptr,
                    const TfliteImportOptions& options = TfliteImportOptions());
QModel ImportTfliteFile(const std::string& path, TfliteImportReport* report = nullptr,
                        const TfliteImportOptions& options = TfliteImportOptions());

// Import, PlanMemory, SerializeModel, then load the bytes with the qinfer runtime's verifier
// (a refusal there is reported against the TFLite operator). Returns the .qinfer bytes.
std::vector<uint8_t> ConvertTfliteBytesToQinfer(
    const void* data, size_t size, TfliteImportReport* report = nullptr,
    const TfliteImportOptions& options = TfliteImportOptions());
std::vector<uint8_t> ConvertTfliteToQinfer(
    const std::string& path, TfliteImportReport* report = nullptr,
    const TfliteImportOptions& options = TfliteImportOptions());

// A few lines for the command line: op summary, sizes, notes.
std::string FormatTfliteReport(const TfliteImportReport& report);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_TFLITE_IMPORT_H_
