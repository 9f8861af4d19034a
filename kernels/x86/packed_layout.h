// The pre-packed weight layout of the AVX-512 VNNI conv / fully connected kernels (model
// target X86_AVX512VNNI), shared by the converter (packing), the verifier (sizes, contents)
// and the kernel (reading). Plain integer code: no intrinsics, builds on every target.
//
// A conv with G groups, OCG output channels per group, T = KH*KW taps and CG input channels
// per group (a fully connected op is G = 1, T = 1, CG = IN, OCG = OUT):
//   for each group, for each block of 64 output channels (the last block 16-rounded):
//     [T][CG4 / 4][NBW][4] bytes, CG4 = CG rounded up to 4, NBW = block width (16..64)
// so one 64-byte row holds 4 consecutive input channels of 16 output channels, the operand
// vpdpbusd reads against one broadcast group of 4 activation bytes. Padding bytes are 0.
// Total bytes: G * T * CG4 * round_up(OCG, 16).
#ifndef QINFER_KERNELS_X86_PACKED_LAYOUT_H_
#define QINFER_KERNELS_X86_PACKED_LAYOUT_H_

#include <cstdint>

namespace qinfer {
namespace kernels {
namespace x86 {

constexpr int32_t kPackBlock = 64;  // output channels per packed block
// Largest taps (KH*KW) and channels per group the packed kernel takes; the converter packs
// nothing beyond them (the op then runs on its generic weights).
constexpr int32_t kPackMaxTaps = 128;
constexpr int32_t kPackMaxChannels = 4096;

struct PackedShape {
  int32_t groups, ocg, taps, cg;
};

inline int32_t PackRoundUp(int32_t v, int32_t m) { return (v + m - 1) / m * m; }

inline int64_t PackedWeightsBytes(const PackedShape& s) {
  return int64_t{s.groups} * s.taps * PackRoundUp(s.cg, 4) * PackRoundUp(s.ocg, 16);
}

// Width of the block whose first output channel (within the group) is n0.
inline int32_t PackedBlockWidth(const PackedShape& s, int32_t n0) {
  const int32_t w = PackRoundUp(s.ocg - n0, 16);
  return w < kPackBlock ? w : kPackBlock;
}

// Byte offset of the block starting at channel n0 of group grp.
inline int64_t PackedBlockOffset(const PackedShape& s, int32_t grp, int32_t n0) {
  return (int64_t{grp} * PackRoundUp(s.ocg, 16) + n0) * s.taps * PackRoundUp(s.cg, 4);
}

// Calls f(packed_offset, generic_offset) for every packed byte in order; generic_offset is
// the index into the generic [G*OCG][T][CG] weights, or -1 for a padding byte.
template <class F>
void ForEachPackedByte(const PackedShape& s, F&& f) {
  const int32_t cq = PackRoundUp(s.cg, 4) / 4;
  int64_t at = 0;
  for (int32_t grp = 0; grp < s.groups; ++grp) {
    for (int32_t n0 = 0; n0 < s.ocg; n0 += kPackBlock) {
      const int32_t nbw = PackedBlockWidth(s, n0);
      for (int32_t t = 0; t < s.taps; ++t) {
        for (int32_t q = 0; q < cq; ++q) {
          for (int32_t j = 0; j < nbw; ++j) {
            for (int32_t r = 0; r < 4; ++r, ++at) {
              const int32_t o = n0 + j, c = q * 4 + r;
              const int64_t oc = int64_t{grp} * s.ocg + o;
              f(at, o < s.ocg && c < s.cg ? (oc * s.taps + t) * s.cg + c : int64_t{-1});
            }
          }
        }
      }
    }
  }
}

// *folded = bias[oc] (0 if bias is null) - (128 + zi) * sum of channel oc's weights, the
// correction for feeding activations to vpdpbusd as unsigned a + 128. False if it does not
// fit int32.
inline bool FoldedBias(const PackedShape& s, const int8_t* weights, const int32_t* bias,
                       int32_t input_zero_point, int32_t oc, int32_t* folded) {
  const int64_t k = int64_t{s.taps} * s.cg;
  int64_t sum = 0;
  for (int64_t i = 0; i < k; ++i) sum += weights[oc * k + i];
  const int64_t v = (bias != nullptr ? bias[oc] : 0) - (128 + int64_t{input_zero_point}) * sum;
  if (v < INT32_MIN || v > INT32_MAX) return false;
  *folded = static_cast<int32_t>(v);
  return true;
}

}  // namespace x86
}  // namespace kernels
}  // namespace qinfer

#endif  // QINFER_KERNELS_X86_PACKED_LAYOUT_H_
