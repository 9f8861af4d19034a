// libFuzzer target: see tests/fuzz/fuzz_entry.h (RunModel).
#include "tests/fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qinfer::fuzz::RunModel(data, size);
  return 0;
}
