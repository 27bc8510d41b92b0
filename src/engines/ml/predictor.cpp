#include "engines/ml/predictor.hpp"

#include <boost/json.hpp>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>

#include "engines/ml/csv.hpp"
#include "engines/ml/naive_bayes.hpp"
#include "engines/ml/tree_shap.hpp"
#include "engines/ml/xgb.hpp"

namespace medcore::ml {

namespace json = boost::json;

struct Predictor::Impl {
  std::unique_ptr<NaiveBayes> nb;
  Booster booster;               // batch probabilities (evaluation)
  std::optional<TreeEnsemble> trees;  // one row with its SHAP values (the API), no XGBoost call
  XgbLayout layout;
  double logit_offset = 0;
};

Predictor::~Predictor() = default;

std::shared_ptr<const Predictor> Predictor::load(const std::string& dir, const std::string& name) {
  std::shared_ptr<Predictor> p(new Predictor());
  p->schema_ = &schema_for(name);
  p->impl_ = std::make_unique<Impl>();
  const auto card_path = (std::filesystem::path(dir) / (name + ".card.json")).string();
  p->card_ = json::parse(read_file(card_path)).as_object();
  p->version_ = std::string(p->card_.at("version").as_string());
  p->t_low_ = p->card_.at("thresholds").at("low_moderate").to_number<double>();
  p->t_high_ = p->card_.at("thresholds").at("moderate_high").to_number<double>();
  p->impl_->logit_offset = p->card_.at("logit_offset").to_number<double>();
  const auto model_path = (std::filesystem::path(dir) / std::string(p->card_.at("model_file").as_string())).string();
  if (p->schema_->kind == ModelKind::naive_bayes) {
    const auto o = json::parse(read_file(model_path)).as_object();
    p->impl_->nb = std::make_unique<NaiveBayes>(NaiveBayes::from_json(o));
    if (p->impl_->nb->features() != p->schema_->features.size())
      throw std::runtime_error(model_path + ": feature count does not match the schema");
  } else {
    p->impl_->booster = Booster::load(model_path);
    p->impl_->trees = TreeEnsemble::from_xgboost_json(json::parse(read_file(model_path)).as_object());
    p->impl_->layout = xgb_layout(*p->schema_);
    if (p->impl_->trees->features() != p->impl_->layout.columns.size())
      throw std::runtime_error(model_path + ": column count does not match the schema");
  }
  return p;
}

std::string Predictor::band_of(double probability) const {
  if (probability >= t_high_) return std::string(risk_bands[2]);
  if (probability >= t_low_) return std::string(risk_bands[1]);
  return std::string(risk_bands[0]);
}

std::vector<double> Predictor::encode(const json::object& input, std::vector<FieldError>& errors) const {
  const auto& feats = schema_->features;
  std::vector<double> row(feats.size(), std::numeric_limits<double>::quiet_NaN());
  for (const auto& kv : input) {
    const bool known = std::any_of(feats.begin(), feats.end(), [&](const FeatureSpec& f) { return f.name == kv.key(); });
    if (!known) errors.push_back({std::string(kv.key()), "is not a feature of the " + schema_->name + " model"});
  }
  for (std::size_t j = 0; j < feats.size(); ++j) {
    const auto& f = feats[j];
    const auto* v = input.if_contains(f.name);
    if (!v || v->is_null()) {
      if (f.required) errors.push_back({f.name, "is required (" + allowed_text(f) + ")"});
      continue;
    }
    double x = 0;
    if (f.kind == FeatureKind::continuous) {
      if (!v->is_number()) {
        errors.push_back({f.name, "must be a number (" + allowed_text(f) + ")"});
        continue;
      }
      x = v->to_number<double>();
    } else {
      std::string raw;
      if (v->is_string()) {
        raw = std::string(v->get_string());
      } else if (v->is_number()) {
        raw = json::serialize(*v);
      } else {
        errors.push_back({f.name, "must be " + allowed_text(f)});
        continue;
      }
      try {
        x = encode_value(f, raw);
      } catch (const std::invalid_argument&) {
        errors.push_back({f.name, "must be " + allowed_text(f)});
        continue;
      }
      if (std::isnan(x)) {
        if (f.required) errors.push_back({f.name, "is required (" + allowed_text(f) + ")"});
        continue;
      }
    }
    if (!value_allowed(f, x)) {
      errors.push_back({f.name, "must be within " + allowed_text(f)});
      continue;
    }
    row[j] = x;
  }
  return row;
}

Prediction Predictor::predict(const json::object& input) const {
  std::vector<FieldError> errors;
  const auto row = encode(input, errors);
  if (!errors.empty()) throw problems::validation(std::move(errors));
  return predict_row(row.data());
}

namespace {
double sigmoid(double m) { return 1.0 / (1.0 + std::exp(-m)); }
}  // namespace

Prediction Predictor::predict_row(const double* raw) const {
  const auto& feats = schema_->features;
  const std::size_t p = feats.size();
  Prediction out;
  std::vector<double> contrib(p, 0.0);
  if (impl_->nb) {
    impl_->nb->contributions(raw, contrib.data());
    out.base_log_odds = impl_->nb->prior_log_odds();
  } else {
    const std::size_t cols = impl_->layout.columns.size();
    float x[128];
    double shap[129];
    if (cols > sizeof x / sizeof x[0]) throw std::logic_error("too many columns");
    expand_for_xgb(*schema_, raw, x);
    impl_->trees->contributions(x, shap);  // exact TreeSHAP, the same values XGBoost gives (tests/ml)
    for (std::size_t c = 0; c < cols; ++c) contrib[impl_->layout.owner[c]] += shap[c];
    out.base_log_odds = shap[cols] + impl_->logit_offset;
  }
  out.log_odds = out.base_log_odds;
  for (double c : contrib) out.log_odds += c;
  out.probability = sigmoid(out.log_odds);
  out.band = band_of(out.probability);
  out.contributions.reserve(p);
  for (std::size_t j = 0; j < p; ++j)
    out.contributions.push_back({feats[j].name, feats[j].label, value_text(feats[j], raw[j]), contrib[j]});
  std::stable_sort(out.contributions.begin(), out.contributions.end(), [](const Contribution& a, const Contribution& b) {
    return std::fabs(a.contribution) > std::fabs(b.contribution);
  });
  bool first_up = true, first_down = true;
  for (const auto& c : out.contributions) {
    // Below 0.05 log-odds (the odds change by less than 5%) a factor is too small to mention.
    if (std::fabs(c.contribution) < 0.05 || c.value_text == "not given") continue;
    std::string s = c.label + " " + c.value_text;
    if (c.contribution > 0) {
      s += first_up ? " raised the estimate the most" : " raised the estimate";
      first_up = false;
    } else {
      s += first_down ? " lowered the estimate the most" : " lowered the estimate";
      first_down = false;
    }
    out.factors.push_back(std::move(s));
  }
  return out;
}

std::vector<double> Predictor::probabilities(const Dataset& d) const {
  std::vector<double> out(d.n);
  if (impl_->nb) {
    for (std::size_t i = 0; i < d.n; ++i) out[i] = impl_->nb->probability(d.row(i));
    return out;
  }
  const std::size_t cols = impl_->layout.columns.size();
  std::vector<float> x(d.n * cols);
  for (std::size_t i = 0; i < d.n; ++i) expand_for_xgb(*schema_, d.row(i), x.data() + i * cols);
  const auto m = impl_->booster.margins({x.data(), d.n, cols});
  for (std::size_t i = 0; i < d.n; ++i) out[i] = sigmoid(static_cast<double>(m[i]) + impl_->logit_offset);
  return out;
}

json::object to_json(const Prediction& p) {
  json::array contributions, factors;
  for (const auto& c : p.contributions)
    contributions.push_back(json::object{{"feature", c.feature},
                                         {"label", c.label},
                                         {"value", c.value_text},
                                         {"contribution", c.contribution},
                                         {"direction", c.contribution > 0 ? "up" : c.contribution < 0 ? "down" : "none"}});
  for (const auto& f : p.factors) factors.push_back(json::string(f));
  return json::object{{"probability", p.probability},      {"band", p.band},
                      {"base_log_odds", p.base_log_odds},  {"log_odds", p.log_odds},
                      {"contributions", std::move(contributions)}, {"factors", std::move(factors)}};
}

}  // namespace medcore::ml
