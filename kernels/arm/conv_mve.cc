// int8 conv2d and fully connected with Helium (MVE), Cortex-M55.
//
// Conv: output pixels in blocks of four. Each output channel runs one tail-predicated loop
// (DLSTP/LETP) over the depth K, 16 values per iteration: one weight vector, shared by the
// four pixels' input vectors, VMLADAVA (16 int8 MACs into a scalar) per pixel and VADDVA for
// the channel's weight sum — 11 instructions per 64 MACs. Inputs are raw int8; the input zero
// point enters once per output as - zi * sum(w), so padded taps, which the patch gatherer
// fills with zi, contribute exactly 0. The four accumulators then go through the vector
// requantization of kernels/arm/mve.h (12 instructions for four outputs, scattered to the
// output with VSTRB.32). Pointwise convolutions read the input pixels in place; others gather
// the four patches (rows of KW * IC contiguous bytes) into a stack buffer, in chunks of k with
// the accumulators on the stack when the patch is deeper than the buffer.
//
// Fully connected, batch rows one at a time: three output channels per loop (one input vector
// shared by three weight rows; VMLADAVA + VADDVA per row, 10 instructions per 48 MACs). Four
// or more batch rows take the conv path (a 1x1 conv over rows).
#include "kernels/arm/mve.h"

#if defined(__ARM_FEATURE_MVE)

#include <arm_mve.h>

#include "kernels/arm/patch_window.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace arm {
namespace {

constexpr int32_t kP = 4;       // pixels per block
constexpr int32_t kKC = 192;    // patch bytes per pixel in the gather buffer
constexpr int32_t kOCC = 16;    // channels per group when the patch is chunked

// Raw sums of four rows against one weight row over k values: a_p += sum x_p * w,
// ws += sum w. Every operand in a fixed register (VMLADAVA/VADDVA need even accumulator
// registers; fixing the rest keeps gcc's allocator out of trouble with 11 operands).
struct Dot4 {
  int32_t a[4];
  int32_t ws;
};

inline __attribute__((always_inline)) void Dot4Rows(Dot4& d, const int8_t* const x[4], const int8_t* w_in,
                                                    int32_t k) {
  register int32_t a0 asm("r0") = d.a[0];
  register int32_t a1 asm("r2") = d.a[1];
  register int32_t a2 asm("r4") = d.a[2];
  register int32_t a3 asm("r6") = d.a[3];
  register int32_t ws asm("r8") = d.ws;
  register const int8_t* x0 asm("r1") = x[0];
  register const int8_t* x1 asm("r3") = x[1];
  register const int8_t* x2 asm("r5") = x[2];
  register const int8_t* x3 asm("r9") = x[3];
  register const int8_t* w asm("r10") = w_in;
  register int32_t n asm("r11") = k;
  __asm__ volatile(
      "dlstp.8 lr, %[n]\n"
      "1:\n"
      "vldrb.8 q0, [%[w]], #16\n"
      "vldrb.8 q1, [%[x0]], #16\n"
      "vmladava.s8 %[a0], q1, q0\n"
      "vldrb.8 q1, [%[x1]], #16\n"
      "vmladava.s8 %[a1], q1, q0\n"
      "vldrb.8 q1, [%[x2]], #16\n"
      "vmladava.s8 %[a2], q1, q0\n"
      "vldrb.8 q1, [%[x3]], #16\n"
      "vmladava.s8 %[a3], q1, q0\n"
      "vaddva.s8 %[ws], q0\n"
      "letp lr, 1b\n"
      : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [ws] "+r"(ws), [x0] "+r"(x0),
        [x1] "+r"(x1), [x2] "+r"(x2), [x3] "+r"(x3), [w] "+r"(w)
      : [n] "r"(n)
      : "lr", "q0", "q1", "memory");
  d.a[0] = a0;
  d.a[1] = a1;
  d.a[2] = a2;
  d.a[3] = a3;
  d.ws = ws;
}

struct Requantizer {
  const int32_t* bias;
  const int32_t* mult;
  const int32_t* shift;
  int32_t rstep;  // 1 per channel, 0 per tensor
  int32_t zi, zo;
  int32x4_t lo, hi;
};

// Requantizes channel n's four accumulators (raw sums a_p, weight sum ws) and stores the first
// np (np == 4: unpredicated) to out + offsets.
inline __attribute__((always_inline)) void Finish4(const Requantizer& rq, int32_t n, int32_t a0,
                                                   int32_t a1, int32_t a2, int32_t a3, int32_t ws,
                                                   int8_t* out, uint32x4_t offsets, int32_t np) {
  const int32_t r = n * rq.rstep;
  const int32_t m = rq.mult[r];
  const int32_t s = rq.shift[r];
  const int32_t b = rq.bias[n] - rq.zi * ws;
  if (np == kP) {
    __asm__ volatile(
        "vmov q2[2], q2[0], %[a0], %[a2]\n"
        "vmov q2[3], q2[1], %[a1], %[a3]\n"
        "vadd.i32 q2, q2, %[b]\n"
        "vqrdmulh.s32 q2, q2, %[m]\n"
        "vshr.s32 q3, q2, #31\n"
        "vadd.i32 q2, q2, q3\n"
        "vrshl.s32 q2, %[s]\n"
        "vadd.i32 q2, q2, %[zo]\n"
        "vmax.s32 q2, q2, %q[lo]\n"
        "vmin.s32 q2, q2, %q[hi]\n"
        "vstrb.32 q2, [%[o], %q[off]]\n"
        :
        : [a0] "r"(a0), [a1] "r"(a1), [a2] "r"(a2), [a3] "r"(a3), [b] "r"(b), [m] "r"(m),
          [s] "r"(s), [zo] "r"(rq.zo), [lo] "w"(rq.lo), [hi] "w"(rq.hi), [o] "r"(out),
          [off] "w"(offsets)
        : "q2", "q3", "memory");
  } else {
    __asm__ volatile(
        "vmov q2[2], q2[0], %[a0], %[a2]\n"
        "vmov q2[3], q2[1], %[a1], %[a3]\n"
        "vadd.i32 q2, q2, %[b]\n"
        "vqrdmulh.s32 q2, q2, %[m]\n"
        "vshr.s32 q3, q2, #31\n"
        "vadd.i32 q2, q2, q3\n"
        "vrshl.s32 q2, %[s]\n"
        "vadd.i32 q2, q2, %[zo]\n"
        "vmax.s32 q2, q2, %q[lo]\n"
        "vmin.s32 q2, q2, %q[hi]\n"
        "vctp.32 %[np]\n"
        "vpst\n"
        "vstrbt.32 q2, [%[o], %q[off]]\n"
        :
        : [a0] "r"(a0), [a1] "r"(a1), [a2] "r"(a2), [a3] "r"(a3), [b] "r"(b), [m] "r"(m),
          [s] "r"(s), [zo] "r"(rq.zo), [lo] "w"(rq.lo), [hi] "w"(rq.hi), [o] "r"(out),
          [off] "w"(offsets), [np] "r"(np)
        : "q2", "q3", "memory");
  }
}

// The hot loop of the conv path, all in asm: channels of one block of four rows, each with
// its constants from a table built once per call (per group of kTable channels):
//   {bias - zi * sum(w), multiplier, shift, zo}
// 10 instructions per 16 values of k (no weight sum in the loop) + 25 per channel.
constexpr int32_t kTable = 32;

struct BlockArgs {
  const int8_t* x[4];       // 0
  const int8_t* w;          // 16: first channel's weight row (rows k apart)
  int32_t k;                // 20
  const int32_t* table;     // 24: 4 words per channel
  const int32_t* table_end; // 28
  int8_t* out;              // 32: first channel's output for row 0
  int32_t np;               // 36: rows stored (1..4)
  int32_t lo, hi;           // 40, 44
  int32_t out_step;         // 48: bytes between the rows' outputs
};

extern "C" void qinfer_mve_conv_block(const BlockArgs* args);
__asm__(
    "  .section .text.qinfer_mve_conv_block,\"ax\",%progbits\n"
    "  .global qinfer_mve_conv_block\n"
    "  .type qinfer_mve_conv_block, %function\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .thumb_func\n"
    "  .p2align 2\n"
    "qinfer_mve_conv_block:\n"
    "  push {r4-r11, lr}\n"
    "  vpush {d8-d13}\n"
    "  sub sp, sp, #24\n"             // [sp]: x0..x3, [sp + 16]: table_end
    "  ldm r0, {r1, r3, r5, r9}\n"
    "  stm sp, {r1, r3, r5, r9}\n"
    "  ldr r12, [r0, #16]\n"          // weight row
    "  ldr r7, [r0, #20]\n"           // k
    "  ldr r8, [r0, #24]\n"           // table
    "  ldr r1, [r0, #28]\n"
    "  str r1, [sp, #16]\n"
    "  ldr r11, [r0, #32]\n"          // out
    "  movs r2, #0\n"
    "  vidup.u32 q4, r2, #1\n"
    "  ldr r1, [r0, #48]\n"
    "  vmul.i32 q4, q4, r1\n"         // output offsets of the four rows
    "  ldr r1, [r0, #40]\n"
    "  vdup.32 q5, r1\n"
    "  ldr r1, [r0, #44]\n"
    "  vdup.32 q6, r1\n"
    "  ldr r1, [r0, #36]\n"
    "  vctp.32 r1\n"                  // P0: rows stored; nothing below writes VPR
    "1:\n"
    "  ldm sp, {r1, r3, r5, r9}\n"
    "  mov r10, r12\n"
    "  add r12, r12, r7\n"
    "  movs r0, #0\n"
    "  movs r2, #0\n"
    "  movs r4, #0\n"
    "  movs r6, #0\n"
    "  dlstp.8 lr, r7\n"
    "2:\n"
    "  vldrb.8 q0, [r10], #16\n"
    "  vldrb.8 q1, [r1], #16\n"
    "  vmladava.s8 r0, q1, q0\n"
    "  vldrb.8 q1, [r3], #16\n"
    "  vmladava.s8 r2, q1, q0\n"
    "  vldrb.8 q1, [r5], #16\n"
    "  vmladava.s8 r4, q1, q0\n"
    "  vldrb.8 q1, [r9], #16\n"
    "  vmladava.s8 r6, q1, q0\n"
    "  letp lr, 2b\n"
    "  ldm r8!, {r1, r3, r5, r9}\n"   // correction, multiplier, shift, zo
    "  vmov q2[2], q2[0], r0, r4\n"
    "  vmov q2[3], q2[1], r2, r6\n"
    "  vadd.i32 q2, q2, r1\n"
    "  vqrdmulh.s32 q2, q2, r3\n"
    "  vshr.s32 q3, q2, #31\n"
    "  vadd.i32 q2, q2, q3\n"
    "  vrshl.s32 q2, r5\n"
    "  vadd.i32 q2, q2, r9\n"
    "  vmax.s32 q2, q2, q5\n"
    "  vmin.s32 q2, q2, q6\n"
    "  vpst\n"
    "  vstrbt.32 q2, [r11, q4]\n"
    "  adds r11, r11, #1\n"
    "  ldr r1, [sp, #16]\n"
    "  cmp r8, r1\n"
    "  bne 1b\n"
    "  add sp, sp, #24\n"
    "  vpop {d8-d13}\n"
    "  pop {r4-r11, pc}\n"
    "  .size qinfer_mve_conv_block, . - qinfer_mve_conv_block\n"
    "  .text\n");

// sum of k int8 weights.
inline int32_t WeightSum(const int8_t* w, int32_t k) {
  register int32_t sum asm("r0") = 0;
  __asm__ volatile(
      "dlstp.8 lr, %[n]\n"
      "1:\n"
      "vldrb.8 q0, [%[w]], #16\n"
      "vaddva.s8 %[s], q0\n"
      "letp lr, 1b\n"
      : [s] "+r"(sum), [w] "+r"(w)
      : [n] "r"(k)
      : "lr", "q0", "memory");
  return sum;
}

// Table entries for channels [n0, n1).
void FillTable(const Requantizer& rq, const int8_t* weights, int32_t k, int32_t n0, int32_t n1,
               int32_t* table) {
  for (int32_t n = n0; n < n1; ++n, table += 4) {
    const int32_t r = n * rq.rstep;
    table[0] = static_cast<int32_t>(static_cast<uint32_t>(rq.bias[n]) -
                                    static_cast<uint32_t>(rq.zi) * static_cast<uint32_t>(WeightSum(weights + n * k, k)));
    table[1] = rq.mult[r];
    table[2] = rq.shift[r];
    table[3] = rq.zo;
  }
}

// Deep patches: the sums of channels [n0, n1) carried in acc between k chunks.
__attribute__((noinline)) void BlockChunk(const int8_t* const x[kP], const int8_t* weights,
                                          int32_t depth, int32_t k0, int32_t kc, int32_t n0,
                                          int32_t n1, Dot4* acc) {
  const int8_t* wrow = weights + n0 * depth + k0;
  for (int32_t n = n0; n < n1; ++n, wrow += depth) Dot4Rows(acc[n - n0], x, wrow, kc);
}

// Copies n bytes (any alignment), 16 per tail-predicated iteration.
inline void Copy(int8_t* dst, const int8_t* src, int32_t n) {
  __asm__ volatile(
      "dlstp.8 lr, %[n]\n"
      "1:\n"
      "vldrb.8 q0, [%[s]], #16\n"
      "vstrb.8 q0, [%[d]], #16\n"
      "letp lr, 1b\n"
      : [d] "+r"(dst), [s] "+r"(src)
      : [n] "r"(n)
      : "lr", "q0", "memory");
}

inline void Fill(int8_t* dst, int32_t value, int32_t n) {
  __asm__ volatile(
      "vdup.8 q0, %[v]\n"
      "dlstp.8 lr, %[n]\n"
      "1:\n"
      "vstrb.8 q0, [%[d]], #16\n"
      "letp lr, 1b\n"
      : [d] "+r"(dst)
      : [n] "r"(n), [v] "r"(value)
      : "lr", "q0", "memory");
}

struct Geometry {
  const int8_t* input;
  int32_t in_h, in_w, in_c;
  int32_t kh, kw;
  int32_t out_h, out_w;
  int32_t stride_h, stride_w, dilation_h, pad_top, pad_left;
  int32_t zi;
};

// Writes pixel `pixel`'s patch values k in [k0, k1) to dst (zi for taps in the padding).
void Gather(const Geometry& g, int32_t pixel, int32_t k0, int32_t k1, int8_t* dst) {
  const PixelPos at = PixelAt(pixel, g.out_h, g.out_w);
  const int32_t n = at.n, oy = at.oy;
  const int32_t row_k = g.kw * g.in_c;
  const int32_t ix0 = at.ox * g.stride_w - g.pad_left;
  const TapRange kx = InsideTaps(ix0, g.kw, g.in_w);
  auto put = [&](int32_t ka, int32_t kb, const int8_t* src) {
    const int32_t lo = ka < k0 ? k0 : ka;
    const int32_t hi = kb > k1 ? k1 : kb;
    if (lo >= hi) return;
    if (src == nullptr) {
      Fill(dst + (lo - k0), g.zi, hi - lo);
    } else {
      Copy(dst + (lo - k0), src + (lo - ka), hi - lo);
    }
  };
  for (int32_t ky = k0 / row_k; ky < g.kh; ++ky) {
    const int32_t ks = ky * row_k;
    if (ks >= k1) break;
    const int32_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) {
      put(ks, ks + row_k, nullptr);
      continue;
    }
    const int32_t a = ks + kx.lo * g.in_c;
    const int32_t b = ks + kx.hi * g.in_c;
    put(ks, a, nullptr);
    if (a < b) put(a, b, g.input + ((n * g.in_h + iy) * g.in_w + ix0 + kx.lo) * g.in_c);
    put(b, ks + row_k, nullptr);
  }
}

// Copies n <= 16 bytes: one predicated load and store.
inline void CopySmall(int8_t* dst, const int8_t* src, int32_t n) {
  const mve_pred16_t p = vctp8q(static_cast<uint32_t>(n));
  vstrbq_p_s8(dst, vldrbq_z_s8(src, p), p);
}

// The whole patch of `pixel` (Gather with k0 = 0, k1 = K), row by row.
void GatherPatch(const Geometry& g, int32_t pixel, int8_t* dst) {
  const PixelPos at = PixelAt(pixel, g.out_h, g.out_w);
  const int32_t n = at.n, oy = at.oy;
  const int32_t row_k = g.kw * g.in_c;
  const int32_t ix0 = at.ox * g.stride_w - g.pad_left;
  const TapRange kx = InsideTaps(ix0, g.kw, g.in_w);
  const int32_t a = kx.lo * g.in_c, b = kx.hi * g.in_c;
  const bool full = a == 0 && b == row_k;
  const int8_t* src = g.input + ((n * g.in_h + oy * g.stride_h - g.pad_top) * g.in_w + ix0) * g.in_c;
  const int32_t src_step = g.dilation_h * g.in_w * g.in_c;
  int32_t iy = oy * g.stride_h - g.pad_top;
  for (int32_t ky = 0; ky < g.kh; ++ky, iy += g.dilation_h, src += src_step, dst += row_k) {
    if (iy < 0 || iy >= g.in_h) {
      Fill(dst, g.zi, row_k);
    } else if (full && row_k <= 16) {
      CopySmall(dst, src, row_k);
    } else {
      if (a > 0) Fill(dst, g.zi, a);
      if (b > a) Copy(dst + a, src + a, b - a);
      if (row_k > b) Fill(dst + b, g.zi, row_k - b);
    }
  }
}

Requantizer MakeRequantizer(const Requant& r, const int32_t* bias, int32_t zi, int32_t zo,
                            int32_t lo, int32_t hi) {
  Requantizer rq;
  rq.bias = bias;
  rq.mult = r.multiplier;
  rq.shift = r.shift;
  rq.rstep = r.count == 1 ? 0 : 1;
  rq.zi = zi;
  rq.zo = zo;
  rq.lo = vdupq_n_s32(lo);
  rq.hi = vdupq_n_s32(hi);
  return rq;
}

bool RightShiftsOnly(const Requant& r) {
  for (int32_t i = 0; i < r.count; ++i) {
    if (r.multiplier[i] < 0 || r.shift[i] > -1 || r.shift[i] < -31) return false;
  }
  return true;
}

uint32x4_t Strided(int32_t step) {
  return vmulq_n_u32(vidupq_n_u32(0, 1), static_cast<uint32_t>(step));
}

// Blocks of four rows through qinfer_mve_conv_block, channels in groups of kTable. row(i)
// gives row i's k values (called for each block of each channel group).
template <typename RowFn>
__attribute__((noinline)) void Rows(const Requantizer& rq, int32_t lo, int32_t hi, int32_t rows, const int8_t* weights,
          int32_t k, int32_t out_c, int8_t* output, RowFn row) {
  alignas(8) int32_t table[kTable * 4];
  BlockArgs a;
  a.k = k;
  a.lo = lo;
  a.hi = hi;
  a.out_step = out_c;
  for (int32_t n0 = 0; n0 < out_c; n0 += kTable) {
    const int32_t n1 = out_c - n0 < kTable ? out_c : n0 + kTable;
    FillTable(rq, weights, k, n0, n1, table);
    a.table = table;
    a.table_end = table + (n1 - n0) * 4;
    for (int32_t r0 = 0; r0 < rows; r0 += kP) {
      a.np = rows - r0 < kP ? rows - r0 : kP;
      for (int32_t q = 0; q < kP; ++q) a.x[q] = row(r0 + (q < a.np ? q : 0), q);
      a.w = weights + n0 * k;
      a.out = output + r0 * out_c + n0;
      qinfer_mve_conv_block(&a);
    }
  }
}

// Patches of at most kKC values: each pixel's patch is gathered when its block comes up (once
// per channel group). Separate frames: the stack holds one path's buffers.
__attribute__((noinline)) void ConvShallow(const Requantizer& rq, const Geometry& g, int32_t pixels,
                                           const int8_t* weights, int32_t depth, int32_t out_c,
                                           int32_t lo, int32_t hi, int8_t* output) {
  int8_t buf[kP][kKC];
  Rows(rq, lo, hi, pixels, weights, depth, out_c, output, [&](int32_t i, int32_t q) {
    GatherPatch(g, i, buf[q]);
    return static_cast<const int8_t*>(buf[q]);
  });
}

// Deeper patches: chunks of k, channel groups of kOCC with their sums on the stack.
__attribute__((noinline)) void ConvDeep(const Requantizer& rq, const Geometry& g, int32_t pixels,
                                        const int8_t* weights, int32_t depth, int32_t out_c,
                                        int8_t* output) {
  const uint32x4_t offsets = Strided(out_c);
  int8_t buf[kP][kKC];
  const int8_t* x[kP] = {buf[0], buf[1], buf[2], buf[3]};
  Dot4 acc[kOCC];
  const int32_t chunks = (depth + kKC - 1) / kKC;
  const int32_t chunk = ((depth + chunks - 1) / chunks + 15) & ~15;
  for (int32_t blk = 0; blk < pixels; blk += kP) {
    const int32_t np = pixels - blk < kP ? pixels - blk : kP;
    for (int32_t n0 = 0; n0 < out_c; n0 += kOCC) {
      const int32_t n1 = out_c - n0 < kOCC ? out_c : n0 + kOCC;
      for (int32_t j = 0; j < n1 - n0; ++j) acc[j] = Dot4{{0, 0, 0, 0}, 0};
      for (int32_t k0 = 0; k0 < depth; k0 += chunk) {
        const int32_t k1 = depth - k0 < chunk ? depth : k0 + chunk;
        for (int32_t q = 0; q < np; ++q) Gather(g, blk + q, k0, k1, buf[q]);
        BlockChunk(x, weights, depth, k0, k1 - k0, n0, n1, acc);
      }
      for (int32_t n = n0; n < n1; ++n) {
        const Dot4& s = acc[n - n0];
        Finish4(rq, n, s.a[0], s.a[1], s.a[2], s.a[3], s.ws, output + blk * out_c + n, offsets, np);
      }
    }
  }
}

}  // namespace

bool ConvMveApplies(const ConvParams& p, const Dims4& input_dims, const Dims4& weights_dims,
                    const Dims4& output_dims, const int32_t* bias) {
  (void)input_dims;
  (void)weights_dims;
  (void)output_dims;
  return p.groups == 1 && p.dilation_w == 1 && bias != nullptr && RightShiftsOnly(p.requant);
}

void ConvMve(const ConvParams& p, const Dims4& input_dims, const int8_t* input,
             const Dims4& weights_dims, const int8_t* weights, const int32_t* bias,
             const Dims4& output_dims, int8_t* output) {
  const Requantizer rq = MakeRequantizer(p.requant, bias, p.input_zero_point, p.output_zero_point,
                                         p.act_min, p.act_max);
  const int32_t depth = weights_dims.h * weights_dims.w * weights_dims.c;
  const int32_t out_c = output_dims.c;
  const int32_t pixels = output_dims.n * output_dims.h * output_dims.w;
  if (weights_dims.h == 1 && weights_dims.w == 1 && p.stride_h == 1 && p.stride_w == 1 &&
      p.pad_top == 0 && p.pad_left == 0 && output_dims.h == input_dims.h && output_dims.w == input_dims.w) {
    Rows(rq, p.act_min, p.act_max, pixels, weights, depth, out_c, output,
         [&](int32_t i, int32_t) { return input + i * depth; });
    return;
  }
  Geometry g;
  g.input = input;
  g.in_h = input_dims.h;
  g.in_w = input_dims.w;
  g.in_c = input_dims.c;
  g.kh = weights_dims.h;
  g.kw = weights_dims.w;
  g.out_h = output_dims.h;
  g.out_w = output_dims.w;
  g.stride_h = p.stride_h;
  g.stride_w = p.stride_w;
  g.dilation_h = p.dilation_h;
  g.pad_top = p.pad_top;
  g.pad_left = p.pad_left;
  g.zi = p.input_zero_point;
  if (depth <= kKC) {
    ConvShallow(rq, g, pixels, weights, depth, out_c, p.act_min, p.act_max, output);
  } else {
    ConvDeep(rq, g, pixels, weights, depth, out_c, output);
  }
}

bool FullyConnectedMveApplies(const FullyConnectedParams& p, const int32_t* bias) {
  return p.weights_zero_point == 0 && bias != nullptr && RightShiftsOnly(p.requant);
}

void FullyConnectedMve(const FullyConnectedParams& p, int32_t batches, int32_t in_features,
                       int32_t out_features, const int8_t* input, const int8_t* weights,
                       const int32_t* bias, int8_t* output) {
  const Requantizer rq = MakeRequantizer(p.requant, bias, p.input_zero_point, p.output_zero_point,
                                         p.act_min, p.act_max);
  const int32_t k = in_features;
  if (batches >= kP) {
    Rows(rq, p.act_min, p.act_max, batches, weights, k, out_features, output,
         [&](int32_t i, int32_t) { return input + i * k; });
    return;
  }
  const uint32x4_t offsets = vidupq_n_u32(0, 1);
  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* xrow = input + b * k;
    int8_t* out = output + b * out_features;
    for (int32_t n = 0; n < out_features; n += 3) {
      const int32_t nc = out_features - n < 3 ? out_features - n : 3;
      register int32_t a0 asm("r0") = 0;
      register int32_t a1 asm("r2") = 0;
      register int32_t a2 asm("r4") = 0;
      register int32_t s0 asm("r6") = 0;
      register int32_t s1 asm("r8") = 0;
      register int32_t s2 asm("r10") = 0;
      const int8_t* wn = weights + n * k;
      register const int8_t* x asm("r1") = xrow;
      register const int8_t* w0 asm("r3") = wn;
      register const int8_t* w1 asm("r5") = nc > 1 ? wn + k : wn;  // a repeat past the last channel
      register const int8_t* w2 asm("r9") = nc > 2 ? wn + 2 * k : wn;
      register int32_t kk asm("r12") = k;
      __asm__ volatile(
          "dlstp.8 lr, %[n]\n"
          "1:\n"
          "vldrb.8 q0, [%[x]], #16\n"
          "vldrb.8 q1, [%[w0]], #16\n"
          "vmladava.s8 %[a0], q0, q1\n"
          "vaddva.s8 %[s0], q1\n"
          "vldrb.8 q1, [%[w1]], #16\n"
          "vmladava.s8 %[a1], q0, q1\n"
          "vaddva.s8 %[s1], q1\n"
          "vldrb.8 q1, [%[w2]], #16\n"
          "vmladava.s8 %[a2], q0, q1\n"
          "vaddva.s8 %[s2], q1\n"
          "letp lr, 1b\n"
          : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2),
            [x] "+r"(x), [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2)
          : [n] "r"(kk)
          : "lr", "q0", "q1", "memory");
      // Three channels in lanes 0..2 (lane 3 repeats lane 2, not stored): per-lane bias,
      // weight sum, multiplier and shift.
      const int32_t r = rq.rstep;
      const int32_t i1 = nc > 1 ? n + 1 : n, i2 = nc > 2 ? n + 2 : n;
      const int32_t b0 = bias[n] - rq.zi * s0, b1 = bias[i1] - rq.zi * s1, b2 = bias[i2] - rq.zi * s2;
      int32x4_t acc = vdupq_n_s32(0);
      acc = vsetq_lane_s32(a0 + b0, acc, 0);
      acc = vsetq_lane_s32(a1 + b1, acc, 1);
      acc = vsetq_lane_s32(a2 + b2, acc, 2);
      acc = vsetq_lane_s32(a2 + b2, acc, 3);
      int32x4_t mult = vdupq_n_s32(rq.mult[n * r]);
      mult = vsetq_lane_s32(rq.mult[i1 * r], mult, 1);
      mult = vsetq_lane_s32(rq.mult[i2 * r], mult, 2);
      int32x4_t shift = vdupq_n_s32(rq.shift[n * r]);
      shift = vsetq_lane_s32(rq.shift[i1 * r], shift, 1);
      shift = vsetq_lane_s32(rq.shift[i2 * r], shift, 2);
      int32x4_t h = vqrdmulhq_s32(acc, mult);
      h = vaddq_s32(h, vshrq_n_s32(h, 31));
      h = vrshlq_s32(h, shift);
      h = vaddq_n_s32(h, rq.zo);
      h = vminq_s32(vmaxq_s32(h, rq.lo), rq.hi);
      vstrbq_scatter_offset_p_s32(out + n, offsets, h, vctp32q(static_cast<uint32_t>(nc)));
    }
  }
}

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_MVE
