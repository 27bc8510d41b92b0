#include "engines/vision/skin_training.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <numbers>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "engines/ml/csv.hpp"
#include "engines/ml/json_text.hpp"
#include "engines/vision/mobilenet_v2.hpp"
#include "engines/vision/skin_data.hpp"
#include "engines/vision/skin_model.hpp"
#include "engines/vision/tensors.hpp"

namespace json = boost::json;
namespace F = torch::nn::functional;

namespace medcore::vision {

namespace {

using Clock = std::chrono::steady_clock;
double minutes_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count() / 60; }

// Decodes every image and resizes it to the network input, on `threads` threads.
torch::Tensor load_inputs(const std::vector<LabelledImage>& rows, int size, int threads) {
  auto out = torch::empty({static_cast<std::int64_t>(rows.size()), size, size, 3}, torch::kUInt8);
  std::vector<std::string> errors(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < rows.size() && errors[t].empty(); i += threads) {
        try {
          const std::string bytes = ml::read_file(rows[i].path);
          auto decoded = decode_image({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
          if (!decoded.image) throw std::runtime_error(rows[i].path + ": " + std::string(describe(decoded.error)));
          const RgbImage input = to_model_input(*decoded.image, size);
          std::memcpy(out[static_cast<std::int64_t>(i)].data_ptr<std::uint8_t>(), input.pixels.data(), input.pixels.size());
        } catch (const std::exception& e) {
          errors[t] = e.what();
        }
      }
    });
  for (auto& th : pool) th.join();
  for (const auto& e : errors)
    if (!e.empty()) throw std::runtime_error(e);
  return out;
}

torch::Tensor labels_of(const std::vector<LabelledImage>& rows) {
  std::vector<std::int64_t> y;
  for (const auto& r : rows) y.push_back(r.label);
  return torch::tensor(y, torch::kLong);
}

// Dermatoscopic images have no up or left: any rotation, both flips, a little zoom and shift, and
// mild brightness / contrast / saturation changes (lighting and camera differences).
torch::Tensor augment(const torch::Tensor& x) {
  const auto n = x.size(0);
  const auto angle = torch::rand({n}) * (2 * std::numbers::pi);
  const auto zoom = 0.9 + torch::rand({n}) * 0.25;
  const auto flip = torch::where(torch::rand({n}) < 0.5, torch::full({n}, -1.0), torch::full({n}, 1.0));
  const auto shift = (torch::rand({n, 2}) - 0.5) * 0.1;
  const auto c = torch::cos(angle) / zoom, s = torch::sin(angle) / zoom;
  const auto theta = torch::stack({torch::stack({c * flip, -s, shift.select(1, 0)}, 1),
                                   torch::stack({s * flip, c, shift.select(1, 1)}, 1)},
                                  1)
                         .to(torch::kFloat);
  const auto grid = F::affine_grid(theta, x.sizes(), false);
  auto out = F::grid_sample(x, grid, F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kReflection).align_corners(false));
  const auto jitter = [n](double amount) { return (1 - amount + torch::rand({n, 1, 1, 1}) * (2 * amount)); };
  out = out * jitter(0.12);
  const auto grey = (out.select(1, 0) * 0.299 + out.select(1, 1) * 0.587 + out.select(1, 2) * 0.114).unsqueeze(1);
  const auto grey_mean = grey.mean({2, 3}, true);
  out = (out - grey_mean) * jitter(0.12) + grey_mean;
  out = (out - grey) * jitter(0.15) + grey;
  return out.clamp(0, 1);
}

torch::Tensor predict_logits(MobileNetV2Impl& net, const torch::Tensor& images_u8, const SkinModelConfig& c,
                             bool flips) {
  c10::InferenceMode guard;
  std::vector<torch::Tensor> parts;
  for (std::int64_t i = 0; i < images_u8.size(0); i += 128) {
    const auto chunk = images_u8.slice(0, i, std::min(i + 128, images_u8.size(0)));
    parts.push_back(logits_of(net, normalise(to_float_nchw(chunk), c), flips));
  }
  return torch::cat(parts);
}

std::vector<int> int_labels(const std::vector<LabelledImage>& rows) {
  std::vector<int> y;
  for (const auto& r : rows) y.push_back(r.label);
  return y;
}

void copy_weights(torch::nn::Module& to, const torch::nn::Module& from) {
  torch::NoGradGuard g;
  auto tp = to.parameters(), fp = from.parameters();
  for (std::size_t i = 0; i < tp.size(); ++i) tp[i].copy_(fp[i]);
  auto tb = to.buffers(), fb = from.buffers();
  for (std::size_t i = 0; i < tb.size(); ++i) tb[i].copy_(fb[i]);
}

void ema_update(torch::nn::Module& ema, const torch::nn::Module& model, double decay) {
  torch::NoGradGuard g;
  auto ep = ema.parameters(), mp = model.parameters();
  for (std::size_t i = 0; i < ep.size(); ++i) ep[i].mul_(decay).add_(mp[i], 1 - decay);
  auto eb = ema.buffers(), mb = model.buffers();
  for (std::size_t i = 0; i < eb.size(); ++i) {
    if (eb[i].is_floating_point())
      eb[i].mul_(decay).add_(mb[i], 1 - decay);
    else
      eb[i].copy_(mb[i]);
  }
}

json::array matrix_json(const std::vector<std::vector<std::size_t>>& m) {
  json::array rows;
  for (const auto& r : m) {
    json::array a;
    for (auto v : r) a.emplace_back(v);
    rows.push_back(std::move(a));
  }
  return rows;
}

std::string fixed(double v, int d) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(d) << v;
  return s.str();
}

}  // namespace

json::value report_json(const MulticlassReport& r) {
  json::object classes;
  for (int k = 0; k < skin_class_count; ++k) {
    const auto& c = r.classes[k];
    classes[std::string(skin_class_codes[k])] = {{"support", c.support},
                                                 {"precision", ml::round_to(c.precision, 4)},
                                                 {"recall", ml::round_to(c.recall, 4)},
                                                 {"auc", std::isnan(c.auc) ? json::value(nullptr) : json::value(ml::round_to(c.auc, 4))}};
  }
  return json::object{{"images", r.n},
                      {"accuracy", ml::round_to(r.accuracy, 4)},
                      {"macro_auc", ml::round_to(r.macro_auc, 4)},
                      {"balanced_accuracy", ml::round_to(r.balanced_accuracy, 4)},
                      {"log_loss", ml::round_to(r.log_loss, 4)},
                      {"ece", ml::round_to(r.ece, 4)},
                      {"classes", std::move(classes)},
                      {"confusion_matrix", matrix_json(r.confusion)}};
}

json::value train_skin(const SkinTrainOptions& o, std::ostream& log) {
  const auto t0 = Clock::now();
  keep_large_allocations();
  const int threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  at::set_num_threads(threads);
  torch::manual_seed(o.seed);

  const auto paths = dataset_paths(o.data_dir);
  auto train_rows = read_labelled_images(paths.images_dir, paths.split_file, paths.metadata_file, "train");
  auto val_rows = read_labelled_images(paths.images_dir, paths.split_file, paths.metadata_file, "val");
  if (o.limit) {
    train_rows.resize(std::min(train_rows.size(), o.limit));
    val_rows.resize(std::min(val_rows.size(), o.limit));
  }
  if (train_rows.empty() || val_rows.empty()) throw std::runtime_error("no train or val images in " + paths.split_file);
  log << "loading " << train_rows.size() << " train + " << val_rows.size() << " val images at " << o.input_size
      << " px" << std::endl;
  const auto train_x = load_inputs(train_rows, o.input_size, threads);
  const auto val_x = load_inputs(val_rows, o.input_size, threads);
  const auto train_y = labels_of(train_rows);
  const std::vector<int> val_y = int_labels(val_rows);
  log << "loaded in " << fixed(minutes_since(t0) * 60, 1) << " s" << std::endl;

  SkinModelConfig config;
  config.input_size = o.input_size;
  config.width = o.width;
  {
    const auto x = train_x.to(torch::kFloat).div_(255.0);
    const auto mean = x.mean({0, 1, 2}), sd = x.std({0, 1, 2});
    for (int c = 0; c < 3; ++c) {
      config.mean[c] = ml::round_to(mean[c].item<double>(), 4);
      config.std[c] = ml::round_to(sd[c].item<double>(), 4);
    }
  }
  // Loss weights ∝ share^−power, scaled so the average training image weighs 1.
  std::array<double, skin_class_count> counts{};
  for (const auto& r : train_rows) counts[r.label] += 1;
  double norm = 0;
  for (int k = 0; k < skin_class_count; ++k) {
    const double share = std::max(counts[k], 1.0) / train_rows.size();
    config.class_weights[k] = std::pow(share, -o.class_weight_power);
    norm += counts[k] * config.class_weights[k];
  }
  for (auto& w : config.class_weights) w = ml::round_to(w * train_rows.size() / norm, 4);
  const auto loss_weights = torch::tensor(std::vector<double>(config.class_weights.begin(), config.class_weights.end()), torch::kFloat);

  const MobileNetV2Options net_options{o.width, skin_class_count, 0.2};
  MobileNetV2 net(net_options), ema(net_options);
  to_channels_last(*net);
  to_channels_last(*ema);
  copy_weights(*ema, *net);
  ema->eval();
  torch::optim::AdamW optimiser(net->parameters(),
                                torch::optim::AdamWOptions(o.learning_rate).weight_decay(o.weight_decay));

  const std::int64_t n = train_x.size(0);
  const std::int64_t steps_per_epoch = std::max<std::int64_t>(1, n / o.batch);  // drop the ragged last batch
  const std::int64_t total_steps = steps_per_epoch * o.epochs;
  const std::int64_t warmup_steps = steps_per_epoch * o.warmup_epochs;
  const auto learning_rate_at = [&](std::int64_t step) {
    if (step < warmup_steps) return o.learning_rate * (step + 1) / warmup_steps;
    const double progress = static_cast<double>(step - warmup_steps) / std::max<std::int64_t>(1, total_steps - warmup_steps);
    return o.learning_rate * (0.01 + 0.99 * 0.5 * (1 + std::cos(std::numbers::pi * progress)));
  };

  double best_auc = -1;
  int best_epoch = 0, epochs_run = 0;
  std::string best_weights;
  json::array history;
  std::int64_t step = 0;
  std::string stopped_because = "epochs";
  double epoch_minutes = 0;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    if (epoch > 1 && minutes_since(t0) + epoch_minutes > o.max_minutes) {
      stopped_because = "time budget";
      break;
    }
    const auto epoch_start = Clock::now();
    net->train();
    const auto order = torch::randperm(n, torch::kLong);
    double loss_sum = 0;
    for (std::int64_t b = 0; b < steps_per_epoch; ++b, ++step) {
      for (auto& group : optimiser.param_groups())
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(learning_rate_at(step));
      const auto idx = order.slice(0, b * o.batch, (b + 1) * o.batch);
      const auto x = normalise(augment(to_float_nchw(train_x.index_select(0, idx))), config);
      const auto y = train_y.index_select(0, idx);
      const auto loss = F::cross_entropy(net->forward(x), y,
                                         F::CrossEntropyFuncOptions().weight(loss_weights).label_smoothing(o.label_smoothing));
      optimiser.zero_grad();
      loss.backward();
      optimiser.step();
      // Early steps average over fewer updates so the moving average does not start from noise.
      ema_update(*ema, *net, std::min(o.ema_decay, (1.0 + step) / (10.0 + step)));
      loss_sum += loss.item<double>();
    }
    const auto val_p = rows_of(torch::softmax(predict_logits(*ema, val_x, config, false), 1));
    const auto r = score_multiclass(val_y, val_p, skin_class_count);
    epochs_run = epoch;
    epoch_minutes = minutes_since(epoch_start);
    const bool better = r.macro_auc > best_auc;
    if (better) {
      best_auc = r.macro_auc;
      best_epoch = epoch;
      std::ostringstream weights;
      torch::save(ema, weights);
      best_weights = weights.str();
    }
    history.push_back(json::object{{"epoch", epoch},
                                   {"train_loss", ml::round_to(loss_sum / steps_per_epoch, 4)},
                                   {"val_accuracy", ml::round_to(r.accuracy, 4)},
                                   {"val_macro_auc", ml::round_to(r.macro_auc, 4)},
                                   {"val_balanced_accuracy", ml::round_to(r.balanced_accuracy, 4)}});
    const double left = epoch_minutes * (o.epochs - epoch);
    log << "epoch " << epoch << "/" << o.epochs << "  loss " << fixed(loss_sum / steps_per_epoch, 4) << "  val acc "
        << fixed(r.accuracy, 4) << "  macro AUC " << fixed(r.macro_auc, 4) << "  bal acc " << fixed(r.balanced_accuracy, 4)
        << "  lr " << std::setprecision(3) << learning_rate_at(step - 1) << "  " << fixed(epoch_minutes * 60, 0)
        << " s/epoch  ~" << fixed(std::min(left, o.max_minutes - minutes_since(t0)), 1) << " min left"
        << (better ? "  *best" : "") << std::endl;
    if (epoch - best_epoch >= o.patience) {
      stopped_because = "no better validation macro AUC for " + std::to_string(o.patience) + " epochs";
      break;
    }
  }

  // The best epoch's moving-average weights, then calibration on the validation split.
  {
    std::istringstream weights(best_weights);
    torch::load(ema, weights);
    to_channels_last(*ema);
    ema->eval();
  }
  const auto plain_logits = predict_logits(*ema, val_x, config, false);
  const auto flip_logits = predict_logits(*ema, val_x, config, true);
  const auto plain = score_multiclass(val_y, rows_of(torch::softmax(plain_logits, 1)), skin_class_count);
  const auto flipped = score_multiclass(val_y, rows_of(torch::softmax(flip_logits, 1)), skin_class_count);
  config.flip_averaging = flipped.macro_auc >= plain.macro_auc;
  const auto& logits = config.flip_averaging ? flip_logits : plain_logits;
  const auto uncalibrated = config.flip_averaging ? flipped : plain;
  // Grid search of (prior correction, temperature) for the lowest validation log loss: two numbers
  // fitted on 1,003 images, so the validation figures below are only slightly optimistic.
  double best_nll = 1e300;
  SkinModelConfig trial = config;
  for (double beta = 0; beta <= 1.0001; beta += 0.125)
    for (double t = 0.5; t <= 3.0001; t += 0.05) {
      trial.prior_correction = beta;
      trial.temperature = t;
      const auto p = calibrated_probabilities(logits, trial);
      const auto target = torch::tensor(std::vector<std::int64_t>(val_y.begin(), val_y.end()), torch::kLong);
      const double nll = F::nll_loss(torch::log(p.clamp_min(1e-12)), target).item<double>();
      if (nll < best_nll) {
        best_nll = nll;
        config.prior_correction = ml::round_to(beta, 4);
        config.temperature = ml::round_to(t, 4);
      }
    }
  const auto calibrated_rows = rows_of(calibrated_probabilities(logits, config));
  const auto report = score_multiclass(val_y, calibrated_rows, skin_class_count);

  // The official split is random per image, so a lesion can have images on both sides; the
  // subset of validation images whose lesion never appears in training is the fairer estimate.
  std::set<std::string> train_lesions;
  for (const auto& r : train_rows) train_lesions.insert(r.lesion_id);
  std::vector<int> unseen_y;
  ProbabilityRows unseen_p;
  for (std::size_t i = 0; i < val_rows.size(); ++i)
    if (!train_lesions.count(val_rows[i].lesion_id)) {
      unseen_y.push_back(val_y[i]);
      unseen_p.push_back(calibrated_rows[i]);
    }
  const auto unseen = score_multiclass(unseen_y, unseen_p, skin_class_count);

  const double wall_minutes = minutes_since(t0);
  config.version = "mobilenetv2-" + std::to_string(o.input_size) + "px-w" + fixed(o.width, 2) + "-" +
                   std::to_string(o.seed);
  json::array train_counts;
  for (auto c : counts) train_counts.emplace_back(static_cast<std::int64_t>(c));
  json::array codes, names;
  for (int k = 0; k < skin_class_count; ++k) {
    codes.emplace_back(skin_class_codes[k]);
    names.emplace_back(skin_class_names[k]);
  }
  json::object card{
      {"name", "skin lesion classifier"},
      {"config", config.to_json()},
      {"classes", codes},
      {"class_names", names},
      {"architecture", {{"network", "MobileNetV2"},
                        {"width_multiplier", o.width},
                        {"input_size", o.input_size},
                        {"parameters", static_cast<std::int64_t>([&] {
                           std::int64_t p = 0;
                           for (const auto& t : ema->parameters()) p += t.numel();
                           return p;
                         }())},
                        {"initialisation", "random (no pretrained weights)"}}},
      {"data", {{"source", "HAM10000 (Tschandl, Rosendahl & Kittler, Sci Data 5:180161, 2018), 200x150 JPEGs"},
                {"split", "MedMNIST v2 DermaMNIST official split (train 7,007 / validation 1,003; test 2,005 held back)"},
                {"train_images", train_rows.size()},
                {"validation_images", val_rows.size()},
                {"train_class_counts", train_counts},
                {"licence", "CC BY-NC-SA 4.0 (HAM10000): non-commercial use, attribution, share-alike"},
                {"preprocessing", "centre 4:3 crop, resized (antialiased bilinear) to " + std::to_string(o.input_size) + "x" +
                                      std::to_string(o.input_size) + " without keeping the aspect ratio"}}},
      {"training", {{"command", o.command},
                    {"wall_minutes", ml::round_to(wall_minutes, 1)},
                    {"threads", threads},
                    {"epochs_run", epochs_run},
                    {"best_epoch", best_epoch},
                    {"stopped_because", stopped_because},
                    {"optimiser", "AdamW lr " + fixed(o.learning_rate, 4) + ", weight decay " + fixed(o.weight_decay, 3) +
                                      ", " + std::to_string(o.warmup_epochs) + "-epoch warm-up then cosine"},
                    {"batch", o.batch},
                    {"loss", "cross-entropy, class weights (share^-" + fixed(o.class_weight_power, 2) +
                                 "), label smoothing " + fixed(o.label_smoothing, 2)},
                    {"augmentation", "any rotation, flips, zoom 0.9-1.15, shift 5%, brightness/contrast +-12%, saturation +-15%"},
                    {"weights", "exponential moving average (decay " + fixed(o.ema_decay, 4) + ") of the best epoch by validation macro AUC"},
                    {"seed", o.seed},
                    {"history", history}}},
      {"calibration", {{"method", "prior correction and temperature fitted on the validation split (lowest log loss)"},
                       {"prior_correction", config.prior_correction},
                       {"temperature", config.temperature},
                       {"flip_averaging", config.flip_averaging},
                       {"before", {{"log_loss", ml::round_to(uncalibrated.log_loss, 4)}, {"ece", ml::round_to(uncalibrated.ece, 4)}, {"accuracy", ml::round_to(uncalibrated.accuracy, 4)}}},
                       {"after", {{"log_loss", ml::round_to(report.log_loss, 4)}, {"ece", ml::round_to(report.ece, 4)}}}}},
      {"evaluation", {{"validation", report_json(report)},
                      {"validation_unseen_lesions", report_json(unseen)},
                      {"urgency_rule", urgency_rule_json(referral_table(val_y, calibrated_rows), "val", val_y.size())},
                      {"note", "Validation images chose the epoch and the two calibration numbers, so these figures are "
                               "somewhat optimistic; the DermaMNIST test split was never used here."}}},
      {"intended_use", "Decision support for patients and clinicians looking at a dermatoscopic image of one lesion: "
                       "which of seven common diagnoses it resembles and how urgently to see a dermatologist. "
                       "It does not diagnose."},
      {"limits", json::array{
                     "Trained on dermatoscopic images (taken through a dermatoscope, in contact with the skin) of a mostly "
                     "fair-skinned European population (Austria, Australia). Not validated for phone photos or for darker skin "
                     "types; expect worse and unknown accuracy there.",
                     "Knows only seven classes: any other condition (e.g. squamous cell carcinoma, infections, rashes) will be "
                     "forced into one of them.",
                     "Melanoma recall is the figure that matters most and it is well below 100 %: a 'benign' answer never "
                     "rules melanoma out.",
                     "The official split is random per image; lesions with several images can sit in both train and validation. "
                     "The 'unseen lesions' figures exclude them."}}};
  std::filesystem::create_directories(o.out_dir);
  const auto out = std::filesystem::path(o.out_dir);
  {
    std::istringstream weights(best_weights);
    std::ofstream f(out / "weights.pt", std::ios::binary);
    f << weights.rdbuf();
  }
  std::ofstream(out / "card.json") << ml::pretty_json(card) << "\n";
  std::ofstream(out / "card.md") << card_markdown(card);
  log << "best epoch " << best_epoch << ": validation accuracy " << fixed(report.accuracy, 4) << ", macro AUC "
      << fixed(report.macro_auc, 4) << " (unseen lesions: " << fixed(unseen.accuracy, 4) << " / "
      << fixed(unseen.macro_auc, 4) << ", " << unseen.n << " images); " << fixed(wall_minutes, 1) << " min" << std::endl;
  return card;
}

SkinEvaluation evaluate_skin(const std::string& model_dir, const std::string& images_dir, const std::string& split_file,
                             const std::string& metadata_file, const std::string& split, int threads) {
  keep_large_allocations();
  threads = threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
  at::set_num_threads(threads);
  const auto model = SkinModel::load(model_dir);
  const auto rows = read_labelled_images(images_dir, split_file, metadata_file, split);
  if (rows.empty()) throw std::runtime_error("no images of split '" + split + "' in " + split_file);
  const auto x = load_inputs(rows, model->config().input_size, threads);
  ProbabilityRows p;
  const int s = model->config().input_size;
  // Small batches: each stays under glibc's mmap threshold, so no step page-faults in fresh memory.
  constexpr std::int64_t batch = 8;
  for (std::int64_t i = 0; i < x.size(0); i += batch) {
    std::vector<RgbImage> chunk;
    for (std::int64_t j = i; j < std::min<std::int64_t>(i + batch, x.size(0)); ++j) {
      const auto t = x[j].contiguous();
      chunk.push_back({s, s, std::vector<std::uint8_t>(t.data_ptr<std::uint8_t>(), t.data_ptr<std::uint8_t>() + t.numel())});
    }
    std::vector<const RgbImage*> ptrs;
    for (const auto& c : chunk) ptrs.push_back(&c);
    for (auto& row : model->probabilities(ptrs)) p.push_back(std::move(row));
  }
  SkinEvaluation e;
  e.labels = int_labels(rows);
  e.report = score_multiclass(e.labels, p, skin_class_count);
  e.referral = referral_table(e.labels, p);
  e.images = rows.size();
  for (const auto& r : rows) e.image_ids.push_back(r.image_id);
  e.probabilities = std::move(p);
  return e;
}

json::value urgency_rule_json(const std::vector<ReferralScore>& table, const std::string& split, std::size_t images) {
  json::array rows;
  for (const auto& s : table)
    rows.push_back({{"prompt_share", s.prompt_share > 1 ? json::value(nullptr) : json::value(s.prompt_share)},
                    {"served", s.prompt_share == skin_prompt_malignant_share},
                    {"sensitivity", ml::round_to(s.sensitivity, 4)},
                    {"melanoma_sensitivity", ml::round_to(s.melanoma_sensitivity, 4)},
                    {"melanoma_routine", ml::round_to(s.melanoma_routine, 4)},
                    {"others_prompt", ml::round_to(s.others_prompt, 4)},
                    {"others_routine", ml::round_to(s.others_routine, 4)}});
  const auto& first = table.at(0);
  return {{"rule", "prompt when melanoma, basal cell carcinoma or akiec is the top class or their probabilities add up to "
                   "prompt_share or more; soon when the top class is below uncertain_below or that sum reaches "
                   "soon_share; routine otherwise"},
          {"uncertain_below", skin_uncertain_below},
          {"prompt_share", skin_prompt_malignant_share},
          {"soon_share", skin_soon_malignant_share},
          {"split", split},
          {"images", images},
          {"needs_doctor_images", first.needs_doctor},
          {"melanomas", first.melanomas},
          {"note", "The thresholds were chosen on this table (validation split), so its served row is optimistic."},
          {"by_prompt_share", std::move(rows)}};
}

void write_urgency_to_card(const std::string& model_dir, const SkinEvaluation& e, const std::string& split) {
  const auto dir = std::filesystem::path(model_dir);
  std::ifstream in(dir / "card.json");
  std::stringstream text;
  text << in.rdbuf();
  auto card = json::parse(text.str());
  card.at("evaluation").as_object()["urgency_rule"] = urgency_rule_json(e.referral, split, e.images);
  std::ofstream(dir / "card.json") << ml::pretty_json(card) << "\n";
  std::ofstream(dir / "card.md") << card_markdown(card);
}

std::string card_markdown(const json::value& card) {
  std::ostringstream md;
  const auto& c = card.as_object();
  const auto& ev = c.at("evaluation").as_object();
  const auto& val = ev.at("validation").as_object();
  const auto& unseen = ev.at("validation_unseen_lesions").as_object();
  const auto& tr = c.at("training").as_object();
  const auto& cal = c.at("calibration").as_object();
  const auto& arch = c.at("architecture").as_object();
  const auto num = [](const json::value& v) { return v.is_null() ? std::string("–") : ml::compact_json(v); };
  md << "# Model card: skin lesion classifier (MobileNetV2, HAM10000)\n\n"
     << "**Not a diagnosis.** This model compares a dermatoscopic image with seven common lesion types. "
        "It can be wrong, and a reassuring answer never rules out melanoma. Anyone worried about a spot on "
        "their skin should see a doctor.\n\n"
     << "## Model\n"
     << "- " << json::value_to<std::string>(arch.at("network")) << ", width multiplier " << num(arch.at("width_multiplier"))
     << ", input " << num(arch.at("input_size")) << "×" << num(arch.at("input_size")) << " px, "
     << num(arch.at("parameters")) << " parameters, trained from random initialisation (no pretrained weights) "
        "with LibTorch 1.13 on CPU.\n"
     << "- Version `" << json::value_to<std::string>(c.at("config").at("version")) << "`; weights in `weights.pt`, "
        "input normalisation and calibration in `card.json` → `config`.\n\n"
     << "## Data\n"
     << "- " << json::value_to<std::string>(c.at("data").at("source")) << ".\n"
     << "- " << json::value_to<std::string>(c.at("data").at("split")) << ".\n"
     << "- Preprocessing: " << json::value_to<std::string>(c.at("data").at("preprocessing")) << ".\n"
     << "- Licence: " << json::value_to<std::string>(c.at("data").at("licence")) << ".\n\n"
     << "## Training\n"
     << "- Command: `" << json::value_to<std::string>(tr.at("command")) << "`\n"
     << "- Wall time: " << num(tr.at("wall_minutes")) << " min on " << num(tr.at("threads")) << " CPU threads; "
     << num(tr.at("epochs_run")) << " epochs run, best epoch " << num(tr.at("best_epoch")) << " (stopped: "
     << json::value_to<std::string>(tr.at("stopped_because")) << ").\n"
     << "- " << json::value_to<std::string>(tr.at("optimiser")) << "; batch " << num(tr.at("batch")) << "; "
     << json::value_to<std::string>(tr.at("loss")) << ".\n"
     << "- Augmentation: " << json::value_to<std::string>(tr.at("augmentation")) << ".\n"
     << "- Weights: " << json::value_to<std::string>(tr.at("weights")) << ". Seed " << num(tr.at("seed"))
     << " (multi-threaded CPU kernels make re-runs close, not bit-identical).\n\n"
     << "## Results on the validation split\n"
     << "| | images | accuracy | macro AUC (one-vs-rest) | balanced accuracy | log loss | ECE |\n"
     << "|---|---|---|---|---|---|---|\n";
  for (const auto& [label, r] : {std::pair{"all validation images", &val}, std::pair{"lesions unseen in training", &unseen}})
    md << "| " << label << " | " << num(r->at("images")) << " | " << num(r->at("accuracy")) << " | "
       << num(r->at("macro_auc")) << " | " << num(r->at("balanced_accuracy")) << " | " << num(r->at("log_loss")) << " | "
       << num(r->at("ece")) << " |\n";
  md << "\n" << json::value_to<std::string>(ev.at("note")) << " The MedMNIST v2 benchmark's best published test figures "
        "on this split are ACC 0.768 and AUC 0.920; this card's figures are validation figures and are not directly "
        "comparable.\n\n"
     << "### Per class (all validation images)\n| class | | support | precision | recall | AUC |\n|---|---|---|---|---|---|\n";
  const auto& names = c.at("class_names").as_array();
  for (int k = 0; k < skin_class_count; ++k) {
    const auto& r = val.at("classes").at(std::string(skin_class_codes[k]));
    md << "| " << skin_class_codes[k] << " | " << json::value_to<std::string>(names[k]) << " | " << num(r.at("support"))
       << " | " << num(r.at("precision")) << " | " << num(r.at("recall")) << " | " << num(r.at("auc")) << " |\n";
  }
  md << "\n### Confusion matrix (rows: truth, columns: prediction)\n|  |";
  for (auto code : skin_class_codes) md << " " << code << " |";
  md << "\n|---|";
  for (int k = 0; k < skin_class_count; ++k) md << "---|";
  md << "\n";
  const auto& cm = val.at("confusion_matrix").as_array();
  for (int k = 0; k < skin_class_count; ++k) {
    md << "| **" << skin_class_codes[k] << "** |";
    for (const auto& v : cm[k].as_array()) md << " " << num(v) << " |";
    md << "\n";
  }
  if (const auto* rule = ev.if_contains("urgency_rule")) {
    const auto& u = rule->as_object();
    md << "\n## Urgency rule (what the server tells patients)\n"
       << "`prompt` (see a dermatologist within two weeks) when melanoma, basal cell carcinoma or akiec is the top "
          "class or their probabilities add up to "
       << num(u.at("prompt_share")) << " or more; `soon` when the top class is below " << num(u.at("uncertain_below"))
       << " or that sum reaches " << num(u.at("soon_share")) << "; `routine` otherwise. On the " << num(u.at("images"))
       << " images of the `" << json::value_to<std::string>(u.at("split")) << "` split ("
       << num(u.at("needs_doctor_images")) << " mel/bcc/akiec, " << num(u.at("melanomas"))
       << " melanomas), by `prompt` threshold:\n\n"
       << "| prompt threshold | mel/bcc/akiec told prompt | melanomas told prompt | melanomas told routine | "
          "others told prompt | others told routine |\n|---|---|---|---|---|---|\n";
    for (const auto& row : u.at("by_prompt_share").as_array()) {
      const auto& r = row.as_object();
      const bool served = r.at("served").as_bool();
      md << "| " << (r.at("prompt_share").is_null() ? std::string("top class only") : num(r.at("prompt_share")))
         << (served ? " **(served)**" : "") << " | " << num(r.at("sensitivity")) << " | "
         << num(r.at("melanoma_sensitivity")) << " | " << num(r.at("melanoma_routine")) << " | "
         << num(r.at("others_prompt")) << " | " << num(r.at("others_routine")) << " |\n";
    }
    md << "\n" << json::value_to<std::string>(u.at("note")) << "\n";
  }
  md << "\n## Calibration\n"
     << json::value_to<std::string>(cal.at("method")) << ": prior correction " << num(cal.at("prior_correction"))
     << ", temperature " << num(cal.at("temperature")) << ", flip averaging "
     << (cal.at("flip_averaging").as_bool() ? "on" : "off") << ". Log loss " << num(cal.at("before").at("log_loss"))
     << " → " << num(cal.at("after").at("log_loss")) << ", top-label ECE " << num(cal.at("before").at("ece")) << " → "
     << num(cal.at("after").at("ece")) << ".\n\n"
     << "## Intended use\n" << json::value_to<std::string>(c.at("intended_use")) << "\n\n## Limits\n";
  for (const auto& l : c.at("limits").as_array()) md << "- " << json::value_to<std::string>(l) << "\n";
  md << "\n## Reproduce and check\n"
     << "- Train: the command above (see docs/models/README.md).\n"
     << "- Score on any labelled folder laid out like the shared one: `medcore evaluate skin --model models/skin "
        "--images DIR/images_200x150 --split-file DIR/dermamnist_split_info.csv --split test`.\n";
  return md.str();
}

}  // namespace medcore::vision
