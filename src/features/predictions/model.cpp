#include "features/predictions/model.hpp"

#include <cmath>
#include <cstdio>

#include "platform/core/time.hpp"

namespace medcore::predictions {

std::optional<int> age_on(std::string_view date_of_birth, date::year_month_day today) {
  const auto dob = parse_iso_date(date_of_birth);
  if (!dob || !dob->ok() || !today.ok()) return std::nullopt;
  if (date::sys_days(*dob) > date::sys_days(today)) return std::nullopt;
  int years = static_cast<int>(today.year()) - static_cast<int>(dob->year());
  // Not yet had this year's birthday (born on 29 February: the birthday is 1 March in other years).
  if (today.month() < dob->month() || (today.month() == dob->month() && today.day() < dob->day())) --years;
  return years;
}

namespace {
std::string fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}
}  // namespace

Confidence confidence(const QualityFacts& q) {
  int level = q.roc_auc >= 0.90 ? 2 : q.roc_auc >= 0.80 ? 1 : 0;
  if (q.missing > 0 && level > 0) --level;
  static const char* const names[] = {"low", "moderate", "high"};
  Confidence c;
  c.level = names[level];
  const int percent = static_cast<int>(std::lround(q.roc_auc * 100));
  c.text = "Tested on people it was not trained on, this model ranked a person with the condition above one "
           "without it " + std::to_string(percent) + "% of the time (ROC AUC " + fixed(q.roc_auc, 2) + " ± " +
           fixed(q.roc_auc_sd, 2) + " across folds); its probabilities were off by about " +
           std::to_string(static_cast<int>(std::lround(q.calibration_error * 100))) +
           " percentage points on average.";
  if (q.missing > 0)
    c.text += " " + std::to_string(q.missing) + " of " + std::to_string(q.features) +
              (q.missing == 1 ? " measurement was" : " measurements were") +
              " not given, which makes this estimate less certain.";
  return c;
}

std::string disclaimer(std::string_view population) {
  std::string s =
      "This is a statistical estimate, not a diagnosis. It compares your answers with people in one research "
      "data set";
  if (!population.empty()) s += " (" + std::string(population) + ")";
  s += " and cannot take the rest of your health into account. Talk to a doctor before acting on it, whatever "
       "the result; if you have symptoms now, such as chest pain, sudden weakness or trouble speaking, call "
       "emergency services.";
  return s;
}

Prefill prefill_from_profile(std::string_view model, std::optional<int> age, std::string_view sex) {
  Prefill p;
  if (age) {
    p.values.push_back({"age", "", static_cast<double>(*age), "date of birth"});
  } else {
    p.notes.push_back("Age could not be worked out from the date of birth in your profile.");
  }
  if (model == "heart") {
    if (sex == "female" || sex == "male") {
      p.values.push_back({"sex", sex == "male" ? "1" : "0", std::nullopt, "profile"});
    } else {
      p.notes.push_back("This model only knows female and male (as recorded in its data); choose the one that "
                        "fits your body best, or ask a doctor.");
    }
  } else if (model == "stroke") {
    if (sex == "female" || sex == "male") {
      p.values.push_back({"gender", sex == "male" ? "Male" : "Female", std::nullopt, "profile"});
    } else {
      p.notes.push_back("The stroke data set has a single person recorded as 'Other'; its estimate for you is "
                        "less reliable.");
    }
  } else if (model == "diabetes") {
    if (sex != "female")
      p.notes.push_back("This model was trained on women only; its estimate for you may be wrong.");
  }
  p.notes.push_back("Blood pressure, glucose and BMI are not pre-filled: medcore does not record health "
                    "statistics yet.");
  return p;
}

}  // namespace medcore::predictions
