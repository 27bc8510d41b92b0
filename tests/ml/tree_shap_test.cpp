// The hand-written TreeSHAP (src/engines/ml/tree_shap.cpp) against XGBoost's own contribution prediction,
// on the committed tree models and on models trained here with deeper trees (direct, untabled path),
// for random rows that include missing values and values exactly on split thresholds.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <random>

#include "engines/ml/csv.hpp"
#include "engines/ml/tree_shap.hpp"
#include "engines/ml/xgb.hpp"

using namespace medcore::ml;

namespace {
const std::string kModels = std::string(MEDCORE_SOURCE_DIR) + "/models";

// Rows with values around the model's own thresholds: some exactly on them, some missing.
std::vector<float> random_rows(const boost::json::object& model, std::size_t cols, std::size_t rows, unsigned seed) {
  std::vector<std::vector<float>> thresholds(cols);
  for (const auto& tv : model.at("learner").at("gradient_booster").at("model").at("trees").as_array()) {
    const auto& t = tv.as_object();
    const auto& left = t.at("left_children").as_array();
    for (std::size_t j = 0; j < left.size(); ++j)
      if (left[j].to_number<int>() >= 0)
        thresholds[t.at("split_indices").as_array()[j].to_number<std::size_t>()].push_back(
            t.at("split_conditions").as_array()[j].to_number<float>());
  }
  std::mt19937 rng(seed);
  std::vector<float> x(rows * cols);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t c = 0; c < cols; ++c) {
      const auto& th = thresholds[c];
      float v = 0;
      const unsigned kind = rng() % 10;
      if (kind == 0) {
        v = NAN;
      } else if (!th.empty() && kind < 4) {
        v = th[rng() % th.size()];  // exactly on a split: goes right
      } else if (!th.empty()) {
        const float t = th[rng() % th.size()];
        v = t + (static_cast<float>(rng() % 2001) / 1000.0f - 1.0f) * (std::fabs(t) + 1.0f);
      } else {
        v = static_cast<float>(rng() % 100);
      }
      x[i * cols + c] = v;
    }
  }
  return x;
}

void expect_same_as_xgboost(const std::string& model_path, std::size_t rows, unsigned seed) {
  const auto model = boost::json::parse(read_file(model_path)).as_object();
  const auto ensemble = TreeEnsemble::from_xgboost_json(model);
  const auto booster = Booster::load(model_path);
  const std::size_t cols = ensemble.features();
  const auto x = random_rows(model, cols, rows, seed);
  std::vector<float> reference;
  booster.contributions({x.data(), rows, cols}, reference);
  const auto margins = booster.margins({x.data(), rows, cols});
  std::vector<double> phi(cols + 1);
  double worst = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    const double m = ensemble.contributions(x.data() + i * cols, phi.data());
    EXPECT_NEAR(m, margins[i], 1e-4) << "row " << i;
    EXPECT_NEAR(ensemble.margin(x.data() + i * cols), margins[i], 1e-4) << "row " << i;
    double sum = 0;
    for (std::size_t c = 0; c <= cols; ++c) {
      sum += phi[c];
      const double diff = std::fabs(phi[c] - static_cast<double>(reference[i * (cols + 1) + c]));
      worst = std::max(worst, diff);
      EXPECT_NEAR(phi[c], reference[i * (cols + 1) + c], 1e-4) << model_path << " row " << i << " column " << c;
    }
    EXPECT_NEAR(sum, m, 1e-9);  // additivity, exactly
  }
  ::testing::Test::RecordProperty("worst_abs_difference", std::to_string(worst));
}
}  // namespace

TEST(MlTreeShap, MatchesXgboostOnTheCommittedDiabetesModel) {
  expect_same_as_xgboost(kModels + "/diabetes.model.json", 400, 1);
}

TEST(MlTreeShap, MatchesXgboostOnTheCommittedStrokeModel) {
  expect_same_as_xgboost(kModels + "/stroke.model.json", 400, 2);
}

TEST(MlTreeShap, MatchesXgboostOnDeepTreesThatAreExplainedDirectly) {
  // Depth 5 (up to 31 splits per tree, above the table limit) and depth 3 (tabled), with features
  // used several times along a path and missing values in training.
  std::mt19937 rng(7);
  const std::size_t rows = 600, cols = 5;
  std::vector<float> x(rows * cols), y(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t c = 0; c < cols; ++c)
      x[i * cols + c] = rng() % 13 == 0 ? NAN : static_cast<float>(rng() % 1000) / 100.0f;
    const float a = std::isnan(x[i * cols]) ? 5 : x[i * cols];
    const float b = std::isnan(x[i * cols + 1]) ? 5 : x[i * cols + 1];
    y[i] = (a * b > 25 + static_cast<float>(rng() % 20) - 10) ? 1.0f : 0.0f;
  }
  const auto dir = std::filesystem::temp_directory_path() / ("tree_shap_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (int depth : {3, 5}) {
    XgbParams p;
    p.max_depth = depth;
    p.rounds = 40;
    p.eta = 0.3;
    const auto booster = Booster::train({x.data(), rows, cols}, y, {}, p, 1.0, 11);
    const auto path = (dir / ("depth" + std::to_string(depth) + ".json")).string();
    booster.save(path);
    expect_same_as_xgboost(path, 300, 20 + static_cast<unsigned>(depth));
  }
  std::filesystem::remove_all(dir);
}
