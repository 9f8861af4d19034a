// Fully connected with one input row (batches == 1), shared by gemm_neon.cc and
// gemm_dotprod.cc; included only by those files, so each instance is compiled with that
// file's -march flags and has internal linkage.
//
// Small layers (a classifier's 64 -> 10) are dominated by fixed per-call cost in the GEMM
// driver (block parameters, tail copies), so this path has none of it: weight rows are read
// in place, four output channels at a time (the last N % 4 as one group of that many rows),
// and requantized straight from registers. The K tail is vector work too: the last K % 16
// bytes come from the 16 bytes ending at K, the input side of that step being zeroed on the
// lanes the main loop already counted, so no byte is read past a weight row or counted
// twice. Runs only what SingleRowFits (internal.h) accepts: K >= 16, int8 zero points.
//
// A traits class K supplies Input (per-call vectors derived from the input row), Prepare()
// and Dot<R>(), the exact int32 sums sum_k (w[j][k] - zw) * (x[k] - zi) of R rows in lanes
// 0..R-1, wrapping mod 2^32 like the reference's accumulator.
#ifndef QINFER_KERNELS_AARCH64_FC_SINGLE_ROW_H_
#define QINFER_KERNELS_AARCH64_FC_SINGLE_ROW_H_

#include <arm_neon.h>

#include <cstdint>

#include "kernels/aarch64/internal.h"
#include "kernels/aarch64/requant.h"
#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {
namespace {

constexpr int32_t kRowStep = kSingleRowMinK;  // bytes of K per step

// Byte lanes of the 16 bytes ending at K that the main loop has not counted (K % 16 != 0).
inline uint8x16_t FreshTailLanes(int32_t k, int32_t full) {
  static constexpr uint8_t kLane[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  return vcgeq_u8(vld1q_u8(kLane), vdupq_n_u8(static_cast<uint8_t>(kRowStep - (k - full))));
}

// step(kk) for kk = from, from + 16, ... below full, two steps per loop iteration.
template <class Step>
__attribute__((always_inline)) inline void ForEachStep(int32_t from, int32_t full, Step&& step) {
  int32_t kk = from;
  for (; kk + 2 * kRowStep <= full; kk += 2 * kRowStep) {
    step(kk);
    step(kk + kRowStep);
  }
  if (kk < full) step(kk);
}

// Row sums of R accumulators (lanes 0..R-1); lanes past R repeat the last row.
template <int R>
inline int32x4_t ReduceRows(const int32x4_t (&s)[R]) {
  const int32x4_t s1 = s[R > 1 ? 1 : 0], s2 = s[R > 2 ? 2 : R - 1], s3 = s[R - 1];
  return vpaddq_s32(vpaddq_s32(s[0], s1), vpaddq_s32(s2, s3));
}

// n (1..4) values from p; lanes past n are 0.
inline int32x4_t LoadLanes(const int32_t* p, int32_t n) {
  if (n >= 4) return vld1q_s32(p);
  int32x4_t v = vld1q_lane_s32(p, vdupq_n_s32(0), 0);
  if (n > 1) v = vld1q_lane_s32(p + 1, v, 1);
  if (n > 2) v = vld1q_lane_s32(p + 2, v, 2);
  return v;
}

template <class K>
struct SingleRowJob {
  typename K::Input in;
  const int8_t* weights;
  const int32_t* bias;
  const int32_t* mult;
  const int32_t* shift;
  int32_t k, full;
  bool per_tensor;
  int32x4_t mult_t, lshift_t, rshift_t;  // per-tensor requantization, split once
  OutputStage os;
  int8_t* out;
};

// Output channels j0..j0+R-1.
template <class K, int R>
inline void SingleRowGroup(const SingleRowJob<K>& job, int32_t j0) {
  const int8_t* rows[R];
#pragma GCC unroll 4
  for (int i = 0; i < R; ++i) rows[i] = job.weights + static_cast<int64_t>(j0 + i) * job.k;
  int32x4_t acc = K::template Dot<R>(rows, job.in, job.k, job.full);
  if (job.bias != nullptr) acc = vaddq_s32(acc, LoadLanes(job.bias + j0, R));
  int32x4_t y;
  if (job.per_tensor) {
    y = RequantLanes(acc, job.mult_t, job.lshift_t, job.rshift_t, job.os);
  } else {
    const int32x4_t s = LoadLanes(job.shift + j0, R), zero = vdupq_n_s32(0);
    y = RequantLanes(acc, LoadLanes(job.mult + j0, R), vmaxq_s32(s, zero), vminq_s32(s, zero),
                     job.os);
  }
  Store4(job.out + j0, y, R);
}

template <class K>
void RunSingleRow(const FullyConnectedParams& p, int32_t k, int32_t n, const int8_t* input,
                  const int8_t* weights, const int32_t* bias, int8_t* output) {
  SingleRowJob<K> job;
  job.weights = weights, job.bias = bias, job.out = output;
  job.mult = p.requant.multiplier, job.shift = p.requant.shift;
  job.k = k, job.full = k & ~(kRowStep - 1);
  job.per_tensor = p.requant.count == 1;
  const int32x4_t s = vdupq_n_s32(p.requant.shift[0]), zero = vdupq_n_s32(0);
  job.mult_t = vdupq_n_s32(p.requant.multiplier[0]);
  job.lshift_t = vmaxq_s32(s, zero), job.rshift_t = vminq_s32(s, zero);
  job.os = MakeOutputStage(p.output_zero_point, p.act_min, p.act_max);
  K::Prepare(input, k, job.full, p.input_zero_point, p.weights_zero_point, &job.in);
  const int32_t n4 = n & ~3;
  for (int32_t j0 = 0; j0 < n4; j0 += 4) SingleRowGroup<K, 4>(job, j0);
  switch (n - n4) {
    case 1: SingleRowGroup<K, 1>(job, n4); break;
    case 2: SingleRowGroup<K, 2>(job, n4); break;
    case 3: SingleRowGroup<K, 3>(job, n4); break;
    default: break;
  }
}

}  // namespace
}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_AARCH64_FC_SINGLE_ROW_H_
