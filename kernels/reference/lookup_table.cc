// Reference int8 table lookup: any elementwise int8 -> int8 function precomputed by the
// converter (e.g. activations the integer spec has no closed form for).
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace ref {

void LookupTable(const int8_t* table, int32_t count, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < count; ++i) {
    output[i] = table[static_cast<int32_t>(input[i]) + 128];
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
