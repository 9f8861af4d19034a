// Host program: writes the conformance header the MCU test firmware embeds (models as const
// arrays in flash, inputs, and the host runtime's outputs on those inputs).
//
// Usage: qinfer_mcu_gen_conformance OUT.h
//          [--converted NAME MODEL.qinfer EMITTED.h SYMBOL IMAGES_U8.npy COUNT]
// --converted adds a model produced by `qinfer convert ... -o MODEL.qinfer --emit-c EMITTED.h`:
// the firmware reads it from SYMBOL in EMITTED.h (checked here to hold the same bytes), and
// its inputs are the first COUNT images of IMAGES_U8.npy, x = u8 / 255, quantized with the
// model input's scale and zero point.
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
#include "converter/npy.h"
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
  if (!qinfer::mcu::WriteCasesHeader(argv[1], "conformance", cases)) {
    std::fprintf(stderr, "cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
