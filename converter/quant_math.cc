#include "converter/quant_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qinfer {
namespace converter {

void QuantizeMultiplier(double m, int32_t* quantized, int32_t* shift) {
  if (!(m > 0.0) || !std::isfinite(m)) {
    *quantized = 0;
    *shift = 0;
    if (std::isinf(m) && m > 0) {
      *quantized = std::numeric_limits<int32_t>::max();
      *shift = 30;
    }
    return;
  }
  int exp = 0;
  const double q = std::frexp(m, &exp);  // q in [0.5, 1)
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  if (q_fixed == (int64_t{1} << 31)) {
    q_fixed /= 2;
    ++exp;
  }
  if (exp < -31) {
    exp = 0;
    q_fixed = 0;
  }
  if (exp > 30) {
    exp = 30;
    q_fixed = (int64_t{1} << 31) - 1;
  }
  *quantized = static_cast<int32_t>(q_fixed);
  *shift = exp;
}

void PreprocessSoftmaxScaling(double beta, double input_scale, int integer_bits,
                              int32_t* multiplier, int32_t* left_shift) {
  const double max_real_multiplier = static_cast<double>((int64_t{1} << 31) - 1);
  const double real = std::min(beta * input_scale * static_cast<double>(int64_t{1} << (31 - integer_bits)),
                               max_real_multiplier);
  int32_t q, s;
  QuantizeMultiplier(real, &q, &s);
  if (s < 0) {
    // Below 1.0 (input scales under 2^-26): TFLite's QuantizeMultiplierGreaterThanOne would
    // assert. Fold the right shift into the multiplier (loses low bits only).
    q = static_cast<int32_t>(std::round(q * std::ldexp(1.0, s)));
    s = 0;
  }
  *multiplier = q;
  *left_shift = std::min<int32_t>(s, 30);
}

int32_t CalculateInputRadius(int integer_bits, int left_shift, int total_signed_bits) {
  const double max_input_rescaled = 1.0 * ((1 << integer_bits) - 1) *
                                    static_cast<double>(int64_t{1} << (total_signed_bits - integer_bits)) /
                                    static_cast<double>(int64_t{1} << left_shift);
  return static_cast<int32_t>(std::floor(max_input_rescaled));
}

int32_t QuantizeValue(double x, double scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  if (std::isnan(x)) return std::clamp(zero_point, qmin, qmax);
  const double v = std::round(x / scale) + zero_point;
  if (v <= qmin) return qmin;
  if (v >= qmax) return qmax;
  return static_cast<int32_t>(v);
}

void ActivationRange(double lo, double hi, double scale, int32_t zero_point, int32_t* act_min,
                     int32_t* act_max) {
  *act_min = -128;
  *act_max = 127;
  if (std::isfinite(lo)) *act_min = std::max<int32_t>(-128, QuantizeValue(lo, scale, zero_point, -(1 << 30), 1 << 30));
  if (std::isfinite(hi)) *act_max = std::min<int32_t>(127, QuantizeValue(hi, scale, zero_point, -(1 << 30), 1 << 30));
  *act_min = std::min(*act_min, 127);
  *act_max = std::max(*act_max, *act_min);
}

double PowerOfTwoAtLeast(double s) {
  if (!(s > 0)) return s;
  return std::ldexp(1.0, static_cast<int>(std::ceil(std::log2(s) - 1e-12)));
}

void ChooseQuantParams(double lo, double hi, bool symmetric, bool power_of_two, float* scale,
                       int32_t* zero_point) {
  if (!std::isfinite(lo)) lo = 0;
  if (!std::isfinite(hi)) hi = 0;
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  const double kTiny = 1e-8;
  if (symmetric) {
    double s = std::max(std::fabs(lo), std::fabs(hi)) / 127.0;
    if (s < kTiny) s = kTiny;
    if (power_of_two) s = PowerOfTwoAtLeast(s);
    *scale = static_cast<float>(s);
    *zero_point = 0;
    return;
  }
  const double qmin = -128, qmax = 127;
  double s = (hi - lo) / (qmax - qmin);
  if (s < kTiny) s = kTiny;
  if (power_of_two) s = PowerOfTwoAtLeast(s);
  // Use the float scale exactly as it will be stored.
  s = static_cast<float>(s);
  const double zp_from_min = qmin - lo / s;
  const double zp_from_max = qmax - hi / s;
  const double err_min = std::fabs(qmin) + std::fabs(lo / s);
  const double err_max = std::fabs(qmax) + std::fabs(hi / s);
  const double zp = err_min < err_max ? zp_from_min : zp_from_max;
  int32_t nudged;
  if (zp <= qmin) nudged = -128;
  else if (zp >= qmax) nudged = 127;
  else nudged = static_cast<int32_t>(std::round(zp));
  *scale = static_cast<float>(s);
  *zero_point = nudged;
}

}  // namespace converter
}  // namespace qinfer
