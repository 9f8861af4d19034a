// Data-aware weight rounding (in the spirit of AdaRound / OBQ): for each output channel,
// choose floor or ceil for every weight so that the layer's output error on the calibration
// inputs, E[(dw . x)^2] = dw^T H dw with H = E[x x^T], is small (coordinate descent from
// round-to-nearest), then remove the remaining mean error dw . E[x] through the bias.
#include <algorithm>
#include <cmath>

#include "converter/error.h"
#include "converter/qmodel.h"

namespace qinfer {
namespace converter {

namespace {

struct Geometry {
  bool fc = false, dw = false;
  int in_h = 1, in_w = 1, in_c = 1, out_h = 1, out_w = 1;
  int kh = 1, kw = 1, icg = 1;
  int groups = 1;  // moment groups: conv groups, depthwise input channels, 1 for FC
  int K = 1;       // patch length
  int64_t patches_per_sample = 1;
};

Geometry GeometryOf(const LGraph& g, const LOp& op) {
  Geometry G;
  const LTensor& in = g.tensors[static_cast<size_t>(op.inputs[0])];
  const LTensor& w = g.tensors[static_cast<size_t>(op.inputs[1])];
  const LTensor& out = g.tensors[static_cast<size_t>(op.outputs[0])];
  if (op.kind == LKind::kFullyConnected) {
    G.fc = true;
    G.K = w.shape[1];
    G.patches_per_sample = in.numel() / G.K;
    return G;
  }
  G.in_h = in.shape[1]; G.in_w = in.shape[2]; G.in_c = in.shape[3];
  G.out_h = out.shape[1]; G.out_w = out.shape[2];
  G.kh = op.kh; G.kw = op.kw;
  if (op.kind == LKind::kDepthwiseConv) {
    G.dw = true;
    G.icg = 1;
    G.groups = G.in_c;
  } else {
    G.icg = w.shape[3];
    G.groups = op.groups;
  }
  G.K = G.kh * G.kw * G.icg;
  G.patches_per_sample = int64_t{in.shape[0]} * G.out_h * G.out_w;
  return G;
}

}  // namespace

std::vector<LayerMoments> ComputeMoments(const LGraph& g, const std::vector<Sample>& samples, int64_t max_patches) {
  std::vector<LayerMoments> out(g.ops.size());
  std::vector<Geometry> geo(g.ops.size());
  std::vector<int64_t> step(g.ops.size(), 1), seen(g.ops.size(), 0);
  bool any = false;
  for (size_t k = 0; k < g.ops.size(); ++k) {
    const LOp& op = g.ops[k];
    if (op.kind != LKind::kConv && op.kind != LKind::kDepthwiseConv && op.kind != LKind::kFullyConnected) continue;
    geo[k] = GeometryOf(g, op);
    const Geometry& G = geo[k];
    LayerMoments& m = out[k];
    m.valid = true;
    m.groups = G.groups;
    m.K = G.K;
    const int64_t total = G.patches_per_sample * static_cast<int64_t>(samples.size());
    int64_t want = std::min(max_patches, total);
    // Second moments cost groups * K^2 / 2 per patch and K^2 doubles per group: keep the
    // accumulation under ~5e8 multiply-adds with at least 2K patches, else only the mean
    // (for the bias correction of round-to-nearest weights).
    const double per_patch = static_cast<double>(G.groups) * G.K * (G.K + 1) / 2.0;
    const int64_t cap = static_cast<int64_t>(5e8 / per_patch);
    m.has_h = G.K <= 2048 && cap >= std::min<int64_t>(total, 2 * int64_t{G.K});
    if (m.has_h) {
      want = std::min(want, cap);
      m.H.assign(static_cast<size_t>(G.groups) * G.K * G.K, 0.0);
    }
    m.mu.assign(static_cast<size_t>(G.groups) * G.K, 0.0);
    step[k] = std::max<int64_t>(1, (total + want - 1) / std::max<int64_t>(want, 1));
    any = true;
  }
  if (!any) return out;
  std::vector<double> patch;
  for (const Sample& s : samples) {
    const auto v = RunFloat(g, s);
    for (size_t k = 0; k < g.ops.size(); ++k) {
      LayerMoments& m = out[k];
      if (!m.valid) continue;
      const Geometry& G = geo[k];
      const LOp& op = g.ops[k];
      const std::vector<float>& x = v[static_cast<size_t>(op.inputs[0])];
      const int K = G.K;
      patch.assign(static_cast<size_t>(K), 0.0);
      for (int64_t p = 0; p < G.patches_per_sample; ++p, ++seen[k]) {
        if (seen[k] % step[k] != 0) continue;
        for (int grp = 0; grp < G.groups; ++grp) {
          if (G.fc) {
            for (int i = 0; i < K; ++i) patch[static_cast<size_t>(i)] = x[static_cast<size_t>(p * K + i)];
          } else {
            const int64_t n = p / (int64_t{G.out_h} * G.out_w);
            const int oy = static_cast<int>((p / G.out_w) % G.out_h), ox = static_cast<int>(p % G.out_w);
            int i = 0;
            for (int ky = 0; ky < G.kh; ++ky) {
              const int iy = oy * op.stride_h - op.pad_t + ky * op.dil_h;
              for (int kx = 0; kx < G.kw; ++kx) {
                const int ix = ox * op.stride_w - op.pad_l + kx * op.dil_w;
                const bool inside = iy >= 0 && iy < G.in_h && ix >= 0 && ix < G.in_w;
                const int64_t base = ((n * G.in_h + iy) * G.in_w + ix) * G.in_c + static_cast<int64_t>(grp) * G.icg;
                for (int c = 0; c < G.icg; ++c, ++i)
                  patch[static_cast<size_t>(i)] = inside ? x[static_cast<size_t>(base + c)] : 0.0;
              }
            }
          }
          double* mu = m.mu.data() + static_cast<size_t>(grp) * K;
          for (int i = 0; i < K; ++i) mu[i] += patch[static_cast<size_t>(i)];
          if (!m.has_h) continue;
          double* H = m.H.data() + static_cast<size_t>(grp) * K * K;
          for (int i = 0; i < K; ++i) {
            const double pi = patch[static_cast<size_t>(i)];
            if (pi == 0.0) continue;
            double* row = H + static_cast<size_t>(i) * K;
            for (int j = i; j < K; ++j) row[j] += pi * patch[static_cast<size_t>(j)];
          }
        }
        m.count += 1;
      }
    }
  }
  for (LayerMoments& m : out) {
    if (!m.valid || m.count == 0) {
      m.valid = false;
      continue;
    }
    const double inv = 1.0 / static_cast<double>(m.count);
    for (int grp = 0; grp < m.groups; ++grp) {
      for (int i = 0; i < m.K; ++i) m.mu[static_cast<size_t>(grp) * m.K + i] *= inv;
      if (!m.has_h) continue;
      double* H = m.H.data() + static_cast<size_t>(grp) * m.K * m.K;
      for (int i = 0; i < m.K; ++i)
        for (int j = i; j < m.K; ++j) {
          H[static_cast<size_t>(i) * m.K + j] *= inv;
          H[static_cast<size_t>(j) * m.K + i] = H[static_cast<size_t>(i) * m.K + j];
        }
    }
  }
  return out;
}

double OptimizeRounding(const float* w, int K, int stride, double s, const double* H, int qmin, int qmax,
                        int8_t* q) {
  std::vector<double> d(static_cast<size_t>(K)), gH(static_cast<size_t>(K), 0.0);
  std::vector<int> qi(static_cast<size_t>(K));
  for (int k = 0; k < K; ++k) {
    const double x = w[static_cast<size_t>(k) * stride] / s;
    qi[static_cast<size_t>(k)] = static_cast<int>(std::clamp(std::round(x), static_cast<double>(qmin), static_cast<double>(qmax)));
    d[static_cast<size_t>(k)] = qi[static_cast<size_t>(k)] * s - w[static_cast<size_t>(k) * stride];
  }
  for (int i = 0; i < K; ++i) {
    double acc = 0;
    for (int j = 0; j < K; ++j) acc += H[static_cast<size_t>(i) * K + j] * d[static_cast<size_t>(j)];
    gH[static_cast<size_t>(i)] = acc;
  }
  for (int sweep = 0; sweep < 16; ++sweep) {
    bool improved = false;
    for (int k = 0; k < K; ++k) {
      const double hk = H[static_cast<size_t>(k) * K + k];
      if (hk <= 0) continue;
      const double x = w[static_cast<size_t>(k) * stride] / s;
      for (int dir = -1; dir <= 1; dir += 2) {
        const int nq = qi[static_cast<size_t>(k)] + dir;
        if (nq < qmin || nq > qmax || std::fabs(nq - x) >= 1.0) continue;
        const double delta = 2.0 * dir * s * gH[static_cast<size_t>(k)] + s * s * hk;
        if (delta < -1e-15 * s * s * hk) {
          qi[static_cast<size_t>(k)] = nq;
          d[static_cast<size_t>(k)] += dir * s;
          const double* col = H + static_cast<size_t>(k) * K;  // H is symmetric: row k = column k
          for (int i = 0; i < K; ++i) gH[static_cast<size_t>(i)] += dir * s * col[i];
          improved = true;
          break;
        }
      }
    }
    if (!improved) break;
  }
  for (int k = 0; k < K; ++k) q[static_cast<size_t>(k) * stride] = static_cast<int8_t>(qi[static_cast<size_t>(k)]);
  double f = 0;
  for (int k = 0; k < K; ++k) f += d[static_cast<size_t>(k)] * gH[static_cast<size_t>(k)];
  return f;
}

}  // namespace converter
}  // namespace qinfer
