#include "engines/vision/skin_model.hpp"

#include <malloc.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "engines/vision/mobilenet_v2.hpp"
#include "engines/vision/tensors.hpp"

namespace json = boost::json;

namespace medcore::vision {

// --- tensors --------------------------------------------------------------------------------

torch::Tensor to_float_nchw(const torch::Tensor& hwc_u8) {
  // permute of an N×H×W×C tensor *is* the channels-last layout of N×C×H×W: no copy until the cast.
  return hwc_u8.permute({0, 3, 1, 2}).to(torch::kFloat).div_(255.0);
}

torch::Tensor normalise(const torch::Tensor& x01, const SkinModelConfig& c) {
  const auto mean = torch::tensor({c.mean[0], c.mean[1], c.mean[2]}, torch::kFloat).view({1, 3, 1, 1});
  const auto sd = torch::tensor({c.std[0], c.std[1], c.std[2]}, torch::kFloat).view({1, 3, 1, 1});
  return ((x01 - mean) / sd).contiguous(at::MemoryFormat::ChannelsLast);
}

torch::Tensor logits_of(MobileNetV2Impl& net, const torch::Tensor& x, bool flip_averaging) {
  if (!flip_averaging) return net.forward(x);
  const auto n = x.size(0);
  // One forward pass over the four views is cheaper than four passes.
  auto views = torch::cat({x, x.flip({3}), x.flip({2}), x.flip({2, 3})}).contiguous(at::MemoryFormat::ChannelsLast);
  return net.forward(views).view({4, n, -1}).mean(0);
}

torch::Tensor calibrated_probabilities(const torch::Tensor& logits, const SkinModelConfig& c) {
  std::vector<float> shift(skin_class_count);
  for (int k = 0; k < skin_class_count; ++k)
    shift[k] = static_cast<float>(c.prior_correction * std::log(c.class_weights[k]));
  const auto s = torch::tensor(shift).view({1, skin_class_count});
  return torch::softmax((logits - s) / c.temperature, 1);
}

std::vector<std::vector<double>> rows_of(const torch::Tensor& probabilities) {
  const auto p = probabilities.to(torch::kDouble).contiguous();
  std::vector<std::vector<double>> rows(p.size(0));
  const double* d = p.data_ptr<double>();
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i].assign(d + i * p.size(1), d + (i + 1) * p.size(1));
  return rows;
}

void to_channels_last(torch::nn::Module& net) {
  for (auto& p : net.parameters())
    if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
}

void keep_large_allocations() {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);  // glibc's ceiling for this setting
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

void set_inference_threads(int threads) { at::set_num_threads(std::max(1, threads)); }

// --- config ---------------------------------------------------------------------------------

namespace {
json::array numbers(const auto& values) {
  json::array a;
  for (double v : values) a.emplace_back(v);
  return a;
}
template <std::size_t N>
std::array<double, N> read_numbers(const json::value& v, const char* key) {
  const auto& a = v.at(key).as_array();
  if (a.size() != N) throw std::runtime_error(std::string("card.json: ") + key + " needs " + std::to_string(N) + " numbers");
  std::array<double, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = a[i].to_number<double>();
  return out;
}
}  // namespace

json::value SkinModelConfig::to_json() const {
  return json::object{{"input_size", input_size},
                      {"width", width},
                      {"mean", numbers(mean)},
                      {"std", numbers(std)},
                      {"class_weights", numbers(class_weights)},
                      {"prior_correction", prior_correction},
                      {"temperature", temperature},
                      {"flip_averaging", flip_averaging},
                      {"version", version}};
}

SkinModelConfig SkinModelConfig::from_json(const json::value& v) {
  SkinModelConfig c;
  c.input_size = static_cast<int>(v.at("input_size").to_number<std::int64_t>());
  c.width = v.at("width").to_number<double>();
  c.mean = read_numbers<3>(v, "mean");
  c.std = read_numbers<3>(v, "std");
  c.class_weights = read_numbers<skin_class_count>(v, "class_weights");
  c.prior_correction = v.at("prior_correction").to_number<double>();
  c.temperature = v.at("temperature").to_number<double>();
  c.flip_averaging = v.at("flip_averaging").as_bool();
  c.version = json::value_to<std::string>(v.at("version"));
  if (c.input_size < 32 || c.input_size > 512 || c.width <= 0 || c.temperature <= 0)
    throw std::runtime_error("card.json: input_size, width or temperature out of range");
  return c;
}

// --- model ----------------------------------------------------------------------------------

struct SkinModel::Impl {
  MobileNetV2 net{nullptr};
};

SkinModel::~SkinModel() = default;

std::shared_ptr<const SkinModel> SkinModel::load(const std::string& dir) {
  const auto config_path = std::filesystem::path(dir) / "card.json";
  const auto weights_path = std::filesystem::path(dir) / "weights.pt";
  std::ifstream in(config_path);
  if (!in) throw std::runtime_error("cannot read " + config_path.string());
  std::stringstream text;
  text << in.rdbuf();
  std::shared_ptr<SkinModel> m(new SkinModel());
  try {
    m->card_ = json::parse(text.str());
    m->config_ = SkinModelConfig::from_json(m->card_.at("config"));
  } catch (const std::exception& e) {
    throw std::runtime_error(config_path.string() + ": " + e.what());
  }
  m->impl_ = std::make_unique<Impl>();
  m->impl_->net = MobileNetV2(MobileNetV2Options{m->config_.width, skin_class_count, 0.2});
  try {
    torch::load(m->impl_->net, weights_path.string());
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot load " + weights_path.string() + ": " + e.what());
  }
  m->impl_->net->eval();
  to_channels_last(*m->impl_->net);
  return m;
}

std::vector<std::vector<double>> SkinModel::probabilities(const std::vector<const RgbImage*>& inputs) const {
  const int s = config_.input_size;
  auto batch = torch::empty({static_cast<std::int64_t>(inputs.size()), s, s, 3}, torch::kUInt8);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const RgbImage& img = *inputs[i];
    if (img.width != s || img.height != s) throw std::invalid_argument("image is not at the model's input size");
    std::memcpy(batch[static_cast<std::int64_t>(i)].data_ptr<std::uint8_t>(), img.pixels.data(), img.pixels.size());
  }
  c10::InferenceMode guard;
  const auto x = normalise(to_float_nchw(batch), config_);
  return rows_of(calibrated_probabilities(logits_of(*impl_->net, x, config_.flip_averaging), config_));
}

std::vector<double> SkinModel::classify(const RgbImage& photo) const {
  const RgbImage input = to_model_input(photo, config_.input_size);
  return probabilities({&input}).front();
}

}  // namespace medcore::vision
