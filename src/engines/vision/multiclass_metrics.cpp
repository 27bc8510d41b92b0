#include "engines/vision/multiclass_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engines/ml/metrics.hpp"

namespace medcore::vision {

std::size_t argmax(const std::vector<double>& row) {
  return static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin());
}

MulticlassReport score_multiclass(const std::vector<int>& labels, const ProbabilityRows& p, std::size_t k) {
  MulticlassReport r;
  r.n = labels.size();
  r.classes.assign(k, {});
  r.confusion.assign(k, std::vector<std::size_t>(k, 0));
  if (r.n == 0) return r;
  constexpr std::size_t bins = 10;
  std::vector<double> bin_conf(bins, 0), bin_hit(bins, 0);
  std::vector<std::size_t> bin_n(bins, 0);
  std::size_t correct = 0;
  double nll = 0;
  for (std::size_t i = 0; i < r.n; ++i) {
    const auto truth = static_cast<std::size_t>(labels[i]);
    const std::size_t guess = argmax(p[i]);
    ++r.confusion[truth][guess];
    const bool hit = guess == truth;
    correct += hit;
    nll -= std::log(std::max(p[i][truth], 1e-12));
    const double conf = p[i][guess];
    const std::size_t b = std::min(bins - 1, static_cast<std::size_t>(conf * bins));
    bin_conf[b] += conf;
    bin_hit[b] += hit;
    ++bin_n[b];
  }
  r.accuracy = static_cast<double>(correct) / r.n;
  r.log_loss = nll / r.n;
  for (std::size_t b = 0; b < bins; ++b)
    if (bin_n[b]) r.ece += std::abs(bin_hit[b] - bin_conf[b]) / r.n;

  double auc_sum = 0, recall_sum = 0;
  std::size_t present = 0;
  for (std::size_t c = 0; c < k; ++c) {
    std::vector<int> y(r.n);
    std::vector<double> s(r.n);
    for (std::size_t i = 0; i < r.n; ++i) {
      y[i] = static_cast<std::size_t>(labels[i]) == c;
      s[i] = p[i][c];
    }
    ClassScore& cs = r.classes[c];
    cs.support = static_cast<std::size_t>(std::count(y.begin(), y.end(), 1));
    std::size_t column = 0;
    for (std::size_t t = 0; t < k; ++t) column += r.confusion[t][c];
    cs.precision = column ? static_cast<double>(r.confusion[c][c]) / column : 0.0;
    cs.recall = cs.support ? static_cast<double>(r.confusion[c][c]) / cs.support : 0.0;
    cs.auc = ml::roc_auc(y, s);
    if (cs.support && cs.support < r.n) {
      auc_sum += cs.auc;
      recall_sum += cs.recall;
      ++present;
    }
  }
  r.macro_auc = present ? auc_sum / present : std::numeric_limits<double>::quiet_NaN();
  r.balanced_accuracy = present ? recall_sum / present : 0.0;
  return r;
}

}  // namespace medcore::vision
