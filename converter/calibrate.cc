#include "converter/calibrate.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "converter/error.h"

namespace qinfer {
namespace converter {

const char* CalibMethodName(CalibMethod m) {
  switch (m) {
    case CalibMethod::kMinMax: return "minmax";
    case CalibMethod::kEma: return "ema";
    case CalibMethod::kPercentile: return "percentile";
    case CalibMethod::kMse: return "mse";
  }
  return "?";
}

bool ParseCalibMethod(const std::string& s, CalibMethod* m) {
  if (s == "minmax") *m = CalibMethod::kMinMax;
  else if (s == "ema") *m = CalibMethod::kEma;
  else if (s == "percentile") *m = CalibMethod::kPercentile;
  else if (s == "mse") *m = CalibMethod::kMse;
  else return false;
  return true;
}

namespace {

struct Stats {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double ema_min = 0, ema_max = 0;
  bool ema_init = false;
  double sum = 0, sumsq = 0;
  int64_t count = 0;
  double hlo = 0, hhi = 0;  // histogram range
  std::vector<double> hist;
};

struct Prefix {
  std::vector<double> c, cx, cx2;  // prefix sums over bins [0, i)
};

// Squared error of quantizing the histogram to [lo, hi] with `levels` steps.
double QuantError(const Stats& s, const Prefix& p, double lo, double hi, double levels) {
  const int bins = static_cast<int>(s.hist.size());
  const double w = (s.hhi - s.hlo) / bins;
  auto bin_of = [&](double v) {
    const double f = (v - s.hlo) / w;
    return std::clamp(static_cast<int>(std::floor(f + 0.5)), 0, bins);
  };
  const int a = bin_of(lo), b = bin_of(hi);  // bins [a, b) are inside
  const double step = (hi - lo) / levels;
  // Below lo: sum c (x - lo)^2 = cx2 - 2 lo cx + lo^2 c.
  const double c_lo = p.c[static_cast<size_t>(a)], cx_lo = p.cx[static_cast<size_t>(a)], cx2_lo = p.cx2[static_cast<size_t>(a)];
  const double c_hi = p.c[static_cast<size_t>(bins)] - p.c[static_cast<size_t>(b)];
  const double cx_hi = p.cx[static_cast<size_t>(bins)] - p.cx[static_cast<size_t>(b)];
  const double cx2_hi = p.cx2[static_cast<size_t>(bins)] - p.cx2[static_cast<size_t>(b)];
  const double inside = p.c[static_cast<size_t>(b)] - p.c[static_cast<size_t>(a)];
  const double e_lo = std::max(0.0, cx2_lo - 2 * lo * cx_lo + lo * lo * c_lo);
  const double e_hi = std::max(0.0, cx2_hi - 2 * hi * cx_hi + hi * hi * c_hi);
  return e_lo + e_hi + inside * step * step / 12.0;
}

void ChooseRange(Stats& s, const CalibOptions& o, TensorRange* r) {
  r->observed = s.count > 0;
  if (!r->observed) return;
  r->min = static_cast<float>(s.min);
  r->max = static_cast<float>(s.max);
  double lo = s.min, hi = s.max;
  if (o.zscore > 0 && s.count > 1) {
    const double mean = s.sum / static_cast<double>(s.count);
    const double sd = std::sqrt(std::max(0.0, s.sumsq / static_cast<double>(s.count) - mean * mean));
    lo = std::max(lo, mean - o.zscore * sd);
    hi = std::min(hi, mean + o.zscore * sd);
  }
  switch (o.method) {
    case CalibMethod::kMinMax:
      break;
    case CalibMethod::kEma:
      lo = std::max(lo, s.ema_min);
      hi = std::min(hi, s.ema_max);
      break;
    case CalibMethod::kPercentile:
    case CalibMethod::kMse: {
      if (s.hist.empty()) break;
      const int bins = static_cast<int>(s.hist.size());
      const double w = (s.hhi - s.hlo) / bins;
      // Histogram restricted to the z-score window.
      Stats h = s;
      for (int i = 0; i < bins; ++i) {
        const double x = s.hlo + (i + 0.5) * w;
        if (x < lo - w || x > hi + w) h.hist[static_cast<size_t>(i)] = 0;
      }
      double total = 0;
      for (double c : h.hist) total += c;
      if (total <= 0) break;
      if (o.method == CalibMethod::kPercentile) {
        const double tail = total * (1.0 - o.percentile / 100.0) / 2.0;
        double acc = 0;
        double plo = lo, phi = hi;
        for (int i = 0; i < bins; ++i) {
          acc += h.hist[static_cast<size_t>(i)];
          if (acc > tail) { plo = s.hlo + i * w; break; }
        }
        acc = 0;
        for (int i = bins - 1; i >= 0; --i) {
          acc += h.hist[static_cast<size_t>(i)];
          if (acc > tail) { phi = s.hlo + (i + 1) * w; break; }
        }
        lo = std::max(lo, plo);
        hi = std::min(hi, phi);
        break;
      }
      Prefix p;
      p.c.assign(static_cast<size_t>(bins) + 1, 0);
      p.cx = p.c;
      p.cx2 = p.c;
      for (int i = 0; i < bins; ++i) {
        const double x = s.hlo + (i + 0.5) * w, c = h.hist[static_cast<size_t>(i)];
        p.c[static_cast<size_t>(i) + 1] = p.c[static_cast<size_t>(i)] + c;
        p.cx[static_cast<size_t>(i) + 1] = p.cx[static_cast<size_t>(i)] + c * x;
        p.cx2[static_cast<size_t>(i) + 1] = p.cx2[static_cast<size_t>(i)] + c * x * x;
      }
      const double base_lo = std::min(lo, 0.0), base_hi = std::max(hi, 0.0);
      double best = std::numeric_limits<double>::infinity(), blo = base_lo, bhi = base_hi;
      const int kSteps = 100;
      if (o.symmetric) {
        const double m = std::max(-base_lo, base_hi);
        for (int i = 1; i <= kSteps; ++i) {
          const double t = m * i / kSteps;
          const double e = QuantError(h, p, -t, t, 254.0);
          if (e < best) { best = e; blo = -t; bhi = t; }
        }
      } else {
        for (int i = 1; i <= kSteps; ++i) {
          const double chi = base_hi * i / kSteps;
          for (int j = 1; j <= kSteps; ++j) {
            const double clo = base_lo * j / kSteps;
            if (chi - clo <= 0) continue;
            const double e = QuantError(h, p, clo, chi, 255.0);
            if (e < best) { best = e; blo = clo; bhi = chi; }
          }
          if (base_lo == 0) {
            const double e = QuantError(h, p, 0, chi, 255.0);
            if (e < best) { best = e; blo = 0; bhi = chi; }
          }
        }
      }
      lo = blo;
      hi = bhi;
      break;
    }
  }
  if (hi < lo) hi = lo;
  r->lo = static_cast<float>(lo);
  r->hi = static_cast<float>(hi);
}

}  // namespace

std::vector<TensorRange> Calibrate(const LGraph& g, const std::vector<Sample>& samples,
                                   const CalibOptions& o) {
  if (samples.empty()) Fail("no calibration samples");
  const size_t nt = g.tensors.size();
  std::vector<Stats> st(nt);
  const bool need_hist = o.method == CalibMethod::kPercentile || o.method == CalibMethod::kMse;
  const size_t total = samples.size() * (need_hist ? 2 : 1);
  size_t done = 0;
  for (const Sample& smp : samples) {
    const auto v = RunFloat(g, smp);
    for (size_t t = 0; t < nt; ++t) {
      if (g.tensors[t].is_const()) continue;
      Stats& s = st[t];
      double mn = std::numeric_limits<double>::infinity(), mx = -mn;
      for (float x : v[t]) {
        if (!std::isfinite(x)) continue;
        mn = std::min<double>(mn, x);
        mx = std::max<double>(mx, x);
        s.sum += x;
        s.sumsq += static_cast<double>(x) * x;
        ++s.count;
      }
      if (mn > mx) continue;
      s.min = std::min(s.min, mn);
      s.max = std::max(s.max, mx);
      if (!s.ema_init) {
        s.ema_min = mn;
        s.ema_max = mx;
        s.ema_init = true;
      } else {
        s.ema_min = o.ema_decay * s.ema_min + (1 - o.ema_decay) * mn;
        s.ema_max = o.ema_decay * s.ema_max + (1 - o.ema_decay) * mx;
      }
    }
    if (o.progress) o.progress(++done, total);
  }
  if (need_hist) {
    for (size_t t = 0; t < nt; ++t) {
      Stats& s = st[t];
      if (g.tensors[t].is_const() || s.count == 0) continue;
      s.hlo = std::min(s.min, 0.0);
      s.hhi = std::max(s.max, 0.0);
      if (s.hhi - s.hlo <= 0) s.hhi = s.hlo + 1e-6;
      s.hist.assign(static_cast<size_t>(o.bins), 0.0);
    }
    for (const Sample& smp : samples) {
      const auto v = RunFloat(g, smp);
      for (size_t t = 0; t < nt; ++t) {
        Stats& s = st[t];
        if (s.hist.empty()) continue;
        const double scale = o.bins / (s.hhi - s.hlo);
        for (float x : v[t]) {
          if (!std::isfinite(x)) continue;
          const int b = std::clamp(static_cast<int>((x - s.hlo) * scale), 0, o.bins - 1);
          s.hist[static_cast<size_t>(b)] += 1;
        }
      }
      if (o.progress) o.progress(++done, total);
    }
  }
  std::vector<TensorRange> out(nt);
  for (size_t t = 0; t < nt; ++t)
    if (!g.tensors[t].is_const()) ChooseRange(st[t], o, &out[t]);
  return out;
}

}  // namespace converter
}  // namespace qinfer
