// int8 depthwise conv2d, 3x3 filter (any stride, dilation, padding, depth multiplier), with
// Helium (MVE), Cortex-M55. No arena scratch: a 1 KiB stack plane plus a 256-byte run buffer.
//
// Per output channel, the input channel's rows that a band of output rows reads are copied
// into a small "plane" (channel-major, strided gathers of 8 values per VLDRB.U16), with the
// padding written as the input zero point zi. In the plane every output pixel's nine taps are
// at fixed offsets below 256, so one 16-lane byte gather (offsets of taps 0..8; lanes 9..15
// repeat tap 0 against weight 0) and one VMLADAVA.S8 against the channel's weights compute
// its sum — 9 MACs in two instructions. Raw inputs: the accumulator starts at
// bias - zi * sum(w), and padded taps, which hold zi, contribute exactly 0. Runs of up to 64
// consecutive output pixels (OC bytes apart in NHWC) are then requantized four at a time as
// in kernels/arm/mve.h and scattered with VSTRB.32.
#include "kernels/arm/mve.h"

#if defined(__ARM_FEATURE_MVE)

#include <arm_mve.h>

#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace arm {
namespace {

constexpr int32_t kPlane = 1024;  // bytes of the per-channel plane
constexpr int32_t kRun = 64;      // accumulators gathered before requantization

struct Geometry {
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
  int32_t plane_w;  // plane columns: pad_left + in_w, widened to cover every tap
};

Geometry MakeGeometry(const ConvParams& p, const Dims4& in, const Dims4& out) {
  Geometry g;
  g.in_h = in.h;
  g.in_w = in.w;
  g.in_c = in.c;
  g.out_h = out.h;
  g.out_w = out.w;
  g.out_c = out.c;
  g.stride_h = p.stride_h;
  g.stride_w = p.stride_w;
  g.dil_h = p.dilation_h;
  g.dil_w = p.dilation_w;
  g.pad_top = p.pad_top;
  g.pad_left = p.pad_left;
  const int32_t need = (out.w - 1) * p.stride_w + 2 * p.dilation_w + 1;
  g.plane_w = p.pad_left + in.w > need ? p.pad_left + in.w : need;
  return g;
}

// Input rows one output row reads, and output rows per band of the plane.
int32_t BandRows(const Geometry& g) {
  const int32_t rows_in = (kPlane / g.plane_w - 2 * g.dil_h - 1);
  return rows_in < 0 ? 0 : rows_in / g.stride_h + 1;
}

inline void Fill(int8_t* dst, int32_t value, int32_t n) {
  if (n <= 0) return;
  __asm__ volatile(
      "vdup.8 q0, %[v]\n"
      "dlstp.8 lr, %[n]\n"
      "1:\n"
      "vstrb.8 q0, [%[d]], #16\n"
      "letp lr, 1b\n"
      : [d] "+r"(dst)
      : [n] "r"(n), [v] "r"(value)
      : "lr", "q0", "memory");
}

// dst[i] = src[i * stride], i < n (n >= 1; 7 * stride < 2^16): 8 values per gather.
inline void StridedCopy(int8_t* dst, const int8_t* src, int32_t stride, int32_t n, uint16x8_t offsets) {
  __asm__ volatile(
      "dlstp.16 lr, %[n]\n"
      "1:\n"
      "vldrb.u16 q0, [%[s], %q[o]]\n"
      "vstrb.16 q0, [%[d]], #8\n"
      "add %[s], %[s], %[step]\n"
      "letp lr, 1b\n"
      : [d] "+r"(dst), [s] "+r"(src)
      : [n] "r"(n), [o] "w"(offsets), [step] "r"(8 * stride)
      : "lr", "q0", "memory");
}

// For rows r < nr (>= 1) and columns i < nc (>= 1) of plane pixels:
//   acc[r * nc + i] = init + sum_t w[t] * x[r * pitch + i * step + offsets[t]].
inline void Sums(const int8_t* x, int32_t step, int32_t nc, int32_t pitch, int32_t nr, int32_t init,
                 uint8x16_t offsets, int8x16_t w, int32_t* acc) {
  register int32_t a asm("r0");
  const int8_t* row = x;
  __asm__ volatile(
      "2:\n"
      "mov %[x], %[row]\n"
      "dls lr, %[nc]\n"
      "1:\n"
      "vldrb.u8 q0, [%[x], %q[o]]\n"
      "mov %[a], %[init]\n"
      "vmladava.s8 %[a], q0, %q[w]\n"
      "add %[x], %[x], %[step]\n"
      "str %[a], [%[acc]], #4\n"
      "le lr, 1b\n"
      "add %[row], %[row], %[pitch]\n"
      "subs %[nr], %[nr], #1\n"
      "bne 2b\n"
      : [a] "=&r"(a), [x] "=&r"(x), [row] "+r"(row), [acc] "+r"(acc), [nr] "+r"(nr)
      : [nc] "r"(nc), [pitch] "r"(pitch), [init] "r"(init), [step] "r"(step), [o] "w"(offsets),
        [w] "w"(w)
      : "lr", "q0", "cc", "memory");
}

// Requantizes acc[0..count) of consecutive pixels (out_c bytes apart) of one channel.
inline void Flush(const int32_t* acc, int32_t count, int32_t m, int32_t s, int32_t zo, int32x4_t lo,
                  int32x4_t hi, int8_t* out, uint32x4_t offsets, int32_t out_c) {
  for (int32_t i = 0; i < count; i += 4, out += 4 * out_c) {
    int32x4_t v = vld1q_s32(acc + i);
    v = vqrdmulhq_n_s32(v, m);
    v = vaddq_s32(v, vshrq_n_s32(v, 31));
    v = vrshlq_n_s32(v, s);
    v = vaddq_n_s32(v, zo);
    v = vminq_s32(vmaxq_s32(v, lo), hi);
    if (count - i >= 4) {
      vstrbq_scatter_offset_s32(out, offsets, v);
    } else {
      vstrbq_scatter_offset_p_s32(out, offsets, v, vctp32q(static_cast<uint32_t>(count - i)));
    }
  }
}

}  // namespace

bool DepthwiseMveApplies(const ConvParams& p, const Dims4& input_dims, const Dims4& weights_dims,
                         const Dims4& output_dims, const int32_t* bias) {
  if (weights_dims.h != 3 || weights_dims.w != 3 || bias == nullptr) return false;
  for (int32_t i = 0; i < p.requant.count; ++i) {
    if (p.requant.multiplier[i] < 0 || p.requant.shift[i] > -1 || p.requant.shift[i] < -31) return false;
  }
  const Geometry g = MakeGeometry(p, input_dims, output_dims);
  // Tap offsets in the plane fit bytes, a band holds an output row, the copy's offsets fit
  // 16 bits.
  return 2 * g.dil_h * g.plane_w + 2 * g.dil_w <= 255 && BandRows(g) >= 1 && 7 * g.in_c < 0x10000;
}

void DepthwiseMve(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                  const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                  const Dims4& output_dims, int8_t* output) {
  (void)weights_dims;
  const Geometry g = MakeGeometry(p, input_dims, output_dims);
  const int32_t pw = g.plane_w;
  const int32_t oc_n = g.out_c;
  const int32_t zi = p.input_zero_point;
  const int32_t band = BandRows(g);
  alignas(16) int8_t plane[kPlane];
  int32_t acc[kRun];
  uint8_t tap_off[16] = {0};
  for (int32_t t = 0; t < 9; ++t) tap_off[t] = static_cast<uint8_t>((t / 3) * g.dil_h * pw + (t % 3) * g.dil_w);
  const uint8x16_t taps = vld1q_u8(tap_off);
  const uint16x8_t copy_offsets = vmulq_n_u16(vidupq_n_u16(0, 1), static_cast<uint16_t>(g.in_c));
  const uint32x4_t out_offsets = vmulq_n_u32(vidupq_n_u32(0, 1), static_cast<uint32_t>(oc_n));
  const int32x4_t lo = vdupq_n_s32(p.act_min), hi = vdupq_n_s32(p.act_max);
  const int32_t pixels = g.out_h * g.out_w;
  for (int32_t n = 0; n < input_dims.n; ++n) {
    const int8_t* in_n = input + n * g.in_h * g.in_w * g.in_c;
    int8_t* out_n = output + n * pixels * oc_n;
    for (int32_t oc = 0; oc < oc_n; ++oc) {
      const int32_t ic = oc / p.depth_multiplier;
      int8_t wl[16] = {0};
      int32_t wsum = 0;
      for (int32_t t = 0; t < 9; ++t) {
        wl[t] = weights[t * oc_n + oc];
        wsum += wl[t];
      }
      const int8x16_t wv = vld1q_s8(wl);
      const int32_t init = static_cast<int32_t>(static_cast<uint32_t>(bias[oc]) -
                                                static_cast<uint32_t>(zi) * static_cast<uint32_t>(wsum));
      const int32_t r = RequantIndex(p.requant, oc);
      const int32_t m = p.requant.multiplier[r];
      const int32_t s = p.requant.shift[r];
      int8_t* out = out_n + oc;
      int32_t fill = 0;
      for (int32_t oy0 = 0; oy0 < g.out_h; oy0 += band) {
        const int32_t oy1 = g.out_h - oy0 < band ? g.out_h : oy0 + band;
        // The plane: input rows iy0 .. iy0 + rows - 1, columns -pad_left .. pw - pad_left - 1.
        const int32_t iy0 = oy0 * g.stride_h - g.pad_top;
        const int32_t rows = (oy1 - 1 - oy0) * g.stride_h + 2 * g.dil_h + 1;
        Fill(plane, zi, rows * pw);
        for (int32_t i = 0; i < rows; ++i) {
          const int32_t iy = iy0 + i;
          if (iy < 0 || iy >= g.in_h) continue;
          StridedCopy(plane + i * pw + g.pad_left, in_n + iy * g.in_w * g.in_c + ic, g.in_c, g.in_w,
                      copy_offsets);
        }
        const int32_t pitch = g.stride_h * pw;
        if (g.out_w <= kRun) {
          // Whole output rows, as many as the run buffer holds.
          for (int32_t oy = oy0; oy < oy1;) {
            if (fill + g.out_w > kRun) {
              Flush(acc, fill, m, s, p.output_zero_point, lo, hi, out, out_offsets, oc_n);
              out += fill * oc_n;
              fill = 0;
            }
            int32_t nr = (kRun - fill) / g.out_w;
            if (nr > oy1 - oy) nr = oy1 - oy;
            Sums(plane + (oy - oy0) * pitch, g.stride_w, g.out_w, pitch, nr, init, taps, wv, acc + fill);
            fill += nr * g.out_w;
            oy += nr;
          }
          continue;
        }
        for (int32_t oy = oy0; oy < oy1; ++oy) {
          const int8_t* x = plane + (oy - oy0) * pitch;
          int32_t ox = 0;
          while (ox < g.out_w) {
            const int32_t run = g.out_w - ox < kRun - fill ? g.out_w - ox : kRun - fill;
            Sums(x + ox * g.stride_w, g.stride_w, run, pitch, 1, init, taps, wv, acc + fill);
            fill += run;
            ox += run;
            if (fill == kRun) {
              Flush(acc, fill, m, s, p.output_zero_point, lo, hi, out, out_offsets, oc_n);
              out += fill * oc_n;
              fill = 0;
            }
          }
        }
      }
      Flush(acc, fill, m, s, p.output_zero_point, lo, hi, out, out_offsets, oc_n);
    }
  }
}

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_MVE
