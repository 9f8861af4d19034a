// Armv8.0 NEON GEMM path: activations and weights widened to int16 with their zero points
// subtracted (SSUBL: x - zi and w - zw fit in [-255, 255]), then SMLAL/SMLAL2 into int32
// lanes. The products are exact, so no correction terms; tails are padded with zi / zw.
#include <arm_neon.h>

#include "kernels/aarch64/driver.h"
#include "kernels/aarch64/internal.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {
namespace {

struct Neon {
  static constexpr bool kNeedWsum = false;
  static constexpr bool kNeedRowSum = false;
  static int8_t PadA(int32_t zi) { return static_cast<int8_t>(zi); }
  static int8_t PadW(int32_t zw) { return static_cast<int8_t>(zw); }

  // 8 bytes of K for R rows x 4 channels.
  template <int R>
  __attribute__((always_inline)) static inline void Step8(int32x4_t (&acc)[R][kNR],
                                                          const int8_t* const* a,
                                                          const int8_t* const* b, int32_t k,
                                                          int8x8_t vzi, int8x8_t vzw) {
    int16x8_t w[kNR];
#pragma GCC unroll 4
    for (int j = 0; j < kNR; ++j) w[j] = vsubl_s8(vld1_s8(b[j] + k), vzw);
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) {
      const int16x8_t x = vsubl_s8(vld1_s8(a[i] + k), vzi);
#pragma GCC unroll 4
      for (int j = 0; j < kNR; ++j) {
        acc[i][j] = vmlal_s16(acc[i][j], vget_low_s16(x), vget_low_s16(w[j]));
        acc[i][j] = vmlal_high_s16(acc[i][j], x, w[j]);
      }
    }
  }

  // Raw sums of R rows x 4 channels to out[i * ldo + j].
  template <int R, bool>
  static void Micro(const int8_t* const* a, const int8_t* const* at, const int8_t* const* b,
                    const int8_t* const* bt, int32_t full, bool tail, int32_t zi, int32_t zw,
                    int32_t* out, int32_t ldo, int32_t*) {
    int32x4_t acc[R][kNR];
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < kNR; ++j) acc[i][j] = vdupq_n_s32(0);
    const int8x8_t vzi = vdup_n_s8(static_cast<int8_t>(zi));
    const int8x8_t vzw = vdup_n_s8(static_cast<int8_t>(zw));
    const int8_t* ar[R];
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) ar[i] = a[i];
    const int8_t* const br[kNR] = {b[0], b[1], b[2], b[3]};
    for (int32_t k = 0; k < full; k += kKC) {
      Step8<R>(acc, ar, br, k, vzi, vzw);
      Step8<R>(acc, ar, br, k + 8, vzi, vzw);
    }
    if (tail) {
      Step8<R>(acc, at, bt, 0, vzi, vzw);
      Step8<R>(acc, at, bt, 8, vzi, vzw);
    }
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) {
      vst1q_s32(out + i * ldo, vpaddq_s32(vpaddq_s32(acc[i][0], acc[i][1]),
                                          vpaddq_s32(acc[i][2], acc[i][3])));
    }
  }
};

}  // namespace

namespace neon {

bool Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
            const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
            const Dims4& output_dims, int8_t* output) {
  return RunGemm<Neon>(ConvGeometry(p, input_dims, weights_dims, output_dims), input, weights,
                       bias, output);
}

bool FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                    int32_t out_features, const int8_t* input, const int8_t* weights,
                    const int32_t* bias, int8_t* output) {
  return RunGemm<Neon>(FcGeometry(p, batches, in_features, out_features), input, weights, bias,
                       output);
}

}  // namespace neon
}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer
