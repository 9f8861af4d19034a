// Plain parameter structs shared by the reference kernels and their optimized twins.
// Every number here is an integer the converter precomputed; kernels never derive one.
#ifndef QINFER_KERNELS_TYPES_H_
#define QINFER_KERNELS_TYPES_H_

#include <cstdint>

namespace qinfer {
namespace kernels {

// NHWC activation dims, or [OC, KH, KW, IC] for conv weights.
struct Dims4 {
  int32_t n, h, w, c;
};

inline int64_t FlatSize(const Dims4& d) {
  return static_cast<int64_t>(d.n) * d.h * d.w * d.c;
}

// Requantization by an int32 multiplier and a shift (positive = left), per tensor
// (count == 1) or per output channel (count == number of output channels).
struct Requant {
  const int32_t* multiplier;
  const int32_t* shift;
  int32_t count;
};

inline int32_t RequantIndex(const Requant& r, int32_t channel) {
  return r.count == 1 ? 0 : channel;
}

struct ConvParams {
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_top, pad_left;  // bottom/right only shape the output; taps past the edge add 0
  int32_t groups;             // conv2d only; weights are [OC, KH, KW, IC / groups]
  int32_t depth_multiplier;   // depthwise only; weights are [1, KH, KW, IC * M]
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t act_min, act_max;
  Requant requant;
};

struct FullyConnectedParams {
  int32_t input_zero_point;
  int32_t weights_zero_point;  // 0 in TFLite's int8 spec; CMSIS-NN allows others
  int32_t output_zero_point;
  int32_t act_min, act_max;
  Requant requant;  // count 1 or OUT
};

// out = MBQM(MBQM((a - za) << L, m1, s1) +/- MBQM((b - zb) << L, m2, s2), mo, so) + zo
struct AddParams {
  int32_t input1_zero_point, input2_zero_point, output_zero_point;
  int32_t left_shift;
  int32_t input1_multiplier, input1_shift;
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
  bool subtract;  // SUB: the second scaled input is subtracted
};

struct MulParams {
  int32_t input1_zero_point, input2_zero_point, output_zero_point;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
};

struct PoolParams {
  int32_t filter_h, filter_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left;
  int32_t act_min, act_max;
};

// Mean over H and W of an NHWC tensor, sum = sum(x - zi) over H*W:
//   kFolded          out = MBQM(sum, m, s) + zo             (1/(H*W) folded into m and s)
//   kDivideHalfAway  out = RoundHalfAway(MBQM(sum, m, s) / (H*W)) + zo
//   kDivideTruncate  out = Trunc((sum + H*W*zi) / (H*W))    (needs zi == zo; m, s unused)
// The two divide modes reproduce TFLite's reference int8 Mean kernels, which round twice.
enum class MeanRounding : int32_t { kFolded = 0, kDivideHalfAway = 1, kDivideTruncate = 2 };

struct MeanParams {
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
  int32_t act_min, act_max;
  MeanRounding rounding;
};

// out = MBQM(x - zi, m, s) + zo, clamped to int8 (TFLite's int8 -> int8 QUANTIZE).
struct RequantizeParams {
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
};

struct SoftmaxParams {
  int32_t input_multiplier;
  int32_t input_left_shift;
  int32_t diff_min;
};

}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_TYPES_H_
