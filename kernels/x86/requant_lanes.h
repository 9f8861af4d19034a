// Per-output-channel requantization constants as N int32 lanes, precomputed once per channel
// block so the vector epilogues (requant_avx512.h, gemm_avx2.cc) load them instead of
// re-deriving masks per output. Plain integer code that builds with any -m flags; with
// AVX-512 (the *_vnni.cc files) Fill runs 16 lanes per step in vector ops, as the scalar
// fill was a quarter of a 1x8x8 op and a fifth of a 1x250x144 one.
// Shifts in [-31, 31]; lanes past the block hold multiplier 0 (their outputs are not stored).
// N must be a multiple of 16.
#ifndef QINFER_KERNELS_X86_REQUANT_LANES_H_
#define QINFER_KERNELS_X86_REQUANT_LANES_H_

#include <cstdint>

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>
#define QINFER_REQUANT_LANES_AVX512 1
#endif

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

  // Lanes [0, n) from rq's channels c0.. (a per-tensor rq fills `uniform_lanes`, by default
  // all N: kernels that fill once read every block's lanes), then 0 up to the next multiple
  // of 16 (the vector epilogues read whole vectors).
  void Fill(const Requant& rq, int32_t c0, int32_t n, int32_t uniform_lanes = N) {
#ifdef QINFER_REQUANT_LANES_AVX512
    const bool uniform = rq.count == 1;
    const int32_t filled = uniform ? uniform_lanes : (n + 15) / 16 * 16;
    __mmask16 lsh = 0, sat = 0;
    for (int32_t v = 0; v < filled; v += 16) {
      const int32_t left = n - v;
      // left <= 0 only for a per-tensor rq, which reads no lanes.
      const __mmask16 m = left >= 16  ? static_cast<__mmask16>(0xFFFF)
                          : left <= 0 ? static_cast<__mmask16>(0)
                                      : static_cast<__mmask16>((1u << left) - 1);
      const __m512i mult16 = uniform ? _mm512_set1_epi32(rq.multiplier[0])
                                     : _mm512_maskz_loadu_epi32(m, rq.multiplier + c0 + v);
      const __m512i shift16 = uniform ? _mm512_set1_epi32(rq.shift[0])
                                      : _mm512_maskz_loadu_epi32(m, rq.shift + c0 + v);
      Fill16(v, mult16, shift16, &lsh, &sat);
    }
    any_lshift = lsh != 0;
    any_sat = sat != 0;
#else
    (void)uniform_lanes;  // the scalar fill writes all N
    FillScalar(rq, c0, n);
#endif
  }

  // Branch-free loops, so they vectorize: for small ops filling the constants costs as much
  // as the arithmetic.
  QINFER_X86_PLAIN_LOOPS void FillScalar(const Requant& rq, int32_t c0, int32_t n) {
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

#ifdef QINFER_REQUANT_LANES_AVX512
  // Lanes [v, v + 16) from 16 multipliers and shifts, as Lane() and Fill64() build them.
  void Fill16(int32_t v, __m512i mult16, __m512i shift16, __mmask16* lsh, __mmask16* sat) {
    const __m512i zero = _mm512_setzero_si512();
    const __m512i rsh = _mm512_max_epi32(_mm512_sub_epi32(zero, shift16), zero);
    _mm512_store_si512(mult + v, mult16);
    _mm512_store_si512(mult_hi + v, _mm512_permutexvar_epi32(
        _mm512_set_epi32(15, 15, 13, 13, 11, 11, 9, 9, 7, 7, 5, 5, 3, 3, 1, 1), mult16));
    _mm512_store_si512(lshift + v, _mm512_max_epi32(shift16, zero));
    _mm512_store_si512(rshift + v, rsh);
    // The 64-bit constants: the even lanes' 8, then the odd lanes' 8.
    const __m512i even_odd = _mm512_permutexvar_epi32(
        _mm512_set_epi32(15, 13, 11, 9, 7, 5, 3, 1, 14, 12, 10, 8, 6, 4, 2, 0), rsh);
    for (int32_t h = 0; h < 2; ++h) {
      const __m512i r = _mm512_cvtepu32_epi64(h == 0 ? _mm512_castsi512_si256(even_odd)
                                                     : _mm512_extracti64x4_epi64(even_odd, 1));
      const __m512i half = _mm512_maskz_sllv_epi64(_mm512_cmpgt_epi64_mask(r, zero),
                                                   _mm512_set1_epi64(1),
                                                   _mm512_add_epi64(r, _mm512_set1_epi64(30)));
      _mm512_store_si512(round + v + 8 * h,
                         _mm512_add_epi64(half, _mm512_set1_epi64(int64_t{1} << 30)));
      _mm512_store_si512(neg + v + 8 * h,
                         _mm512_mask_mov_epi64(half, _mm512_cmpeq_epi64_mask(r, zero),
                                               _mm512_set1_epi64(INT64_MIN)));
      _mm512_store_si512(shift64 + v + 8 * h, _mm512_add_epi64(r, _mm512_set1_epi64(31)));
    }
    *lsh |= _mm512_cmpgt_epi32_mask(shift16, zero);
    *sat |= _mm512_cmpeq_epi32_mask(mult16, _mm512_set1_epi32(INT32_MIN));
  }
#endif

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
