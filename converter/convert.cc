#include "converter/convert.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <limits>
#include <sstream>

#include "converter/error.h"
#include "converter/onnx_import.h"
#include "converter/passes.h"
#include "converter/runner.h"
#include "converter/target.h"
#include "schema/qinfer_generated.h"

namespace qinfer {
namespace converter {
namespace {

std::vector<std::string> NpyFiles(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return {path};
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(path, ec))
    if (e.path().extension() == ".npy") files.push_back(e.path().string());
  if (ec) Fail("cannot list '", path, "': ", ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) Fail("calibration directory '", path, "' holds no .npy files");
  return files;
}

}  // namespace

std::vector<Sample> LoadCalibration(const Graph& g, const LGraph& lg, const std::vector<std::string>& paths,
                                    int64_t max_samples) {
  if (paths.size() != g.inputs.size())
    Fail("the model has ", g.inputs.size(), " inputs; give one --calib per input (got ", paths.size(), ")");
  std::vector<Sample> samples;
  for (size_t k = 0; k < paths.size(); ++k) {
    const Tensor& in = g.tensors[static_cast<size_t>(g.inputs[k])];
    const LTensor& lin = lg.tensors[static_cast<size_t>(lg.inputs[k])];
    const std::vector<int64_t>& S = in.shape;
    const int64_t per = in.numel();
    std::vector<int> si(S.begin(), S.end());
    std::vector<int> perm = lin.source_perm;
    if (perm.empty()) for (size_t d = 0; d < S.size(); ++d) perm.push_back(static_cast<int>(d));
    std::vector<std::vector<float>> values;
    for (const std::string& file : NpyFiles(paths[k])) {
      const NpyArray a = ReadNpy(file);
      if (a.type != NpyType::kFloat32)
        Fail("calibration data '", file, "' is ", NpyTypeName(a.type),
             "; expected float32 in the model's own input range and layout");
      const std::vector<int64_t> tail(a.shape.size() > 0 ? a.shape.begin() + 1 : a.shape.end(), a.shape.end());
      const std::vector<int64_t> tail_s(S.size() > 0 ? S.begin() + 1 : S.end(), S.end());
      int64_t n = 0;
      if (a.shape == S) n = 1;
      else if (!a.shape.empty() && (tail == S || (!S.empty() && S[0] == 1 && tail == tail_s))) n = a.shape[0];
      else
        Fail("calibration array '", file, "' has shape ", ShapeStr(a.shape), "; model input '", in.name, "' is ",
             ShapeStr(S), ", so the array must be [N", tail_s.empty() ? "" : ",",
             ShapeStr(tail_s).substr(1), " with N samples on the first axis");
      const float* f = a.as<float>();
      for (int64_t i = 0; i < a.numel(); ++i)
        if (!std::isfinite(f[i]))
          Fail("calibration data '", file, "' contains ", std::isnan(f[i]) ? "NaN" : "Inf", " (sample ", i / per,
               ", element ", i % per, ")");
      for (int64_t s = 0; s < n; ++s) {
        std::vector<float> v(f + s * per, f + (s + 1) * per);
        values.push_back(TransposeData(v, si, perm));
      }
    }
    if (values.empty()) Fail("no calibration samples in '", paths[k], "'");
    if (k == 0) samples.resize(values.size());
    if (values.size() != samples.size())
      Fail("calibration inputs have different sample counts (", samples.size(), " vs ", values.size(), ")");
    for (size_t s = 0; s < values.size(); ++s) samples[s].push_back(std::move(values[s]));
  }
  if (max_samples > 0 && static_cast<int64_t>(samples.size()) > max_samples)
    samples.resize(static_cast<size_t>(max_samples));
  return samples;
}

LGraph PrepareForQuantization(Graph* g) {
  OptimizeGraph(g);
  return Lower(*g);
}

ConvertResult ConvertGraphWithSamples(const LGraph& lg_in, const std::vector<Sample>& samples,
                                      const ConvertOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  LGraph lg = lg_in;
  if (options.equalize > 0) EqualizeChannels(&lg, samples, options.equalize);
  ConvertResult r;
  r.method = options.calib.method;
  r.calib_samples = samples.size();
  CalibOptions co = options.calib;
  co.symmetric = options.quant.symmetric_activations;
  if (options.progress) {
    co.progress = [&](size_t d, size_t t) { options.progress("calibrating", d, t); };
  }
  const auto ranges = Calibrate(lg, samples, co);
  std::vector<LayerMoments> moments;
  if (options.optimize_rounding) moments = ComputeMoments(lg, samples, options.moment_patches);
  r.model = Quantize(lg, ranges, options.quant, options.optimize_rounding ? &moments : nullptr);
  if (options.bias_correction_passes > 0) CorrectBiases(lg, &r.model, samples, options.bias_correction_passes);
  r.planner = PlanMemory(&r.model);
  r.bytes = SerializeModel(r.model);
  r.arena_bytes = r.model.arena_bytes;
  r.weight_bytes = WeightBytes(r.model);
  { ModelRunner check(r.bytes); }  // the runtime must accept what we wrote

  // Per-layer table: every tensor kept alive in its own bytes, read after each Invoke.
  const QModel& m = r.model;
  std::vector<double> sig(m.tensors.size(), 0), noise(m.tensors.size(), 0);
  if (options.compute_sqnr) {
    QModel dbg = m;
    PlanMemory(&dbg, /*no_reuse=*/true);
    std::vector<int> fidx;
    const auto dbytes = SerializeModel(dbg, &fidx);
    ModelRunner run(dbytes);
    size_t done = 0;
    for (const Sample& s : samples) {
      for (size_t k = 0; k < m.inputs.size(); ++k) {
        const QTensor& qt = m.tensors[static_cast<size_t>(m.inputs[k])];
        TensorView v = run.input(k);
        for (size_t i = 0; i < s[k].size(); ++i) v.data[i] = QuantizeToInt8(s[k][i], qt.scales[0], qt.zero_point);
      }
      run.Invoke();
      const auto fv = RunFloat(lg, s);
      for (const QOp& op : m.ops) {
        const int t = op.outputs[0];
        const QTensor& qt = m.tensors[static_cast<size_t>(t)];
        const int8_t* q = run.ArenaTensor(fidx[static_cast<size_t>(t)]);
        const auto& f = fv[static_cast<size_t>(t)];
        double ss = 0, nn = 0;
        for (size_t i = 0; i < f.size(); ++i) {
          if (!std::isfinite(f[i])) continue;
          const double d = qt.scales[0] * (q[i] - qt.zero_point);
          ss += static_cast<double>(f[i]) * f[i];
          nn += (d - f[i]) * (d - f[i]);
        }
        sig[static_cast<size_t>(t)] += ss;
        noise[static_cast<size_t>(t)] += nn;
      }
      if (options.progress) options.progress("measuring", ++done, samples.size());
    }
  }
  auto sqnr = [&](int t) {
    const double s = sig[static_cast<size_t>(t)], n = noise[static_cast<size_t>(t)];
    if (n <= 0) return s > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    if (s <= 0) return -std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(s / n);
  };
  for (size_t i = 0; i < m.ops.size(); ++i) {
    const QOp& op = m.ops[i];
    const QTensor& qt = m.tensors[static_cast<size_t>(op.outputs[0])];
    LayerReport l;
    l.op_index = static_cast<int>(i);
    l.op = LKindName(op.kind);
    l.name = op.name;
    l.tensor = qt.name;
    l.sqnr_db = options.compute_sqnr ? sqnr(op.outputs[0]) : 0.0;
    l.lo = static_cast<float>(qt.scales[0] * (-128 - qt.zero_point));
    l.hi = static_cast<float>(qt.scales[0] * (127 - qt.zero_point));
    l.scale = qt.scales[0];
    l.zero_point = qt.zero_point;
    r.layers.push_back(l);
  }
  for (int o : m.outputs)
    r.output_sqnr.push_back({m.tensors[static_cast<size_t>(o)].name, options.compute_sqnr ? sqnr(o) : 0.0});
  // The dry runs above used the generic layout; the packed file is verified without the
  // CPU check, since it may be meant for another machine.
  if (options.target != Target::kGeneric) {
    PackForTarget(&r.model, options.target);
    r.bytes = SerializeModel(r.model);
    VerifyModelBytes(r.bytes);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

ConvertResult ConvertGraph(Graph g, const std::vector<std::string>& calib_paths, const ConvertOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const LGraph lg = PrepareForQuantization(&g);
  const auto samples = LoadCalibration(g, lg, calib_paths, options.calib_samples);
  ConvertResult r = ConvertGraphWithSamples(lg, samples, options);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

ConvertResult ConvertFile(const std::string& onnx_path, const std::vector<std::string>& calib_paths,
                          const ConvertOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  ConvertResult r = ConvertGraph(ImportOnnxFile(onnx_path), calib_paths, options);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

namespace {

std::string Db(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << std::fixed << std::setprecision(1) << v;
  return os.str();
}

std::string Num(double v, int prec = 4) {
  std::ostringstream os;
  os << std::setprecision(prec) << v;
  return os.str();
}

std::string Html(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

// Keeps the end of long names: exporters put the distinctive part last
// ("StatefulPartitionedCall/functional_1/conv2d_3/BiasAdd").
std::string Truncate(const std::string& s, size_t n) {
  return s.size() <= n ? s : ".." + s.substr(s.size() - (n - 2));
}

}  // namespace

std::string FormatLayerTable(const ConvertResult& r) {
  std::ostringstream os;
  os << std::left << std::setw(4) << "#" << std::setw(20) << "op" << std::setw(28) << "layer" << std::right
     << std::setw(9) << "SQNR dB" << "  " << std::left << std::setw(24) << "range" << std::setw(12) << "scale"
     << "zp\n";
  for (const LayerReport& l : r.layers) {
    os << std::left << std::setw(4) << l.op_index << std::setw(20) << l.op << std::setw(28) << Truncate(l.name, 27)
       << std::right << std::setw(9) << Db(l.sqnr_db) << "  " << std::left << std::setw(24)
       << ("[" + Num(l.lo) + ", " + Num(l.hi) + "]") << std::setw(12) << Num(l.scale) << l.zero_point << "\n";
  }
  return os.str();
}

std::string FormatHtmlReport(const ConvertResult& r, const std::string& title) {
  std::ostringstream os;
  os << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" << Html(title) << "</title>\n"
     << "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px;font-size:13px}td.n{text-align:right}"
        "tr.bad{background:#fdd}tr.warn{background:#ffe9c4}</style></head><body>\n";
  os << "<h1>" << Html(title) << "</h1>\n<p>Calibration: " << CalibMethodName(r.method) << " on " << r.calib_samples
     << " samples. Arena " << r.arena_bytes << " bytes (" << Html(r.planner) << "), weights " << r.weight_bytes
     << " bytes, model file " << r.bytes.size() << " bytes. Conversion " << Num(r.seconds, 3) << " s.</p>\n";
  os << "<p>Outputs:";
  for (const auto& o : r.output_sqnr) os << " " << Html(o.first) << " SQNR " << Db(o.second) << " dB;";
  os << "</p>\n";
  // Bar chart.
  const int bar_h = 16, left = 260, width = 520;
  const double max_db = 60.0;
  const int h = static_cast<int>(r.layers.size()) * bar_h + 30;
  os << "<h2>Per-layer SQNR (int8 vs float on the calibration data)</h2>\n";
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << left + width + 80 << "\" height=\"" << h
     << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  for (int db = 0; db <= 60; db += 10) {
    const int x = left + static_cast<int>(width * db / max_db);
    os << "<line x1=\"" << x << "\" y1=\"0\" x2=\"" << x << "\" y2=\"" << h - 20 << "\" stroke=\"#ddd\"/>"
       << "<text x=\"" << x << "\" y=\"" << h - 6 << "\" text-anchor=\"middle\">" << db << " dB</text>\n";
  }
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const LayerReport& l = r.layers[i];
    const double v = std::isinf(l.sqnr_db) ? (l.sqnr_db > 0 ? max_db : 0) : std::clamp(l.sqnr_db, 0.0, max_db);
    const int y = static_cast<int>(i) * bar_h;
    const char* color = l.sqnr_db < 20 ? "#d9534f" : (l.sqnr_db < 30 ? "#f0ad4e" : "#5cb85c");
    os << "<text x=\"" << left - 6 << "\" y=\"" << y + 12 << "\" text-anchor=\"end\">" << Html(Truncate(l.op + " " + l.name, 40))
       << "</text><rect x=\"" << left << "\" y=\"" << y + 2 << "\" width=\"" << static_cast<int>(width * v / max_db)
       << "\" height=\"" << bar_h - 4 << "\" fill=\"" << color << "\"><title>" << Html(l.name) << ": " << Db(l.sqnr_db)
       << " dB</title></rect><text x=\"" << left + static_cast<int>(width * v / max_db) + 4 << "\" y=\"" << y + 12 << "\">"
       << Db(l.sqnr_db) << "</text>\n";
  }
  os << "</svg>\n<h2>Layers</h2>\n<table><tr><th>#</th><th>op</th><th>layer</th><th>output tensor</th><th>SQNR dB</th>"
        "<th>range</th><th>scale</th><th>zero point</th></tr>\n";
  for (const LayerReport& l : r.layers) {
    const char* cls = l.sqnr_db < 20 ? " class=\"bad\"" : (l.sqnr_db < 30 ? " class=\"warn\"" : "");
    os << "<tr" << cls << "><td class=\"n\">" << l.op_index << "</td><td>" << l.op << "</td><td>" << Html(l.name)
       << "</td><td>" << Html(l.tensor) << "</td><td class=\"n\">" << Db(l.sqnr_db) << "</td><td>[" << Num(l.lo) << ", "
       << Num(l.hi) << "]</td><td class=\"n\">" << Num(l.scale, 6) << "</td><td class=\"n\">" << l.zero_point
       << "</td></tr>\n";
  }
  os << "</table>\n</body></html>\n";
  return os.str();
}

std::string FormatCArray(const std::vector<uint8_t>& bytes, const std::string& name) {
  std::ostringstream os;
  std::string guard = name;
  for (char& ch : guard) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  os << "// Generated by qinfer convert: a qinfer model for qinfer::Model::Load / the C API.\n"
     << "// " << bytes.size() << " bytes, 16-byte aligned as the runtime requires.\n"
     << "#ifndef " << guard << "_H_\n#define " << guard << "_H_\n\n"
     << "#ifndef __cplusplus\n#include <stdalign.h>\n#endif\n#include <stddef.h>\n\n"
     << "alignas(16) const unsigned char " << name << "[] = {\n";
  char buf[8];
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i % 12 == 0) os << "  ";
    std::snprintf(buf, sizeof(buf), "0x%02x,", bytes[i]);
    os << buf << ((i % 12 == 11 || i + 1 == bytes.size()) ? "\n" : " ");
  }
  os << "};\nconst size_t " << name << "_size = " << bytes.size() << ";\n\n#endif  // " << guard << "_H_\n";
  return os.str();
}

}  // namespace converter
}  // namespace qinfer
