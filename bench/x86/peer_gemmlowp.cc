// gemmlowp (Debian, header-only) on the shared GEMM shapes: uint8 x uint8 GEMM with the
// quantize-down output pipeline (bias, fixed-point multiplier and shift, zero point, clamp,
// saturating cast), one thread. The int8 bytes are mapped to uint8 by adding 128 (zero points
// shifted the same way), so the arithmetic matches qinfer's int8 rows.
// Built with -mavx2 -DGEMMLOWP_ENABLE_AVX2 (bench/CMakeLists.txt): gemmlowp's best x86 kernels.
#include <gemmlowp/public/gemmlowp.h>

#include <cstdint>
#include <tuple>
#include <vector>

#include "bench/x86/common.h"

namespace qinfer {
namespace bench {
namespace {

std::vector<uint8_t> ToUint8(const std::vector<int8_t>& v) {
  std::vector<uint8_t> u(v.size());
  for (size_t i = 0; i < v.size(); ++i) u[i] = static_cast<uint8_t>(v[i] + 128);
  return u;
}

void RegisterGemm(const GemmShape& s) {
  Register("gemm/gemmlowp/" + Name(s), [s](benchmark::State& state) {
    const auto x = ToUint8(Data(int64_t{s.m} * s.k, kInputSeed));
    const auto w = ToUint8(Data(int64_t{s.k} * s.n, kWeightSeed));
    const std::vector<int32_t> bias(static_cast<size_t>(s.n), kBias);
    std::vector<uint8_t> out(static_cast<size_t>(s.m) * s.n);
    // Activations [M][K] row-major; weights [N][K] = a K x N column-major matrix.
    const gemmlowp::MatrixMap<const uint8_t, gemmlowp::MapOrder::RowMajor> lhs(x.data(), s.m, s.k);
    const gemmlowp::MatrixMap<const uint8_t, gemmlowp::MapOrder::ColMajor> rhs(w.data(), s.k, s.n);
    gemmlowp::MatrixMap<uint8_t, gemmlowp::MapOrder::RowMajor> result(out.data(), s.m, s.n);
    using BiasVector = gemmlowp::VectorMap<const int32_t, gemmlowp::VectorShape::Row>;
    gemmlowp::OutputStageBiasAddition<BiasVector> bias_stage;
    bias_stage.bias_vector = BiasVector(bias.data(), s.n);
    gemmlowp::OutputStageQuantizeDownInt32ByFixedPoint quantize;
    quantize.result_fixedpoint_multiplier = 1200000000;
    quantize.result_shift = 9;
    quantize.result_offset_after_shift = 5 + 128;
    gemmlowp::OutputStageClamp clamp;
    clamp.min = 0;
    clamp.max = 255;
    const auto pipeline =
        std::make_tuple(bias_stage, quantize, clamp, gemmlowp::OutputStageSaturatingCastToUint8());
    gemmlowp::GemmContext context;
    context.set_max_num_threads(1);
    // Input zero point -3 (int8) is 125 as uint8; symmetric weights have zero point 128.
    for (auto _ : state) {
      gemmlowp::GemmWithOutputPipeline<uint8_t, uint8_t, gemmlowp::DefaultL8R8BitDepthParams>(
          &context, lhs, rhs, &result, -125, -128, pipeline);
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
    SetOps(state, 2 * int64_t{s.m} * s.k * s.n);
  });
}

int RegisterAll() {
  for (const auto& s : kGemmShapes) RegisterGemm(s);
  return 1;
}

const int kRegistered = RegisterAll();

}  // namespace
}  // namespace bench
}  // namespace qinfer
