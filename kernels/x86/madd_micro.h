// The int16 multiply-add micro-kernel of the AVX2 and SSE4.1 paths (gemm_avx2.cc,
// gemm_sse41.cc), one loop nest for both vector widths: R rows x 2 output channels, int8
// sign-extended to int16 with the zero points subtracted ((x - zi) and (w - zw) fit in
// [-255, 255]), pmaddwd into int32. Include only from those files (each instance gets that
// file's -m flags; internal linkage, like driver.h).
//
// V supplies: Vec, kBytes (int8 values per step), Zero(), Set16(v), Load(p) (kBytes int8
// widened to int16), Sub16(a, b), MaddAdd(acc, x, w) (acc + pmaddwd(x, w)) and
// Store2(acc0, acc1, out) (the horizontal sums of acc0 and acc1 to out[0], out[1]).
#ifndef QINFER_KERNELS_X86_MADD_MICRO_H_
#define QINFER_KERNELS_X86_MADD_MICRO_H_

#include <cstdint>

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

// Raw sums of rows a[i * nseg + s] (segments of seglen bytes) against the 2 weight rows b[0],
// b[1] to out[i * ldo + 0..1].
template <class V, int R>
void MaddMicro(const int8_t* const* a, int32_t nseg, int32_t seglen, const int8_t* const* b,
               int32_t zi, int32_t zw, int32_t* out, int32_t ldo) {
  using Vec = typename V::Vec;
  constexpr int32_t kStep = V::kBytes;
  Vec acc[R][2];
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = V::Zero();
  const Vec vzi = V::Set16(zi), vzw = V::Set16(zw);
  const int32_t full = seglen & ~(kStep - 1);
  for (int32_t s = 0; s < nseg; ++s) {
    const int8_t* as[R];
    for (int i = 0; i < R; ++i) as[i] = a[i * nseg + s];
    const int64_t boff = static_cast<int64_t>(s) * seglen;
    const int8_t* b0 = b[0] + boff;
    const int8_t* b1 = b[1] + boff;
    for (int32_t k = 0; k < full; k += kStep) {
      const Vec w0 = V::Sub16(V::Load(b0 + k), vzw);
      const Vec w1 = V::Sub16(V::Load(b1 + k), vzw);
      for (int i = 0; i < R; ++i) {
        const Vec x = V::Sub16(V::Load(as[i] + k), vzi);
        acc[i][0] = V::MaddAdd(acc[i][0], x, w0);
        acc[i][1] = V::MaddAdd(acc[i][1], x, w1);
      }
    }
    if (full < seglen) {
      // Tail: x padded with zi (adds 0), w padded with zw.
      const int32_t rem = seglen - full;
      alignas(16) int8_t tw[2][kStep], tx[kStep];
      for (int32_t k = 0; k < kStep; ++k) {
        tw[0][k] = k < rem ? b0[full + k] : static_cast<int8_t>(zw);
        tw[1][k] = k < rem ? b1[full + k] : static_cast<int8_t>(zw);
      }
      const Vec w0 = V::Sub16(V::Load(tw[0]), vzw);
      const Vec w1 = V::Sub16(V::Load(tw[1]), vzw);
      for (int i = 0; i < R; ++i) {
        for (int32_t k = 0; k < kStep; ++k)
          tx[k] = k < rem ? as[i][full + k] : static_cast<int8_t>(zi);
        const Vec x = V::Sub16(V::Load(tx), vzi);
        acc[i][0] = V::MaddAdd(acc[i][0], x, w0);
        acc[i][1] = V::MaddAdd(acc[i][1], x, w1);
      }
    }
  }
  for (int i = 0; i < R; ++i) V::Store2(acc[i][0], acc[i][1], out + i * ldo);
}

}  // namespace
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_MADD_MICRO_H_
