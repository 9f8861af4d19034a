// Armv8.0 NEON GEMM path: activations and weights widened to int16 with their zero points
// subtracted (SSUBL: x - zi and w - zw fit in [-255, 255]), then SMLAL/SMLAL2 into int32
// lanes. The products are exact, so no correction terms; tails are padded with zi / zw.
#include <arm_neon.h>

#include "kernels/aarch64/driver.h"
#include "kernels/aarch64/fc_single_row.h"
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

// One input row (fc_single_row.h): x - zi widened once per step and shared by four weight
// rows; the tail step's input lanes already counted are zeroed.
struct NeonRow {
  struct Input {
    const int8_t* x;
    int8x16_t zi, zw;
    int16x8_t tail_lo, tail_hi;
  };

  static void Prepare(const int8_t* x, int32_t k, int32_t full, int32_t zi, int32_t zw,
                      Input* in) {
    in->x = x;
    in->zi = vdupq_n_s8(static_cast<int8_t>(zi));
    in->zw = vdupq_n_s8(static_cast<int8_t>(zw));
    in->tail_lo = in->tail_hi = vdupq_n_s16(0);
    if (full == k) return;
    const int8x16_t xt = vld1q_s8(x + k - kRowStep);
    const int8x16_t fresh = vreinterpretq_s8_u8(FreshTailLanes(k, full));
    in->tail_lo = vandq_s16(vsubl_s8(vget_low_s8(xt), vget_low_s8(in->zi)),
                            vmovl_s8(vget_low_s8(fresh)));
    in->tail_hi = vandq_s16(vsubl_high_s8(xt, in->zi), vmovl_high_s8(fresh));
  }

  // lo/hi += (w - zw) * x over the 16 bytes; the first step sets them instead.
  template <bool kFirst>
  __attribute__((always_inline)) static inline void Mac(int32x4_t& lo, int32x4_t& hi,
                                                        int8x16_t w8, int16x8_t xl,
                                                        int16x8_t xh, int8x16_t zw) {
    const int16x8_t wl = vsubl_s8(vget_low_s8(w8), vget_low_s8(zw));
    const int16x8_t wh = vsubl_high_s8(w8, zw);
    if (kFirst) {
      lo = vmull_s16(vget_low_s16(xl), vget_low_s16(wl));
      hi = vmull_high_s16(xl, wl);
    } else {
      lo = vmlal_s16(lo, vget_low_s16(xl), vget_low_s16(wl));
      hi = vmlal_high_s16(hi, xl, wl);
    }
    lo = vmlal_s16(lo, vget_low_s16(xh), vget_low_s16(wh));
    hi = vmlal_high_s16(hi, xh, wh);
  }

  template <int R, bool kFirst>
  __attribute__((always_inline)) static inline void Step(int32x4_t (&lo)[R], int32x4_t (&hi)[R],
                                                         const int8_t* const* rows,
                                                         const Input& in, int32_t kk) {
    const int8x16_t xv = vld1q_s8(in.x + kk);
    const int16x8_t xl = vsubl_s8(vget_low_s8(xv), vget_low_s8(in.zi));
    const int16x8_t xh = vsubl_high_s8(xv, in.zi);
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) Mac<kFirst>(lo[i], hi[i], vld1q_s8(rows[i] + kk), xl, xh, in.zw);
  }

  template <int R>
  static int32x4_t Dot(const int8_t* const* rows, const Input& in, int32_t k, int32_t full) {
    int32x4_t lo[R], hi[R];
    Step<R, true>(lo, hi, rows, in, 0);  // K >= 16: there is a first full step
    ForEachStep(kRowStep, full, [&](int32_t kk) { Step<R, false>(lo, hi, rows, in, kk); });
    if (full < k) {
#pragma GCC unroll 4
      for (int i = 0; i < R; ++i) {
        Mac<false>(lo[i], hi[i], vld1q_s8(rows[i] + k - kRowStep), in.tail_lo, in.tail_hi,
                   in.zw);
      }
    }
#pragma GCC unroll 4
    for (int i = 0; i < R; ++i) lo[i] = vaddq_s32(lo[i], hi[i]);
    return ReduceRows<R>(lo);
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

void FullyConnectedSingleRow(const FullyConnectedParams& p, int32_t, int32_t in_features,
                             int32_t out_features, const int8_t* input, const int8_t* weights,
                             const int32_t* bias, int8_t* output) {
  RunSingleRow<NeonRow>(p, in_features, out_features, input, weights, bias, output);
}

}  // namespace neon
}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer
