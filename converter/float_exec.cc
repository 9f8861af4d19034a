// Float reference executor of the lowered graph (NHWC). Host only: the calibration dry run
// and the float side of the per-layer SQNR table.
#include <algorithm>
#include <cmath>
#include <limits>

#include "converter/error.h"
#include "converter/lgraph.h"
#include "converter/ops.h"

namespace qinfer {
namespace converter {
namespace {

struct D4 {
  int n, h, w, c;
};

D4 As4(const std::vector<int>& s) {
  int d[4] = {1, 1, 1, 1};
  const size_t k = s.size();
  for (size_t i = 0; i < k && i < 4; ++i) d[4 - k + i] = s[i];
  return {d[0], d[1], d[2], d[3]};
}

inline float Act(const LOp& op, float v) { return std::min(std::max(v, op.act_min), op.act_max); }

void Conv(const LOp& op, const LGraph& g, std::vector<std::vector<float>>& v) {
  const D4 in = As4(g.tensors[static_cast<size_t>(op.inputs[0])].shape);
  const D4 wd = As4(g.tensors[static_cast<size_t>(op.inputs[1])].shape);
  const D4 out = As4(g.tensors[static_cast<size_t>(op.outputs[0])].shape);
  const float* x = v[static_cast<size_t>(op.inputs[0])].data();
  const float* w = v[static_cast<size_t>(op.inputs[1])].data();
  const float* b = op.inputs[2] >= 0 ? v[static_cast<size_t>(op.inputs[2])].data() : nullptr;
  float* y = v[static_cast<size_t>(op.outputs[0])].data();
  const bool dw = op.kind == LKind::kDepthwiseConv;
  const int icg = dw ? 1 : wd.c;
  const int ocg = dw ? 1 : out.c / op.groups;
  for (int n = 0; n < out.n; ++n)
    for (int oy = 0; oy < out.h; ++oy)
      for (int ox = 0; ox < out.w; ++ox)
        for (int oc = 0; oc < out.c; ++oc) {
          float acc = b ? b[oc] : 0.f;
          const int ic0 = dw ? oc / op.depth_multiplier : (oc / ocg) * icg;
          for (int ky = 0; ky < op.kh; ++ky) {
            const int iy = oy * op.stride_h - op.pad_t + ky * op.dil_h;
            if (iy < 0 || iy >= in.h) continue;
            for (int kx = 0; kx < op.kw; ++kx) {
              const int ix = ox * op.stride_w - op.pad_l + kx * op.dil_w;
              if (ix < 0 || ix >= in.w) continue;
              const float* xp = x + ((static_cast<int64_t>(n) * in.h + iy) * in.w + ix) * in.c + ic0;
              if (dw) {
                acc += xp[0] * w[(ky * op.kw + kx) * out.c + oc];
              } else {
                const float* wp = w + ((static_cast<int64_t>(oc) * op.kh + ky) * op.kw + kx) * icg;
                for (int ic = 0; ic < icg; ++ic) acc += xp[ic] * wp[ic];
              }
            }
          }
          y[((static_cast<int64_t>(n) * out.h + oy) * out.w + ox) * out.c + oc] = Act(op, acc);
        }
}

void Broadcast(const LOp& op, const LGraph& g, std::vector<std::vector<float>>& v) {
  const D4 a = As4(g.tensors[static_cast<size_t>(op.inputs[0])].shape);
  const D4 b = As4(g.tensors[static_cast<size_t>(op.inputs[1])].shape);
  const D4 o = As4(g.tensors[static_cast<size_t>(op.outputs[0])].shape);
  const float* x1 = v[static_cast<size_t>(op.inputs[0])].data();
  const float* x2 = v[static_cast<size_t>(op.inputs[1])].data();
  float* y = v[static_cast<size_t>(op.outputs[0])].data();
  auto idx = [](const D4& d, int n, int h, int w, int c) {
    return ((static_cast<int64_t>(d.n > 1 ? n : 0) * d.h + (d.h > 1 ? h : 0)) * d.w + (d.w > 1 ? w : 0)) * d.c + (d.c > 1 ? c : 0);
  };
  int64_t e = 0;
  for (int n = 0; n < o.n; ++n)
    for (int h = 0; h < o.h; ++h)
      for (int w = 0; w < o.w; ++w)
        for (int c = 0; c < o.c; ++c) {
          const float p = x1[idx(a, n, h, w, c)], q = x2[idx(b, n, h, w, c)];
          float r;
          if (op.kind == LKind::kMul) r = p * q;
          else r = op.subtract ? p - q : p + q;
          y[e++] = Act(op, r);
        }
}

void Pool(const LOp& op, const LGraph& g, std::vector<std::vector<float>>& v) {
  const D4 in = As4(g.tensors[static_cast<size_t>(op.inputs[0])].shape);
  const D4 out = As4(g.tensors[static_cast<size_t>(op.outputs[0])].shape);
  const float* x = v[static_cast<size_t>(op.inputs[0])].data();
  float* y = v[static_cast<size_t>(op.outputs[0])].data();
  const bool mx = op.kind == LKind::kMaxPool;
  for (int n = 0; n < out.n; ++n)
    for (int oy = 0; oy < out.h; ++oy)
      for (int ox = 0; ox < out.w; ++ox)
        for (int c = 0; c < out.c; ++c) {
          float acc = mx ? -std::numeric_limits<float>::infinity() : 0.f;
          int count = 0;
          for (int ky = 0; ky < op.kh; ++ky) {
            const int iy = oy * op.stride_h - op.pad_t + ky;
            if (iy < 0 || iy >= in.h) continue;
            for (int kx = 0; kx < op.kw; ++kx) {
              const int ix = ox * op.stride_w - op.pad_l + kx;
              if (ix < 0 || ix >= in.w) continue;
              const float val = x[((static_cast<int64_t>(n) * in.h + iy) * in.w + ix) * in.c + c];
              acc = mx ? std::max(acc, val) : acc + val;
              ++count;
            }
          }
          if (!mx) acc /= static_cast<float>(std::max(count, 1));
          y[((static_cast<int64_t>(n) * out.h + oy) * out.w + ox) * out.c + c] = Act(op, acc);
        }
}

}  // namespace

std::vector<std::vector<float>> RunFloat(const LGraph& g, const std::vector<std::vector<float>>& inputs) {
  std::vector<std::vector<float>> v(g.tensors.size());
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const LTensor& t = g.tensors[i];
    if (t.is_const()) v[i] = t.data;
    else v[i].assign(static_cast<size_t>(t.numel()), 0.f);
  }
  if (inputs.size() != g.inputs.size()) Fail("RunFloat: expected ", g.inputs.size(), " inputs");
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto& dst = v[static_cast<size_t>(g.inputs[i])];
    if (inputs[i].size() != dst.size()) Fail("RunFloat: input ", i, " has ", inputs[i].size(), " values, expected ", dst.size());
    dst = inputs[i];
  }
  for (const LOp& op : g.ops) {
    const auto& in0 = v[static_cast<size_t>(op.inputs[0])];
    auto& out = v[static_cast<size_t>(op.outputs[0])];
    const LTensor& it = g.tensors[static_cast<size_t>(op.inputs[0])];
    const LTensor& ot = g.tensors[static_cast<size_t>(op.outputs[0])];
    switch (op.kind) {
      case LKind::kConv:
      case LKind::kDepthwiseConv:
        Conv(op, g, v);
        break;
      case LKind::kFullyConnected: {
        const LTensor& wt = g.tensors[static_cast<size_t>(op.inputs[1])];
        const int OUT = wt.shape[0], IN = wt.shape[1];
        const int64_t batches = it.numel() / IN;
        const float* w = v[static_cast<size_t>(op.inputs[1])].data();
        const float* b = op.inputs[2] >= 0 ? v[static_cast<size_t>(op.inputs[2])].data() : nullptr;
        for (int64_t bi = 0; bi < batches; ++bi)
          for (int o = 0; o < OUT; ++o) {
            float acc = b ? b[o] : 0.f;
            const float* xp = in0.data() + bi * IN;
            const float* wp = w + static_cast<int64_t>(o) * IN;
            for (int k = 0; k < IN; ++k) acc += xp[k] * wp[k];
            out[static_cast<size_t>(bi * OUT + o)] = Act(op, acc);
          }
        break;
      }
      case LKind::kAdd:
      case LKind::kMul:
        Broadcast(op, g, v);
        break;
      case LKind::kMaxPool:
      case LKind::kAvgPool:
        Pool(op, g, v);
        break;
      case LKind::kMean: {
        const D4 d = As4(it.shape);
        for (int n = 0; n < d.n; ++n)
          for (int c = 0; c < d.c; ++c) {
            double acc = 0;
            for (int k = 0; k < d.h * d.w; ++k) acc += in0[(static_cast<size_t>(n) * d.h * d.w + k) * d.c + c];
            out[static_cast<size_t>(n) * d.c + c] = Act(op, static_cast<float>(acc / (d.h * d.w)));
          }
        break;
      }
      case LKind::kSoftmax: {
        const int depth = it.shape.back();
        const int64_t rows = it.numel() / depth;
        for (int64_t r = 0; r < rows; ++r) {
          const float* x = in0.data() + r * depth;
          float* y = out.data() + r * depth;
          float mx = *std::max_element(x, x + depth);
          double sum = 0;
          for (int k = 0; k < depth; ++k) sum += std::exp(static_cast<double>(x[k] - mx));
          for (int k = 0; k < depth; ++k) y[k] = static_cast<float>(std::exp(static_cast<double>(x[k] - mx)) / sum);
        }
        break;
      }
      case LKind::kLut: {
        std::vector<double> xd(in0.begin(), in0.end());
        const auto yd = EvalElementwiseBody(*op.fn, xd);
        for (size_t i = 0; i < yd.size(); ++i) out[i] = static_cast<float>(yd[i]);
        break;
      }
      case LKind::kRequantize:
      case LKind::kReshape:
        out = in0;
        break;
      case LKind::kConcat: {
        const D4 o = As4(ot.shape);
        const int axis = op.axis + (4 - static_cast<int>(ot.shape.size()));
        const int od[4] = {o.n, o.h, o.w, o.c};
        int64_t outer = 1;
        for (int d = 0; d < axis; ++d) outer *= od[d];
        size_t pos = 0;
        for (int64_t oi = 0; oi < outer; ++oi)
          for (int in : op.inputs) {
            const auto& src = v[static_cast<size_t>(in)];
            const int64_t chunk = static_cast<int64_t>(src.size()) / outer;
            std::copy(src.begin() + oi * chunk, src.begin() + (oi + 1) * chunk, out.begin() + static_cast<long>(pos));
            pos += static_cast<size_t>(chunk);
          }
        break;
      }
      case LKind::kPad: {
        const size_t r = it.shape.size();
        std::fill(out.begin(), out.end(), 0.f);
        std::vector<int64_t> ost(r, 1);
        for (int i = static_cast<int>(r) - 2; i >= 0; --i)
          ost[static_cast<size_t>(i)] = ost[static_cast<size_t>(i) + 1] * ot.shape[static_cast<size_t>(i) + 1];
        std::vector<int> idx(r, 0);
        for (size_t e = 0; e < in0.size(); ++e) {
          int64_t o = 0;
          for (size_t d = 0; d < r; ++d) o += (idx[d] + op.pads[2 * d]) * ost[d];
          out[static_cast<size_t>(o)] = in0[e];
          for (int d = static_cast<int>(r) - 1; d >= 0; --d) {
            if (++idx[static_cast<size_t>(d)] < it.shape[static_cast<size_t>(d)]) break;
            idx[static_cast<size_t>(d)] = 0;
          }
        }
        break;
      }
      case LKind::kTranspose:
        out = TransposeData(in0, it.shape, op.perm);
        break;
    }
  }
  return v;
}

}  // namespace converter
}  // namespace qinfer
