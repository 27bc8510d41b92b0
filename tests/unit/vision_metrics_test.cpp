// Multi-class scores (src/engines/vision/multiclass_metrics.*) on cases small enough to check by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engines/vision/multiclass_metrics.hpp"
#include "engines/vision/skin_referral.hpp"

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

// The urgency rule scored on labelled rows: what `medcore evaluate skin` reports about melanomas.
TEST(SkinReferral, CountsMelanomasSentPromptlyAndThoseReassured) {
  using namespace medcore::vision;
  // akiec, bcc, bkl, df, mel, nv, vasc
  const ProbabilityRows p = {
      {0.0, 0.0, 0.0, 0.0, 0.9, 0.1, 0.0},     // melanoma on top → prompt
      {0.0, 0.0, 0.05, 0.0, 0.25, 0.7, 0.0},   // mole on top, share 0.25 → prompt at 0.2, soon at 0.3
      {0.0, 0.0, 0.0, 0.0, 0.01, 0.99, 0.0},   // melanoma that looks like a confident mole → routine
      {0.0, 0.8, 0.0, 0.0, 0.0, 0.2, 0.0},     // basal cell carcinoma on top → prompt
      {0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0},     // a mole → routine
      {0.0, 0.0, 0.05, 0.0, 0.25, 0.7, 0.0},   // a mole with a melanoma share → prompt at 0.2
  };
  const std::vector<int> labels = {4, 4, 4, 1, 5, 5};
  const auto at = score_referral(labels, p, 0.2);
  EXPECT_EQ(at.needs_doctor, 4u);
  EXPECT_EQ(at.melanomas, 3u);
  EXPECT_EQ(at.others, 2u);
  EXPECT_DOUBLE_EQ(at.sensitivity, 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(at.melanoma_sensitivity, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(at.melanoma_routine, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(at.others_prompt, 1.0 / 2.0);
  EXPECT_DOUBLE_EQ(at.others_routine, 1.0 / 2.0);
  const auto stricter = score_referral(labels, p, 0.3);
  EXPECT_DOUBLE_EQ(stricter.melanoma_sensitivity, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(stricter.others_prompt, 0.0);
  EXPECT_DOUBLE_EQ(stricter.melanoma_routine, 1.0 / 3.0);  // the share-0.25 melanoma is `soon`, not routine

  const auto table = referral_table(labels, p);
  ASSERT_FALSE(table.empty());
  EXPECT_GT(table.front().prompt_share, 1.0);  // "top class only" first
  for (std::size_t i = 1; i < table.size(); ++i) {
    EXPECT_LT(table[i].prompt_share, table[i - 1].prompt_share);
    EXPECT_GE(table[i].sensitivity, table[i - 1].sensitivity);  // a lower threshold never refers fewer
  }
  EXPECT_EQ(std::count_if(table.begin(), table.end(), [](const ReferralScore& s) { return s.prompt_share == skin_prompt_malignant_share; }), 1);
  EXPECT_THROW(score_referral({4}, p, 0.2), std::invalid_argument);
}
