#include "engines/ml/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace medcore::ml {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(std::size_t a, std::size_t b) { return b == 0 ? kNaN : static_cast<double>(a) / static_cast<double>(b); }

std::vector<std::size_t> order_by_score_desc(const std::vector<double>& p) {
  std::vector<std::size_t> idx(p.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return p[a] > p[b]; });
  return idx;
}
}  // namespace

double roc_auc(const std::vector<int>& y, const std::vector<double>& p) {
  // Mann–Whitney U with mid-ranks for ties.
  const std::size_t n = y.size();
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return p[a] < p[b]; });
  double rank_sum = 0;
  std::size_t pos = 0;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && p[idx[j]] == p[idx[i]]) ++j;
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k)
      if (y[idx[k]] == 1) {
        rank_sum += mid_rank;
        ++pos;
      }
    i = j;
  }
  const std::size_t neg = n - pos;
  if (pos == 0 || neg == 0) return kNaN;
  const double dp = static_cast<double>(pos), dn = static_cast<double>(neg);
  return (rank_sum - dp * (dp + 1) / 2.0) / (dp * dn);
}

double pr_auc(const std::vector<int>& y, const std::vector<double>& p) {
  const auto idx = order_by_score_desc(p);
  const std::size_t total_pos = static_cast<std::size_t>(std::count(y.begin(), y.end(), 1));
  if (total_pos == 0) return kNaN;
  double ap = 0, prev_recall = 0;
  std::size_t tp = 0, seen = 0;
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j < idx.size() && p[idx[j]] == p[idx[i]]) {
      tp += y[idx[j]] == 1 ? 1 : 0;
      ++j;
    }
    seen = j;
    const double recall = static_cast<double>(tp) / static_cast<double>(total_pos);
    const double precision = static_cast<double>(tp) / static_cast<double>(seen);
    ap += (recall - prev_recall) * precision;
    prev_recall = recall;
    i = j;
  }
  return ap;
}

double brier(const std::vector<int>& y, const std::vector<double>& p) {
  if (y.empty()) return kNaN;
  double s = 0;
  for (std::size_t i = 0; i < y.size(); ++i) s += (p[i] - y[i]) * (p[i] - y[i]);
  return s / static_cast<double>(y.size());
}

std::vector<CalibrationBin> calibration_bins(const std::vector<int>& y, const std::vector<double>& p,
                                             std::size_t bins) {
  std::vector<CalibrationBin> out(bins);
  std::vector<double> sum_p(bins, 0), sum_y(bins, 0);
  for (std::size_t b = 0; b < bins; ++b) {
    out[b].lo = static_cast<double>(b) / static_cast<double>(bins);
    out[b].hi = static_cast<double>(b + 1) / static_cast<double>(bins);
  }
  for (std::size_t i = 0; i < y.size(); ++i) {
    auto b = static_cast<std::size_t>(std::clamp(p[i], 0.0, 1.0) * static_cast<double>(bins));
    if (b >= bins) b = bins - 1;
    ++out[b].count;
    sum_p[b] += p[i];
    sum_y[b] += y[i];
  }
  for (std::size_t b = 0; b < bins; ++b)
    if (out[b].count) {
      out[b].mean_predicted = sum_p[b] / static_cast<double>(out[b].count);
      out[b].observed_rate = sum_y[b] / static_cast<double>(out[b].count);
    }
  return out;
}

double expected_calibration_error(const std::vector<CalibrationBin>& bins) {
  std::size_t n = 0;
  for (const auto& b : bins) n += b.count;
  if (n == 0) return kNaN;
  double e = 0;
  for (const auto& b : bins)
    e += static_cast<double>(b.count) / static_cast<double>(n) * std::fabs(b.observed_rate - b.mean_predicted);
  return e;
}

double Confusion::sensitivity() const { return ratio(tp, tp + fn); }
double Confusion::specificity() const { return ratio(tn, tn + fp); }
double Confusion::ppv() const { return ratio(tp, tp + fp); }
double Confusion::npv() const { return ratio(tn, tn + fn); }

Confusion confusion_at(const std::vector<int>& y, const std::vector<double>& p, double threshold) {
  Confusion c;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const bool predicted = p[i] >= threshold;
    if (y[i] == 1)
      (predicted ? c.tp : c.fn)++;
    else
      (predicted ? c.fp : c.tn)++;
  }
  return c;
}

double threshold_for_sensitivity(const std::vector<int>& y, const std::vector<double>& p, double target) {
  std::vector<double> pos;
  for (std::size_t i = 0; i < y.size(); ++i)
    if (y[i] == 1) pos.push_back(p[i]);
  if (pos.empty()) return kNaN;
  std::sort(pos.begin(), pos.end(), std::greater<>());
  auto k = static_cast<std::size_t>(std::ceil(target * static_cast<double>(pos.size()) - 1e-9));
  k = std::clamp<std::size_t>(k, 1, pos.size());
  const double at = pos[k - 1];
  // The next lower score anywhere in the data, so the threshold sits in the gap.
  double below = -std::numeric_limits<double>::infinity();
  for (double v : p)
    if (v < at && v > below) below = v;
  return std::isinf(below) ? at : (at + below) / 2.0;
}

double threshold_for_specificity(const std::vector<int>& y, const std::vector<double>& p, double target) {
  std::vector<double> neg;
  for (std::size_t i = 0; i < y.size(); ++i)
    if (y[i] == 0) neg.push_back(p[i]);
  if (neg.empty()) return kNaN;
  std::sort(neg.begin(), neg.end());
  auto m = static_cast<std::size_t>(std::ceil(target * static_cast<double>(neg.size()) - 1e-9));
  m = std::clamp<std::size_t>(m, 1, neg.size());
  const double at = neg[m - 1];
  double above = std::numeric_limits<double>::infinity();
  for (double v : p)
    if (v > at && v < above) above = v;
  return std::isinf(above) ? std::nextafter(at, std::numeric_limits<double>::infinity()) : (at + above) / 2.0;
}

Spread spread_of(const std::vector<double>& values) {
  Spread s;
  double sum = 0;
  s.min = std::numeric_limits<double>::infinity();
  s.max = -std::numeric_limits<double>::infinity();
  for (double v : values)
    if (!std::isnan(v)) {
      sum += v;
      ++s.n;
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
    }
  if (s.n == 0) return Spread{kNaN, kNaN, kNaN, kNaN, 0};
  s.mean = sum / static_cast<double>(s.n);
  double ss = 0;
  for (double v : values)
    if (!std::isnan(v)) ss += (v - s.mean) * (v - s.mean);
  s.sd = s.n > 1 ? std::sqrt(ss / static_cast<double>(s.n - 1)) : 0.0;
  return s;
}

}  // namespace medcore::ml
