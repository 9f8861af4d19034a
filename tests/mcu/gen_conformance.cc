// Host program: writes the conformance header the MCU test firmware embeds (models as const
// arrays in flash, inputs, and the host runtime's outputs on those inputs).
//
// Usage: qinfer_mcu_gen_conformance OUT.h
//          [--converted NAME MODEL.qinfer EMITTED.h SYMBOL IMAGES_U8.npy COUNT]
// --converted adds a model produced by `qinfer convert ... -o MODEL.qinfer --emit-c EMITTED.h`:
// the firmware reads it from SYMBOL in EMITTED.h (checked here to hold the same bytes), and
// its inputs are the first COUNT images of IMAGES_U8.npy, x = u8 / 255, quantized with the
// model input's scale and zero point. With the converter, the cases end with `packed_x86`, a
// model the devices must refuse (see AddPackedForX86).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "schema/qinfer_generated.h"
#include "tests/mcu/case_writer.h"
#include "tests/mcu/model_zoo.h"

#if defined(QINFER_HAVE_CONVERTER)
#include "converter/convert.h"
#include "converter/npy.h"
#include "converter/onnx_builder.h"
#include "converter/onnx_import.h"
#include "runtime/model.h"
#endif

namespace {

using qinfer::mcu::Blob;
using qinfer::mcu::Case;

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// The bytes of `const unsigned char SYMBOL[] = { 0x.., ... };` in an --emit-c header.
bool EmittedBytes(const std::string& header, const std::string& symbol, std::string* bytes) {
  const std::string decl = "const unsigned char " + symbol + "[] = {";
  const size_t start = header.find(decl);
  if (start == std::string::npos) return false;
  const size_t end = header.find("};", start);
  if (end == std::string::npos) return false;
  std::istringstream body(header.substr(start + decl.size(), end - start - decl.size()));
  std::string token;
  bytes->clear();
  while (std::getline(body, token, ',')) {
    const size_t p = token.find("0x");
    if (p == std::string::npos) continue;
    bytes->push_back(static_cast<char>(std::strtoul(token.c_str() + p, nullptr, 16)));
  }
  return true;
}

#if defined(QINFER_HAVE_CONVERTER)
bool AddConverted(char** a, std::vector<Case>* cases) {
  const std::string name = a[0], model_path = a[1], header_path = a[2], symbol = a[3],
                    images_path = a[4];
  const int count = std::atoi(a[5]);
  std::string model, header, emitted;
  if (!ReadFile(model_path, &model) || !ReadFile(header_path, &header)) {
    std::fprintf(stderr, "cannot read %s or %s\n", model_path.c_str(), header_path.c_str());
    return false;
  }
  if (!EmittedBytes(header, symbol, &emitted) || emitted != model) {
    std::fprintf(stderr, "%s: %s[] does not hold the bytes of %s\n", header_path.c_str(),
                 symbol.c_str(), model_path.c_str());
    return false;
  }
  Case c;
  c.name = name;
  c.model = qinfer::testing::AlignedBytes(reinterpret_cast<const uint8_t*>(model.data()), model.size());
  c.model_symbol = symbol;
  c.model_header = header_path.substr(header_path.find_last_of('/') + 1);

  const auto* m = qinfer::schema::GetModel(c.model.data());
  const auto* in = m->tensors()->Get(m->inputs()->Get(0));
  if (m->inputs()->size() != 1 || in->quant() == nullptr || in->quant()->scale() == nullptr ||
      in->quant()->scale()->size() == 0) {
    std::fprintf(stderr, "%s: expected one input with a scale\n", model_path.c_str());
    return false;
  }
  const double scale = in->quant()->scale()->Get(0);
  const int32_t zp = in->zero_point();
  qinfer::converter::NpyArray images;
  try {
    images = qinfer::converter::ReadNpy(images_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return false;
  }
  if (images.type != qinfer::converter::NpyType::kUint8 || images.shape.empty()) {
    std::fprintf(stderr, "%s: expected uint8 images\n", images_path.c_str());
    return false;
  }
  const int64_t per_image = images.numel() / images.shape[0];
  std::vector<std::vector<Blob>> sets;
  for (int i = 0; i < count && i < images.shape[0]; ++i) {
    Blob b;
    for (int64_t k = 0; k < per_image; ++k) {
      const double x = images.as<uint8_t>()[i * per_image + k] / 255.0;
      const long q = std::lround(x / scale) + zp;
      b.bytes.push_back(static_cast<int8_t>(q < -128 ? -128 : q > 127 ? 127 : q));
    }
    sets.push_back({b});
  }
  if (!qinfer::mcu::RunOnHostWithInputs(&c, sets)) return false;
  cases->push_back(std::move(c));
  return true;
}

// A model converted for the x86 pre-packed target, as `qinfer convert --target
// x86-avx512vnni` writes it (Model.target, Operator.packed_weights / folded_bias), using only
// opcodes of the flash-size build (conv, average pool, reshape, fully connected): every
// Cortex-M build, that one included, must refuse it with kTargetUnsupported, having no x86
// kernels. The host's verifier, which checks the packed data in full, must accept it, so the
// device refuses the model for its target alone.
bool AddPackedForX86(std::vector<Case>* cases) {
  namespace cv = qinfer::converter;
  qinfer::mcu::Rng rng(4242);
  auto values = [&](size_t n) {
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(rng.Unit() * 2 - 1);
    return v;
  };
  Case c;
  c.name = "packed_x86";
  try {
    cv::OnnxBuilder b;
    b.Input("x", {1, 1, 8, 8});
    b.Init("w", {8, 1, 3, 3}, values(72));
    b.Init("b", {8}, values(8));
    b.Node("Conv", {"x", "w", "b"}, {"c"},
           {cv::OnnxAttr::Ints("kernel_shape", {3, 3}), cv::OnnxAttr::Ints("pads", {1, 1, 1, 1})});
    b.Node("AveragePool", {"c"}, {"p"}, {cv::OnnxAttr::Ints("kernel_shape", {8, 8})});
    b.Node("Flatten", {"p"}, {"f"});
    b.Init("fw", {10, 8}, values(80));
    b.Init("fb", {10}, values(10));
    b.Node("Gemm", {"f", "fw", "fb"}, {"y"}, {cv::OnnxAttr::Int("transB", 1)});
    b.Output("y");
    cv::Graph g = cv::ImportOnnxBytes(b.Serialize(), c.name);
    const cv::LGraph lg = cv::PrepareForQuantization(&g);
    std::vector<cv::Sample> calib;
    for (int i = 0; i < 4; ++i) calib.push_back({values(64)});
    cv::ConvertOptions opt;
    opt.compute_sqnr = false;
    opt.optimize_rounding = false;
    opt.target = cv::Target::kX86Avx512Vnni;
    const cv::ConvertResult r = cv::ConvertGraphWithSamples(lg, calib, opt);
    c.model = qinfer::testing::AlignedBytes(r.bytes.data(), r.bytes.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", c.name.c_str(), e.what());
    return false;
  }
  const auto* m = qinfer::schema::GetModel(c.model.data());
  int packed = 0;
  for (const auto* op : *m->operators()) {
    packed += op->packed_weights() >= 0 && op->folded_bias() >= 0;
  }
  qinfer::Error error;
  if (m->target() != qinfer::schema::Target::X86_AVX512VNNI || packed == 0 ||
      qinfer::Model::Verify(c.model.data(), c.model.size(), &error) != qinfer::Status::kOk) {
    std::fprintf(stderr, "%s: expected a valid model with packed ops (%d packed; %s)\n",
                 c.name.c_str(), packed, error.message);
    return false;
  }
  c.refuse_status = static_cast<int32_t>(qinfer::Status::kTargetUnsupported);
  cases->push_back(std::move(c));
  return true;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.h [--converted NAME MODEL.qinfer EMITTED.h SYMBOL IMAGES.npy COUNT]\n", argv[0]);
    return 2;
  }
  auto cases = qinfer::mcu::ConformanceCases();
  uint64_t seed = 1000;
  for (auto& c : cases) {
    if (!qinfer::mcu::RunOnHost(&c, 3, seed++)) return 1;
  }
  for (int i = 2; i < argc;) {
    if (std::strcmp(argv[i], "--converted") == 0 && i + 6 < argc) {
#if defined(QINFER_HAVE_CONVERTER)
      if (!AddConverted(argv + i + 1, &cases)) return 1;
#else
      std::fprintf(stderr, "--converted needs the converter (QINFER_HAVE_CONVERTER)\n");
      return 1;
#endif
      i += 7;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
#if defined(QINFER_HAVE_CONVERTER)
  if (!AddPackedForX86(&cases)) return 1;
#endif
  if (!qinfer::mcu::WriteCasesHeader(argv[1], "conformance", cases)) {
    std::fprintf(stderr, "cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
