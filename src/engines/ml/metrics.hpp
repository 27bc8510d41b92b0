#pragma once
// Scores of a binary classifier's probabilities. Pure functions, unit-tested on cases small
// enough to check by hand. y is 0/1; p is the predicted probability (or any score for the
// rank-based ones).
#include <cstddef>
#include <vector>

namespace medcore::ml {

// Area under the ROC curve = P(score of a random positive > a random negative), ties count 1/2.
// NaN when one class is absent.
double roc_auc(const std::vector<int>& y, const std::vector<double>& p);
// Average precision (area under the precision–recall curve as a step function):
// Σ over distinct thresholds (R_k − R_{k−1})·P_k. NaN without positives.
double pr_auc(const std::vector<int>& y, const std::vector<double>& p);
double brier(const std::vector<int>& y, const std::vector<double>& p);

struct CalibrationBin {
  double lo = 0, hi = 0;  // [lo, hi), the last bin closed
  std::size_t count = 0;
  double mean_predicted = 0;  // 0 when empty
  double observed_rate = 0;   // 0 when empty
};
// `bins` equal-width bins over [0, 1].
std::vector<CalibrationBin> calibration_bins(const std::vector<int>& y, const std::vector<double>& p,
                                             std::size_t bins = 10);
// Expected calibration error: Σ (count/n)·|observed − predicted| over the bins.
double expected_calibration_error(const std::vector<CalibrationBin>& bins);

struct Confusion {
  std::size_t tp = 0, fp = 0, tn = 0, fn = 0;
  double sensitivity() const;  // tp / (tp + fn)
  double specificity() const;  // tn / (tn + fp)
  double ppv() const;          // tp / (tp + fp)
  double npv() const;          // tn / (tn + fn)
};
// Positive when p >= threshold.
Confusion confusion_at(const std::vector<int>& y, const std::vector<double>& p, double threshold);

// The highest threshold whose sensitivity is at least `target`: half-way between the score of the
// ceil(target·positives)-th highest positive and the next lower score in the data.
double threshold_for_sensitivity(const std::vector<int>& y, const std::vector<double>& p, double target);
// The lowest threshold whose specificity is at least `target`: half-way between the score of the
// ceil(target·negatives)-th lowest negative and the next higher score in the data.
double threshold_for_specificity(const std::vector<int>& y, const std::vector<double>& p, double target);

struct Spread {
  double mean = 0, sd = 0, min = 0, max = 0;
  std::size_t n = 0;
};
// Sample standard deviation (n − 1); NaN entries are skipped.
Spread spread_of(const std::vector<double>& values);

}  // namespace medcore::ml
