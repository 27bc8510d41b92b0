// The skin check's rules (src/features/skin/model.*): what a patient is told for a set of probabilities.
#include <gtest/gtest.h>

#include "features/skin/model.hpp"

using namespace medcore::skin;

namespace {
// akiec, bcc, bkl, df, mel, nv, vasc
std::array<double, kClasses> probs(double akiec, double bcc, double bkl, double df, double mel, double nv, double vasc) {
  return {akiec, bcc, bkl, df, mel, nv, vasc};
}
}  // namespace

TEST(SkinAssessment, AConfidentMoleIsRoutine) {
  const auto a = assess(probs(0.005, 0.005, 0.04, 0.01, 0.01, 0.9, 0.03));  // malignant share 0.02
  EXPECT_EQ(a.predicted.code, "nv");
  EXPECT_DOUBLE_EQ(a.predicted.probability, 0.9);
  EXPECT_FALSE(a.uncertain);
  EXPECT_EQ(a.urgency, Urgency::routine);
  ASSERT_EQ(a.top.size(), 3u);
  EXPECT_EQ(a.top[1].code, "bkl");
  EXPECT_GE(a.top[1].probability, a.top[2].probability);
  EXPECT_FALSE(a.care.steps.empty());
}

TEST(SkinAssessment, MelanomaBasalCellAndAkiecOnTopArePrompt) {
  EXPECT_EQ(assess(probs(0.02, 0.02, 0.05, 0.01, 0.8, 0.08, 0.02)).urgency, Urgency::prompt);
  EXPECT_EQ(assess(probs(0.02, 0.7, 0.1, 0.05, 0.03, 0.08, 0.02)).urgency, Urgency::prompt);
  EXPECT_EQ(assess(probs(0.45, 0.05, 0.3, 0.05, 0.05, 0.08, 0.02)).urgency, Urgency::prompt);
}

TEST(SkinAssessment, ASeriousChanceOfCancerIsPromptEvenWhenAMoleIsMostLikely) {
  // Mole 0.65 on top, but melanoma + bcc + akiec = 0.31.
  const auto a = assess(probs(0.05, 0.06, 0.02, 0.01, 0.2, 0.65, 0.01));
  EXPECT_EQ(a.predicted.code, "nv");
  EXPECT_EQ(a.urgency, Urgency::prompt);
  EXPECT_NE(a.urgency_advice.find("too high to ignore"), std::string::npos);
}

TEST(SkinAssessment, TheMalignantShareThresholdsAreInclusive) {
  using medcore::vision::skin_prompt_malignant_share;
  using medcore::vision::skin_soon_malignant_share;
  // A confident mole (0.7) with the rest split so that melanoma alone carries the share under test.
  const auto mole_with_melanoma = [](double mel) { return probs(0.0, 0.0, 0.3 - mel, 0.0, mel, 0.7, 0.0); };
  EXPECT_EQ(assess(mole_with_melanoma(skin_prompt_malignant_share)).urgency, Urgency::prompt);
  EXPECT_EQ(assess(mole_with_melanoma(skin_prompt_malignant_share - 0.001)).urgency, Urgency::soon);
  EXPECT_EQ(assess(mole_with_melanoma(skin_soon_malignant_share)).urgency, Urgency::soon);
  EXPECT_EQ(assess(mole_with_melanoma(skin_soon_malignant_share - 0.001)).urgency, Urgency::routine);
}

TEST(SkinAssessment, LowConfidenceIsUncertainAndNeverRoutine) {
  const auto a = assess(probs(0.01, 0.02, 0.4, 0.1, 0.05, 0.39, 0.03));
  EXPECT_TRUE(a.uncertain);
  EXPECT_EQ(a.urgency, Urgency::soon);
  EXPECT_EQ(a.urgency_title, "Uncertain — see a dermatologist");
  // Just at the threshold the answer is no longer uncertain.
  EXPECT_FALSE(assess(probs(0.0, 0.0, 0.0, 0.0, 0.02, kUncertainBelow, 1 - kUncertainBelow - 0.02)).uncertain);
}

TEST(SkinAssessment, SomeSuspicionAsksForACheck) {
  const auto a = assess(probs(0.03, 0.03, 0.05, 0.01, 0.06, 0.8, 0.02));  // 0.12 malignant share
  ASSERT_LT(0.12, medcore::vision::skin_prompt_malignant_share);
  EXPECT_EQ(a.urgency, Urgency::soon);
  EXPECT_EQ(a.urgency_title, "Have it checked");
}

TEST(SkinAssessment, EveryClassHasCareAdviceAndTheDisclaimerSaysItIsNoDiagnosis) {
  for (int k = 0; k < kClasses; ++k) {
    const auto c = care_advice(k);
    EXPECT_FALSE(c.summary.empty()) << k;
    EXPECT_GE(c.steps.size(), 2u) << k;
  }
  EXPECT_NE(disclaimer().find("not a diagnosis"), std::string::npos);
}
