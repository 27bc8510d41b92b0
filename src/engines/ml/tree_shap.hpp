#pragma once
// Exact SHAP values of a gradient-boosted tree ensemble for one row, without XGBoost at
// prediction time: the trees are read from XGBoost's JSON model file and explained with
// path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent individualized feature
// attribution for tree ensembles", Algorithm 2), which is what XGBoost's own contribution
// prediction computes.
//
// SHAP values of one tree depend on the row only through the direction it takes at each internal
// node (a node it never reaches still matters: TreeSHAP follows both children). A small tree has
// few such direction patterns, so at load time every pattern's contributions (and the leaf it
// ends in) are computed once and kept in a table; a prediction then evaluates each split of each
// tree once and adds up table rows. Trees with more than kMaxTabledSplits internal nodes (up to 64) are
// explained directly instead. Read-only after construction: safe to share between threads.
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace medcore::ml {

class TreeEnsemble {
 public:
  static constexpr int kMaxTabledSplits = 8;  // 2^8 patterns per tree at most

  // The "learner" of an XGBoost 1.x JSON model (gbtree, binary:logistic, numeric splits only).
  // Throws std::runtime_error for anything else.
  static TreeEnsemble from_xgboost_json(const boost::json::object& model);

  std::size_t features() const { return features_; }
  std::size_t trees() const { return trees_.size(); }
  // Σ leaf values + the base margin (log-odds before the sigmoid).
  double margin(const float* x) const;
  // phi[0..features) = SHAP value per column, phi[features] = bias (expected margin); Σ phi = margin.
  // Returns the margin. `phi` must hold features() + 1 values.
  double contributions(const float* x, double* phi) const;

 private:
  struct Tree {
    std::vector<std::int32_t> left, right, feature;
    std::vector<float> threshold;  // goes left when x < threshold (or missing and default_left)
    std::vector<std::uint8_t> default_left;
    std::vector<double> value;  // leaf value (leaves only)
    std::vector<double> cover;  // sum of hessians
    std::vector<std::int32_t> splits;  // internal nodes, in order: bit k of a pattern is splits[k]
    std::vector<std::int32_t> bit_of;  // node → its bit, -1 for leaves
    // Tabled trees: per pattern, [entry_begin[pattern], entry_begin[pattern + 1]) in entries.
    std::vector<std::uint32_t> entry_begin;
    std::vector<std::pair<std::int32_t, double>> entries;  // (feature, SHAP value)
    std::vector<double> leaf_of_pattern;
    double expected = 0;  // cover-weighted mean leaf value
    bool tabled = false;
  };

  static void explain(const Tree& t, std::uint64_t pattern, double* phi);
  static std::uint64_t pattern_of(const Tree& t, const float* x);

  std::vector<Tree> trees_;
  std::size_t features_ = 0;
  double base_margin_ = 0;
};

}  // namespace medcore::ml
