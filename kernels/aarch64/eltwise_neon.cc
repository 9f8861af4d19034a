// NEON add/sub: 16 elements per step in int32 lanes, the reference arithmetic
// (kernels/reference/elementwise.cc) lane by lane. The input's left shift and its rescale's
// left shift are one SSHL: both are shifts of a uint32, so together they are the sum of the
// two (>= 32 gives 0 either way). Handles inputs whose channel dim is not broadcast (rows of C
// contiguous bytes, reused along broadcast N/H/W dims); a broadcast channel dim goes to the
// reference. In place (output == an input) is safe: a row's last, overlapping step is
// computed before anything of the row is stored.
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "kernels/aarch64/internal.h"
#include "kernels/aarch64/requant.h"
#include "kernels/simd_support.h"

namespace qinfer {
namespace kernels {
namespace aarch64 {
namespace {

struct Rescale {
  int32x4_t mult, lshift, rshift;

  Rescale(int32_t multiplier, int32_t shift, int32_t extra_left)
      : mult(vdupq_n_s32(multiplier)),
        lshift(vdupq_n_s32((shift > 0 ? shift : 0) + extra_left)),
        rshift(vdupq_n_s32(shift > 0 ? 0 : shift)) {}

  int32x4_t operator()(int32x4_t x) const {
    return MultiplyByQuantizedMultiplier4(x, mult, lshift, rshift);
  }
};

template <bool kSubtract>
struct AddKernel {
  int8x16_t z1, z2;
  Rescale r1, r2, ro;
  int16x8_t zo, lo, hi;

  explicit AddKernel(const AddParams& p)
      : z1(vdupq_n_s8(static_cast<int8_t>(p.input1_zero_point))),
        z2(vdupq_n_s8(static_cast<int8_t>(p.input2_zero_point))),
        r1(p.input1_multiplier, p.input1_shift, p.left_shift),
        r2(p.input2_multiplier, p.input2_shift, p.left_shift),
        ro(p.output_multiplier, p.output_shift, 0),
        zo(vdupq_n_s16(static_cast<int16_t>(p.output_zero_point))),
        lo(vdupq_n_s16(static_cast<int16_t>(p.act_min))),
        hi(vdupq_n_s16(static_cast<int16_t>(p.act_max))) {}

  int32x4_t Lanes(int32x4_t a, int32x4_t b) const {
    const int32x4_t sa = r1(a), sb = r2(b);
    return ro(kSubtract ? vsubq_s32(sa, sb) : vaddq_s32(sa, sb));
  }

  // The outputs of 8 elements: saturating to int16 and adding the zero point with saturation
  // only moves values that the clamp to [act_min, act_max] sends to a bound anyway.
  int16x8_t Eight(int16x8_t a, int16x8_t b) const {
    const int32x4_t q0 = Lanes(vmovl_s16(vget_low_s16(a)), vmovl_s16(vget_low_s16(b)));
    const int32x4_t q1 = Lanes(vmovl_high_s16(a), vmovl_high_s16(b));
    const int16x8_t q = vqaddq_s16(vqmovn_high_s32(vqmovn_s32(q0), q1), zo);
    return vminq_s16(vmaxq_s16(q, lo), hi);
  }

  int8x16_t Sixteen(const int8_t* a, const int8_t* b) const {
    const int8x16_t va = vld1q_s8(a), vb = vld1q_s8(b);
    const int16x8_t e0 = Eight(vsubl_s8(vget_low_s8(va), vget_low_s8(z1)),
                               vsubl_s8(vget_low_s8(vb), vget_low_s8(z2)));
    const int16x8_t e1 = Eight(vsubl_high_s8(va, z1), vsubl_high_s8(vb, z2));
    return vmovn_high_s16(vmovn_s16(e0), e1);
  }

  void Row(const int8_t* a, const int8_t* b, int8_t* out, int64_t n) const {
    if (n < 16) {
      alignas(16) int8_t ta[16] = {}, tb[16] = {}, to[16];
      __builtin_memcpy(ta, a, static_cast<size_t>(n));
      __builtin_memcpy(tb, b, static_cast<size_t>(n));
      vst1q_s8(to, Sixteen(ta, tb));
      __builtin_memcpy(out, to, static_cast<size_t>(n));
      return;
    }
    const int64_t last = n - 16;
    const int8x16_t tail = Sixteen(a + last, b + last);  // read before any store of the row
    for (int64_t i = 0; i < last; i += 16) vst1q_s8(out + i, Sixteen(a + i, b + i));
    vst1q_s8(out + last, tail);
  }
};


// Element offset of output index (n, h, w) in an input broadcast along N, H or W.
int64_t RowOffset(const Dims4& d, int32_t n, int32_t h, int32_t w) {
  const int64_t nn = d.n == 1 ? 0 : n, hh = d.h == 1 ? 0 : h, ww = d.w == 1 ? 0 : w;
  return ((nn * d.h + hh) * d.w + ww) * d.c;
}

template <bool kSubtract>
void RunAdd(const AddParams& p, const Dims4& d1, const int8_t* in1, const Dims4& d2,
            const int8_t* in2, const Dims4& o, int8_t* output) {
  const AddKernel<kSubtract> k(p);
  if (FlatSize(d1) == FlatSize(o) && FlatSize(d2) == FlatSize(o)) {
    k.Row(in1, in2, output, FlatSize(o));
    return;
  }
  int8_t* out = output;
  for (int32_t n = 0; n < o.n; ++n) {
    for (int32_t h = 0; h < o.h; ++h) {
      for (int32_t w = 0; w < o.w; ++w, out += o.c) {
        k.Row(in1 + RowOffset(d1, n, h, w), in2 + RowOffset(d2, n, h, w), out, o.c);
      }
    }
  }
}

}  // namespace

namespace neon {

bool Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
         int8_t* output) {
  if (!simd::AddSupported(p, input1_dims, input2_dims, output_dims)) return false;
  // The input zero points are subtracted in int8 lanes (AddKernel::z1, z2).
  if (!simd::IsInt8(p.input1_zero_point) || !simd::IsInt8(p.input2_zero_point)) return false;
  if (p.subtract) {
    RunAdd<true>(p, input1_dims, input1, input2_dims, input2, output_dims, output);
  } else {
    RunAdd<false>(p, input1_dims, input1, input2_dims, input2, output_dims, output);
  }
  return true;
}

}  // namespace neon
}  // namespace aarch64
}  // namespace kernels
}  // namespace qinfer
