// int8 average and max pooling with the Cortex-M DSP extension, four channels (one word) at a
// time per output pixel. Average: the word is added into two halfword-pair accumulators
// (SXTAB16 on the word: bytes 0 and 2; on the word rotated by 8: bytes 1 and 3); a window of
// at most 256 elements keeps every halfword sum in [-32768, 32512], so the lanes are exact;
// the means are the reference's (kernels/arm/pool_window.h). Max: SSUB8 sets each byte's GE
// flag where the new value is not below the running maximum and SEL keeps the larger bytes;
// the activation clamp is the same pair against the bounds. Mean over H, W: the same halfword
// sums over runs of at most 256 pixels, widened into 32-bit totals, each channel finished by
// the reference's own ref::MeanFromSum (all three rounding modes). No scratch.
#include "kernels/arm/dsp.h"
#include "kernels/arm/dsp_ops.h"

#if defined(__ARM_FEATURE_DSP)

#include <arm_acle.h>

#include <cstring>

#include "kernels/arm/pool_window.h"
#include "kernels/reference.h"

namespace qinfer {
namespace kernels {
namespace arm {
namespace {

// Bytewise signed max / min of four int8 lanes.
inline int32_t Max4(int32_t a, int32_t b) {
  __ssub8(a, b);
  return static_cast<int32_t>(__sel(a, b));
}
inline int32_t Min4(int32_t a, int32_t b) {
  __ssub8(a, b);
  return static_cast<int32_t>(__sel(b, a));
}

// One window's four channels: `rows` rows of `cols` words, `col_stride` / `row_stride` bytes
// apart. Not inlined: in its own frame the loop keeps everything in registers.
struct WordWindow {
  int32_t rows, cols, col_stride, row_stride;
};

__attribute__((noinline)) int32_t MaxWindow4(const int8_t* x0, WordWindow w) {
  int32_t mx = static_cast<int32_t>(0x80808080u);  // four -128
  for (int32_t r = w.rows; r > 0; --r, x0 += w.row_stride) {
    const int8_t* x = x0;
    for (int32_t k = w.cols; k > 0; --k, x += w.col_stride) mx = Max4(Load4(x), mx);
  }
  return mx;
}

// Halfword sums of channels (0, 2) in *even and (1, 3) in *odd.
__attribute__((noinline)) void SumWindow4(const int8_t* x0, WordWindow w, int32_t* even, int32_t* odd) {
  int32_t e = 0, o = 0;
  for (int32_t r = w.rows; r > 0; --r, x0 += w.row_stride) {
    const int8_t* x = x0;
    for (int32_t k = w.cols; k > 0; --k, x += w.col_stride) {
      const int32_t v = Load4(x);
      e = __sxtab16(e, v);
      o = Sxtab16Ror8(o, v);
    }
  }
  *even = e;
  *odd = o;
}

inline int32_t Splat4(int32_t v) { return static_cast<int32_t>((static_cast<uint32_t>(v) & 0xffu) * 0x01010101u); }

}  // namespace

void MaxPoolDsp(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
                const Dims4& output_dims, int8_t* output) {
  const int32_t c_count = input_dims.c;
  const int32_t lo = Splat4(p.act_min), hi = Splat4(p.act_max);
  // Captures by value: stores through int8_t* may alias anything the loop reads by reference.
  ForEachPoolWindow(p, input_dims, input, output_dims, output,
                    [=](const PoolWindow& win, const int8_t* corner, int32_t row_stride, int8_t* out) {
    const WordWindow words{win.y1 - win.y0, win.x1 - win.x0, c_count, row_stride};
    int32_t c = 0;
    for (; c + 4 <= c_count; c += 4) {
      const int32_t mx = Min4(Max4(MaxWindow4(corner + c, words), lo), hi);
      std::memcpy(out, &mx, 4);
      out += 4;
    }
    for (; c < c_count; ++c) {
      int32_t mx = -128;
      const int8_t* row = corner + c;
      for (int32_t iy = win.y0; iy < win.y1; ++iy, row += row_stride) {
        for (int32_t ix = 0; ix < win.x1 - win.x0; ++ix) mx = row[ix * c_count] > mx ? row[ix * c_count] : mx;
      }
      *out++ = static_cast<int8_t>(Clamp(mx, p.act_min, p.act_max));
    }
  });
}

bool AvgPoolDspApplies(const PoolParams& p) {
  return static_cast<int64_t>(p.filter_h) * p.filter_w <= kMaxInt16Window;
}

void AvgPoolDsp(const PoolParams& p, const Dims4& input_dims, const int8_t* input,
                const Dims4& output_dims, int8_t* output) {
  if (!AvgPoolDspApplies(p)) {
    ref::AvgPool2D(p, input_dims, input, output_dims, output);
    return;
  }
  const int32_t c_count = input_dims.c;
  // Captures by value: stores through int8_t* may alias anything the loop reads by reference.
  ForEachPoolWindow(p, input_dims, input, output_dims, output,
                    [=](const PoolWindow& win, const int8_t* corner, int32_t row_stride, int8_t* out) {
    const int32_t count = win.count();
    const WordWindow words{win.y1 - win.y0, win.x1 - win.x0, c_count, row_stride};
    int32_t c = 0;
    for (; c + 4 <= c_count; c += 4) {
      int32_t even, odd;
      SumWindow4(corner + c, words, &even, &odd);
      out[0] = PoolAverage(static_cast<int16_t>(even), count, p);
      out[1] = PoolAverage(static_cast<int16_t>(odd), count, p);
      out[2] = PoolAverage(even >> 16, count, p);
      out[3] = PoolAverage(odd >> 16, count, p);
      out += 4;
    }
    for (; c < c_count; ++c) {
      int32_t sum = 0;
      const int8_t* row = corner + c;
      for (int32_t iy = win.y0; iy < win.y1; ++iy, row += row_stride) {
        for (int32_t ix = 0; ix < win.x1 - win.x0; ++ix) sum += row[ix * c_count];
      }
      *out++ = PoolAverage(sum, count, p);
    }
  });
}

void MeanDsp(const MeanParams& p, const Dims4& input_dims, const int8_t* input, int8_t* output) {
  const int32_t hw = input_dims.h * input_dims.w;
  const int32_t c_count = input_dims.c;
  // sum(x - zi) = sum(x) - hw * zi in wrapping 32-bit arithmetic; the verifier bounds the
  // true sum to int32, so the wrapped value is the reference's.
  const uint32_t zero_sum = static_cast<uint32_t>(hw) * static_cast<uint32_t>(p.input_zero_point);
  for (int32_t n = 0; n < input_dims.n; ++n, input += hw * c_count, output += c_count) {
    int32_t c = 0;
    for (; c + 4 <= c_count; c += 4) {
      uint32_t total[4] = {0, 0, 0, 0};  // channels c, c+1, c+2, c+3
      for (int32_t i = 0; i < hw; i += kMaxInt16Window) {
        const int32_t run = hw - i < kMaxInt16Window ? hw - i : kMaxInt16Window;
        int32_t even, odd;
        SumWindow4(input + i * c_count + c, WordWindow{1, run, c_count, 0}, &even, &odd);
        total[0] += static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(even)));
        total[1] += static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(odd)));
        total[2] += static_cast<uint32_t>(even >> 16);
        total[3] += static_cast<uint32_t>(odd >> 16);
      }
      for (int32_t j = 0; j < 4; ++j) {
        output[c + j] = ref::MeanFromSum(p, static_cast<int32_t>(total[j] - zero_sum), hw);
      }
    }
    for (; c < c_count; ++c) {
      uint32_t total = 0;
      for (int32_t i = 0; i < hw; ++i) total += static_cast<uint32_t>(input[i * c_count + c]);
      output[c] = ref::MeanFromSum(p, static_cast<int32_t>(total - zero_sum), hw);
    }
  }
}

}  // namespace arm
}  // namespace kernels
}  // namespace qinfer

#endif  // __ARM_FEATURE_DSP
