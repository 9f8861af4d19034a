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

// First: it also silences GCC 12 about its own AVX-512 intrinsics (see there).
#include "kernels/x86/requant_avx512.h"

#include "kernels/x86/internal.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

constexpr int32_t kBlock = 32;  // channels per block: two vectors of 16 int32 lanes

struct Block {
  alignas(64) int8_t w[3][2][kBlock * 4];  // [kx][upper, lower output row][channel][4 taps]
  alignas(64) int32_t start[kBlock];
  RequantLanes<kBlock> rq;
};

void FillBlock(const ConvParams& p, const int8_t* weights, const int32_t* bias, int32_t C,
               int32_t c0, int32_t nb, Block* b) {
  const uint32_t zf = static_cast<uint32_t>(p.input_zero_point + 128);
  for (int32_t j = 0; j < kBlock; ++j) {
    uint32_t s = j < nb && bias != nullptr ? static_cast<uint32_t>(bias[c0 + j]) : 0u;
    for (int32_t kx = 0; kx < 3; ++kx) {
      int8_t* up = b->w[kx][0] + 4 * j;
      int8_t* low = b->w[kx][1] + 4 * j;
      up[3] = low[0] = 0;
      for (int32_t ky = 0; ky < 3; ++ky) {
        const int8_t v = j < nb ? weights[(ky * 3 + kx) * C + c0 + j] : 0;
        up[ky] = low[ky + 1] = v;
        s -= zf * static_cast<uint32_t>(v);
      }
    }
    b->start[j] = static_cast<int32_t>(s);
  }
  b->rq = RequantLanes<kBlock>();  // zeroed: lanes past a per-channel tail stay defined
  b->rq.Fill(p.requant, c0, nb);
}

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

// Input column ix as two vectors of 16 channels, lane bytes = rows 0..3, flipped to unsigned.
template <bool Full>
inline void Column(const Ctx& k, int32_t ix, __m512i* g) {
  if (static_cast<uint32_t>(ix) >= static_cast<uint32_t>(k.in_w)) {
    g[0] = g[1] = k.zcol;
    return;
  }
  const __m512i a = _mm512_inserti64x4(
      _mm512_castsi256_si512(Load32<Full>(k, k.rows[0] + ix * k.step[0])),
      Load32<Full>(k, k.rows[1] + ix * k.step[1]), 1);
  const __m512i b = _mm512_inserti64x4(
      _mm512_castsi256_si512(Load32<Full>(k, k.rows[2] + ix * k.step[2])),
      Load32<Full>(k, k.rows[3] + ix * k.step[3]), 1);
  g[0] = _mm512_xor_si512(_mm512_permutex2var_epi8(a, k.idx[0], b), k.flip);
  g[1] = _mm512_xor_si512(_mm512_permutex2var_epi8(a, k.idx[1], b), k.flip);
}

// N output pixels (stride S) in R output rows from input column ix0 on; outputs at out[r] + i * C.
template <int N, int R, int S, bool Full>
inline void Pass(const Ctx& k, const Block& b, int32_t ix0, int8_t* const* out, int64_t C) {
  __m512i acc[N][R][2];
#pragma GCC unroll 8
  for (int i = 0; i < N; ++i)
#pragma GCC unroll 2
    for (int r = 0; r < R; ++r) {
      acc[i][r][0] = _mm512_load_si512(b.start);
      acc[i][r][1] = _mm512_load_si512(b.start + 16);
    }
  constexpr int kCols = (N - 1) * S + 3;
#pragma GCC unroll 16
  for (int t = 0; t < kCols; ++t) {
    __m512i g[2];
    Column<Full>(k, ix0 + t, g);
#pragma GCC unroll 8
    for (int i = 0; i < N; ++i) {
      const int kx = t - i * S;
      if (kx < 0 || kx > 2) continue;
#pragma GCC unroll 2
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h)
          acc[i][r][h] = _mm512_dpbusd_epi32(acc[i][r][h], g[h],
                                             _mm512_load_si512(b.w[kx][r] + 64 * h));
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < N; ++i)
#pragma GCC unroll 2
    for (int r = 0; r < R; ++r) {
      const __m512i q0 = Requant16(b.rq, 0, acc[i][r][0], k.lo, k.hi, k.zo);
      const __m512i q1 = Requant16(b.rq, 16, acc[i][r][1], k.lo, k.hi, k.zo);
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

// One row group: runs of kRun pixels, then the remainder in one shorter pass.
template <int R, int S, bool Full>
void Rows(const Ctx& k, const Block& b, int32_t ow, int32_t ix_first, int8_t* o0, int8_t* o1,
          int64_t C) {
  int8_t* out[2] = {o0, o1};
  int32_t ox = 0;
  for (; ox + kRun <= ow; ox += kRun) {
    Pass<kRun, R, S, Full>(k, b, ix_first + ox * S, out, C);
    out[0] += kRun * C;
    out[1] += kRun * C;
  }
  switch (ow - ox) {
    case 3: Pass<3, R, S, Full>(k, b, ix_first + ox * S, out, C); break;
    case 2: Pass<2, R, S, Full>(k, b, ix_first + ox * S, out, C); break;
    case 1: Pass<1, R, S, Full>(k, b, ix_first + ox * S, out, C); break;
    default: break;
  }
}

template <bool Full>
void RowsAny(int R, int S, const Ctx& k, const Block& b, int32_t ow, int32_t ix_first,
             int8_t* o0, int8_t* o1, int64_t C) {
  if (S == 2) {
    Rows<1, 2, Full>(k, b, ow, ix_first, o0, o1, C);
  } else if (R == 2) {
    Rows<2, 1, Full>(k, b, ow, ix_first, o0, o1, C);
  } else {
    Rows<1, 1, Full>(k, b, ow, ix_first, o0, o1, C);
  }
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
  const int32_t C = out.c;
  alignas(64) int8_t zrow[kBlock];
  for (int32_t j = 0; j < kBlock; ++j) zrow[j] = static_cast<int8_t>(p.input_zero_point);
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
  const int64_t row = static_cast<int64_t>(in.w) * C;
  Block b;
  for (int32_t c0 = 0; c0 < C; c0 += kBlock) {
    const int32_t nb = C - c0 < kBlock ? C - c0 : kBlock;
    k.m = nb == kBlock ? 0xFFFFFFFFu : (1u << nb) - 1u;
    FillBlock(p, weights, bias, C, c0, nb, &b);
    for (int32_t n = 0; n < out.n; ++n) {
      const int8_t* in_n = input + static_cast<int64_t>(n) * in.h * row + c0;
      for (int32_t oy = 0; oy < out.h;) {
        const int32_t R = S == 1 && oy + 1 < out.h ? 2 : 1;
        const int32_t iy0 = oy * S - p.pad_top;
        for (int32_t r = 0; r < 4; ++r) {
          const int32_t iy = iy0 + r;
          const bool inside = iy >= 0 && iy < in.h;
          k.rows[r] = inside ? in_n + iy * row : zrow;
          k.step[r] = inside ? C : 0;
        }
        int8_t* o0 = output + (static_cast<int64_t>(n) * out.h + oy) * out.w * C + c0;
        int8_t* o1 = R == 2 ? o0 + static_cast<int64_t>(out.w) * C : o0;
        if (nb == kBlock) {
          RowsAny<true>(R, S, k, b, out.w, -p.pad_left, o0, o1, C);
        } else {
          RowsAny<false>(R, S, k, b, out.w, -p.pad_left, o0, o1, C);
        }
        oy += R;
      }
    }
  }
  return true;
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
