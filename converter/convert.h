// The whole conversion: ONNX + calibration data -> verified int8 qinfer model, with the
// per-layer accuracy table. The `qinfer convert` command is a thin layer over this.
#ifndef QINFER_CONVERTER_CONVERT_H_
#define QINFER_CONVERTER_CONVERT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "converter/calibrate.h"
#include "converter/graph.h"
#include "converter/lgraph.h"
#include "converter/npy.h"
#include "converter/qmodel.h"

namespace qinfer {
namespace converter {

struct ConvertOptions {
  CalibOptions calib;
  QuantOptions quant;
  int64_t calib_samples = 0;  // 0 = all
  bool compute_sqnr = true;
  int bias_correction_passes = 0;  // empirical bias correction rounds (0 = off)
  bool optimize_rounding = true;
  double equalize = 1.0;           // channel equalization exponent (0 = off)   // data-aware weight rounding + analytic bias correction
  int64_t moment_patches = 16384;  // input patches per layer for the rounding statistics
  Target target = Target::kGeneric;  // weight layout of the written model (converter/target.h)
  // Progress callback over the whole dry run: (stage, done, total).
  std::function<void(const char*, size_t, size_t)> progress;
};

struct LayerReport {
  int op_index = 0;
  std::string op;       // runtime opcode name
  std::string name;     // op name (the ONNX node)
  std::string tensor;   // output tensor
  double sqnr_db = 0;   // int8 (dequantized) vs float on the calibration data
  float lo = 0, hi = 0; // chosen real range
  float scale = 0;
  int32_t zero_point = 0;
};

struct ConvertResult {
  QModel model;
  std::vector<uint8_t> bytes;  // the .qinfer file
  std::vector<LayerReport> layers;
  std::string planner;         // heuristic that won
  int64_t arena_bytes = 0, weight_bytes = 0;
  size_t calib_samples = 0;
  double seconds = 0;
  CalibMethod method = CalibMethod::kMinMax;
  std::vector<std::pair<std::string, double>> output_sqnr;  // per graph output
};

// Loads calibration samples for the graph's inputs from .npy files or directories of .npy
// files (one path per graph input), checks shapes and values, converts them to the stored
// layout of the lowered graph.
std::vector<Sample> LoadCalibration(const Graph& g, const LGraph& lg, const std::vector<std::string>& paths,
                                    int64_t max_samples);

// Optimizes + lowers an imported graph.
LGraph PrepareForQuantization(Graph* g);

ConvertResult ConvertGraph(Graph g, const std::vector<std::string>& calib_paths, const ConvertOptions& options);
ConvertResult ConvertGraphWithSamples(const LGraph& lg, const std::vector<Sample>& samples,
                                      const ConvertOptions& options);
ConvertResult ConvertFile(const std::string& onnx_path, const std::vector<std::string>& calib_paths,
                          const ConvertOptions& options);

// Text table of the per-layer report.
std::string FormatLayerTable(const ConvertResult& r);
// Self-contained HTML page: summary, table and an inline SVG bar chart of per-layer SQNR.
std::string FormatHtmlReport(const ConvertResult& r, const std::string& title);
// The model as a C header: `alignas(16) const unsigned char name[] = {...};`.
std::string FormatCArray(const std::vector<uint8_t>& bytes, const std::string& name);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_CONVERT_H_
