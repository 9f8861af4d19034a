// Channel equalization with bias absorption on the lowered float graph (in the spirit of
// Nagel et al. 2019, "Data-Free Quantization", and AIMET's CLE): when a conv / depthwise /
// FC output feeds exactly one conv / FC, each of its channels is shifted to the centre of its
// calibration range (the shift absorbed into the consumer's bias; only when nothing
// nonlinear or padded sits between) and scaled to a common range (the scale moved into the
// consumer's weights). The float function is unchanged; the int8 per-tensor activation
// quantization of the intermediate tensor no longer has to span channels whose ranges
// differ by orders of magnitude (MobileNet/BlazeFace depthwise outputs).
#include <algorithm>
#include <cmath>
#include <limits>

#include "converter/calibrate.h"
#include "converter/error.h"
#include "converter/lgraph.h"

namespace qinfer {
namespace converter {

namespace {

bool IsAffine(LKind k) {
  return k == LKind::kConv || k == LKind::kDepthwiseConv || k == LKind::kFullyConnected;
}

}  // namespace

int EqualizeChannels(LGraph* g, const std::vector<Sample>& samples, double exponent) {
  const size_t nt = g->tensors.size();
  std::vector<std::vector<int>> consumers(nt);
  for (size_t k = 0; k < g->ops.size(); ++k)
    for (int in : g->ops[k].inputs)
      if (in >= 0) consumers[static_cast<size_t>(in)].push_back(static_cast<int>(k));
  auto is_output = [&](int t) { return std::find(g->outputs.begin(), g->outputs.end(), t) != g->outputs.end(); };
  struct Pair {
    int p, c;
    bool shift;
  };
  std::vector<Pair> pairs;
  for (size_t k = 0; k < g->ops.size(); ++k) {
    const LOp& p = g->ops[k];
    if (!IsAffine(p.kind) || p.inputs.size() < 3 || p.inputs[2] < 0) continue;
    const int t = p.outputs[0];
    if (is_output(t) || consumers[static_cast<size_t>(t)].size() != 1) continue;
    const int ci = consumers[static_cast<size_t>(t)][0];
    const LOp& c = g->ops[static_cast<size_t>(ci)];
    if (c.inputs[0] != t || c.inputs.size() < 3 || c.inputs[2] < 0) continue;
    if (!(c.kind == LKind::kFullyConnected || (c.kind == LKind::kConv && c.groups == 1))) continue;
    const bool linear = std::isinf(p.act_min) && p.act_min < 0 && std::isinf(p.act_max);
    const bool relu = p.act_min == 0 && std::isinf(p.act_max);
    if (!linear && !relu) continue;
    const bool padded = c.kind == LKind::kConv && (c.pad_t || c.pad_l || c.pad_b || c.pad_r);
    // FC reads the stored tensor flat: its features must be channel-major-last (NHWC).
    if (c.kind == LKind::kFullyConnected &&
        g->tensors[static_cast<size_t>(c.inputs[1])].shape[1] % g->tensors[static_cast<size_t>(t)].shape.back() != 0)
      continue;
    pairs.push_back({static_cast<int>(k), ci, linear && !padded});
  }
  if (pairs.empty()) return 0;
  // Per-channel ranges of the intermediate tensors.
  const size_t use = std::min<size_t>(samples.size(), 64);
  std::vector<std::vector<double>> mn(pairs.size()), mx(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    const int t = g->ops[static_cast<size_t>(pairs[i].p)].outputs[0];
    const size_t C = static_cast<size_t>(g->tensors[static_cast<size_t>(t)].shape.back());
    mn[i].assign(C, std::numeric_limits<double>::infinity());
    mx[i].assign(C, -std::numeric_limits<double>::infinity());
  }
  for (size_t s = 0; s < use; ++s) {
    const auto v = RunFloat(*g, samples[s]);
    for (size_t i = 0; i < pairs.size(); ++i) {
      const auto& x = v[static_cast<size_t>(g->ops[static_cast<size_t>(pairs[i].p)].outputs[0])];
      const size_t C = mn[i].size();
      for (size_t e = 0; e < x.size(); ++e) {
        mn[i][e % C] = std::min<double>(mn[i][e % C], x[e]);
        mx[i][e % C] = std::max<double>(mx[i][e % C], x[e]);
      }
    }
  }
  int changed = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    LOp& p = g->ops[static_cast<size_t>(pairs[i].p)];
    LOp& c = g->ops[static_cast<size_t>(pairs[i].c)];
    const size_t C = mn[i].size();
    std::vector<double> beta(C, 0.0), half(C, 0.0);
    double R = 0;
    for (size_t ch = 0; ch < C; ++ch) {
      if (!std::isfinite(mn[i][ch])) continue;
      if (pairs[i].shift) {
        beta[ch] = (mn[i][ch] + mx[i][ch]) / 2;
        half[ch] = (mx[i][ch] - mn[i][ch]) / 2;
      } else {
        half[ch] = std::max(std::fabs(mn[i][ch]), std::fabs(mx[i][ch]));
      }
      R = std::max(R, half[ch]);
    }
    if (R <= 0) continue;
    std::vector<double> s(C, 1.0);  // new channel = (old - beta) / s
    for (size_t ch = 0; ch < C; ++ch)
      s[ch] = half[ch] > 0 ? std::max(std::pow(half[ch] / R, exponent), 1e-4) : 1.0;
    // Producer: weights and bias of output channel ch.
    LTensor& pw = g->tensors[static_cast<size_t>(p.inputs[1])];
    LTensor& pb = g->tensors[static_cast<size_t>(p.inputs[2])];
    if (p.kind == LKind::kDepthwiseConv) {
      for (size_t e = 0; e < pw.data.size(); ++e) pw.data[e] = static_cast<float>(pw.data[e] / s[e % C]);
    } else {
      const size_t inner = pw.data.size() / C;
      for (size_t e = 0; e < pw.data.size(); ++e) pw.data[e] = static_cast<float>(pw.data[e] / s[e / inner]);
    }
    for (size_t ch = 0; ch < C; ++ch) pb.data[ch] = static_cast<float>((pb.data[ch] - beta[ch]) / s[ch]);
    // Consumer: input channel ch of every output row; the shift goes into its bias.
    LTensor& cw = g->tensors[static_cast<size_t>(c.inputs[1])];
    LTensor& cb = g->tensors[static_cast<size_t>(c.inputs[2])];
    const size_t rows = static_cast<size_t>(cw.shape[0]);
    const size_t row = cw.data.size() / rows;  // KH*KW*IC or IN; channel = index % C
    for (size_t o = 0; o < rows; ++o) {
      double add = 0;
      for (size_t j = 0; j < row; ++j) {
        float& w = cw.data[o * row + j];
        add += static_cast<double>(w) * beta[j % C];
        w = static_cast<float>(w * s[j % C]);
      }
      cb.data[o] = static_cast<float>(cb.data[o] + add);
    }
    ++changed;
  }
  return changed;
}

}  // namespace converter
}  // namespace qinfer
