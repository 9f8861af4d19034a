// AVX-512 VNNI conv for receptive fields of at most 64 bytes (kh * kw * in_c <= 64, groups 1,
// at least 2 taps), e.g. a 3x3 stem over RGB (27 bytes). Such convs have too little depth for
// the GEMM path's dot products along K; here each output pixel's receptive field is copied
// (im2col) into one 64-byte row as uint8 (x + 128), and for each group of 4 bytes vpdpbusd
// multiplies that group, broadcast, by 16 output channels' 4 weights: 32 output channels per
// block in two accumulators, 4 pixels at a time to hide the dot-product latency.
// Taps in the padding are filled with zi + 128; the block's start value
// bias - (128 + zi) * sum(w) cancels it exactly, as the reference skips them. Weight bytes
// past K are 0, so whatever the row holds there adds 0. int32 sums wrap mod 2^32.
#include <cstdint>
#include <cstring>

// First: it also silences GCC 12 about its own AVX-512 intrinsics (see there).
#include "kernels/x86/requant_avx512.h"

#include "kernels/x86/internal.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

constexpr int32_t kMaxK = 64;   // receptive field bytes: one zmm
constexpr int32_t kBlock = 32;  // output channels per block
constexpr int kPix = 4;         // pixels per step

struct Block {
  alignas(64) int8_t w[kMaxK / 4][2][64];  // [byte group][channel half][16 channels][4 bytes]
  alignas(64) int32_t start[2][16];        // bias - (128 + zi) * sum(w)
  RequantLanes<16> rq[2];
};

void FillBlock(const ConvParams& p, const int8_t* weights, const int32_t* bias, int32_t K,
               int32_t c0, int32_t nb, Block* b) {
  std::memset(b->w, 0, sizeof(b->w));
  b->rq[0] = RequantLanes<16>();
  b->rq[1] = RequantLanes<16>();
  for (int32_t j = 0; j < kBlock; ++j) {
    const int32_t h = j / 16, lane = j % 16;
    int32_t start = 0, mult = 0, shift = 0;
    if (j < nb) {
      const int8_t* w = weights + static_cast<int64_t>(c0 + j) * K;
      uint32_t s = bias != nullptr ? static_cast<uint32_t>(bias[c0 + j]) : 0u;
      for (int32_t k = 0; k < K; ++k) {
        b->w[k / 4][h][lane * 4 + k % 4] = w[k];
        s -= static_cast<uint32_t>(128 + p.input_zero_point) * static_cast<uint32_t>(w[k]);
      }
      start = static_cast<int32_t>(s);
      const int32_t r = p.requant.count == 1 ? 0 : c0 + j;
      mult = p.requant.multiplier[r];
      shift = p.requant.shift[r];
    }
    b->start[h][lane] = start;
    b->rq[h].Set(lane, mult, shift);
  }
  b->rq[0].Finish();
  b->rq[1].Finish();
}

struct Geometry {
  const int8_t* in_n;  // batch's input
  int32_t in_h, in_w, cg, kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, out_w;
  __m512i fill;  // zi + 128 in every byte
};

inline __mmask64 FirstBytes(int32_t n) { return n >= 64 ? ~0ull : (1ull << n) - 1; }

// Receptive field of output pixel m as uint8 into col[0, K).
void Im2Col(const Geometry& g, int32_t m, int8_t* col) {
  const int32_t oy = m / g.out_w, ox = m % g.out_w;
  const int32_t iy0 = oy * g.stride_h - g.pad_top, ix0 = ox * g.stride_w - g.pad_left;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const int32_t row_bytes = g.kw * g.cg;
  const bool row_inside = g.dil_w == 1 && ix0 >= 0 && ix0 + g.kw - 1 < g.in_w;
  for (int32_t ky = 0; ky < g.kh; ++ky) {
    const int32_t iy = iy0 + ky * g.dil_h;
    int8_t* dst = col + ky * row_bytes;
    if (iy < 0 || iy >= g.in_h) {
      _mm512_mask_storeu_epi8(dst, FirstBytes(row_bytes), g.fill);
      continue;
    }
    const int8_t* src_row = g.in_n + static_cast<int64_t>(iy) * g.in_w * g.cg;
    if (row_inside) {
      const __mmask64 m64 = FirstBytes(row_bytes);
      const __m512i v = _mm512_maskz_loadu_epi8(m64, src_row + static_cast<int64_t>(ix0) * g.cg);
      _mm512_mask_storeu_epi8(dst, m64, _mm512_xor_si512(v, flip));
      continue;
    }
    const __mmask64 mc = FirstBytes(g.cg);
    for (int32_t kx = 0; kx < g.kw; ++kx) {
      const int32_t ix = ix0 + kx * g.dil_w;
      const __m512i v =
          ix >= 0 && ix < g.in_w
              ? _mm512_xor_si512(_mm512_maskz_loadu_epi8(mc, src_row + static_cast<int64_t>(ix) * g.cg), flip)
              : g.fill;
      _mm512_mask_storeu_epi8(dst + kx * g.cg, mc, v);
    }
  }
}

inline int32_t Group(const int8_t* col, int32_t gidx) {
  int32_t v;
  std::memcpy(&v, col + 4 * gidx, 4);
  return v;
}

template <int P>
void Pixels(const Block& b, int32_t groups, int8_t (*cols)[kMaxK], int8_t* const* out,
            __mmask16 m0, __mmask16 m1, __m512i lo, __m512i hi, __m512i zo) {
  __m512i acc[P][2];
  for (int i = 0; i < P; ++i)
    acc[i][0] = _mm512_load_si512(b.start[0]), acc[i][1] = _mm512_load_si512(b.start[1]);
  for (int32_t gi = 0; gi < groups; ++gi) {
    const __m512i w0 = _mm512_load_si512(b.w[gi][0]), w1 = _mm512_load_si512(b.w[gi][1]);
    for (int i = 0; i < P; ++i) {
      const __m512i a = _mm512_set1_epi32(Group(cols[i], gi));
      acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], a, w0);
      acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], a, w1);
    }
  }
  for (int i = 0; i < P; ++i) {
    _mm512_mask_cvtepi32_storeu_epi8(out[i], m0, Requant16(b.rq[0], 0, acc[i][0], lo, hi, zo));
    if (m1 != 0)
      _mm512_mask_cvtepi32_storeu_epi8(out[i] + 16, m1, Requant16(b.rq[1], 0, acc[i][1], lo, hi, zo));
  }
}

}  // namespace

namespace vnni {

bool Conv2DSmallK(const ConvParams& p, const Dims4& in, const int8_t* input, const Dims4& wd,
                  const int8_t* weights, const int32_t* bias, const Dims4& out, int8_t* output) {
  const int32_t taps = wd.h * wd.w, K = taps * wd.c;
  if (p.groups != 1 || wd.c != in.c || wd.n != out.c || in.n != out.n) return false;
  if (taps < 2 || K > kMaxK) return false;
  if (p.input_zero_point < -128 || p.input_zero_point > 127) return false;
  if (!RequantShiftsOk(p.requant)) return false;
  const int32_t groups = (K + 3) / 4;
  const int32_t pixels = out.h * out.w;
  const __m512i zo = _mm512_set1_epi32(p.output_zero_point);
  const __m512i lo = _mm512_set1_epi32(p.act_min - p.output_zero_point);
  const __m512i hi = _mm512_set1_epi32(p.act_max - p.output_zero_point);
  Geometry g;
  g.in_h = in.h, g.in_w = in.w, g.cg = in.c, g.kh = wd.h, g.kw = wd.w;
  g.stride_h = p.stride_h, g.stride_w = p.stride_w, g.dil_h = p.dilation_h, g.dil_w = p.dilation_w;
  g.pad_top = p.pad_top, g.pad_left = p.pad_left, g.out_w = out.w;
  g.fill = _mm512_set1_epi8(static_cast<char>(p.input_zero_point + 128));
  alignas(64) int8_t cols[kPix][kMaxK] = {};
  Block b;
  for (int32_t c0 = 0; c0 < out.c; c0 += kBlock) {
    const int32_t nb = out.c - c0 < kBlock ? out.c - c0 : kBlock;
    const __mmask16 m0 = nb >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nb) - 1);
    const __mmask16 m1 = nb <= 16 ? 0 : nb >= 32 ? 0xFFFF : static_cast<__mmask16>((1u << (nb - 16)) - 1);
    FillBlock(p, weights, bias, K, c0, nb, &b);
    for (int32_t n = 0; n < out.n; ++n) {
      g.in_n = input + static_cast<int64_t>(n) * in.h * in.w * in.c;
      int8_t* out_n = output + static_cast<int64_t>(n) * pixels * out.c + c0;
      int32_t m = 0;
      for (; m + kPix <= pixels; m += kPix) {
        int8_t* outs[kPix];
        for (int i = 0; i < kPix; ++i) {
          Im2Col(g, m + i, cols[i]);
          outs[i] = out_n + static_cast<int64_t>(m + i) * out.c;
        }
        Pixels<kPix>(b, groups, cols, outs, m0, m1, lo, hi, zo);
      }
      for (; m < pixels; ++m) {
        int8_t* o = out_n + static_cast<int64_t>(m) * out.c;
        Im2Col(g, m, cols[0]);
        Pixels<1>(b, groups, cols, &o, m0, m1, lo, hi, zo);
      }
    }
  }
  return true;
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
