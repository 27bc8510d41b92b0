#include "engines/ml/schema.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "engines/ml/csv.hpp"

namespace medcore::ml {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

FeatureSpec cont(std::string name, std::string column, std::string label, std::string unit, double lo,
                 double hi, bool required, std::string help, bool zero_missing = false) {
  FeatureSpec f;
  f.name = std::move(name);
  f.column = std::move(column);
  f.label = std::move(label);
  f.unit = std::move(unit);
  f.kind = FeatureKind::continuous;
  f.min = lo;
  f.max = hi;
  f.required = required;
  f.help = std::move(help);
  f.zero_is_missing = zero_missing;
  return f;
}

FeatureSpec cat(std::string name, std::string column, std::string label, std::vector<std::string> values,
                std::vector<std::string> labels, bool required, std::string help) {
  FeatureSpec f;
  f.name = std::move(name);
  f.column = std::move(column);
  f.label = std::move(label);
  f.kind = FeatureKind::categorical;
  f.categories = std::move(values);
  f.category_labels = std::move(labels);
  f.required = required;
  f.help = std::move(help);
  return f;
}

Schema make_heart() {
  Schema s;
  s.name = "heart";
  s.title = "Heart disease (UCI Cleveland)";
  s.kind = ModelKind::naive_bayes;
  s.default_header = {"age", "sex", "cp", "trestbps", "chol", "fbs", "restecg",
                      "thalach", "exang", "oldpeak", "slope", "ca", "thal", "num"};
  s.target_column = "num";
  s.target_rule = "num > 0 (angiographic narrowing > 50% in any major vessel)";
  s.outcome = "coronary artery disease on angiography (num > 0)";
  s.features = {
      cont("age", "age", "age", "years", 18, 100, true, "Age in years."),
      cat("sex", "sex", "sex", {"0", "1"}, {"female", "male"}, true, "0 = female, 1 = male."),
      cat("cp", "cp", "chest pain type", {"1", "2", "3", "4"},
          {"typical angina", "atypical angina", "non-anginal pain", "asymptomatic"}, true,
          "1 typical angina, 2 atypical angina, 3 non-anginal pain, 4 asymptomatic."),
      cont("trestbps", "trestbps", "resting blood pressure", "mmHg", 60, 250, true,
           "Resting systolic blood pressure on admission."),
      cont("chol", "chol", "serum cholesterol", "mg/dL", 80, 700, true, "Total serum cholesterol."),
      cat("fbs", "fbs", "fasting blood sugar over 120 mg/dL", {"0", "1"}, {"no", "yes"}, true,
          "1 if fasting blood sugar > 120 mg/dL."),
      cat("restecg", "restecg", "resting ECG", {"0", "1", "2"},
          {"normal", "ST-T wave abnormality", "left ventricular hypertrophy"}, true,
          "0 normal, 1 ST-T wave abnormality, 2 probable or definite left ventricular hypertrophy."),
      cont("thalach", "thalach", "maximum heart rate", "bpm", 60, 230, true,
           "Maximum heart rate reached in the exercise test."),
      cat("exang", "exang", "exercise-induced angina", {"0", "1"}, {"no", "yes"}, true,
          "1 if the exercise test induced angina."),
      cont("oldpeak", "oldpeak", "ST depression on exercise", "mm", -3, 10, true,
           "ST depression induced by exercise relative to rest."),
      cat("slope", "slope", "slope of the peak exercise ST segment", {"1", "2", "3"},
          {"upsloping", "flat", "downsloping"}, true, "1 upsloping, 2 flat, 3 downsloping."),
      cat("ca", "ca", "major vessels coloured by fluoroscopy", {"0", "1", "2", "3"}, {"0", "1", "2", "3"},
          false, "Number of major vessels (0–3) coloured by fluoroscopy; leave out if not done."),
      cat("thal", "thal", "thallium stress test", {"3", "6", "7"},
          {"normal", "fixed defect", "reversible defect"}, false,
          "3 normal, 6 fixed defect, 7 reversible defect; leave out if not done."),
  };
  return s;
}

Schema make_diabetes() {
  Schema s;
  s.name = "diabetes";
  s.title = "Type 2 diabetes (Pima Indians, NIDDK)";
  s.kind = ModelKind::xgboost;
  s.target_column = "Outcome";
  s.target_rule = "Outcome = 1";
  s.outcome = "diabetes by WHO criteria at the examination or within five years of it";
  s.features = {
      cont("pregnancies", "Pregnancies", "number of pregnancies", "", 0, 20, true, "Times pregnant."),
      cont("glucose", "Glucose", "glucose", "mg/dL", 40, 400, true,
           "Plasma glucose 2 hours into an oral glucose tolerance test.", true),
      cont("blood_pressure", "BloodPressure", "diastolic blood pressure", "mmHg", 30, 150, false,
           "Diastolic blood pressure.", true),
      cont("skin_thickness", "SkinThickness", "triceps skinfold", "mm", 5, 100, false,
           "Triceps skinfold thickness.", true),
      cont("insulin", "Insulin", "2-hour insulin", "µU/mL", 10, 1000, false,
           "Serum insulin 2 hours into an oral glucose tolerance test.", true),
      cont("bmi", "BMI", "BMI", "kg/m²", 12, 80, true, "Body mass index.", true),
      cont("diabetes_pedigree_function", "DiabetesPedigreeFunction", "diabetes pedigree score", "", 0.05, 3,
           true, "Diabetes pedigree function: a score of diabetes in relatives."),
      cont("age", "Age", "age", "years", 21, 100, true, "Age in years (the data covers adults aged 21+)."),
  };
  return s;
}

Schema make_stroke() {
  Schema s;
  s.name = "stroke";
  s.title = "Stroke (Kaggle stroke prediction data set)";
  s.kind = ModelKind::xgboost;
  s.target_column = "stroke";
  s.target_rule = "stroke = 1";
  s.outcome = "a recorded stroke";
  s.ignored_columns = {"id"};
  s.features = {
      cat("gender", "gender", "gender", {"Female", "Male", "Other"}, {"female", "male", "other"}, true,
          "Female, Male or Other."),
      cont("age", "age", "age", "years", 0, 100, true, "Age in years."),
      cat("hypertension", "hypertension", "hypertension", {"0", "1"}, {"no", "yes"}, true,
          "1 if the person has hypertension."),
      cat("heart_disease", "heart_disease", "heart disease", {"0", "1"}, {"no", "yes"}, true,
          "1 if the person has heart disease."),
      cat("ever_married", "ever_married", "ever married", {"No", "Yes"}, {"no", "yes"}, true, "Yes or No."),
      cat("work_type", "work_type", "work type", {"children", "Govt_job", "Never_worked", "Private", "Self-employed"},
          {"child", "government job", "never worked", "private sector", "self-employed"}, true,
          "children, Govt_job, Never_worked, Private or Self-employed."),
      cat("residence_type", "Residence_type", "residence", {"Rural", "Urban"}, {"rural", "urban"}, true,
          "Rural or Urban."),
      cont("avg_glucose_level", "avg_glucose_level", "average glucose", "mg/dL", 40, 400, true,
           "Average blood glucose level."),
      cont("bmi", "bmi", "BMI", "kg/m²", 10, 100, false, "Body mass index; leave out if unknown."),
      cat("smoking_status", "smoking_status", "smoking", {"formerly smoked", "never smoked", "smokes", "Unknown"},
          {"former smoker", "never smoked", "smoker", "unknown smoking status"}, true,
          "formerly smoked, never smoked, smokes or Unknown."),
  };
  return s;
}

bool parse_number(std::string_view raw, double& out) {
  if (raw.empty()) return false;
  if (raw.front() == '+') raw.remove_prefix(1);
  const auto* end = raw.data() + raw.size();
  auto [ptr, ec] = std::from_chars(raw.data(), end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out);
}

std::string format_number(double v) {
  char buf[32];
  // Up to 3 significant decimals, without trailing zeros.
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, std::round(v * 1000.0) / 1000.0);
  (void)ec;
  return std::string(buf, ptr);
}
}  // namespace

const Schema& schema_for(std::string_view name) {
  static const Schema heart = make_heart(), diabetes = make_diabetes(), stroke = make_stroke();
  if (name == "heart") return heart;
  if (name == "diabetes") return diabetes;
  if (name == "stroke") return stroke;
  throw std::invalid_argument("unknown model '" + std::string(name) + "' (heart, diabetes or stroke)");
}

std::vector<std::string> model_names() { return {"heart", "diabetes", "stroke"}; }

std::size_t Dataset::positives() const {
  return static_cast<std::size_t>(std::count(y.begin(), y.end(), 1));
}

bool is_missing_token(std::string_view raw) {
  return raw.empty() || raw == "?" || raw == "N/A" || raw == "NA" || raw == "nan" || raw == "NaN";
}

double encode_value(const FeatureSpec& f, std::string_view raw) {
  if (is_missing_token(raw)) return kNaN;
  if (f.kind == FeatureKind::categorical) {
    for (std::size_t k = 0; k < f.categories.size(); ++k)
      if (f.categories[k] == raw) return static_cast<double>(k);
    // Numeric codes may be written as "1.0" (UCI) or 1 (JSON).
    double v = 0;
    if (parse_number(raw, v)) {
      for (std::size_t k = 0; k < f.categories.size(); ++k) {
        double c = 0;
        if (parse_number(f.categories[k], c) && c == v) return static_cast<double>(k);
      }
    }
    throw std::invalid_argument("must be " + allowed_text(f));
  }
  double v = 0;
  if (!parse_number(raw, v)) throw std::invalid_argument("must be a number");
  if (f.zero_is_missing && v == 0) return kNaN;
  return v;
}

bool value_allowed(const FeatureSpec& f, double v) {
  if (std::isnan(v)) return !f.required;
  if (f.kind == FeatureKind::categorical) return v >= 0 && v < static_cast<double>(f.categories.size());
  return v >= f.min && v <= f.max;
}

std::string allowed_text(const FeatureSpec& f) {
  if (f.kind == FeatureKind::categorical) {
    std::string s = "one of: ";
    for (std::size_t k = 0; k < f.categories.size(); ++k) s += (k ? ", " : "") + f.categories[k];
    return s;
  }
  return format_number(f.min) + "–" + format_number(f.max) + (f.unit.empty() ? "" : " " + f.unit);
}

std::string value_text(const FeatureSpec& f, double v) {
  if (std::isnan(v)) return "not given";
  if (f.kind == FeatureKind::categorical) {
    const auto k = static_cast<std::size_t>(v);
    return k < f.category_labels.size() ? f.category_labels[k] : "?";
  }
  return format_number(v) + (f.unit.empty() ? "" : " " + f.unit);
}

Dataset parse_dataset(const Schema& schema, std::string_view csv_text) {
  auto rows = parse_csv(csv_text);
  if (rows.empty()) throw std::runtime_error("the data file is empty");
  std::vector<std::string> header;
  std::size_t first = 0, line_offset = 1;
  const bool looks_like_header = std::any_of(rows[0].begin(), rows[0].end(), [](const std::string& v) {
    return v == "age" || v == "Age" || v == "Outcome" || v == "stroke" || v == "num";
  });
  if (looks_like_header) {
    header = rows[0];
    first = 1;
  } else if (!schema.default_header.empty()) {
    header = schema.default_header;
    line_offset = 0;
  } else {
    throw std::runtime_error("the data file has no header line");
  }
  auto column_of = [&](const std::string& name) -> std::size_t {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw std::runtime_error("column '" + name + "' is missing from the header");
  };
  std::vector<std::size_t> cols;
  for (const auto& f : schema.features) cols.push_back(column_of(f.column));
  const std::size_t target = column_of(schema.target_column);

  Dataset d;
  d.schema = &schema;
  d.p = schema.features.size();
  for (std::size_t r = first; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const std::size_t line = r + line_offset;
    if (row.size() != header.size())
      throw std::runtime_error("line " + std::to_string(line) + ": " + std::to_string(row.size()) +
                               " fields, expected " + std::to_string(header.size()));
    for (std::size_t j = 0; j < cols.size(); ++j) {
      try {
        d.x.push_back(encode_value(schema.features[j], row[cols[j]]));
      } catch (const std::invalid_argument& e) {
        throw std::runtime_error("line " + std::to_string(line) + ", column " + schema.features[j].column +
                                 " ('" + row[cols[j]] + "'): " + e.what());
      }
    }
    double t = 0;
    if (!parse_number(row[target], t))
      throw std::runtime_error("line " + std::to_string(line) + ": the outcome '" + row[target] + "' is not a number");
    d.y.push_back(t > 0 ? 1 : 0);
    ++d.n;
  }
  return d;
}

XgbLayout xgb_layout(const Schema& schema) {
  XgbLayout l;
  for (std::size_t j = 0; j < schema.features.size(); ++j) {
    const auto& f = schema.features[j];
    if (f.kind == FeatureKind::categorical && f.categories.size() > 2) {
      for (const auto& c : f.categories) {
        l.columns.push_back(f.name + "=" + c);
        l.owner.push_back(j);
      }
    } else {
      l.columns.push_back(f.name);
      l.owner.push_back(j);
    }
  }
  return l;
}

void expand_for_xgb(const Schema& schema, const double* raw, float* out) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t j = 0; j < schema.features.size(); ++j) {
    const auto& f = schema.features[j];
    const double v = raw[j];
    if (f.kind == FeatureKind::categorical && f.categories.size() > 2) {
      for (std::size_t k = 0; k < f.categories.size(); ++k)
        *out++ = std::isnan(v) ? nan : (static_cast<std::size_t>(v) == k ? 1.0f : 0.0f);
    } else {
      *out++ = std::isnan(v) ? nan : static_cast<float>(v);
    }
  }
}

}  // namespace medcore::ml
