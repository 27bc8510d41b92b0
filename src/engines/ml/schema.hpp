#pragma once
// The three tabular models' inputs: features with units, allowed (physiological) ranges and
// category lists, how each CSV is read, and how a row is encoded for each kind of model.
// Pure: no I/O. The category lists are fixed and known in advance, so encoding them (one-hot for
// XGBoost) learns nothing from the data and cannot leak between folds.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace medcore::ml {

enum class FeatureKind { continuous, categorical };

struct FeatureSpec {
  std::string name;         // API field name (snake_case)
  std::string column;       // CSV column header
  std::string label;        // plain words, for explanations ("glucose")
  std::string unit;         // "mg/dL", "" when unitless
  FeatureKind kind = FeatureKind::continuous;
  double min = 0, max = 0;  // allowed range (continuous)
  std::vector<std::string> categories;       // accepted values (categorical), as written in the CSV
  std::vector<std::string> category_labels;  // plain words for each category
  bool zero_is_missing = false;              // the data set writes "not measured" as 0
  bool required = true;                      // may the API caller leave it out?
  std::string help;                          // one line for the form
};

enum class ModelKind { naive_bayes, xgboost };

struct Schema {
  std::string name;     // heart | diabetes | stroke
  std::string title;    // "Heart disease (UCI Cleveland)"
  ModelKind kind;
  std::vector<FeatureSpec> features;
  std::vector<std::string> default_header;  // for files without a header line (UCI heart)
  std::vector<std::string> ignored_columns; // read but not used (stroke id)
  std::string target_column;
  std::string target_rule;  // documentation: "num > 0"
  std::string outcome;      // what "positive" means, in words
};

// heart | diabetes | stroke; throws std::invalid_argument for anything else.
const Schema& schema_for(std::string_view name);
std::vector<std::string> model_names();

// One data set in the models' raw encoding: row-major, `p` values per row, NaN = missing,
// categorical values as their index in FeatureSpec::categories.
struct Dataset {
  const Schema* schema = nullptr;
  std::size_t n = 0, p = 0;
  std::vector<double> x;
  std::vector<int> y;
  const double* row(std::size_t i) const { return x.data() + i * p; }
  std::size_t positives() const;
};

// Reads a labelled CSV (header optional when the schema has a default header).
// Throws std::runtime_error naming the line and column of anything it cannot read.
Dataset parse_dataset(const Schema& schema, std::string_view csv_text);

bool is_missing_token(std::string_view raw);
// The raw encoding of one value: NaN for missing, the category index, or the number.
// Throws std::invalid_argument with a readable message for an unknown category or a bad number.
double encode_value(const FeatureSpec& f, std::string_view raw);
// Is `v` (already encoded) inside the allowed range / category list?
bool value_allowed(const FeatureSpec& f, double v);
std::string allowed_text(const FeatureSpec& f);  // "40–400 mg/dL" or "one of: Female, Male, Other"
// "168 mg/dL", "male", "Private"
std::string value_text(const FeatureSpec& f, double v);

// XGBoost's columns: continuous → one column; a categorical with two values → one 0/1 column;
// more values → one-hot columns (all missing when the value is missing).
struct XgbLayout {
  std::vector<std::string> columns;  // "age", "work_type=Private"
  std::vector<std::size_t> owner;    // column → feature index
};
XgbLayout xgb_layout(const Schema& schema);
void expand_for_xgb(const Schema& schema, const double* raw, float* out);

}  // namespace medcore::ml
