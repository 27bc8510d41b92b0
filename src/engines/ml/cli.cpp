#include "engines/ml/cli.hpp"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <iomanip>
#include <iostream>

#include "platform/core/crypto.hpp"
#include "engines/ml/csv.hpp"
#include "engines/ml/folds.hpp"
#include "engines/ml/metrics.hpp"
#include "engines/ml/predictor.hpp"
#include "engines/ml/training.hpp"

namespace medcore::ml {

struct TabularCli {
  CLI::App* train = nullptr;
  CLI::App* evaluate = nullptr;
  TrainOptions options;
  std::string models_dir = "models";
  double min_roc_auc = 0, min_pr_auc = 0;
};

namespace {
void add_floors(CLI::App* cmd, TabularCli& c) {
  cmd->add_option("--min-roc-auc", c.min_roc_auc, "Exit with status 3 when the (mean) ROC AUC is below this");
  cmd->add_option("--min-pr-auc", c.min_pr_auc, "Exit with status 3 when the (mean) PR AUC is below this");
}

int check_floors(const TabularCli& c, double roc, double pr) {
  int rc = 0;
  if (roc < c.min_roc_auc) {
    std::cerr << "FAIL: ROC AUC " << roc << " is below the floor " << c.min_roc_auc << "\n";
    rc = 3;
  }
  if (pr < c.min_pr_auc) {
    std::cerr << "FAIL: PR AUC " << pr << " is below the floor " << c.min_pr_auc << "\n";
    rc = 3;
  }
  return rc;
}

std::string command_line(const TrainOptions& o) {
  std::string s = "medcore train tabular --model " + o.model + " --data " + o.data_path + " --out " + o.out_dir;
  const TrainOptions d;
  if (o.repeats != d.repeats) s += " --repeats " + std::to_string(o.repeats);
  if (o.folds != d.folds) s += " --folds " + std::to_string(o.folds);
  if (o.inner_folds != d.inner_folds) s += " --inner-folds " + std::to_string(o.inner_folds);
  if (o.seed != d.seed) s += " --seed " + std::to_string(o.seed);
  if (!o.params_from.empty()) s += " --params-from " + o.params_from;
  return s;
}

int run_train(const TabularCli& c) {
  TrainOptions o = c.options;
  o.command = command_line(o);
  const auto r = train_tabular(o, std::cout);
  const auto& m = r.card.at("evaluation").at("metrics");
  return check_floors(c, m.at("roc_auc").at("mean").to_number<double>(), m.at("pr_auc").at("mean").to_number<double>());
}

int run_evaluate(const TabularCli& c) {
  const auto predictor = Predictor::load(c.models_dir, c.options.model);
  const Dataset d = parse_dataset(predictor->schema(), read_file(c.options.data_path));
  const auto p = predictor->probabilities(d);
  const double roc = roc_auc(d.y, p), pr = pr_auc(d.y, p), br = brier(d.y, p);
  const auto bins = calibration_bins(d.y, p);
  const double ece = expected_calibration_error(bins);
  // Spread: 200 seeded bootstrap resamples of the rows.
  std::vector<double> b_roc, b_pr, b_brier, b_ece;
  Rng rng(20240607);
  std::vector<int> by(d.n);
  std::vector<double> bp(d.n);
  for (int b = 0; b < 200; ++b) {
    for (std::size_t i = 0; i < d.n; ++i) {
      const auto k = rng.below(d.n);
      by[i] = d.y[k];
      bp[i] = p[k];
    }
    b_roc.push_back(roc_auc(by, bp));
    b_pr.push_back(pr_auc(by, bp));
    b_brier.push_back(brier(by, bp));
    b_ece.push_back(expected_calibration_error(calibration_bins(by, bp)));
  }
  auto& out = std::cout;
  out << std::fixed << std::setprecision(4);
  out << predictor->name() << " (" << predictor->version() << ") on " << c.options.data_path << ": " << d.n
      << " rows, " << d.positives() << " positives\n";
  out << "metric                       value    bootstrap sd\n";
  out << "roc_auc                      " << roc << "   " << spread_of(b_roc).sd << "\n";
  out << "pr_auc                       " << pr << "   " << spread_of(b_pr).sd << "\n";
  out << "brier                        " << br << "   " << spread_of(b_brier).sd << "\n";
  out << "calibration_error            " << ece << "   " << spread_of(b_ece).sd << "\n";
  const double tl = predictor->threshold_low_moderate(), th = predictor->threshold_moderate_high();
  const auto lo = confusion_at(d.y, p, tl), hi = confusion_at(d.y, p, th);
  out << "sensitivity_at_low_moderate  " << lo.sensitivity() << "   (threshold " << tl << ")\n";
  out << "specificity_at_low_moderate  " << lo.specificity() << "\n";
  out << "sensitivity_at_moderate_high " << hi.sensitivity() << "   (threshold " << th << ")\n";
  out << "specificity_at_moderate_high " << hi.specificity() << "\n";
  out << "calibration bins (predicted range: rows, mean predicted, observed rate)\n";
  for (const auto& bin : bins)
    if (bin.count)
      out << "  " << std::setprecision(1) << bin.lo << "-" << bin.hi << ": " << bin.count << ", " << std::setprecision(4)
          << bin.mean_predicted << ", " << bin.observed_rate << "\n";
  return check_floors(c, roc, pr);
}
}  // namespace

std::shared_ptr<TabularCli> add_tabular_commands(CLI::App* train, CLI::App* evaluate) {
  auto c = std::make_shared<TabularCli>();
  c->train = train->add_subcommand("tabular", "Train a tabular risk model with cross-validation and write its card");
  c->train->add_option("--model", c->options.model, "heart | diabetes | stroke")->required();
  c->train->add_option("--data", c->options.data_path, "The labelled CSV")->required();
  c->train->add_option("--out", c->options.out_dir, "Output directory")->capture_default_str();
  c->options.out_dir = "models";
  c->train->add_option("--repeats", c->options.repeats, "Outer CV repeats")->capture_default_str();
  c->train->add_option("--folds", c->options.folds, "Outer CV folds")->capture_default_str();
  c->train->add_option("--inner-folds", c->options.inner_folds, "Inner CV folds (search, thresholds)")->capture_default_str();
  c->train->add_option("--seed", c->options.seed, "Random seed")->capture_default_str();
  c->train->add_option("--params-from", c->options.params_from,
                       "Skip the search: use the hyper-parameters of this card.json");
  add_floors(c->train, *c);

  c->evaluate = evaluate->add_subcommand("tabular", "Score a trained model on a labelled CSV");
  c->evaluate->add_option("--model", c->options.model, "heart | diabetes | stroke")->required();
  c->evaluate->add_option("--data", c->options.data_path, "A labelled CSV with the training columns")->required();
  c->evaluate->add_option("--models-dir", c->models_dir, "Where the model and card are")->capture_default_str();
  add_floors(c->evaluate, *c);
  return c;
}

std::optional<int> run_tabular_command(const TabularCli& c) {
  if (!*c.train && !*c.evaluate) return std::nullopt;
  crypto::init();
  return *c.train ? run_train(c) : run_evaluate(c);
}

}  // namespace medcore::ml
