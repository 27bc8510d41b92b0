// Health statistics rules (src/features/health/model.hpp): names, codes and units, conversions,
// plausibility, every guideline threshold with one unit either side, the urgent messages, the slope
// maths and the home blood pressure average. docs/HEALTH.md cites where each number comes from.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "features/health/model.hpp"
#include "platform/core/time.hpp"

namespace medcore::health {
namespace {

using namespace date::literals;

EpochMs at(const char* iso) {
  const auto t = parse_iso8601(iso);
  if (!t) throw std::invalid_argument(std::string("bad test instant ") + iso);
  return *t;
}

constexpr EpochMs day_ms = 24LL * 60 * 60 * 1000;
constexpr EpochMs week_ms = 7 * day_ms;

std::vector<std::string> fields(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}

std::string message_for(const std::vector<FieldError>& errors, const std::string& field) {
  for (const auto& e : errors)
    if (e.field == field) return e.message;
  return "";
}

const Limits limits{at("2026-12-07T12:00:00Z"), 1980_y / date::March / 15};

Entry bp(double systolic, double diastolic) {
  Entry e;
  e.kind = Kind::blood_pressure;
  e.unit = Unit::mmhg;
  e.systolic = systolic;
  e.diastolic = diastolic;
  e.measured_at = at("2026-12-07T08:00:00Z");
  return e;
}

Entry single(Kind kind, Unit unit, double value) {
  Entry e;
  e.kind = kind;
  e.unit = unit;
  e.value = value;
  if (kind == Kind::blood_glucose) e.context = GlucoseContext::fasting;
  e.measured_at = at("2026-12-07T08:00:00Z");
  return e;
}

std::vector<std::string> errors_of(const Entry& e) { return fields(validate(e, limits)); }
const std::vector<std::string> none{};

// ---- names, codes, units ----------------------------------------------------------------------

template <class E, class Parse>
void expect_round_trip(std::span<const E> all, Parse parse) {
  std::set<std::string_view> seen;
  for (E e : all) {
    EXPECT_EQ(parse(to_string(e)), e) << to_string(e);
    EXPECT_TRUE(seen.insert(to_string(e)).second) << "duplicate name " << to_string(e);
  }
  EXPECT_EQ(parse("nonsense"), std::nullopt);
  EXPECT_EQ(parse(""), std::nullopt);
}

TEST(HealthNames, EveryEnumRoundTripsThroughItsName) {
  expect_round_trip(all_kinds(), parse_kind);
  expect_round_trip(all_units(), parse_unit);
  expect_round_trip(all_glucose_contexts(), parse_glucose_context);
  expect_round_trip(all_sources(), parse_source);
  EXPECT_EQ(all_kinds().size(), 7u);
  EXPECT_EQ(all_glucose_contexts().size(), 5u);
  EXPECT_EQ(parse_kind("Blood_Pressure"), std::nullopt);  // names are exact, not case-folded
}

TEST(HealthNames, EveryCategoryCodeParsesBackToItsEnum) {
  for (auto code : category_codes(Kind::blood_pressure))
    EXPECT_EQ(to_string(*parse_blood_pressure_category(code)), code);
  for (auto code : category_codes(Kind::blood_glucose)) EXPECT_EQ(to_string(*parse_glucose_category(code)), code);
  for (auto code : category_codes(Kind::bmi)) EXPECT_EQ(to_string(*parse_bmi_category(code)), code);
  for (auto code : category_codes(Kind::heart_rate)) EXPECT_EQ(to_string(*parse_heart_rate_category(code)), code);
  for (auto code : category_codes(Kind::spo2)) EXPECT_EQ(to_string(*parse_spo2_category(code)), code);
  for (auto code : category_codes(Kind::body_temperature))
    EXPECT_EQ(to_string(*parse_temperature_category(code)), code);
  EXPECT_EQ(category_codes(Kind::blood_glucose).size(), 7u);
  EXPECT_TRUE(category_codes(Kind::body_weight).empty());
}

TEST(HealthKinds, EachKindCarriesItsLoincCodesAndUcumUnit) {
  const auto& p = info(Kind::blood_pressure);
  EXPECT_EQ(p.loinc[0].code, "85354-9");
  ASSERT_EQ(p.components.size(), 2u);
  EXPECT_EQ(p.components[0].code, "8480-6");
  EXPECT_EQ(p.components[1].code, "8462-4");
  EXPECT_EQ(ucum(p.canonical), "mm[Hg]");

  EXPECT_EQ(info(Kind::blood_glucose).loinc[0].code, "2339-0");
  EXPECT_EQ(ucum(info(Kind::blood_glucose).canonical), "mg/dL");
  EXPECT_EQ(info(Kind::heart_rate).loinc[0].code, "8867-4");
  EXPECT_EQ(ucum(info(Kind::heart_rate).canonical), "/min");
  EXPECT_EQ(info(Kind::body_weight).loinc[0].code, "29463-7");
  EXPECT_EQ(ucum(info(Kind::body_weight).canonical), "kg");
  EXPECT_EQ(info(Kind::bmi).loinc[0].code, "39156-5");
  EXPECT_EQ(ucum(info(Kind::bmi).canonical), "kg/m2");
  ASSERT_EQ(info(Kind::spo2).loinc.size(), 2u);
  EXPECT_EQ(info(Kind::spo2).loinc[0].code, "59408-5");
  EXPECT_EQ(info(Kind::spo2).loinc[1].code, "2708-6");
  EXPECT_EQ(ucum(info(Kind::spo2).canonical), "%");
  EXPECT_EQ(info(Kind::body_temperature).loinc[0].code, "8310-5");
  EXPECT_EQ(ucum(info(Kind::body_temperature).canonical), "Cel");

  EXPECT_EQ(ucum(Unit::lb), "[lb_av]");
  EXPECT_EQ(ucum(Unit::fahrenheit), "[degF]");
  EXPECT_EQ(ucum(Unit::mmol_l), "mmol/L");
  for (Kind k : all_kinds()) {
    EXPECT_EQ(info(k).kind, k);
    EXPECT_FALSE(info(k).loinc.empty()) << to_string(k);
    for (Unit u : info(k).entry_units) EXPECT_EQ(canonical_unit(u), info(k).canonical) << to_string(u);
  }
}

TEST(HealthKinds, UnitsAKindAccepts) {
  EXPECT_TRUE(accepts_unit(Kind::blood_glucose, Unit::mg_dl));
  EXPECT_TRUE(accepts_unit(Kind::blood_glucose, Unit::mmol_l));
  EXPECT_FALSE(accepts_unit(Kind::blood_glucose, Unit::kg));
  EXPECT_TRUE(accepts_unit(Kind::body_weight, Unit::lb));
  EXPECT_TRUE(accepts_unit(Kind::body_temperature, Unit::fahrenheit));
  EXPECT_FALSE(accepts_unit(Kind::blood_pressure, Unit::per_min));
  EXPECT_FALSE(accepts_unit(Kind::bmi, Unit::kg_m2));  // derived, never entered
}

// ---- conversions ------------------------------------------------------------------------------

TEST(HealthUnits, GlucoseConvertsWithTheFactor18016) {
  EXPECT_DOUBLE_EQ(to_canonical(1.0, Unit::mmol_l), 18.016);
  EXPECT_DOUBLE_EQ(to_canonical(5.0, Unit::mmol_l), 90.08);
  EXPECT_DOUBLE_EQ(to_canonical(7.0, Unit::mmol_l), 126.112);
  EXPECT_NEAR(from_canonical(126.0, Unit::mmol_l), 6.99378, 1e-5);
  EXPECT_NEAR(from_canonical(to_canonical(6.3, Unit::mmol_l), Unit::mmol_l), 6.3, 1e-12);
  EXPECT_DOUBLE_EQ(to_canonical(110.0, Unit::mg_dl), 110.0);
}

TEST(HealthUnits, PoundsAndKilogramsUseTheExactInternationalPound) {
  EXPECT_DOUBLE_EQ(to_canonical(1.0, Unit::lb), 0.45359237);
  EXPECT_DOUBLE_EQ(to_canonical(150.0, Unit::lb), 68.0388555);
  EXPECT_NEAR(from_canonical(100.0, Unit::lb), 220.462262, 1e-6);
  EXPECT_NEAR(from_canonical(to_canonical(183.4, Unit::lb), Unit::lb), 183.4, 1e-12);
}

TEST(HealthUnits, FahrenheitAndCelsius) {
  EXPECT_DOUBLE_EQ(to_canonical(32.0, Unit::fahrenheit), 0.0);
  EXPECT_DOUBLE_EQ(to_canonical(212.0, Unit::fahrenheit), 100.0);
  EXPECT_NEAR(to_canonical(98.6, Unit::fahrenheit), 37.0, 1e-12);
  EXPECT_NEAR(from_canonical(38.0, Unit::fahrenheit), 100.4, 1e-12);
  EXPECT_DOUBLE_EQ(to_canonical(-40.0, Unit::fahrenheit), -40.0);
}

TEST(HealthUnits, BmiFromWeightAndHeight) {
  EXPECT_NEAR(*bmi(70, 175), 22.857, 1e-3);
  EXPECT_NEAR(*bmi(to_canonical(200, Unit::lb), 180), 28.0, 0.01);
  EXPECT_EQ(bmi(70, 0), std::nullopt);
  EXPECT_EQ(bmi(0, 170), std::nullopt);
  EXPECT_EQ(bmi(-1, 170), std::nullopt);
}

TEST(HealthUnits, CanonicalKeepsTheEnteredUnitAndValue) {
  Entry g = single(Kind::blood_glucose, Unit::mmol_l, 6.1);
  const Reading r = canonical(g);
  EXPECT_DOUBLE_EQ(r.value, 6.1 * 18.016);
  EXPECT_EQ(r.entered_unit, Unit::mmol_l);
  EXPECT_DOUBLE_EQ(r.entered_value, 6.1);
  EXPECT_EQ(r.context, GlucoseContext::fasting);

  const Reading w = canonical(single(Kind::body_weight, Unit::lb, 180));
  EXPECT_DOUBLE_EQ(w.value, 180 * 0.45359237);
  EXPECT_EQ(w.entered_unit, Unit::lb);

  Entry p = bp(132, 84);
  p.pulse = 71;
  const Reading b = canonical(p);
  EXPECT_EQ(b.systolic, 132);
  EXPECT_EQ(b.diastolic, 84);
  EXPECT_EQ(b.pulse, 71);
  EXPECT_EQ(b.entered_value, 132);
}

// ---- validation -------------------------------------------------------------------------------

TEST(HealthValidation, SystolicBetween50And300) {
  EXPECT_EQ(errors_of(bp(49, 40)), std::vector<std::string>{"systolic"});
  EXPECT_EQ(errors_of(bp(50, 40)), none);
  EXPECT_EQ(errors_of(bp(300, 120)), none);
  EXPECT_EQ(errors_of(bp(301, 120)), std::vector<std::string>{"systolic"});
  EXPECT_EQ(message_for(validate(bp(301, 120), limits), "systolic"), "must be between 50 and 300 mmHg");
}

TEST(HealthValidation, DiastolicBetween20And200AndBelowSystolic) {
  EXPECT_EQ(errors_of(bp(120, 19)), std::vector<std::string>{"diastolic"});
  EXPECT_EQ(errors_of(bp(120, 20)), none);
  EXPECT_EQ(errors_of(bp(260, 200)), none);
  EXPECT_EQ(errors_of(bp(260, 201)), std::vector<std::string>{"diastolic"});
  EXPECT_EQ(errors_of(bp(120, 119)), none);
  EXPECT_EQ(errors_of(bp(120, 120)), std::vector<std::string>{"diastolic"});
  EXPECT_EQ(errors_of(bp(80, 120)), std::vector<std::string>{"diastolic"});  // swapped fields
  EXPECT_EQ(message_for(validate(bp(120, 120), limits), "diastolic"), "must be below the systolic value (120 mmHg)");
}

TEST(HealthValidation, BloodPressureNeedsBothValuesAndAPlausiblePulse) {
  Entry e = bp(120, 80);
  e.diastolic.reset();
  EXPECT_EQ(errors_of(e), std::vector<std::string>{"diastolic"});
  e = bp(120, 80);
  e.pulse = 19;
  EXPECT_EQ(errors_of(e), std::vector<std::string>{"pulse"});
  e.pulse = 20;
  EXPECT_EQ(errors_of(e), none);
  e.pulse = 300;
  EXPECT_EQ(errors_of(e), none);
  e.pulse = 301;
  EXPECT_EQ(errors_of(e), std::vector<std::string>{"pulse"});
}

TEST(HealthValidation, GlucoseBetween10And1000MgPerDl) {
  EXPECT_EQ(errors_of(single(Kind::blood_glucose, Unit::mg_dl, 9)), std::vector<std::string>{"value"});
  EXPECT_EQ(errors_of(single(Kind::blood_glucose, Unit::mg_dl, 10)), none);
  EXPECT_EQ(errors_of(single(Kind::blood_glucose, Unit::mg_dl, 1000)), none);
  EXPECT_EQ(errors_of(single(Kind::blood_glucose, Unit::mg_dl, 1001)), std::vector<std::string>{"value"});
}

TEST(HealthValidation, GlucoseInMmolPerLitreIsJudgedInMgPerDlAndToldInTheUnitEntered) {
  EXPECT_EQ(errors_of(single(Kind::blood_glucose, Unit::mmol_l, 0.55)), std::vector<std::string>{"value"});
  EXPECT_EQ(errors_of(single(Kind::blood_glucose, Unit::mmol_l, 0.56)), none);
  EXPECT_EQ(errors_of(single(Kind::blood_glucose, Unit::mmol_l, 55.5)), none);
  EXPECT_EQ(errors_of(single(Kind::blood_glucose, Unit::mmol_l, 55.6)), std::vector<std::string>{"value"});
  EXPECT_EQ(message_for(validate(single(Kind::blood_glucose, Unit::mmol_l, 60), limits), "value"),
            "must be between 0.56 and 55.5 mmol/L (10–1000 mg/dL)");
}

TEST(HealthValidation, GlucoseNeedsItsContext) {
  Entry e = single(Kind::blood_glucose, Unit::mg_dl, 100);
  e.context.reset();
  EXPECT_EQ(errors_of(e), std::vector<std::string>{"context"});
}

TEST(HealthValidation, HeartRateWeightSpo2AndTemperatureRanges) {
  EXPECT_EQ(errors_of(single(Kind::heart_rate, Unit::per_min, 19)), std::vector<std::string>{"value"});
  EXPECT_EQ(errors_of(single(Kind::heart_rate, Unit::per_min, 20)), none);
  EXPECT_EQ(errors_of(single(Kind::heart_rate, Unit::per_min, 300)), none);
  EXPECT_EQ(errors_of(single(Kind::heart_rate, Unit::per_min, 301)), std::vector<std::string>{"value"});

  EXPECT_EQ(errors_of(single(Kind::body_weight, Unit::kg, 0.9)), std::vector<std::string>{"value"});
  EXPECT_EQ(errors_of(single(Kind::body_weight, Unit::kg, 1)), none);
  EXPECT_EQ(errors_of(single(Kind::body_weight, Unit::kg, 500)), none);
  EXPECT_EQ(errors_of(single(Kind::body_weight, Unit::kg, 501)), std::vector<std::string>{"value"});
  EXPECT_EQ(errors_of(single(Kind::body_weight, Unit::lb, 1102.3)), none);
  EXPECT_EQ(errors_of(single(Kind::body_weight, Unit::lb, 1102.4)), std::vector<std::string>{"value"});
  EXPECT_EQ(message_for(validate(single(Kind::body_weight, Unit::lb, 2000), limits), "value"),
            "must be between 2.3 and 1102.3 lb (1–500 kg)");

  EXPECT_EQ(errors_of(single(Kind::spo2, Unit::percent, 49)), std::vector<std::string>{"value"});
  EXPECT_EQ(errors_of(single(Kind::spo2, Unit::percent, 50)), none);
  EXPECT_EQ(errors_of(single(Kind::spo2, Unit::percent, 100)), none);
  EXPECT_EQ(errors_of(single(Kind::spo2, Unit::percent, 101)), std::vector<std::string>{"value"});

  EXPECT_EQ(errors_of(single(Kind::body_temperature, Unit::celsius, 24.9)), std::vector<std::string>{"value"});
  EXPECT_EQ(errors_of(single(Kind::body_temperature, Unit::celsius, 25)), none);
  EXPECT_EQ(errors_of(single(Kind::body_temperature, Unit::celsius, 45)), none);
  EXPECT_EQ(errors_of(single(Kind::body_temperature, Unit::celsius, 45.1)), std::vector<std::string>{"value"});
  EXPECT_EQ(errors_of(single(Kind::body_temperature, Unit::fahrenheit, 76.9)), std::vector<std::string>{"value"});
  EXPECT_EQ(errors_of(single(Kind::body_temperature, Unit::fahrenheit, 77)), none);
  EXPECT_EQ(errors_of(single(Kind::body_temperature, Unit::fahrenheit, 113)), none);
  EXPECT_EQ(errors_of(single(Kind::body_temperature, Unit::fahrenheit, 113.1)), std::vector<std::string>{"value"});
  EXPECT_EQ(message_for(validate(single(Kind::body_temperature, Unit::fahrenheit, 120), limits), "value"),
            "must be between 77 and 113 °F (25–45 °C)");
}

TEST(HealthValidation, WrongUnitsUnusedFieldsAndDerivedKindsAreRefused) {
  EXPECT_EQ(errors_of(single(Kind::blood_glucose, Unit::kg, 100)), std::vector<std::string>{"unit"});
  EXPECT_EQ(message_for(validate(single(Kind::blood_glucose, Unit::kg, 100), limits), "unit"),
            "must be one of: mg_dl, mmol_l");
  Entry e = bp(120, 80);
  e.value = 3;
  e.context = GlucoseContext::fasting;
  EXPECT_EQ(errors_of(e), (std::vector<std::string>{"value", "context"}));
  e = single(Kind::heart_rate, Unit::per_min, 70);
  e.systolic = 120;
  e.context = GlucoseContext::random;
  EXPECT_EQ(errors_of(e), (std::vector<std::string>{"systolic", "context"}));
  EXPECT_EQ(errors_of(single(Kind::bmi, Unit::kg_m2, 24)), std::vector<std::string>{"kind"});
  Entry missing = single(Kind::spo2, Unit::percent, 97);
  missing.value.reset();
  EXPECT_EQ(errors_of(missing), std::vector<std::string>{"value"});
  EXPECT_EQ(errors_of(single(Kind::heart_rate, Unit::per_min, std::nan(""))), std::vector<std::string>{"value"});
}

TEST(HealthValidation, MeasuredAtNotInTheFutureBeyondTheClockSkew) {
  Entry e = single(Kind::heart_rate, Unit::per_min, 70);
  e.measured_at = limits.now + clock_skew_ms;
  EXPECT_EQ(errors_of(e), none);
  e.measured_at = limits.now + clock_skew_ms + 1;
  EXPECT_EQ(errors_of(e), std::vector<std::string>{"measured_at"});
  EXPECT_EQ(message_for(validate(e, limits), "measured_at"), "must not be in the future");
}

TEST(HealthValidation, MeasuredAtNotBeforeBirthInAnyTimeZone) {
  // Born 15 March 1980: the earliest local midnight of that date is at UTC+14.
  Entry e = single(Kind::heart_rate, Unit::per_min, 70);
  e.measured_at = at("1980-03-14T10:00:00Z");
  EXPECT_EQ(errors_of(e), none);
  e.measured_at = at("1980-03-14T09:59:59.999Z");
  EXPECT_EQ(errors_of(e), std::vector<std::string>{"measured_at"});
  EXPECT_EQ(message_for(validate(e, limits), "measured_at"), "must not be before the date of birth (1980-03-15)");
  EXPECT_EQ(fields(validate(e, Limits{limits.now, std::nullopt})), none);  // no birth date on the profile
}

TEST(HealthValidation, EveryProblemIsReportedAtOnce) {
  Entry e = bp(320, 10);
  e.measured_at = limits.now + day_ms;
  EXPECT_EQ(errors_of(e), (std::vector<std::string>{"systolic", "diastolic", "measured_at"}));
}

TEST(HealthValidation, ProfileHeight) {
  EXPECT_EQ(fields(validate_height_cm(39.9)), std::vector<std::string>{"height_cm"});
  EXPECT_EQ(fields(validate_height_cm(40)), none);
  EXPECT_EQ(fields(validate_height_cm(250)), none);
  EXPECT_EQ(fields(validate_height_cm(250.1)), std::vector<std::string>{"height_cm"});
}

// ---- blood pressure: ACC/AHA 2017 -------------------------------------------------------------

BloodPressureCategory cat(double s, double d) { return blood_pressure_category(s, d); }
using B = BloodPressureCategory;

TEST(BloodPressureCategories, SystolicThresholds) {
  EXPECT_EQ(cat(119, 70), B::normal);
  EXPECT_EQ(cat(120, 70), B::elevated);
  EXPECT_EQ(cat(121, 70), B::elevated);
  EXPECT_EQ(cat(129, 70), B::elevated);
  EXPECT_EQ(cat(130, 70), B::stage_1);
  EXPECT_EQ(cat(131, 70), B::stage_1);
  EXPECT_EQ(cat(139, 70), B::stage_1);
  EXPECT_EQ(cat(140, 70), B::stage_2);
  EXPECT_EQ(cat(141, 70), B::stage_2);
  EXPECT_EQ(cat(179, 70), B::stage_2);
  EXPECT_EQ(cat(180, 70), B::stage_2);
  EXPECT_EQ(cat(181, 70), B::hypertensive_crisis);
}

TEST(BloodPressureCategories, DiastolicThresholds) {
  EXPECT_EQ(cat(110, 79), B::normal);
  EXPECT_EQ(cat(110, 80), B::stage_1);
  EXPECT_EQ(cat(110, 81), B::stage_1);
  EXPECT_EQ(cat(110, 89), B::stage_1);
  EXPECT_EQ(cat(110, 90), B::stage_2);
  EXPECT_EQ(cat(110, 91), B::stage_2);
  EXPECT_EQ(cat(150, 119), B::stage_2);
  EXPECT_EQ(cat(150, 120), B::stage_2);
  EXPECT_EQ(cat(150, 121), B::hypertensive_crisis);
}

TEST(BloodPressureCategories, TheHigherOfTheTwoCounts) {
  EXPECT_EQ(cat(125, 80), B::stage_1);   // elevated needs diastolic < 80
  EXPECT_EQ(cat(125, 85), B::stage_1);
  EXPECT_EQ(cat(150, 70), B::stage_2);
  EXPECT_EQ(cat(118, 95), B::stage_2);
  EXPECT_EQ(cat(170, 125), B::hypertensive_crisis);
  EXPECT_EQ(cat(185, 125), B::hypertensive_crisis);
}

TEST(BloodPressureCategories, JudgedOnWholeMillimetres) {
  EXPECT_EQ(cat(119.4, 70), B::normal);
  EXPECT_EQ(cat(119.5, 70), B::elevated);
  EXPECT_EQ(cat(180.4, 70), B::stage_2);
  EXPECT_EQ(cat(180.5, 70), B::hypertensive_crisis);
}

TEST(BloodPressureCategories, HomeAveragesUseTheHomeValuesOfTable11) {
  using H = BloodPressureCategory;
  EXPECT_EQ(home_blood_pressure_category(119, 79), H::normal);
  EXPECT_EQ(home_blood_pressure_category(120, 79), H::elevated);
  EXPECT_EQ(home_blood_pressure_category(129, 79), H::elevated);
  EXPECT_EQ(home_blood_pressure_category(130, 79), H::stage_1);
  EXPECT_EQ(home_blood_pressure_category(134, 79), H::stage_1);
  EXPECT_EQ(home_blood_pressure_category(135, 79), H::stage_2);
  EXPECT_EQ(home_blood_pressure_category(136, 79), H::stage_2);
  EXPECT_EQ(home_blood_pressure_category(110, 80), H::stage_1);
  EXPECT_EQ(home_blood_pressure_category(110, 84), H::stage_1);
  EXPECT_EQ(home_blood_pressure_category(110, 85), H::stage_2);
  EXPECT_EQ(home_blood_pressure_category(200, 130), H::stage_2);  // a crisis is a single reading's
}

// ---- glucose: ADA -----------------------------------------------------------------------------

using G = GlucoseCategory;
using C = GlucoseContext;

TEST(GlucoseCategories, HypoglycaemiaLevelsInEveryContext) {
  for (C c : all_glucose_contexts()) {
    EXPECT_EQ(glucose_category(53, c), G::hypoglycaemia_level_2) << to_string(c);
    EXPECT_EQ(glucose_category(54, c), G::hypoglycaemia_level_1) << to_string(c);
    EXPECT_EQ(glucose_category(55, c), G::hypoglycaemia_level_1) << to_string(c);
    EXPECT_EQ(glucose_category(69, c), G::hypoglycaemia_level_1) << to_string(c);
    EXPECT_NE(glucose_category(70, c), G::hypoglycaemia_level_1) << to_string(c);
    EXPECT_NE(glucose_category(71, c), G::hypoglycaemia_level_1) << to_string(c);
  }
}

TEST(GlucoseCategories, Fasting) {
  EXPECT_EQ(glucose_category(70, C::fasting), G::normal);
  EXPECT_EQ(glucose_category(99, C::fasting), G::normal);
  EXPECT_EQ(glucose_category(100, C::fasting), G::prediabetes_range);
  EXPECT_EQ(glucose_category(101, C::fasting), G::prediabetes_range);
  EXPECT_EQ(glucose_category(125, C::fasting), G::prediabetes_range);
  EXPECT_EQ(glucose_category(126, C::fasting), G::diabetes_range);
  EXPECT_EQ(glucose_category(127, C::fasting), G::diabetes_range);
}

TEST(GlucoseCategories, TwoHoursAfterAMeal) {
  EXPECT_EQ(glucose_category(70, C::after_meal_2h), G::normal);
  EXPECT_EQ(glucose_category(139, C::after_meal_2h), G::normal);
  EXPECT_EQ(glucose_category(140, C::after_meal_2h), G::prediabetes_range);
  EXPECT_EQ(glucose_category(141, C::after_meal_2h), G::prediabetes_range);
  EXPECT_EQ(glucose_category(199, C::after_meal_2h), G::prediabetes_range);
  EXPECT_EQ(glucose_category(200, C::after_meal_2h), G::diabetes_range);
  EXPECT_EQ(glucose_category(201, C::after_meal_2h), G::diabetes_range);
}

TEST(GlucoseCategories, OtherContextsHaveNoCutOffBelow200) {
  for (C c : {C::before_meal, C::random, C::bedtime}) {
    EXPECT_EQ(glucose_category(70, c), G::unclassified) << to_string(c);
    EXPECT_EQ(glucose_category(130, c), G::unclassified) << to_string(c);
    EXPECT_EQ(glucose_category(199, c), G::unclassified) << to_string(c);
    EXPECT_EQ(glucose_category(200, c), G::high) << to_string(c);
    EXPECT_EQ(glucose_category(201, c), G::high) << to_string(c);
  }
}

TEST(GlucoseCategories, MmolPerLitreLandWhereAdaPutsThem) {
  auto mmol = [](double v, C c) { return glucose_category(to_canonical(v, Unit::mmol_l), c); };
  EXPECT_EQ(mmol(5.5, C::fasting), G::normal);
  EXPECT_EQ(mmol(5.6, C::fasting), G::prediabetes_range);
  EXPECT_EQ(mmol(6.9, C::fasting), G::prediabetes_range);
  EXPECT_EQ(mmol(7.0, C::fasting), G::diabetes_range);
  EXPECT_EQ(mmol(7.7, C::after_meal_2h), G::normal);
  EXPECT_EQ(mmol(7.8, C::after_meal_2h), G::prediabetes_range);
  EXPECT_EQ(mmol(11.0, C::after_meal_2h), G::prediabetes_range);
  EXPECT_EQ(mmol(11.1, C::after_meal_2h), G::diabetes_range);  // 199.98 mg/dL, judged as 200
  EXPECT_EQ(mmol(3.9, C::fasting), G::normal);
  EXPECT_EQ(mmol(3.8, C::fasting), G::hypoglycaemia_level_1);
  EXPECT_EQ(mmol(3.0, C::fasting), G::hypoglycaemia_level_1);
  EXPECT_EQ(mmol(2.9, C::fasting), G::hypoglycaemia_level_2);
}

// ---- BMI, heart rate, SpO2, temperature --------------------------------------------------------

TEST(BmiCategories, WhoClasses) {
  using M = BmiCategory;
  EXPECT_EQ(bmi_category(18.4), M::underweight);
  EXPECT_EQ(bmi_category(18.5), M::normal);
  EXPECT_EQ(bmi_category(18.6), M::normal);
  EXPECT_EQ(bmi_category(24.9), M::normal);
  EXPECT_EQ(bmi_category(25.0), M::pre_obese);
  EXPECT_EQ(bmi_category(25.1), M::pre_obese);
  EXPECT_EQ(bmi_category(29.9), M::pre_obese);
  EXPECT_EQ(bmi_category(30.0), M::obese_class_1);
  EXPECT_EQ(bmi_category(30.1), M::obese_class_1);
  EXPECT_EQ(bmi_category(34.9), M::obese_class_1);
  EXPECT_EQ(bmi_category(35.0), M::obese_class_2);
  EXPECT_EQ(bmi_category(35.1), M::obese_class_2);
  EXPECT_EQ(bmi_category(39.9), M::obese_class_2);
  EXPECT_EQ(bmi_category(40.0), M::obese_class_3);
  EXPECT_EQ(bmi_category(40.1), M::obese_class_3);
  // Judged on the value as shown (one decimal).
  EXPECT_EQ(bmi_category(24.94), M::normal);
  EXPECT_EQ(bmi_category(24.96), M::pre_obese);
}

TEST(HeartRateCategories, AdultRestingRange60To100) {
  using H = HeartRateCategory;
  EXPECT_EQ(heart_rate_category(59), H::low);
  EXPECT_EQ(heart_rate_category(60), H::normal);
  EXPECT_EQ(heart_rate_category(61), H::normal);
  EXPECT_EQ(heart_rate_category(99), H::normal);
  EXPECT_EQ(heart_rate_category(100), H::normal);
  EXPECT_EQ(heart_rate_category(101), H::high);
  EXPECT_EQ(heart_rate_category(59.5), H::normal);
  EXPECT_EQ(heart_rate_category(100.5), H::high);
}

TEST(Spo2Categories, News2Scale1Bands) {
  using S = Spo2Category;
  EXPECT_EQ(spo2_category(91), S::very_low);
  EXPECT_EQ(spo2_category(92), S::low);
  EXPECT_EQ(spo2_category(93), S::low);
  EXPECT_EQ(spo2_category(94), S::slightly_low);
  EXPECT_EQ(spo2_category(95), S::slightly_low);
  EXPECT_EQ(spo2_category(96), S::normal);
  EXPECT_EQ(spo2_category(97), S::normal);
  EXPECT_EQ(spo2_category(100), S::normal);
}

TEST(TemperatureCategories, News2Bands) {
  using T = TemperatureCategory;
  EXPECT_EQ(temperature_category(34.9), T::hypothermia);
  EXPECT_EQ(temperature_category(35.0), T::hypothermia);
  EXPECT_EQ(temperature_category(35.1), T::low);
  EXPECT_EQ(temperature_category(36.0), T::low);
  EXPECT_EQ(temperature_category(36.1), T::normal);
  EXPECT_EQ(temperature_category(38.0), T::normal);
  EXPECT_EQ(temperature_category(38.1), T::fever);
  EXPECT_EQ(temperature_category(39.0), T::fever);
  EXPECT_EQ(temperature_category(39.1), T::high_fever);
  EXPECT_EQ(temperature_category(39.2), T::high_fever);
  EXPECT_EQ(temperature_category(to_canonical(100.4, Unit::fahrenheit)), T::normal);  // 38.0 °C
  EXPECT_EQ(temperature_category(to_canonical(100.6, Unit::fahrenheit)), T::fever);   // 38.1 °C
}

TEST(Categories, EveryAnswerNamesItsGuideline) {
  Reading r;
  r.kind = Kind::blood_pressure;
  r.systolic = 135;
  r.diastolic = 85;
  auto c = category_of(r);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->code, "stage_1");
  EXPECT_EQ(c->guideline, Guideline::acc_aha_2017);

  r = Reading{};
  r.kind = Kind::blood_glucose;
  r.value = 110;
  r.context = C::fasting;
  EXPECT_EQ(category_of(r)->code, "prediabetes_range");
  EXPECT_EQ(category_of(r)->guideline, Guideline::ada_standards);
  r.context.reset();  // no context: judged as random
  EXPECT_EQ(category_of(r)->code, "unclassified");

  r = Reading{};
  r.kind = Kind::bmi;
  r.value = 31;
  EXPECT_EQ(category_of(r)->code, "obese_class_1");
  EXPECT_EQ(category_of(r)->guideline, Guideline::who_bmi);
  r.kind = Kind::heart_rate;
  r.value = 48;
  EXPECT_EQ(category_of(r)->code, "low");
  EXPECT_EQ(category_of(r)->guideline, Guideline::resting_heart_rate);
  r.kind = Kind::spo2;
  r.value = 93;
  EXPECT_EQ(category_of(r)->code, "low");
  EXPECT_EQ(category_of(r)->guideline, Guideline::rcp_news2_2017);
  r.kind = Kind::body_temperature;
  r.value = 38.4;
  EXPECT_EQ(category_of(r)->code, "fever");
  r.kind = Kind::body_weight;
  r.value = 80;
  EXPECT_EQ(category_of(r), std::nullopt);

  for (Kind k : all_kinds()) {
    if (k == Kind::body_weight) continue;
    ASSERT_TRUE(guideline_of(k)) << to_string(k);
    EXPECT_FALSE(citation(*guideline_of(k)).empty());
  }
}

// ---- urgent readings -----------------------------------------------------------------------

Reading bp_reading(double s, double d) {
  Reading r;
  r.kind = Kind::blood_pressure;
  r.systolic = s;
  r.diastolic = d;
  return r;
}

Reading glucose_reading(double mg_dl, C context) {
  Reading r;
  r.kind = Kind::blood_glucose;
  r.value = mg_dl;
  r.context = context;
  return r;
}

TEST(UrgentReadings, HypertensiveCrisisAnswersWithTheFixedMessage) {
  EXPECT_EQ(urgent(bp_reading(180, 120)), std::nullopt);
  const auto u = urgent(bp_reading(181, 90));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->reason, UrgentReason::hypertensive_crisis);
  EXPECT_NE(u->message.find("emergency"), std::string_view::npos);
  EXPECT_NE(u->message.find("chest pain"), std::string_view::npos);
  EXPECT_NE(u->source.find("heart.org"), std::string_view::npos);
  ASSERT_TRUE(urgent(bp_reading(150, 121)));
  EXPECT_EQ(urgent(bp_reading(150, 121))->message, u->message);  // fixed: the same text every time
}

TEST(UrgentReadings, Level2HypoglycaemiaInAnyContext) {
  for (C c : all_glucose_contexts()) {
    EXPECT_EQ(urgent(glucose_reading(54, c)), std::nullopt) << to_string(c);
    const auto u = urgent(glucose_reading(53, c));
    ASSERT_TRUE(u) << to_string(c);
    EXPECT_EQ(u->reason, UrgentReason::severe_hypoglycaemia);
    EXPECT_NE(u->message.find("54 mg/dL"), std::string_view::npos);
    EXPECT_NE(u->message.find("emergency"), std::string_view::npos);
  }
  EXPECT_TRUE(urgent(glucose_reading(to_canonical(2.9, Unit::mmol_l), C::random)));
  EXPECT_FALSE(urgent(glucose_reading(to_canonical(3.0, Unit::mmol_l), C::random)));
}

TEST(UrgentReadings, NothingElseIsUrgent) {
  EXPECT_EQ(urgent(glucose_reading(600, C::random)), std::nullopt);
  EXPECT_EQ(urgent(bp_reading(179, 119)), std::nullopt);
  Reading r;
  r.kind = Kind::spo2;
  r.value = 85;
  EXPECT_EQ(urgent(r), std::nullopt);
  // A glucose value on a blood pressure reading means nothing.
  Reading odd = bp_reading(120, 80);
  odd.value = 30;
  EXPECT_EQ(urgent(odd), std::nullopt);
}

// ---- slope maths -------------------------------------------------------------------------------

TEST(TrendSlope, AnExactLineHasItsSlopeAndNoError) {
  const EpochMs t0 = at("2026-01-05T07:00:00Z");
  std::vector<Sample> s;
  for (int i = 0; i < 5; ++i) s.push_back({t0 + i * week_ms, 100.0 + 2.0 * i});
  const auto stats = series_stats("value", s);
  EXPECT_EQ(stats.count, 5);
  EXPECT_DOUBLE_EQ(*stats.mean, 104);
  EXPECT_DOUBLE_EQ(*stats.min, 100);
  EXPECT_DOUBLE_EQ(*stats.max, 108);
  ASSERT_TRUE(stats.slope);
  EXPECT_NEAR(stats.slope->per_week, 2.0, 1e-12);
  ASSERT_TRUE(stats.slope->standard_error);
  EXPECT_NEAR(*stats.slope->standard_error, 0.0, 1e-9);
}

TEST(TrendSlope, DailyStepsAreCountedPerWeek) {
  const EpochMs t0 = at("2026-03-01T20:00:00Z");
  std::vector<Sample> s;
  for (int i = 0; i < 30; ++i) s.push_back({t0 + i * day_ms, 80.0 - 0.1 * i});  // weight falling 100 g a day
  EXPECT_NEAR(series_stats("value", s).slope->per_week, -0.7, 1e-9);
}

TEST(TrendSlope, StandardErrorOfAWorkedExample) {
  // x = 0, 1, 2 weeks; y = 1, 3, 2. Sxx = 2, Sxy = 1, slope 0.5; residuals −0.5, 1, −0.5 so
  // SSR = 1.5 and SE = sqrt(1.5 / (3 − 2) / 2) = sqrt(0.75).
  const EpochMs t0 = at("2026-06-01T00:00:00Z");
  const std::vector<Sample> s{{t0, 1}, {t0 + week_ms, 3}, {t0 + 2 * week_ms, 2}};
  const auto stats = series_stats("value", s);
  EXPECT_NEAR(stats.slope->per_week, 0.5, 1e-12);
  EXPECT_NEAR(*stats.slope->standard_error, std::sqrt(0.75), 1e-12);
}

TEST(TrendSlope, OrderOfSamplesDoesNotMatter) {
  const EpochMs t0 = at("2026-06-01T00:00:00Z");
  const std::vector<Sample> a{{t0, 1}, {t0 + week_ms, 3}, {t0 + 2 * week_ms, 2}};
  const std::vector<Sample> b{{t0 + 2 * week_ms, 2}, {t0, 1}, {t0 + week_ms, 3}};
  EXPECT_NEAR(series_stats("value", a).slope->per_week, series_stats("value", b).slope->per_week, 1e-12);
  EXPECT_NEAR(*series_stats("value", a).slope->standard_error, *series_stats("value", b).slope->standard_error,
              1e-12);
}

TEST(TrendSlope, FewReadings) {
  const EpochMs t0 = at("2026-06-01T00:00:00Z");
  EXPECT_EQ(series_stats("value", {}).count, 0);
  EXPECT_EQ(series_stats("value", {}).mean, std::nullopt);
  EXPECT_EQ(series_stats("value", {}).slope, std::nullopt);

  const std::vector<Sample> one{{t0, 5}};
  EXPECT_DOUBLE_EQ(*series_stats("value", one).mean, 5);
  EXPECT_FALSE(series_stats("value", one).slope);

  // Two readings: a line, but no degrees of freedom left for its error.
  const std::vector<Sample> two{{t0, 5}, {t0 + week_ms, 6}};
  ASSERT_TRUE(series_stats("value", two).slope);
  EXPECT_NEAR(series_stats("value", two).slope->per_week, 1.0, 1e-12);
  EXPECT_EQ(series_stats("value", two).slope->standard_error, std::nullopt);

  // Readings all at one instant: no line.
  const std::vector<Sample> same{{t0, 5}, {t0, 7}, {t0, 9}};
  EXPECT_DOUBLE_EQ(*series_stats("value", same).mean, 7);
  EXPECT_FALSE(series_stats("value", same).slope);
}

// ---- trends -------------------------------------------------------------------------------

TEST(Trends, BloodPressureSeriesAndCategoryShares) {
  const EpochMs t0 = at("2026-11-01T07:00:00Z");
  std::vector<Reading> readings;
  auto add = [&](int day, double s, double d, std::optional<double> pulse) {
    Reading r = bp_reading(s, d);
    r.measured_at = t0 + day * day_ms;
    r.pulse = pulse;
    readings.push_back(r);
  };
  add(0, 118, 76, 70);          // normal
  add(1, 124, 78, std::nullopt);  // elevated
  add(2, 134, 82, 72);          // stage 1
  add(3, 146, 92, 74);          // stage 2
  Reading glucose = glucose_reading(90, C::fasting);
  glucose.measured_at = t0;
  readings.push_back(glucose);  // another kind: ignored

  const Trend t = trend(Kind::blood_pressure, readings);
  EXPECT_EQ(t.count, 4);
  EXPECT_EQ(t.guideline, Guideline::acc_aha_2017);
  ASSERT_EQ(t.series.size(), 3u);
  EXPECT_EQ(t.series[0].name, "systolic");
  EXPECT_DOUBLE_EQ(*t.series[0].mean, 130.5);
  EXPECT_DOUBLE_EQ(*t.series[0].min, 118);
  EXPECT_DOUBLE_EQ(*t.series[0].max, 146);
  EXPECT_EQ(t.series[1].name, "diastolic");
  EXPECT_DOUBLE_EQ(*t.series[1].mean, 82);
  EXPECT_EQ(t.series[2].name, "pulse");
  EXPECT_EQ(t.series[2].count, 3);
  EXPECT_GT(t.series[0].slope->per_week, 0);  // rising

  ASSERT_EQ(t.shares.size(), 5u);
  double total = 0;
  for (const auto& s : t.shares) {
    total += s.share;
    const int expected = s.code == "hypertensive_crisis" ? 0 : 1;
    EXPECT_EQ(s.count, expected) << s.code;
  }
  EXPECT_DOUBLE_EQ(total, 1.0);
}

TEST(Trends, WeightHasNoCategoriesAndAnEmptyWindowIsEmpty) {
  Reading w;
  w.kind = Kind::body_weight;
  w.value = 80;
  w.measured_at = at("2026-11-01T07:00:00Z");
  const Trend t = trend(Kind::body_weight, std::span<const Reading>(&w, 1));
  EXPECT_EQ(t.count, 1);
  EXPECT_TRUE(t.shares.empty());
  EXPECT_EQ(t.guideline, std::nullopt);

  const Trend empty = trend(Kind::blood_glucose, {});
  EXPECT_EQ(empty.count, 0);
  EXPECT_EQ(empty.shares.size(), 7u);
  for (const auto& s : empty.shares) EXPECT_EQ(s.share, 0);
  EXPECT_EQ(empty.series[0].mean, std::nullopt);
}

// ---- home blood pressure -------------------------------------------------------------------

Reading home(date::local_days day, double s, double d) {
  Reading r = bp_reading(s, d);
  r.local_day = day;
  r.measured_at = std::chrono::duration_cast<std::chrono::milliseconds>(day.time_since_epoch()).count();
  return r;
}

TEST(HomeBloodPressure, AveragesTheLastSevenDaysIncludingToday) {
  const date::local_days today{2026_y / date::December / 7};
  std::vector<Reading> readings{
      home(today - date::days(7), 200, 110),  // eight days ago with today: outside
      home(today - date::days(6), 130, 80),   // first day of the window
      home(today, 136, 86),                   // today
      home(today + date::days(1), 200, 110),  // after `today`: outside
  };
  const auto h = home_blood_pressure(readings, today);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->count, 2);
  EXPECT_EQ(h->days, 2);
  EXPECT_DOUBLE_EQ(h->systolic, 133);
  EXPECT_DOUBLE_EQ(h->diastolic, 83);
  EXPECT_EQ(h->category, BloodPressureCategory::stage_1);  // 133/83 at home: stage 1, not 2
  EXPECT_FALSE(h->enough);
}

TEST(HomeBloodPressure, EnoughIsTwelveReadingsOnFourDays) {
  const date::local_days today{2026_y / date::December / 7};
  std::vector<Reading> readings;
  for (int day = 0; day < 4; ++day)
    for (int i = 0; i < 3; ++i) readings.push_back(home(today - date::days(day), 138, 84));
  auto h = home_blood_pressure(readings, today);
  EXPECT_EQ(h->count, 12);
  EXPECT_EQ(h->days, 4);
  EXPECT_TRUE(h->enough);
  EXPECT_EQ(h->category, BloodPressureCategory::stage_2);  // 138 ≥ 135 at home

  readings.pop_back();  // 11 readings
  EXPECT_FALSE(home_blood_pressure(readings, today)->enough);

  std::vector<Reading> three_days;
  for (int day = 0; day < 3; ++day)
    for (int i = 0; i < 4; ++i) three_days.push_back(home(today - date::days(day), 120, 70));
  EXPECT_EQ(home_blood_pressure(three_days, today)->count, 12);
  EXPECT_FALSE(home_blood_pressure(three_days, today)->enough);
}

TEST(HomeBloodPressure, NoReadingsNoAverage) {
  const date::local_days today{2026_y / date::December / 7};
  EXPECT_EQ(home_blood_pressure({}, today), std::nullopt);
  std::vector<Reading> old{home(today - date::days(30), 150, 95)};
  EXPECT_EQ(home_blood_pressure(old, today), std::nullopt);
}

}  // namespace
}  // namespace medcore::health
