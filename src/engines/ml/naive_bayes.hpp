#pragma once
// Naive Bayes for mixed tabular data, written here:
//  - continuous features: a Gaussian per class (mean, variance by maximum likelihood, plus a tiny
//    variance floor of 1e-9 × the feature's overall variance so a constant column cannot divide by 0);
//  - categorical features: P(v | c) = (count(c, v) + α) / (n_c + α·K) with K the number of known
//    categories (Laplace/Lidstone smoothing);
//  - a missing value (NaN) contributes nothing: its term is skipped in training and prediction.
// The log-odds of a row is log(n₁/n₀) + Σ_j [log p(x_j | 1) − log p(x_j | 0)]; each summand is that
// feature's log-likelihood ratio, which is also its contribution in an explanation.
#include <boost/json/object.hpp>
#include <cstddef>
#include <vector>

#include "engines/ml/schema.hpp"

namespace medcore::ml {

struct NaiveBayesParams {
  double alpha = 1.0;  // Laplace smoothing for categorical features
};

class NaiveBayes {
 public:
  // Fits on the rows `rows` of d (all rows when empty).
  static NaiveBayes fit(const Dataset& d, const std::vector<std::size_t>& rows, NaiveBayesParams params);

  double prior_log_odds() const { return prior_log_odds_; }
  // Per-feature log-likelihood ratios (0 for a missing value) into out[0..p).
  void contributions(const double* x, double* out) const;
  double log_odds(const double* x) const;
  double probability(const double* x) const;
  std::size_t features() const { return kinds_.size(); }

  boost::json::object to_json() const;
  static NaiveBayes from_json(const boost::json::object& o);

 private:
  struct Gaussian {
    double mean[2] = {0, 0}, var[2] = {1, 1};
  };
  NaiveBayesParams params_;
  double prior_log_odds_ = 0;
  std::vector<FeatureKind> kinds_;
  std::vector<Gaussian> gauss_;                   // per feature (unused for categorical)
  std::vector<std::vector<double>> log_ratio_;    // per feature, per category: log P(v|1) − log P(v|0)
};

}  // namespace medcore::ml
