#include "engines/vision/cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "engines/vision/skin_classes.hpp"
#include "engines/vision/skin_data.hpp"
#include "engines/vision/skin_training.hpp"

namespace medcore::vision {

struct SkinCli {
  CLI::App* train = nullptr;
  CLI::App* evaluate = nullptr;
  SkinTrainOptions options;
  std::string model_dir = "models/skin", images_dir, split_file, metadata_file, split = "val";
  int threads = 0;
  double min_accuracy = 0, min_auc = 0, max_melanoma_routine = 1;
  std::string probabilities_csv;
  bool write_card = false;
};

std::shared_ptr<SkinCli> add_skin_commands(CLI::App* train, CLI::App* evaluate) {
  auto c = std::make_shared<SkinCli>();
  auto& o = c->options;
  c->train = train->add_subcommand("skin", "Train the skin lesion MobileNetV2 on HAM10000 (DermaMNIST split)");
  c->train->add_option("--data", o.data_dir, "Folder laid out like ../shared/datasets/skin_lesions_ham10000")->required();
  c->train->add_option("--out", o.out_dir, "Where weights.pt, card.json and card.md go")->capture_default_str();
  c->train->add_option("--size", o.input_size, "Input size in pixels")->capture_default_str()->check(CLI::Range(32, 512));
  c->train->add_option("--width", o.width, "Width multiplier")->capture_default_str()->check(CLI::Range(0.1, 2.0));
  c->train->add_option("--epochs", o.epochs, "Maximum epochs")->capture_default_str()->check(CLI::Range(1, 1000));
  c->train->add_option("--batch", o.batch, "Batch size")->capture_default_str()->check(CLI::Range(2, 1024));
  c->train->add_option("--lr", o.learning_rate, "Peak learning rate")->capture_default_str();
  c->train->add_option("--patience", o.patience, "Stop after this many epochs without a better val macro AUC")->capture_default_str();
  c->train->add_option("--max-minutes", o.max_minutes, "Wall-time budget")->capture_default_str();
  c->train->add_option("--seed", o.seed, "Random seed")->capture_default_str();
  c->train->add_option("--threads", o.threads, "CPU threads (0: all cores)")->capture_default_str();
  c->train->add_option("--limit", o.limit, "Use only the first N images of each split (smoke runs)");

  c->evaluate = evaluate->add_subcommand("skin", "Score the skin lesion model on a labelled image folder");
  c->evaluate->add_option("--model", c->model_dir, "Model folder (card.json + weights.pt)")->capture_default_str();
  c->evaluate->add_option("--images", c->images_dir, "Folder of IMAGE_ID.jpg files")->required();
  c->evaluate->add_option("--split-file", c->split_file, "CSV with split,index,image_id")->required();
  c->evaluate->add_option("--metadata", c->metadata_file,
                          "HAM10000 metadata CSV (default: HAM10000_metadata.csv beside the split file)");
  c->evaluate->add_option("--split", c->split, "Which split's rows to score (empty: all)")->capture_default_str();
  c->evaluate->add_option("--threads", c->threads, "CPU threads (0: all cores)");
  c->evaluate->add_option("--min-accuracy", c->min_accuracy, "Exit with status 3 when accuracy is below this");
  c->evaluate->add_option("--min-auc", c->min_auc, "Exit with status 3 when macro AUC is below this");
  c->evaluate->add_option("--max-melanoma-routine", c->max_melanoma_routine,
                          "Exit with status 3 when the served urgency rule tells more than this share of melanomas "
                          "'routine'");
  c->evaluate->add_flag("--write-card", c->write_card,
                        "Replace the urgency-rule section of the model's card.json / card.md with this evaluation's");
  c->evaluate->add_option("--probabilities-csv", c->probabilities_csv,
                          "Also write image_id, true class and the seven calibrated probabilities per image");
  return c;
}

namespace {

// Shortest form of a number as typed on a command line: 100, 0.75, 0.002.
std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string train_command(const SkinTrainOptions& o) {
  std::string s = "medcore train skin --data " + o.data_dir + " --out " + o.out_dir;
  const SkinTrainOptions d;
  if (o.input_size != d.input_size) s += " --size " + std::to_string(o.input_size);
  if (o.width != d.width) s += " --width " + number(o.width);
  if (o.epochs != d.epochs) s += " --epochs " + std::to_string(o.epochs);
  if (o.batch != d.batch) s += " --batch " + std::to_string(o.batch);
  if (o.learning_rate != d.learning_rate) s += " --lr " + number(o.learning_rate);
  if (o.patience != d.patience) s += " --patience " + std::to_string(o.patience);
  if (o.max_minutes != d.max_minutes) s += " --max-minutes " + number(o.max_minutes);
  if (o.seed != d.seed) s += " --seed " + std::to_string(o.seed);
  if (o.threads != d.threads) s += " --threads " + std::to_string(o.threads);
  if (o.limit) s += " --limit " + std::to_string(o.limit);
  return s;
}

void print_report(const SkinEvaluation& e) {
  const auto& r = e.report;
  std::cout << std::fixed << std::setprecision(4) << "images " << e.images << "\naccuracy " << r.accuracy
            << "\nmacro_auc " << r.macro_auc << "\nbalanced_accuracy " << r.balanced_accuracy << "\nlog_loss "
            << r.log_loss << "\nece " << r.ece << "\n\nclass   support  precision  recall   auc\n";
  for (int k = 0; k < skin_class_count; ++k) {
    const auto& c = r.classes[k];
    std::cout << std::left << std::setw(8) << skin_class_codes[k] << std::right << std::setw(7) << c.support
              << std::setw(11) << c.precision << std::setw(8) << c.recall << std::setw(8) << c.auc << "\n";
  }
  std::cout << "\nconfusion (rows truth, columns prediction: akiec bcc bkl df mel nv vasc)\n";
  for (int k = 0; k < skin_class_count; ++k) {
    std::cout << std::left << std::setw(6) << skin_class_codes[k] << std::right;
    for (auto v : r.confusion[k]) std::cout << std::setw(6) << v;
    std::cout << "\n";
  }
  std::cout << "\nurgency `prompt` (top class mel/bcc/akiec, or their share >= threshold) by threshold\n"
               "threshold  sensitivity  melanoma  melanoma told routine  others told prompt  others told routine\n";
  for (const auto& s : e.referral) {
    std::cout << std::left << std::setw(11) << (s.prompt_share > 1 ? std::string("top only") : number(s.prompt_share))
              << std::right << std::setw(11) << s.sensitivity << std::setw(10) << s.melanoma_sensitivity << std::setw(23)
              << s.melanoma_routine << std::setw(20) << s.others_prompt << std::setw(21) << s.others_routine
              << (s.prompt_share == skin_prompt_malignant_share ? "   <- served" : "") << "\n";
  }
  if (!e.referral.empty())
    std::cout << "(" << e.referral.front().needs_doctor << " mel/bcc/akiec images, " << e.referral.front().melanomas
              << " melanomas, " << e.referral.front().others << " others)\n";
}

}  // namespace

std::optional<int> run_skin_command(const SkinCli& c) {
  if (!*c.train && !*c.evaluate) return std::nullopt;
  if (*c.train) {
    SkinTrainOptions o = c.options;
    o.command = train_command(o);
    train_skin(o, std::cout);
    return 0;
  }
  const std::string metadata = c.metadata_file.empty()
                                   ? (std::filesystem::path(c.split_file).parent_path() / "HAM10000_metadata.csv").string()
                                   : c.metadata_file;
  const auto e = evaluate_skin(c.model_dir, c.images_dir, c.split_file, metadata, c.split, c.threads);
  print_report(e);
  if (c.write_card) write_urgency_to_card(c.model_dir, e, c.split.empty() ? "all" : c.split);
  if (!c.probabilities_csv.empty()) {
    std::ofstream out(c.probabilities_csv);
    out << "image_id,label";
    for (auto code : skin_class_codes) out << "," << code;
    out << "\n" << std::setprecision(6);
    for (std::size_t i = 0; i < e.images; ++i) {
      out << e.image_ids[i] << "," << skin_class_codes[e.labels[i]];
      for (double v : e.probabilities[i]) out << "," << v;
      out << "\n";
    }
    if (!out) {
      std::cerr << "cannot write " << c.probabilities_csv << "\n";
      return 1;
    }
  }
  int rc = 0;
  if (e.report.accuracy < c.min_accuracy) {
    std::cerr << "FAIL: accuracy " << e.report.accuracy << " is below the floor " << c.min_accuracy << "\n";
    rc = 3;
  }
  if (!(e.report.macro_auc >= c.min_auc)) {
    std::cerr << "FAIL: macro AUC " << e.report.macro_auc << " is below the floor " << c.min_auc << "\n";
    rc = 3;
  }
  const auto served = std::find_if(e.referral.begin(), e.referral.end(), [](const ReferralScore& s) {
    return s.prompt_share == skin_prompt_malignant_share;
  });
  if (served != e.referral.end() && served->melanomas > 0 && served->melanoma_routine > c.max_melanoma_routine) {
    std::cerr << "FAIL: the urgency rule tells " << served->melanoma_routine << " of melanomas 'routine', above "
              << c.max_melanoma_routine << "\n";
    rc = 3;
  }
  return rc;
}

}  // namespace medcore::vision
