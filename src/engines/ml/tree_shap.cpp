#include "engines/ml/tree_shap.hpp"

#include <boost/json.hpp>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace medcore::ml {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxDepth = 32;

// One feature on the path from the root to the current node (the root holds a dummy, feature -1):
// the fraction of "zero" paths (feature unknown: follow the covers) and "one" paths (feature
// known: follow the row) that pass through, and the permutation weight of the subset sizes.
struct PathElement {
  std::int32_t feature = -1;
  double zero = 0, one = 0, weight = 0;
};
using Path = std::array<PathElement, kMaxDepth + 2>;

// Appends a feature to the path and updates the weights (EXTEND in the paper).
std::size_t extend(Path& m, std::size_t len, double zero, double one, std::int32_t feature) {
  m[len] = {feature, zero, one, len == 0 ? 1.0 : 0.0};
  const double l1 = static_cast<double>(len + 1);
  for (std::size_t i = len; i-- > 0;) {
    m[i + 1].weight += one * m[i].weight * static_cast<double>(i + 1) / l1;
    m[i].weight = zero * m[i].weight * static_cast<double>(len - i) / l1;
  }
  return len + 1;
}

// Removes element i and undoes its effect on the weights (UNWIND).
std::size_t unwind(Path& m, std::size_t len, std::size_t i) {
  const double one = m[i].one, zero = m[i].zero, l = static_cast<double>(len);
  double n = m[len - 1].weight;
  for (std::size_t j = len - 1; j-- > 0;) {
    const double jj = static_cast<double>(j + 1);
    if (one != 0) {
      const double t = m[j].weight;
      m[j].weight = n * l / (jj * one);
      n = t - m[j].weight * zero * (l - jj) / l;
    } else {
      m[j].weight = m[j].weight * l / (zero * (l - jj));
    }
  }
  for (std::size_t j = i; j + 1 < len; ++j) {
    m[j].feature = m[j + 1].feature;
    m[j].zero = m[j + 1].zero;
    m[j].one = m[j + 1].one;
  }
  return len - 1;
}

// Σ of the weights UNWIND(m, i) would leave, without changing m.
double unwound_sum(const Path& m, std::size_t len, std::size_t i) {
  const double one = m[i].one, zero = m[i].zero, l = static_cast<double>(len);
  double total = 0;
  if (one != 0) {
    double n = m[len - 1].weight;
    for (std::size_t j = len - 1; j-- > 0;) {
      const double jj = static_cast<double>(j + 1);
      const double w = n * l / (jj * one);
      total += w;
      n = m[j].weight - w * zero * (l - jj) / l;
    }
  } else {
    for (std::size_t j = len - 1; j-- > 0;) {
      const double jj = static_cast<double>(j + 1);
      total += m[j].weight * l / (zero * (l - jj));
    }
  }
  return total;
}

template <class Tree, class GoesLeft>
void recurse(const Tree& t, const GoesLeft& goes_left, double* phi, std::int32_t node, const Path& parent,
             std::size_t len, double zero, double one, std::int32_t feature) {
  Path m = parent;
  len = extend(m, len, zero, one, feature);
  if (t.left[node] < 0) {
    const double v = t.value[node];
    for (std::size_t i = 1; i < len; ++i)
      phi[m[i].feature] += unwound_sum(m, len, i) * (m[i].one - m[i].zero) * v;
    return;
  }
  const bool left = goes_left(node);
  const std::int32_t hot = left ? t.left[node] : t.right[node];
  const std::int32_t cold = left ? t.right[node] : t.left[node];
  double incoming_zero = 1, incoming_one = 1;
  // A feature split on twice along a path: undo its first appearance and carry its fractions on.
  for (std::size_t k = 1; k < len; ++k) {
    if (m[k].feature == t.feature[node]) {
      incoming_zero = m[k].zero;
      incoming_one = m[k].one;
      len = unwind(m, len, k);
      break;
    }
  }
  const double c = t.cover[node];
  recurse(t, goes_left, phi, hot, m, len, incoming_zero * t.cover[hot] / c, incoming_one, t.feature[node]);
  recurse(t, goes_left, phi, cold, m, len, incoming_zero * t.cover[cold] / c, 0.0, t.feature[node]);
}

template <class T>
std::vector<T> numbers(const json::object& tree, const char* key) {
  std::vector<T> out;
  for (const auto& v : tree.at(key).as_array()) out.push_back(v.to_number<T>());
  return out;
}

}  // namespace

TreeEnsemble TreeEnsemble::from_xgboost_json(const json::object& model) {
  const auto& learner = model.at("learner").as_object();
  const auto& param = learner.at("learner_model_param").as_object();
  if (learner.at("objective").at("name").as_string() != "binary:logistic")
    throw std::runtime_error("tree SHAP: only binary:logistic models are supported");
  const auto& booster = learner.at("gradient_booster").as_object();
  if (booster.at("name").as_string() != "gbtree") throw std::runtime_error("tree SHAP: only gbtree models are supported");
  TreeEnsemble e;
  e.features_ = std::stoul(std::string(param.at("num_feature").as_string()));
  const double base_score = std::stod(std::string(param.at("base_score").as_string()));
  e.base_margin_ = std::log(base_score / (1 - base_score));

  for (const auto& tv : booster.at("model").at("trees").as_array()) {
    const auto& to = tv.as_object();
    if (!to.at("categories").as_array().empty()) throw std::runtime_error("tree SHAP: categorical splits are not supported");
    Tree t;
    t.left = numbers<std::int32_t>(to, "left_children");
    t.right = numbers<std::int32_t>(to, "right_children");
    t.feature = numbers<std::int32_t>(to, "split_indices");
    t.threshold = numbers<float>(to, "split_conditions");
    t.default_left = numbers<std::uint8_t>(to, "default_left");
    t.value = numbers<double>(to, "split_conditions");  // a leaf's "condition" is its value
    t.cover = numbers<double>(to, "sum_hessian");
    const std::size_t n = t.left.size();
    if (n == 0 || t.right.size() != n || t.feature.size() != n || t.threshold.size() != n || t.default_left.size() != n ||
        t.cover.size() != n)
      throw std::runtime_error("tree SHAP: a tree's arrays differ in length");
    t.bit_of.assign(n, -1);
    // Depth and expected value, parents before children (XGBoost numbers children after parents).
    std::vector<std::size_t> depth(n, 0);
    for (std::size_t j = 0; j < n; ++j) {
      if (t.left[j] < 0) continue;
      for (auto c : {t.left[j], t.right[j]}) {
        if (c <= static_cast<std::int32_t>(j) || static_cast<std::size_t>(c) >= n)
          throw std::runtime_error("tree SHAP: malformed tree");
        depth[static_cast<std::size_t>(c)] = depth[j] + 1;
        if (depth[static_cast<std::size_t>(c)] > kMaxDepth) throw std::runtime_error("tree SHAP: tree too deep");
      }
      if (t.feature[j] < 0 || static_cast<std::size_t>(t.feature[j]) >= e.features_)
        throw std::runtime_error("tree SHAP: split on an unknown feature");
      if (!(t.cover[j] > 0)) throw std::runtime_error("tree SHAP: node without cover");
      t.bit_of[j] = static_cast<std::int32_t>(t.splits.size());
      t.splits.push_back(static_cast<std::int32_t>(j));
    }
    if (t.splits.size() > 64) throw std::runtime_error("tree SHAP: more than 64 splits in a tree");
    std::vector<double> mean(n, 0);
    for (std::size_t j = n; j-- > 0;) {
      mean[j] = t.left[j] < 0 ? t.value[j]
                              : (t.cover[static_cast<std::size_t>(t.left[j])] * mean[static_cast<std::size_t>(t.left[j])] +
                                 t.cover[static_cast<std::size_t>(t.right[j])] * mean[static_cast<std::size_t>(t.right[j])]) /
                                    t.cover[j];
    }
    t.expected = mean[0];

    if (t.splits.size() <= static_cast<std::size_t>(kMaxTabledSplits)) {
      std::vector<std::int32_t> used;
      for (auto j : t.splits) {
        bool seen = false;
        for (auto f : used) seen = seen || f == t.feature[static_cast<std::size_t>(j)];
        if (!seen) used.push_back(t.feature[static_cast<std::size_t>(j)]);
      }
      const std::uint64_t patterns = std::uint64_t{1} << t.splits.size();
      std::vector<double> phi(e.features_, 0.0);
      for (std::uint64_t p = 0; p < patterns; ++p) {
        std::fill(phi.begin(), phi.end(), 0.0);
        explain(t, p, phi.data());
        t.entry_begin.push_back(static_cast<std::uint32_t>(t.entries.size()));
        for (auto f : used) t.entries.emplace_back(f, phi[static_cast<std::size_t>(f)]);
        std::int32_t node = 0;
        while (t.left[node] >= 0) node = (p >> t.bit_of[node]) & 1 ? t.left[node] : t.right[node];
        t.leaf_of_pattern.push_back(t.value[node]);
      }
      t.entry_begin.push_back(static_cast<std::uint32_t>(t.entries.size()));
      t.tabled = true;
    }
    e.trees_.push_back(std::move(t));
  }
  if (e.trees_.empty()) throw std::runtime_error("tree SHAP: the model has no trees");
  return e;
}

void TreeEnsemble::explain(const Tree& t, std::uint64_t pattern, double* phi) {
  Path root{};
  recurse(t, [&](std::int32_t node) { return ((pattern >> t.bit_of[node]) & 1) != 0; }, phi, 0, root, 0, 1.0, 1.0, -1);
}

std::uint64_t TreeEnsemble::pattern_of(const Tree& t, const float* x) {
  std::uint64_t p = 0;
  for (std::size_t k = 0; k < t.splits.size(); ++k) {
    const auto j = static_cast<std::size_t>(t.splits[k]);
    const float v = x[t.feature[j]];
    const bool left = std::isnan(v) ? t.default_left[j] != 0 : v < t.threshold[j];
    p |= static_cast<std::uint64_t>(left) << k;
  }
  return p;
}

double TreeEnsemble::margin(const float* x) const {
  double m = base_margin_;
  for (const auto& t : trees_) {
    std::int32_t node = 0;
    while (t.left[node] >= 0) {
      const auto j = static_cast<std::size_t>(node);
      const float v = x[t.feature[j]];
      const bool left = std::isnan(v) ? t.default_left[j] != 0 : v < t.threshold[j];
      node = left ? t.left[j] : t.right[j];
    }
    m += t.value[static_cast<std::size_t>(node)];
  }
  return m;
}

double TreeEnsemble::contributions(const float* x, double* phi) const {
  for (std::size_t f = 0; f <= features_; ++f) phi[f] = 0;
  double margin = base_margin_, bias = base_margin_;
  for (const auto& t : trees_) {
    const auto p = pattern_of(t, x);
    bias += t.expected;
    if (t.tabled) {
      for (auto k = t.entry_begin[p]; k < t.entry_begin[p + 1]; ++k) phi[t.entries[k].first] += t.entries[k].second;
      margin += t.leaf_of_pattern[p];
    } else {
      explain(t, p, phi);
      std::int32_t node = 0;
      while (t.left[node] >= 0) node = (p >> t.bit_of[node]) & 1 ? t.left[node] : t.right[node];
      margin += t.value[static_cast<std::size_t>(node)];
    }
  }
  phi[features_] = bias;
  return margin;
}

}  // namespace medcore::ml
