// Host program: writes the MCU benchmark inputs (the layer shapes and DS-CNN, random
// weights from fixed seeds) as .bin files + an .incbin assembly file + a header, with the host
// runtime's outputs so the bench firmware also checks bit-exactness.
// Usage: qinfer_mcu_gen_bench OUT_DIR [--model NAME MODEL.qinfer]...
//   --model adds a model file (e.g. the converter's Fashion-MNIST CNN), run on random inputs.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/mcu/case_writer.h"
#include "tests/mcu/model_zoo.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR [--model NAME MODEL.qinfer]...\n", argv[0]);
    return 2;
  }
  using namespace qinfer::mcu;
  std::vector<Case> cases;
  cases.push_back(BenchConv3x3());
  cases.push_back(BenchConv1x1());
  cases.push_back(BenchDepthwise3x3());
  cases.push_back(BenchFullyConnected());
  cases.push_back(BenchAdd());
  cases.push_back(DsCnn(7));
  for (int i = 2; i < argc; i += 3) {
    if (std::strcmp(argv[i], "--model") != 0 || i + 2 >= argc) {
      std::fprintf(stderr, "bad argument %s\n", argv[i]);
      return 2;
    }
    std::ifstream in(argv[i + 2], std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in && bytes.empty()) {
      std::fprintf(stderr, "cannot read %s\n", argv[i + 2]);
      return 1;
    }
    Case c;
    c.name = argv[i + 1];
    c.model = qinfer::testing::AlignedBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    cases.push_back(std::move(c));
  }
  // Last, so the earlier cases keep their input seeds (and counts) from before it existed.
  cases.push_back(BenchDepthwise3x3Stride2());
  uint64_t seed = 5000;
  for (auto& c : cases) {
    if (!RunOnHost(&c, 1, seed++)) return 1;
  }
  if (!WriteCasesIncbin(argv[1], "bench", cases)) {
    std::fprintf(stderr, "cannot write to %s\n", argv[1]);
    return 1;
  }
  return 0;
}
