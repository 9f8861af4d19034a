// Sets up a qinfer model for the x86 benchmark's interpreter rows (models.cc,
// fixed_cost.cc): arena, context, input 0 filled with the shared activation bytes.
#ifndef QINFER_BENCH_X86_MODEL_RUN_H_
#define QINFER_BENCH_X86_MODEL_RUN_H_

#include <cstdint>
#include <cstring>

#include "bench/x86/common.h"
#include "runtime/qinfer.h"
#include "tests/support/model_builder.h"

namespace qinfer {
namespace bench {

// False (and the benchmark skipped with the error) if qinfer_init refuses the model.
inline bool InitModel(benchmark::State& state, const testing::AlignedBytes& model,
                      testing::AlignedBytes* arena, qinfer_context* ctx) {
  qinfer_error err;
  arena->resize(qinfer_arena_bytes(model.data(), model.size()));
  if (qinfer_init(ctx, model.data(), model.size(), arena->data(), arena->size(), &err) != QINFER_OK) {
    state.SkipWithError(err.message);
    return false;
  }
  qinfer_tensor t;
  qinfer_input(ctx, 0, &t);
  const auto x = Data(static_cast<int64_t>(t.bytes), kInputSeed);
  std::memcpy(t.data, x.data(), t.bytes);
  return true;
}

}  // namespace bench
}  // namespace qinfer

#endif  // QINFER_BENCH_X86_MODEL_RUN_H_
