#pragma once
// What a task may tell a provider about a patient. Every field is an enum, a number or a relative
// day count: a HealthFacts cannot hold a name, an email, a birth date or a free-text note, so
// whatever the engine sends a provider is de-identified by construction (the health feature
// builds it from a profile; tests/unit/ai_engine_test.cpp proves nothing else leaks).
#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace medcore::ai {

// The questions the engine answers. Only health_advice is built; prescription_explanation and
// prediction_explanation will add a facts type each to `Facts` and an offline composer.
enum class Task { health_advice };
std::string_view to_string(Task);
std::optional<Task> parse_task(std::string_view);

enum class Sex { female, male, other, unknown };
// Ten-year bands; every age above 89 is one band, as HIPAA Safe Harbor aggregates them.
enum class AgeBand { under_18, from_18_to_29, from_30_to_39, from_40_to_49, from_50_to_59, from_60_to_69,
                     from_70_to_79, from_80_to_89, from_90 };
AgeBand age_band_of(int years);

enum class ReadingKind { blood_pressure, blood_glucose, heart_rate, body_weight, spo2, body_temperature };

// The guideline categories the health feature assigns (docs/ARCHITECTURE.md, "AI engine").
enum class Category {
  bp_normal, bp_elevated, bp_stage_1, bp_stage_2, bp_hypertensive_crisis,                    // ACC/AHA 2017
  glucose_normal, glucose_prediabetes, glucose_diabetes_range, glucose_hypoglycaemia,        // ADA
  glucose_severe_hypoglycaemia,
  heart_rate_low, heart_rate_normal, heart_rate_high,                                        // adult resting
  bmi_underweight, bmi_normal, bmi_overweight, bmi_obesity_1, bmi_obesity_2, bmi_obesity_3,  // WHO
  spo2_normal, spo2_low, temperature_low, temperature_normal, temperature_fever,
};
enum class Guideline { acc_aha_2017, ada, who_bmi, adult_resting_heart_rate, none };

// The categories that always bring the fixed urgent message, whatever the provider says.
bool is_urgent(Category);

struct LatestReading {
  ReadingKind kind = ReadingKind::blood_pressure;
  double value = 0;                  // canonical unit: mmHg (systolic), mg/dL, /min, kg, %, °C
  std::optional<double> diastolic;   // blood pressure only
  std::optional<Category> category;  // none for body weight (BMI carries it)
  Guideline guideline = Guideline::none;
  int days_ago = 0;                  // relative, never a date
};

struct Trend {
  ReadingKind kind = ReadingKind::blood_pressure;
  int window_days = 30;  // 7, 30, 90 or 365
  int count = 0;
  double average = 0;    // systolic for blood pressure
  double slope_per_week = 0;
  double slope_uncertainty = 0;  // one standard error of the slope
};
enum class Direction { rising, falling, stable };
// Rising or falling only when the slope is more than twice its uncertainty away from zero.
Direction direction_of(const Trend&);

enum class RiskModel { diabetes, heart, stroke };
enum class RiskBand { low, moderate, high };
struct RiskPrediction {
  RiskModel model = RiskModel::diabetes;
  RiskBand band = RiskBand::low;
  int days_ago = 0;
};

struct HealthFacts {
  AgeBand age_band = AgeBand::from_18_to_29;
  Sex sex = Sex::unknown;
  std::vector<LatestReading> latest;  // at most one per kind
  std::vector<Trend> trends;
  std::optional<Category> bmi_class;
  std::optional<double> bmi;
  std::vector<RiskPrediction> risks;  // the latest per model
};

// One alternative per task; the engine dispatches on the alternative.
using Facts = std::variant<HealthFacts>;

// The facts as a provider (and the cache digest) sees them. Keys are stable and are what
// suggestions cite in `based_on`: "age_band", "sex", "latest.<kind>", "trend.<kind>.<n>d",
// "bmi", "risk.<model>".
boost::json::object to_json(const HealthFacts&);
std::vector<std::string> fact_keys(const HealthFacts&);
// The reverse, for `medcore ai ask --facts FILE`: unknown keys and values are refused
// (std::invalid_argument naming the field), so a file cannot smuggle a name in.
HealthFacts health_facts_from_json(const boost::json::value&);

bool has_urgent_category(const HealthFacts&);
const LatestReading* latest_of(const HealthFacts&, ReadingKind);

std::string_view to_string(Sex);
std::string_view to_string(AgeBand);
std::string_view to_string(ReadingKind);
std::string_view to_string(Category);
std::string_view to_string(Guideline);
std::string_view to_string(Direction);
std::string_view to_string(RiskModel);
std::string_view to_string(RiskBand);
// Plain words for a category ("stage 1 hypertension") and a guideline ("ACC/AHA 2017").
std::string_view describe(Category);
std::string_view describe(Guideline);

}  // namespace medcore::ai
