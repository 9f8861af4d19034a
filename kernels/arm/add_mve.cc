// int8 add / sub with Helium (MVE), Cortex-M55, for two inputs of the output's shape (other
// broadcasts: the DSP twin or the reference). No scratch.
//
// Four values per step in int32 lanes (VLDRB.S32), in one tail-predicated loop (DLSTP.32):
//   (x - z) << L  as  VSHL by L then VSUB z << L,
//   MBQM          as  VQRDMULH by the multiplier, then RDBP: the fixup h + ((h & s) >> 31) (the
//                     shift s is negative exactly when there is a right shift, so the AND keeps
//                     h's sign bit only then) and VRSHL by s (kernels/arm/mve.h);
//   sum or difference, the output MBQM the same way (output shift in [-31, -1]), + zo, clamp,
//   VSTRB.32 — 27 instructions per four values.
#include "kernels/arm/mve.h"

#if defined(__ARM_FEATURE_MVE)

#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace arm {
namespace {

struct AddArgs {
  const int8_t* a;      // 0
  const int8_t* b;      // 4
  int8_t* out;          // 8
  int32_t count;        // 12
  int32_t left;         // 16
  int32_t za_l, zb_l;   // 20, 24: zero points << left
  int32_t ma, sa;       // 28, 32
  int32_t mb, sb;       // 36, 40
  int32_t mo, so;       // 44, 48
  int32_t zo;           // 52
  int32_t lo, hi;       // 56, 60
  int32_t subtract;     // 64
};

extern "C" void qinfer_mve_add(const AddArgs* args);
// Registers in the loop: r0 a, r1 b, r2 out, r3 zo, r4 L, r5 za << L, r6 ma, r7 sa,
// r8 zb << L, r9 mb, r10 sb, r11 mo, r12 so, lr count; q0 a, q1 b, q2 temp, q3 = dup(sa),
// q4 = dup(sb), q5 lo, q6 hi.
#define QINFER_MVE_SCALE(Q, Z, M, S, QS)        \
  "  vshl.s32 " Q ", r4\n"                      \
  "  vsub.i32 " Q ", " Q ", " Z "\n"            \
  "  vqrdmulh.s32 " Q ", " Q ", " M "\n"        \
  "  vand q2, " Q ", " QS "\n"                  \
  "  vshr.s32 q2, q2, #31\n"                    \
  "  vadd.i32 " Q ", " Q ", q2\n"               \
  "  vrshl.s32 " Q ", " S "\n"
#define QINFER_MVE_ADD_LOOP(OP)                             \
  "  vldrb.s32 q0, [r0], #4\n"                              \
  "  vldrb.s32 q1, [r1], #4\n"                              \
  QINFER_MVE_SCALE("q0", "r5", "r6", "r7", "q3")            \
  QINFER_MVE_SCALE("q1", "r8", "r9", "r10", "q4")           \
  "  " OP " q0, q0, q1\n"                                   \
  "  vqrdmulh.s32 q0, q0, r11\n"                            \
  "  vshr.s32 q2, q0, #31\n"                                \
  "  vadd.i32 q0, q0, q2\n"                                 \
  "  vrshl.s32 q0, r12\n"                                   \
  "  vadd.i32 q0, q0, r3\n"                                 \
  "  vmax.s32 q0, q0, q5\n"                                 \
  "  vmin.s32 q0, q0, q6\n"                                 \
  "  vstrb.32 q0, [r2], #4\n"
__asm__(
    "  .section .text.qinfer_mve_add,\"ax\",%progbits\n"
    "  .global qinfer_mve_add\n"
    "  .type qinfer_mve_add, %function\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .thumb_func\n"
    "  .p2align 2\n"
    "qinfer_mve_add:\n"
    "  push {r4-r11, lr}\n"
    "  vpush {d8-d13}\n"
    "  mov r12, r0\n"
    "  ldr r1, [r12, #32]\n"
    "  vdup.32 q3, r1\n"
    "  ldr r1, [r12, #40]\n"
    "  vdup.32 q4, r1\n"
    "  ldr r1, [r12, #56]\n"
    "  vdup.32 q5, r1\n"
    "  ldr r1, [r12, #60]\n"
    "  vdup.32 q6, r1\n"
    "  ldr r4, [r12, #16]\n"   // L
    "  ldr r5, [r12, #20]\n"   // za << L
    "  ldr r6, [r12, #28]\n"   // ma
    "  ldr r7, [r12, #32]\n"   // sa
    "  ldr r8, [r12, #24]\n"   // zb << L
    "  ldr r9, [r12, #36]\n"   // mb
    "  ldr r10, [r12, #40]\n"  // sb
    "  ldr r11, [r12, #44]\n"  // mo
    "  ldr r3, [r12, #12]\n"   // count
    "  ldr r0, [r12, #64]\n"   // subtract
    "  cmp r0, #0\n"
    "  ldm r12, {r0, r1, r2}\n"
    "  dlstp.32 lr, r3\n"      // flags survive: DLSTP, LDM and LDR set none
    "  ldr r3, [r12, #52]\n"   // zo
    "  ldr r12, [r12, #48]\n"  // so
    "  bne 2f\n"
    "1:\n"
    QINFER_MVE_ADD_LOOP("vadd.i32")
    "  letp lr, 1b\n"
    "  b 3f\n"
    "2:\n"
    QINFER_MVE_ADD_LOOP("vsub.i32")
    "  letp lr, 2b\n"
    "3:\n"
    "  vpop {d8-d13}\n"
    "  pop {r4-r11, pc}\n"
    "  .size qinfer_mve_add, . - qinfer_mve_add\n"
    "  .text\n");
#undef QINFER_MVE_ADD_LOOP
#undef QINFER_MVE_SCALE

bool SameShape(const Dims4& a, const Dims4& b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

}  // namespace

bool AddMveApplies(const AddParams& p, const Dims4& input1_dims, const Dims4& input2_dims,
                   const Dims4& output_dims) {
  return SameShape(input1_dims, output_dims) && SameShape(input2_dims, output_dims) &&
         p.input1_multiplier >= 0 && p.input2_multiplier >= 0 && p.output_multiplier >= 0 &&
         p.input1_shift <= 0 && p.input1_shift >= -31 && p.input2_shift <= 0 &&
         p.input2_shift >= -31 && p.output_shift <= -1 && p.output_shift >= -31 &&
         p.left_shift >= 0 && p.left_shift <= 22;
}

void AddMve(const AddParams& p, const Dims4& input1_dims, const int8_t* input1,
            const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
            int8_t* output) {
  (void)input1_dims;
  (void)input2_dims;
  AddArgs a;
  a.a = input1;
  a.b = input2;
  a.out = output;
  a.count = static_cast<int32_t>(FlatSize(output_dims));
  a.left = p.left_shift;
  a.za_l = static_cast<int32_t>(static_cast<uint32_t>(p.input1_zero_point) << p.left_shift);
  a.zb_l = static_cast<int32_t>(static_cast<uint32_t>(p.input2_zero_point) << p.left_shift);
  a.ma = p.input1_multiplier;
  a.sa = p.input1_shift;
  a.mb = p.input2_multiplier;
  a.sb = p.input2_shift;
  a.mo = p.output_multiplier;
  a.so = p.output_shift;
  a.zo = p.output_zero_point;
  a.lo = p.act_min;
  a.hi = p.act_max;
  a.subtract = p.subtract ? 1 : 0;
  qinfer_mve_add(&a);
}

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_MVE
