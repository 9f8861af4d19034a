// libFuzzer target: see tests/fuzz/fuzz_entry.h (RunNpy).
#include "tests/fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  qinfer::fuzz::RunNpy(data, size);
  return 0;
}
