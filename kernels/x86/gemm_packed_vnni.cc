// AVX-512 VNNI conv / fully connected on weights pre-packed by the converter
// (packed_layout.h) with the folded bias bias - (128 + zi) * sum(w): nothing is packed or
// summed here. Each output-channel block runs through the broadcast tile of vnni_tile.h.
// Activations are read in place, per tap: a tap's channels are contiguous in NHWC, and taps in the padding read a zi-filled buffer
// (whose w * (zi + 128) the folded bias cancels, as the reference adds nothing there).
#include "kernels/x86/avx512.h"

#include "kernels/x86/driver.h"
#include "kernels/x86/internal.h"
#include "kernels/x86/packed_layout.h"
#include "kernels/x86/vnni_common.h"
#include "kernels/x86/vnni_pointwise.h"
#include "kernels/x86/vnni_tile.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

constexpr int32_t kRows = kTileRows;

// Stack: zi buffer 4 KB, pointers 6 KB, accumulators 2 KB, block params 1.3 KB.
bool RunPacked(const Geometry& g, const int8_t* input, const int8_t* packed,
               const int32_t* folded_bias, int8_t* output) {
  const int32_t taps = g.kh * g.kw;
  if (g.groups <= 0 || g.out_c % g.groups != 0 || g.in_c != g.cg * g.groups) return false;
  if (taps <= 0 || taps > kPackMaxTaps || g.cg <= 0 || g.cg > kPackMaxChannels) return false;
  if (g.zi < -128 || g.zi > 127 || g.zw < -128 || g.zw > 127) return false;
  const int32_t ocg = g.out_c / g.groups;
  const PackedShape shape{g.groups, ocg, taps, g.cg};
  const int32_t pixels = g.out_h * g.out_w;
  static_assert(kPackMaxTaps <= kMaxSegments && kPackMaxChannels <= kZeroBuf, "stack buffers");
  alignas(64) int8_t zbuf[kZeroBuf];
  for (int32_t i = 0; i < g.cg; ++i) zbuf[i] = static_cast<int8_t>(g.zi);
  alignas(64) int32_t tmp[kRows][kNB + 16];
  const int8_t* aptr[kRows * kMaxSegments];
  int32_t row_off[kRows];
  BlockParams bp;

  for (int32_t n = 0; n < g.batches; ++n) {
    const int8_t* in_n = input + static_cast<int64_t>(n) * g.in_h * g.in_w * g.in_c;
    for (int32_t grp = 0; grp < g.groups; ++grp) {
      const int32_t ic0 = grp * g.cg;
      for (int32_t n0 = 0; n0 < ocg; n0 += kPackBlock) {
        const int32_t nb = ocg - n0 < kPackBlock ? ocg - n0 : kPackBlock;
        const int32_t nbw = PackedBlockWidth(shape, n0);
        const int32_t c0 = grp * ocg + n0;
        const int8_t* wblk = packed + PackedBlockOffset(shape, grp, n0);
        if (g.requant.count != 1 || c0 == 0) FillRequant(g.requant, c0, nb, &bp);
        FillBias(folded_bias, c0, nb, &bp);
        for (int32_t m0 = 0; m0 < pixels; m0 += kRows) {
          const int32_t mr = pixels - m0 < kRows ? pixels - m0 : kRows;
          // One division per block; the rows step through pixels.
          int32_t oy = m0 / g.out_w, ox = m0 - oy * g.out_w;
          for (int32_t i = 0; i < mr; ++i) {
            const int32_t iy0 = oy * g.stride_h - g.pad_top;
            const int32_t ix0 = ox * g.stride_w - g.pad_left;
            if (++ox == g.out_w) ox = 0, ++oy;
            const int8_t** a = aptr + i * taps;
            for (int32_t ky = 0; ky < g.kh; ++ky) {
              const int32_t iy = iy0 + ky * g.dil_h;
              for (int32_t kx = 0; kx < g.kw; ++kx) {
                const int32_t ix = ix0 + kx * g.dil_w;
                a[ky * g.kw + kx] =
                    iy >= 0 && iy < g.in_h && ix >= 0 && ix < g.in_w
                        ? in_n + (static_cast<int64_t>(iy) * g.in_w + ix) * g.in_c + ic0
                        : zbuf;
              }
            }
            // A weights zero point (fully connected only) leaves an activation term.
            row_off[i] = 0;
            if (g.zw != 0) {
              int32_t sx = 0;
              for (int32_t t = 0; t < taps; ++t)
                for (int32_t k = 0; k < g.cg; ++k) sx = WrapAdd(sx, a[t][k] - g.zi);
              row_off[i] = WrapMul(-g.zw, sx);
            }
          }
          TileRJ(mr, nbw / 16, aptr, taps, g.cg, wblk, nbw, &tmp[0][0], kNB + 16);
          for (int32_t i = 0; i < mr; ++i) {
            int8_t* out = output + (static_cast<int64_t>(n) * pixels + m0 + i) * g.out_c + c0;
            VnniEpilogue(tmp[i], nb, bp, row_off[i], g.zo, g.act_min, g.act_max, out);
          }
        }
      }
    }
  }
  return true;
}

// Pointwise convs (vnni_pointwise.h) on the packed blocks: every pixel streams past each.
bool RunPackedPointwise(const Geometry& g, const int8_t* input, const int8_t* packed,
                        const int32_t* folded_bias, int8_t* output) {
  if (!IsPointwise(g) || g.cg > kPackMaxChannels) return false;
  const PackedShape shape{1, g.out_c, 1, g.cg};
  const int32_t pixels = g.batches * g.out_h * g.out_w;
  BlockParams bp;
  for (int32_t n0 = 0; n0 < g.out_c; n0 += kPackBlock) {
    const int32_t nb = g.out_c - n0 < kPackBlock ? g.out_c - n0 : kPackBlock;
    if (g.requant.count != 1 || n0 == 0) FillRequant(g.requant, n0, nb, &bp);
    FillBias(folded_bias, n0, nb, &bp);
    PointwiseBlock(g, input, pixels, packed + PackedBlockOffset(shape, 0, n0),
                   int64_t{PackedBlockWidth(shape, n0)} * 4, bp, nb, output + n0);
  }
  return true;
}

}  // namespace

namespace vnni {

bool Conv2DPacked(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                  const Dims4& weights_dims, const int8_t* packed, const int32_t* folded_bias,
                  const Dims4& output_dims, int8_t* output) {
  const Geometry g = ConvGeometry(p, input_dims, weights_dims, output_dims);
  return RunPackedPointwise(g, input, packed, folded_bias, output) ||
         RunPacked(g, input, packed, folded_bias, output);
}

bool FullyConnectedPacked(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                          int32_t out_features, const int8_t* input, const int8_t* packed,
                          const int32_t* folded_bias, int8_t* output) {
  if (FullyConnectedPackedRows(p, batches, in_features, out_features, input, packed, folded_bias,
                               output)) {
    return true;
  }
  return RunPacked(FcGeometry(p, batches, in_features, out_features), input, packed,
                   folded_bias, output);
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
