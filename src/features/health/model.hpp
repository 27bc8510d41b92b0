#pragma once
// Health statistics: the pure rules (no I/O). What each kind of reading is (LOINC code, UCUM unit),
// unit conversions, plausibility checks, the guideline category of a reading, the fixed urgent
// message, and trends over a window of readings. docs/HEALTH.md cites every threshold; the unit
// tests (tests/unit/health_model_test.cpp) check each one and one unit either side.
#include <date/date.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/problem.hpp"
#include "platform/core/time.hpp"

namespace medcore::health {

// ---- names ------------------------------------------------------------------------------
// Every enum has one to_string (its enumerator's name, which is what the API and the database
// store) and one parse; `all_*()` lists every value, for CHECK constraints and round-trip tests.

enum class Kind { blood_pressure, blood_glucose, heart_rate, body_weight, bmi, spo2, body_temperature };
std::string_view to_string(Kind kind);
std::optional<Kind> parse_kind(std::string_view text);
std::span<const Kind> all_kinds();

enum class Unit { mmhg, mg_dl, mmol_l, per_min, kg, lb, kg_m2, percent, celsius, fahrenheit };
std::string_view to_string(Unit unit);
std::optional<Unit> parse_unit(std::string_view text);
std::span<const Unit> all_units();
std::string_view ucum(Unit unit);    // "mm[Hg]", "mg/dL", "[lb_av]", "Cel", ...: what FHIR carries
std::string_view symbol(Unit unit);  // "mmHg", "mg/dL", "lb", "°C", ...: what a person reads

// When a glucose reading was taken; the categories depend on it.
enum class GlucoseContext { fasting, before_meal, after_meal_2h, random, bedtime };
std::string_view to_string(GlucoseContext context);
std::optional<GlucoseContext> parse_glucose_context(std::string_view text);
std::span<const GlucoseContext> all_glucose_contexts();

enum class Source { manual, import, device };
std::string_view to_string(Source source);
std::optional<Source> parse_source(std::string_view text);
std::span<const Source> all_sources();

// ---- what each kind is ------------------------------------------------------------------

struct Coding {
  std::string_view code;     // LOINC
  std::string_view display;  // LOINC long common name
};

struct KindInfo {
  Kind kind;
  std::span<const Coding> loinc;       // the first is the code the kind is known by
  std::span<const Coding> components;  // blood pressure: systolic, diastolic; empty otherwise
  Unit canonical;                      // how it is stored
  std::span<const Unit> entry_units;   // units a patient may enter it in (empty: derived, never entered)
};
const KindInfo& info(Kind kind);
bool accepts_unit(Kind kind, Unit unit);

// ---- units ---------------------------------------------------------------------------------

inline constexpr double mg_dl_per_mmol_l = 18.016;  // glucose, molar mass 180.16 g/mol
inline constexpr double kg_per_lb = 0.45359237;     // international avoirdupois pound, exact

// The canonical unit of a unit's dimension: mmol/L -> mg/dL, lb -> kg, °F -> °C, others unchanged.
Unit canonical_unit(Unit unit);
double to_canonical(double value, Unit unit);
double from_canonical(double canonical_value, Unit unit);

// Body mass index (kg/m²) from a weight and a height; nullopt unless both are positive.
std::optional<double> bmi(double weight_kg, double height_cm);

// ---- an entry and its validation -----------------------------------------------------------

// A reading as the patient entered it: values in `unit` (blood pressure always in mmHg, its optional
// pulse in /min).
struct Entry {
  Kind kind = Kind::heart_rate;
  Unit unit = Unit::per_min;
  std::optional<double> value;          // every kind but blood pressure
  std::optional<double> systolic;       // blood pressure
  std::optional<double> diastolic;      // blood pressure
  std::optional<double> pulse;          // blood pressure, optional
  std::optional<GlucoseContext> context;  // blood glucose, required
  EpochMs measured_at = 0;
};

// A plausible physiological range, inclusive, in a field's canonical unit. Outside it a value is
// refused as a typo or a device error: these are not clinical limits.
struct Range {
  double min;
  double max;
  Unit unit;
};
inline constexpr Range systolic_range{50, 300, Unit::mmhg};
inline constexpr Range diastolic_range{20, 200, Unit::mmhg};  // and below the systolic
inline constexpr Range pulse_range{20, 300, Unit::per_min};   // heart rate too
inline constexpr Range glucose_range{10, 1000, Unit::mg_dl};
inline constexpr Range weight_range{1, 500, Unit::kg};
inline constexpr Range spo2_range{50, 100, Unit::percent};
inline constexpr Range temperature_range{25, 45, Unit::celsius};
// The profile height a BMI is computed from, in centimetres (no Unit: height is not a reading).
inline constexpr double height_min_cm = 40, height_max_cm = 250;

// A measurement may be stamped this far ahead of the server's clock (phones and meters drift).
inline constexpr EpochMs clock_skew_ms = 5 * 60 * 1000;

struct Limits {
  EpochMs now = 0;
  std::optional<date::year_month_day> date_of_birth;  // the patient's, when the profile has one
};

// Every problem with an entry as field errors (field name and a message that states the range in the
// unit entered, e.g. "must be between 0.56 and 55.5 mmol/L"), so a route answers one 422 listing all
// of them: `throw problems::validation(errors)`. Empty when the entry is plausible.
std::vector<FieldError> validate(const Entry& entry, const Limits& limits);
// The profile height a BMI is computed from, in centimetres ("height_cm" field).
std::vector<FieldError> validate_height_cm(double height_cm);

// ---- a reading in canonical units ------------------------------------------------------------

struct Reading {
  Kind kind = Kind::heart_rate;
  EpochMs measured_at = 0;
  date::local_days local_day{};           // the day in the patient's time zone (trends, home BP)
  double value = 0;                       // canonical unit; blood pressure: unused
  double systolic = 0, diastolic = 0;     // blood pressure, mmHg
  std::optional<double> pulse;            // blood pressure, /min
  std::optional<GlucoseContext> context;  // blood glucose
  Unit entered_unit = Unit::per_min;      // kept beside the canonical value
  double entered_value = 0;               // the main value as entered (systolic for blood pressure)
};

// The canonical reading of a valid entry (validate() first). `local_day` is left for the caller.
Reading canonical(const Entry& entry);

// ---- guidelines and categories ------------------------------------------------------------

enum class Guideline {
  acc_aha_2017,         // 2017 ACC/AHA high blood pressure guideline
  ada_standards,        // ADA Standards of Care in Diabetes (sections 2 and 6)
  who_bmi,              // WHO BMI classification (TRS 894, 2000)
  resting_heart_rate,   // the conventional adult resting range (AHA), no formal guideline
  rcp_news2_2017,       // Royal College of Physicians, National Early Warning Score 2
};
std::string_view to_string(Guideline guideline);
std::string_view citation(Guideline guideline);  // title, year, table or section

enum class BloodPressureCategory { normal, elevated, stage_1, stage_2, hypertensive_crisis };
std::string_view to_string(BloodPressureCategory category);
std::optional<BloodPressureCategory> parse_blood_pressure_category(std::string_view text);
// One office-style reading (ACC/AHA 2017 Table 6 and section 11.2). Values are rounded to whole mmHg;
// when systolic and diastolic fall in different categories the higher one counts.
BloodPressureCategory blood_pressure_category(double systolic, double diastolic);
// An average of home readings, against the home values ACC/AHA 2017 Table 11 gives for the office
// thresholds (130/80 stage 1, 135/85 stage 2). Never hypertensive_crisis: that is a single reading's.
BloodPressureCategory home_blood_pressure_category(double systolic, double diastolic);

enum class GlucoseCategory {
  hypoglycaemia_level_2,  // < 54 mg/dL, any context
  hypoglycaemia_level_1,  // 54–69 mg/dL, any context
  normal,                 // fasting 70–99, 2 h after a meal 70–139
  prediabetes_range,      // fasting 100–125, 2 h after a meal 140–199
  diabetes_range,         // fasting ≥ 126, 2 h after a meal ≥ 200
  high,                   // before a meal, random or bedtime ≥ 200 (ADA: diabetes only with symptoms)
  unclassified,           // before a meal, random or bedtime 70–199: ADA sets no cut-off there
};
std::string_view to_string(GlucoseCategory category);
std::optional<GlucoseCategory> parse_glucose_category(std::string_view text);
// Rounded to whole mg/dL first, so 7.0 mmol/L (126.1) and 11.1 mmol/L (199.98) land where ADA puts them.
GlucoseCategory glucose_category(double mg_dl, GlucoseContext context);

enum class BmiCategory { underweight, normal, pre_obese, obese_class_1, obese_class_2, obese_class_3 };
std::string_view to_string(BmiCategory category);
std::optional<BmiCategory> parse_bmi_category(std::string_view text);
BmiCategory bmi_category(double bmi);  // rounded to one decimal first, as it is shown

enum class HeartRateCategory { low, normal, high };
std::string_view to_string(HeartRateCategory category);
std::optional<HeartRateCategory> parse_heart_rate_category(std::string_view text);
HeartRateCategory heart_rate_category(double per_min);  // rounded to whole beats

// NEWS2 SpO2 scale 1 bands (score 0 / 1 / 2 / 3).
enum class Spo2Category { normal, slightly_low, low, very_low };
std::string_view to_string(Spo2Category category);
std::optional<Spo2Category> parse_spo2_category(std::string_view text);
Spo2Category spo2_category(double percent);  // rounded to whole percent

// NEWS2 temperature bands (score 3 / 1 / 0 / 1 / 2).
enum class TemperatureCategory { hypothermia, low, normal, fever, high_fever };
std::string_view to_string(TemperatureCategory category);
std::optional<TemperatureCategory> parse_temperature_category(std::string_view text);
TemperatureCategory temperature_category(double celsius);  // rounded to 0.1 °C

// Any reading's category, the same way for every kind: `code` is the to_string of the kind's
// category enum, `guideline` where it comes from.
struct Category {
  std::string_view code;
  Guideline guideline;
};
// Body weight has none (BMI has).
std::optional<Category> category_of(const Reading& reading);
// Every category code a kind can have, from the lowest values to the highest (chart bands, shares).
std::span<const std::string_view> category_codes(Kind kind);
std::optional<Guideline> guideline_of(Kind kind);

// ---- urgent readings -------------------------------------------------------------------------

enum class UrgentReason { hypertensive_crisis, severe_hypoglycaemia };
std::string_view to_string(UrgentReason reason);

struct Urgent {
  UrgentReason reason;
  std::string_view message;  // fixed text: the same whatever an AI provider says
  std::string_view source;   // where the advice and the symptom list come from
};
// A hypertensive-crisis blood pressure or a level-2 hypoglycaemia glucose. The service calls this
// before anything else and shows the message as it is.
std::optional<Urgent> urgent(const Reading& reading);

// ---- trends -------------------------------------------------------------------------------

// Least-squares slope of value against time, in canonical units per week. Needs two readings at
// different instants; its standard error needs three (n − 2 degrees of freedom).
struct Slope {
  double per_week = 0;
  std::optional<double> standard_error;  // per week; nullopt with fewer than 3 readings
};

struct SeriesStats {
  std::string_view name;  // "value", or "systolic" / "diastolic" / "pulse" for blood pressure
  int count = 0;
  std::optional<double> mean, min, max;
  std::optional<Slope> slope;
};

struct Sample {
  EpochMs at;
  double value;
};
SeriesStats series_stats(std::string_view name, std::span<const Sample> samples);

struct CategoryShare {
  std::string_view code;
  int count = 0;
  double share = 0;  // of the kind's readings in the window, 0..1
};

struct Trend {
  Kind kind;
  int count = 0;
  std::vector<SeriesStats> series;      // one per measured quantity
  std::vector<CategoryShare> shares;    // every category of the kind, zero counts included
  std::optional<Guideline> guideline;   // of the categories
};
// The trend of one kind over the readings the service passes (the window it chose, in the patient's
// time zone). Readings of other kinds are ignored.
Trend trend(Kind kind, std::span<const Reading> readings);

// Home blood pressure as guidelines judge it: the average of the readings of the last 7 days
// (`today` and the 6 days before, in the patient's time zone) and its home category.
struct HomeBloodPressure {
  int count = 0;  // readings averaged
  int days = 0;   // distinct days they fall on
  double systolic = 0, diastolic = 0;
  BloodPressureCategory category = BloodPressureCategory::normal;
  // At least 12 readings on at least 4 days, the smallest home schedule the monitoring guidance
  // accepts (see docs/HEALTH.md); below it the average is shown but called provisional.
  bool enough = false;
};
inline constexpr int home_window_days = 7;
std::optional<HomeBloodPressure> home_blood_pressure(std::span<const Reading> readings, date::local_days today);

}  // namespace medcore::health
