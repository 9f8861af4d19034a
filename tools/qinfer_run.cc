// qinfer run MODEL.qinfer --input X.npy -o Y.npy [--raw]
#include <sys/stat.h>

#include <cctype>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "converter/error.h"
#include "converter/lgraph.h"
#include "converter/npy.h"
#include "converter/runner.h"
#include "schema/qinfer_generated.h"
#include "tools/commands.h"

namespace qinfer {
namespace tools {
namespace {

const char kRunHelp[] =
    "usage: qinfer run MODEL.qinfer --input X.npy [--input X2.npy ...] -o Y.npy|DIR [--raw]\n"
    "\n"
    "Runs every sample of the first axis of X through the int8 runtime. X is float32 in the\n"
    "source model's layout and axis order ([N, ...input shape without its batch dim], or\n"
    "[N, ...input shape]); it is quantized on the host with the model's input scale and zero\n"
    "point. Outputs are dequantized to float32 in the source model's layout, one file per\n"
    "output: -o Y.npy for one output, -o DIR for several (DIR/<output name>.npy).\n"
    "\n"
    "options:\n"
    "  --input X.npy   input data, once per model input in order\n"
    "  -o, --output    output file or directory\n"
    "  --raw           X and Y are int8 (quantized values), no scaling\n"
    "  -q, --quiet     no summary line (samples, time per inference) on stdout\n"
    "  -h, --help      this help\n";

int Fail(const std::string& msg) {
  std::fprintf(stderr, "error: %s\n", msg.c_str());
  return 1;
}

struct IoInfo {
  const schema::Tensor* t;
  std::vector<int> stored;   // stored shape
  std::vector<int> perm;     // stored dim d = source dim perm[d]
  std::vector<int> source;   // source shape
  float scale;
  int32_t zp;
};

IoInfo Info(const schema::Tensor* t) {
  IoInfo io;
  io.t = t;
  for (int32_t d : *t->shape()) io.stored.push_back(d);
  if (t->source_perm() && t->source_perm()->size() == io.stored.size()) {
    for (int32_t p : *t->source_perm()) io.perm.push_back(p);
  } else {
    for (size_t d = 0; d < io.stored.size(); ++d) io.perm.push_back(static_cast<int>(d));
  }
  io.source.assign(io.stored.size(), 1);
  for (size_t d = 0; d < io.stored.size(); ++d) io.source[static_cast<size_t>(io.perm[d])] = io.stored[d];
  io.scale = (t->quant() && t->quant()->scale() && t->quant()->scale()->size() > 0) ? t->quant()->scale()->Get(0) : 1.0f;
  io.zp = t->zero_point();
  return io;
}

std::string SafeName(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') ? c : '_';
  return o.empty() ? "output" : o;
}

}  // namespace

int RunMain(int argc, char** argv) {
  using namespace qinfer::converter;
  std::string model_path, out;
  std::vector<std::string> inputs;
  bool raw = false, quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kRunHelp, stdout);
      return 0;
    } else if (a == "--input" || a == "-i") {
      if (i + 1 >= argc) return Fail("--input needs a value");
      inputs.push_back(argv[++i]);
    } else if (a == "-o" || a == "--output") {
      if (i + 1 >= argc) return Fail("-o needs a value");
      out = argv[++i];
    } else if (a == "--raw") {
      raw = true;
    } else if (a == "-q" || a == "--quiet") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      return Fail("unknown option '" + a + "' (see qinfer run --help)");
    } else if (model_path.empty()) {
      model_path = a;
    } else {
      return Fail("unexpected argument '" + a + "'");
    }
  }
  if (model_path.empty()) return Fail("no model given (usage: qinfer run MODEL.qinfer --input X.npy -o Y.npy)");
  if (inputs.empty()) return Fail("no input given (--input X.npy)");
  if (out.empty()) return Fail("no output given (-o Y.npy)");
  try {
    const std::string file = ReadFileBytes(model_path);
    ModelRunner run(std::vector<uint8_t>(file.begin(), file.end()));
    const schema::Model* m = run.schema();
    if (inputs.size() != run.input_count())
      return Fail("the model has " + std::to_string(run.input_count()) + " inputs; got " +
                  std::to_string(inputs.size()) + " --input files");
    std::vector<IoInfo> in_info, out_info;
    for (uint32_t k = 0; k < m->inputs()->size(); ++k) in_info.push_back(Info(m->tensors()->Get(m->inputs()->Get(k))));
    for (uint32_t k = 0; k < m->outputs()->size(); ++k) out_info.push_back(Info(m->tensors()->Get(m->outputs()->Get(k))));

    // Load inputs and find the sample count.
    std::vector<NpyArray> xs;
    int64_t samples = -1;
    for (size_t k = 0; k < inputs.size(); ++k) {
      NpyArray x = ReadNpy(inputs[k]);
      const IoInfo& io = in_info[k];
      if (raw ? x.type != NpyType::kInt8 : x.type != NpyType::kFloat32)
        return Fail("input '" + inputs[k] + "' is " + NpyTypeName(x.type) + "; expected " + (raw ? "int8 (--raw)" : "float32"));
      std::vector<int64_t> src(io.source.begin(), io.source.end());
      std::vector<int64_t> tail(x.shape.empty() ? x.shape.end() : x.shape.begin() + 1, x.shape.end());
      std::vector<int64_t> src_tail(src.begin() + 1, src.end());
      int64_t n;
      if (!x.shape.empty() && (tail == src || (src[0] == 1 && tail == src_tail))) n = x.shape[0];
      else if (x.shape == src) n = 1;
      else
        return Fail("input '" + inputs[k] + "' has shape " + ShapeString(x.shape) + "; the model input is " +
                    ShapeString(src) + " (give [N" + (src_tail.empty() ? "" : ",") + ShapeString(src_tail).substr(1) +
                    " with N samples)");
      if (samples >= 0 && n != samples) return Fail("inputs have different sample counts");
      samples = n;
      xs.push_back(std::move(x));
    }
    // Outputs: [N, ...source shape without batch] when the batch dim is 1.
    std::vector<NpyArray> ys(out_info.size());
    std::vector<int64_t> per_out(out_info.size());
    for (size_t k = 0; k < out_info.size(); ++k) {
      const IoInfo& io = out_info[k];
      std::vector<int64_t> shape = {samples};
      for (size_t d = (io.source.size() > 1 && io.source[0] == 1) ? 1 : 0; d < io.source.size(); ++d)
        shape.push_back(io.source[d]);
      int64_t per = 1;
      for (int d : io.source) per *= d;
      per_out[k] = per;
      ys[k].type = raw ? NpyType::kInt8 : NpyType::kFloat32;
      ys[k].shape = shape;
      ys[k].data.resize(static_cast<size_t>(samples * per) * (raw ? 1 : 4));
    }
    double invoke_seconds = 0;
    for (int64_t s = 0; s < samples; ++s) {
      for (size_t k = 0; k < xs.size(); ++k) {
        const IoInfo& io = in_info[k];
        TensorView v = run.input(k);
        const int64_t per = static_cast<int64_t>(v.bytes);
        std::vector<float> src(static_cast<size_t>(per));
        for (int64_t i = 0; i < per; ++i) src[static_cast<size_t>(i)] = static_cast<float>(xs[k].at(s * per + i));
        const std::vector<float> stored = TransposeData(src, io.source, io.perm);
        for (int64_t i = 0; i < per; ++i)
          v.data[i] = raw ? static_cast<int8_t>(stored[static_cast<size_t>(i)])
                          : QuantizeToInt8(stored[static_cast<size_t>(i)], io.scale, io.zp);
      }
      const auto t0 = std::chrono::steady_clock::now();
      run.Invoke();
      invoke_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      for (size_t k = 0; k < ys.size(); ++k) {
        const IoInfo& io = out_info[k];
        const TensorView v = run.output(k);
        std::vector<float> stored(v.bytes);
        for (size_t i = 0; i < v.bytes; ++i)
          stored[i] = raw ? static_cast<float>(v.data[i]) : io.scale * static_cast<float>(v.data[i] - io.zp);
        // Back to the source layout: source dim perm[d] = stored dim d.
        std::vector<int> inv(io.perm.size());
        for (size_t d = 0; d < io.perm.size(); ++d) inv[static_cast<size_t>(io.perm[d])] = static_cast<int>(d);
        const std::vector<float> src = TransposeData(stored, io.stored, inv);
        const int64_t per = per_out[k];
        for (int64_t i = 0; i < per; ++i) {
          if (raw) ys[k].as<int8_t>()[s * per + i] = static_cast<int8_t>(src[static_cast<size_t>(i)]);
          else ys[k].as<float>()[s * per + i] = src[static_cast<size_t>(i)];
        }
      }
    }
    if (ys.size() == 1 && !(out.size() > 0 && out.back() == '/')) {
      struct stat st;
      if (stat(out.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        WriteNpy(out + "/" + SafeName(out_info[0].t->name() ? out_info[0].t->name()->str() : "output") + ".npy", ys[0]);
      } else {
        WriteNpy(out, ys[0]);
      }
    } else {
      struct stat st;
      if (stat(out.c_str(), &st) != 0) {
        if (mkdir(out.c_str(), 0777) != 0) return Fail("cannot create directory '" + out + "'");
      } else if (!S_ISDIR(st.st_mode)) {
        return Fail("the model has " + std::to_string(ys.size()) + " outputs; -o must name a directory");
      }
      for (size_t k = 0; k < ys.size(); ++k) {
        const std::string name = out_info[k].t->name() ? out_info[k].t->name()->str() : "output" + std::to_string(k);
        WriteNpy(out + "/" + SafeName(name) + ".npy", ys[k]);
      }
    }
    if (!quiet)
      std::printf("ran %lld samples: %.3f ms per inference (arena %u bytes, model %zu bytes)\n",
                  static_cast<long long>(samples), samples ? 1e3 * invoke_seconds / static_cast<double>(samples) : 0.0,
                  m->arena_bytes(), file.size());
  } catch (const std::exception& e) {
    return Fail(e.what());
  }
  return 0;
}

}  // namespace tools
}  // namespace qinfer
