#pragma once
// Scores of a multi-class classifier's probability rows. Pure (no LibTorch) and unit-tested.
#include <cstddef>
#include <vector>

namespace medcore::vision {

using ProbabilityRows = std::vector<std::vector<double>>;  // n rows × k classes, each row sums to 1

struct ClassScore {
  std::size_t support = 0;  // true members
  double precision = 0, recall = 0;
  double auc = 0;  // one-vs-rest; NaN when the class is absent
};

struct MulticlassReport {
  std::size_t n = 0;
  double accuracy = 0;
  double macro_auc = 0;         // mean one-vs-rest AUC over classes present
  double balanced_accuracy = 0; // mean recall over classes present
  double log_loss = 0;
  double ece = 0;               // top-label expected calibration error, 10 equal-width bins
  std::vector<ClassScore> classes;
  std::vector<std::vector<std::size_t>> confusion;  // [true][predicted]
};

std::size_t argmax(const std::vector<double>& row);
MulticlassReport score_multiclass(const std::vector<int>& labels, const ProbabilityRows& probabilities,
                                  std::size_t classes);

}  // namespace medcore::vision
