// AVX-512 VNNI + VBMI depthwise 3x3 conv (dilation 1, equal strides 1 or 2, depth multiplier
// 1): MobileNet's depthwise layers. vpdpbusd sums 4 taps per int32 lane: a lane is one
// channel, its 4 bytes are one input column's pixels in 4 consecutive rows. vpermt2b builds
// that column vector once per input column (32 channels: two vectors of 16), and it serves
// every output pixel whose window covers the column, one vpdpbusd per kx; at stride 1 it also
// serves two output rows at once, with weights (w0, w1, w2, 0) for the upper row and
// (0, w0, w1, w2) for the lower. vpdpbusd multiplies unsigned by signed bytes, so inputs are
// flipped to x + 128 (x ^ 0x80) and the start value is bias - (zi + 128) * sum(w): the -128
// joins the input zero point's fold. Taps in the padding read zi (rows: a row of zi bytes;
// columns: a ready column vector of zi + 128), which the fold cancels, as the reference skips
// them. All int32 sums wrap mod 2^32, so the result equals the reference's accumulator.
#include <cstdint>

#include "kernels/x86/avx512.h"
#include "kernels/x86/requant_avx512.h"

#include "kernels/x86/internal.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

constexpr int32_t kBlock = 32;  // channels per block: two vectors of 16 int32 lanes

// The requantization lanes with Requant16's runtime flags hidden by constants: with Checks
// false (no left shift, no INT32_MIN multiplier anywhere, the usual case) its branches and
// the constants they kept out of registers are gone; with true it runs both steps always,
// which is right for any lanes.
template <bool Checks>
struct Lanes : RequantLanes<kBlock> {
  static constexpr bool any_lshift = Checks;
  static constexpr bool any_sat = Checks;
};

template <class L>
struct Block {
  alignas(64) int8_t w[3][2][kBlock * 4];  // [kx][upper, lower output row][channel][4 taps]
  alignas(64) int32_t start[kBlock];
  L rq;
};

// Per row group: the 4 input rows a column reads (rows outside the input read a row of zi
// bytes with step 0) and the constants of the passes.
struct Ctx {
  const int8_t* rows[4];
  int64_t step[4];
  int32_t in_w;
  __mmask32 m;                        // channels of the block
  __m512i idx[2], pack, flip, zcol;   // zcol: a column in the padding, zi + 128 in every byte
  __m512i lo, hi, zo;
};

template <bool Full>
inline __m256i Load32(const Ctx& k, const int8_t* p) {
  return Full ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))
              : _mm256_maskz_loadu_epi8(k.m, p);
}

// Input column ix (row r's bytes at k.rows[r] + at[r]) as G vectors of 16 channels, lane
// bytes = rows 0..3, flipped to unsigned. Offsets rather than pointers: columns in the
// padding would point outside the input.
template <int G, bool Full>
__attribute__((always_inline)) inline void Column(const Ctx& k, int32_t ix, const int64_t* at,
                                                  __m512i* g) {
  if (static_cast<uint32_t>(ix) >= static_cast<uint32_t>(k.in_w)) {
    for (int h = 0; h < G; ++h) g[h] = k.zcol;
    return;
  }
  const __m512i a = _mm512_inserti64x4(_mm512_castsi256_si512(Load32<Full>(k, k.rows[0] + at[0])),
                                       Load32<Full>(k, k.rows[1] + at[1]), 1);
  const __m512i b = _mm512_inserti64x4(_mm512_castsi256_si512(Load32<Full>(k, k.rows[2] + at[2])),
                                       Load32<Full>(k, k.rows[3] + at[3]), 1);
  for (int h = 0; h < G; ++h)
    g[h] = _mm512_xor_si512(_mm512_permutex2var_epi8(a, k.idx[h], b), k.flip);
}

// The block's weights, laid out as its input columns are (Column) from the 3 rows of kx's
// taps plus a zero row, and start values bias - (zi + 128) * sum(w). Requantization lanes:
// per channel only; per-tensor ones are filled once for all blocks.
template <class L>
void FillBlock(const ConvParams& p, const int8_t* weights, const int32_t* bias, int32_t C,
               int32_t c0, int32_t nb, const Ctx& k, Block<L>* b) {
  const __m512i zf = _mm512_set1_epi8(static_cast<char>(p.input_zero_point + 128));
  __m512i sum[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
  for (int32_t kx = 0; kx < 3; ++kx) {
    const int8_t* w = weights + kx * C + c0;
    const __m512i a = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_maskz_loadu_epi8(k.m, w)),
                                         _mm256_maskz_loadu_epi8(k.m, w + 3 * C), 1);
    const __m512i c = _mm512_castsi256_si512(_mm256_maskz_loadu_epi8(k.m, w + 6 * C));
    const __m512i bz = _mm512_inserti64x4(c, _mm256_setzero_si256(), 1);
    for (int h = 0; h < 2; ++h) {
      const __m512i up = _mm512_permutex2var_epi8(a, k.idx[h], bz);
      _mm512_store_si512(b->w[kx][0] + 64 * h, up);
      _mm512_store_si512(b->w[kx][1] + 64 * h, _mm512_slli_epi32(up, 8));
      sum[h] = _mm512_dpbusd_epi32(sum[h], zf, up);
    }
  }
  for (int h = 0; h < 2; ++h) {
    const __mmask16 mh = static_cast<__mmask16>(k.m >> (16 * h));
    const __m512i bv = bias != nullptr ? _mm512_maskz_loadu_epi32(mh, bias + c0 + 16 * h)
                                       : _mm512_setzero_si512();
    _mm512_store_si512(b->start + 16 * h, _mm512_sub_epi32(bv, sum[h]));
  }
  if (p.requant.count != 1) {
    b->rq = L();  // zeroed: lanes past a per-channel tail stay defined
    b->rq.Fill(p.requant, c0, nb);
  }
}

// N output pixels (stride S) in R output rows from input column ix0 on, G groups of 16
// channels; outputs at out[r] + i * C. One call per pass with everything inside inlined
// (Requant16 too), so the accumulators stay in registers.
template <int N, int R, int S, int G, bool Full, class L>
__attribute__((noinline, flatten)) void Pass(const Ctx& k, const Block<L>& b, int32_t ix0,
                                             int8_t* const* out, int64_t C) {
  __m512i acc[N][R][G];
#pragma GCC unroll 8
  for (int i = 0; i < N; ++i)
#pragma GCC unroll 2
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
      for (int h = 0; h < G; ++h) acc[i][r][h] = _mm512_load_si512(b.start + 16 * h);
  int64_t at[4];
  for (int r = 0; r < 4; ++r) at[r] = ix0 * k.step[r];
  constexpr int kCols = (N - 1) * S + 3;
#pragma GCC unroll 16
  for (int t = 0; t < kCols; ++t) {
    __m512i g[G];
    Column<G, Full>(k, ix0 + t, at, g);
    for (int r = 0; r < 4; ++r) at[r] += k.step[r];
#pragma GCC unroll 8
    for (int i = 0; i < N; ++i) {
      const int kx = t - i * S;
      if (kx < 0 || kx > 2) continue;
#pragma GCC unroll 2
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
        for (int h = 0; h < G; ++h)
          acc[i][r][h] = _mm512_dpbusd_epi32(acc[i][r][h], g[h],
                                             _mm512_load_si512(b.w[kx][r] + 64 * h));
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < N; ++i)
#pragma GCC unroll 2
    for (int r = 0; r < R; ++r) {
      const __m512i q0 = Requant16(b.rq, 0, acc[i][r][0], k.lo, k.hi, k.zo);
      const __m512i q1 = G == 2 ? Requant16(b.rq, 16, acc[i][r][G - 1], k.lo, k.hi, k.zo) : q0;
      const __m256i bytes = _mm512_castsi512_si256(_mm512_permutex2var_epi8(q0, k.pack, q1));
      int8_t* o = out[r] + i * C;
      if (Full) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), bytes);
      } else {
        _mm256_mask_storeu_epi8(o, k.m, bytes);
      }
    }
}

constexpr int kRun = 4;  // output pixels per pass

// One row group: runs of kRun pixels, then the remainder. Shorter passes than kRun are
// compiled for whole blocks only; a block's tail and requantization with checks (rare) take
// one pixel at a time.
template <int R, int S, int G, bool Full, class L>
void Rows(const Ctx& k, const Block<L>& b, int32_t ow, int32_t ix_first, int8_t* o0, int8_t* o1,
          int64_t C) {
  constexpr int kN = L::any_lshift ? 1 : kRun;
  int8_t* out[2] = {o0, o1};
  int32_t ox = 0;
  for (; ox + kN <= ow; ox += kN) {
    Pass<kN, R, S, G, Full>(k, b, ix_first + ox * S, out, C);
    out[0] += kN * C;
    out[1] += kN * C;
  }
  if constexpr (Full && !L::any_lshift) {
    switch (ow - ox) {
      case 3: Pass<3, R, S, G, Full>(k, b, ix_first + ox * S, out, C); break;
      case 2: Pass<2, R, S, G, Full>(k, b, ix_first + ox * S, out, C); break;
      case 1: Pass<1, R, S, G, Full>(k, b, ix_first + ox * S, out, C); break;
      default: break;
    }
    return;
  }
  for (; ox < ow; ++ox) {
    Pass<1, R, S, G, Full>(k, b, ix_first + ox * S, out, C);
    out[0] += C;
    out[1] += C;
  }
}

template <int G, bool Full, class L>
void RowsAny(int R, int S, const Ctx& k, const Block<L>& b, int32_t ow, int32_t ix_first,
             int8_t* o0, int8_t* o1, int64_t C) {
  if (S == 2) {
    Rows<1, 2, G, Full>(k, b, ow, ix_first, o0, o1, C);
  } else if (R == 2) {
    Rows<2, 1, G, Full>(k, b, ow, ix_first, o0, o1, C);
  } else {
    Rows<1, 1, G, Full>(k, b, ow, ix_first, o0, o1, C);
  }
}

// Output rows [oy0, oy1) of image n for one block of nb channels from c0.
template <class L>
void Band(const ConvParams& p, const Dims4& in, const int8_t* in_n, const Dims4& out,
          int8_t* out_n, int32_t oy0, int32_t oy1, int32_t nb, const int8_t* zrow,
          const Block<L>& b, Ctx& k) {
  const int32_t C = out.c, S = p.stride_h;
  const int64_t row = static_cast<int64_t>(in.w) * C;
  for (int32_t oy = oy0; oy < oy1;) {
    const int32_t R = S == 1 && oy + 1 < oy1 ? 2 : 1;
    const int32_t iy0 = oy * S - p.pad_top;
    for (int32_t r = 0; r < 4; ++r) {
      const int32_t iy = iy0 + r;
      const bool inside = iy >= 0 && iy < in.h;
      k.rows[r] = inside ? in_n + iy * row : zrow;
      k.step[r] = inside ? C : 0;
    }
    int8_t* o0 = out_n + static_cast<int64_t>(oy) * out.w * C;
    int8_t* o1 = R == 2 ? o0 + static_cast<int64_t>(out.w) * C : o0;
    if constexpr (L::any_lshift) {
      RowsAny<2, false>(R, S, k, b, out.w, -p.pad_left, o0, o1, C);
    } else if (nb == kBlock) {
      RowsAny<2, true>(R, S, k, b, out.w, -p.pad_left, o0, o1, C);
    } else if (nb <= 16) {
      RowsAny<1, false>(R, S, k, b, out.w, -p.pad_left, o0, o1, C);
    } else {
      RowsAny<2, false>(R, S, k, b, out.w, -p.pad_left, o0, o1, C);
    }
    oy += R;
  }
}

// Blocks: whole (32 channels), a tail of up to 16 (one vector), a longer tail (two);
// requantization with checks runs every block as a tail.
template <class L>
void Run(const ConvParams& p, const Dims4& in, const int8_t* input, const int8_t* weights,
         const int32_t* bias, const Dims4& out, int8_t* output, Ctx& k) {
  const int32_t C = out.c;
  alignas(64) int8_t zrow[kBlock];
  for (int32_t j = 0; j < kBlock; ++j) zrow[j] = static_cast<int8_t>(p.input_zero_point);
  const int64_t in_image = static_cast<int64_t>(in.h) * in.w * C;
  const int64_t out_image = static_cast<int64_t>(out.h) * out.w * C;
  Block<L> b;
  if (p.requant.count == 1) b.rq.Fill(p.requant, 0, kBlock);
  // Block by block over whole images: cutting them into bands of rows so the input stays in
  // cache across blocks was no faster (a MobileNet layer's input fits the 2 MB L2), and each
  // band pays the block set-up again.
  for (int32_t c0 = 0; c0 < C; c0 += kBlock) {
    const int32_t nb = C - c0 < kBlock ? C - c0 : kBlock;
    k.m = nb == kBlock ? 0xFFFFFFFFu : (1u << nb) - 1u;
    FillBlock(p, weights, bias, C, c0, nb, k, &b);
    for (int32_t n = 0; n < out.n; ++n)
      Band(p, in, input + n * in_image + c0, out, output + n * out_image + c0, 0, out.h, nb,
           zrow, b, k);
  }
}

// True if some channel shifts left or has multiplier INT32_MIN (Requant16's checked steps).
bool NeedsChecks(const Requant& rq) {
  for (int32_t i = 0; i < rq.count; ++i)
    if (rq.shift[i] > 0 || rq.multiplier[i] == INT32_MIN) return true;
  return false;
}

}  // namespace

namespace vnni {

bool DepthwiseConv3x3(const ConvParams& p, const Dims4& in, const int8_t* input,
                      const Dims4& wd, const int8_t* weights, const int32_t* bias,
                      const Dims4& out, int8_t* output) {
  if (p.depth_multiplier != 1 || in.c != out.c || wd.c != out.c || in.n != out.n) return false;
  if (wd.h != 3 || wd.w != 3 || p.dilation_h != 1 || p.dilation_w != 1) return false;
  const int32_t S = p.stride_h;
  if (p.stride_w != S || (S != 1 && S != 2)) return false;
  if (p.input_zero_point < -128 || p.input_zero_point > 127) return false;
  if (!RequantShiftsOk(p.requant)) return false;
  alignas(64) int8_t idx[2][64], pack[64];
  for (int32_t j = 0; j < 64; ++j) {
    // Lane c of column half h: byte r is row r's channel 16h + c; rows 0, 1 in a, 2, 3 in b.
    const int32_t c = j / 4, r = j % 4;
    for (int32_t h = 0; h < 2; ++h) idx[h][j] = static_cast<int8_t>(64 * (r / 2) + 32 * (r % 2) + 16 * h + c);
    pack[j] = static_cast<int8_t>(j < 16 ? 4 * j : j < 32 ? 64 + 4 * (j - 16) : 0);
  }
  Ctx k;
  k.idx[0] = _mm512_load_si512(idx[0]);
  k.idx[1] = _mm512_load_si512(idx[1]);
  k.pack = _mm512_load_si512(pack);
  k.flip = _mm512_set1_epi8(static_cast<char>(0x80));
  k.zcol = _mm512_set1_epi8(static_cast<char>(p.input_zero_point ^ 0x80));
  k.zo = _mm512_set1_epi32(p.output_zero_point);
  k.lo = _mm512_set1_epi32(p.act_min - p.output_zero_point);
  k.hi = _mm512_set1_epi32(p.act_max - p.output_zero_point);
  k.in_w = in.w;
  if (NeedsChecks(p.requant)) {
    Run<Lanes<true>>(p, in, input, weights, bias, out, output, k);
  } else {
    Run<Lanes<false>>(p, in, input, weights, bias, out, output, k);
  }
  return true;
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
