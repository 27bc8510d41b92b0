// src/engines/ml with XGBoost and the committed models in models/: determinism, SHAP additivity,
// prediction + explanation, input validation, thread safety, and a sanity score of every
// committed model on its full data set (skipped when ../shared/datasets is not there).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <thread>

#include "platform/core/problem.hpp"
#include "engines/ml/csv.hpp"
#include "engines/ml/folds.hpp"
#include "engines/ml/metrics.hpp"
#include "engines/ml/predictor.hpp"
#include "engines/ml/xgb.hpp"

using namespace medcore;
using namespace medcore::ml;

namespace {
const std::string kModels = std::string(MEDCORE_SOURCE_DIR) + "/models";
const std::string kData = std::string(MEDCORE_SOURCE_DIR) + "/../shared/datasets";

std::string data_file(const std::string& model) {
  if (model == "heart") return kData + "/heart_disease_uci/processed.cleveland.data";
  if (model == "diabetes") return kData + "/pima_diabetes/diabetes.csv";
  return kData + "/stroke_kaggle/healthcare-dataset-stroke-data.csv";
}

// y = 1 when x0 + noise > 0; x1 is noise; some x0 missing.
void synthetic(std::vector<float>& x, std::vector<float>& y) {
  Rng rng(3);
  for (int i = 0; i < 400; ++i) {
    const float a = static_cast<float>(rng.below(1000)) / 500.0f - 1.0f;
    const float b = static_cast<float>(rng.below(1000)) / 500.0f - 1.0f;
    const float noise = static_cast<float>(rng.below(1000)) / 2500.0f - 0.2f;
    x.push_back(i % 17 == 0 ? NAN : a);
    x.push_back(b);
    y.push_back(a + noise > 0 ? 1.0f : 0.0f);
  }
}

const boost::json::object kDiabetesInput = {
    {"pregnancies", 2}, {"glucose", 168}, {"blood_pressure", 72}, {"bmi", 38.2},
    {"diabetes_pedigree_function", 0.6}, {"age", 45}};
}  // namespace

TEST(MlXgboost, SeededTrainingIsReproducibleAndShapSumsToTheMargin) {
  std::vector<float> x, y;
  synthetic(x, y);
  XgbParams p;
  p.rounds = 30;
  const XgbMatrix m{x.data(), y.size(), 2};
  const auto a = Booster::train(m, y, {}, p, 1.0, 42);
  const auto b = Booster::train(m, y, {}, p, 1.0, 42);
  const auto ma = a.margins(m), mb = b.margins(m);
  EXPECT_EQ(ma, mb);
  std::vector<float> shap;
  a.contributions(m, shap);
  ASSERT_EQ(shap.size(), y.size() * 3);
  for (std::size_t i = 0; i < y.size(); ++i)
    EXPECT_NEAR(shap[i * 3] + shap[i * 3 + 1] + shap[i * 3 + 2], ma[i], 1e-4);
  std::vector<int> yi(y.begin(), y.end());
  std::vector<double> pd(ma.begin(), ma.end());
  EXPECT_GT(roc_auc(yi, pd), 0.9);
  const auto path = (std::filesystem::temp_directory_path() / "medcore_ml_test_model.json").string();
  a.save(path);
  EXPECT_EQ(Booster::load(path).margins(m), ma);
  std::filesystem::remove(path);
}

TEST(MlPredictor, CommittedModelsScoreTheirDataSensibly) {
  // Resubstitution on the full data: only a sanity check that the committed files are the
  // trained models (the honest numbers are the cross-validated ones on the cards).
  for (const auto& [name, floor] : {std::pair<std::string, double>{"heart", 0.88}, {"diabetes", 0.85}, {"stroke", 0.84}}) {
    const auto predictor = Predictor::load(kModels, name);
    if (!std::filesystem::exists(data_file(name))) GTEST_SKIP() << data_file(name) << " is not here";
    const auto d = parse_dataset(predictor->schema(), read_file(data_file(name)));
    const auto p = predictor->probabilities(d);
    EXPECT_GT(roc_auc(d.y, p), floor) << name;
    double mean = 0;
    for (double v : p) mean += v / static_cast<double>(p.size());
    const double rate = static_cast<double>(d.positives()) / static_cast<double>(d.n);
    EXPECT_NEAR(mean, rate, 0.1) << name << ": mean probability far from the event rate";
    // One row through the explained path gives the batch probability.
    for (std::size_t i : {std::size_t{0}, d.n / 2, d.n - 1}) {
      const auto one = predictor->predict_row(d.row(i));
      EXPECT_NEAR(one.probability, p[i], 1e-5) << name << " row " << i;
      double sum = one.base_log_odds;
      for (const auto& c : one.contributions) sum += c.contribution;
      EXPECT_NEAR(sum, one.log_odds, 1e-9);
    }
  }
}

TEST(MlPredictor, ExplainsInPlainWords) {
  const auto diabetes = Predictor::load(kModels, "diabetes");
  const auto p = diabetes->predict(kDiabetesInput);
  EXPECT_GT(p.probability, 0.0);
  EXPECT_LT(p.probability, 1.0);
  EXPECT_TRUE(p.band == "low" || p.band == "moderate" || p.band == "high");
  EXPECT_EQ(p.band, diabetes->band_of(p.probability));
  ASSERT_EQ(p.contributions.size(), 8u);
  EXPECT_EQ(p.contributions[0].feature, "glucose");  // 168 mg/dL dominates
  ASSERT_FALSE(p.factors.empty());
  EXPECT_EQ(p.factors[0], "glucose 168 mg/dL raised the estimate the most");
  const auto j = to_json(p);
  EXPECT_TRUE(j.contains("factors"));

  const auto heart = Predictor::load(kModels, "heart");
  const auto h = heart->predict({{"age", 63}, {"sex", 1}, {"cp", 4}, {"trestbps", 145}, {"chol", 233}, {"fbs", 1},
                                 {"restecg", 2}, {"thalach", 150}, {"exang", 0}, {"oldpeak", 2.3}, {"slope", 3}});
  EXPECT_EQ(h.contributions.size(), 13u);
  EXPECT_FALSE(h.factors.empty());

  const auto stroke = Predictor::load(kModels, "stroke");
  const auto s = stroke->predict({{"gender", "Male"}, {"age", 67}, {"hypertension", 0}, {"heart_disease", 1},
                                  {"ever_married", "Yes"}, {"work_type", "Private"}, {"residence_type", "Urban"},
                                  {"avg_glucose_level", 228.69}, {"smoking_status", "formerly smoked"}});
  EXPECT_EQ(s.contributions.size(), 10u);
  EXPECT_NE(s.band, "low");
}

TEST(MlPredictor, RejectsBadInputWithEveryField) {
  const auto diabetes = Predictor::load(kModels, "diabetes");
  auto bad = kDiabetesInput;
  bad["glucose"] = 900;
  bad["age"] = "old";
  bad["colour"] = "blue";
  bad.erase("bmi");
  try {
    diabetes->predict(bad);
    FAIL() << "accepted bad input";
  } catch (const Problem& p) {
    EXPECT_EQ(p.status(), 422);
    std::set<std::string> fields;
    for (const auto& e : p.errors()) fields.insert(e.field);
    EXPECT_EQ(fields, (std::set<std::string>{"glucose", "age", "colour", "bmi"}));
    for (const auto& e : p.errors()) {
      if (e.field == "glucose") {
        EXPECT_NE(e.message.find("40–400 mg/dL"), std::string::npos) << e.message;
      }
    }
  }
  const auto stroke = Predictor::load(kModels, "stroke");
  std::vector<FieldError> errors;
  stroke->encode({{"gender", "Robot"}}, errors);
  EXPECT_FALSE(errors.empty());
}

TEST(MlPredictor, ThreadSafe) {
  const auto stroke = Predictor::load(kModels, "stroke");
  if (!std::filesystem::exists(data_file("stroke"))) GTEST_SKIP();
  const auto d = parse_dataset(stroke->schema(), read_file(data_file("stroke")));
  std::vector<double> expected(300);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = stroke->predict_row(d.row(i)).probability;
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 3; ++rep)
        for (std::size_t i = 0; i < expected.size(); ++i)
          if (stroke->predict_row(d.row(i)).probability != expected[i]) ++mismatches[static_cast<std::size_t>(t)];
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches, (std::vector<int>{0, 0, 0, 0}));
}
