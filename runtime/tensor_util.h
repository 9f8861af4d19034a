// Reading verified schema tensors as kernel dims. Only call on a verified model.
#ifndef QINFER_RUNTIME_TENSOR_UTIL_H_
#define QINFER_RUNTIME_TENSOR_UTIL_H_

#include <cstdint>

#include "kernels/types.h"
#include "schema/qinfer_generated.h"

namespace qinfer {

constexpr int32_t kMaxRank = 4;

inline int32_t Rank(const schema::Tensor* t) { return static_cast<int32_t>(t->shape()->size()); }

inline int32_t Dim(const schema::Tensor* t, int32_t d) { return t->shape()->Get(d); }

// The shape left-padded with 1s to 4-D, so a rank-2 [B, F] reads as [1, 1, B, F].
inline void PaddedDims(const schema::Tensor* t, int32_t out[kMaxRank]) {
  const int32_t rank = Rank(t);
  for (int32_t d = 0; d < kMaxRank; ++d) {
    out[d] = d < kMaxRank - rank ? 1 : t->shape()->Get(d - (kMaxRank - rank));
  }
}

inline kernels::Dims4 Dims4Of(const schema::Tensor* t) {
  int32_t d[kMaxRank];
  PaddedDims(t, d);
  return kernels::Dims4{d[0], d[1], d[2], d[3]};
}

inline int64_t ElementCount(const schema::Tensor* t) {
  int64_t n = 1;
  for (int32_t d = 0; d < Rank(t); ++d) n *= t->shape()->Get(d);
  return n;
}

inline int64_t ElementBytes(schema::DType dtype) {
  return dtype == schema::DType::INT32 ? 4 : 1;
}

}  // namespace qinfer

#endif  // QINFER_RUNTIME_TENSOR_UTIL_H_
