#include "features/predictions/service.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>
#include <cmath>

#include "platform/core/problem.hpp"
#include "platform/core/time.hpp"
#include "platform/db/query.hpp"
#include "features/predictions/model.hpp"

namespace medcore::predictions {

namespace json = boost::json;

std::shared_ptr<const Models> Models::load(const std::string& dir) {
  auto m = std::make_shared<Models>();
  for (const auto& name : ml::model_names()) {
    try {
      m->all_.push_back(ml::Predictor::load(dir, name));
    } catch (const std::exception& e) {
      throw std::runtime_error("cannot load the " + name + " risk model from '" + dir +
                               "' (MEDCORE_MODELS_DIR): " + e.what());
    }
  }
  return m;
}

const ml::Predictor* Models::find(std::string_view name) const {
  for (const auto& p : all_)
    if (p->name() == name) return p.get();
  return nullptr;
}

std::string card_url(std::string_view model) { return "/api/v1/prediction-models/" + std::string(model); }

namespace {

const json::object& metric(const ml::Predictor& m, std::string_view name) {
  return m.card().at("evaluation").at("metrics").at(name).as_object();
}

double num(const json::value& v) { return v.to_number<double>(); }

json::object allowed_of(const ml::FeatureSpec& f) {
  json::object a;
  if (f.kind == ml::FeatureKind::categorical) {
    json::array values;
    for (const auto& c : f.categories) values.push_back(json::string(c));
    a["one_of"] = std::move(values);
  } else {
    a["min"] = f.min;
    a["max"] = f.max;
    a["unit"] = f.unit;
  }
  return a;
}

std::string population_of(const ml::Predictor& m) {
  const auto rows = m.card().at("data").at("rows").to_number<long long>();
  return std::to_string(rows) + " people; the model card says who they were";
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Below 0.05 log-odds (odds changed by less than 5%) a factor is too small to mention.
constexpr double kMentionable = 0.05;
constexpr std::size_t kTopFactors = 3;

}  // namespace

boost::json::object model_summary(const ml::Predictor& m) {
  const auto& card = m.card();
  const auto& auc = metric(m, "roc_auc");
  json::object o;
  o["name"] = m.name();
  o["title"] = card.at("title");
  o["version"] = m.version();
  o["algorithm"] = card.at("algorithm");
  o["outcome"] = card.at("outcome");
  o["intended_use"] = card.at("intended_use");
  o["limits"] = card.at("limits");
  o["card_url"] = card_url(m.name());
  o["thresholds"] = {{"low_moderate", m.threshold_low_moderate()}, {"moderate_high", m.threshold_moderate_high()}};
  o["roc_auc"] = {{"mean", auc.at("mean")}, {"sd", auc.at("sd")}};
  o["features"] = card.at("features");  // name, label, unit, kind, required, help, min/max or categories
  return o;
}

boost::json::object model_card(const ml::Predictor& m) {
  json::object o = m.card();
  o["card_url"] = card_url(m.name());
  return o;
}

boost::json::object explain(const ml::Predictor& m, const ml::Prediction& p, int missing_optional) {
  json::array up, down, contributions;
  for (const auto& c : p.contributions) {
    const bool given = c.value_text != "not given";
    json::object item{{"feature", c.feature},
                      {"label", c.label},
                      {"value", c.value_text},
                      {"contribution", c.contribution},
                      {"direction", c.contribution > 0 ? "up" : c.contribution < 0 ? "down" : "none"}};
    contributions.push_back(item);
    if (!given || std::fabs(c.contribution) < kMentionable) continue;
    auto& list = c.contribution > 0 ? up : down;
    if (list.size() >= kTopFactors) continue;
    const bool first = list.empty();
    item["text"] = c.label + " " + c.value_text +
                   (c.contribution > 0 ? (first ? " raised the estimate the most" : " raised the estimate")
                                       : (first ? " lowered the estimate the most" : " lowered the estimate"));
    list.push_back(std::move(item));
  }
  json::array factors;
  for (const auto& f : p.factors) factors.push_back(json::string(f));

  const auto& auc = metric(m, "roc_auc");
  const auto conf = confidence({.roc_auc = num(auc.at("mean")),
                                .roc_auc_sd = num(auc.at("sd")),
                                .calibration_error = num(metric(m, "calibration_error").at("mean")),
                                .features = static_cast<int>(m.schema().features.size()),
                                .missing = missing_optional});
  json::object o;
  o["model"] = m.name();
  o["model_title"] = m.card().at("title");
  o["model_version"] = m.version();
  o["card_url"] = card_url(m.name());
  o["probability"] = p.probability;
  o["band"] = p.band;
  o["thresholds"] = {{"low_moderate", m.threshold_low_moderate()}, {"moderate_high", m.threshold_moderate_high()}};
  o["baseline_probability"] = sigmoid(p.base_log_odds);
  o["factors_up"] = std::move(up);
  o["factors_down"] = std::move(down);
  o["factors"] = std::move(factors);
  o["contributions"] = std::move(contributions);
  o["confidence"] = {{"level", conf.level},
                     {"text", conf.text},
                     {"roc_auc", auc.at("mean")},
                     {"roc_auc_sd", auc.at("sd")},
                     {"missing_features", missing_optional}};
  o["disclaimer"] = disclaimer(population_of(m));
  return o;
}

boost::json::object predict_and_store(soci::session& sql, const ml::Predictor& m, std::int64_t patient_id,
                                      const boost::json::object& input) {
  std::vector<FieldError> errors;
  const auto row = m.encode(input, errors);
  const auto& feats = m.schema().features;
  if (!errors.empty()) {
    // Each bad feature's allowed values, machine-readable, next to the messages.
    json::object allowed;
    for (const auto& e : errors)
      for (const auto& f : feats)
        if (f.name == e.field) allowed[f.name] = allowed_of(f);
    throw problems::validation(std::move(errors)).with("allowed", std::move(allowed));
  }
  const auto p = m.predict_row(row.data());
  json::object inputs;
  int missing = 0;
  for (std::size_t j = 0; j < feats.size(); ++j) {
    if (std::isnan(row[j])) {
      ++missing;
      continue;
    }
    inputs[feats[j].name] = input.at(feats[j].name);
  }
  const auto result = explain(m, p, missing);

  const long long patient = patient_id;
  const long long now = now_ms();
  const std::string model = m.name(), version = m.version(), band = p.band;
  const double probability = p.probability;
  const std::string inputs_text = json::serialize(inputs), result_text = json::serialize(result);
  long long id = 0;
  sql << "INSERT INTO predictions (patient_id, model, model_version, probability, band, inputs, result, created_at) "
         "VALUES (:p, :m, :v, :pr, :b, :i, :r, :t) RETURNING id",
      soci::use(patient), soci::use(model), soci::use(version), soci::use(probability), soci::use(band),
      soci::use(inputs_text), soci::use(result_text), soci::use(now), soci::into(id);

  json::object item = result;
  item["id"] = id;
  item["patient_id"] = patient;
  item["created_at"] = iso8601(now);
  item["inputs"] = std::move(inputs);
  return item;
}

const char* const kColumns = "SELECT id, patient_id, created_at, inputs, result FROM predictions";

boost::json::object item_from_row(const soci::row& r) {
  json::object item = json::parse(db::col_text(r, 4)).as_object();
  item["id"] = db::col_int(r, 0);
  item["patient_id"] = db::col_int(r, 1);
  item["created_at"] = iso8601(db::col_int(r, 2));
  item["inputs"] = json::parse(db::col_text(r, 3));
  return item;
}

boost::json::object prefill(const ml::Predictor& m, const std::string& date_of_birth, const std::string& sex) {
  const auto age = age_on(date_of_birth, utc_today());
  auto filled = prefill_from_profile(m.name(), age, sex);
  json::object values, sources;
  json::array notes;
  for (const auto& v : filled.values) {
    const ml::FeatureSpec* spec = nullptr;
    for (const auto& f : m.schema().features)
      if (f.name == v.feature) spec = &f;
    if (!spec) continue;  // the model has no such feature (diabetes has no sex)
    if (v.number && (*v.number < spec->min || *v.number > spec->max)) {
      notes.push_back(json::string("Your " + spec->label + " (" + std::to_string(static_cast<long long>(*v.number)) +
                                   ") is outside what this model was trained on (" + ml::allowed_text(*spec) +
                                   "); it cannot give you an estimate."));
      continue;
    }
    if (v.number && std::floor(*v.number) == *v.number) {
      values[v.feature] = static_cast<std::int64_t>(*v.number);
    } else if (v.number) {
      values[v.feature] = *v.number;
    } else {
      values[v.feature] = v.text_value;
    }
    sources[v.feature] = v.source;
  }
  for (const auto& n : filled.notes) notes.push_back(json::string(n));
  return json::object{{"model", m.name()}, {"values", std::move(values)}, {"sources", std::move(sources)},
                      {"notes", std::move(notes)}};
}

}  // namespace medcore::predictions
