// Reference int8 add/sub and mul (FORMAT.md 6.4, 6.5) with 4-D NumPy broadcasting.
#include "kernels/fixedpoint.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace ref {
namespace {

// Element strides of an NHWC input read under broadcasting: a dim of size 1 is reused for
// every output index along it, so its stride is 0.
struct Strides {
  int64_t n, h, w, c;
};

Strides BroadcastStrides(const Dims4& d) {
  const int64_t sw = d.c;
  const int64_t sh = sw * d.w;
  const int64_t sn = sh * d.h;
  Strides s;
  s.n = d.n == 1 ? 0 : sn;
  s.h = d.h == 1 ? 0 : sh;
  s.w = d.w == 1 ? 0 : sw;
  s.c = d.c == 1 ? 0 : 1;
  return s;
}

inline int8_t AddOne(const AddParams& p, int32_t x1, int32_t x2) {
  const int32_t a = (x1 - p.input1_zero_point) * (1 << p.left_shift);
  const int32_t b = (x2 - p.input2_zero_point) * (1 << p.left_shift);
  const int32_t sa = MultiplyByQuantizedMultiplier(a, p.input1_multiplier, p.input1_shift);
  const int32_t sb = MultiplyByQuantizedMultiplier(b, p.input2_multiplier, p.input2_shift);
  const int32_t raw = p.subtract ? sa - sb : sa + sb;
  const int32_t scaled = MultiplyByQuantizedMultiplier(raw, p.output_multiplier, p.output_shift);
  return AddZeroPointAndClamp(scaled, p.output_zero_point, p.act_min, p.act_max);
}

inline int8_t MulOne(const MulParams& p, int32_t x1, int32_t x2) {
  const int32_t prod = (x1 - p.input1_zero_point) * (x2 - p.input2_zero_point);
  const int32_t scaled = MultiplyByQuantizedMultiplier(prod, p.output_multiplier, p.output_shift);
  return AddZeroPointAndClamp(scaled, p.output_zero_point, p.act_min, p.act_max);
}

// Applies `one(p, a, b)` (a lambda, so each op gets its own inlined loop) over the broadcast
// output, in NHWC order.
template <typename Params, typename One>
void BroadcastBinary(const Params& p, One one, const Dims4& input1_dims, const int8_t* input1,
                     const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
                     int8_t* output) {
  const Strides s1 = BroadcastStrides(input1_dims);
  const Strides s2 = BroadcastStrides(input2_dims);
  int8_t* out = output;
  for (int32_t n = 0; n < output_dims.n; ++n) {
    for (int32_t h = 0; h < output_dims.h; ++h) {
      for (int32_t w = 0; w < output_dims.w; ++w) {
        const int8_t* a = input1 + n * s1.n + h * s1.h + w * s1.w;
        const int8_t* b = input2 + n * s2.n + h * s2.h + w * s2.w;
        for (int32_t c = 0; c < output_dims.c; ++c) {
          *out++ = one(p, a[c * s1.c], b[c * s2.c]);
        }
      }
    }
  }
}

}  // namespace

void Add(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims, int8_t* output) {
  BroadcastBinary(
      p, [](const AddParams& q, int32_t a, int32_t b) { return AddOne(q, a, b); }, input1_dims,
      input1, input2_dims, input2, output_dims, output);
}

void Mul(const MulParams& p, const Dims4& input1_dims, const int8_t* input1,
         const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims, int8_t* output) {
  BroadcastBinary(
      p, [](const MulParams& q, int32_t a, int32_t b) { return MulOne(q, a, b); }, input1_dims,
      input1, input2_dims, input2, output_dims, output);
}

}  // namespace ref
}  // namespace kernels
}  // namespace qinfer
