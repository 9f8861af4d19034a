// Float -> integer parameter derivations, following TFLite's quantization_util / kernel
// Prepare code. The only place scales turn into integers.
#ifndef QINFER_CONVERTER_QUANT_MATH_H_
#define QINFER_CONVERTER_QUANT_MATH_H_

#include <cstdint>

namespace qinfer {
namespace converter {

// TFLite QuantizeMultiplier: m = q * 2^(shift - 31), q in [2^30, 2^31) (frexp, rounded half
// away from zero; q == 2^31 becomes 2^30 with shift + 1); shift < -31 gives 0 / 0; a shift
// above 30 saturates to q = 2^31 - 1, shift 30. m <= 0 gives 0 / 0.
void QuantizeMultiplier(double m, int32_t* quantized, int32_t* shift);

// TFLite PreprocessSoftmaxScaling: multiplier/left shift for beta * input_scale in Q(31 -
// integer_bits) (integer_bits = 5 for int8 softmax). Left shift clamped to [0, 30].
void PreprocessSoftmaxScaling(double beta, double input_scale, int integer_bits,
                              int32_t* multiplier, int32_t* left_shift);
// TFLite CalculateInputRadius.
int32_t CalculateInputRadius(int integer_bits, int left_shift, int total_signed_bits = 31);

// TFLite CalculateActivationRangeQuantized generalized to a clamp [lo, hi] (infinities for
// none): max(qmin, zp + round(lo/scale)), min(qmax, zp + round(hi/scale)).
void ActivationRange(double lo, double hi, double scale, int32_t zero_point, int32_t* act_min,
                     int32_t* act_max);

// TFLite ChooseQuantizationParams for int8 [-128, 127] (range widened to include 0, zero
// point nudged to an integer). Symmetric: zero point 0, scale max|x| / 127. Power of two:
// the scale is rounded up to a power of two. A degenerate range gets a tiny positive scale.
void ChooseQuantParams(double lo, double hi, bool symmetric, bool power_of_two, float* scale,
                       int32_t* zero_point);

// round-half-away-from-zero of x / scale + zp, clamped to [qmin, qmax].
int32_t QuantizeValue(double x, double scale, int32_t zero_point, int32_t qmin, int32_t qmax);

// Rounds a positive scale up to a power of two.
double PowerOfTwoAtLeast(double s);

}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_QUANT_MATH_H_
