// Fixed cost per op through the interpreter: chains of tiny ops (fully connected 1x8x8, an
// add of one element) run by qinfer_invoke, reported as ns per op ("ns_per_op": the
// iteration time divided by the ops in the chain). The 1-op models include the invoke call
// itself; the 32-op chains show what each further op costs. Names: fixed/qinfer/<op>_<n>op.
#include <cstdint>
#include <string>

#include "bench/x86/common.h"
#include "bench/x86/model_run.h"
#include "kernels/x86/dispatch.h"
#include "runtime/qinfer.h"
#include "tests/mcu/model_zoo.h"

namespace qinfer {
namespace bench {
namespace {

testing::AlignedBytes FcChain(int32_t ops) {
  mcu::Net n(7);
  const int32_t in = n.Input({1, 8}, 0.02, 0);
  int32_t x = in;
  for (int32_t i = 0; i < ops; ++i) x = n.FullyConnected(x, 8, true);
  return n.Finish({in}, {x});
}

testing::AlignedBytes AddChain(int32_t ops) {
  mcu::Net n(7);
  const int32_t in = n.Input({1, 1, 1, 1}, 0.02, 0);
  const int32_t c = n.Constant({1, 1, 1, 1}, 0.02, 3);
  int32_t x = in;
  for (int32_t i = 0; i < ops; ++i) x = n.Add(x, c, false);
  return n.Finish({in}, {x});
}

void RegisterChain(const std::string& op, testing::AlignedBytes (*build)(int32_t), int32_t ops) {
  Register("fixed/qinfer/" + op + "_" + std::to_string(ops) + "op",
           [build, ops](benchmark::State& state) {
             kernels::x86::SetIsa(kernels::x86::DetectedIsa());
             const testing::AlignedBytes model = build(ops);
             testing::AlignedBytes arena;
             qinfer_context ctx;
             if (!InitModel(state, model, &arena, &ctx)) return;
             qinfer_error err;
             for (auto _ : state) {
               if (qinfer_invoke(&ctx, &err) != QINFER_OK) {
                 state.SkipWithError(err.message);
                 return;
               }
             }
             SetNsPerOp(state, ops);
           });
}

int RegisterAll() {
  for (int32_t ops : {1, 32}) {
    RegisterChain("fc_1x8x8", FcChain, ops);
    RegisterChain("add_1", AddChain, ops);
  }
  return 1;
}

const int kRegistered = RegisterAll();

}  // namespace
}  // namespace bench
}  // namespace qinfer
