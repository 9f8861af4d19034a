// Quantization: calibrated float ranges -> int8 tensors and every integer the runtime uses
// (TFLite int8 scheme). Parameters flow from layer to layer in op order.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "converter/error.h"
#include "converter/ops.h"
#include "converter/qmodel.h"
#include "converter/quant_math.h"

namespace qinfer {
namespace converter {

int64_t QTensor::numel() const {
  int64_t n = 1;
  for (int d : shape) n *= d;
  return n;
}

namespace {

class Quantizer {
 public:
  Quantizer(const LGraph& g, const std::vector<TensorRange>& ranges, const QuantOptions& o,
            const std::vector<LayerMoments>* moments)
      : g_(g), ranges_(ranges), o_(o), moments_(moments) {}

  QModel Run() {
    m_.tensors.resize(g_.tensors.size());
    done_.assign(g_.tensors.size(), false);
    for (size_t i = 0; i < g_.tensors.size(); ++i) {
      const LTensor& lt = g_.tensors[i];
      QTensor& qt = m_.tensors[i];
      qt.name = lt.name;
      qt.shape = lt.shape;
      qt.source_perm = lt.source_perm;
      qt.is_const = lt.is_const();
    }
    m_.inputs = g_.inputs;
    m_.outputs = g_.outputs;
    override_.assign(g_.tensors.size(), {0.f, 0.f});
    has_override_.assign(g_.tensors.size(), false);
    for (const auto& ov : o_.range_overrides) {
      bool found = false;
      for (size_t i = 0; i < g_.tensors.size(); ++i)
        if (!g_.tensors[i].is_const() && g_.tensors[i].name == ov.first) {
          override_[i] = ov.second;
          has_override_[i] = true;
          found = true;
        }
      if (!found) Fail("--range: no activation tensor named '", ov.first, "'");
      if (!(ov.second.first <= 0 && ov.second.second >= 0 && ov.second.first < ov.second.second))
        Fail("--range ", ov.first, ": the range must contain 0 and be non-empty");
    }
    for (size_t k = g_.ops.size(); k-- > 0;) {
      const LOp& op = g_.ops[k];
      const bool shares = op.kind == LKind::kReshape || op.kind == LKind::kTranspose || op.kind == LKind::kPad ||
                          op.kind == LKind::kMaxPool || op.kind == LKind::kAvgPool;
      const size_t out = static_cast<size_t>(op.outputs[0]), in = static_cast<size_t>(op.inputs[0]);
      if (shares && has_override_[out] && !has_override_[in] && !g_.tensors[in].is_const()) {
        override_[in] = override_[out];
        has_override_[in] = true;
      }
    }
    for (int in : g_.inputs) FromRange(in, -kInf, kInf);
    for (op_index_ = 0; op_index_ < g_.ops.size(); ++op_index_) QuantizeOp(g_.ops[op_index_]);
    // Drop constants nobody reads (e.g. a bias replaced by an absent one) is not needed: all
    // lowered constants are op inputs.
    return std::move(m_);
  }

 private:
  static constexpr double kInf = std::numeric_limits<double>::infinity();

  QTensor& Q(int t) { return m_.tensors[static_cast<size_t>(t)]; }
  const LTensor& L(int t) const { return g_.tensors[static_cast<size_t>(t)]; }

  void SetParams(int t, float scale, int32_t zp, double lo, double hi) {
    QTensor& q = Q(t);
    q.scales = {scale};
    q.zero_point = zp;
    q.range_lo = static_cast<float>(lo);
    q.range_hi = static_cast<float>(hi);
    done_[static_cast<size_t>(t)] = true;
  }

  // Activation params from the calibrated range, narrowed by a fused clamp.
  void FromRange(int t, double act_lo, double act_hi) {
    const TensorRange& r = ranges_[static_cast<size_t>(t)];
    double lo = r.observed ? r.lo : 0.0, hi = r.observed ? r.hi : 0.0;
    if (has_override_[static_cast<size_t>(t)]) {
      lo = override_[static_cast<size_t>(t)].first;
      hi = override_[static_cast<size_t>(t)].second;
    }
    lo = std::max(lo, act_lo);
    hi = std::min(hi, act_hi);
    if (hi < lo) hi = lo;
    float s;
    int32_t zp;
    ChooseQuantParams(lo, hi, o_.symmetric_activations, o_.power_of_two, &s, &zp);
    SetParams(t, s, zp, lo, hi);
  }

  void CopyParams(int dst, int src) {
    const QTensor& s = Q(src);
    SetParams(dst, s.scales.at(0), s.zero_point, s.range_lo, s.range_hi);
  }

  double Scale(int t) {
    if (!done_[static_cast<size_t>(t)]) Fail("internal error: tensor '", L(t).name, "' used before it is quantized");
    return Q(t).scales.at(0);
  }

  void PutInt8(int t, const std::vector<int8_t>& v) {
    Q(t).data.assign(reinterpret_cast<const uint8_t*>(v.data()), reinterpret_cast<const uint8_t*>(v.data()) + v.size());
  }

  // A constant operand of ADD/MUL/CONCAT: int8 with its own (or the given) parameters.
  void QuantizeConstInput(int t, const QTensor* like) {
    const LTensor& lt = L(t);
    float s;
    int32_t zp;
    if (like) {
      s = like->scales.at(0);
      zp = like->zero_point;
    } else {
      double lo = 0, hi = 0;
      for (float v : lt.data) { lo = std::min<double>(lo, v); hi = std::max<double>(hi, v); }
      ChooseQuantParams(lo, hi, o_.symmetric_activations, o_.power_of_two, &s, &zp);
    }
    std::vector<int8_t> q(lt.data.size());
    for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<int8_t>(QuantizeValue(lt.data[i], s, zp, -128, 127));
    PutInt8(t, q);
    SetParams(t, s, zp, 0, 0);
  }

  // Symmetric int8 weights, per channel along `axis` (or per tensor).
  std::vector<float> QuantizeWeights(int t, int axis) {
    const LTensor& lt = L(t);
    const int channels = lt.shape[static_cast<size_t>(axis)];
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(axis) + 1; d < lt.shape.size(); ++d) inner *= lt.shape[d];
    const bool per_channel = !o_.per_tensor;
    std::vector<double> maxabs(per_channel ? static_cast<size_t>(channels) : 1, 0.0);
    for (size_t i = 0; i < lt.data.size(); ++i) {
      const size_t c = per_channel ? static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels) : 0;
      maxabs[c] = std::max(maxabs[c], std::fabs(static_cast<double>(lt.data[i])));
    }
    std::vector<float> scales(maxabs.size());
    for (size_t c = 0; c < maxabs.size(); ++c) {
      double s = maxabs[c] > 0 ? maxabs[c] / 127.0 : 1.0;
      if (o_.power_of_two) s = PowerOfTwoAtLeast(s);
      scales[c] = static_cast<float>(s);
    }
    std::vector<int8_t> q(lt.data.size());
    for (size_t i = 0; i < lt.data.size(); ++i) {
      const size_t c = per_channel ? static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels) : 0;
      q[i] = static_cast<int8_t>(QuantizeValue(lt.data[i], scales[c], 0, -127, 127));
    }
    bias_adjust_.assign(static_cast<size_t>(lt.shape[static_cast<size_t>(axis)]), 0.0);
    const LayerMoments* mo = moments_ && op_index_ < moments_->size() && (*moments_)[op_index_].valid
                                 ? &(*moments_)[op_index_] : nullptr;
    if (mo) {
      // Output channel o: a contiguous row (conv, FC) or a strided column (depthwise).
      const bool dw = axis == 3;
      const int oc = lt.shape[static_cast<size_t>(axis)];
      const int K = dw ? lt.shape[1] * lt.shape[2] : static_cast<int>(lt.numel() / oc);
      const int per_group = mo->groups > 0 ? (dw ? oc / mo->groups : oc / mo->groups) : oc;
      if (K == mo->K) {
        for (int o = 0; o < oc; ++o) {
          const int grp = per_group > 0 ? o / per_group : 0;
          const size_t base = dw ? static_cast<size_t>(o) : static_cast<size_t>(o) * K;
          const int stride = dw ? oc : 1;
          const double s = scales[per_channel ? static_cast<size_t>(o) : 0];
          if (mo->has_h)
            OptimizeRounding(lt.data.data() + base, K, stride, s, mo->H.data() + static_cast<size_t>(grp) * K * K,
                             -127, 127, q.data() + base);
          double err = 0;
          for (int k = 0; k < K; ++k)
            err += (q[base + static_cast<size_t>(k) * stride] * s - lt.data[base + static_cast<size_t>(k) * stride]) *
                   mo->mu[static_cast<size_t>(grp) * K + k];
          bias_adjust_[static_cast<size_t>(o)] = -err;
        }
      }
    }
    PutInt8(t, q);
    QTensor& qt = Q(t);
    qt.scales = scales;
    qt.zero_point = 0;
    qt.quant_axis = per_channel ? axis : 0;
    done_[static_cast<size_t>(t)] = true;
    return scales;
  }

  void QuantizeBias(int t, double in_scale, const std::vector<float>& w_scales, int64_t depth) {
    const LTensor& lt = L(t);
    const double limit = static_cast<double>(std::numeric_limits<int32_t>::max()) - static_cast<double>(depth) * 255.0 * 255.0;
    std::vector<int32_t> q(lt.data.size());
    std::vector<float> scales(lt.data.size());
    for (size_t c = 0; c < q.size(); ++c) {
      const double s = in_scale * w_scales[w_scales.size() == 1 ? 0 : c];
      const double adj = c < bias_adjust_.size() ? bias_adjust_[c] : 0.0;
      double v = std::round((lt.data[c] + adj) / s);
      v = std::clamp(v, -std::max(limit, 0.0), std::max(limit, 0.0));
      q[c] = static_cast<int32_t>(v);
      scales[c] = static_cast<float>(s);
    }
    QTensor& qt = Q(t);
    qt.int32 = true;
    qt.data.resize(q.size() * 4);
    std::memcpy(qt.data.data(), q.data(), qt.data.size());
    qt.scales = scales;
    qt.zero_point = 0;
    done_[static_cast<size_t>(t)] = true;
  }

  void QuantizeOp(const LOp& op) {
    QOp q;
    q.kind = op.kind;
    q.name = op.name;
    q.inputs = op.inputs;
    q.outputs = op.outputs;
    q.kh = op.kh; q.kw = op.kw; q.stride_h = op.stride_h; q.stride_w = op.stride_w;
    q.dil_h = op.dil_h; q.dil_w = op.dil_w;
    q.pad_t = op.pad_t; q.pad_l = op.pad_l; q.pad_b = op.pad_b; q.pad_r = op.pad_r;
    q.groups = op.groups; q.depth_multiplier = op.depth_multiplier;
    q.axis = op.axis; q.pads = op.pads; q.perm = op.perm; q.subtract = op.subtract;
    const int out = op.outputs[0];
    const int in0 = op.inputs[0];
    const double act_lo = op.act_min, act_hi = op.act_max;
    switch (op.kind) {
      case LKind::kConv:
      case LKind::kDepthwiseConv:
      case LKind::kFullyConnected: {
        const double s_in = Scale(in0);
        const int axis = op.kind == LKind::kDepthwiseConv ? 3 : 0;
        const auto ws = QuantizeWeights(op.inputs[1], axis);
        const LTensor& wt = L(op.inputs[1]);
        int64_t depth = 1;
        if (op.kind == LKind::kFullyConnected) depth = wt.shape[1];
        else if (op.kind == LKind::kDepthwiseConv) depth = int64_t{wt.shape[1]} * wt.shape[2];
        else depth = int64_t{wt.shape[1]} * wt.shape[2] * wt.shape[3];
        if (op.inputs.size() > 2 && op.inputs[2] >= 0) QuantizeBias(op.inputs[2], s_in, ws, depth);
        FromRange(out, act_lo, act_hi);
        const double s_out = Scale(out);
        for (float sw : ws) {
          int32_t m, s;
          QuantizeMultiplier(s_in * sw / s_out, &m, &s);
          q.multiplier.push_back(m);
          q.shift.push_back(s);
        }
        ActivationRange(act_lo, act_hi, s_out, Q(out).zero_point, &q.act_min, &q.act_max);
        break;
      }
      case LKind::kAdd:
      case LKind::kMul: {
        for (int k = 0; k < 2; ++k)
          if (L(op.inputs[static_cast<size_t>(k)]).is_const()) QuantizeConstInput(op.inputs[static_cast<size_t>(k)], nullptr);
        const double s1 = Scale(op.inputs[0]), s2 = Scale(op.inputs[1]);
        FromRange(out, act_lo, act_hi);
        const double so = Scale(out);
        if (op.kind == LKind::kAdd) {
          q.left_shift = 20;
          const double twice_max = 2.0 * std::max(s1, s2);
          QuantizeMultiplier(s1 / twice_max, &q.input1_multiplier, &q.input1_shift);
          QuantizeMultiplier(s2 / twice_max, &q.input2_multiplier, &q.input2_shift);
          QuantizeMultiplier(twice_max / (static_cast<double>(1 << q.left_shift) * so), &q.output_multiplier, &q.output_shift);
        } else {
          QuantizeMultiplier(s1 * s2 / so, &q.output_multiplier, &q.output_shift);
        }
        ActivationRange(act_lo, act_hi, so, Q(out).zero_point, &q.act_min, &q.act_max);
        break;
      }
      case LKind::kMaxPool:
      case LKind::kAvgPool:
        CopyParams(out, in0);
        ActivationRange(act_lo, act_hi, Scale(out), Q(out).zero_point, &q.act_min, &q.act_max);
        break;
      case LKind::kMean: {
        FromRange(out, act_lo, act_hi);
        const LTensor& it = L(in0);
        const int64_t hw = int64_t{it.shape[1]} * it.shape[2];
        int32_t m, s;
        QuantizeMultiplier(Scale(in0) / (Scale(out) * static_cast<double>(hw)), &m, &s);
        q.multiplier = {m};
        q.shift = {s};
        ActivationRange(act_lo, act_hi, Scale(out), Q(out).zero_point, &q.act_min, &q.act_max);
        break;
      }
      case LKind::kSoftmax: {
        PreprocessSoftmaxScaling(1.0, Scale(in0), 5, &q.softmax_multiplier, &q.softmax_left_shift);
        q.diff_min = -CalculateInputRadius(5, q.softmax_left_shift, 31);
        SetParams(out, 1.0f / 256.0f, -128, 0.0, 1.0);
        break;
      }
      case LKind::kLut: {
        FromRange(out, -kInf, kInf);
        const double si = Scale(in0), so = Scale(out);
        const int32_t zi = Q(in0).zero_point, zo = Q(out).zero_point;
        std::vector<double> xs(256);
        for (int i = 0; i < 256; ++i) xs[static_cast<size_t>(i)] = si * ((i - 128) - zi);
        const auto ys = EvalElementwiseBody(*op.fn, xs);
        q.table.resize(256);
        for (int i = 0; i < 256; ++i) {
          const double y = ys[static_cast<size_t>(i)];
          int32_t v;
          if (std::isnan(y)) v = zo;
          else if (std::isinf(y)) v = y > 0 ? 127 : -128;
          else v = QuantizeValue(y, so, zo, -128, 127);
          q.table[static_cast<size_t>(i)] = static_cast<int8_t>(v);
        }
        break;
      }
      case LKind::kRequantize: {
        FromRange(out, -kInf, kInf);
        int32_t m, s;
        QuantizeMultiplier(Scale(in0) / Scale(out), &m, &s);
        q.multiplier = {m};
        q.shift = {s};
        break;
      }
      case LKind::kConcat: {
        FromRange(out, -kInf, kInf);
        const QTensor& qo = Q(out);
        for (int in : op.inputs) {
          if (L(in).is_const()) QuantizeConstInput(in, &Q(out));
          const QTensor& qi = Q(in);
          if (!done_[static_cast<size_t>(in)]) Fail("internal error: concat input not quantized");
          if (qi.scales[0] == qo.scales[0] && qi.zero_point == qo.zero_point) {
            q.multiplier.push_back(0);
            q.shift.push_back(0);
          } else {
            int32_t m, s;
            QuantizeMultiplier(static_cast<double>(qi.scales[0]) / qo.scales[0], &m, &s);
            q.multiplier.push_back(m);
            q.shift.push_back(s);
          }
        }
        break;
      }
      case LKind::kPad:
      case LKind::kTranspose:
      case LKind::kReshape:
        CopyParams(out, in0);
        break;
    }
    m_.ops.push_back(std::move(q));
  }

  const LGraph& g_;
  const std::vector<TensorRange>& ranges_;
  const QuantOptions& o_;
  const std::vector<LayerMoments>* moments_;
  size_t op_index_ = 0;
  QModel m_;
  std::vector<bool> done_;
  std::vector<double> bias_adjust_;
  std::vector<std::pair<float, float>> override_;
  std::vector<bool> has_override_;  // real-valued bias corrections of the current op
};

}  // namespace

QModel Quantize(const LGraph& g, const std::vector<TensorRange>& ranges, const QuantOptions& options,
                const std::vector<LayerMoments>* moments) {
  if (ranges.size() != g.tensors.size()) Fail("internal error: ranges do not match the graph");
  return Quantizer(g, ranges, options, moments).Run();
}

}  // namespace converter
}  // namespace qinfer
