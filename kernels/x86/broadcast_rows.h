// Elementwise binary ops over NHWC tensors with NumPy broadcasting, walked as rows of C
// channels: `row(a, b, out, channels)` runs once per output (n, h, w), with a and b pointing
// at the inputs' matching rows (a broadcast N/H/W dim reuses its row). Identical shapes run
// as one row. A broadcast channel dim (c == 1) is left to `row` (a and b then point at one
// value). Plain C++: shared by the per-ISA elementwise files.
#ifndef QINFER_KERNELS_X86_BROADCAST_ROWS_H_
#define QINFER_KERNELS_X86_BROADCAST_ROWS_H_

#include <cstdint>

#include "kernels/types.h"

namespace qinfer {
namespace kernels {
namespace x86 {

inline bool SameDims(const Dims4& a, const Dims4& b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

// Element offset of index (n, h, w) in an input broadcast to the output dims.
inline int64_t BroadcastOffset(const Dims4& d, int32_t n, int32_t h, int32_t w) {
  return ((static_cast<int64_t>(d.n == 1 ? 0 : n) * d.h + (d.h == 1 ? 0 : h)) * d.w +
          (d.w == 1 ? 0 : w)) * d.c;
}

template <class Row>
void ForEachBroadcastRow(const Dims4& d1, const int8_t* in1, const Dims4& d2, const int8_t* in2,
                         const Dims4& o, int8_t* out, Row row) {
  if (SameDims(d1, o) && SameDims(d2, o)) {
    row(in1, in2, out, FlatSize(o));
    return;
  }
  for (int32_t n = 0; n < o.n; ++n) {
    for (int32_t h = 0; h < o.h; ++h) {
      for (int32_t w = 0; w < o.w; ++w) {
        row(in1 + BroadcastOffset(d1, n, h, w), in2 + BroadcastOffset(d2, n, h, w), out, int64_t{o.c});
        out += o.c;
      }
    }
  }
}

}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_BROADCAST_ROWS_H_
