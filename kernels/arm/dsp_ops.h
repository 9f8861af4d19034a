// Small DSP-extension helpers the kernels/arm/*_dsp.cc kernels share.
#ifndef QINFER_KERNELS_ARM_DSP_OPS_H_
#define QINFER_KERNELS_ARM_DSP_OPS_H_

#if defined(__ARM_FEATURE_DSP)

#include <cstdint>
#include <cstring>

namespace qinfer {
namespace kernels {
namespace arm {

inline int32_t Load4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);  // one LDR: unaligned word loads are fine on ARMv7-M and later
  return v;
}

// gcc 12 does not fold a rotate into SXTB16/SXTAB16's "ror #8" operand: spell it out.
inline int32_t Sxtb16Ror8(int32_t v) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}

inline int32_t Sxtab16Ror8(int32_t a, int32_t v) {
  int32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(v));
  return r;
}

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_DSP

#endif  // QINFER_KERNELS_ARM_DSP_OPS_H_
