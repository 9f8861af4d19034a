// int8 fully connected with the Cortex-M DSP extension:
// out[b][n] = requant(bias[n] + sum_k (w[n][k] - zw) * (x[b][k] - zi)). (Convolutions, 1x1
// included, have their own kernel: kernels/arm/conv_dsp.cc.)
//
// Four int8 values are loaded as one word; SXTB16 sign-extends bytes 0 and 2 (and, on the word
// rotated by 8, bytes 1 and 3) into two halfwords, SXTAB16 does the same while adding -zi to
// the input, and SMLAD multiplies two halfword pairs and adds both products to an accumulator.
// Four weight rows share each expansion of the input (a hand-scheduled inner loop), for chunks
// of up to 16 input rows whose int32 accumulators are then requantized channel by channel.
// Integer sums wrap modulo 2^32 like the reference's, whose accumulator the verifier bounds,
// so the bytes are identical. The bias is the accumulators' initial value; the weight zero
// point is applied after the loop: sum (w - zw)(x - zi) = sum w (x - zi) - zw * sum (x - zi).
// Requantization is an exact re-statement of kernels/fixedpoint.h's (see RequantRun).
// Cycle counts are not modelled by QEMU; the target is fewest executed instructions.
#include "kernels/arm/dsp.h"
#include "kernels/arm/dsp_ops.h"

#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>

#include <cstring>

#include "kernels/fixedpoint.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace arm {
namespace {

// Halfword pairs of x - zi: lo = (x0, x2), hi = (x1, x3).
inline void ExpandInput(int32_t x, int32_t neg_zi2, int32_t* lo, int32_t* hi) {
  *lo = __sxtab16(neg_zi2, x);
  *hi = Sxtab16Ror8(neg_zi2, x);
}

// Halfword pairs of w: lo = (w0, w2), hi = (w1, w3).
inline void ExpandWeights(int32_t w, int32_t* lo, int32_t* hi) {
  *lo = __sxtb16(w);
  *hi = Sxtb16Ror8(w);
}

// For each of `rows` input rows j (x + j * stride):
//   out[r * kRowChunk + j] = init[r] + sum_{i < 4 * n4} w[r * stride + i] * (x[j * stride + i] - zi)
// for the four weight rows r = 0..3 (stride apart); neg_zi2 holds -zi in both halfwords.
// Hand-scheduled (gcc spills pointers here): 25 instructions per 16 MACs in the inner loop,
// four weight rows sharing one expansion of the input; about 20 more per input row.
constexpr int32_t kRowChunk = 16;  // the asm below stores at byte offsets 64 * r
extern "C" void qinfer_arm_matmul_1x4_s8(const int8_t* x, const int8_t* w, int32_t stride,
                                         int32_t* out, int32_t n4, int32_t neg_zi2,
                                         const int32_t* init, int32_t rows);
__asm__(
    "  .section .text.qinfer_arm_matmul_1x4_s8,\"ax\",%progbits\n"
    "  .global qinfer_arm_matmul_1x4_s8\n"
    "  .type qinfer_arm_matmul_1x4_s8, %function\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .thumb_func\n"
    "  .p2align 2\n"
    "qinfer_arm_matmul_1x4_s8:\n"
    "  push {r4-r11, lr}\n"
    // Frame: [sp] out, [sp+4] x of the next row; caller's stack args at [sp+44]: n4,
    // neg_zi2, init, rows.
    "  sub sp, sp, #8\n"
    "  str r3, [sp]\n"
    "  ldr r8, [sp, #48]\n"        // neg_zi2
    "  add r3, r2, r2, lsl #1\n"   // 3 * stride
    "0:\n"
    "  add r12, r0, r2\n"
    "  str r12, [sp, #4]\n"        // next row's x
    "  ldr r12, [sp, #52]\n"       // init
    "  ldm r12, {r4-r7}\n"
    "  ldr r9, [sp, #44]\n"        // n4
    "  cmp r9, #0\n"
    "  beq 2f\n"
    "1:\n"
    "  ldr r10, [r0], #4\n"
    "  sxtab16 r11, r8, r10\n"
    "  sxtab16 r10, r8, r10, ror #8\n"
    "  ldr r12, [r1, r2]\n"
    "  sxtb16 lr, r12\n"
    "  sxtb16 r12, r12, ror #8\n"
    "  smlad r5, r11, lr, r5\n"
    "  smlad r5, r10, r12, r5\n"
    "  ldr r12, [r1, r2, lsl #1]\n"
    "  sxtb16 lr, r12\n"
    "  sxtb16 r12, r12, ror #8\n"
    "  smlad r6, r11, lr, r6\n"
    "  smlad r6, r10, r12, r6\n"
    "  ldr r12, [r1, r3]\n"
    "  sxtb16 lr, r12\n"
    "  sxtb16 r12, r12, ror #8\n"
    "  smlad r7, r11, lr, r7\n"
    "  smlad r7, r10, r12, r7\n"
    "  ldr r12, [r1], #4\n"
    "  sxtb16 lr, r12\n"
    "  sxtb16 r12, r12, ror #8\n"
    "  smlad r4, r11, lr, r4\n"
    "  smlad r4, r10, r12, r4\n"
    "  subs r9, r9, #1\n"
    "  bne 1b\n"
    "2:\n"
    "  ldr r12, [sp]\n"
    "  str r4, [r12]\n"
    "  str r5, [r12, #64]\n"
    "  str r6, [r12, #128]\n"
    "  str r7, [r12, #192]\n"
    "  add r12, r12, #4\n"
    "  str r12, [sp]\n"
    "  ldr r9, [sp, #44]\n"
    "  sub r1, r1, r9, lsl #2\n"   // back to the weight rows' start
    "  ldr r0, [sp, #4]\n"
    "  ldr r12, [sp, #56]\n"       // rows
    "  subs r12, r12, #1\n"
    "  str r12, [sp, #56]\n"
    "  bne 0b\n"
    "  add sp, sp, #8\n"
    "  pop {r4-r11, pc}\n"
    "  .size qinfer_arm_matmul_1x4_s8, . - qinfer_arm_matmul_1x4_s8\n"
    "  .text\n");

struct Requantizer {
  const int32_t* bias;
  const int32_t* mult;
  const int32_t* shift;
  bool per_channel;
  int32_t zw;  // weights zero point (fully connected only)
  int32_t zo, lo, hi;
};

bool MultipliersNonNegative(const Requant& r) {
  for (int32_t i = 0; i < r.count; ++i) {
    if (r.multiplier[i] < 0) return false;
  }
  return true;
}

// sum_k (x[k] - zi), needed only when the weights have a zero point.
int32_t RowSum(const int8_t* x, int32_t k, int32_t zi) {
  int32_t s = 0;
  for (int32_t i = 0; i < k; ++i) s += x[i];
  return static_cast<int32_t>(static_cast<uint32_t>(s) - static_cast<uint32_t>(zi) * static_cast<uint32_t>(k));
}

// Requantizes m accumulators (bias included) of output channel n, rows `stride` apart in
// `out`; the channel's constants stay in registers for the run. Bit-exact with
// MultiplyByQuantizedMultiplier + AddZeroPointAndClamp (kernels/fixedpoint.h) for multipliers
// >= 0, the only ones the verifier accepts (the entry points send others to the reference):
//  - gemmlowp's SaturatingRoundingDoublingHighMul(a, m) equals floor((a*m + 2^30) / 2^31) for
//    both signs of a*m (its nudge 1 - 2^30 with truncation toward zero for negative products
//    gives the same floor), and saturates only for a = m = INT32_MIN, excluded by m >= 0;
//  - RoundingDivideByPOT is gemmlowp's remainder-vs-threshold form; with a left shift the
//    exponent is 0 and it is the identity;
//  - clamping to [lo - zo, hi - zo] before adding zo equals adding then clamping to [lo, hi],
//    without the int32 overflow the sum could have.
template <bool kWeightsZeroPoint>
void RequantRun(const Requantizer& rq, int32_t n, const int32_t* acc, const int32_t* row_sum,
                int32_t m, int8_t* out, int32_t stride) {
  const int32_t r = rq.per_channel ? n : 0;
  const int32_t mult = rq.mult[r];
  const int32_t shift = rq.shift[r];
  const uint32_t zw = static_cast<uint32_t>(rq.zw);
  const int32_t zo = rq.zo, lo = rq.lo - zo, hi = rq.hi - zo;
  auto finish = [&](int32_t v) {
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    *out = static_cast<int8_t>(v + zo);
    out += stride;
  };
  auto total = [&](int32_t j) {
    uint32_t t = static_cast<uint32_t>(acc[j]);
    if (kWeightsZeroPoint) t -= zw * static_cast<uint32_t>(row_sum[j]);
    return static_cast<int32_t>(t);
  };
  if (shift > 0) {
    // Left shift, then the rounding doubling high multiply; no right shift.
    for (int32_t j = 0; j < m; ++j) {
      const int32_t x = static_cast<int32_t>(static_cast<uint32_t>(total(j)) << shift);
      finish(static_cast<int32_t>((static_cast<int64_t>(x) * mult + (int64_t{1} << 30)) >> 31));
    }
  } else {
    const int32_t right = -shift;
    const uint32_t mask = (1u << right) - 1u;  // right <= 31
    for (int32_t j = 0; j < m; ++j) {
      const int32_t high =
          static_cast<int32_t>((static_cast<int64_t>(total(j)) * mult + (int64_t{1} << 30)) >> 31);
      const uint32_t threshold = (mask >> 1) + (static_cast<uint32_t>(high) >> 31);
      finish((high >> right) + ((static_cast<uint32_t>(high) & mask) > threshold ? 1 : 0));
    }
  }
}

// Dot products of one input row against one weight row, with the DSP extension.
int32_t Dot1(const int8_t* x, const int8_t* w, int32_t k, int32_t zi, int32_t neg_zi2) {
  int32_t acc = 0;
  int32_t i = 0;
  for (; i + 4 <= k; i += 4) {
    int32_t x_lo, x_hi, w_lo, w_hi;
    ExpandInput(Load4(x + i), neg_zi2, &x_lo, &x_hi);
    ExpandWeights(Load4(w + i), &w_lo, &w_hi);
    acc = __smlad(x_lo, w_lo, acc);
    acc = __smlad(x_hi, w_hi, acc);
  }
  for (; i < k; ++i) acc += w[i] * (x[i] - zi);
  return acc;
}

// out[b][n] = requant(bias[n] + sum_k (w[n][k] - zw) * (x[b][k] - zi)) for `rows` input rows
// of depth k against `cols` weight rows; output rows are `cols` apart. Rows go in chunks: the
// int32 accumulators of a chunk x 4 channels (256 bytes of stack) are computed, then
// requantized channel by channel.
template <bool kWeightsZeroPoint>
void MatMul(const int8_t* x, int32_t rows, const int8_t* w, int32_t cols, int32_t k, int32_t zi,
            const Requantizer& rq, int8_t* out) {
  const int32_t neg_zi2 = static_cast<int32_t>((static_cast<uint32_t>(-zi) & 0xFFFFu) * 0x10001u);
  const int32_t k4 = k >> 2;
  const int32_t done = 4 * k4;
  int32_t acc[4][kRowChunk];
  int32_t row_sum[kRowChunk];
  int32_t init[4];
  for (int32_t b0 = 0; b0 < rows; b0 += kRowChunk) {
    const int32_t m = rows - b0 < kRowChunk ? rows - b0 : kRowChunk;
    const int8_t* xb = x + b0 * k;
    int8_t* ob = out + b0 * cols;
    if (kWeightsZeroPoint) {
      for (int32_t j = 0; j < m; ++j) row_sum[j] = RowSum(xb + j * k, k, zi);
    }
    int32_t n = 0;
    for (; n + 4 <= cols; n += 4) {
      const int8_t* wn = w + n * k;
      for (int32_t c = 0; c < 4; ++c) init[c] = rq.bias != nullptr ? rq.bias[n + c] : 0;
      qinfer_arm_matmul_1x4_s8(xb, wn, k, &acc[0][0], k4, neg_zi2, init, m);
      for (int32_t i = done; i < k; ++i) {  // depth not a multiple of 4
        for (int32_t j = 0; j < m; ++j) {
          const int32_t xv = xb[j * k + i] - zi;
          for (int32_t c = 0; c < 4; ++c) acc[c][j] += wn[c * k + i] * xv;
        }
      }
      for (int32_t c = 0; c < 4; ++c) {
        RequantRun<kWeightsZeroPoint>(rq, n + c, acc[c], row_sum, m, ob + n + c, cols);
      }
    }
    for (; n < cols; ++n) {
      const int8_t* wn = w + n * k;
      const int32_t b = rq.bias != nullptr ? rq.bias[n] : 0;
      for (int32_t j = 0; j < m; ++j) acc[0][j] = b + Dot1(xb + j * k, wn, k, zi, neg_zi2);
      RequantRun<kWeightsZeroPoint>(rq, n, acc[0], row_sum, m, ob + n, cols);
    }
  }
}

void MatMulAny(const int8_t* x, int32_t rows, const int8_t* w, int32_t cols, int32_t k,
               int32_t zi, const Requantizer& rq, int8_t* out) {
  if (rq.zw != 0) {
    MatMul<true>(x, rows, w, cols, k, zi, rq, out);
  } else {
    MatMul<false>(x, rows, w, cols, k, zi, rq, out);
  }
}

}  // namespace

void FullyConnectedDsp(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                       int32_t out_features, const int8_t* input, const int8_t* weights,
                       const int32_t* bias, int8_t* output) {
  if (!MultipliersNonNegative(p.requant)) {
    ref::FullyConnected(p, batches, in_features, out_features, input, weights, bias, output);
    return;
  }
  const Requantizer rq{bias, p.requant.multiplier, p.requant.shift, p.requant.count != 1,
                       p.weights_zero_point, p.output_zero_point, p.act_min, p.act_max};
  MatMulAny(input, batches, weights, out_features, in_features, p.input_zero_point, rq, output);
}

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_DSP
