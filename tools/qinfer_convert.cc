// qinfer convert MODEL.onnx --calib CALIB.npy -o OUT.qinfer [options]
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "converter/convert.h"
#include "converter/error.h"
#include "converter/target.h"
#include "converter/tflite_import.h"
#include "tools/commands.h"

namespace qinfer {
namespace tools {
namespace {

const char kConvertHelp[] =
    "usage: qinfer convert MODEL.onnx --calib CALIB.npy -o OUT.qinfer [options]\n"
    "       qinfer convert MODEL.tflite -o OUT.qinfer [--emit-c OUT.h] [--target NAME]\n"
    "\n"
    "An int8 .tflite model carries its own scales: it is imported without calibration, every\n"
    "integer computed as TFLite's reference kernels compute it (bit-exact outputs).\n"
    "\n"
    "Converts a float ONNX model (opsets 11-17) into an int8 qinfer model, calibrated on\n"
    "CALIB: a float32 .npy whose first axis is the sample axis (or a directory of .npy files),\n"
    "in the model's own input layout. Give --calib once per model input.\n"
    "\n"
    "options:\n"
    "  -o, --output OUT.qinfer   the model to write (written atomically)\n"
    "  --calib PATH              calibration data (.npy or directory)\n"
    "  --calib-method M          minmax | ema | percentile | mse (default: minmax,\n"
    "                            the most accurate on the bundled Fashion-MNIST models)\n"
    "  --calib-samples N         use at most the first N calibration samples\n"
    "  --percentile P            share of values kept by --calib-method percentile (default 99.99)\n"
    "  --outlier-zscore Z        drop calibration values more than Z std devs from the mean\n"
    "  --range NAME=LO,HI        fix the real range of tensor NAME (ONNX name), e.g. to clamp\n"
    "                            a heavy-tailed score output; repeatable\n"
    "  --per-tensor              one weight scale per tensor (default: per output channel)\n"
    "  --symmetric-activations   activations with zero point 0\n"
    "  --power-of-two            power-of-two scales\n"
    "  --report OUT.html         self-contained HTML report: per-layer SQNR table and chart\n"
    "  --emit-c OUT.h            also write the model as an aligned C array\n"
    "  --target NAME             weight layout: generic (default; runs everywhere) or\n"
    "                            x86-avx512vnni (conv/FC weights pre-packed and bias folded\n"
    "                            offline; refused at load on CPUs without AVX-512 VNNI).\n"
    "                            x86-avx2 = generic; cortex-m4, cortex-m55, aarch64-dotprod\n"
    "                            are reserved and refused\n"
    "  --equalize E              channel equalization strength in [0, 1] (default 1; 0 = off)\n"
    "  --no-weight-rounding      round weights to nearest instead of the data-aware rounding\n"
    "  --no-sqnr                 skip the per-layer int8-vs-float measurement\n"
    "  -q, --quiet               print only errors\n"
    "  -h, --help                this help\n";

int Error(const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  return 1;
}

bool ParseInt(const char* s, int64_t* v) {
  char* end = nullptr;
  const long long x = std::strtoll(s, &end, 10);
  if (end == s || *end != '\0') return false;
  *v = x;
  return true;
}

bool ParseDouble(const char* s, double* v) {
  char* end = nullptr;
  *v = std::strtod(s, &end);
  return end != s && *end == '\0';
}

std::string CName(const std::string& path) {
  std::string base = path;
  const size_t slash = base.find_last_of('/');
  if (slash != std::string::npos) base = base.substr(slash + 1);
  const size_t dot = base.find('.');
  if (dot != std::string::npos) base = base.substr(0, dot);
  std::string out;
  for (char c : base) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "model_" + out;
  return out;
}

int ConvertTflite(const std::string& model, const std::string& out, const std::string& emit_c,
                  converter::Target target, bool quiet) {
  try {
    converter::TfliteImportReport report;
    converter::TfliteImportOptions options;
    options.target = target;
    const std::vector<uint8_t> bytes = converter::ConvertTfliteToQinfer(model, &report, options);
    const std::string header = emit_c.empty() ? "" : converter::FormatCArray(bytes, CName(out));
    converter::WriteFileAtomic(out, bytes.data(), bytes.size());
    if (!emit_c.empty()) converter::WriteFileAtomic(emit_c, header.data(), header.size());
    if (!quiet) {
      std::printf("%s\ntarget: %s\nwrote %s\n", converter::FormatTfliteReport(report).c_str(),
                  converter::TargetName(target), out.c_str());
    }
  } catch (const std::exception& e) {
    return Error(e.what());
  }
  return 0;
}

}  // namespace

int ConvertMain(int argc, char** argv) {
  using namespace qinfer::converter;
  std::string model, out, report, emit_c;
  std::vector<std::string> calib;
  ConvertOptions opt;
  opt.calib.method = CalibMethod::kMinMax;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "error: %s needs a value\n", flag);
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kConvertHelp, stdout);
      return 0;
    } else if (a == "-o" || a == "--output") {
      const char* v = value("-o");
      if (!v) return 2;
      out = v;
    } else if (a == "--calib") {
      const char* v = value("--calib");
      if (!v) return 2;
      calib.push_back(v);
    } else if (a == "--calib-method") {
      const char* v = value("--calib-method");
      if (!v) return 2;
      if (!ParseCalibMethod(v, &opt.calib.method))
        return Error(std::string("unknown --calib-method '") + v + "' (minmax, ema, percentile, mse)");
    } else if (a == "--calib-samples") {
      const char* v = value("--calib-samples");
      if (!v) return 2;
      if (!ParseInt(v, &opt.calib_samples) || opt.calib_samples < 1)
        return Error(std::string("--calib-samples needs a positive integer, got '") + v + "'");
    } else if (a == "--percentile") {
      const char* v = value("--percentile");
      if (!v) return 2;
      if (!ParseDouble(v, &opt.calib.percentile) || opt.calib.percentile <= 50 || opt.calib.percentile > 100)
        return Error(std::string("--percentile needs a value in (50, 100], got '") + v + "'");
    } else if (a == "--outlier-zscore") {
      const char* v = value("--outlier-zscore");
      if (!v) return 2;
      if (!ParseDouble(v, &opt.calib.zscore) || opt.calib.zscore <= 0)
        return Error(std::string("--outlier-zscore needs a positive number, got '") + v + "'");
    } else if (a == "--range") {
      const char* v = value("--range");
      if (!v) return 2;
      const std::string s = v;
      const size_t eq = s.rfind('=');
      const size_t comma = eq == std::string::npos ? eq : s.find(',', eq);
      double lo, hi;
      if (eq == std::string::npos || comma == std::string::npos ||
          !ParseDouble(s.substr(eq + 1, comma - eq - 1).c_str(), &lo) || !ParseDouble(s.substr(comma + 1).c_str(), &hi))
        return Error("--range needs NAME=LO,HI, got '" + s + "'");
      opt.quant.range_overrides.push_back({s.substr(0, eq), {static_cast<float>(lo), static_cast<float>(hi)}});
    } else if (a == "--per-tensor") {
      opt.quant.per_tensor = true;
    } else if (a == "--symmetric-activations") {
      opt.quant.symmetric_activations = true;
    } else if (a == "--power-of-two") {
      opt.quant.power_of_two = true;
    } else if (a == "--report") {
      const char* v = value("--report");
      if (!v) return 2;
      report = v;
    } else if (a == "--emit-c") {
      const char* v = value("--emit-c");
      if (!v) return 2;
      emit_c = v;
    } else if (a == "--equalize") {
      const char* v = value("--equalize");
      if (!v) return 2;
      if (!ParseDouble(v, &opt.equalize) || opt.equalize < 0 || opt.equalize > 1)
        return Error(std::string("--equalize needs a value in [0, 1], got '") + v + "'");
    } else if (a == "--target") {
      const char* v = value("--target");
      if (!v) return 2;
      try {
        opt.target = ParseTarget(v);
      } catch (const std::exception& e) {
        return Error(e.what());
      }
    } else if (a == "--no-weight-rounding") {
      opt.optimize_rounding = false;
    } else if (a == "--no-sqnr") {
      opt.compute_sqnr = false;
    } else if (a == "-q" || a == "--quiet") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      return Error("unknown option '" + a + "' (see qinfer convert --help)");
    } else if (model.empty()) {
      model = a;
    } else {
      return Error("unexpected argument '" + a + "' (see qinfer convert --help)");
    }
  }
  if (model.empty()) return Error("no model given (usage: qinfer convert MODEL.onnx --calib CALIB.npy -o OUT.qinfer)");
  if (out.empty()) return Error("no output given (-o OUT.qinfer)");
  // A TFLite int8 model carries its own scales: no calibration.
  const bool tflite_name = model.size() > 7 && model.compare(model.size() - 7, 7, ".tflite") == 0;
  if (tflite_name || converter::LooksLikeTfliteFile(model)) return ConvertTflite(model, out, emit_c, opt.target, quiet);
  if (calib.empty()) return Error("no calibration data given (--calib CALIB.npy)");
  if (!report.empty() && !opt.compute_sqnr) return Error("--report needs the SQNR measurement (drop --no-sqnr)");

  const bool tty = !quiet && isatty(fileno(stderr));
  int last_pct = -1;
  std::string last_stage;
  if (tty) {
    opt.progress = [&](const char* stage, size_t done, size_t total) {
      const int pct = total ? static_cast<int>(100 * done / total) : 100;
      if (pct == last_pct && last_stage == stage) return;
      last_pct = pct;
      last_stage = stage;
      const int w = 30, fill = w * pct / 100;
      std::fprintf(stderr, "\r%-12s [%.*s%*s] %3d%%", stage, fill, "##############################", w - fill, "", pct);
      if (done == total) std::fprintf(stderr, "\n");
      std::fflush(stderr);
    };
  }
  try {
    const ConvertResult r = ConvertFile(model, calib, opt);
    // All outputs are built in memory first; each is written through a temporary file.
    std::string html, header;
    if (!report.empty()) html = FormatHtmlReport(r, "qinfer convert: " + model);
    if (!emit_c.empty()) header = FormatCArray(r.bytes, CName(out));
    WriteFileAtomic(out, r.bytes.data(), r.bytes.size());
    if (!report.empty()) WriteFileAtomic(report, html.data(), html.size());
    if (!emit_c.empty()) WriteFileAtomic(emit_c, header.data(), header.size());
    if (!quiet) {
      if (opt.compute_sqnr) std::printf("%s\n", FormatLayerTable(r).c_str());
      for (const auto& o : r.output_sqnr)
        if (opt.compute_sqnr) std::printf("output %s: SQNR %.1f dB\n", o.first.c_str(), o.second);
      std::printf("calibration: %s on %zu samples\n", CalibMethodName(r.method), r.calib_samples);
      std::printf("ops: %zu  arena: %lld bytes (%s)  weights: %lld bytes  model: %zu bytes\n", r.model.ops.size(),
                  static_cast<long long>(r.arena_bytes), r.planner.c_str(), static_cast<long long>(r.weight_bytes),
                  r.bytes.size());
      std::printf("target: %s\n", TargetName(opt.target));
      std::printf("wrote %s in %.2f s\n", out.c_str(), r.seconds);
    }
  } catch (const std::exception& e) {
    return Error(e.what());
  }
  return 0;
}

}  // namespace tools
}  // namespace qinfer
