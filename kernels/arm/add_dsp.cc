// int8 add / sub with the Cortex-M DSP extension, for inputs of the output's shape or a single
// value (other broadcasts go to the reference). No scratch.
//
// The reference (kernels/reference/elementwise.cc) computes per element
//   sa = MBQM((a - za) << L, m1, s1), sb = MBQM((b - zb) << L, m2, s2),
//   out = clamp(MBQM(sa +/- sb, mo, so) + zo, lo, hi).
// Here every MBQM takes the fast form of kernels/arm/requant_dsp.h, exact when its argument is
// below 2^30 in magnitude: (a - za) << L is at most 255 * 2^22 < 2^30 (the verifier bounds L by
// 22, input shifts by 0), so SMMULR((a - za) << (L + 1), m) = SRDHM; the sum's bound is taken
// per call from the two inputs' extreme values (MBQM is monotonic in its argument), and the
// output stage needs it below 2^30 and a right shift of 1..22 (otherwise: the reference).
#include "kernels/arm/dsp.h"

#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>

#include "kernels/arm/requant_dsp.h"
#include "kernels/fixedpoint.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace arm {
namespace {

// -Os builds keep the variants with rounding right shifts and clamps (others go to the
// reference), -O2 builds one per case.
#if defined(__OPTIMIZE_SIZE__)
constexpr bool kSmall = true;
#else
constexpr bool kSmall = false;
#endif

struct Input {
  int32_t zl;      // za << (L + 1)
  int32_t m;
  int32_t round;   // 2^(e-1) (e = -shift), 0 when e == 0
  int32_t e;
};

// RDBP(SRDHM((x - z) << L, m), e) for int8 x; kRound: e >= 1.
template <bool kRound>
inline int32_t Scale(const Input& in, int32_t l1, int32_t x) {
  const int32_t h = Smmulr(static_cast<int32_t>(static_cast<uint32_t>(x) << l1) - in.zl, in.m);
  if (!kRound) return h;
  return (h + in.round - static_cast<int32_t>(static_cast<uint32_t>(h) >> 31)) >> in.e;
}

template <bool kRound1, bool kRound2, bool kSub, bool kClamp>
void Loop(const AddParams& p, const Input& i1, const Input& i2, int32_t l1, const int8_t* a,
          int32_t a_step, const int8_t* b, int32_t b_step, int32_t count, int8_t* out) {
  const int32_t mo = p.output_multiplier;
  const int32_t eo = -p.output_shift;
  const int32_t add = static_cast<int32_t>(static_cast<uint32_t>(2 * p.output_zero_point + 1) << (eo - 1));
  const int32_t lo = p.act_min, hi = p.act_max;
  // A single-value input: scaled once.
  const int32_t sa_const = a_step == 0 ? Scale<kRound1>(i1, l1, *a) : 0;
  const int32_t sb_const = b_step == 0 ? Scale<kRound2>(i2, l1, *b) : 0;
  for (int32_t n = 0; n < count; ++n) {
    const int32_t sa = a_step == 0 ? sa_const : Scale<kRound1>(i1, l1, a[n]);
    const int32_t sb = b_step == 0 ? sb_const : Scale<kRound2>(i2, l1, b[n]);
    const int32_t raw = kSub ? sa - sb : sa + sb;
    const int32_t h = Smmulr(raw * 2, mo);
    int32_t y = Ssat8((h + add - static_cast<int32_t>(static_cast<uint32_t>(h) >> 31)) >> eo);
    if (kClamp) y = y < lo ? lo : (y > hi ? hi : y);
    out[n] = static_cast<int8_t>(y);
  }
}

template <bool kRound1, bool kRound2>
void Dispatch(const AddParams& p, const Input& i1, const Input& i2, int32_t l1, const int8_t* a,
              int32_t a_step, const int8_t* b, int32_t b_step, int32_t count, int8_t* out) {
  const bool clamp = kSmall || p.act_min > -128 || p.act_max < 127;
  if (p.subtract) {
    if (clamp) {
      Loop<kRound1, kRound2, true, true>(p, i1, i2, l1, a, a_step, b, b_step, count, out);
    } else {
      Loop<kRound1, kRound2, true, false>(p, i1, i2, l1, a, a_step, b, b_step, count, out);
    }
  } else if (clamp) {
    Loop<kRound1, kRound2, false, true>(p, i1, i2, l1, a, a_step, b, b_step, count, out);
  } else {
    Loop<kRound1, kRound2, false, false>(p, i1, i2, l1, a, a_step, b, b_step, count, out);
  }
}

Input MakeInput(int32_t zero_point, int32_t left_shift, int32_t multiplier, int32_t shift) {
  Input in;
  in.zl = static_cast<int32_t>(static_cast<uint32_t>(zero_point) << (left_shift + 1));
  in.m = multiplier;
  in.e = -shift;
  in.round = in.e > 0 ? static_cast<int32_t>(1u << (in.e - 1)) : 0;
  return in;
}

// Largest |MBQM((x - z) << L, m, s)| over int8 x: at an end of the range (monotonic).
int64_t ScaledBound(int32_t z, int32_t left_shift, int32_t m, int32_t s) {
  int64_t best = 0;
  for (int32_t x : {-128, 127}) {
    const int32_t v = MultiplyByQuantizedMultiplier((x - z) * (1 << left_shift), m, s);
    const int64_t mag = v < 0 ? -static_cast<int64_t>(v) : v;
    if (mag > best) best = mag;
  }
  return best;
}

bool IsSingle(const Dims4& d) { return d.n == 1 && d.h == 1 && d.w == 1 && d.c == 1; }

bool SameShape(const Dims4& a, const Dims4& b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

}  // namespace

bool AddDspApplies(const AddParams& p, const Dims4& input1_dims, const Dims4& input2_dims,
                   const Dims4& output_dims) {
  if (!(SameShape(input1_dims, output_dims) || IsSingle(input1_dims)) ||
      !(SameShape(input2_dims, output_dims) || IsSingle(input2_dims))) {
    return false;
  }
  if (p.left_shift < 0 || p.left_shift > 22 || p.input1_shift > 0 || p.input2_shift > 0 ||
      p.input1_multiplier < 0 || p.input2_multiplier < 0 || p.output_multiplier < 0 ||
      p.output_shift > -1 || p.output_shift < -22) {
    return false;
  }
  if (kSmall && (p.input1_shift == 0 || p.input2_shift == 0)) return false;
  const int64_t bound = ScaledBound(p.input1_zero_point, p.left_shift, p.input1_multiplier, p.input1_shift) +
                        ScaledBound(p.input2_zero_point, p.left_shift, p.input2_multiplier, p.input2_shift);
  return bound < (int64_t{1} << 30);
}

void AddDsp(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
            const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
            int8_t* output) {
  const int32_t count = static_cast<int32_t>(FlatSize(output_dims));
  const int32_t a_step = IsSingle(input1_dims) && count != 1 ? 0 : 1;
  const int32_t b_step = IsSingle(input2_dims) && count != 1 ? 0 : 1;
  const Input i1 = MakeInput(p.input1_zero_point, p.left_shift, p.input1_multiplier, p.input1_shift);
  const Input i2 = MakeInput(p.input2_zero_point, p.left_shift, p.input2_multiplier, p.input2_shift);
  const int32_t l1 = p.left_shift + 1;
  if (kSmall || i1.e > 0) {
    if (kSmall || i2.e > 0) {
      Dispatch<true, true>(p, i1, i2, l1, input1, a_step, input2, b_step, count, output);
    } else {
      Dispatch<true, false>(p, i1, i2, l1, input1, a_step, input2, b_step, count, output);
    }
  } else if (i2.e > 0) {
    Dispatch<false, true>(p, i1, i2, l1, input1, a_step, input2, b_step, count, output);
  } else {
    Dispatch<false, false>(p, i1, i2, l1, input1, a_step, input2, b_step, count, output);
  }
}

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_DSP
