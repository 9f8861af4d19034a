#include "converter/tflite_arith.h"

#include <fixedpoint/fixedpoint.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/fixedpoint.h"

namespace qinfer {
namespace converter {
namespace tfl_arith {
namespace {

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

int32_t Clamp8(int64_t v) {
  return static_cast<int32_t>(std::min<int64_t>(127, std::max<int64_t>(-128, v)));
}

// TFLite's `zp + static_cast<int32_t>(TfLiteRound(f / scale))` with float operands; false if
// the rounded value does not fit int32 (TFLite refuses it).
bool QuantizeBound(float f, float scale, int32_t zero_point, int64_t* q) {
  const float ratio = f / scale;
  const float r = std::round(ratio);
  if (!std::isfinite(r) || r < -2147483648.0f || r > 2147483520.0f) return false;
  *q = static_cast<int64_t>(zero_point) + static_cast<int32_t>(r);
  return true;
}

// gemmlowp's 16-bit SQRDMULH and rounding shift, as TFLite's HardSwish uses them.
int16_t Srdhm16(int16_t a, int16_t b) { return gemmlowp::SaturatingRoundingDoublingHighMul(a, b); }

// TFLite's SaturatingLeftShift(int16, amount) and SaturatingDoublingHighMul(int16, int16)
// (rounds toward zero).
int16_t SaturatingLeftShift16(int16_t value, int amount) {
  int64_t result = static_cast<int64_t>(value) * (int64_t{1} << amount);
  result = std::min<int64_t>(result, std::numeric_limits<int16_t>::max());
  result = std::max<int64_t>(result, std::numeric_limits<int16_t>::min());
  return static_cast<int16_t>(result);
}

int16_t SaturatingDoublingHighMul16(int16_t a, int16_t b) {
  const bool overflow = a == b && a == std::numeric_limits<int16_t>::min();
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  const int16_t high = static_cast<int16_t>(ab / (1 << 15));
  return overflow ? std::numeric_limits<int16_t>::max() : high;
}

// DownScaleInt32ToInt16Multiplier: round the Q31 multiplier to Q15, saturating.
int16_t DownScaleMultiplier(int32_t m) {
  constexpr int32_t kRounding = 1 << 15;
  if (m >= std::numeric_limits<int32_t>::max() - kRounding)
    return std::numeric_limits<int16_t>::max();
  return static_cast<int16_t>((m + kRounding) >> 16);
}

// The input rescaling LOGISTIC and TANH share: frexp of input_scale * 2^27 (4 integer bits),
// the mantissa as a Q31 multiplier, the exponent as a left shift.
bool FixedPoint4Input(float input_scale, int32_t* multiplier, int32_t* left_shift, int64_t* radius,
                      std::string* why) {
  if (!(input_scale > 0) || !std::isfinite(input_scale)) {
    *why = "input scale must be positive";
    return false;
  }
  const double real = static_cast<double>(input_scale) * static_cast<double>(1 << 27);
  int exponent = 0;
  const double q = std::frexp(real, &exponent);
  const double q_fixed = std::round(q * static_cast<double>(int64_t{1} << 31));
  // A float scale has a 24-bit mantissa, so q * 2^31 is an integer below 2^31: TFLite's
  // unchecked int32 cast is exact.
  if (q_fixed >= 2147483648.0) {
    *why = "input multiplier rounds to 2^31";
    return false;
  }
  if (exponent < 0 || exponent > 62) {
    *why = "input scale out of the range TFLite's fixed-point input rescaling handles";
    return false;
  }
  *multiplier = static_cast<int32_t>(q_fixed);
  *left_shift = exponent;
  *radius = CalculateInputRadius(4, exponent, 31);
  return true;
}

}  // namespace

bool QuantizeMultiplier(double m, int32_t* quantized, int32_t* shift) {
  if (m == 0.0) {
    *quantized = 0;
    *shift = 0;
    return true;
  }
  if (!std::isfinite(m)) return false;
  int exponent = 0;
  const double q = std::frexp(m, &exponent);  // |q| in [0.5, 1)
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  if (q_fixed == (int64_t{1} << 31)) {
    q_fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) {
    exponent = 0;
    q_fixed = 0;
  }
  *quantized = static_cast<int32_t>(q_fixed);
  *shift = exponent;
  return true;
}

bool MultiplyByQuantizedMultiplier(int32_t x, int32_t q, int32_t shift, int32_t* out) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  if (left > 30 || right > 31) return false;
  const int64_t shifted = static_cast<int64_t>(x) * (int64_t{1} << left);
  if (shifted < kInt32Min || shifted > kInt32Max) return false;
  *out = gemmlowp::RoundingDivideByPOT(
      gemmlowp::SaturatingRoundingDoublingHighMul(static_cast<int32_t>(shifted), q), right);
  return true;
}

bool ActivationRangeInt8(int32_t activation, float scale, int32_t zero_point, int32_t* act_min,
                         int32_t* act_max) {
  int64_t lo = -128, hi = 127, q = 0;
  switch (static_cast<FusedActivation>(activation)) {
    case FusedActivation::kNone:
      break;
    case FusedActivation::kRelu:
      if (!QuantizeBound(0.0f, scale, zero_point, &q)) return false;
      lo = std::max<int64_t>(-128, q);
      break;
    case FusedActivation::kRelu6:
      if (!QuantizeBound(0.0f, scale, zero_point, &q)) return false;
      lo = std::max<int64_t>(-128, q);
      if (!QuantizeBound(6.0f, scale, zero_point, &q)) return false;
      hi = std::min<int64_t>(127, q);
      break;
    case FusedActivation::kReluN1To1:
      if (!QuantizeBound(-1.0f, scale, zero_point, &q)) return false;
      lo = std::max<int64_t>(-128, q);
      if (!QuantizeBound(1.0f, scale, zero_point, &q)) return false;
      hi = std::min<int64_t>(127, q);
      break;
    default:
      return false;
  }
  if (lo > 127 || hi < -128 || lo > hi) return false;
  *act_min = static_cast<int32_t>(lo);
  *act_max = static_cast<int32_t>(hi);
  return true;
}

bool ComputePadding(bool same, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                    int32_t* out, int32_t* pad_before, int32_t* pad_after) {
  if (in < 1 || filter < 1 || stride < 1 || dilation < 1) return false;
  const int64_t effective = static_cast<int64_t>(filter - 1) * dilation + 1;
  if (effective > (int64_t{1} << 30) || in > (1 << 30) || stride > (1 << 30)) return false;
  const int64_t o = same ? (static_cast<int64_t>(in) + stride - 1) / stride
                         : (static_cast<int64_t>(in) + stride - effective) / stride;
  if (o < 1) return false;
  int64_t total = (o - 1) * stride + effective - in;
  if (total < 0) total = 0;
  *out = static_cast<int32_t>(o);
  *pad_before = static_cast<int32_t>(total / 2);
  *pad_after = static_cast<int32_t>(total - total / 2);
  return true;
}

double ConvMultiplier(float input_scale, float filter_scale, float output_scale) {
  return static_cast<double>(input_scale) * static_cast<double>(filter_scale) /
         static_cast<double>(output_scale);
}

double FullyConnectedMultiplier(float input_scale, float filter_scale, float output_scale) {
  const float product = input_scale * filter_scale;
  return static_cast<double>(product) / static_cast<double>(output_scale);
}

bool AddParams(float input1_scale, float input2_scale, float output_scale, AddRescale* p,
               std::string* why) {
  p->left_shift = 20;
  const double twice_max = 2 * static_cast<double>(std::max(input1_scale, input2_scale));
  const double real1 = static_cast<double>(input1_scale) / twice_max;
  const double real2 = static_cast<double>(input2_scale) / twice_max;
  const double real_out =
      twice_max / (static_cast<double>(1 << p->left_shift) * static_cast<double>(output_scale));
  // QuantizeMultiplierSmallerThanOneExp: each real multiplier must lie in (0, 1).
  for (double r : {real1, real2, real_out}) {
    if (!(r > 0.0) || !(r < 1.0)) {
      *why = "a rescaling multiplier is outside (0, 1), which TFLite's int8 ADD/SUB refuses";
      return false;
    }
  }
  QuantizeMultiplier(real1, &p->input1_multiplier, &p->input1_shift);
  QuantizeMultiplier(real2, &p->input2_multiplier, &p->input2_shift);
  QuantizeMultiplier(real_out, &p->output_multiplier, &p->output_shift);
  if (p->input1_shift > 0 || p->input2_shift > 0 || p->output_shift > 0) {
    *why = "a rescaling multiplier rounds to 1";
    return false;
  }
  return true;
}

int64_t CalculateInputRadius(int32_t integer_bits, int32_t left_shift, int32_t total_signed_bits) {
  const double max_input_rescaled =
      1.0 * ((1 << integer_bits) - 1) *
      static_cast<double>(int64_t{1} << (total_signed_bits - integer_bits)) /
      static_cast<double>(int64_t{1} << left_shift);
  return static_cast<int64_t>(std::floor(max_input_rescaled));
}

bool SoftmaxParams(float beta, float input_scale, int32_t* input_multiplier,
                   int32_t* input_left_shift, int32_t* diff_min, std::string* why) {
  constexpr int kScaledDiffIntegerBits = 5;
  const double max_real = static_cast<double>((int64_t{1} << 31) - 1);
  const double real =
      std::min<double>(static_cast<double>(beta) * static_cast<double>(input_scale) *
                           static_cast<double>(1 << (31 - kScaledDiffIntegerBits)),
                       max_real);
  // QuantizeMultiplierGreaterThanOne: TFLite checks real > 1 and a non-negative shift.
  if (!(real > 1.0)) {
    *why = "beta * input_scale below 2^-26, which TFLite's int8 softmax refuses";
    return false;
  }
  int32_t shift = 0;
  QuantizeMultiplier(real, input_multiplier, &shift);
  if (shift < 0) {
    *why = "negative softmax input shift";
    return false;
  }
  // A left shift of 31 overflows `diff * (1 << 31)` in TFLite (undefined); it needs
  // beta * input_scale >= 16, where every output but the row maximum rounds to 0 anyway.
  if (shift > 30) {
    *why = "beta * input_scale >= 16: TFLite's softmax shift would overflow";
    return false;
  }
  *input_left_shift = shift;
  *diff_min = static_cast<int32_t>(
      -1.0 * static_cast<double>(CalculateInputRadius(kScaledDiffIntegerBits, shift, 31)));
  return true;
}

namespace {

// TFLite's int8 LOGISTIC and TANH tables: the input rescaled to Q4 fixed point with TFLite's
// multiplier, saturated outside +-radius, the gemmlowp function applied, and its Q0 result
// rounded to the output (`Q0ToInt8` differs: logistic's output zero point is -128, tanh's 0).
template <typename Function, typename Q0ToInt8>
bool Q4FunctionTable(float input_scale, int32_t input_zero_point, Function function,
                     Q0ToInt8 q0_to_int8, int8_t* table, std::string* why) {
  int32_t multiplier = 0, left_shift = 0;
  int64_t radius = 0;
  if (!FixedPoint4Input(input_scale, &multiplier, &left_shift, &radius, why)) return false;
  using F4 = gemmlowp::FixedPoint<int32_t, 4>;
  for (int32_t x = -128; x <= 127; ++x) {
    const int32_t input = x - input_zero_point;
    int32_t out;
    if (input <= -radius) {
      out = -128;
    } else if (input >= radius) {
      out = 127;
    } else {
      int32_t in_q4 = 0;
      if (!MultiplyByQuantizedMultiplier(input, multiplier, left_shift, &in_q4)) {
        *why = "input rescaling overflows";
        return false;
      }
      out = q0_to_int8(function(F4::FromRaw(in_q4)).raw());
    }
    table[x + 128] = static_cast<int8_t>(out);
  }
  return true;
}

}  // namespace

bool LogisticTable(float input_scale, int32_t input_zero_point, int8_t* table, std::string* why) {
  return Q4FunctionTable(
      input_scale, input_zero_point,
      [](gemmlowp::FixedPoint<int32_t, 4> v) { return gemmlowp::logistic(v); },
      [](int32_t q0) {
        return Clamp8(static_cast<int64_t>(gemmlowp::RoundingDivideByPOT(q0, 31 - 8)) - 128);
      },
      table, why);
}

bool TanhTable(float input_scale, int32_t input_zero_point, int8_t* table, std::string* why) {
  return Q4FunctionTable(
      input_scale, input_zero_point,
      [](gemmlowp::FixedPoint<int32_t, 4> v) { return gemmlowp::tanh(v); },
      [](int32_t q0) { return Clamp8(gemmlowp::RoundingDivideByPOT(q0, 31 - 7)); }, table, why);
}

bool HardSwishTable(float input_scale, int32_t input_zero_point, float output_scale,
                    int32_t output_zero_point, int8_t* table, std::string* why) {
  // The real multipliers are float expressions in TFLite's Prepare.
  const float hires_input_scale = (1.0f / 128.0f) * input_scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const float output_ratio = hires_input_scale / output_scale;
  const float reluish_ratio = hires_input_scale / reluish_scale;
  int32_t out_m32 = 0, out_exp = 0, rel_m32 = 0, rel_exp = 0;
  if (!QuantizeMultiplier(static_cast<double>(output_ratio), &out_m32, &out_exp) ||
      !QuantizeMultiplier(static_cast<double>(reluish_ratio), &rel_m32, &rel_exp) || out_m32 < 0 ||
      rel_m32 < 0) {
    *why = "invalid scales";
    return false;
  }
  if (out_exp > 0) {
    *why = "output multiplier above 1 (TFLite requires output_scale >= input_scale / 128)";
    return false;
  }
  if (-out_exp > 31 || rel_exp > 31 || -rel_exp > 31) {
    *why = "scales out of the range of TFLite's hard-swish fixed point";
    return false;
  }
  const int16_t out_m16 = DownScaleMultiplier(out_m32);
  const int16_t rel_m16 = DownScaleMultiplier(rel_m32);
  for (int32_t x = -128; x <= 127; ++x) {
    const int16_t input_value = static_cast<int16_t>(x - input_zero_point);
    const int16_t hires = static_cast<int16_t>(input_value * (1 << 7));
    const int16_t preshift_output = Srdhm16(hires, out_m16);
    int16_t reluish = hires;
    if (rel_exp > 0) reluish = SaturatingLeftShift16(reluish, rel_exp - 1);
    reluish = Srdhm16(reluish, rel_m16);
    if (rel_exp > 0) reluish = SaturatingLeftShift16(reluish, 1);
    if (rel_exp < 0) reluish = gemmlowp::RoundingDivideByPOT(reluish, -rel_exp);
    reluish = static_cast<int16_t>((reluish + (1 << 15)) >> 1);
    const int16_t preshift = SaturatingDoublingHighMul16(reluish, preshift_output);
    int16_t out = gemmlowp::RoundingDivideByPOT(preshift, -out_exp);
    // TFLite adds the zero point in int16 arithmetic, then clamps.
    out = static_cast<int16_t>(out + output_zero_point);
    table[x + 128] = static_cast<int8_t>(std::max<int16_t>(-128, std::min<int16_t>(127, out)));
  }
  return true;
}

bool LeakyReluTable(float input_scale, int32_t input_zero_point, float output_scale,
                    int32_t output_zero_point, float alpha, int8_t* table, std::string* why) {
  const float alpha_product = input_scale * alpha;
  const float alpha_ratio = alpha_product / output_scale;
  const float identity_ratio = input_scale / output_scale;
  int32_t ma = 0, sa = 0, mi = 0, si = 0;
  if (!QuantizeMultiplier(static_cast<double>(alpha_ratio), &ma, &sa) ||
      !QuantizeMultiplier(static_cast<double>(identity_ratio), &mi, &si)) {
    *why = "invalid scales or alpha";
    return false;
  }
  for (int32_t x = -128; x <= 127; ++x) {
    const int32_t v = x - input_zero_point;
    int32_t scaled = 0;
    const bool ok = v >= 0 ? MultiplyByQuantizedMultiplier(v, mi, si, &scaled)
                           : MultiplyByQuantizedMultiplier(v, ma, sa, &scaled);
    if (!ok) {
      *why = "rescaling overflows int32 (input scale far above output scale)";
      return false;
    }
    table[x + 128] = static_cast<int8_t>(Clamp8(static_cast<int64_t>(output_zero_point) + scaled));
  }
  return true;
}

bool ReluTable(float input_scale, int32_t input_zero_point, float output_scale,
               int32_t output_zero_point, float lower, float upper, bool float_division,
               int8_t* table, std::string* why) {
  const double real = float_division
                          ? static_cast<double>(input_scale / output_scale)
                          : static_cast<double>(input_scale) / static_cast<double>(output_scale);
  int32_t m = 0, s = 0;
  if (!QuantizeMultiplier(real, &m, &s)) {
    *why = "invalid scales";
    return false;
  }
  int64_t lo = -128, hi = 127, q = 0;
  if (!QuantizeBound(lower, output_scale, output_zero_point, &q)) {
    *why = "activation bound overflows";
    return false;
  }
  lo = std::max<int64_t>(lo, q);
  if (std::isfinite(upper)) {
    if (!QuantizeBound(upper, output_scale, output_zero_point, &q)) {
      *why = "activation bound overflows";
      return false;
    }
    hi = std::min<int64_t>(hi, q);
  }
  for (int32_t x = -128; x <= 127; ++x) {
    int32_t scaled = 0;
    if (!MultiplyByQuantizedMultiplier(x - input_zero_point, m, s, &scaled)) {
      *why = "rescaling overflows int32 (input scale far above output scale)";
      return false;
    }
    const int64_t v = static_cast<int64_t>(output_zero_point) + scaled;
    table[x + 128] = static_cast<int8_t>(std::min<int64_t>(hi, std::max<int64_t>(lo, v)));
  }
  return true;
}

bool RequantizeTable(float input_scale, int32_t input_zero_point, float output_scale,
                     int32_t output_zero_point, int8_t* table, std::string* why) {
  int32_t m = 0, s = 0;
  if (!QuantizeMultiplier(static_cast<double>(input_scale) / static_cast<double>(output_scale), &m,
                          &s)) {
    *why = "invalid scales";
    return false;
  }
  for (int32_t x = -128; x <= 127; ++x) {
    int32_t scaled = 0;
    if (!MultiplyByQuantizedMultiplier(x - input_zero_point, m, s, &scaled)) {
      *why = "rescaling overflows int32 (input scale far above output scale)";
      return false;
    }
    table[x + 128] = static_cast<int8_t>(Clamp8(static_cast<int64_t>(output_zero_point) + scaled));
  }
  return true;
}

bool MeanOrSumFoldedParams(float input_scale, float output_scale, int64_t count,
                           int32_t* multiplier, int32_t* shift, std::string* why) {
  if (count < 1) {
    *why = "empty reduction";
    return false;
  }
  int32_t m = 0, s = 0;
  if (!QuantizeMultiplier(static_cast<double>(input_scale) / static_cast<double>(output_scale), &m,
                          &s)) {
    *why = "invalid scales";
    return false;
  }
  int fold = 63 - __builtin_clzll(static_cast<unsigned long long>(count));
  fold = std::min(fold, 32);
  fold = std::min(fold, 31 + s);
  m = static_cast<int32_t>((static_cast<int64_t>(m) << fold) / count);
  s -= fold;
  if (s > 30) {
    *why = "output multiplier too large";
    return false;
  }
  *multiplier = m;
  *shift = s;
  return true;
}

bool ReferenceIntegerMean(int32_t acc, int32_t m, int32_t s, int64_t count,
                          int32_t output_zero_point, int32_t* out) {
  int32_t v = 0;
  if (!MultiplyByQuantizedMultiplier(acc, m, s, &v)) return false;
  const int64_t n = count;
  const int64_t divided = v > 0 ? (v + n / 2) / n : (v - n / 2) / n;
  *out = Clamp8(divided + output_zero_point);
  return true;
}

}  // namespace tfl_arith
}  // namespace converter
}  // namespace qinfer
