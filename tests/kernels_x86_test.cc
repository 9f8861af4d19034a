// The x86 kernels (kernels/x86) against the reference kernels, byte for byte, on every path
// this CPU supports: >= 1000 random shapes/params per op per path, plus requantization edge
// cases (INT32_MIN * INT32_MIN saturation, rounding ties, every shift in [-31, 31]).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "kernels/x86/dispatch.h"
#include "tests/support/kernel_cases.h"

// kernels/x86 is built on x86 hosts only (cmake/x86.cmake).
#if defined(__x86_64__) || defined(__i386__)

namespace qinfer {
namespace kernels {
namespace {

using x86::Isa;

constexpr int kCases = 1100;

class X86Kernels : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (static_cast<int>(GetParam()) > static_cast<int>(x86::DetectedIsa())) {
      GTEST_SKIP() << "CPU lacks " << x86::IsaName(GetParam());
    }
    ASSERT_EQ(x86::SetIsa(GetParam()), GetParam());
  }
  void TearDown() override { x86::SetIsa(x86::DetectedIsa()); }
};

TEST_P(X86Kernels, FullyConnectedRandom) {
  testing_support::CheckFullyConnectedRandom(1000 + static_cast<uint32_t>(GetParam()), kCases,
                                             x86::FullyConnected);
}

TEST_P(X86Kernels, Conv2DRandom) {
  testing_support::CheckConv2DRandom(2000 + static_cast<uint32_t>(GetParam()), kCases,
                                     x86::Conv2D);
}

TEST_P(X86Kernels, DepthwiseConv2DRandom) {
  testing_support::CheckDepthwiseConv2DRandom(3000 + static_cast<uint32_t>(GetParam()), kCases,
                                              x86::DepthwiseConv2D);
}

TEST_P(X86Kernels, RequantizationEdges) {
  testing_support::CheckRequantizationEdges(x86::FullyConnected);
}

TEST(X86Dispatch, SetIsaClampsAndNames) {
  const Isa best = x86::DetectedIsa();
  EXPECT_EQ(x86::SetIsa(Isa::kRef), Isa::kRef);
  EXPECT_EQ(x86::ActiveIsa(), Isa::kRef);
  EXPECT_EQ(x86::SetIsa(Isa::kAvx512Vnni), best);
  Isa parsed;
  EXPECT_TRUE(x86::ParseIsa("avx2", &parsed));
  EXPECT_EQ(parsed, Isa::kAvx2);
  EXPECT_FALSE(x86::ParseIsa("neon", &parsed));
  EXPECT_STREQ(x86::IsaName(Isa::kAvx512Vnni), "avx512vnni");
  x86::SetIsa(best);
}

INSTANTIATE_TEST_SUITE_P(Paths, X86Kernels,
                         ::testing::Values(Isa::kRef, Isa::kSse41, Isa::kAvx2, Isa::kAvx512Vnni),
                         [](const ::testing::TestParamInfo<Isa>& info) {
                           return std::string(x86::IsaName(info.param));
                         });

}  // namespace
}  // namespace kernels
}  // namespace qinfer

#endif  // x86
