// qinfer evaluate MODEL.qinfer --onnx MODEL.onnx --images X --labels Y [--divisor D] [--limit N]
#include <cstdio>
#include <cstdlib>
#include <string>

#include "converter/error.h"
#include "converter/evaluate.h"
#include "tools/commands.h"

namespace qinfer {
namespace tools {
namespace {

const char kUsage[] =
    "usage: qinfer evaluate MODEL.qinfer --onnx MODEL.onnx --images X --labels Y [options]\n"
    "Top-1 accuracy of the float ONNX model and of the int8 qinfer model on labelled data,\n"
    "their argmax agreement, arena and model bytes, and int8 time per inference.\n"
    "  --images X     float32/uint8 .npy or IDX ubyte (.gz ok), samples on the first axis,\n"
    "                 in the ONNX model's own input layout\n"
    "  --labels Y     integer .npy or IDX ubyte labels\n"
    "  --divisor D    integer images are divided by D (default 255)\n"
    "  --limit N      only the first N samples\n"
    "  -h, --help     this help\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

}  // namespace

int EvaluateMain(int argc, char** argv) {
  std::string model, onnx, images, labels;
  float divisor = 255.0f;
  long long limit = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--onnx") {
      if (!value(&onnx)) return Fail("--onnx needs a value");
    } else if (a == "--images") {
      if (!value(&images)) return Fail("--images needs a value");
    } else if (a == "--labels") {
      if (!value(&labels)) return Fail("--labels needs a value");
    } else if (a == "--divisor") {
      if (!value(&v) || (divisor = std::strtof(v.c_str(), nullptr)) <= 0) return Fail("--divisor needs a positive number");
    } else if (a == "--limit") {
      if (!value(&v) || (limit = std::atoll(v.c_str())) <= 0) return Fail("--limit needs a positive count");
    } else if (!a.empty() && a[0] == '-') {
      return Fail("unknown option '" + a + "' (see qinfer evaluate --help)");
    } else if (model.empty()) {
      model = a;
    } else {
      return Fail("more than one model given");
    }
  }
  if (model.empty() || onnx.empty() || images.empty() || labels.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  try {
    const std::string bytes = converter::ReadFileBytes(model);
    const auto data = converter::LoadLabelledData(images, labels, divisor);
    const auto e = converter::EvaluateClassifier(
        onnx, std::vector<uint8_t>(bytes.begin(), bytes.end()), data, limit);
    std::printf("samples             %lld\n", static_cast<long long>(e.samples));
    std::printf("float top-1         %.2f %%\n", 100 * e.float_top1);
    std::printf("int8  top-1         %.2f %%  (%+.2f points)\n", 100 * e.int8_top1,
                100 * (e.int8_top1 - e.float_top1));
    std::printf("argmax agreement    %.2f %%\n", 100 * e.agreement);
    std::printf("arena bytes         %lld\n", static_cast<long long>(e.arena_bytes));
    std::printf("weight bytes        %lld\n", static_cast<long long>(e.weight_bytes));
    std::printf("model file bytes    %lld\n", static_cast<long long>(e.model_bytes));
    std::printf("int8 time/inference %.1f us (one core)\n", e.microseconds_per_inference);
  } catch (const std::exception& ex) {
    return Fail(ex.what());
  }
  return 0;
}

}  // namespace tools
}  // namespace qinfer
