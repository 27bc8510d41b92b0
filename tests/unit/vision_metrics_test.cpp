// Multi-class scores (src/vision/multiclass_metrics.*) on cases small enough to check by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "vision/multiclass_metrics.hpp"

using namespace medcore::vision;

TEST(VisionMetrics, ScoresAPerfectClassifier) {
  const std::vector<int> y{0, 1, 2, 1};
  const ProbabilityRows p{{0.9, 0.05, 0.05}, {0.1, 0.8, 0.1}, {0.2, 0.2, 0.6}, {0.3, 0.6, 0.1}};
  const auto r = score_multiclass(y, p, 3);
  EXPECT_DOUBLE_EQ(r.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(r.macro_auc, 1.0);
  EXPECT_DOUBLE_EQ(r.balanced_accuracy, 1.0);
  EXPECT_EQ(r.confusion[1][1], 2u);
  EXPECT_DOUBLE_EQ(r.classes[1].precision, 1.0);
  EXPECT_NEAR(r.log_loss, -(std::log(0.9) + std::log(0.8) + std::log(0.6) + std::log(0.6)) / 4, 1e-12);
}

TEST(VisionMetrics, CountsMistakesInTheConfusionMatrixAndPerClassScores) {
  // Truth 0,0,1,1; predictions 0,1,1,1.
  const std::vector<int> y{0, 0, 1, 1};
  const ProbabilityRows p{{0.7, 0.3}, {0.4, 0.6}, {0.2, 0.8}, {0.1, 0.9}};
  const auto r = score_multiclass(y, p, 2);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.75);
  EXPECT_EQ(r.confusion[0][1], 1u);
  EXPECT_DOUBLE_EQ(r.classes[0].recall, 0.5);
  EXPECT_DOUBLE_EQ(r.classes[1].recall, 1.0);
  EXPECT_NEAR(r.classes[1].precision, 2.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(r.balanced_accuracy, 0.75);
  // Class 1's scores 0.3, 0.6 (negatives) against 0.8, 0.9 (positives): perfectly ranked.
  EXPECT_DOUBLE_EQ(r.classes[1].auc, 1.0);
}

TEST(VisionMetrics, MacroAucSkipsAbsentClasses) {
  const std::vector<int> y{0, 1};
  const ProbabilityRows p{{0.6, 0.3, 0.1}, {0.3, 0.6, 0.1}};
  const auto r = score_multiclass(y, p, 3);
  EXPECT_TRUE(std::isnan(r.classes[2].auc));
  EXPECT_DOUBLE_EQ(r.macro_auc, 1.0);
}

TEST(VisionMetrics, CalibrationErrorIsTheGapBetweenConfidenceAndHits) {
  // Confidence 0.8 on four images, three right: |0.75 − 0.8| = 0.05.
  const std::vector<int> y{0, 0, 0, 1};
  const ProbabilityRows p(4, {0.8, 0.2});
  EXPECT_NEAR(score_multiclass(y, p, 2).ece, 0.05, 1e-12);
}
