#pragma once
// The trained skin lesion classifier as the service and `medcore evaluate skin` use it: the
// MobileNetV2 weights plus what the model card says about feeding it (input size, channel
// normalisation) and about turning its logits into honest probabilities (the prior correction and
// temperature fitted on the validation split). Loaded once; `classify` is safe to call from
// several threads at once.
#include <array>
#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

#include "engines/vision/image.hpp"
#include "engines/vision/skin_classes.hpp"

namespace at {
class Tensor;
}

namespace medcore::vision {

struct SkinModelConfig {
  int input_size = 128;
  double width = 1.0;
  std::array<double, 3> mean{0.5, 0.5, 0.5};  // per RGB channel of the training images, in [0, 1]
  std::array<double, 3> std{0.25, 0.25, 0.25};
  // Calibration: p = softmax((logits − prior_correction·log(class_weight)) / temperature).
  // Training weighs rare classes up; subtracting log(weight) undoes the prior shift that causes.
  std::array<double, skin_class_count> class_weights{1, 1, 1, 1, 1, 1, 1};
  double prior_correction = 0;
  double temperature = 1;
  bool flip_averaging = true;  // average the logits of the image and its three flips
  std::string version;

  boost::json::value to_json() const;
  static SkinModelConfig from_json(const boost::json::value& v);
};

class SkinModel {
 public:
  // `dir` holds card.json (the model card, whose "config" is this config) and weights.pt. Throws std::runtime_error
  // with the path when either is missing or does not match.
  static std::shared_ptr<const SkinModel> load(const std::string& dir);
  ~SkinModel();

  const SkinModelConfig& config() const { return config_; }
  // The whole card.json (data, metrics, limits), for the API's model card.
  const boost::json::value& card() const { return card_; }
  // Probabilities for images already at input_size×input_size.
  std::vector<std::vector<double>> probabilities(const std::vector<const RgbImage*>& inputs) const;
  // Any photo: centre 4:3 crop, resized like the training images, then probabilities.
  std::vector<double> classify(const RgbImage& photo) const;

  struct Impl;

 private:
  SkinModel() = default;
  SkinModelConfig config_;
  boost::json::value card_;
  std::unique_ptr<Impl> impl_;
};

// LibTorch's intra-op threads for this process. Set once at start-up: workers × threads = cores
// keeps concurrent requests from oversubscribing them.
void set_inference_threads(int threads);

// Every process that runs the network calls this once, before the first pass. glibc hands large
// freed blocks back to the kernel (and a worker thread's arena shrinks with MADV_DONTNEED), so
// each pass page-faults its activations in again as fresh zeroed memory: measured here, a batch
// of 4 views took 41 ms instead of 10 ms, and a training step ~4× longer. Process-wide setting.
void keep_large_allocations();

}  // namespace medcore::vision
