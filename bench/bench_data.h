// Inputs and counters shared by every Google Benchmark binary in bench/: deterministic int8
// data (the same seed gives every implementation the same bytes), per-channel
// requantization with realistic magnitudes, and the "GOPS" counter.
#ifndef QINFER_BENCH_BENCH_DATA_H_
#define QINFER_BENCH_BENCH_DATA_H_

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "kernels/types.h"

namespace qinfer {
namespace bench {

// LCG: deterministic, cheap, no <random> needed.
inline std::vector<int8_t> Data(int64_t count, uint32_t seed) {
  std::vector<int8_t> v(static_cast<size_t>(count));
  uint32_t x = seed * 2654435761u + 1;
  for (auto& e : v) {
    x = x * 1664525u + 1013904223u;
    e = static_cast<int8_t>(x >> 24);
  }
  return v;
}

struct Requants {
  std::vector<int32_t> multiplier, shift;
  explicit Requants(int32_t channels) {
    for (int32_t i = 0; i < channels; ++i) {
      multiplier.push_back(1200000000 + i * 1000);
      shift.push_back(-9);
    }
  }
  kernels::Requant view() const {
    return kernels::Requant{multiplier.data(), shift.data(), static_cast<int32_t>(multiplier.size())};
  }
};

inline void SetOps(benchmark::State& state, int64_t ops_per_iteration) {
  state.counters["GOPS"] = benchmark::Counter(static_cast<double>(ops_per_iteration) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace bench
}  // namespace qinfer

#endif  // QINFER_BENCH_BENCH_DATA_H_
