#pragma once
// Pure rules of the prediction feature (no I/O, no model code): age from a date of birth, how
// much a prediction can be trusted and how that is said, and what may be pre-filled from a
// patient's profile. Unit-tested in tests/unit/predictions_model_test.cpp.
#include <date/date.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace medcore::predictions {

// Whole years on `today`; nullopt for a date that is not a date or lies after `today`.
std::optional<int> age_on(std::string_view date_of_birth, date::year_month_day today);

// What the committed model card says about the model's cross-validated quality, and how many of
// this prediction's features were left out.
struct QualityFacts {
  double roc_auc = 0;             // mean over the outer folds
  double roc_auc_sd = 0;          // spread across folds
  double calibration_error = 0;   // mean |predicted − observed| over reliability bins
  int features = 0;               // features of the model
  int missing = 0;                // optional features the caller left out
};

struct Confidence {
  std::string level;  // low | moderate | high
  std::string text;   // plain words: how good the model is and what makes this estimate less sure
};

// high: ROC AUC ≥ 0.90 and nothing missing; moderate: ≥ 0.80; low otherwise. Every missing
// optional feature makes the estimate less certain: one level down (never below low).
Confidence confidence(const QualityFacts& q);

// The sentence every answer carries, whatever the risk.
std::string disclaimer(std::string_view population);

// Values a patient's profile gives for a model's features. `sex` is the profile value
// (female, male, intersex, unknown). Each entry is {feature, value (as the API takes it), source};
// `notes` say what could not be filled and why.
struct PrefillValue {
  std::string feature;
  std::string text_value;        // categorical value, empty for numbers
  std::optional<double> number;  // continuous value
  std::string source;            // "date of birth", "profile"
};
struct Prefill {
  std::vector<PrefillValue> values;
  std::vector<std::string> notes;
};
Prefill prefill_from_profile(std::string_view model, std::optional<int> age, std::string_view sex);

}  // namespace medcore::predictions
