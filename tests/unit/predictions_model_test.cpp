// Predictions, the pure part: age from a date of birth, confidence wording, pre-fill rules.
#include <gtest/gtest.h>

#include "features/predictions/model.hpp"

using namespace medcore::predictions;
using namespace date::literals;

TEST(PredictionsAge, CountsWholeYearsAndWaitsForTheBirthday) {
  EXPECT_EQ(age_on("1980-06-15", 2026_y / 6 / 14), 45);
  EXPECT_EQ(age_on("1980-06-15", 2026_y / 6 / 15), 46);
  EXPECT_EQ(age_on("1980-06-15", 2026_y / 12 / 31), 46);
  EXPECT_EQ(age_on("2026-03-01", 2026_y / 3 / 1), 0);
  // Born on 29 February: a year older on 1 March in common years, not on 28 February.
  EXPECT_EQ(age_on("2004-02-29", 2025_y / 2 / 28), 20);
  EXPECT_EQ(age_on("2004-02-29", 2025_y / 3 / 1), 21);
}

TEST(PredictionsAge, RefusesDatesThatAreNotDatesOrInTheFuture) {
  EXPECT_EQ(age_on("2027-01-01", 2026_y / 6 / 1), std::nullopt);
  EXPECT_EQ(age_on("1980-02-30", 2026_y / 6 / 1), std::nullopt);
  EXPECT_EQ(age_on("not a date", 2026_y / 6 / 1), std::nullopt);
  EXPECT_EQ(age_on("", 2026_y / 6 / 1), std::nullopt);
}

TEST(PredictionsConfidence, LevelFollowsCrossValidatedAucAndMissingInputs) {
  EXPECT_EQ(confidence({.roc_auc = 0.905, .roc_auc_sd = 0.06, .calibration_error = 0.16, .features = 13}).level, "high");
  EXPECT_EQ(confidence({.roc_auc = 0.84, .roc_auc_sd = 0.04, .calibration_error = 0.10, .features = 8}).level,
            "moderate");
  EXPECT_EQ(confidence({.roc_auc = 0.75, .roc_auc_sd = 0.05, .calibration_error = 0.1, .features = 8}).level, "low");
  // A missing optional input lowers it one step, never below low.
  EXPECT_EQ(confidence({.roc_auc = 0.905, .roc_auc_sd = 0.06, .calibration_error = 0.16, .features = 13, .missing = 1})
                .level,
            "moderate");
  EXPECT_EQ(confidence({.roc_auc = 0.84, .roc_auc_sd = 0.04, .calibration_error = 0.1, .features = 8, .missing = 3})
                .level,
            "low");
  EXPECT_EQ(confidence({.roc_auc = 0.70, .roc_auc_sd = 0.04, .calibration_error = 0.1, .features = 8, .missing = 3})
                .level,
            "low");
}

TEST(PredictionsConfidence, TextStatesTheFiguresInPlainWords) {
  const auto c = confidence({.roc_auc = 0.84, .roc_auc_sd = 0.0408, .calibration_error = 0.1045, .features = 8,
                             .missing = 2});
  EXPECT_NE(c.text.find("84% of the time"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("ROC AUC 0.84 ± 0.04"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("about 10 percentage points"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("2 of 8 measurements were not given"), std::string::npos) << c.text;
  const auto one = confidence({.roc_auc = 0.84, .roc_auc_sd = 0.04, .calibration_error = 0.1, .features = 8, .missing = 1});
  EXPECT_NE(one.text.find("1 of 8 measurement was not given"), std::string::npos) << one.text;
  const auto none = confidence({.roc_auc = 0.84, .roc_auc_sd = 0.04, .calibration_error = 0.1, .features = 8});
  EXPECT_EQ(none.text.find("not given"), std::string::npos) << none.text;
}

TEST(PredictionsDisclaimer, SaysItIsNotADiagnosisAndNamesThePopulation) {
  const auto d = disclaimer("303 people");
  EXPECT_NE(d.find("not a diagnosis"), std::string::npos);
  EXPECT_NE(d.find("(303 people)"), std::string::npos);
  EXPECT_NE(d.find("Talk to a doctor"), std::string::npos);
}

namespace {
const PrefillValue* value_of(const Prefill& p, const std::string& feature) {
  for (const auto& v : p.values)
    if (v.feature == feature) return &v;
  return nullptr;
}
}  // namespace

TEST(PredictionsPrefill, AgeAndSexInEachModelsOwnEncoding) {
  const auto heart = prefill_from_profile("heart", 52, "male");
  ASSERT_NE(value_of(heart, "age"), nullptr);
  EXPECT_EQ(value_of(heart, "age")->number, 52.0);
  EXPECT_EQ(value_of(heart, "age")->source, "date of birth");
  ASSERT_NE(value_of(heart, "sex"), nullptr);
  EXPECT_EQ(value_of(heart, "sex")->text_value, "1");

  const auto stroke = prefill_from_profile("stroke", 70, "female");
  ASSERT_NE(value_of(stroke, "gender"), nullptr);
  EXPECT_EQ(value_of(stroke, "gender")->text_value, "Female");
  EXPECT_EQ(value_of(stroke, "sex"), nullptr);
}

TEST(PredictionsPrefill, SaysWhatItCannotFillAndWhy) {
  const auto heart = prefill_from_profile("heart", 40, "intersex");
  EXPECT_EQ(value_of(heart, "sex"), nullptr);
  const auto diabetes_man = prefill_from_profile("diabetes", 40, "male");
  bool warned = false, no_stats = false;
  for (const auto& n : diabetes_man.notes) {
    warned = warned || n.find("trained on women only") != std::string::npos;
    no_stats = no_stats || n.find("does not record health statistics yet") != std::string::npos;
  }
  EXPECT_TRUE(warned);
  EXPECT_TRUE(no_stats);
  const auto no_age = prefill_from_profile("stroke", std::nullopt, "female");
  EXPECT_EQ(value_of(no_age, "age"), nullptr);
  EXPECT_FALSE(no_age.notes.empty());
}
