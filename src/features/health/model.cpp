#include "features/health/model.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

namespace medcore::health {

namespace {

// The enum's value whose to_string is `text`, from the list of all values.
template <class E>
std::optional<E> parse_among(std::span<const E> all, std::string_view text) {
  for (E e : all)
    if (to_string(e) == text) return e;
  return std::nullopt;
}

// Categories are judged on the value as a person reads it: whole units (or tenths), half away from zero.
std::int64_t whole(double v) { return std::llround(v); }
std::int64_t tenths(double v) { return std::llround(v * 10.0); }

constexpr EpochMs week_ms = 7LL * 24 * 60 * 60 * 1000;

// "0.56", "55.5", "300": at most `decimals` places, trailing zeros dropped.
std::string number(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s(buf);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

// Decimal places a range is shown with in a unit.
int shown_decimals(Unit unit) {
  switch (unit) {
    case Unit::mmol_l: return 2;
    case Unit::lb: return 1;
    case Unit::fahrenheit: return 1;
    case Unit::celsius: return 1;
    default: return 0;
  }
}

// The range as stated to a person in `unit`: rounded inwards, so every value the message calls
// acceptable is accepted.
std::string range_text(const Range& range, Unit unit) {
  const int d = shown_decimals(unit);
  const double f = std::pow(10.0, d);
  const double lo = std::ceil(from_canonical(range.min, unit) * f - 1e-9) / f;
  const double hi = std::floor(from_canonical(range.max, unit) * f + 1e-9) / f;
  std::string text = "must be between " + number(lo, d) + " and " + number(hi, d) + " " + std::string(symbol(unit));
  if (unit != range.unit)
    text += " (" + number(range.min, 2) + "–" + number(range.max, 2) + " " + std::string(symbol(range.unit)) + ")";
  return text;
}

constexpr std::array kinds{Kind::blood_pressure, Kind::blood_glucose, Kind::heart_rate, Kind::body_weight,
                           Kind::bmi, Kind::spo2, Kind::body_temperature};
constexpr std::array units{Unit::mmhg, Unit::mg_dl, Unit::mmol_l, Unit::per_min, Unit::kg,
                           Unit::lb, Unit::kg_m2, Unit::percent, Unit::celsius, Unit::fahrenheit};
constexpr std::array contexts{GlucoseContext::fasting, GlucoseContext::before_meal, GlucoseContext::after_meal_2h,
                              GlucoseContext::random, GlucoseContext::bedtime};
constexpr std::array sources{Source::manual, Source::import, Source::device};

// ---- LOINC codings (display: the LOINC long common name) ----
constexpr std::array<Coding, 1> bp_panel{{{"85354-9", "Blood pressure panel with all children optional"}}};
constexpr std::array<Coding, 2> bp_components{{{"8480-6", "Systolic blood pressure"},
                                               {"8462-4", "Diastolic blood pressure"}}};
// Glucose in blood, whatever the context: the context is carried beside the code (docs/HEALTH.md).
constexpr std::array<Coding, 1> glucose_codes{{{"2339-0", "Glucose [Mass/volume] in Blood"}}};
constexpr std::array<Coding, 1> heart_rate_codes{{{"8867-4", "Heart rate"}}};
constexpr std::array<Coding, 1> weight_codes{{{"29463-7", "Body weight"}}};
constexpr std::array<Coding, 1> bmi_codes{{{"39156-5", "Body mass index (BMI) [Ratio]"}}};
// Pulse oximetry first (what a home oximeter measures); 2708-6 too, which the FHIR vital-signs
// profile requires on every oxygen saturation.
constexpr std::array<Coding, 2> spo2_codes{{{"59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"},
                                            {"2708-6", "Oxygen saturation in Arterial blood"}}};
constexpr std::array<Coding, 1> temperature_codes{{{"8310-5", "Body temperature"}}};

constexpr std::array<Unit, 1> mmhg_only{Unit::mmhg};
constexpr std::array<Unit, 2> glucose_units{Unit::mg_dl, Unit::mmol_l};
constexpr std::array<Unit, 1> per_min_only{Unit::per_min};
constexpr std::array<Unit, 2> weight_units{Unit::kg, Unit::lb};
constexpr std::array<Unit, 1> percent_only{Unit::percent};
constexpr std::array<Unit, 2> temperature_units{Unit::celsius, Unit::fahrenheit};

const std::array<KindInfo, 7> kind_infos{{
    {Kind::blood_pressure, bp_panel, bp_components, Unit::mmhg, mmhg_only},
    {Kind::blood_glucose, glucose_codes, {}, Unit::mg_dl, glucose_units},
    {Kind::heart_rate, heart_rate_codes, {}, Unit::per_min, per_min_only},
    {Kind::body_weight, weight_codes, {}, Unit::kg, weight_units},
    {Kind::bmi, bmi_codes, {}, Unit::kg_m2, {}},  // derived from weight and the profile height
    {Kind::spo2, spo2_codes, {}, Unit::percent, percent_only},
    {Kind::body_temperature, temperature_codes, {}, Unit::celsius, temperature_units},
}};

// ---- category codes, lowest to highest ----
constexpr std::array<std::string_view, 5> bp_codes{"normal", "elevated", "stage_1", "stage_2", "hypertensive_crisis"};
constexpr std::array<std::string_view, 7> glucose_category_codes{
    "hypoglycaemia_level_2", "hypoglycaemia_level_1", "normal", "unclassified", "prediabetes_range",
    "diabetes_range", "high"};
constexpr std::array<std::string_view, 6> bmi_category_codes{"underweight",   "normal",        "pre_obese",
                                                             "obese_class_1", "obese_class_2", "obese_class_3"};
constexpr std::array<std::string_view, 3> heart_rate_codes_list{"low", "normal", "high"};
constexpr std::array<std::string_view, 4> spo2_category_codes{"very_low", "low", "slightly_low", "normal"};
constexpr std::array<std::string_view, 5> temperature_category_codes{"hypothermia", "low", "normal", "fever",
                                                                     "high_fever"};

constexpr std::array bp_categories{BloodPressureCategory::normal, BloodPressureCategory::elevated,
                                   BloodPressureCategory::stage_1, BloodPressureCategory::stage_2,
                                   BloodPressureCategory::hypertensive_crisis};
constexpr std::array glucose_categories{GlucoseCategory::hypoglycaemia_level_2, GlucoseCategory::hypoglycaemia_level_1,
                                        GlucoseCategory::normal,           GlucoseCategory::unclassified,
                                        GlucoseCategory::prediabetes_range, GlucoseCategory::diabetes_range,
                                        GlucoseCategory::high};
constexpr std::array bmi_categories{BmiCategory::underweight,   BmiCategory::normal,        BmiCategory::pre_obese,
                                    BmiCategory::obese_class_1, BmiCategory::obese_class_2, BmiCategory::obese_class_3};
constexpr std::array heart_rate_categories{HeartRateCategory::low, HeartRateCategory::normal, HeartRateCategory::high};
constexpr std::array spo2_categories{Spo2Category::very_low, Spo2Category::low, Spo2Category::slightly_low,
                                     Spo2Category::normal};
constexpr std::array temperature_categories{TemperatureCategory::hypothermia, TemperatureCategory::low,
                                            TemperatureCategory::normal, TemperatureCategory::fever,
                                            TemperatureCategory::high_fever};

}  // namespace

// ---- names ------------------------------------------------------------------------------

std::string_view to_string(Kind kind) {
  switch (kind) {
    case Kind::blood_pressure: return "blood_pressure";
    case Kind::blood_glucose: return "blood_glucose";
    case Kind::heart_rate: return "heart_rate";
    case Kind::body_weight: return "body_weight";
    case Kind::bmi: return "bmi";
    case Kind::spo2: return "spo2";
    case Kind::body_temperature: return "body_temperature";
  }
  return "heart_rate";
}
std::optional<Kind> parse_kind(std::string_view text) { return parse_among(all_kinds(), text); }
std::span<const Kind> all_kinds() { return kinds; }

std::string_view to_string(Unit unit) {
  switch (unit) {
    case Unit::mmhg: return "mmhg";
    case Unit::mg_dl: return "mg_dl";
    case Unit::mmol_l: return "mmol_l";
    case Unit::per_min: return "per_min";
    case Unit::kg: return "kg";
    case Unit::lb: return "lb";
    case Unit::kg_m2: return "kg_m2";
    case Unit::percent: return "percent";
    case Unit::celsius: return "celsius";
    case Unit::fahrenheit: return "fahrenheit";
  }
  return "per_min";
}
std::optional<Unit> parse_unit(std::string_view text) { return parse_among(all_units(), text); }
std::span<const Unit> all_units() { return units; }

std::string_view ucum(Unit unit) {
  switch (unit) {
    case Unit::mmhg: return "mm[Hg]";
    case Unit::mg_dl: return "mg/dL";
    case Unit::mmol_l: return "mmol/L";
    case Unit::per_min: return "/min";
    case Unit::kg: return "kg";
    case Unit::lb: return "[lb_av]";
    case Unit::kg_m2: return "kg/m2";
    case Unit::percent: return "%";
    case Unit::celsius: return "Cel";
    case Unit::fahrenheit: return "[degF]";
  }
  return "/min";
}

std::string_view symbol(Unit unit) {
  switch (unit) {
    case Unit::mmhg: return "mmHg";
    case Unit::mg_dl: return "mg/dL";
    case Unit::mmol_l: return "mmol/L";
    case Unit::per_min: return "/min";
    case Unit::kg: return "kg";
    case Unit::lb: return "lb";
    case Unit::kg_m2: return "kg/m²";
    case Unit::percent: return "%";
    case Unit::celsius: return "°C";
    case Unit::fahrenheit: return "°F";
  }
  return "/min";
}

std::string_view to_string(GlucoseContext context) {
  switch (context) {
    case GlucoseContext::fasting: return "fasting";
    case GlucoseContext::before_meal: return "before_meal";
    case GlucoseContext::after_meal_2h: return "after_meal_2h";
    case GlucoseContext::random: return "random";
    case GlucoseContext::bedtime: return "bedtime";
  }
  return "random";
}
std::optional<GlucoseContext> parse_glucose_context(std::string_view text) {
  return parse_among(all_glucose_contexts(), text);
}
std::span<const GlucoseContext> all_glucose_contexts() { return contexts; }

std::string_view to_string(Source source) {
  switch (source) {
    case Source::manual: return "manual";
    case Source::import: return "import";
    case Source::device: return "device";
  }
  return "manual";
}
std::optional<Source> parse_source(std::string_view text) { return parse_among(all_sources(), text); }
std::span<const Source> all_sources() { return sources; }

// ---- what each kind is ------------------------------------------------------------------

const KindInfo& info(Kind kind) {
  for (const auto& i : kind_infos)
    if (i.kind == kind) return i;
  return kind_infos[2];
}

bool accepts_unit(Kind kind, Unit unit) {
  const auto& allowed = info(kind).entry_units;
  return std::find(allowed.begin(), allowed.end(), unit) != allowed.end();
}

// ---- units ---------------------------------------------------------------------------------

Unit canonical_unit(Unit unit) {
  switch (unit) {
    case Unit::mmol_l: return Unit::mg_dl;
    case Unit::lb: return Unit::kg;
    case Unit::fahrenheit: return Unit::celsius;
    default: return unit;
  }
}

double to_canonical(double value, Unit unit) {
  switch (unit) {
    case Unit::mmol_l: return value * mg_dl_per_mmol_l;
    case Unit::lb: return value * kg_per_lb;
    case Unit::fahrenheit: return (value - 32.0) * 5.0 / 9.0;
    default: return value;
  }
}

double from_canonical(double canonical_value, Unit unit) {
  switch (unit) {
    case Unit::mmol_l: return canonical_value / mg_dl_per_mmol_l;
    case Unit::lb: return canonical_value / kg_per_lb;
    case Unit::fahrenheit: return canonical_value * 9.0 / 5.0 + 32.0;
    default: return canonical_value;
  }
}

std::optional<double> bmi(double weight_kg, double height_cm) {
  if (!(weight_kg > 0) || !(height_cm > 0) || !std::isfinite(weight_kg) || !std::isfinite(height_cm))
    return std::nullopt;
  const double m = height_cm / 100.0;
  return weight_kg / (m * m);
}

// ---- validation ---------------------------------------------------------------------------

namespace {

class Checker {
 public:
  explicit Checker(std::vector<FieldError>& errors) : errors_(errors) {}

  void fail(std::string_view field, std::string message) { errors_.push_back({std::string(field), std::move(message)}); }

  // A required value, in `unit`, inside `range` (canonical). True when it is there and plausible.
  bool in_range(std::string_view field, const std::optional<double>& value, Unit unit, const Range& range) {
    if (!value) {
      fail(field, "is required");
      return false;
    }
    if (!std::isfinite(*value)) {
      fail(field, "must be a number");
      return false;
    }
    const double c = to_canonical(*value, unit);
    if (c < range.min || c > range.max) {
      fail(field, range_text(range, unit));
      return false;
    }
    return true;
  }

  // A field this kind does not use: refused rather than dropped.
  void unused(std::string_view field, bool present, Kind kind) {
    if (present) fail(field, "is not used for " + std::string(to_string(kind)));
  }

 private:
  std::vector<FieldError>& errors_;
};

std::string unit_list(Kind kind) {
  std::string list;
  for (Unit u : info(kind).entry_units) list += (list.empty() ? "" : ", ") + std::string(to_string(u));
  return list;
}

}  // namespace

std::vector<FieldError> validate(const Entry& entry, const Limits& limits) {
  std::vector<FieldError> errors;
  Checker check(errors);
  const Kind kind = entry.kind;

  if (info(kind).entry_units.empty()) {
    check.fail("kind", std::string(to_string(kind)) + " is computed from body_weight and the profile height, not entered");
    return errors;
  }
  const bool unit_ok = accepts_unit(kind, entry.unit);
  if (!unit_ok) check.fail("unit", "must be one of: " + unit_list(kind));

  if (kind == Kind::blood_pressure) {
    check.unused("value", entry.value.has_value(), kind);
    check.unused("context", entry.context.has_value(), kind);
    const bool sys_ok = check.in_range("systolic", entry.systolic, Unit::mmhg, systolic_range);
    const bool dia_ok = check.in_range("diastolic", entry.diastolic, Unit::mmhg, diastolic_range);
    if (sys_ok && dia_ok && *entry.diastolic >= *entry.systolic)
      check.fail("diastolic", "must be below the systolic value (" + number(*entry.systolic, 1) + " mmHg)");
    if (entry.pulse) check.in_range("pulse", entry.pulse, Unit::per_min, pulse_range);
  } else {
    check.unused("systolic", entry.systolic.has_value(), kind);
    check.unused("diastolic", entry.diastolic.has_value(), kind);
    check.unused("pulse", entry.pulse.has_value(), kind);
    if (kind == Kind::blood_glucose) {
      if (!entry.context)
        check.fail("context", "is required for blood_glucose: fasting, before_meal, after_meal_2h, random or bedtime");
    } else {
      check.unused("context", entry.context.has_value(), kind);
    }
    const Range* range = nullptr;
    switch (kind) {
      case Kind::blood_glucose: range = &glucose_range; break;
      case Kind::heart_rate: range = &pulse_range; break;
      case Kind::body_weight: range = &weight_range; break;
      case Kind::spo2: range = &spo2_range; break;
      case Kind::body_temperature: range = &temperature_range; break;
      case Kind::blood_pressure:
      case Kind::bmi: break;
    }
    // In an unknown unit the value cannot be judged; the unit error says what to fix.
    if (range && unit_ok) check.in_range("value", entry.value, entry.unit, *range);
    else if (range && !entry.value) check.fail("value", "is required");
  }

  if (entry.measured_at > limits.now + clock_skew_ms) check.fail("measured_at", "must not be in the future");
  if (limits.date_of_birth) {
    // The birth date has no zone: its first instant anywhere is midnight at UTC+14.
    const auto first = date::sys_days(*limits.date_of_birth) - std::chrono::hours(14);
    const EpochMs first_ms = std::chrono::duration_cast<std::chrono::milliseconds>(first.time_since_epoch()).count();
    if (entry.measured_at < first_ms)
      check.fail("measured_at", "must not be before the date of birth (" + iso_date(*limits.date_of_birth) + ")");
  }
  return errors;
}

std::vector<FieldError> validate_height_cm(double height_cm) {
  std::vector<FieldError> errors;
  if (!std::isfinite(height_cm) || height_cm < height_min_cm || height_cm > height_max_cm)
    errors.push_back({"height_cm", "must be between " + number(height_min_cm, 0) + " and " + number(height_max_cm, 0) + " cm"});
  return errors;
}

Reading canonical(const Entry& entry) {
  Reading r;
  r.kind = entry.kind;
  r.measured_at = entry.measured_at;
  r.entered_unit = entry.unit;
  r.context = entry.context;
  if (entry.kind == Kind::blood_pressure) {
    r.systolic = entry.systolic.value_or(0);
    r.diastolic = entry.diastolic.value_or(0);
    r.pulse = entry.pulse;
    r.entered_value = r.systolic;
  } else {
    r.entered_value = entry.value.value_or(0);
    r.value = to_canonical(r.entered_value, entry.unit);
  }
  return r;
}

// ---- guidelines and categories ------------------------------------------------------------

std::string_view to_string(Guideline guideline) {
  switch (guideline) {
    case Guideline::acc_aha_2017: return "acc_aha_2017";
    case Guideline::ada_standards: return "ada_standards";
    case Guideline::who_bmi: return "who_bmi";
    case Guideline::resting_heart_rate: return "resting_heart_rate";
    case Guideline::rcp_news2_2017: return "rcp_news2_2017";
  }
  return "acc_aha_2017";
}

std::string_view citation(Guideline guideline) {
  switch (guideline) {
    case Guideline::acc_aha_2017:
      return "2017 ACC/AHA/AAPA/ABC/ACPM/AGS/APhA/ASH/ASPC/NMA/PCNA Guideline for the Prevention, Detection, "
             "Evaluation, and Management of High Blood Pressure in Adults (Whelton et al., Hypertension 2018), "
             "Table 6 (categories of BP in adults), Table 11 (home values), section 11.2 (hypertensive crises)";
    case Guideline::ada_standards:
      return "American Diabetes Association, Standards of Care in Diabetes: section 2, Diagnosis and Classification "
             "of Diabetes (criteria for prediabetes and diabetes); section 6, Glycemic Goals and Hypoglycemia "
             "(classification of hypoglycemia)";
    case Guideline::who_bmi:
      return "WHO, Obesity: preventing and managing the global epidemic, Technical Report Series 894 (2000), "
             "classification of adults according to BMI";
    case Guideline::resting_heart_rate:
      return "American Heart Association: a normal adult resting heart rate is 60 to 100 beats per minute "
             "(a conventional range, not a clinical guideline)";
    case Guideline::rcp_news2_2017:
      return "Royal College of Physicians, National Early Warning Score (NEWS) 2 (2017), Chart 1: the NEWS scoring "
             "system (SpO2 scale 1, temperature)";
  }
  return "";
}

std::string_view to_string(BloodPressureCategory category) {
  return bp_codes[static_cast<std::size_t>(category)];
}
std::optional<BloodPressureCategory> parse_blood_pressure_category(std::string_view text) {
  return parse_among(std::span<const BloodPressureCategory>(bp_categories), text);
}

BloodPressureCategory blood_pressure_category(double systolic, double diastolic) {
  const auto s = whole(systolic), d = whole(diastolic);
  if (s > 180 || d > 120) return BloodPressureCategory::hypertensive_crisis;
  if (s >= 140 || d >= 90) return BloodPressureCategory::stage_2;
  if (s >= 130 || d >= 80) return BloodPressureCategory::stage_1;
  if (s >= 120) return BloodPressureCategory::elevated;
  return BloodPressureCategory::normal;
}

BloodPressureCategory home_blood_pressure_category(double systolic, double diastolic) {
  const auto s = whole(systolic), d = whole(diastolic);
  if (s >= 135 || d >= 85) return BloodPressureCategory::stage_2;
  if (s >= 130 || d >= 80) return BloodPressureCategory::stage_1;
  if (s >= 120) return BloodPressureCategory::elevated;
  return BloodPressureCategory::normal;
}

std::string_view to_string(GlucoseCategory category) {
  switch (category) {
    case GlucoseCategory::hypoglycaemia_level_2: return "hypoglycaemia_level_2";
    case GlucoseCategory::hypoglycaemia_level_1: return "hypoglycaemia_level_1";
    case GlucoseCategory::normal: return "normal";
    case GlucoseCategory::prediabetes_range: return "prediabetes_range";
    case GlucoseCategory::diabetes_range: return "diabetes_range";
    case GlucoseCategory::high: return "high";
    case GlucoseCategory::unclassified: return "unclassified";
  }
  return "unclassified";
}
std::optional<GlucoseCategory> parse_glucose_category(std::string_view text) {
  return parse_among(std::span<const GlucoseCategory>(glucose_categories), text);
}

GlucoseCategory glucose_category(double mg_dl, GlucoseContext context) {
  const auto g = whole(mg_dl);
  if (g < 54) return GlucoseCategory::hypoglycaemia_level_2;
  if (g < 70) return GlucoseCategory::hypoglycaemia_level_1;
  switch (context) {
    case GlucoseContext::fasting:
      if (g < 100) return GlucoseCategory::normal;
      if (g < 126) return GlucoseCategory::prediabetes_range;
      return GlucoseCategory::diabetes_range;
    case GlucoseContext::after_meal_2h:
      if (g < 140) return GlucoseCategory::normal;
      if (g < 200) return GlucoseCategory::prediabetes_range;
      return GlucoseCategory::diabetes_range;
    case GlucoseContext::before_meal:
    case GlucoseContext::random:
    case GlucoseContext::bedtime:
      return g < 200 ? GlucoseCategory::unclassified : GlucoseCategory::high;
  }
  return GlucoseCategory::unclassified;
}

std::string_view to_string(BmiCategory category) { return bmi_category_codes[static_cast<std::size_t>(category)]; }
std::optional<BmiCategory> parse_bmi_category(std::string_view text) {
  return parse_among(std::span<const BmiCategory>(bmi_categories), text);
}

BmiCategory bmi_category(double value) {
  const auto b = tenths(value);
  if (b < 185) return BmiCategory::underweight;
  if (b < 250) return BmiCategory::normal;
  if (b < 300) return BmiCategory::pre_obese;
  if (b < 350) return BmiCategory::obese_class_1;
  if (b < 400) return BmiCategory::obese_class_2;
  return BmiCategory::obese_class_3;
}

std::string_view to_string(HeartRateCategory category) {
  return heart_rate_codes_list[static_cast<std::size_t>(category)];
}
std::optional<HeartRateCategory> parse_heart_rate_category(std::string_view text) {
  return parse_among(std::span<const HeartRateCategory>(heart_rate_categories), text);
}

HeartRateCategory heart_rate_category(double per_min) {
  const auto h = whole(per_min);
  if (h < 60) return HeartRateCategory::low;
  if (h > 100) return HeartRateCategory::high;
  return HeartRateCategory::normal;
}

std::string_view to_string(Spo2Category category) {
  switch (category) {
    case Spo2Category::normal: return "normal";
    case Spo2Category::slightly_low: return "slightly_low";
    case Spo2Category::low: return "low";
    case Spo2Category::very_low: return "very_low";
  }
  return "normal";
}
std::optional<Spo2Category> parse_spo2_category(std::string_view text) {
  return parse_among(std::span<const Spo2Category>(spo2_categories), text);
}

Spo2Category spo2_category(double percent) {
  const auto p = whole(percent);
  if (p >= 96) return Spo2Category::normal;
  if (p >= 94) return Spo2Category::slightly_low;
  if (p >= 92) return Spo2Category::low;
  return Spo2Category::very_low;
}

std::string_view to_string(TemperatureCategory category) {
  return temperature_category_codes[static_cast<std::size_t>(category)];
}
std::optional<TemperatureCategory> parse_temperature_category(std::string_view text) {
  return parse_among(std::span<const TemperatureCategory>(temperature_categories), text);
}

TemperatureCategory temperature_category(double celsius) {
  const auto t = tenths(celsius);
  if (t <= 350) return TemperatureCategory::hypothermia;
  if (t <= 360) return TemperatureCategory::low;
  if (t <= 380) return TemperatureCategory::normal;
  if (t <= 390) return TemperatureCategory::fever;
  return TemperatureCategory::high_fever;
}

std::optional<Category> category_of(const Reading& reading) {
  switch (reading.kind) {
    case Kind::blood_pressure:
      return Category{to_string(blood_pressure_category(reading.systolic, reading.diastolic)), Guideline::acc_aha_2017};
    case Kind::blood_glucose:
      // A reading stored without a context counts as random: the only one with no timing claim.
      return Category{to_string(glucose_category(reading.value, reading.context.value_or(GlucoseContext::random))),
                      Guideline::ada_standards};
    case Kind::heart_rate:
      return Category{to_string(heart_rate_category(reading.value)), Guideline::resting_heart_rate};
    case Kind::bmi: return Category{to_string(bmi_category(reading.value)), Guideline::who_bmi};
    case Kind::spo2: return Category{to_string(spo2_category(reading.value)), Guideline::rcp_news2_2017};
    case Kind::body_temperature:
      return Category{to_string(temperature_category(reading.value)), Guideline::rcp_news2_2017};
    case Kind::body_weight: return std::nullopt;  // weight alone has no category; BMI has
  }
  return std::nullopt;
}

std::span<const std::string_view> category_codes(Kind kind) {
  switch (kind) {
    case Kind::blood_pressure: return bp_codes;
    case Kind::blood_glucose: return glucose_category_codes;
    case Kind::heart_rate: return heart_rate_codes_list;
    case Kind::bmi: return bmi_category_codes;
    case Kind::spo2: return spo2_category_codes;
    case Kind::body_temperature: return temperature_category_codes;
    case Kind::body_weight: return {};
  }
  return {};
}

std::optional<Guideline> guideline_of(Kind kind) {
  switch (kind) {
    case Kind::blood_pressure: return Guideline::acc_aha_2017;
    case Kind::blood_glucose: return Guideline::ada_standards;
    case Kind::heart_rate: return Guideline::resting_heart_rate;
    case Kind::bmi: return Guideline::who_bmi;
    case Kind::spo2:
    case Kind::body_temperature: return Guideline::rcp_news2_2017;
    case Kind::body_weight: return std::nullopt;
  }
  return std::nullopt;
}

// ---- urgent readings -------------------------------------------------------------------------

std::string_view to_string(UrgentReason reason) {
  switch (reason) {
    case UrgentReason::hypertensive_crisis: return "hypertensive_crisis";
    case UrgentReason::severe_hypoglycaemia: return "severe_hypoglycaemia";
  }
  return "hypertensive_crisis";
}

namespace {

constexpr std::string_view crisis_message =
    "This blood pressure reading is above 180/120 mmHg, the range guidelines call a hypertensive crisis. "
    "Call your local emergency number now if you have chest pain, shortness of breath, back pain, numbness, "
    "weakness, a change in vision or difficulty speaking: do not wait to see whether it comes down. "
    "If you have none of these, rest quietly for a few minutes and measure again; if it is still this high, "
    "contact your doctor today.";
constexpr std::string_view crisis_source =
    "American Heart Association, 'Hypertensive Crisis: When You Should Call 911 for High Blood Pressure' "
    "(heart.org: symptoms and the repeat measurement); 2017 ACC/AHA high blood pressure guideline, section 11.2 "
    "(the > 180 and/or > 120 mmHg threshold)";

constexpr std::string_view hypoglycaemia_message =
    "This blood glucose reading is below 54 mg/dL (3.0 mmol/L), which the American Diabetes Association "
    "classes as level 2, clinically significant hypoglycaemia that needs action now. If you are awake and can "
    "swallow, take fast-acting sugar at once (15 to 20 g of glucose, such as glucose tablets or a glass of fruit "
    "juice) and measure again after 15 minutes; repeat if it is still low. Call your local emergency number, or "
    "have someone call for you, if you are confused, very drowsy, unable to eat or drink, having a seizure or "
    "passing out, or if the reading does not rise.";
constexpr std::string_view hypoglycaemia_source =
    "ADA Standards of Care in Diabetes, section 6 (Glycemic Goals and Hypoglycemia): level 2 below 54 mg/dL, "
    "glucose 15-20 g for a conscious person and a recheck after 15 minutes, level 3 as altered mental or "
    "physical status needing another person's help; Mayo Clinic, 'Diabetic hypoglycemia: symptoms' (the severe "
    "signs: confusion, drowsiness, inability to eat or drink, seizures, unconsciousness)";

}  // namespace

std::optional<Urgent> urgent(const Reading& reading) {
  if (reading.kind == Kind::blood_pressure &&
      blood_pressure_category(reading.systolic, reading.diastolic) == BloodPressureCategory::hypertensive_crisis)
    return Urgent{UrgentReason::hypertensive_crisis, crisis_message, crisis_source};
  if (reading.kind == Kind::blood_glucose &&
      glucose_category(reading.value, reading.context.value_or(GlucoseContext::random)) ==
          GlucoseCategory::hypoglycaemia_level_2)
    return Urgent{UrgentReason::severe_hypoglycaemia, hypoglycaemia_message, hypoglycaemia_source};
  return std::nullopt;
}

// ---- trends -------------------------------------------------------------------------------

SeriesStats series_stats(std::string_view name, std::span<const Sample> samples) {
  SeriesStats s;
  s.name = name;
  s.count = static_cast<int>(samples.size());
  if (samples.empty()) return s;

  double sum = 0, lo = samples[0].value, hi = samples[0].value;
  for (const auto& p : samples) {
    sum += p.value;
    lo = std::min(lo, p.value);
    hi = std::max(hi, p.value);
  }
  const double n = static_cast<double>(samples.size());
  const double mean_y = sum / n;
  s.mean = mean_y;
  s.min = lo;
  s.max = hi;
  if (samples.size() < 2) return s;

  // Time in weeks from the first sample, centred on its mean before the sums of squares so that
  // epoch-sized numbers never meet (no cancellation).
  const EpochMs t0 = samples[0].at;
  auto weeks = [&](EpochMs at) { return static_cast<double>(at - t0) / static_cast<double>(week_ms); };
  double sum_x = 0;
  for (const auto& p : samples) sum_x += weeks(p.at);
  const double mean_x = sum_x / n;
  double sxx = 0, sxy = 0;
  for (const auto& p : samples) {
    const double dx = weeks(p.at) - mean_x;
    sxx += dx * dx;
    sxy += dx * (p.value - mean_y);
  }
  if (!(sxx > 0)) return s;  // every reading at the same instant: no line through them

  Slope slope;
  slope.per_week = sxy / sxx;
  if (samples.size() >= 3) {
    double ssr = 0;
    for (const auto& p : samples) {
      const double residual = p.value - mean_y - slope.per_week * (weeks(p.at) - mean_x);
      ssr += residual * residual;
    }
    slope.standard_error = std::sqrt(ssr / (n - 2) / sxx);
  }
  s.slope = slope;
  return s;
}

Trend trend(Kind kind, std::span<const Reading> readings) {
  Trend t;
  t.kind = kind;
  t.guideline = guideline_of(kind);

  std::vector<const Reading*> mine;
  for (const auto& r : readings)
    if (r.kind == kind) mine.push_back(&r);
  std::stable_sort(mine.begin(), mine.end(),
                   [](const Reading* a, const Reading* b) { return a->measured_at < b->measured_at; });
  t.count = static_cast<int>(mine.size());

  if (kind == Kind::blood_pressure) {
    std::vector<Sample> systolic, diastolic, pulse;
    for (const auto* r : mine) {
      systolic.push_back({r->measured_at, r->systolic});
      diastolic.push_back({r->measured_at, r->diastolic});
      if (r->pulse) pulse.push_back({r->measured_at, *r->pulse});
    }
    t.series.push_back(series_stats("systolic", systolic));
    t.series.push_back(series_stats("diastolic", diastolic));
    t.series.push_back(series_stats("pulse", pulse));
  } else {
    std::vector<Sample> values;
    for (const auto* r : mine) values.push_back({r->measured_at, r->value});
    t.series.push_back(series_stats("value", values));
  }

  const auto codes = category_codes(kind);
  for (auto code : codes) t.shares.push_back({code, 0, 0});
  for (const auto* r : mine) {
    const auto c = category_of(*r);
    if (!c) continue;
    for (auto& share : t.shares)
      if (share.code == c->code) ++share.count;
  }
  if (t.count > 0)
    for (auto& share : t.shares) share.share = static_cast<double>(share.count) / t.count;
  return t;
}

std::optional<HomeBloodPressure> home_blood_pressure(std::span<const Reading> readings, date::local_days today) {
  const auto first_day = today - date::days(home_window_days - 1);
  HomeBloodPressure h;
  std::set<date::local_days> days;
  double sum_s = 0, sum_d = 0;
  for (const auto& r : readings) {
    if (r.kind != Kind::blood_pressure || r.local_day < first_day || r.local_day > today) continue;
    ++h.count;
    sum_s += r.systolic;
    sum_d += r.diastolic;
    days.insert(r.local_day);
  }
  if (h.count == 0) return std::nullopt;
  h.days = static_cast<int>(days.size());
  h.systolic = sum_s / h.count;
  h.diastolic = sum_d / h.count;
  h.category = home_blood_pressure_category(h.systolic, h.diastolic);
  h.enough = h.count >= 12 && h.days >= 4;
  return h;
}

}  // namespace medcore::health
