#pragma once
// Training with honest evaluation: repeated stratified k-fold cross-validation around the whole
// procedure (hyper-parameter search by inner CV, thresholds from inner out-of-fold predictions,
// class weights from the training rows), then the same procedure once on all rows for the model
// that is shipped. Writes the model file and its cards (JSON + Markdown).
#include <boost/json/object.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "engines/ml/metrics.hpp"
#include "engines/ml/naive_bayes.hpp"
#include "engines/ml/schema.hpp"
#include "engines/ml/xgb.hpp"

namespace medcore::ml {

struct Candidate {
  NaiveBayesParams nb;
  XgbParams xgb;
  std::string label(ModelKind kind) const;
  boost::json::object to_json(ModelKind kind) const;
  static Candidate from_json(ModelKind kind, const boost::json::object& o);
};

// The fixed, documented search grid for each model.
std::vector<Candidate> search_grid(const Schema& schema);

struct TrainOptions {
  std::string model;
  std::string data_path;
  std::string out_dir;
  int repeats = 5;
  int folds = 10;
  int inner_folds = 5;
  std::uint64_t seed = 20240607;
  std::string params_from;  // a card.json: use its hyper-parameters instead of the search
  std::string command;      // the command line, for the card
};

// The band boundaries: low < t_low ≤ moderate < t_high ≤ high.
constexpr double kLowBoundarySensitivity = 0.85;
constexpr double kHighBoundarySpecificity = 0.90;

struct Thresholds {
  double low_moderate = 0, moderate_high = 0;
};
// Computed from out-of-fold predictions (never from the rows they are scored on).
Thresholds choose_thresholds(const std::vector<int>& y, const std::vector<double>& p);

struct TrainResult {
  boost::json::object card;
  std::string model_path, card_json_path, card_md_path;
};

// Runs everything and writes the three files into out_dir; progress lines go to `log`.
TrainResult train_tabular(const TrainOptions& options, std::ostream& log);

// The readable card, from the machine-readable one.
std::string card_markdown(const boost::json::object& card);

boost::json::object spread_json(const Spread& s);

}  // namespace medcore::ml
