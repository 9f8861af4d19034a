// NEON requantization shared by the kernels/aarch64 files; included only by them, with
// internal linkage (anonymous namespace), so code compiled with -march=armv8.2-a+dotprod never
// leaks into a Cortex-A53 path through an inline function the linker merged.
//
// Requant4 is gemmlowp's MultiplyByQuantizedMultiplier + AddZeroPointAndClamp, bit-exact:
// SQRDMULH is SaturatingRoundingDoublingHighMul (round to nearest, ties up, INT32_MIN^2
// saturates); RoundingDivideByPOT (ties away from zero) is SRSHL (ties up) after adding -1 to
// negative values, as gemmlowp's own NEON path does.
#ifndef QINFER_KERNELS_AARCH64_REQUANT_H_
#define QINFER_KERNELS_AARCH64_REQUANT_H_

#include <arm_neon.h>

#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {
namespace {

constexpr int32_t kNB = 128;  // output channels per block

inline int32_t WrapAdd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t WrapMul(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}

// Per channel of a block: the int32 added to the raw sum (bias and zero-point terms), the
// multiplier, the left shift (>= 0) and the right shift as an SRSHL amount (<= 0). Up to the
// next multiple of 16 past the block's channels everything is 0, so whole vectors can be read.
struct BlockParams {
  alignas(16) int32_t col_off[kNB];
  alignas(16) int32_t mult[kNB];
  alignas(16) int32_t lshift[kNB];
  alignas(16) int32_t rshift[kNB];
};

inline void FillBlockParams(const Requant& rq, const int32_t* bias, int32_t c0, int32_t nb,
                            BlockParams* bp) {
  const int32_t end = (nb + 15) & ~15;
  for (int32_t j = 0; j < end; ++j) {
    if (j >= nb) {
      bp->col_off[j] = bp->mult[j] = bp->lshift[j] = bp->rshift[j] = 0;
      continue;
    }
    const int32_t r = rq.count == 1 ? 0 : c0 + j;
    const int32_t s = rq.shift[r];
    bp->col_off[j] = bias != nullptr ? bias[c0 + j] : 0;
    bp->mult[j] = rq.multiplier[r];
    bp->lshift[j] = s > 0 ? s : 0;
    bp->rshift[j] = s > 0 ? 0 : s;
  }
}

struct OutputStage {
  int32x4_t lo, hi, zo;  // clamp bounds relative to the zero point, and the zero point
};

inline OutputStage MakeOutputStage(int32_t zo, int32_t act_min, int32_t act_max) {
  return OutputStage{vdupq_n_s32(act_min - zo), vdupq_n_s32(act_max - zo), vdupq_n_s32(zo)};
}

// MultiplyByQuantizedMultiplier on four lanes; lshift >= 0 and rshift <= 0 (an SRSHL
// amount) are the two halves of the spec's signed shift.
inline int32x4_t MultiplyByQuantizedMultiplier4(int32x4_t x, int32x4_t mult, int32x4_t lshift,
                                                int32x4_t rshift) {
  x = vqrdmulhq_s32(vshlq_s32(x, lshift), mult);
  const int32x4_t fix = vshrq_n_s32(vandq_s32(x, rshift), 31);
  return vrshlq_s32(vqaddq_s32(x, fix), rshift);
}

// Four accumulators requantized, clamped and offset by the zero point.
inline int32x4_t RequantLanes(int32x4_t x, int32x4_t mult, int32x4_t lshift, int32x4_t rshift,
                              const OutputStage& os) {
  x = MultiplyByQuantizedMultiplier4(x, mult, lshift, rshift);
  x = vminq_s32(vmaxq_s32(x, os.lo), os.hi);
  return vaddq_s32(x, os.zo);
}

// Lanes j..j+3 of a block: raw + col_off + row_off, requantized, clamped, zero point added.
inline int32x4_t Requant4(int32x4_t raw, const BlockParams& bp, int32_t j, int32x4_t row_off,
                          const OutputStage& os) {
  const int32x4_t x = vaddq_s32(vaddq_s32(raw, vld1q_s32(bp.col_off + j)), row_off);
  return RequantLanes(x, vld1q_s32(bp.mult + j), vld1q_s32(bp.lshift + j),
                      vld1q_s32(bp.rshift + j), os);
}

// Stores the first n (<= 4) lanes as int8 (every lane is already inside int8).
inline void Store4(int8_t* out, int32x4_t v, int32_t n) {
  const int8x8_t b = vmovn_s16(vcombine_s16(vmovn_s32(v), vmovn_s32(v)));
  const uint32_t word = vget_lane_u32(vreinterpret_u32_s8(b), 0);  // lane 0 in the low byte
  if (n >= 4) {
    __builtin_memcpy(out, &word, 4);
    return;
  }
  if (n & 2) __builtin_memcpy(out, &word, 2);
  if (n & 1) out[n - 1] = static_cast<int8_t>(word >> (8 * (n - 1)));
}

inline void CopyBytes(int8_t* dst, const int8_t* src, int32_t n) {
  int32_t k = 0;
  for (; k + 16 <= n; k += 16) vst1q_s8(dst + k, vld1q_s8(src + k));
  for (; k < n; ++k) dst[k] = src[k];
}

inline void FillBytes(int8_t* dst, int8_t value, int32_t n) {
  int32_t k = 0;
  const int8x16_t v = vdupq_n_s8(value);
  for (; k + 16 <= n; k += 16) vst1q_s8(dst + k, v);
  for (; k < n; ++k) dst[k] = value;
}

}  // namespace
}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_AARCH64_REQUANT_H_
