// The converter's offline work for one conv / fully connected op packed for the
// x86-avx512vnni target: weights in packed_layout.h's order and the folded bias, built once
// before timing so the benchmarks time only what a packed model runs.
#ifndef QINFER_BENCH_X86_PACKED_H_
#define QINFER_BENCH_X86_PACKED_H_

#include <cstdint>
#include <vector>

#include "kernels/x86/packed_layout.h"

namespace qinfer {
namespace bench {

struct PackedWeights {
  std::vector<int8_t> weights;
  std::vector<int32_t> folded;
  PackedWeights(const kernels::x86::PackedShape& s, const std::vector<int8_t>& w,
                const int32_t* bias, int32_t zi) {
    weights.assign(static_cast<size_t>(kernels::x86::PackedWeightsBytes(s)), 0);
    kernels::x86::ForEachPackedByte(s, [&](int64_t at, int64_t src) {
      if (src >= 0) weights[static_cast<size_t>(at)] = w[static_cast<size_t>(src)];
    });
    folded.resize(static_cast<size_t>(s.groups * s.ocg));
    for (int32_t oc = 0; oc < s.groups * s.ocg; ++oc) {
      kernels::x86::FoldedBias(s, w.data(), bias, zi, oc, &folded[static_cast<size_t>(oc)]);
    }
  }
};

}  // namespace bench
}  // namespace qinfer

#endif  // QINFER_BENCH_X86_PACKED_H_
