#include "engines/ml/training.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <numeric>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "platform/core/crypto.hpp"
#include "engines/ml/csv.hpp"
#include "engines/ml/folds.hpp"
#include "engines/ml/json_text.hpp"

namespace medcore::ml {

namespace json = boost::json;

namespace {

double sigmoid(double m) { return 1.0 / (1.0 + std::exp(-m)); }

// Everything a fit needs, prepared once per data set.
struct Context {
  const Dataset& d;
  const Schema& schema;
  XgbLayout layout;
  std::vector<float> xgb_x;  // n × layout.columns.size(), for XGBoost
  bool weighted = false;     // stroke: class weights from each training set
};

class Fitted {
 public:
  virtual ~Fitted() = default;
  virtual std::vector<double> predict(const std::vector<std::size_t>& rows) const = 0;
};

class FittedNb final : public Fitted {
 public:
  FittedNb(const Context& c, NaiveBayes nb) : c_(c), nb_(std::move(nb)) {}
  std::vector<double> predict(const std::vector<std::size_t>& rows) const override {
    std::vector<double> p;
    p.reserve(rows.size());
    for (auto i : rows) p.push_back(nb_.probability(c_.d.row(i)));
    return p;
  }
  const NaiveBayes& model() const { return nb_; }

 private:
  const Context& c_;
  NaiveBayes nb_;
};

std::vector<float> gather(const Context& c, const std::vector<std::size_t>& rows) {
  const std::size_t cols = c.layout.columns.size();
  std::vector<float> x(rows.size() * cols);
  for (std::size_t r = 0; r < rows.size(); ++r)
    std::copy_n(c.xgb_x.data() + rows[r] * cols, cols, x.data() + r * cols);
  return x;
}

class FittedXgb final : public Fitted {
 public:
  FittedXgb(const Context& c, Booster b, double offset) : c_(c), b_(std::move(b)), offset_(offset) {}
  std::vector<double> predict(const std::vector<std::size_t>& rows) const override {
    const auto x = gather(c_, rows);
    const auto m = b_.margins({x.data(), rows.size(), c_.layout.columns.size()});
    std::vector<double> p(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) p[i] = sigmoid(static_cast<double>(m[i]) + offset_);
    return p;
  }
  const Booster& booster() const { return b_; }
  double offset() const { return offset_; }

 private:
  const Context& c_;
  Booster b_;
  double offset_;
};

// Weighting: scale_pos_weight = negatives / positives of the training rows. The weighted model's
// margin is then shifted by −log(scale_pos_weight) (the prior correction for re-weighted classes),
// so its probabilities again estimate the event rate instead of the re-weighted one.
std::unique_ptr<Fitted> fit(const Context& c, const std::vector<std::size_t>& rows, const Candidate& cand,
                            std::uint64_t seed) {
  if (c.schema.kind == ModelKind::naive_bayes)
    return std::make_unique<FittedNb>(c, NaiveBayes::fit(c.d, rows, cand.nb));
  const auto x = gather(c, rows);
  std::vector<float> labels;
  double pos = 0, neg = 0;
  for (auto i : rows) {
    labels.push_back(static_cast<float>(c.d.y[i]));
    (c.d.y[i] ? pos : neg) += 1;
  }
  const double spw = c.weighted ? neg / pos : 1.0;
  auto b = Booster::train({x.data(), rows.size(), c.layout.columns.size()}, labels, {}, cand.xgb, spw, seed);
  return std::make_unique<FittedXgb>(c, std::move(b), -std::log(spw));
}

std::vector<int> labels_of(const Dataset& d, const std::vector<std::size_t>& rows) {
  std::vector<int> y;
  for (auto i : rows) y.push_back(d.y[i]);
  return y;
}

struct Selection {
  std::size_t best = 0;
  std::vector<double> inner_auc;  // per candidate, mean over inner folds
  std::vector<double> oof;        // best candidate's out-of-fold probability, aligned with rows
};

// Inner CV over `rows`: the candidate with the highest mean ROC AUC wins (the first on ties).
Selection select(const Context& c, const std::vector<std::size_t>& rows, const std::vector<Candidate>& grid,
                 int k, std::uint64_t seed) {
  const auto splits = repeated_stratified_kfold(c.d.y, rows, k, 1, seed);
  std::map<std::size_t, std::size_t> position;
  for (std::size_t i = 0; i < rows.size(); ++i) position[rows[i]] = i;
  Selection s;
  std::vector<std::vector<double>> oof(grid.size(), std::vector<double>(rows.size(), 0));
  for (std::size_t g = 0; g < grid.size(); ++g) {
    std::vector<double> aucs;
    for (std::size_t f = 0; f < splits.size(); ++f) {
      auto m = fit(c, splits[f].train, grid[g], seed + f);
      const auto p = m->predict(splits[f].test);
      for (std::size_t t = 0; t < p.size(); ++t) oof[g][position[splits[f].test[t]]] = p[t];
      aucs.push_back(roc_auc(labels_of(c.d, splits[f].test), p));
    }
    s.inner_auc.push_back(spread_of(aucs).mean);
    if (s.inner_auc[g] > s.inner_auc[s.best]) s.best = g;
  }
  s.oof = std::move(oof[s.best]);
  return s;
}

std::string sha256_file(const std::string& path) { return crypto::sha256_hex(read_file(path)); }

json::array bins_json(const std::vector<CalibrationBin>& bins) {
  json::array a;
  for (const auto& b : bins)
    a.push_back(json::object{{"lo", round_to(b.lo, 2)},
                             {"hi", round_to(b.hi, 2)},
                             {"count", b.count},
                             {"mean_predicted", round_to(b.mean_predicted, 4)},
                             {"observed_rate", round_to(b.observed_rate, 4)}});
  return a;
}

std::string fmt(double v, int decimals = 3) {
  if (!std::isfinite(v)) return "n/a";
  std::ostringstream ss;
  ss << std::fixed << std::setprecision(decimals) << v;
  return ss.str();
}

std::string kind_text(ModelKind k) { return k == ModelKind::naive_bayes ? "naive_bayes" : "xgboost"; }

}  // namespace

boost::json::object spread_json(const Spread& s) {
  return json::object{{"mean", round_to(s.mean, 4)},
                      {"sd", round_to(s.sd, 4)},
                      {"min", round_to(s.min, 4)},
                      {"max", round_to(s.max, 4)},
                      {"folds", s.n}};
}

std::string Candidate::label(ModelKind kind) const {
  std::ostringstream ss;
  if (kind == ModelKind::naive_bayes) {
    ss << "alpha=" << nb.alpha;
  } else {
    ss << "depth=" << xgb.max_depth << " eta=" << xgb.eta << " rounds=" << xgb.rounds
       << " min_child_weight=" << xgb.min_child_weight;
  }
  return ss.str();
}

boost::json::object Candidate::to_json(ModelKind kind) const {
  if (kind == ModelKind::naive_bayes) return json::object{{"alpha", nb.alpha}};
  return json::object{{"max_depth", xgb.max_depth},         {"eta", xgb.eta},
                      {"rounds", xgb.rounds},               {"min_child_weight", xgb.min_child_weight},
                      {"subsample", xgb.subsample},         {"colsample_bytree", xgb.colsample_bytree},
                      {"lambda", xgb.lambda}};
}

Candidate Candidate::from_json(ModelKind kind, const boost::json::object& o) {
  Candidate c;
  if (kind == ModelKind::naive_bayes) {
    c.nb.alpha = o.at("alpha").to_number<double>();
    return c;
  }
  c.xgb.max_depth = static_cast<int>(o.at("max_depth").to_number<std::int64_t>());
  c.xgb.eta = o.at("eta").to_number<double>();
  c.xgb.rounds = static_cast<int>(o.at("rounds").to_number<std::int64_t>());
  c.xgb.min_child_weight = o.at("min_child_weight").to_number<double>();
  c.xgb.subsample = o.at("subsample").to_number<double>();
  c.xgb.colsample_bytree = o.at("colsample_bytree").to_number<double>();
  c.xgb.lambda = o.at("lambda").to_number<double>();
  return c;
}

std::vector<Candidate> search_grid(const Schema& schema) {
  std::vector<Candidate> grid;
  if (schema.kind == ModelKind::naive_bayes) {
    for (double a : {0.5, 1.0, 2.0}) {
      Candidate c;
      c.nb.alpha = a;
      grid.push_back(c);
    }
    return grid;
  }
  // Shallow trees, a slow learning rate, row and column subsampling: these are small data sets.
  // diabetes: depth {2, 3} × rounds {200, 500} at eta 0.02 × min_child_weight {1, 5} (8 candidates);
  // stroke (249 positives, weighted): depth {2, 3} × rounds {60, 150, 300} at eta 0.03,
  // min_child_weight 5 (6 candidates).
  const bool stroke = schema.name == "stroke";
  const std::vector<int> rounds = stroke ? std::vector<int>{60, 150, 300} : std::vector<int>{200, 500};
  const std::vector<double> mcws = stroke ? std::vector<double>{5.0} : std::vector<double>{1.0, 5.0};
  for (int depth : {2, 3})
    for (int r : rounds)
      for (double mcw : mcws) {
        Candidate c;
        c.xgb.max_depth = depth;
        c.xgb.eta = stroke ? 0.03 : 0.02;
        c.xgb.rounds = r;
        c.xgb.min_child_weight = mcw;
        c.xgb.subsample = 0.8;
        c.xgb.colsample_bytree = 0.8;
        c.xgb.lambda = 1.0;
        grid.push_back(c);
      }
  return grid;
}

Thresholds choose_thresholds(const std::vector<int>& y, const std::vector<double>& p) {
  Thresholds t;
  t.low_moderate = threshold_for_sensitivity(y, p, kLowBoundarySensitivity);
  t.moderate_high = std::max(t.low_moderate, threshold_for_specificity(y, p, kHighBoundarySpecificity));
  return t;
}

TrainResult train_tabular(const TrainOptions& o, std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  const Schema& schema = schema_for(o.model);
  const std::string text = read_file(o.data_path);
  const Dataset d = parse_dataset(schema, text);
  Context c{d, schema, xgb_layout(schema), {}, schema.name == "stroke"};
  if (schema.kind == ModelKind::xgboost) {
    const std::size_t cols = c.layout.columns.size();
    c.xgb_x.resize(d.n * cols);
    for (std::size_t i = 0; i < d.n; ++i) expand_for_xgb(schema, d.row(i), c.xgb_x.data() + i * cols);
  }
  std::vector<Candidate> grid;
  if (!o.params_from.empty()) {
    const auto card = json::parse(read_file(o.params_from)).as_object();
    grid.push_back(Candidate::from_json(schema.kind, card.at("hyperparameters").as_object()));
  } else {
    grid = search_grid(schema);
  }
  log << o.model << ": " << d.n << " rows, " << d.positives() << " positives; " << o.repeats << "x" << o.folds
      << "-fold outer CV, " << o.inner_folds << "-fold inner CV over " << grid.size() << " candidate(s)\n";

  std::vector<std::size_t> all(d.n);
  std::iota(all.begin(), all.end(), std::size_t{0});
  const auto splits = repeated_stratified_kfold(d.y, all, o.folds, o.repeats, o.seed);
  std::map<std::string, std::vector<double>> per_fold;
  std::vector<int> pooled_y;
  std::vector<double> pooled_p;
  std::vector<std::size_t> wins(grid.size(), 0);
  for (std::size_t f = 0; f < splits.size(); ++f) {
    const auto& s = splits[f];
    const auto sel = select(c, s.train, grid, o.inner_folds, o.seed + 1000 + f);
    ++wins[sel.best];
    const auto th = choose_thresholds(labels_of(d, s.train), sel.oof);
    const auto m = fit(c, s.train, grid[sel.best], o.seed + f);
    const auto p = m->predict(s.test);
    const auto y = labels_of(d, s.test);
    per_fold["roc_auc"].push_back(roc_auc(y, p));
    per_fold["pr_auc"].push_back(pr_auc(y, p));
    per_fold["brier"].push_back(brier(y, p));
    per_fold["calibration_error"].push_back(expected_calibration_error(calibration_bins(y, p)));
    const auto lo = confusion_at(y, p, th.low_moderate), hi = confusion_at(y, p, th.moderate_high);
    per_fold["sensitivity_at_low_moderate"].push_back(lo.sensitivity());
    per_fold["specificity_at_low_moderate"].push_back(lo.specificity());
    per_fold["sensitivity_at_moderate_high"].push_back(hi.sensitivity());
    per_fold["specificity_at_moderate_high"].push_back(hi.specificity());
    per_fold["ppv_at_moderate_high"].push_back(hi.ppv());
    per_fold["npv_at_low_moderate"].push_back(lo.npv());
    per_fold["threshold_low_moderate"].push_back(th.low_moderate);
    per_fold["threshold_moderate_high"].push_back(th.moderate_high);
    pooled_y.insert(pooled_y.end(), y.begin(), y.end());
    pooled_p.insert(pooled_p.end(), p.begin(), p.end());
    log << "  fold " << (f + 1) << "/" << splits.size() << ": ROC AUC " << fmt(per_fold["roc_auc"].back())
        << ", PR AUC " << fmt(per_fold["pr_auc"].back()) << "  [" << grid[sel.best].label(schema.kind) << "]\n"
        << std::flush;
  }

  // The shipped model: the same procedure once on every row.
  const auto sel = select(c, all, grid, o.inner_folds, o.seed + 999);
  const auto th = choose_thresholds(d.y, sel.oof);
  const auto final_model = fit(c, all, grid[sel.best], o.seed);
  std::filesystem::create_directories(o.out_dir);
  const std::string base = (std::filesystem::path(o.out_dir) / o.model).string();
  TrainResult r{{}, base + ".model.json", base + ".card.json", base + ".card.md"};
  double logit_offset = 0;
  if (schema.kind == ModelKind::naive_bayes) {
    auto nbj = static_cast<const FittedNb&>(*final_model).model().to_json();
    json::array names;
    for (const auto& f : schema.features) names.push_back(json::string(f.name));
    nbj["feature_names"] = std::move(names);
    std::ofstream(r.model_path, std::ios::binary) << pretty_json(nbj);
  } else {
    const auto& fx = static_cast<const FittedXgb&>(*final_model);
    fx.booster().save(r.model_path);
    logit_offset = fx.offset();
  }
  const auto oof_lo = confusion_at(d.y, sel.oof, th.low_moderate), oof_hi = confusion_at(d.y, sel.oof, th.moderate_high);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string model_sha = sha256_file(r.model_path);

  json::object card;
  card["name"] = schema.name;
  card["title"] = schema.title;
  card["version"] = schema.name + "-" + model_sha.substr(0, 12);
  card["algorithm"] = schema.kind == ModelKind::naive_bayes
                          ? "Naive Bayes (Gaussian for continuous features, Laplace-smoothed categorical for discrete "
                            "ones), written in medcore"
                          : "Gradient-boosted trees, XGBoost " + xgboost_version() + " binary:logistic (hist, nthread 1)";
  card["kind"] = kind_text(schema.kind);
  card["model_file"] = o.model + ".model.json";
  card["model_sha256"] = model_sha;
  card["hyperparameters"] = grid[sel.best].to_json(schema.kind);
  card["logit_offset"] = logit_offset;
  if (c.weighted) {
    std::size_t pos = d.positives();
    card["class_weighting"] = json::object{
        {"method", "scale_pos_weight = negatives / positives of the training rows (computed inside every fold)"},
        {"scale_pos_weight_final", round_to(static_cast<double>(d.n - pos) / static_cast<double>(pos), 4)},
        {"prior_correction", "probability = sigmoid(margin + logit_offset), logit_offset = -log(scale_pos_weight)"}};
  }
  card["outcome"] = schema.outcome;
  card["target_rule"] = schema.target_rule;
  {
    json::array missing;
    json::object data{{"file", o.data_path},
                      {"sha256", crypto::sha256_hex(text)},
                      {"rows", d.n},
                      {"positives", d.positives()},
                      {"provenance", "../shared/datasets/PROVENANCE.md"}};
    json::object miss;
    for (std::size_t j = 0; j < d.p; ++j) {
      std::size_t m = 0;
      for (std::size_t i = 0; i < d.n; ++i) m += std::isnan(d.row(i)[j]) ? 1 : 0;
      if (m) miss[schema.features[j].name] = m;
    }
    data["missing_values"] = std::move(miss);
    card["data"] = std::move(data);
  }
  json::array feats;
  for (const auto& f : schema.features) {
    json::object fj{{"name", f.name}, {"column", f.column}, {"label", f.label}, {"unit", f.unit},
                    {"kind", f.kind == FeatureKind::continuous ? "continuous" : "categorical"},
                    {"required", f.required}, {"help", f.help}};
    if (f.kind == FeatureKind::continuous) {
      fj["min"] = f.min;
      fj["max"] = f.max;
      if (f.zero_is_missing) fj["zero_means_missing_in_data"] = true;
    } else {
      json::array cats, labels;
      for (const auto& v : f.categories) cats.push_back(json::string(v));
      for (const auto& v : f.category_labels) labels.push_back(json::string(v));
      fj["categories"] = std::move(cats);
      fj["category_labels"] = std::move(labels);
    }
    feats.push_back(std::move(fj));
  }
  card["features"] = std::move(feats);
  {
    json::object metrics;
    for (const auto& [k, v] : per_fold) metrics[k] = spread_json(spread_of(v));
    json::array grid_j;
    for (std::size_t g = 0; g < grid.size(); ++g) {
      auto cj = grid[g].to_json(schema.kind);
      cj["outer_folds_won"] = wins[g];
      cj["inner_auc_on_all_rows"] = round_to(sel.inner_auc[g], 4);
      grid_j.push_back(std::move(cj));
    }
    card["evaluation"] = json::object{
        {"scheme", std::to_string(o.repeats) + " x " + std::to_string(o.folds) +
                       "-fold repeated stratified cross-validation; inside each outer training set: " +
                       std::to_string(o.inner_folds) +
                       "-fold stratified CV picks the hyper-parameters (highest mean ROC AUC) and its out-of-fold "
                       "predictions set the thresholds; metrics are computed on the outer test fold only"},
        {"repeats", o.repeats},
        {"folds", o.folds},
        {"inner_folds", o.inner_folds},
        {"seed", o.seed},
        {"hyperparameter_search", o.params_from.empty() ? "grid" : "fixed (from " + o.params_from + ")"},
        {"grid", std::move(grid_j)},
        {"metrics", std::move(metrics)},
        {"calibration_bins_pooled", bins_json(calibration_bins(pooled_y, pooled_p))},
    };
  }
  card["thresholds"] = json::object{
      {"low_moderate", round_to(th.low_moderate, 6)},
      {"moderate_high", round_to(th.moderate_high, 6)},
      {"policy",
       "low/moderate: the highest probability at which at least 85% of the positive cases score at or above it "
       "(sensitivity >= 0.85), so 'low' misses at most ~15% of cases; moderate/high: the lowest probability at "
       "which at least 90% of the negative cases score below it (specificity >= 0.90). Both come from "
       "out-of-fold predictions of the final selection CV on all rows."},
      {"out_of_fold_check",
       json::object{{"sensitivity_at_low_moderate", round_to(oof_lo.sensitivity(), 4)},
                    {"specificity_at_low_moderate", round_to(oof_lo.specificity(), 4)},
                    {"sensitivity_at_moderate_high", round_to(oof_hi.sensitivity(), 4)},
                    {"specificity_at_moderate_high", round_to(oof_hi.specificity(), 4)}}}};
  card["intended_use"] =
      "Decision support and patient education: an estimate of how strongly the given measurements resemble the "
      "positive cases of the training data, with the factors behind it. Not a diagnosis; not for triage or "
      "treatment decisions without a clinician.";
  json::array limits;
  if (schema.name == "heart")
    limits = {"303 patients referred for angiography in Cleveland (1981-1984); 68% men; mostly aged 29-77. The "
              "outcome is angiographic narrowing, so the population is already suspected of heart disease: "
              "probabilities do not transfer to the general population.",
              "Naive Bayes assumes the features are independent given the outcome; they are not (e.g. thalach and "
              "age), so probabilities tend to be too extreme even when the ranking is good.",
              "Small sample: each test fold holds about 30 patients, so fold metrics vary widely (see the sd)."};
  else if (schema.name == "diabetes")
    limits = {"768 Pima Indian women aged 21 or older near Phoenix, Arizona; not validated for men, children or "
              "other populations.",
              "Glucose is the 2-hour value of an oral glucose tolerance test, not a fasting or random glucose.",
              "Zeros in glucose, blood pressure, skinfold, insulin and BMI are missing values; insulin is missing in "
              "49% and skinfold in 30% of rows."};
  else
    limits = {"Kaggle data set of unknown origin (described as confidential); educational and research use only.",
              "Only 249 strokes in 5,110 rows: PR AUC and sensitivity vary between folds; ages include children.",
              "Cross-sectional: 'stroke' is a recorded history, not a prospective risk over a fixed time; the "
              "probability is not a 10-year risk score.",
              "Trained with class weighting; probabilities are corrected back by -log(scale_pos_weight), which is "
              "approximate for trees: check the calibration bins."};
  card["limits"] = std::move(limits);
  card["training"] = json::object{{"command", o.command},
                                  {"wall_seconds", round_to(wall, 1)},
                                  {"xgboost", xgboost_version()},
                                  {"threads", 1},
                                  {"reproducible", "same command, same data, same model file and metrics"}};
  std::ofstream(r.card_json_path, std::ios::binary) << pretty_json(card);
  std::ofstream(r.card_md_path, std::ios::binary) << card_markdown(card);
  log << o.model << ": ROC AUC " << fmt(card["evaluation"].at("metrics").at("roc_auc").at("mean").to_number<double>())
      << " ± " << fmt(card["evaluation"].at("metrics").at("roc_auc").at("sd").to_number<double>()) << "; chose "
      << grid[sel.best].label(schema.kind) << "; wrote " << r.model_path << ", " << r.card_json_path << ", "
      << r.card_md_path << " in " << fmt(wall, 1) << " s\n";
  r.card = std::move(card);
  return r;
}

std::string card_markdown(const boost::json::object& card) {
  std::ostringstream md;
  auto str = [](const json::value& v) -> std::string {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_double()) return compact_json(v);
    return json::serialize(v);
  };
  auto num = [](const json::value& v) { return v.to_number<double>(); };
  md << "# Model card: " << str(card.at("title")) << "\n\n";
  md << "- **Model**: `" << str(card.at("name")) << "`, version `" << str(card.at("version")) << "`\n";
  md << "- **Algorithm**: " << str(card.at("algorithm")) << "\n";
  md << "- **Model file**: `models/" << str(card.at("model_file")) << "` (sha256 `" << str(card.at("model_sha256"))
     << "`)\n";
  md << "- **Predicts**: " << str(card.at("outcome")) << " (target: " << str(card.at("target_rule")) << ")\n";
  md << "- **Hyper-parameters**: `" << compact_json(card.at("hyperparameters")) << "`\n";
  if (card.contains("class_weighting")) {
    const auto& w = card.at("class_weighting").as_object();
    md << "- **Class imbalance**: " << str(w.at("method")) << "; final scale_pos_weight "
       << str(w.at("scale_pos_weight_final")) << "; " << str(w.at("prior_correction")) << "\n";
  }
  md << "\n## Intended use\n\n" << str(card.at("intended_use")) << "\n";
  md << "\n## Data\n\n";
  const auto& data = card.at("data").as_object();
  md << "- File: `" << str(data.at("file")) << "` (sha256 `" << str(data.at("sha256")) << "`); provenance in "
     << str(data.at("provenance")) << "\n";
  md << "- Rows: " << str(data.at("rows")) << ", positives: " << str(data.at("positives")) << "\n";
  md << "- Missing values: ";
  bool first = true;
  for (const auto& kv : data.at("missing_values").as_object()) {
    md << (first ? "" : ", ") << kv.key() << " " << str(kv.value());
    first = false;
  }
  md << (first ? "none" : "") << "\n";
  md << "\n## Features\n\n| name | meaning | unit | allowed | required |\n| --- | --- | --- | --- | --- |\n";
  for (const auto& fv : card.at("features").as_array()) {
    const auto& f = fv.as_object();
    std::string allowed;
    if (f.contains("min")) {
      allowed = fmt(num(f.at("min")), 2) + " – " + fmt(num(f.at("max")), 2);
    } else {
      const auto& cats = f.at("categories").as_array();
      const auto& labels = f.at("category_labels").as_array();
      for (std::size_t k = 0; k < cats.size(); ++k)
        allowed += (k ? ", " : "") + std::string("`") + str(cats[k]) + "` " + str(labels[k]);
    }
    md << "| `" << str(f.at("name")) << "` | " << str(f.at("help")) << " | " << str(f.at("unit")) << " | " << allowed
       << " | " << (f.at("required").as_bool() ? "yes" : "no") << " |\n";
  }
  const auto& ev = card.at("evaluation").as_object();
  md << "\n## Evaluation\n\n" << str(ev.at("scheme")) << ". Seed " << str(ev.at("seed"))
     << ". Hyper-parameter search: " << str(ev.at("hyperparameter_search")) << ".\n\n";
  md << "| metric | mean | sd | min | max | folds |\n| --- | --- | --- | --- | --- | --- |\n";
  for (const auto& kv : ev.at("metrics").as_object()) {
    const auto& m = kv.value().as_object();
    md << "| " << kv.key() << " | " << fmt(num(m.at("mean"))) << " | " << fmt(num(m.at("sd"))) << " | "
       << fmt(num(m.at("min"))) << " | " << fmt(num(m.at("max"))) << " | " << str(m.at("folds")) << " |\n";
  }
  md << "\nCandidates (the grid) and how often each won the inner search:\n\n";
  for (const auto& g : ev.at("grid").as_array()) md << "- `" << compact_json(g) << "`\n";
  md << "\nCalibration (all outer test folds pooled):\n\n| predicted | rows | mean predicted | observed |\n"
        "| --- | --- | --- | --- |\n";
  for (const auto& bv : ev.at("calibration_bins_pooled").as_array()) {
    const auto& b = bv.as_object();
    if (b.at("count").to_number<double>() == 0) continue;
    md << "| " << fmt(num(b.at("lo")), 1) << "–" << fmt(num(b.at("hi")), 1) << " | " << str(b.at("count")) << " | "
       << fmt(num(b.at("mean_predicted"))) << " | " << fmt(num(b.at("observed_rate"))) << " |\n";
  }
  const auto& th = card.at("thresholds").as_object();
  md << "\n## Risk bands\n\n- low: probability < " << fmt(num(th.at("low_moderate")), 4)
     << "\n- moderate: " << fmt(num(th.at("low_moderate")), 4) << " ≤ probability < "
     << fmt(num(th.at("moderate_high")), 4) << "\n- high: probability ≥ " << fmt(num(th.at("moderate_high")), 4)
     << "\n\nWhy: " << str(th.at("policy")) << "\n\nOn those out-of-fold predictions: ";
  for (const auto& kv : th.at("out_of_fold_check").as_object()) md << kv.key() << " " << str(kv.value()) << "; ";
  md << "\n\nIn the outer CV each fold's thresholds were chosen the same way on its own training rows; the "
        "sensitivity/specificity rows of the table above are those thresholds applied to the unseen test fold.\n";
  md << "\n## Limits\n\n";
  for (const auto& l : card.at("limits").as_array()) md << "- " << str(l) << "\n";
  const auto& tr = card.at("training").as_object();
  md << "\n## Reproduce\n\n```sh\n" << str(tr.at("command")) << "\n```\n\nWall time " << str(tr.at("wall_seconds"))
     << " s on " << str(tr.at("threads")) << " thread (XGBoost " << str(tr.at("xgboost"))
     << "). The same command on the same data gives the same model file and metrics.\n";
  md << "\n*Every number on this card was produced by the command above; it is generated, do not edit by hand.*\n";
  return md.str();
}

}  // namespace medcore::ml
