// Armv8.2 dot-product GEMM path (compile with -march=armv8.2-a+dotprod; run only when HWCAP
// has ASIMDDP). SDOT sums four int8 x int8 products into each int32 lane, on the raw bytes:
// the driver adds -zi * sum(w) + K * zi * zw per channel (the weight sums come out of the
// first row block, one more SDOT per step against a vector of ones) and -zw * sum(a) per row.
// Tails are padded with 0, which adds nothing to either sum.
#include <arm_neon.h>

#include "kernels/aarch64/driver.h"
#include "kernels/aarch64/fc_single_row.h"
#include "kernels/aarch64/internal.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {
namespace {

struct Dotprod {
  static constexpr bool kNeedWsum = true;
  static constexpr bool kNeedRowSum = true;
  static int8_t PadA(int32_t) { return 0; }
  static int8_t PadW(int32_t) { return 0; }

  // 16 bytes of K for R rows x 4 channels (and, with W, the 4 channels' weight sums).
  template <int R, bool W>
  __attribute__((always_inline)) static inline void Step(int32x4_t (&acc)[R][kNR],
                                                         int32x4_t (&ws)[kNR],
                                                         const int8_t* const* a,
                                                         const int8_t* const* b, int32_t k) {
    int8x16_t w[kNR];
#pragma GCC unroll 4
    for (int j = 0; j < kNR; ++j) {
      w[j] = vld1q_s8(b[j] + k);
      if (W) ws[j] = vdotq_s32(ws[j], w[j], vdupq_n_s8(1));
    }
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) {
      const int8x16_t x = vld1q_s8(a[i] + k);
#pragma GCC unroll 4
      for (int j = 0; j < kNR; ++j) acc[i][j] = vdotq_s32(acc[i][j], x, w[j]);
    }
  }

  static int32x4_t Reduce4(int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3) {
    return vpaddq_s32(vpaddq_s32(a0, a1), vpaddq_s32(a2, a3));
  }

  // Raw sums of R rows x 4 channels to out[i * ldo + j]; with W, sum(w) of the 4 channels.
  template <int R, bool W>
  static void Micro(const int8_t* const* a, const int8_t* const* at, const int8_t* const* b,
                    const int8_t* const* bt, int32_t full, bool tail, int32_t, int32_t,
                    int32_t* out, int32_t ldo, int32_t* wsum) {
    int32x4_t acc[R][kNR], ws[kNR];
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i)
#pragma GCC unroll 4
      for (int j = 0; j < kNR; ++j) acc[i][j] = vdupq_n_s32(0);
#pragma GCC unroll 4
    for (int j = 0; j < kNR; ++j) ws[j] = vdupq_n_s32(0);
    const int8_t* ar[R];
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) ar[i] = a[i];
    const int8_t* const br[kNR] = {b[0], b[1], b[2], b[3]};
    for (int32_t k = 0; k < full; k += kKC) Step<R, W>(acc, ws, ar, br, k);
    if (tail) Step<R, W>(acc, ws, at, bt, 0);
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) {
      vst1q_s32(out + i * ldo, Reduce4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]));
    }
    if (W) vst1q_s32(wsum, Reduce4(ws[0], ws[1], ws[2], ws[3]));
  }
};

// One input row (fc_single_row.h): per weight row, SDOT against x and against a vector of zi
// (sum w * (x - zi) = sum w * x - sum w * zi, both int8 x int8); -zw * sum(x - zi) is one
// per-call constant. The tail step's lanes already counted are zero in both input vectors.
struct DotprodRow {
  struct Input {
    const int8_t* x;
    int8x16_t zi, tail_x, tail_zi;
    int32x4_t acc_init;  // -zw * sum(x - zi) in lane 0: each row's sum starts from it
  };

  static void Prepare(const int8_t* x, int32_t k, int32_t full, int32_t zi, int32_t zw,
                      Input* in) {
    in->x = x;
    in->zi = vdupq_n_s8(static_cast<int8_t>(zi));
    in->tail_x = in->tail_zi = vdupq_n_s8(0);
    if (full < k) {
      const int8x16_t fresh = vreinterpretq_s8_u8(FreshTailLanes(k, full));
      in->tail_x = vandq_s8(vld1q_s8(x + k - kRowStep), fresh);
      in->tail_zi = vandq_s8(in->zi, fresh);
    }
    in->acc_init = vdupq_n_s32(0);
    if (zw == 0) return;
    const int8x16_t ones = vdupq_n_s8(1);
    int32x4_t sx = vdotq_s32(vdupq_n_s32(0), in->tail_x, ones);
    for (int32_t kk = 0; kk < full; kk += kRowStep) sx = vdotq_s32(sx, vld1q_s8(x + kk), ones);
    const int32_t sum_x = WrapAdd(vaddvq_s32(sx), WrapMul(-k, zi));
    in->acc_init = vsetq_lane_s32(WrapMul(-zw, sum_x), in->acc_init, 0);
  }

  template <int R>
  static int32x4_t Dot(const int8_t* const* rows, const Input& in, int32_t k, int32_t full) {
    int32x4_t wx[R], wz[R];
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) wx[i] = in.acc_init, wz[i] = vdupq_n_s32(0);
    ForEachStep(0, full, [&](int32_t kk) {
      const int8x16_t xv = vld1q_s8(in.x + kk);
#pragma GCC unroll 4
      for (int i = 0; i < R; ++i) {
        const int8x16_t w = vld1q_s8(rows[i] + kk);
        wx[i] = vdotq_s32(wx[i], w, xv);
        wz[i] = vdotq_s32(wz[i], w, in.zi);
      }
    });
    if (full < k) {
#pragma GCC unroll 4
      for (int i = 0; i < R; ++i) {
        const int8x16_t w = vld1q_s8(rows[i] + k - kRowStep);
        wx[i] = vdotq_s32(wx[i], w, in.tail_x);
        wz[i] = vdotq_s32(wz[i], w, in.tail_zi);
      }
    }
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) wx[i] = vsubq_s32(wx[i], wz[i]);
    return ReduceRows<R>(wx);
  }
};

}  // namespace

namespace dotprod {

bool Conv2D(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
            const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
            const Dims4& output_dims, int8_t* output) {
  return RunGemm<Dotprod>(ConvGeometry(p, input_dims, weights_dims, output_dims), input,
                          weights, bias, output);
}

bool FullyConnected(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                    int32_t out_features, const int8_t* input, const int8_t* weights,
                    const int32_t* bias, int8_t* output) {
  return RunGemm<Dotprod>(FcGeometry(p, batches, in_features, out_features), input, weights,
                          bias, output);
}

void FullyConnectedSingleRow(const FullyConnectedParams& p, int32_t, int32_t in_features,
                             int32_t out_features, const int8_t* input, const int8_t* weights,
                             const int32_t* bias, int8_t* output) {
  RunSingleRow<DotprodRow>(p, in_features, out_features, input, weights, bias, output);
}

}  // namespace dotprod
}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer
