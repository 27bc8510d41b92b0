#pragma once
// Inference for the trained tabular models. Load once at start-up; a loaded Predictor is
// read-only, and predict() may be called from any number of threads at once (Naive Bayes is plain
// arithmetic; a tree model's single-row SHAP values come from ml::TreeEnsemble, plain arithmetic over
// the parsed trees, and batch probabilities from XGBoost, which keeps its buffers per thread).
//
//   auto heart = ml::Predictor::load("models", "heart");
//   auto p = heart->predict(json_object);   // throws medcore::Problem (422) for bad input
//   p.probability, p.band, p.contributions, p.factors
#include <array>
#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/problem.hpp"
#include "engines/ml/schema.hpp"

namespace medcore::ml {

struct Contribution {
  std::string feature;     // API name
  std::string label;       // "glucose"
  std::string value_text;  // "168 mg/dL", "not given"
  double contribution = 0; // log-odds pushed by this feature (SHAP value or NB log-likelihood ratio)
};

// The risk bands, lowest first: the stored spelling (the CHECK list of migrations/0005_predictions.sql
// holds exactly these) and the API's.
inline constexpr std::array<std::string_view, 3> risk_bands{"low", "moderate", "high"};

struct Prediction {
  double probability = 0;
  std::string band;  // one of risk_bands
  double base_log_odds = 0;  // what every patient starts from (prior / SHAP bias incl. offset)
  double log_odds = 0;       // base + Σ contributions
  std::vector<Contribution> contributions;  // every feature, largest |contribution| first
  std::vector<std::string> factors;  // plain words, strongest first, only features that moved the estimate
};

class Predictor {
 public:
  // Reads <dir>/<name>.card.json and its model file. Throws std::runtime_error when anything is off.
  static std::shared_ptr<const Predictor> load(const std::string& models_dir, const std::string& name);
  ~Predictor();

  const Schema& schema() const { return *schema_; }
  const boost::json::object& card() const { return card_; }
  const std::string& name() const { return schema_->name; }
  const std::string& version() const { return version_; }
  double threshold_low_moderate() const { return t_low_; }
  double threshold_moderate_high() const { return t_high_; }
  std::string band_of(double probability) const;

  // Named features (numbers, or strings for categories) → the raw row; every problem is reported
  // at once: unknown fields, missing required ones, wrong types, values outside the allowed range.
  std::vector<double> encode(const boost::json::object& input, std::vector<FieldError>& errors) const;
  // As encode + predict_row; throws problems::validation (422) listing every bad field.
  Prediction predict(const boost::json::object& input) const;
  // A raw row (schema order, NaN = missing, category indices), already validated.
  Prediction predict_row(const double* raw) const;
  // Probabilities only, for many rows (evaluation).
  std::vector<double> probabilities(const Dataset& d) const;

 private:
  Predictor() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  const Schema* schema_ = nullptr;
  boost::json::object card_;
  std::string version_;
  double t_low_ = 0, t_high_ = 0;
};

boost::json::object to_json(const Prediction& p);

}  // namespace medcore::ml
