// AVX-512 VNNI conv for small receptive fields (groups 1, dilation_w 1, at least 2 taps, each
// filter row's kw * in_c bytes padded to whole groups of 4, at most 16 groups), e.g. a 3x3 stem
// over RGB or a 3x3 conv over one channel. Such convs have too little depth for the GEMM
// path's dot products along K.
// For each output row, the kh input rows it reads are copied once into a row buffer as uint8
// (x + 128), with the padding filled with zi + 128 and a few slack bytes at the end. Then every
// output pixel's filter row is a run of contiguous bytes in the buffer: each group of 4 is one
// broadcast load, which vpdpbusd multiplies by 16 output channels' 4 weights. Nothing is
// copied per pixel (a per-pixel im2col through memory stalls on store forwarding).
// Weight bytes past a row's kw * in_c are 0, so the slack bytes they meet add 0. The start
// value bias - (128 + zi) * sum(w) cancels the padding exactly, as the reference skips it.
// int32 sums wrap mod 2^32 like the reference's accumulator.
#include <cstdint>
#include <cstring>

#include "kernels/x86/avx512.h"
#include "kernels/x86/requant_avx512.h"

#include "kernels/x86/internal.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

constexpr int32_t kMaxGroups = 16;      // 4-byte groups over all filter rows
constexpr int32_t kBlock = 32;          // output channels per block
constexpr int32_t kMaxBlocks = 8;       // blocks whose weights are held at once
constexpr int32_t kRowBytes = 24 * 1024;  // row buffer (kh rows); larger rows go elsewhere
constexpr int32_t kSlack = 4;           // a row's last group reads up to 3 bytes past it

struct Block {
  alignas(64) int8_t w[kMaxGroups][2][64];  // [group][channel half][16 channels][4 bytes]
  alignas(64) int32_t start[2][16];         // bias - (128 + zi) * sum(w)
  RequantLanes<16> rq[2];
};

struct Shape {
  int32_t kh, kw, cg, groups_per_row;
};

void FillBlock(const ConvParams& p, const Shape& s, const int8_t* weights, const int32_t* bias,
               int32_t c0, int32_t nb, Block* b) {
  std::memset(b->w, 0, sizeof(b->w));
  b->rq[0] = RequantLanes<16>();
  b->rq[1] = RequantLanes<16>();
  const int32_t seg = s.kw * s.cg;
  for (int32_t j = 0; j < kBlock; ++j) {
    const int32_t h = j / 16, lane = j % 16;
    int32_t start = 0, mult = 0, shift = 0;
    if (j < nb) {
      const int8_t* w = weights + static_cast<int64_t>(c0 + j) * s.kh * seg;
      uint32_t sum = bias != nullptr ? static_cast<uint32_t>(bias[c0 + j]) : 0u;
      for (int32_t ky = 0; ky < s.kh; ++ky)
        for (int32_t k = 0; k < seg; ++k) {
          const int8_t v = w[ky * seg + k];
          b->w[ky * s.groups_per_row + k / 4][h][lane * 4 + k % 4] = v;
          sum -= static_cast<uint32_t>(128 + p.input_zero_point) * static_cast<uint32_t>(v);
        }
      start = static_cast<int32_t>(sum);
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

// Input row iy (or padding when outside) as uint8 over x in [-pad_left, -pad_left + cols).
void FillRow(const int8_t* in_n, int32_t iy, int32_t in_h, int32_t in_w, int32_t cg,
             int32_t pad_left, int32_t cols, int8_t fill, int8_t* dst) {
  const int32_t len = cols * cg + kSlack;
  int32_t lead = 0, body = 0;  // bytes of left padding, bytes copied from the input
  if (iy >= 0 && iy < in_h) {
    lead = (pad_left < cols ? pad_left : cols) * cg;
    const int32_t x_end = cols - pad_left < in_w ? cols - pad_left : in_w;  // exclusive
    body = x_end > 0 ? x_end * cg : 0;
  }
  const __m512i vfill = _mm512_set1_epi8(fill);
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  int32_t i = 0;
  for (; i < lead; i += 64) {
    const int32_t n = lead - i < 64 ? lead - i : 64;
    _mm512_mask_storeu_epi8(dst + i, (~0ull) >> (64 - n), vfill);
  }
  const int8_t* src = in_n + static_cast<int64_t>(iy) * in_w * cg;
  for (int32_t k = 0; k < body; k += 64) {
    const int32_t n = body - k < 64 ? body - k : 64;
    const __mmask64 m = (~0ull) >> (64 - n);
    _mm512_mask_storeu_epi8(dst + lead + k, m,
                            _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + k), flip));
  }
  for (i = lead + body; i < len; i += 64) {
    const int32_t n = len - i < 64 ? len - i : 64;
    _mm512_mask_storeu_epi8(dst + i, (~0ull) >> (64 - n), vfill);
  }
}

inline __m512i Quad(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

struct Out {
  __m512i lo, hi, zo;
  __mmask16 m0, m1;
};

// P pixels (H 16-channel halves) starting at output column ox; row[ky] are the row buffers,
// step the bytes between neighbouring pixels' windows.
template <int P, int H>
inline void Pixels(const Block& b, const Shape& s, const int8_t* const* row, int64_t pix_off,
                   int32_t step, const Out& k, int8_t* out, int32_t out_c) {
  __m512i acc[P][H];
  for (int i = 0; i < P; ++i)
    for (int h = 0; h < H; ++h) acc[i][h] = _mm512_load_si512(b.start[h]);
  for (int32_t ky = 0; ky < s.kh; ++ky) {
    const int8_t* r = row[ky] + pix_off;
    for (int32_t g = 0; g < s.groups_per_row; ++g) {
      const int32_t gi = ky * s.groups_per_row + g;
      __m512i w[H];
      for (int h = 0; h < H; ++h) w[h] = _mm512_load_si512(b.w[gi][h]);
      for (int i = 0; i < P; ++i) {
        const __m512i a = Quad(r + static_cast<int64_t>(i) * step + 4 * g);
        for (int h = 0; h < H; ++h) acc[i][h] = _mm512_dpbusd_epi32(acc[i][h], a, w[h]);
      }
    }
  }
  for (int i = 0; i < P; ++i) {
    int8_t* o = out + static_cast<int64_t>(i) * out_c;
    _mm512_mask_cvtepi32_storeu_epi8(o, k.m0, Requant16(b.rq[0], 0, acc[i][0], k.lo, k.hi, k.zo));
    if constexpr (H == 2)
      _mm512_mask_cvtepi32_storeu_epi8(o + 16, k.m1,
                                       Requant16(b.rq[1], 0, acc[i][H - 1], k.lo, k.hi, k.zo));
  }
}

// One output row of one block: P pixels at a time (enough independent vpdpbusd chains to
// hide their latency), then one by one.
template <int P, int H>
void RowOfBlock(const Block& b, const Shape& s, const int8_t* const* row, int32_t out_w,
                int32_t step, const Out& k, int8_t* out, int32_t out_c) {
  int32_t ox = 0;
  for (; ox + P <= out_w; ox += P)
    Pixels<P, H>(b, s, row, int64_t{ox} * step, step, k, out + int64_t{ox} * out_c, out_c);
  for (; ox < out_w; ++ox)
    Pixels<1, H>(b, s, row, int64_t{ox} * step, step, k, out + int64_t{ox} * out_c, out_c);
}

}  // namespace

namespace vnni {

bool Conv2DSmallK(const ConvParams& p, const Dims4& in, const int8_t* input, const Dims4& wd,
                  const int8_t* weights, const int32_t* bias, const Dims4& out, int8_t* output) {
  if (p.groups != 1 || wd.c != in.c || wd.n != out.c || in.n != out.n) return false;
  if (wd.h * wd.w < 2 || p.dilation_w != 1 || in.c <= 0 || p.pad_left < 0) return false;
  if (out.h <= 0 || out.w <= 0) return false;
  if (p.input_zero_point < -128 || p.input_zero_point > 127) return false;
  const Shape s{wd.h, wd.w, wd.c, (wd.w * wd.c + 3) / 4};
  if (s.kw * s.cg > 4 * kMaxGroups || s.kh * s.groups_per_row > kMaxGroups) return false;
  // Columns of the row buffer: the input x range every pixel of a row reads.
  const int32_t cols = (out.w - 1) * p.stride_w + s.kw;
  const int32_t row_len = (cols * s.cg + kSlack + 63) / 64 * 64;
  if (static_cast<int64_t>(row_len) * s.kh > kRowBytes) return false;
  if (!RequantShiftsOk(p.requant)) return false;
  const int8_t fill = static_cast<int8_t>(p.input_zero_point ^ 0x80);  // zi + 128 as a byte
  const int32_t step = p.stride_w * s.cg;
  const int64_t pixels = int64_t{out.h} * out.w;
  Out k;
  k.zo = _mm512_set1_epi32(p.output_zero_point);
  k.lo = _mm512_set1_epi32(p.act_min - p.output_zero_point);
  k.hi = _mm512_set1_epi32(p.act_max - p.output_zero_point);
  alignas(64) int8_t rows[kRowBytes];
  const int8_t* row[kMaxGroups];  // kh <= kMaxGroups: each row has at least one group
  for (int32_t ky = 0; ky < s.kh; ++ky) row[ky] = rows + ky * row_len;
  Block blocks[kMaxBlocks];
  for (int32_t b0 = 0; b0 < out.c; b0 += kBlock * kMaxBlocks) {
    const int32_t chunk = out.c - b0 < kBlock * kMaxBlocks ? out.c - b0 : kBlock * kMaxBlocks;
    const int32_t nblocks = (chunk + kBlock - 1) / kBlock;
    for (int32_t bi = 0; bi < nblocks; ++bi) {
      const int32_t c0 = b0 + bi * kBlock;
      FillBlock(p, s, weights, bias, c0, out.c - c0 < kBlock ? out.c - c0 : kBlock, &blocks[bi]);
    }
    for (int32_t n = 0; n < out.n; ++n) {
      const int8_t* in_n = input + static_cast<int64_t>(n) * in.h * in.w * in.c;
      int8_t* out_n = output + n * pixels * out.c;
      for (int32_t oy = 0; oy < out.h; ++oy) {
        for (int32_t ky = 0; ky < s.kh; ++ky) {
          const int32_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
          FillRow(in_n, iy, in.h, in.w, s.cg, p.pad_left, cols, fill, rows + ky * row_len);
        }
        for (int32_t bi = 0; bi < nblocks; ++bi) {
          const int32_t c0 = b0 + bi * kBlock;
          const int32_t nb = out.c - c0 < kBlock ? out.c - c0 : kBlock;
          k.m0 = nb >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nb) - 1);
          k.m1 = nb <= 16 ? 0 : nb >= 32 ? 0xFFFF : static_cast<__mmask16>((1u << (nb - 16)) - 1);
          int8_t* o = out_n + int64_t{oy} * out.w * out.c + c0;
          if (nb <= 16) {
            RowOfBlock<8, 1>(blocks[bi], s, row, out.w, step, k, o, out.c);
          } else {
            RowOfBlock<5, 2>(blocks[bi], s, row, out.w, step, k, o, out.c);
          }
        }
      }
    }
  }
  return true;
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
