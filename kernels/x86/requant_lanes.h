// Per-output-channel requantization constants as N int32 lanes, precomputed once per channel
// block so the vector epilogues (requant_avx512.h, gemm_avx2.cc) load them instead of
// re-deriving masks per output. Plain integer code: builds with any -m flags.
// Shifts in [-31, 31]; lanes past the block hold multiplier 0 (their outputs are not stored).
// N must be a multiple of 16.
#ifndef QINFER_KERNELS_X86_REQUANT_LANES_H_
#define QINFER_KERNELS_X86_REQUANT_LANES_H_

#include <cstdint>

#include "kernels/types.h"

// For the small per-block fills here and in driver.h: GCC would turn their copy and zero
// loops into inline rep movs / rep stos, whose start-up cost is most of a tiny op's time.
#if defined(__GNUC__) && !defined(__clang__)
#define QINFER_X86_PLAIN_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define QINFER_X86_PLAIN_LOOPS
#endif

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

template <int32_t N>
struct RequantLanes {
  static_assert(N % 16 == 0, "whole 16-lane vectors");
  // mult_hi: each odd lane's multiplier copied into the even lane below it, where a 64-bit
  // multiply of the odd lanes reads it. rshift: the AVX2 epilogue's right shift.
  alignas(64) int32_t mult[N], mult_hi[N], lshift[N], rshift[N];
  // The AVX-512 epilogue's one 64-bit rounding (requant_avx512.h), per 16-lane vector the 8
  // even lanes then the 8 odd ones (Pos()): round = 2^30 + 2^(30 + r) (2^30 when r = 0),
  // neg = 2^(30 + r) (INT64_MIN when r = 0: no correction), shift = 31 + r.
  alignas(64) int64_t round[N], neg[N], shift64[N];
  bool any_lshift = false;  // some lane shifts left
  bool any_sat = false;     // some multiplier is INT32_MIN (the doubling high mul saturates)

  // Lanes [0, n) from rq's channels c0.. (a per-tensor rq fills all N lanes), then 0 up to
  // the next multiple of 16 (the vector epilogues read whole vectors). Branch-free loops,
  // so they vectorize: for small ops filling the constants costs as much as the arithmetic.
  QINFER_X86_PLAIN_LOOPS void Fill(const Requant& rq, int32_t c0, int32_t n) {
    int32_t filled = N, lsh_or = 0, sat_or = 0;
    if (rq.count == 1) {
      const int32_t m = rq.multiplier[0], s = rq.shift[0];
      for (int32_t j = 0; j < N; ++j) Lane(j, m, s);
      lsh_or = s > 0;
      sat_or = m == INT32_MIN;
    } else {
      const int32_t* mp = rq.multiplier + c0;
      const int32_t* sp = rq.shift + c0;
      for (int32_t j = 0; j < n; ++j) {
        Lane(j, mp[j], sp[j]);
        lsh_or |= sp[j] > 0;
        sat_or |= mp[j] == INT32_MIN;
      }
      filled = (n + 15) / 16 * 16;
      for (int32_t j = n; j < filled; ++j) Lane(j, 0, 0);
    }
    for (int32_t j = 0; j < filled; ++j) mult_hi[j] = mult[j | 1];
    if (rq.count == 1) {
      Fill64Uniform(rshift[0]);
    } else {
      Fill64(filled);
    }
    any_lshift = lsh_or != 0;
    any_sat = sat_or != 0;
  }

  // One lane at a time (kernels that build their blocks channel by channel); Finish() after.
  void Set(int32_t lane, int32_t multiplier, int32_t shift) {
    Lane(lane, multiplier, shift);
    any_lshift = any_lshift || shift > 0;
    any_sat = any_sat || multiplier == INT32_MIN;
  }
  void Finish() {
    for (int32_t j = 0; j < N; ++j) mult_hi[j] = mult[j | 1];
    Fill64(N);
  }

 private:
  void Lane(int32_t j, int32_t multiplier, int32_t shift) {
    mult[j] = multiplier;
    lshift[j] = shift > 0 ? shift : 0;
    rshift[j] = shift > 0 ? 0 : -shift;
  }

  static int64_t Round64(int32_t r) { return (int64_t{1} << 30) + Half64(r); }
  static int64_t Half64(int32_t r) { return int64_t{r > 0} << (30 + r); }
  static int64_t Neg64(int32_t r) { return Half64(r) | (int64_t{r == 0} << 63); }  // r = 0: INT64_MIN

  // The 64-bit constants of lanes [0, filled) from rshift, even and odd lanes of each vector
  // apart. Branch-free, so it vectorizes: for tiny ops this fill is a visible share.
  QINFER_X86_PLAIN_LOOPS void Fill64(int32_t filled) {
    for (int32_t v = 0; v < filled; v += 16)
      for (int32_t i = 0; i < 16; ++i) {
        const int32_t r = rshift[v + 2 * (i & 7) + (i >> 3)];  // i < 8: even lanes, else odd
        round[v + i] = Round64(r);
        neg[v + i] = Neg64(r);
        shift64[v + i] = 31 + r;
      }
  }
  // All N lanes alike (a per-tensor requantization): three constant stores per lane.
  QINFER_X86_PLAIN_LOOPS void Fill64Uniform(int32_t r) {
    const int64_t rd = Round64(r), ng = Neg64(r), sh = 31 + r;
    for (int32_t j = 0; j < N; ++j) round[j] = rd, neg[j] = ng, shift64[j] = sh;
  }
};

}  // namespace
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_REQUANT_LANES_H_
