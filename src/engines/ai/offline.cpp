#include "engines/ai/offline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace medcore::ai {

namespace {

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string key_of(const LatestReading& r) { return "latest." + std::string(to_string(r.kind)); }
std::string key_of(const Trend& t) {
  return "trend." + std::string(to_string(t.kind)) + "." + std::to_string(t.window_days) + "d";
}

// The reading as a patient would say it: "142/91 mmHg", "104 mg/dL".
std::string reading_text(const LatestReading& r) {
  switch (r.kind) {
    case ReadingKind::blood_pressure:
      return fixed(r.value, 0) + (r.diastolic ? "/" + fixed(*r.diastolic, 0) : std::string()) + " mmHg";
    case ReadingKind::blood_glucose: return fixed(r.value, 0) + " mg/dL";
    case ReadingKind::heart_rate: return fixed(r.value, 0) + " beats per minute";
    case ReadingKind::body_weight: return fixed(r.value, 1) + " kg";
    case ReadingKind::spo2: return fixed(r.value, 0) + " %";
    case ReadingKind::body_temperature: return fixed(r.value, 1) + " °C";
  }
  return {};
}

std::string_view kind_words(ReadingKind k) {
  switch (k) {
    case ReadingKind::blood_pressure: return "blood pressure";
    case ReadingKind::blood_glucose: return "blood glucose";
    case ReadingKind::heart_rate: return "heart rate";
    case ReadingKind::body_weight: return "weight";
    case ReadingKind::spo2: return "oxygen saturation";
    case ReadingKind::body_temperature: return "temperature";
  }
  return {};
}

std::string_view unit_of(ReadingKind k) {
  switch (k) {
    case ReadingKind::blood_pressure: return "mmHg";
    case ReadingKind::blood_glucose: return "mg/dL";
    case ReadingKind::heart_rate: return "beats per minute";
    case ReadingKind::body_weight: return "kg";
    case ReadingKind::spo2: return "%";
    case ReadingKind::body_temperature: return "°C";
  }
  return {};
}

// The longest window whose trend is not flat, so the summary mentions what actually moves.
const Trend* moving_trend(const HealthFacts& f, ReadingKind kind, Direction* direction) {
  const Trend* best = nullptr;
  for (const auto& t : f.trends) {
    if (t.kind != kind) continue;
    const auto d = direction_of(t);
    if (d == Direction::stable) continue;
    if (!best || t.window_days > best->window_days) {
      best = &t;
      *direction = d;
    }
  }
  return best;
}

bool any_of(std::optional<Category> c, std::initializer_list<Category> set) {
  if (!c) return false;
  for (auto x : set)
    if (*c == x) return true;
  return false;
}

// WHO 2020 adds balance training from 65; the 60-69 band is told "from 65".
bool older(AgeBand a) {
  return a == AgeBand::from_60_to_69 || a == AgeBand::from_70_to_79 || a == AgeBand::from_80_to_89 || a == AgeBand::from_90;
}

class Composer {
 public:
  explicit Composer(const HealthFacts& f) : f_(f) {}

  Advice compose() {
    summarise();
    blood_pressure();
    glucose();
    weight();
    heart_rate();
    oxygen_and_temperature();
    risks();
    activity();
    sleep();
    advice_.see_doctor_when = see_doctor_when();
    // Most pressing first; the schema allows kMaxSuggestions.
    std::stable_sort(advice_.suggestions.begin(), advice_.suggestions.end(),
                     [](const Suggestion& a, const Suggestion& b) { return a.urgency > b.urgency; });
    if (advice_.suggestions.size() > kMaxSuggestions) advice_.suggestions.resize(kMaxSuggestions);
    return std::move(advice_);
  }

 private:
  void add(Area area, Urgency urgency, std::string text, std::vector<std::string> based_on) {
    advice_.suggestions.push_back({std::move(text), area, std::move(based_on), urgency});
  }

  void summarise() {
    std::string s;
    for (const auto& r : f_.latest) {
      if (!s.empty()) s += " ";
      s += "Your latest " + std::string(kind_words(r.kind)) + " was " + reading_text(r);
      if (r.category) s += " (" + std::string(describe(*r.category)) + ", " + std::string(describe(r.guideline)) + ")";
      s += ".";
      Direction d = Direction::stable;
      if (const auto* t = moving_trend(f_, r.kind, &d))
        s += " Over the last " + std::to_string(t->window_days) + " days it has been " + std::string(to_string(d)) +
             " by about " + fixed(std::abs(t->slope_per_week), 1) + " " + std::string(unit_of(r.kind)) + " a week.";
    }
    if (f_.bmi) s += (s.empty() ? "" : " ") + std::string("Your BMI is ") + fixed(*f_.bmi, 1) +
                     (f_.bmi_class ? " (" + std::string(describe(*f_.bmi_class)) + ")" : std::string()) + ".";
    if (s.empty()) s = "There are no recent readings yet; the suggestions below are general ones for your age group.";
    if (s.size() > kMaxSummary) s.resize(kMaxSummary);
    advice_.summary = std::move(s);
  }

  void blood_pressure() {
    const auto* r = latest_of(f_, ReadingKind::blood_pressure);
    Direction d = Direction::stable;
    const Trend* t = moving_trend(f_, ReadingKind::blood_pressure, &d);
    const bool rising = t && d == Direction::rising;
    const bool raised = r && any_of(r->category, {Category::bp_elevated, Category::bp_stage_1, Category::bp_stage_2,
                                                  Category::bp_hypertensive_crisis});
    if (!raised && !rising) return;
    std::vector<std::string> why;
    if (r) why.push_back(key_of(*r));
    if (rising) why.push_back(key_of(*t));
    bp_raised_ = true;
    bp_keys_ = why;
    add(Area::diet, Urgency::routine,
        "Follow a DASH-style eating pattern (vegetables, fruit, whole grains, low-fat dairy, less red meat and "
        "sugar) and keep sodium under 2,000 mg of sodium a day, about one level teaspoon of salt: check labels "
        "and cook with less salt.",
        why);
    add(Area::monitoring, Urgency::routine,
        "Measure your blood pressure at home twice in the morning and twice in the evening for a week, seated "
        "after 5 minutes of rest with the cuff on a bare arm, and record every reading.",
        why);
    if (r && any_of(r->category, {Category::bp_stage_1, Category::bp_stage_2}))
      add(Area::medical_follow_up, r->category == Category::bp_stage_2 ? Urgency::soon : Urgency::routine,
          r->category == Category::bp_stage_2
              ? "Readings in the stage 2 range should be reviewed by your doctor within about a month; bring your "
                "home readings."
              : "Share your home readings with your doctor at your next visit (within 3 to 6 months) so they can "
                "confirm the average.",
          {key_of(*r)});
  }

  void glucose() {
    const auto* r = latest_of(f_, ReadingKind::blood_glucose);
    if (!r || !r->category) return;
    const std::vector<std::string> why{key_of(*r)};
    switch (*r->category) {
      case Category::glucose_prediabetes:
        glucose_raised_ = true;
        add(Area::diet, Urgency::routine,
            "Your glucose is in the prediabetes range: fewer sugary drinks and refined starches, more vegetables, "
            "pulses and whole grains. A structured lifestyle programme (losing about 7 % of body weight and 150 "
            "minutes of activity a week) lowers the chance of developing diabetes.",
            why);
        break;
      case Category::glucose_diabetes_range:
        glucose_raised_ = true;
        add(Area::medical_follow_up, Urgency::soon,
            "A reading in the diabetes range needs to be confirmed with a laboratory test: book an appointment "
            "with your doctor in the next few weeks.",
            why);
        add(Area::monitoring, Urgency::routine,
            "Keep recording your glucose with its context (fasting, before a meal, 2 hours after) so your doctor "
            "can see the pattern.",
            why);
        break;
      case Category::glucose_hypoglycaemia:
        add(Area::diet, Urgency::soon,
            "For a low glucose reading, have 15 g of fast-acting carbohydrate (for example half a glass of fruit "
            "juice) and check again after 15 minutes; repeat if it is still low, then eat a snack or meal.",
            why);
        add(Area::medical_follow_up, Urgency::soon,
            "Tell your doctor about low glucose readings, especially if they happen more than once.", why);
        break;
      case Category::glucose_severe_hypoglycaemia:
        add(Area::medical_follow_up, Urgency::urgent,
            "A glucose this low needs help now: take fast-acting sugar if you can swallow safely and get someone "
            "to call emergency services if you feel confused, drowsy or unwell.",
            why);
        break;
      default: break;
    }
  }

  void weight() {
    if (!f_.bmi_class) return;
    const std::vector<std::string> why{"bmi"};
    if (any_of(f_.bmi_class, {Category::bmi_overweight, Category::bmi_obesity_1, Category::bmi_obesity_2,
                              Category::bmi_obesity_3})) {
      weight_raised_ = true;
      add(Area::diet, Urgency::routine,
          "Losing 5 to 10 % of your body weight over six months to a year, through smaller portions and fewer "
          "energy-dense foods, improves blood pressure and glucose; each kilogram lost lowers blood pressure by "
          "about 1 mmHg.",
          why);
      if (any_of(f_.bmi_class, {Category::bmi_obesity_2, Category::bmi_obesity_3}))
        add(Area::medical_follow_up, Urgency::routine,
            "Ask your doctor about a supported weight-management programme.", why);
    } else if (f_.bmi_class == Category::bmi_underweight) {
      add(Area::medical_follow_up, Urgency::routine,
          "Your BMI is below the healthy range: ask your doctor or a dietitian to check whether you are eating "
          "enough, especially if you have lost weight without trying.",
          why);
    }
  }

  void heart_rate() {
    const auto* r = latest_of(f_, ReadingKind::heart_rate);
    if (!r || !any_of(r->category, {Category::heart_rate_low, Category::heart_rate_high})) return;
    add(Area::monitoring, Urgency::routine,
        "Check your resting pulse again after sitting quietly for 5 minutes, away from caffeine and exercise; "
        "if it stays outside 60 to 100 beats per minute, or comes with dizziness, fainting or chest discomfort, "
        "see your doctor.",
        {key_of(*r)});
  }

  void oxygen_and_temperature() {
    if (const auto* r = latest_of(f_, ReadingKind::spo2); r && r->category == Category::spo2_low)
      add(Area::medical_follow_up, Urgency::soon,
          "Your oxygen saturation is low: repeat the measurement with warm hands at rest, and contact your doctor "
          "today if it stays low or you are short of breath.",
          {key_of(*r)});
    if (const auto* r = latest_of(f_, ReadingKind::body_temperature); r && r->category == Category::temperature_fever)
      add(Area::monitoring, Urgency::routine,
          "With a fever, rest, drink plenty of fluids and recheck your temperature; contact your doctor if it lasts "
          "more than three days or you feel very unwell.",
          {key_of(*r)});
  }

  void risks() {
    for (const auto& r : f_.risks) {
      if (r.band != RiskBand::high) continue;
      add(Area::medical_follow_up, Urgency::soon,
          "Your latest " + std::string(to_string(r.model)) +
              " risk estimate is in the high band: discuss it with your doctor, who can check the factors behind "
              "it.",
          {"risk." + std::string(to_string(r.model))});
    }
  }

  void activity() {
    std::vector<std::string> why{"age_band"};
    if (bp_raised_) why.insert(why.end(), bp_keys_.begin(), bp_keys_.end());
    if (weight_raised_) why.emplace_back("bmi");
    if (glucose_raised_) why.emplace_back("latest.blood_glucose");
    if (why.size() > kMaxBasedOn) why.resize(kMaxBasedOn);
    std::string text =
        "Aim for 150 to 300 minutes of moderate activity a week (brisk walking, cycling), or 75 to 150 minutes of "
        "vigorous activity, plus muscle-strengthening on two or more days.";
    if (f_.age_band == AgeBand::from_60_to_69) text += " From age 65, add balance exercises on three or more days a week.";
    else if (older(f_.age_band)) text += " Add balance exercises on three or more days a week.";
    add(Area::activity, Urgency::routine, std::move(text), std::move(why));
  }

  void sleep() {
    std::vector<std::string> why{"age_band"};
    if (bp_raised_) why.insert(why.end(), bp_keys_.begin(), bp_keys_.end());
    if (weight_raised_) why.emplace_back("bmi");
    if (why.size() > kMaxBasedOn) why.resize(kMaxBasedOn);
    add(Area::sleep, Urgency::routine,
        "Adults need 7 or more hours of sleep a night; a regular bedtime and a dark, quiet room help. Loud snoring "
        "with daytime sleepiness is worth mentioning to your doctor.",
        std::move(why));
  }

  std::string see_doctor_when() const {
    std::string s =
        "Seek emergency care for chest pain, shortness of breath, sudden weakness or numbness, trouble speaking, "
        "severe headache or confusion.";
    if (bp_raised_) s += " See your doctor if your home blood pressure average stays at 130/80 mmHg or above.";
    if (glucose_raised_) s += " See your doctor to confirm your glucose results.";
    s += " Do not stop or change any medicine without talking to your doctor.";
    return s;
  }

  const HealthFacts& f_;
  Advice advice_;
  bool bp_raised_ = false, weight_raised_ = false, glucose_raised_ = false;
  std::vector<std::string> bp_keys_;
};

}  // namespace

Advice compose_offline(const HealthFacts& f) { return Composer(f).compose(); }

}  // namespace medcore::ai
