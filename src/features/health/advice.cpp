#include "features/health/advice.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "features/health/store.hpp"
#include "platform/core/json_input.hpp"
#include "platform/core/time.hpp"

namespace medcore::health {

namespace json = boost::json;

int parse_advice_days(const std::string& body) {
  if (trim(body).empty()) return kDefaultAdviceDays;
  auto in = JsonInput::parse(body);
  const auto days = in.integer("days", {.required = false, .min = 7, .max = 365});
  if (days && *days != 7 && *days != 30 && *days != 90 && *days != 365) in.fail("days", "must be 7, 30, 90 or 365");
  in.finish();
  return days ? static_cast<int>(*days) : kDefaultAdviceDays;
}

std::optional<ai::ReadingKind> ai_kind(Kind kind) {
  switch (kind) {
    case Kind::blood_pressure: return ai::ReadingKind::blood_pressure;
    case Kind::blood_glucose: return ai::ReadingKind::blood_glucose;
    case Kind::heart_rate: return ai::ReadingKind::heart_rate;
    case Kind::body_weight: return ai::ReadingKind::body_weight;
    case Kind::spo2: return ai::ReadingKind::spo2;
    case Kind::body_temperature: return ai::ReadingKind::body_temperature;
    case Kind::bmi: return std::nullopt;  // the facts carry BMI on its own (bmi, bmi_class)
  }
  return std::nullopt;
}

ai::Guideline ai_guideline(Guideline g) {
  switch (g) {
    case Guideline::acc_aha_2017: return ai::Guideline::acc_aha_2017;
    case Guideline::ada_standards: return ai::Guideline::ada;
    case Guideline::who_bmi: return ai::Guideline::who_bmi;
    case Guideline::resting_heart_rate: return ai::Guideline::adult_resting_heart_rate;
    case Guideline::rcp_news2_2017: return ai::Guideline::none;  // the engine names no NEWS2 guideline
  }
  return ai::Guideline::none;
}

std::optional<ai::Category> ai_category(const Reading& r) {
  using C = ai::Category;
  switch (r.kind) {
    case Kind::blood_pressure:
      switch (blood_pressure_category(r.systolic, r.diastolic)) {
        case BloodPressureCategory::normal: return C::bp_normal;
        case BloodPressureCategory::elevated: return C::bp_elevated;
        case BloodPressureCategory::stage_1: return C::bp_stage_1;
        case BloodPressureCategory::stage_2: return C::bp_stage_2;
        case BloodPressureCategory::hypertensive_crisis: return C::bp_hypertensive_crisis;
      }
      break;
    case Kind::blood_glucose:
      switch (glucose_category(r.value, r.context.value_or(GlucoseContext::random))) {
        case GlucoseCategory::hypoglycaemia_level_2: return C::glucose_severe_hypoglycaemia;
        case GlucoseCategory::hypoglycaemia_level_1: return C::glucose_hypoglycaemia;
        case GlucoseCategory::normal: return C::glucose_normal;
        case GlucoseCategory::prediabetes_range: return C::glucose_prediabetes;
        case GlucoseCategory::diabetes_range: return C::glucose_diabetes_range;
        case GlucoseCategory::high:
        case GlucoseCategory::unclassified: return std::nullopt;
      }
      break;
    case Kind::heart_rate:
      switch (heart_rate_category(r.value)) {
        case HeartRateCategory::low: return C::heart_rate_low;
        case HeartRateCategory::normal: return C::heart_rate_normal;
        case HeartRateCategory::high: return C::heart_rate_high;
      }
      break;
    case Kind::bmi:
      switch (bmi_category(r.value)) {
        case BmiCategory::underweight: return C::bmi_underweight;
        case BmiCategory::normal: return C::bmi_normal;
        case BmiCategory::pre_obese: return C::bmi_overweight;
        case BmiCategory::obese_class_1: return C::bmi_obesity_1;
        case BmiCategory::obese_class_2: return C::bmi_obesity_2;
        case BmiCategory::obese_class_3: return C::bmi_obesity_3;
      }
      break;
    case Kind::spo2:
      return spo2_category(r.value) == Spo2Category::normal ? C::spo2_normal : C::spo2_low;
    case Kind::body_temperature:
      switch (temperature_category(r.value)) {
        case TemperatureCategory::hypothermia:
        case TemperatureCategory::low: return C::temperature_low;
        case TemperatureCategory::normal: return C::temperature_normal;
        case TemperatureCategory::fever:
        case TemperatureCategory::high_fever: return C::temperature_fever;
      }
      break;
    case Kind::body_weight: return std::nullopt;  // BMI carries the category
  }
  return std::nullopt;
}

ai::Sex ai_sex(std::string_view stored) {
  if (stored == "female") return ai::Sex::female;
  if (stored == "male") return ai::Sex::male;
  if (stored == "intersex") return ai::Sex::other;
  return ai::Sex::unknown;
}

int age_in_years(date::year_month_day birth, date::year_month_day today) {
  int years = static_cast<int>(today.year()) - static_cast<int>(birth.year());
  if (date::month_day(today.month(), today.day()) < date::month_day(birth.month(), birth.day())) --years;
  return std::max(0, years);
}

namespace {

std::optional<ai::RiskModel> risk_model(std::string_view s) {
  if (s == "diabetes") return ai::RiskModel::diabetes;
  if (s == "heart") return ai::RiskModel::heart;
  if (s == "stroke") return ai::RiskModel::stroke;
  return std::nullopt;
}

std::optional<ai::RiskBand> risk_band(std::string_view s) {
  if (s == "low") return ai::RiskBand::low;
  if (s == "moderate") return ai::RiskBand::moderate;
  if (s == "high") return ai::RiskBand::high;
  return std::nullopt;
}

constexpr EpochMs kDayMs = 24LL * 3600 * 1000;
int days_before(EpochMs at, EpochMs now) { return static_cast<int>(std::max<EpochMs>(0, now - at) / kDayMs); }

// The latest reading of each kind, in the order of all_kinds().
std::vector<Reading> latest_per_kind(std::span<const Reading> readings) {
  std::map<Kind, Reading> latest;
  for (const auto& r : readings) {
    auto it = latest.find(r.kind);
    if (it == latest.end() || it->second.measured_at <= r.measured_at) latest[r.kind] = r;
  }
  std::vector<Reading> out;
  for (const auto& [kind, r] : latest) out.push_back(r);
  return out;
}

}  // namespace

ai::HealthFacts advice_facts(std::span<const Reading> readings, int window_days, std::optional<date::year_month_day> birth,
                             std::string_view sex, std::span<const StoredRisk> risks, date::year_month_day today,
                             EpochMs now) {
  ai::HealthFacts f;
  // A profile without a birth date says nothing of age; the middle adult band is the neutral guess
  // the offline composer treats like any adult (no under-18 or 65+ rules).
  f.age_band = birth ? ai::age_band_of(age_in_years(*birth, today)) : ai::AgeBand::from_40_to_49;
  f.sex = ai_sex(sex);
  for (const auto& r : latest_per_kind(readings)) {
    if (r.kind == Kind::bmi) {
      f.bmi = r.value;
      f.bmi_class = ai_category(r);
      continue;
    }
    const auto kind = ai_kind(r.kind);
    if (!kind) continue;
    ai::LatestReading l;
    l.kind = *kind;
    l.value = r.kind == Kind::blood_pressure ? r.systolic : r.value;
    if (r.kind == Kind::blood_pressure) l.diastolic = r.diastolic;
    l.category = ai_category(r);
    if (auto c = category_of(r)) l.guideline = ai_guideline(c->guideline);
    l.days_ago = days_before(r.measured_at, now);
    f.latest.push_back(l);

    // The window's trend of the kind, when it has a slope with an uncertainty (3 readings or more).
    const Trend t = trend(r.kind, readings);
    if (t.series.empty()) continue;
    const auto& main = t.series.front();  // "value", or "systolic" for blood pressure
    if (!main.mean || !main.slope || !main.slope->standard_error) continue;
    f.trends.push_back({.kind = *kind,
                        .window_days = window_days,
                        .count = main.count,
                        .average = *main.mean,
                        .slope_per_week = main.slope->per_week,
                        .slope_uncertainty = *main.slope->standard_error});
  }
  std::map<ai::RiskModel, ai::RiskPrediction> latest_risk;
  for (const auto& r : risks) {
    const auto model = risk_model(r.model);
    const auto band = risk_band(r.band);
    if (!model || !band) continue;
    latest_risk[*model] = ai::RiskPrediction{.model = *model, .band = *band, .days_ago = days_before(r.created_at, now)};
  }
  for (const auto& [model, r] : latest_risk) f.risks.push_back(r);
  return f;
}

std::optional<std::string> urgent_message_of(std::span<const Reading> readings) {
  for (const auto& r : latest_per_kind(readings))
    if (auto u = urgent(r)) return std::string(u->message);
  return std::nullopt;
}

json::object advice_item(std::int64_t id, EpochMs created_at, const std::string& answer_json) {
  return json::object{{"id", id}, {"created_at", iso8601(created_at)}, {"answer", json::parse(answer_json)}};
}

json::object store_advice(soci::session& sql, std::int64_t patient_id, const ai::Answer& answer, EpochMs now) {
  const std::string text = json::serialize(ai::to_json(answer));
  const auto id = store::insert_advice(sql, patient_id, now, answer.provider, answer.model, answer.fell_back,
                                       std::string(ai::to_string(answer.reason)), text);
  return advice_item(id, now, text);
}

bool provider_enabled(soci::session& sql) { return store::admin_setting(sql, "ai.provider_enabled") == "1"; }

void set_provider_enabled(soci::session& sql, bool enabled, audit::Entry entry, EpochMs now) {
  const bool before = provider_enabled(sql);
  store::set_admin_setting(sql, "ai.provider_enabled", enabled ? "1" : "0", entry.actor, now);
  if (before == enabled) return;  // audited only when it changes
  entry.details["provider_enabled"] = enabled;
  audit::record(sql, entry);
}

}  // namespace medcore::health
