// Reference int8 softmax (FORMAT.md 6.7): gemmlowp fixed point as in TFLite's
// reference_ops::Softmax int8 path, which TFLite Micro and CMSIS-NN match bit for bit.
// Output scale 1/256, zero point -128.
#include "kernels/fixedpoint.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace ref {
namespace {

// Scaled input differences carry 5 integer bits; the sum of exps carries 12, enough for
// 4096 terms of at most 1.0 each.
constexpr int kDiffIntegerBits = 5;
constexpr int kAccumIntegerBits = 12;
using FixedDiff = gemmlowp::FixedPoint<int32_t, kDiffIntegerBits>;
using FixedAccum = gemmlowp::FixedPoint<int32_t, kAccumIntegerBits>;
using Fixed0 = gemmlowp::FixedPoint<int32_t, 0>;

int32_t CountLeadingZeros(uint32_t v) {
  int32_t n = 0;
  for (uint32_t bit = 0x80000000u; bit != 0 && (v & bit) == 0; bit >>= 1) ++n;
  return n;
}

// exp(diff * beta) in Q0.31 for diff <= 0 within diff_min.
Fixed0 ExpOfDiff(const SoftmaxParams& p, int32_t diff) {
  const int32_t scaled = Srdhm(diff * (1 << p.input_left_shift), p.input_multiplier);
  return gemmlowp::exp_on_negative_values(FixedDiff::FromRaw(scaled));
}

}  // namespace

void Softmax(const SoftmaxParams& p, int32_t rows, int32_t depth, const int8_t* input,
             int8_t* output) {
  // An empty row has no maximum and a zero sum, which has no reciprocal.
  if (depth <= 0) return;
  for (int32_t row = 0; row < rows; ++row) {
    const int8_t* in = input + static_cast<int64_t>(row) * depth;
    int8_t* out = output + static_cast<int64_t>(row) * depth;

    int32_t max_in_row = -128;
    for (int32_t c = 0; c < depth; ++c) max_in_row = in[c] > max_in_row ? in[c] : max_in_row;

    FixedAccum sum = FixedAccum::Zero();
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - max_in_row;
      if (diff >= p.diff_min) {
        sum = sum + gemmlowp::Rescale<kAccumIntegerBits>(ExpOfDiff(p, diff));
      }
    }

    // 1/sum as a Q0.31 reciprocal of sum normalized to [1, 2), plus the exponent it dropped.
    const int32_t headroom = CountLeadingZeros(static_cast<uint32_t>(sum.raw()));
    const int32_t bits_over_unit = kAccumIntegerBits - headroom;
    const int32_t normalized_minus_one = static_cast<int32_t>(
        (static_cast<uint32_t>(sum.raw()) << headroom) - (static_cast<uint32_t>(1) << 31));
    const Fixed0 scale =
        gemmlowp::one_over_one_plus_x_for_x_in_0_1(Fixed0::FromRaw(normalized_minus_one));
    // Leaves the probability in units of 1/256.
    const int32_t out_shift = bits_over_unit + 31 - 8;

    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - max_in_row;
      if (diff >= p.diff_min) {
        // Past a shift of 31 every |x| < 2^31 rounds to 0: TFLite's shift would be undefined.
        const int32_t prob =
            out_shift > 31 ? 0 : Rdbp((scale * ExpOfDiff(p, diff)).raw(), out_shift);
        out[c] = static_cast<int8_t>(Clamp(prob - 128, -128, 127));
      } else {
        out[c] = -128;
      }
    }
  }
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
