#include "engines/ai/facts.hpp"

#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace medcore::ai {

namespace json = boost::json;

namespace {

template <typename E, std::size_t N>
using Names = std::array<std::pair<E, std::string_view>, N>;

template <typename E, std::size_t N>
std::string_view name_in(const Names<E, N>& names, E e) {
  for (const auto& [value, name] : names)
    if (value == e) return name;
  return "?";
}

template <typename E, std::size_t N>
E parse_in(const Names<E, N>& names, std::string_view s, std::string_view field) {
  for (const auto& [value, name] : names)
    if (name == s) return value;
  throw std::invalid_argument(std::string(field) + ": unknown value \"" + std::string(s) + "\"");
}

constexpr Names<Task, 1> kTasks{{{Task::health_advice, "health_advice"}}};
constexpr Names<Sex, 4> kSexes{{{Sex::female, "female"}, {Sex::male, "male"}, {Sex::other, "other"}, {Sex::unknown, "unknown"}}};
constexpr Names<AgeBand, 9> kAgeBands{{{AgeBand::under_18, "under 18"},
                                       {AgeBand::from_18_to_29, "18-29"},
                                       {AgeBand::from_30_to_39, "30-39"},
                                       {AgeBand::from_40_to_49, "40-49"},
                                       {AgeBand::from_50_to_59, "50-59"},
                                       {AgeBand::from_60_to_69, "60-69"},
                                       {AgeBand::from_70_to_79, "70-79"},
                                       {AgeBand::from_80_to_89, "80-89"},
                                       {AgeBand::from_90, "90+"}}};
constexpr Names<ReadingKind, 6> kKinds{{{ReadingKind::blood_pressure, "blood_pressure"},
                                        {ReadingKind::blood_glucose, "blood_glucose"},
                                        {ReadingKind::heart_rate, "heart_rate"},
                                        {ReadingKind::body_weight, "body_weight"},
                                        {ReadingKind::spo2, "spo2"},
                                        {ReadingKind::body_temperature, "body_temperature"}}};
constexpr Names<Category, 24> kCategories{{{Category::bp_normal, "bp_normal"},
                                           {Category::bp_elevated, "bp_elevated"},
                                           {Category::bp_stage_1, "bp_stage_1"},
                                           {Category::bp_stage_2, "bp_stage_2"},
                                           {Category::bp_hypertensive_crisis, "bp_hypertensive_crisis"},
                                           {Category::glucose_normal, "glucose_normal"},
                                           {Category::glucose_prediabetes, "glucose_prediabetes"},
                                           {Category::glucose_diabetes_range, "glucose_diabetes_range"},
                                           {Category::glucose_hypoglycaemia, "glucose_hypoglycaemia"},
                                           {Category::glucose_severe_hypoglycaemia, "glucose_severe_hypoglycaemia"},
                                           {Category::heart_rate_low, "heart_rate_low"},
                                           {Category::heart_rate_normal, "heart_rate_normal"},
                                           {Category::heart_rate_high, "heart_rate_high"},
                                           {Category::bmi_underweight, "bmi_underweight"},
                                           {Category::bmi_normal, "bmi_normal"},
                                           {Category::bmi_overweight, "bmi_overweight"},
                                           {Category::bmi_obesity_1, "bmi_obesity_1"},
                                           {Category::bmi_obesity_2, "bmi_obesity_2"},
                                           {Category::bmi_obesity_3, "bmi_obesity_3"},
                                           {Category::spo2_normal, "spo2_normal"},
                                           {Category::spo2_low, "spo2_low"},
                                           {Category::temperature_low, "temperature_low"},
                                           {Category::temperature_normal, "temperature_normal"},
                                           {Category::temperature_fever, "temperature_fever"}}};
constexpr Names<Category, 24> kCategoryWords{{{Category::bp_normal, "normal blood pressure"},
                                              {Category::bp_elevated, "elevated blood pressure"},
                                              {Category::bp_stage_1, "stage 1 hypertension"},
                                              {Category::bp_stage_2, "stage 2 hypertension"},
                                              {Category::bp_hypertensive_crisis, "hypertensive crisis range"},
                                              {Category::glucose_normal, "normal glucose"},
                                              {Category::glucose_prediabetes, "prediabetes range"},
                                              {Category::glucose_diabetes_range, "diabetes range"},
                                              {Category::glucose_hypoglycaemia, "low glucose (hypoglycaemia)"},
                                              {Category::glucose_severe_hypoglycaemia, "severe hypoglycaemia"},
                                              {Category::heart_rate_low, "below the usual resting range"},
                                              {Category::heart_rate_normal, "within the usual resting range"},
                                              {Category::heart_rate_high, "above the usual resting range"},
                                              {Category::bmi_underweight, "underweight"},
                                              {Category::bmi_normal, "healthy weight"},
                                              {Category::bmi_overweight, "overweight"},
                                              {Category::bmi_obesity_1, "obesity class I"},
                                              {Category::bmi_obesity_2, "obesity class II"},
                                              {Category::bmi_obesity_3, "obesity class III"},
                                              {Category::spo2_normal, "normal oxygen saturation"},
                                              {Category::spo2_low, "low oxygen saturation"},
                                              {Category::temperature_low, "low body temperature"},
                                              {Category::temperature_normal, "normal temperature"},
                                              {Category::temperature_fever, "fever"}}};
constexpr Names<Guideline, 5> kGuidelines{{{Guideline::acc_aha_2017, "acc_aha_2017"},
                                           {Guideline::ada, "ada"},
                                           {Guideline::who_bmi, "who_bmi"},
                                           {Guideline::adult_resting_heart_rate, "adult_resting_heart_rate"},
                                           {Guideline::none, "none"}}};
constexpr Names<Guideline, 5> kGuidelineWords{{{Guideline::acc_aha_2017, "ACC/AHA 2017"},
                                               {Guideline::ada, "ADA Standards of Care"},
                                               {Guideline::who_bmi, "WHO BMI classes"},
                                               {Guideline::adult_resting_heart_rate, "adult resting heart rate 60-100/min"},
                                               {Guideline::none, "no guideline"}}};
constexpr Names<Direction, 3> kDirections{{{Direction::rising, "rising"}, {Direction::falling, "falling"}, {Direction::stable, "stable"}}};
constexpr Names<RiskModel, 3> kRiskModels{{{RiskModel::diabetes, "diabetes"}, {RiskModel::heart, "heart"}, {RiskModel::stroke, "stroke"}}};
constexpr Names<RiskBand, 3> kRiskBands{{{RiskBand::low, "low"}, {RiskBand::moderate, "moderate"}, {RiskBand::high, "high"}}};

// One decimal is all a provider needs, and it keeps the digest stable across float noise.
double rounded(double v) { return std::round(v * 10.0) / 10.0; }

const json::object& object_at(const json::value& v, std::string_view field) {
  if (!v.is_object()) throw std::invalid_argument(std::string(field) + ": expected an object");
  return v.get_object();
}
std::string_view string_at(const json::object& o, std::string_view key, std::string_view field) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_string()) throw std::invalid_argument(std::string(field) + "." + std::string(key) + ": expected a string");
  return v->get_string();
}
double number_at(const json::object& o, std::string_view key, std::string_view field) {
  const auto* v = o.if_contains(key);
  if (!v || !(v->is_number())) throw std::invalid_argument(std::string(field) + "." + std::string(key) + ": expected a number");
  const double d = v->to_number<double>();
  if (!std::isfinite(d)) throw std::invalid_argument(std::string(field) + "." + std::string(key) + ": not finite");
  return d;
}
void only_keys(const json::object& o, std::initializer_list<std::string_view> allowed, std::string_view field) {
  for (const auto& kv : o) {
    bool ok = false;
    for (auto a : allowed) ok = ok || kv.key() == a;
    if (!ok) throw std::invalid_argument(std::string(field) + ": unexpected field \"" + std::string(kv.key()) + "\"");
  }
}
// "trend.blood_pressure.30d" -> (kind, 30)
std::pair<ReadingKind, int> parse_trend_key(std::string_view key) {
  const auto dot = key.rfind('.');
  if (dot == std::string_view::npos || key.size() < dot + 3 || key.back() != 'd')
    throw std::invalid_argument("trends." + std::string(key) + ": expected <kind>.<days>d");
  const auto kind = parse_in(kKinds, key.substr(0, dot), "trends");
  const auto days_text = key.substr(dot + 1, key.size() - dot - 2);
  int days = 0;
  for (char c : days_text) {
    if (c < '0' || c > '9') throw std::invalid_argument("trends." + std::string(key) + ": bad window");
    days = days * 10 + (c - '0');
  }
  if (days != 7 && days != 30 && days != 90 && days != 365)
    throw std::invalid_argument("trends." + std::string(key) + ": the window is 7, 30, 90 or 365 days");
  return {kind, days};
}

}  // namespace

std::string_view to_string(Task t) { return name_in(kTasks, t); }
std::optional<Task> parse_task(std::string_view s) {
  for (const auto& [value, name] : kTasks)
    if (name == s) return value;
  return std::nullopt;
}
std::string_view to_string(Sex s) { return name_in(kSexes, s); }
std::string_view to_string(AgeBand a) { return name_in(kAgeBands, a); }
std::string_view to_string(ReadingKind k) { return name_in(kKinds, k); }
std::string_view to_string(Category c) { return name_in(kCategories, c); }
std::string_view to_string(Guideline g) { return name_in(kGuidelines, g); }
std::string_view to_string(Direction d) { return name_in(kDirections, d); }
std::string_view to_string(RiskModel m) { return name_in(kRiskModels, m); }
std::string_view to_string(RiskBand b) { return name_in(kRiskBands, b); }
std::string_view describe(Category c) { return name_in(kCategoryWords, c); }
std::string_view describe(Guideline g) { return name_in(kGuidelineWords, g); }

AgeBand age_band_of(int years) {
  if (years < 18) return AgeBand::under_18;
  if (years >= 90) return AgeBand::from_90;
  if (years < 30) return AgeBand::from_18_to_29;
  return static_cast<AgeBand>(years / 10 - 1);  // 30-39 is the third band
}

bool is_urgent(Category c) {
  return c == Category::bp_hypertensive_crisis || c == Category::glucose_severe_hypoglycaemia;
}

Direction direction_of(const Trend& t) {
  if (t.count < 3) return Direction::stable;
  const double margin = 2.0 * std::abs(t.slope_uncertainty);
  if (t.slope_per_week > margin) return Direction::rising;
  if (t.slope_per_week < -margin) return Direction::falling;
  return Direction::stable;
}

bool has_urgent_category(const HealthFacts& f) {
  for (const auto& r : f.latest)
    if (r.category && is_urgent(*r.category)) return true;
  return false;
}

const LatestReading* latest_of(const HealthFacts& f, ReadingKind kind) {
  for (const auto& r : f.latest)
    if (r.kind == kind) return &r;
  return nullptr;
}

json::object to_json(const HealthFacts& f) {
  json::object o;
  o["age_band"] = to_string(f.age_band);
  o["sex"] = to_string(f.sex);
  json::object latest;
  for (const auto& r : f.latest) {
    json::object x;
    if (r.kind == ReadingKind::blood_pressure) {
      x["systolic"] = rounded(r.value);
      if (r.diastolic) x["diastolic"] = rounded(*r.diastolic);
    } else {
      x["value"] = rounded(r.value);
    }
    if (r.category) x["category"] = to_string(*r.category);
    x["guideline"] = to_string(r.guideline);
    x["days_ago"] = r.days_ago;
    latest[to_string(r.kind)] = std::move(x);
  }
  o["latest"] = std::move(latest);
  json::object trends;
  for (const auto& t : f.trends) {
    json::object x;
    x["count"] = t.count;
    x["average"] = rounded(t.average);
    x["slope_per_week"] = std::round(t.slope_per_week * 100.0) / 100.0;
    x["slope_uncertainty"] = std::round(t.slope_uncertainty * 100.0) / 100.0;
    x["direction"] = to_string(direction_of(t));
    trends[std::string(to_string(t.kind)) + "." + std::to_string(t.window_days) + "d"] = std::move(x);
  }
  o["trends"] = std::move(trends);
  if (f.bmi_class || f.bmi) {
    json::object b;
    if (f.bmi_class) b["class"] = to_string(*f.bmi_class);
    if (f.bmi) b["value"] = rounded(*f.bmi);
    o["bmi"] = std::move(b);
  }
  json::object risks;
  for (const auto& r : f.risks) {
    json::object x;
    x["band"] = to_string(r.band);
    x["days_ago"] = r.days_ago;
    risks[to_string(r.model)] = std::move(x);
  }
  o["risks"] = std::move(risks);
  return o;
}

std::vector<std::string> fact_keys(const HealthFacts& f) {
  std::vector<std::string> keys{"age_band", "sex"};
  for (const auto& r : f.latest) keys.push_back("latest." + std::string(to_string(r.kind)));
  for (const auto& t : f.trends)
    keys.push_back("trend." + std::string(to_string(t.kind)) + "." + std::to_string(t.window_days) + "d");
  if (f.bmi_class || f.bmi) keys.emplace_back("bmi");
  for (const auto& r : f.risks) keys.push_back("risk." + std::string(to_string(r.model)));
  return keys;
}

HealthFacts health_facts_from_json(const json::value& v) {
  const auto& o = object_at(v, "facts");
  only_keys(o, {"age_band", "sex", "latest", "trends", "bmi", "risks"}, "facts");
  HealthFacts f;
  f.age_band = parse_in(kAgeBands, string_at(o, "age_band", "facts"), "facts.age_band");
  f.sex = parse_in(kSexes, string_at(o, "sex", "facts"), "facts.sex");
  if (const auto* latest = o.if_contains("latest")) {
    for (const auto& kv : object_at(*latest, "latest")) {
      const std::string field = "latest." + std::string(kv.key());
      const auto& x = object_at(kv.value(), field);
      LatestReading r;
      r.kind = parse_in(kKinds, kv.key(), field);
      if (latest_of(f, r.kind)) throw std::invalid_argument(field + ": given twice");
      if (r.kind == ReadingKind::blood_pressure) {
        only_keys(x, {"systolic", "diastolic", "category", "guideline", "days_ago"}, field);
        r.value = number_at(x, "systolic", field);
        if (x.contains("diastolic")) r.diastolic = number_at(x, "diastolic", field);
      } else {
        only_keys(x, {"value", "category", "guideline", "days_ago"}, field);
        r.value = number_at(x, "value", field);
      }
      if (x.contains("category")) r.category = parse_in(kCategories, string_at(x, "category", field), field + ".category");
      if (x.contains("guideline")) r.guideline = parse_in(kGuidelines, string_at(x, "guideline", field), field + ".guideline");
      if (x.contains("days_ago")) r.days_ago = static_cast<int>(number_at(x, "days_ago", field));
      f.latest.push_back(r);
    }
  }
  if (const auto* trends = o.if_contains("trends")) {
    for (const auto& kv : object_at(*trends, "trends")) {
      const std::string field = "trends." + std::string(kv.key());
      const auto& x = object_at(kv.value(), field);
      only_keys(x, {"count", "average", "slope_per_week", "slope_uncertainty", "direction"}, field);
      Trend t;
      std::tie(t.kind, t.window_days) = parse_trend_key(kv.key());
      t.count = static_cast<int>(number_at(x, "count", field));
      t.average = number_at(x, "average", field);
      t.slope_per_week = number_at(x, "slope_per_week", field);
      if (x.contains("slope_uncertainty")) t.slope_uncertainty = number_at(x, "slope_uncertainty", field);
      f.trends.push_back(t);
    }
  }
  if (const auto* bmi = o.if_contains("bmi")) {
    const auto& b = object_at(*bmi, "bmi");
    only_keys(b, {"class", "value"}, "bmi");
    if (b.contains("class")) f.bmi_class = parse_in(kCategories, string_at(b, "class", "bmi"), "bmi.class");
    if (b.contains("value")) f.bmi = number_at(b, "value", "bmi");
  }
  if (const auto* risks = o.if_contains("risks")) {
    for (const auto& kv : object_at(*risks, "risks")) {
      const std::string field = "risks." + std::string(kv.key());
      const auto& x = object_at(kv.value(), field);
      only_keys(x, {"band", "days_ago"}, field);
      RiskPrediction r;
      r.model = parse_in(kRiskModels, kv.key(), field);
      r.band = parse_in(kRiskBands, string_at(x, "band", field), field + ".band");
      if (x.contains("days_ago")) r.days_ago = static_cast<int>(number_at(x, "days_ago", field));
      f.risks.push_back(r);
    }
  }
  return f;
}

}  // namespace medcore::ai
