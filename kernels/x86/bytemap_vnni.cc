// AVX-512 byte maps (the avx512vnni path, on CPUs with AVX512-VBMI): any elementwise
// int8 -> int8 function is a 256-byte table, applied 64 bytes per step with two vpermi2b
// (one per half of the table) and a blend on the index's top bit. LOOKUP_TABLE ships its
// table; requantization (QUANTIZE, and concatenation inputs whose scale or zero point differs
// from the output's) builds its table with the reference kernel on the 256 possible inputs,
// so every output is the reference's own result for that byte.
#include "kernels/x86/avx512.h"

#include <cstdint>

#include "kernels/reference.h"
#include "kernels/reference/concat_slices.h"
#include "kernels/x86/internal.h"

namespace qinfer {
namespace kernels {
namespace x86 {
namespace {

// Below this many bytes building a requantization table costs more than it saves.
constexpr int32_t kMinRequantBytes = 1024;
constexpr int32_t kMaxTables = 8;  // concatenation inputs with tables held at once

bool HasVbmi() { return __builtin_cpu_supports("avx512vbmi"); }

// out[i] = table[in[i] + 128]: the index is in ^ 0x80 (0..255); vpermi2b reads 7 index bits.
QINFER_VBMI void Apply(const int8_t* table, int32_t count, const int8_t* in, int8_t* out) {
  const __m512i t0 = _mm512_loadu_si512(table), t1 = _mm512_loadu_si512(table + 64);
  const __m512i t2 = _mm512_loadu_si512(table + 128), t3 = _mm512_loadu_si512(table + 192);
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int32_t i = 0; i < count; i += 64) {
    const __mmask64 m = count - i >= 64 ? ~__mmask64{0} : (__mmask64{1} << (count - i)) - 1;
    const __m512i idx = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, in + i), flip);
    const __m512i low = _mm512_permutex2var_epi8(t0, idx, t1);
    const __m512i high = _mm512_permutex2var_epi8(t2, idx, t3);
    _mm512_mask_storeu_epi8(out + i, m, _mm512_mask_mov_epi8(low, _mm512_movepi8_mask(idx), high));
  }
}

// table[u] = the reference's requantization of the byte u - 128.
void BuildRequantTable(const RequantizeParams& p, int8_t* table) {
  alignas(64) int8_t ramp[256];
  for (int32_t u = 0; u < 256; ++u) ramp[u] = static_cast<int8_t>(u - 128);
  ref::Requantize(p, 256, ramp, table);
}

}  // namespace

namespace vnni {

bool LookupTable(const int8_t* table, int32_t count, const int8_t* input, int8_t* output) {
  if (!HasVbmi()) return false;
  Apply(table, count, input, output);
  return true;
}

bool Requantize(const RequantizeParams& p, int32_t count, const int8_t* input, int8_t* output) {
  if (count < kMinRequantBytes || !HasVbmi()) return false;
  alignas(64) int8_t table[256];
  BuildRequantTable(p, table);
  Apply(table, count, input, output);
  return true;
}

bool Concatenation(int32_t axis, int32_t num_inputs, const Dims4* input_dims,
                   const int8_t* const* inputs, const RequantizeParams* input_params,
                   const Dims4& output_dims, int8_t* output) {
  if (num_inputs > kMaxTables || !HasVbmi()) return false;
  // Worth it only when some requantized input is large; a table per such input, once.
  int64_t requantized = 0;
  for (int32_t i = 0; i < num_inputs; ++i) {
    const Dims4& d = input_dims[i];
    if (input_params[i].multiplier != 0) requantized += int64_t{d.n} * d.h * d.w * d.c;
  }
  if (requantized < kMinRequantBytes) return false;
  alignas(64) int8_t tables[kMaxTables][256];
  for (int32_t i = 0; i < num_inputs; ++i) {
    if (input_params[i].multiplier != 0) BuildRequantTable(input_params[i], tables[i]);
  }
  ConcatSlices(axis, num_inputs, input_dims, inputs, input_params, output_dims, output,
               [&](int32_t i, int32_t count, const int8_t* in, int8_t* out) {
                 Apply(tables[i], count, in, out);
               });
  return true;
}

}  // namespace vnni
}  // namespace x86
}  // namespace kernels
}  // namespace qinfer
