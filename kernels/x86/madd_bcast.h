// The broadcast path of the AVX2 and SSE4.1 GEMMs (driver.h's kBroadcast), one loop nest for
// both vector widths. For small K (many rows, few dot-product steps per output) dot products
// along K would spend their time in horizontal reductions; here the channel block's weights
// are packed on the stack as [K/2][kNB][2] int16 and each row's activations, as int16 a + 128,
// are broadcast two at a time (one int32) against them: pmaddwd gives each int32 lane
// (a0 + 128) * w0 + (a1 + 128) * w1 for its channel, and the driver folds
// -(128 + zi) * sum(w) into the offsets. Products of [0, 255] x [-128, 127] fit the pair sum.
// Include only from gemm_avx2.cc / gemm_sse41.cc (their -m flags; internal linkage).
//
// V supplies: Vec, kLanes (int32 lanes), kBytes (int8 values Load widens), Zero(),
// Load(p) (kBytes int8 -> int16), LoadFlipped(p) (kBytes int8 a -> int16 a + 128),
// MaddAdd(acc, x, w), Bcast32(v), LoadAligned(p), Store(p, v), Sum(v) (of the int32 lanes).
#ifndef QINFER_KERNELS_X86_MADD_BCAST_H_
#define QINFER_KERNELS_X86_MADD_BCAST_H_

#include <cstdint>
#include <cstring>

#include "kernels/x86/driver.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

constexpr int32_t kBcastInt16K = kBcastK / 2;  // the int16 pack fills driver.h's wpack

template <class V>
struct MaddBcast {
  using Vec = typename V::Vec;
  static constexpr int32_t kRows = 4;
  static constexpr int32_t kTileCh = 2 * V::kLanes;  // channels per tile: two vectors

  // wpack[k / 2][kNB][2] int16, zero past nb (up to the next 16 channels) and past K;
  // wsum[j] = sum(w[j]). kBytes weights of a channel at a time become kBytes / 2 int32 pairs.
  static void PackW(const int8_t* w, int32_t ktot, int32_t nb, int8_t* wpack, int32_t* wsum) {
    int32_t* wp = reinterpret_cast<int32_t*>(wpack);  // one int16 pair per (k / 2, channel)
    const int32_t pairs = (ktot + 1) / 2, n16 = (nb + 15) / 16 * 16;
    Vec ones;
    {
      alignas(32) int8_t one[32];
      for (int8_t& v : one) v = 1;
      ones = V::Load(one);
    }
    for (int32_t j = 0; j < n16; ++j) {
      const int8_t* wj = w + static_cast<int64_t>(j) * ktot;
      Vec sum = V::Zero();
      alignas(32) int32_t v[V::kBytes / 2];
      for (int32_t k = 0; k < 2 * pairs; k += V::kBytes) {
        Vec x = V::Zero();
        if (j < nb) {
          if (k + V::kBytes <= ktot) {
            x = V::Load(wj + k);
          } else {
            alignas(32) int8_t t[V::kBytes] = {};
            for (int32_t i = 0; k + i < ktot; ++i) t[i] = wj[k + i];
            x = V::Load(t);
          }
        }
        sum = V::MaddAdd(sum, x, ones);
        V::Store(v, x);
        const int32_t n = 2 * pairs - k < V::kBytes ? (2 * pairs - k) / 2 : V::kBytes / 2;
        for (int32_t i = 0; i < n; ++i) wp[(k / 2 + i) * kNB + j] = v[i];
      }
      wsum[j] = V::Sum(sum);
    }
  }

  // R rows x kTileCh channels: apack rows of int16 a + 128, w the tile's first channel pair.
  template <int R>
  static void Tile(const int16_t (*apack)[kBcastInt16K + 2], int32_t pairs, const int32_t* w,
                   int32_t* out, int32_t ldo) {
    Vec acc[R][2];
    for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = V::Zero();
    for (int32_t q = 0; q < pairs; ++q) {
      const Vec w0 = V::LoadAligned(w + q * kNB), w1 = V::LoadAligned(w + q * kNB + V::kLanes);
      for (int i = 0; i < R; ++i) {
        int32_t pair;
        std::memcpy(&pair, apack[i] + 2 * q, 4);
        const Vec x = V::Bcast32(pair);
        acc[i][0] = V::MaddAdd(acc[i][0], x, w0);
        acc[i][1] = V::MaddAdd(acc[i][1], x, w1);
      }
    }
    for (int i = 0; i < R; ++i) {
      V::Store(out + i * ldo, acc[i][0]);
      V::Store(out + i * ldo + V::kLanes, acc[i][1]);
    }
  }

  // Raw sums of mr (<= kRows) rows of nseg segments x nb channels.
  static void Bcast(const int8_t* const* a, int32_t nseg, int32_t seglen, int32_t mr,
                    int32_t ktot, const int8_t* wpack, int32_t nb, int32_t* out, int32_t ldo) {
    alignas(32) int16_t apack[kRows][kBcastInt16K + 2];
    for (int32_t i = 0; i < mr; ++i) {
      int16_t* d = apack[i];
      for (int32_t s = 0; s < nseg; ++s, d += seglen) {
        const int8_t* src = a[i * nseg + s];
        int32_t k = 0;
        for (; k + V::kBytes <= seglen; k += V::kBytes) V::StoreInt16(d + k, V::LoadFlipped(src + k));
        for (; k < seglen; ++k) d[k] = static_cast<int16_t>(src[k] + 128);
      }
      apack[i][ktot] = 0;  // the odd K's last pair
    }
    const int32_t pairs = (ktot + 1) / 2;
    const int32_t* wp = reinterpret_cast<const int32_t*>(wpack);
    for (int32_t j0 = 0; j0 < nb; j0 += kTileCh) {
      switch (mr) {
        case 1: Tile<1>(apack, pairs, wp + j0, out + j0, ldo); break;
        case 2: Tile<2>(apack, pairs, wp + j0, out + j0, ldo); break;
        case 3: Tile<3>(apack, pairs, wp + j0, out + j0, ldo); break;
        default: Tile<4>(apack, pairs, wp + j0, out + j0, ldo); break;
      }
    }
  }
};

}  // namespace
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_MADD_BCAST_H_
