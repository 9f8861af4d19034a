// int8 depthwise conv2d, 3x3 filter, stride 1 or 2 along one axis (any stride across it),
// dilation 1, any padding and depth multiplier, with the Cortex-M DSP extension. No arena
// scratch (a 264-byte stack line).
//
// Per output channel, outputs go in lines along the axis of the smaller stride (the "slide"
// axis; x when both are equal and the output is at least as wide as tall). Stride 1: along a
// line, input column
// j (the three input values across the line at slide position j, "rows" R0..R2) feeds three
// outputs: tap 2 of output j + pad - 2 (which it completes), tap 1 of the next and tap 0 of the
// one after. Rows R0 and R1 are packed into one halfword pair, so each column costs
//   3 loads (LDRSB) + PKHBT + pointer step, SMLAD + SMLABB per output fed, 1 store
// = 12 instructions for 9 MACs, written in asm with two rotating accumulators. The weights are
// the channel's nine, doubled, packed per line (rows outside the input get weight 0, and the
// pointers are arranged so every load stays inside the input tensor). Inputs are raw int8: the
// input zero point is folded into the accumulator's start, bias - zi * sum(weights used), and
// padded columns along the line, which carry zi, are added as constants zi * column weights.
// A second pass requantizes the line (kernels/arm/requant_dsp.h fast form on doubled
// accumulators; the reference's arithmetic when the call's bounds do not allow it).
// Stride 2 (MobileNet's downsampling layers): output o reads columns 2o - pad .. 2o - pad + 2;
// the last is the next output's first, so each output loads two new columns and keeps a third
// product (its tap 0 for the next output) in a carry: 17 instructions for 9 MACs. Outputs whose
// columns reach into the padding are summed in C.
#include "kernels/arm/dsp.h"

#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>

#include "kernels/arm/patch_window.h"
#include "kernels/arm/requant_dsp.h"
#include "kernels/fixedpoint.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace arm {
namespace {

// -Os builds keep one fast variant (both clamps), -O2 builds one per activation range.
#if defined(__OPTIMIZE_SIZE__)
constexpr bool kSmall = true;
#else
constexpr bool kSmall = false;
#endif

// For columns j = 0..n-1 (n >= 0) at p + j * slide, rows x_r = p[j * slide + r * cross]:
//   out[j] = A + (x0, x1) . (w00, w10)... (see Column below); the state (A, B) is read from and
// written back to state[0..1]. wts: Wv0, Wv1, Wv2 (rows 0 and 1 of filter taps 0, 1, 2 as
// halfword pairs), w2a (row 2 of taps 0 | 1 << 16), w2b (row 2 of tap 2).
extern "C" void qinfer_arm_dw3_line(const int8_t* p, int32_t slide, int32_t cross, int32_t n,
                                    int32_t* out, const int32_t* wts, int32_t* state);

// Loads the column at r0 (rows r0, r0 + r2, r0 + 2 r2): rows 0 and 1 as a halfword pair in lr,
// row 2 in r3; steps r0 by r1 to the next column.
#define QINFER_DW3_LOAD                    \
  "  ldrsb lr, [r0]\n"                     \
  "  ldrsb r3, [r0, r2]\n"                 \
  "  pkhbt lr, lr, r3, lsl #16\n"          \
  "  ldrsb r3, [r0, r2, lsl #1]\n"         \
  "  add r0, r0, r1\n"

// The line functions' entry: the filter operands in r5-r9 (wts), out in r4, the state pointer
// in r12, [sp] = n.
#define QINFER_DW3_ENTRY(NAME)                                   \
  "  .section .text." NAME ",\"ax\",%progbits\n"                \
  "  .global " NAME "\n"                                         \
  "  .type " NAME ", %function\n"                                \
  "  .syntax unified\n"                                          \
  "  .thumb\n"                                                   \
  "  .thumb_func\n"                                              \
  "  .p2align 2\n"                                               \
  NAME ":\n"                                                     \
  "  push {r3-r11, lr}\n"                                        \
  "  ldr r4, [sp, #40]\n"                                        \
  "  ldr r5, [sp, #44]\n"                                        \
  "  ldm r5, {r5-r9}\n"                                          \
  "  ldr r12, [sp, #48]\n"

// One column with accumulators A (completed and stored) and B; C (the new one) goes to A's
// register, so A and B swap roles from one column to the next.
#define QINFER_DW3_COLUMN(A, B)            \
  QINFER_DW3_LOAD                          \
  "  smlad " A ", lr, r7, " A "\n"         \
  "  smlabb " A ", r3, r9, " A "\n"        \
  "  str " A ", [r4], #4\n"                \
  "  smlad " B ", lr, r6, " B "\n"         \
  "  smlabt " B ", r3, r8, " B "\n"        \
  "  smuad " A ", lr, r5\n"                \
  "  smlabb " A ", r3, r8, " A "\n"

__asm__(
    QINFER_DW3_ENTRY("qinfer_arm_dw3_line")
    "  ldrd r10, r11, [r12]\n"       // A, B
    "  bic r3, r3, #1\n"
    "  add r12, r4, r3, lsl #2\n"    // end of the whole pairs of columns
    "  cmp r4, r12\n"
    "  beq 2f\n"
    "1:\n"
    QINFER_DW3_COLUMN("r10", "r11")
    QINFER_DW3_COLUMN("r11", "r10")
    "  cmp r4, r12\n"
    "  bne 1b\n"
    "2:\n"
    "  ldr r3, [sp]\n"
    "  tst r3, #1\n"
    "  beq 3f\n"
    QINFER_DW3_COLUMN("r10", "r11")
    "  mov r3, r10\n"
    "  mov r10, r11\n"
    "  mov r11, r3\n"
    "3:\n"
    "  ldr r12, [sp, #48]\n"
    "  strd r10, r11, [r12]\n"
    "  pop {r3-r11, pc}\n"
    "  .size qinfer_arm_dw3_line, . - qinfer_arm_dw3_line\n"
    "  .text\n");
#undef QINFER_DW3_COLUMN

// Stride 2: for outputs k = 0..n-1 (n >= 0), columns p + (2k + 1) * slide and p + (2k + 2) *
// slide (rows as above) give out[k] = carry + taps 1 and 2; the new carry is the second
// column's tap 0. *carry: in and out.
extern "C" void qinfer_arm_dw3s2_line(const int8_t* p, int32_t slide, int32_t cross, int32_t n,
                                      int32_t* out, const int32_t* wts, int32_t* carry);

// One output: A holds the carry and becomes the output; B gets the next carry.
#define QINFER_DW3S2_OUTPUT(A, B)          \
  QINFER_DW3_LOAD                          \
  "  smlad " A ", lr, r6, " A "\n"         \
  "  smlabt " A ", r3, r8, " A "\n"        \
  QINFER_DW3_LOAD                          \
  "  smlad " A ", lr, r7, " A "\n"         \
  "  smlabb " A ", r3, r9, " A "\n"        \
  "  str " A ", [r4], #4\n"                \
  "  smuad " B ", lr, r5\n"                \
  "  smlabb " B ", r3, r8, " B "\n"

__asm__(
    QINFER_DW3_ENTRY("qinfer_arm_dw3s2_line")
    "  ldr r10, [r12]\n"
    "  bic r3, r3, #1\n"
    "  add r12, r4, r3, lsl #2\n"    // end of the whole pairs of outputs
    "  cmp r4, r12\n"
    "  beq 2f\n"
    "1:\n"
    QINFER_DW3S2_OUTPUT("r10", "r11")
    QINFER_DW3S2_OUTPUT("r11", "r10")
    "  cmp r4, r12\n"
    "  bne 1b\n"
    "2:\n"
    "  ldr r3, [sp]\n"
    "  tst r3, #1\n"
    "  beq 3f\n"
    QINFER_DW3S2_OUTPUT("r10", "r11")
    "  mov r10, r11\n"
    "3:\n"
    "  ldr r12, [sp, #48]\n"
    "  str r10, [r12]\n"
    "  pop {r3-r11, pc}\n"
    "  .size qinfer_arm_dw3s2_line, . - qinfer_arm_dw3s2_line\n"
    "  .text\n");
#undef QINFER_DW3S2_OUTPUT
#undef QINFER_DW3_ENTRY
#undef QINFER_DW3_LOAD

constexpr int32_t kChunk = 64;  // columns per asm call (the line buffer)

inline int32_t Pack(int32_t lo, int32_t hi) {
  return static_cast<int32_t>((static_cast<uint32_t>(lo) & 0xFFFFu) | (static_cast<uint32_t>(hi) << 16));
}

struct Axis {              // one spatial axis of the call
  int32_t in, out;         // input / output length
  int32_t stride, pad;
  int32_t in_step;         // input bytes between neighbours along the axis
  int32_t out_step;        // output bytes between neighbours
  int32_t tap_step;        // weight index step between filter taps along the axis (x 3 ... )
};

struct Call {
  Axis slide, cross;
  const int8_t* input;     // batch n's input
  const int8_t* weights;
  const int32_t* bias;
  int8_t* output;          // batch n's output
  int32_t in_c, out_c, mult;
  int32_t zi;
  // requantization
  const Requant* rq;
  bool fast;
  int32_t zo, lo, hi, lo2, hi2;
};


enum Finish { kClampNone = 0, kClampLow = 1, kClampBoth = 2, kExact = 3 };

// The channel's constants: requantization and the filter.
struct Channel {
  int32_t oc, ic;
  int32_t m, shift, add, e;  // fast form: add = (2 zo + 1) << (e - 1)
  int32_t bias;              // scaled like the weights
  int32_t w[3][3];           // [cross tap][slide tap], doubled on the fast path
};

// Requantizes count accumulators (before `init`) to outputs step bytes apart.
template <int kFinish>
void Requantize(const Call& c, const Channel& ch, const int32_t* acc, int32_t count, int32_t init,
                int8_t* o, int32_t step) {
  if (kFinish == kExact) {
    for (int32_t i = 0; i < count; ++i, o += step) {
      const int32_t a = static_cast<int32_t>(static_cast<uint32_t>(acc[i]) + static_cast<uint32_t>(init));
      const int32_t v = MultiplyByQuantizedMultiplier(a, ch.m, ch.shift);
      *o = AddZeroPointAndClamp(v, c.zo, c.lo, c.hi);
    }
    return;
  }
  const int32_t m = ch.m, add = ch.add, e = ch.e;
  const int32_t lo2 = c.lo2, hi2 = c.hi2;
  for (int32_t i = 0; i < count; ++i, o += step) {
    const int32_t h = Smmulr(acc[i] + init, m);
    int32_t y = Ssat8((h + add - static_cast<int32_t>(static_cast<uint32_t>(h) >> 31)) >> e);
    if (kFinish == kClampLow || kFinish == kClampBoth) {
      int32_t t;
      __asm__("ssub16 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(t) : "r"(y), "r"(lo2) : "cc");
      y = t;
    }
    if (kFinish == kClampBoth) {
      int32_t t;
      __asm__("ssub16 %0, %2, %1\n\tsel %0, %1, %2" : "=&r"(t) : "r"(y), "r"(hi2) : "cc");
      y = t;
    }
    *o = static_cast<int8_t>(y);
  }
}

// The asm's per-line operands for one arrangement of rows R0..R2 (see Line).
struct LineWeights {
  int32_t w[3][3];  // [row][slide tap]
  int32_t wts[5];
  int32_t z[3];   // a padded column's contribution per slide tap: zi * column weight
  int32_t init;   // bias - zi * (sum of the weights used)
};

// tap[r]: the filter tap across the line that row r stands for (-1: none, weight 0).
LineWeights Arrange(const Call& c, const Channel& ch, const int32_t tap[3]) {
  LineWeights lw;
  int32_t(&w)[3][3] = lw.w;
  int32_t wsum = 0;
  for (int32_t r = 0; r < 3; ++r) {
    for (int32_t t = 0; t < 3; ++t) {
      w[r][t] = tap[r] < 0 ? 0 : ch.w[tap[r]][t];
      wsum += w[r][t];
    }
  }
  lw.wts[0] = Pack(w[0][0], w[1][0]);
  lw.wts[1] = Pack(w[0][1], w[1][1]);
  lw.wts[2] = Pack(w[0][2], w[1][2]);
  lw.wts[3] = Pack(w[2][0], w[2][1]);
  lw.wts[4] = w[2][2];
  for (int32_t t = 0; t < 3; ++t) lw.z[t] = c.zi * (w[0][t] + w[1][t] + w[2][t]);
  // Wraps like the reference's sums when the bias is near the int32 limits (exact path).
  lw.init = static_cast<int32_t>(static_cast<uint32_t>(ch.bias) - static_cast<uint32_t>(c.zi * wsum));
  return lw;
}

// A stride-2 line (arguments as Line's).
template <int kFinish>
void LineStride2(const Call& c, const Channel& ch, const LineWeights& lw, int32_t base, int32_t dir,
                 int8_t* out) {
  const Axis& s = c.slide;
  const int8_t* row0 = c.input + base * c.cross.in_step + ch.ic;
  const int32_t cross_step = dir * c.cross.in_step;
  // Column j's contribution as slide tap t; padded columns hold zi.
  auto column = [&](int32_t t, int32_t j) -> int32_t {
    if (j < 0 || j >= s.in) return lw.z[t];
    const int8_t* x = row0 + j * s.in_step;
    return lw.w[0][t] * x[0] + lw.w[1][t] * x[cross_step] + lw.w[2][t] * x[2 * cross_step];
  };
  // The asm's outputs [k_lo, k_hi): their two new columns inside the input (2k - pad + 1 >= 0,
  // 2k - pad + 2 < in); the first one's carry column may be padding.
  const int32_t k_lo = s.pad / 2;
  int32_t k_hi = s.in - 3 + s.pad >= 0 ? (s.in - 3 + s.pad) / 2 + 1 : 0;
  if (k_hi > s.out) k_hi = s.out;
  int32_t buf[kChunk];
  int32_t fill = 0;
  int8_t* o = out;
  auto flush = [&]() {
    Requantize<kFinish>(c, ch, buf, fill, lw.init, o, s.out_step);
    o += fill * s.out_step;
    fill = 0;
  };
  auto edge_output = [&](int32_t k) {
    if (fill == kChunk) flush();
    const int32_t j = 2 * k - s.pad;
    buf[fill++] = column(0, j) + column(1, j + 1) + column(2, j + 2);
  };
  int32_t k = 0;
  for (; k < k_lo && k < s.out; ++k) edge_output(k);
  if (k < k_hi) {
    int32_t carry = column(0, 2 * k - s.pad);
    while (k < k_hi) {
      if (fill == kChunk) flush();
      const int32_t n = k_hi - k < kChunk - fill ? k_hi - k : kChunk - fill;
      qinfer_arm_dw3s2_line(row0 + (2 * k - s.pad + 1) * s.in_step, s.in_step, cross_step, n, buf + fill,
                            lw.wts, &carry);
      fill += n;
      k += n;
    }
  }
  for (; k < s.out; ++k) edge_output(k);
  flush();
}

// One line of channel ch at cross position q, with the rows based at input index `base`
// across the line, `dir` apart (bytes: dir * cross.in_step).
template <int kFinish>
void Line(const Call& c, const Channel& ch, const LineWeights& lw, int32_t base, int32_t dir,
          int8_t* out) {
  if (c.slide.stride != 1) {
    LineStride2<kFinish>(c, ch, lw, base, dir, out);
    return;
  }
  const Axis& s = c.slide;
  const int8_t* row0 = c.input + base * c.cross.in_step + ch.ic;
  const int32_t cross_step = dir * c.cross.in_step;
  // Columns j from -pad to out + 1 - pad: column j completes output j + pad - 2, so the
  // first two completions (outputs -2, -1) are not outputs. Completions gather in `buf`.
  const int32_t j_end = s.out - s.pad + 2;
  const int32_t real_end = j_end < s.in ? j_end : s.in;
  int32_t state[2] = {0, 0};  // A, B for the next column
  int32_t buf[kChunk];
  int32_t fill = 0;    // completions in buf
  int32_t done = -2;   // output index of buf[0]
  int8_t* o = out;     // output of buf[0] once done >= 0
  auto flush = [&]() {
    const int32_t skip = done < 0 ? -done : 0;
    if (fill > skip) Requantize<kFinish>(c, ch, buf + skip, fill - skip, lw.init, o, s.out_step);
    o += (fill - skip) * s.out_step;
    done += fill;
    fill = 0;
  };
  auto pad_column = [&]() {
    if (fill == kChunk) flush();
    buf[fill++] = state[0] + lw.z[2];
    state[0] = state[1] + lw.z[1];
    state[1] = lw.z[0];
  };
  int32_t j = -s.pad;
  for (; j < 0 && j < j_end; ++j) pad_column();
  while (j < real_end) {
    if (fill == kChunk) flush();
    const int32_t n = real_end - j < kChunk - fill ? real_end - j : kChunk - fill;
    qinfer_arm_dw3_line(row0 + j * s.in_step, s.in_step, cross_step, n, buf + fill, lw.wts, state);
    fill += n;
    j += n;
  }
  for (; j < j_end; ++j) pad_column();
  flush();
}

template <int kFinish>
void Run(const Call& c, int32_t batches, int32_t in_batch, int32_t out_batch) {
  const Axis& s = c.slide;
  const Axis& x = c.cross;
  const int32_t scale = kFinish == kExact ? 1 : 2;
  Call b = c;
  for (int32_t oc = 0; oc < c.out_c; ++oc) {
    Channel ch;
    ch.oc = oc;
    ch.ic = oc / c.mult;
    const int32_t r = RequantIndex(*c.rq, oc);
    ch.m = c.rq->multiplier[r];
    ch.shift = c.rq->shift[r];
    const int32_t e1 = ~ch.shift;
    ch.add = kFinish == kExact ? 0 : static_cast<int32_t>(static_cast<uint32_t>(2 * c.zo + 1) << e1);
    ch.e = e1 + 1;
    ch.bias = c.bias != nullptr ? scale * c.bias[oc] : 0;
    for (int32_t tx = 0; tx < 3; ++tx) {
      for (int32_t ts = 0; ts < 3; ++ts) ch.w[tx][ts] = scale * c.weights[tx * x.tap_step + ts * s.tap_step + oc];
    }
    const int32_t all[3] = {0, 1, 2};
    const LineWeights inner = Arrange(c, ch, all);
    for (int32_t n = 0; n < batches; ++n) {
      b.input = c.input + n * in_batch;
      int8_t* out = c.output + n * out_batch + oc;
      for (int32_t q = 0; q < x.out; ++q, out += x.out_step) {
        // Filter taps across the line that land inside the input: [t_lo, t_hi). Rows R0..R2
        // of the asm get a base input index and a direction such that every row's index stays
        // inside the input.
        const int32_t i0 = q * x.stride - x.pad;  // input index of cross tap 0
        const TapRange inside = InsideTaps(i0, 3, x.in);
        const int32_t t_lo = inside.lo, t_hi = inside.hi;
        if (t_hi - t_lo == 3) {
          Line<kFinish>(b, ch, inner, i0, 1, out);
          continue;
        }
        int32_t tap[3] = {-1, -1, -1};
        int32_t base = 0, dir = 0;
        if (t_hi - t_lo == 2 && i0 + t_lo + 2 < x.in) {
          base = i0 + t_lo;
          dir = 1;
          tap[0] = t_lo;
          tap[1] = t_lo + 1;
        } else if (t_hi - t_lo == 2) {
          // i0 + t_hi - 3 >= 0 here: the input is at least 3 long (DepthwiseDspApplies).
          base = i0 + t_hi - 1;
          dir = -1;
          tap[0] = t_hi - 1;
          tap[1] = t_hi - 2;
        } else if (t_hi - t_lo == 1) {
          base = i0 + t_lo;
          tap[0] = t_lo;
        }
        Line<kFinish>(b, ch, Arrange(c, ch, tap), base, dir, out);
      }
    }
  }
}

// Lines run along the axis of the smaller stride; with equal strides, the output's longer one.
bool SlideAlongX(const ConvParams& p, const Dims4& output_dims) {
  if (p.stride_w != p.stride_h) return p.stride_w < p.stride_h;
  return output_dims.w >= output_dims.h;
}

}  // namespace

bool DepthwiseDspApplies(const ConvParams& p, const Dims4& input_dims, const Dims4& weights_dims,
                         const Dims4& output_dims) {
  if (weights_dims.h != 3 || weights_dims.w != 3 || p.dilation_h != 1 || p.dilation_w != 1) return false;
  const bool slide_x = SlideAlongX(p, output_dims);
  if ((slide_x ? p.stride_w : p.stride_h) > 2) return false;
  // Across the line, a two-long input whose both positions are used by one output has no
  // in-bounds three-row layout.
  const int32_t cross_in = slide_x ? input_dims.h : input_dims.w;
  return cross_in >= 3 || cross_in == 1;
}

// The kernel proper, for the shapes DepthwiseDspApplies() admits (its stack buffers are only
// taken then).
__attribute__((noinline)) static void DepthwiseDspRun(
    const ConvParams& p, const Dims4& input_dims, const int8_t* input, const Dims4& weights_dims,
    const int8_t* weights, const int32_t* bias, const Dims4& output_dims, int8_t* output) {
  (void)weights_dims;
  const int32_t in_c = input_dims.c, out_c = output_dims.c;
  Axis ax_x{input_dims.w, output_dims.w, p.stride_w, p.pad_left, in_c, out_c, out_c};
  Axis ax_y{input_dims.h, output_dims.h, p.stride_h, p.pad_top, input_dims.w * in_c,
            output_dims.w * out_c, 3 * out_c};
  const bool slide_x = SlideAlongX(p, output_dims);
  Call c;
  c.slide = slide_x ? ax_x : ax_y;
  c.cross = slide_x ? ax_y : ax_x;
  c.input = input;
  c.weights = weights;
  c.bias = bias;
  c.output = output;
  c.in_c = in_c;
  c.out_c = out_c;
  c.mult = p.depth_multiplier;
  c.zi = p.input_zero_point;
  c.rq = &p.requant;
  int64_t bias_max = 0;
  if (bias != nullptr) {
    for (int32_t n = 0; n < out_c; ++n) {
      const int64_t b = bias[n] < 0 ? -static_cast<int64_t>(bias[n]) : bias[n];
      if (b > bias_max) bias_max = b;
    }
  }
  // The fast form needs |acc| < 2^30 (then the doubled sums fit int32).
  c.fast = bias_max + 9 * 128 * 255 < (int64_t{1} << 30);
  for (int32_t r = 0; r < p.requant.count && c.fast; ++r) {
    c.fast = p.requant.multiplier[r] >= 0 && p.requant.shift[r] <= -1 && p.requant.shift[r] >= -22;
  }
  c.zo = p.output_zero_point;
  c.lo = p.act_min;
  c.hi = p.act_max;
  c.lo2 = Pack(p.act_min, p.act_min);
  c.hi2 = Pack(p.act_max, p.act_max);
  const int32_t in_batch = input_dims.h * input_dims.w * in_c;
  const int32_t out_batch = output_dims.h * output_dims.w * out_c;
  if (!c.fast) {
    Run<kExact>(c, input_dims.n, in_batch, out_batch);
  } else if (kSmall || c.hi < 127) {
    Run<kClampBoth>(c, input_dims.n, in_batch, out_batch);  // with the full range the clamps are no-ops
  } else if (c.lo > -128) {
    Run<kClampLow>(c, input_dims.n, in_batch, out_batch);
  } else {
    Run<kClampNone>(c, input_dims.n, in_batch, out_batch);
  }
}

void DepthwiseDsp(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
                  const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
                  const Dims4& output_dims, int8_t* output) {
  if (DepthwiseDspApplies(p, input_dims, weights_dims, output_dims)) {
    DepthwiseDspRun(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
  } else {
    ref::DepthwiseConv2D(p, input_dims, input, weights_dims, weights, bias, output_dims, output);
  }
}

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_DSP
