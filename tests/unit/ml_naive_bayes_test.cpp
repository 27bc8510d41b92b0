// The naive Bayes of src/engines/ml against numbers worked out by hand.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>

#include "engines/ml/naive_bayes.hpp"

using namespace medcore::ml;

namespace {
// One continuous feature x and one categorical feature c with two categories.
//   class 1: (x=2, c=1), (x=4, c=1), (x=6, c=0)
//   class 0: (x=1, c=0), (x=3, c=missing)
// Prior log-odds: log(3/2) = 0.4054651.
// x | 1 ~ N(mean 4, var (4+0+4)/3 = 8/3); x | 0 ~ N(mean 2, var (1+1)/2 = 1)   (maximum likelihood).
// c with α = 1, K = 2: P(c=1|1) = (2+1)/(3+2) = 3/5, P(c=0|1) = 2/5;
//   class 0 has one observed c (the missing one is skipped): P(c=0|0) = (1+1)/(1+2) = 2/3, P(c=1|0) = 1/3.
// LLR(c=1) = log(3/5) − log(1/3) = log(9/5) = 0.5877867; LLR(c=0) = log(2/5) − log(2/3) = log(3/5) = −0.5108256.
// For x = 3: log N(3; 4, 8/3) = −½·log(2π·8/3) − 1/(2·8/3) = −1.5968532,
//            log N(3; 2, 1)   = −½·log(2π) − ½          = −1.4189385, LLR(x=3) = −0.1779146.
// Row (x=3, c=1): log-odds 0.4054651 − 0.1779146 + 0.5877867 = 0.8153371 → p = 0.6932457.
// Row (x missing, c=0): log-odds log(3/2) + log(3/5) = log(9/10) → p = 9/19.
Schema tiny_schema() {
  Schema s;
  s.name = "tiny";
  s.kind = ModelKind::naive_bayes;
  FeatureSpec x;
  x.name = "x";
  x.kind = FeatureKind::continuous;
  FeatureSpec c;
  c.name = "c";
  c.kind = FeatureKind::categorical;
  c.categories = {"0", "1"};
  s.features = {x, c};
  return s;
}

Dataset tiny_data(const Schema& s) {
  Dataset d;
  d.schema = &s;
  d.p = 2;
  d.n = 5;
  d.x = {2, 1, 4, 1, 6, 0, 1, 0, 3, NAN};
  d.y = {1, 1, 1, 0, 0};
  return d;
}
}  // namespace

TEST(MlNaiveBayes, MatchesHandComputedValues) {
  const auto s = tiny_schema();
  const auto d = tiny_data(s);
  const auto nb = NaiveBayes::fit(d, {}, NaiveBayesParams{1.0});
  EXPECT_NEAR(nb.prior_log_odds(), 0.4054651, 1e-6);
  const double row[2] = {3, 1};
  double c[2];
  nb.contributions(row, c);
  EXPECT_NEAR(c[0], -0.1779146, 1e-6);
  EXPECT_NEAR(c[1], 0.5877867, 1e-6);
  EXPECT_NEAR(nb.log_odds(row), 0.8153371, 1e-6);
  EXPECT_NEAR(nb.probability(row), 0.6932457, 1e-6);

  const double missing[2] = {NAN, 0};
  nb.contributions(missing, c);
  EXPECT_DOUBLE_EQ(c[0], 0.0);  // a missing value's term is skipped
  EXPECT_NEAR(c[1], -0.5108256, 1e-6);
  EXPECT_NEAR(nb.probability(missing), 9.0 / 19.0, 1e-9);
}

TEST(MlNaiveBayes, SmoothingAndSubsets) {
  const auto s = tiny_schema();
  const auto d = tiny_data(s);
  // α = 2: P(c=1|1) = (2+2)/(3+4) = 4/7, P(c=1|0) = (0+2)/(1+4) = 2/5 → LLR = log(10/7).
  const auto nb = NaiveBayes::fit(d, {}, NaiveBayesParams{2.0});
  const double row[2] = {NAN, 1};
  double c[2];
  nb.contributions(row, c);
  EXPECT_NEAR(c[1], std::log(10.0 / 7.0), 1e-9);
  // Only rows 0, 2, 3: class 1 has x = 2, 6, class 0 has x = 1: one value, variance 0 + the floor.
  const auto sub = NaiveBayes::fit(d, {0, 2, 3}, NaiveBayesParams{1.0});
  EXPECT_NEAR(sub.prior_log_odds(), std::log(2.0), 1e-12);
  EXPECT_THROW(NaiveBayes::fit(d, {0, 1}, NaiveBayesParams{1.0}), std::invalid_argument);  // one class only
}

TEST(MlNaiveBayes, JsonRoundTrip) {
  const auto s = tiny_schema();
  const auto d = tiny_data(s);
  const auto nb = NaiveBayes::fit(d, {}, NaiveBayesParams{1.0});
  const auto again = NaiveBayes::from_json(boost::json::parse(boost::json::serialize(nb.to_json())).as_object());
  const double row[2] = {3, 1};
  EXPECT_DOUBLE_EQ(again.log_odds(row), nb.log_odds(row));
}
