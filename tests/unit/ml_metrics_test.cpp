// Metrics, folds, CSV and schema parsing of src/ml, on cases small enough to check by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "engines/ml/csv.hpp"
#include "engines/ml/folds.hpp"
#include "engines/ml/metrics.hpp"
#include "engines/ml/schema.hpp"

using namespace medcore::ml;

namespace {
// Four rows, sorted by score: 0.9 (pos), 0.8 (neg), 0.7 (pos), 0.1 (neg).
const std::vector<int> kY = {1, 0, 1, 0};
const std::vector<double> kP = {0.9, 0.8, 0.7, 0.1};
}  // namespace

TEST(MlMetrics, RocAucCountsOrderedPairs) {
  // Positive/negative pairs: (0.9,0.8) ✓ (0.9,0.1) ✓ (0.7,0.8) ✗ (0.7,0.1) ✓ → 3/4.
  EXPECT_DOUBLE_EQ(roc_auc(kY, kP), 0.75);
  // A tie counts one half.
  EXPECT_DOUBLE_EQ(roc_auc({1, 0}, {0.5, 0.5}), 0.5);
  EXPECT_DOUBLE_EQ(roc_auc({1, 0, 1, 0}, {0.4, 0.4, 0.9, 0.1}), (1 + 1 + 0.5 + 1) / 4.0);
  EXPECT_TRUE(std::isnan(roc_auc({1, 1}, {0.2, 0.3})));
}

TEST(MlMetrics, AveragePrecisionIsTheStepArea) {
  // Thresholds 0.9: recall 1/2, precision 1 → 0.5; 0.8: recall unchanged; 0.7: recall 1,
  // precision 2/3 → + 0.5·2/3. Total 5/6.
  EXPECT_NEAR(pr_auc(kY, kP), 5.0 / 6.0, 1e-12);
  // Ties are one threshold: both rows at 0.5 give recall 1 at precision 1/2.
  EXPECT_DOUBLE_EQ(pr_auc({1, 0}, {0.5, 0.5}), 0.5);
}

TEST(MlMetrics, BrierAndCalibration) {
  // (0.1² + 0.8² + 0.3² + 0.1²) / 4 = 0.75 / 4.
  EXPECT_DOUBLE_EQ(brier(kY, kP), 0.1875);
  const auto bins = calibration_bins(kY, kP, 2);
  ASSERT_EQ(bins.size(), 2u);
  EXPECT_EQ(bins[0].count, 1u);  // 0.1
  EXPECT_NEAR(bins[0].mean_predicted, 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(bins[0].observed_rate, 0.0);
  EXPECT_EQ(bins[1].count, 3u);  // 0.9, 0.8, 0.7 with outcomes 1, 0, 1
  EXPECT_NEAR(bins[1].mean_predicted, 0.8, 1e-12);
  EXPECT_NEAR(bins[1].observed_rate, 2.0 / 3.0, 1e-12);
  // ECE = 1/4·|0 − 0.1| + 3/4·|2/3 − 0.8| = 0.025 + 0.1.
  EXPECT_NEAR(expected_calibration_error(bins), 0.125, 1e-12);
  // p = 1 lands in the last bin.
  EXPECT_EQ(calibration_bins({1}, {1.0}, 10)[9].count, 1u);
}

TEST(MlMetrics, ConfusionAndThresholds) {
  const auto c = confusion_at(kY, kP, 0.75);  // positive: 0.9 (pos), 0.8 (neg)
  EXPECT_EQ(c.tp, 1u);
  EXPECT_EQ(c.fp, 1u);
  EXPECT_EQ(c.tn, 1u);
  EXPECT_EQ(c.fn, 1u);
  EXPECT_DOUBLE_EQ(c.sensitivity(), 0.5);
  EXPECT_DOUBLE_EQ(c.specificity(), 0.5);
  // Sensitivity ≥ 0.5 needs the top positive (0.9): half-way to the next score down, 0.8.
  EXPECT_NEAR(threshold_for_sensitivity(kY, kP, 0.5), 0.85, 1e-12);
  // Sensitivity 1 needs 0.7 too: half-way to 0.1.
  EXPECT_NEAR(threshold_for_sensitivity(kY, kP, 1.0), 0.4, 1e-12);
  // Specificity ≥ 0.5 needs the lowest negative (0.1) below: half-way to 0.7.
  EXPECT_NEAR(threshold_for_specificity(kY, kP, 0.5), 0.4, 1e-12);
  EXPECT_GE(confusion_at(kY, kP, threshold_for_specificity(kY, kP, 1.0)).specificity(), 1.0);
}

TEST(MlMetrics, Spread) {
  const auto s = spread_of({1, 2, 3, NAN});
  EXPECT_EQ(s.n, 3u);
  EXPECT_DOUBLE_EQ(s.mean, 2);
  EXPECT_DOUBLE_EQ(s.sd, 1);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 3);
}

TEST(MlFolds, StratifiedDisjointAndSeeded) {
  std::vector<int> y(103, 0);
  for (int i = 0; i < 23; ++i) y[static_cast<std::size_t>(i * 4)] = 1;
  std::vector<std::size_t> all(y.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const auto splits = repeated_stratified_kfold(y, all, 5, 2, 7);
  ASSERT_EQ(splits.size(), 10u);
  for (int r = 0; r < 2; ++r) {
    std::set<std::size_t> seen;
    for (int f = 0; f < 5; ++f) {
      const auto& s = splits[static_cast<std::size_t>(r * 5 + f)];
      EXPECT_EQ(s.train.size() + s.test.size(), y.size());
      std::size_t pos = 0;
      for (auto i : s.test) {
        EXPECT_TRUE(seen.insert(i).second);
        pos += static_cast<std::size_t>(y[i]);
      }
      EXPECT_TRUE(pos == 4 || pos == 5) << pos;  // 23 positives over 5 folds
      EXPECT_TRUE(s.test.size() == 20 || s.test.size() == 21) << s.test.size();
    }
    EXPECT_EQ(seen.size(), y.size());
  }
  EXPECT_EQ(repeated_stratified_kfold(y, all, 5, 2, 7)[3].test, splits[3].test);
  EXPECT_NE(splits[0].test, splits[5].test);  // repeats differ
  Rng a(1), b(1);
  EXPECT_EQ(a.next(), b.next());
}

TEST(MlCsv, BomCrlfQuotesAndNoFinalNewline) {
  const auto rows = parse_csv("\xEF\xBB\xBFid,name\r\n1,\"a, \"\"b\"\"\"\r\n\r\n2,c");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0], "id");
  EXPECT_EQ(rows[1][1], "a, \"b\"");
  EXPECT_EQ(rows[2][1], "c");
}

TEST(MlSchema, ReadsTheThreeFormats) {
  const auto heart = parse_dataset(schema_for("heart"),
                                   "63.0,1.0,1.0,145.0,233.0,1.0,2.0,150.0,0.0,2.3,3.0,0.0,6.0,0\n"
                                   "67.0,1.0,4.0,160.0,286.0,0.0,2.0,108.0,1.0,1.5,2.0,?,3.0,2\n");
  ASSERT_EQ(heart.n, 2u);
  EXPECT_EQ(heart.y, (std::vector<int>{0, 1}));
  EXPECT_DOUBLE_EQ(heart.row(0)[2], 0);   // cp 1 is category 0
  EXPECT_DOUBLE_EQ(heart.row(1)[12], 0);  // thal 3 is category 0
  EXPECT_TRUE(std::isnan(heart.row(1)[11]));

  const auto diabetes = parse_dataset(
      schema_for("diabetes"),
      "Pregnancies,Glucose,BloodPressure,SkinThickness,Insulin,BMI,DiabetesPedigreeFunction,Age,Outcome\r\n"
      "0,148,72,0,0,33.6,0.627,50,1");
  ASSERT_EQ(diabetes.n, 1u);
  EXPECT_DOUBLE_EQ(diabetes.row(0)[0], 0);  // zero pregnancies is a value
  EXPECT_TRUE(std::isnan(diabetes.row(0)[3]));
  EXPECT_TRUE(std::isnan(diabetes.row(0)[4]));

  const auto& ss = schema_for("stroke");
  const auto stroke = parse_dataset(
      ss, "\xEF\xBB\xBFid,gender,age,hypertension,heart_disease,ever_married,work_type,Residence_type,"
          "avg_glucose_level,bmi,smoking_status,stroke\r\n"
          "9046,Male,67,0,1,Yes,Private,Urban,228.69,N/A,formerly smoked,1\r\n");
  ASSERT_EQ(stroke.n, 1u);
  EXPECT_TRUE(std::isnan(stroke.row(0)[8]));
  EXPECT_DOUBLE_EQ(stroke.row(0)[5], 3);  // Private
  const auto layout = xgb_layout(ss);
  EXPECT_EQ(layout.columns.size(), 19u);
  std::vector<float> x(layout.columns.size());
  expand_for_xgb(ss, stroke.row(0), x.data());
  EXPECT_EQ(x[1], 1.0f);  // gender=Male
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_TRUE(std::isnan(x[14]));  // bmi

  EXPECT_THROW(parse_dataset(ss, "id,gender,age,hypertension,heart_disease,ever_married,work_type,Residence_type,"
                                 "avg_glucose_level,bmi,smoking_status,stroke\n1,Robot,1,0,0,No,Private,Urban,90,20,smokes,0"),
               std::runtime_error);
  EXPECT_THROW(schema_for("liver"), std::invalid_argument);
}

TEST(MlSchema, RangesAndText) {
  const auto& d = schema_for("diabetes");
  const auto& glucose = d.features[1];
  EXPECT_TRUE(value_allowed(glucose, 168));
  EXPECT_FALSE(value_allowed(glucose, 900));
  EXPECT_FALSE(value_allowed(glucose, NAN));  // required
  EXPECT_TRUE(value_allowed(d.features[4], NAN));  // insulin is optional
  EXPECT_EQ(value_text(glucose, 168), "168 mg/dL");
  EXPECT_EQ(allowed_text(glucose), "40–400 mg/dL");
  EXPECT_EQ(value_text(schema_for("heart").features[1], 1), "male");
}
