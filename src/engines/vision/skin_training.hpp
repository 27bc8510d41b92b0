#pragma once
// `medcore train skin` and `medcore evaluate skin`: MobileNetV2 trained from scratch on the
// HAM10000 images of the DermaMNIST train split, early-stopped and calibrated on its validation
// split, written with a JSON + Markdown model card.
#include <boost/json/value.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "engines/vision/multiclass_metrics.hpp"
#include "engines/vision/skin_referral.hpp"

namespace medcore::vision {

struct SkinTrainOptions {
  std::string data_dir;  // the shared layout (see skin_data.hpp)
  std::string out_dir = "models/skin";
  int input_size = 128;
  double width = 1.0;
  int epochs = 60;
  int batch = 32;
  double learning_rate = 2e-3;
  double weight_decay = 0.05;
  int warmup_epochs = 2;
  int patience = 15;          // epochs without a better validation macro AUC before stopping
  double max_minutes = 110;   // stop (keeping the best epoch) when the next epoch would pass this
  double class_weight_power = 0.5;  // loss weight ∝ (class share)^−power: 0 plain, 1 fully balanced
  double label_smoothing = 0.05;
  double ema_decay = 0.999;   // the evaluated and saved weights are this moving average
  std::uint64_t seed = 20261124;
  int threads = 0;            // 0: every core
  std::size_t limit = 0;      // > 0: only the first `limit` images of each split (smoke runs)
  std::string command;        // the command line, for the card
};

// Trains, writes weights.pt, card.json and card.md into out_dir, and returns the card.
boost::json::value train_skin(const SkinTrainOptions& options, std::ostream& log);

struct SkinEvaluation {
  MulticlassReport report;
  std::vector<ReferralScore> referral;  // referral_table()
  std::size_t images = 0;
  // Per image, in split-file order: for anyone who wants to study other thresholds.
  std::vector<std::string> image_ids;
  std::vector<int> labels;
  ProbabilityRows probabilities;
};
SkinEvaluation evaluate_skin(const std::string& model_dir, const std::string& images_dir,
                             const std::string& split_file, const std::string& metadata_file,
                             const std::string& split, int threads);

std::string card_markdown(const boost::json::value& card);
// The served urgency rule scored on a split (card.json → evaluation → urgency_rule).
boost::json::value urgency_rule_json(const std::vector<ReferralScore>& table, const std::string& split, std::size_t images);
// `evaluate skin --write-card`: the urgency section of model_dir's card.json replaced by this
// evaluation's (the thresholds are server policy and change without retraining), card.md rewritten.
void write_urgency_to_card(const std::string& model_dir, const SkinEvaluation& e, const std::string& split);
boost::json::value report_json(const MulticlassReport& r);

}  // namespace medcore::vision
