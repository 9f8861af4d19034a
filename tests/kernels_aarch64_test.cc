// The AArch64 kernels (kernels/aarch64) against the reference kernels, byte for byte, on every
// path this CPU supports: >= 1000 random shapes/params per op per path (conv, depthwise, fully
// connected and its single-row path, add, max / average pooling, mean), plus requantization
// and average-division edge cases; and the dispatch: the path detected from HWCAP must be the
// one the test runner expects for the emulated CPU (QINFER_EXPECT_ISA: neon on a Cortex-A53,
// dotprod on -cpu max), so an Armv8.0 core can never be handed the SDOT kernels.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "kernels/aarch64/dispatch.h"
#include "kernels/aarch64/internal.h"
#include "tests/support/kernel_cases.h"

// kernels/aarch64 is built for AArch64 targets only (cmake/aarch64.cmake).
#if defined(__aarch64__)

namespace qinfer {
namespace kernels {
namespace {

using aarch64::Isa;

constexpr int kCases = 1100;

class Aarch64Kernels : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (static_cast<int>(GetParam()) > static_cast<int>(aarch64::DetectedIsa())) {
      GTEST_SKIP() << "CPU lacks " << aarch64::IsaName(GetParam());
    }
    ASSERT_EQ(aarch64::SetIsa(GetParam()), GetParam());
  }
  void TearDown() override { aarch64::SetIsa(aarch64::DetectedIsa()); }
};

TEST_P(Aarch64Kernels, FullyConnectedRandom) {
  testing_support::CheckFullyConnectedRandom(1000 + static_cast<uint32_t>(GetParam()), kCases,
                                             aarch64::FullyConnected);
}

// The single-row path (batches == 1, K >= 16) and, for K < 16, its fallback.
TEST_P(Aarch64Kernels, FullyConnectedSingleRowRandom) {
  testing_support::CheckFullyConnectedSingleRowRandom(4000 + static_cast<uint32_t>(GetParam()),
                                                      kCases, aarch64::FullyConnected);
}

TEST_P(Aarch64Kernels, Conv2DRandom) {
  testing_support::CheckConv2DRandom(2000 + static_cast<uint32_t>(GetParam()), kCases,
                                     aarch64::Conv2D);
}

TEST_P(Aarch64Kernels, DepthwiseConv2DRandom) {
  testing_support::CheckDepthwiseConv2DRandom(3000 + static_cast<uint32_t>(GetParam()), kCases,
                                              aarch64::DepthwiseConv2D);
}

TEST_P(Aarch64Kernels, RequantizationEdges) {
  // K = 3 runs the GEMM driver's requantization, 16 and 17 the single-row path's (17: the
  // overlapping tail step).
  for (int32_t k : {3, 16, 17}) {
    SCOPED_TRACE(k);
    testing_support::CheckRequantizationEdges(aarch64::FullyConnected, k);
  }
}

TEST_P(Aarch64Kernels, AddRandom) {
  testing_support::CheckAddRandom(5000 + static_cast<uint32_t>(GetParam()), kCases,
                                  aarch64::Add);
}

TEST_P(Aarch64Kernels, MaxPoolRandom) {
  testing_support::CheckPoolRandom(6000 + static_cast<uint32_t>(GetParam()), kCases, true,
                                   aarch64::MaxPool2D);
}

TEST_P(Aarch64Kernels, AvgPoolRandom) {
  testing_support::CheckPoolRandom(7000 + static_cast<uint32_t>(GetParam()), kCases, false,
                                   aarch64::AvgPool2D);
}

TEST_P(Aarch64Kernels, AvgPoolDivisionEdges) {
  testing_support::CheckAvgPoolDivisionEdges(aarch64::AvgPool2D);
}

TEST_P(Aarch64Kernels, MeanRandom) {
  testing_support::CheckMeanRandom(8000 + static_cast<uint32_t>(GetParam()), kCases,
                                   aarch64::MeanHW);
}

INSTANTIATE_TEST_SUITE_P(Paths, Aarch64Kernels,
                         ::testing::Values(Isa::kRef, Isa::kNeon, Isa::kDotprod),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(aarch64::IsaName(info.param));
                         });

TEST(Aarch64Dispatch, DetectsTheEmulatedCpu) {
  const char* expect = std::getenv("QINFER_EXPECT_ISA");
  if (expect == nullptr) GTEST_SKIP() << "QINFER_EXPECT_ISA not set (the ctest runs set it)";
  Isa want;
  ASSERT_TRUE(aarch64::ParseIsa(expect, &want)) << expect;
  EXPECT_EQ(aarch64::DetectedIsa(), want);
  EXPECT_EQ(aarch64::ActiveIsa(), want);
}

// Without the dot-product extension the SDOT kernel itself must trap (SIGILL): this is what
// makes the Cortex-A53 run a real check that the dispatch never reaches it.
TEST(Aarch64Dispatch, SdotKernelTrapsWithoutDotprod) {
  if (aarch64::DetectedIsa() >= Isa::kDotprod) GTEST_SKIP() << "CPU has dotprod";
  GTEST_FLAG_SET(death_test_style, "fast");  // fork only: qemu-user cannot re-exec the test
  std::vector<int8_t> x(64, 1), w(64 * 4, 1), out(4);
  const int32_t mult = 1 << 30, shift = 0;
  const FullyConnectedParams p{0, 0, 0, -128, 127, Requant{&mult, &shift, 1}};
  EXPECT_EXIT(aarch64::dotprod::FullyConnected(p, 1, 64, 4, x.data(), w.data(), nullptr,
                                               out.data()),
              ::testing::KilledBySignal(SIGILL), "");
  EXPECT_EXIT(aarch64::dotprod::FullyConnectedSingleRow(p, 1, 64, 4, x.data(), w.data(),
                                                        nullptr, out.data()),
              ::testing::KilledBySignal(SIGILL), "");
}

TEST(Aarch64Dispatch, SetIsaClampsAndNames) {
  const Isa best = aarch64::DetectedIsa();
  EXPECT_GE(static_cast<int>(best), static_cast<int>(Isa::kNeon));  // NEON is baseline
  EXPECT_EQ(aarch64::SetIsa(Isa::kRef), Isa::kRef);
  EXPECT_EQ(aarch64::ActiveIsa(), Isa::kRef);
  EXPECT_EQ(aarch64::SetIsa(Isa::kDotprod), best);
  Isa parsed;
  EXPECT_TRUE(aarch64::ParseIsa("dotprod", &parsed));
  EXPECT_EQ(parsed, Isa::kDotprod);
  EXPECT_FALSE(aarch64::ParseIsa("avx2", &parsed));
  EXPECT_STREQ(aarch64::IsaName(Isa::kNeon), "neon");
  aarch64::SetIsa(best);
}

}  // namespace
}  // namespace kernels
}  // namespace qinfer

#endif  // __aarch64__
