// TFLite's integer parameter derivations (the "Prepare" arithmetic of its int8 reference
// kernels), reproduced for the TFLite importer so that a .tflite model converted to qinfer
// computes the same bytes. Written for qinfer from the behaviour of TFLite's kernels (the
// default double-rounding build, TFLITE_SINGLE_ROUNDING off); no TFLite code is used.
//
// Every function that can meet a case TFLite itself would reject (a failed CHECK/ENSURE) or
// leave undefined (an int32 shift overflow) returns false with a reason instead.
#ifndef QINFER_CONVERTER_TFLITE_ARITH_H_
#define QINFER_CONVERTER_TFLITE_ARITH_H_

#include <cstdint>
#include <string>

namespace qinfer {
namespace converter {
namespace tfl_arith {

// QuantizeMultiplier: m = q * 2^(shift - 31). frexp, q rounded half away from zero; q == 2^31
// becomes 2^30 with shift + 1; shift < -31 flushes to q = 0, shift = 0; m == 0 gives 0 / 0.
// Negative m (LEAKY_RELU with a negative alpha) gives a negative q, as in TFLite. Returns
// false only for a non-finite m.
bool QuantizeMultiplier(double m, int32_t* quantized, int32_t* shift);

// MultiplyByQuantizedMultiplier (double rounding): RoundingDivideByPOT(
// SaturatingRoundingDoublingHighMul(x * 2^left, q), right). Returns false where TFLite's
// `x * (1 << left)` would overflow int32 or a shift is out of [0, 31).
bool MultiplyByQuantizedMultiplier(int32_t x, int32_t q, int32_t shift, int32_t* out);

// TFLite's fused activation codes (ActivationFunctionType in the file format).
enum class FusedActivation {
  kNone = 0,
  kRelu = 1,
  kReluN1To1 = 2,
  kRelu6 = 3,
  kTanh = 4,
  kSignBit = 5
};

// CalculateActivationRangeQuantized for int8: bounds zp + (int)round(f / scale) computed in
// float, as TFLite does, clamped to [-128, 127]. False for TANH / SIGN_BIT (not quantizable).
bool ActivationRangeInt8(int32_t activation, float scale, int32_t zero_point, int32_t* act_min,
                         int32_t* act_max);

// TFLite SAME / VALID geometry along one axis: output size, then the padding before and after
// (SAME puts the odd extra element after, i.e. at the bottom / right).
bool ComputePadding(bool same, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                    int32_t* out, int32_t* pad_before, int32_t* pad_after);

// Conv / depthwise / per-channel fully connected: double(in) * double(w) / double(out).
double ConvMultiplier(float input_scale, float filter_scale, float output_scale);
// Per-tensor fully connected: the scale product is taken in float first
// (GetQuantizedConvolutionMultipler), then divided in double.
double FullyConnectedMultiplier(float input_scale, float filter_scale, float output_scale);

// ADD / SUB (int8): left shift 20 and three multipliers, QuantizeMultiplierSmallerThanOneExp.
struct AddRescale {
  int32_t left_shift = 20;
  int32_t input1_multiplier = 0, input1_shift = 0;
  int32_t input2_multiplier = 0, input2_shift = 0;
  int32_t output_multiplier = 0, output_shift = 0;
};
bool AddParams(float input1_scale, float input2_scale, float output_scale, AddRescale* p,
               std::string* why);

// Softmax (int8 in, int8 out): PreprocessSoftmaxScaling(beta, input_scale, 5 integer bits)
// and diff_min = -CalculateInputRadius(5, left_shift, 31).
bool SoftmaxParams(float beta, float input_scale, int32_t* input_multiplier,
                   int32_t* input_left_shift, int32_t* diff_min, std::string* why);

// CalculateInputRadius(integer_bits, left_shift, total_signed_bits).
int64_t CalculateInputRadius(int32_t integer_bits, int32_t left_shift, int32_t total_signed_bits);

// 256-entry tables (index x + 128) reproducing TFLite's int8 kernels element for element.
// LOGISTIC / TANH: reference_integer_ops::Logistic / Tanh (input multiplier from frexp of
// input_scale * 2^27, gemmlowp fixed point with 4 integer bits). Outputs are fixed at
// scale 1/256, zero point -128 (logistic) and 1/128, 0 (tanh).
bool LogisticTable(float input_scale, int32_t input_zero_point, int8_t* table, std::string* why);
bool TanhTable(float input_scale, int32_t input_zero_point, int8_t* table, std::string* why);
// HARD_SWISH: reference_ops::HardSwish<int8_t> (int16 fixed point: hires input scale
// input_scale / 128, "reluish" scale 3/32768, multipliers scaled down to int16).
bool HardSwishTable(float input_scale, int32_t input_zero_point, float output_scale,
                    int32_t output_zero_point, int8_t* table, std::string* why);
// LEAKY_RELU: QuantizeLeakyRelu with the identity and alpha multipliers (float arithmetic
// for both real multipliers, as TFLite does).
bool LeakyReluTable(float input_scale, int32_t input_zero_point, float output_scale,
                    int32_t output_zero_point, float alpha, int8_t* table, std::string* why);
// RELU / RELU6 / RELU_N1_TO_1 (quantized ReluX): out = clamp(zo + MBQM(x - zi), lo, hi) with
// lo/hi = zo + roundf(bound / output_scale). `float_division` selects the real multiplier
// float(in / out) (TFLite's lite kernels) instead of double(in) / double(out) (TFLite Micro).
bool ReluTable(float input_scale, int32_t input_zero_point, float output_scale,
               int32_t output_zero_point, float lower, float upper, bool float_division,
               int8_t* table, std::string* why);
// QUANTIZE int8 -> int8 as a table: clamp(zo + MBQM(x - zi, QM(double(in)/double(out)))).
bool RequantizeTable(float input_scale, int32_t input_zero_point, float output_scale,
                     int32_t output_zero_point, int8_t* table, std::string* why);

// MEAN (int8) over `count` elements that qinfer's MEAN kernel sums as acc = sum(x - zi).
// TFLite's QuantizedMeanOrSum folds 1/count into QM(double(in)/double(out)) with an integer
// division of the multiplier; the result is exactly one MBQM, i.e. qinfer's MEAN.
bool MeanOrSumFoldedParams(float input_scale, float output_scale, int64_t count,
                           int32_t* multiplier, int32_t* shift, std::string* why);

// reference_integer_ops::Mean's per-output arithmetic (keep_dims, 4-D, axes {1, 2}):
// clamp(RoundHalfAway(MBQM(acc, m, s) / count) + zo). Returns false where MBQM overflows.
bool ReferenceIntegerMean(int32_t acc, int32_t m, int32_t s, int64_t count,
                          int32_t output_zero_point, int32_t* out);

}  // namespace tfl_arith
}  // namespace converter
}  // namespace qinfer

#endif  // QINFER_CONVERTER_TFLITE_ARITH_H_
