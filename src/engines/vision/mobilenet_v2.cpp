#include "engines/vision/mobilenet_v2.hpp"

#include <algorithm>
#include <cmath>

namespace medcore::vision {

namespace {

// Channel counts rounded to a multiple of 8 (as in the paper's reference code) without ever
// dropping more than 10 % below the scaled value.
int make_divisible(double v, int divisor = 8) {
  int rounded = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

}  // namespace

ConvBnImpl::ConvBnImpl(int in, int out, int kernel, int stride, int groups, bool relu6) : relu6_(relu6) {
  conv_ = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                        .stride(stride)
                                                        .padding((kernel - 1) / 2)
                                                        .groups(groups)
                                                        .bias(false)));
  bn_ = register_module("bn", torch::nn::BatchNorm2d(out));
}

torch::Tensor ConvBnImpl::forward(torch::Tensor x) {
  x = bn_(conv_(x));
  return relu6_ ? torch::hardtanh(x, 0, 6) : x;
}

InvertedResidualImpl::InvertedResidualImpl(int in, int out, int stride, int expand_ratio)
    : shortcut_(stride == 1 && in == out) {
  const int hidden = in * expand_ratio;
  if (expand_ratio != 1) expand_ = register_module("expand", ConvBn(in, hidden, 1, 1, 1, true));
  depthwise_ = register_module("depthwise", ConvBn(hidden, hidden, 3, stride, hidden, true));
  project_ = register_module("project", ConvBn(hidden, out, 1, 1, 1, false));
}

torch::Tensor InvertedResidualImpl::forward(torch::Tensor x) {
  torch::Tensor y = expand_ ? expand_(x) : x;
  y = project_(depthwise_(y));
  return shortcut_ ? x + y : y;
}

MobileNetV2Impl::MobileNetV2Impl(const MobileNetV2Options& o) {
  struct Stage {
    int expand, channels, repeats, stride;
  };
  static constexpr Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2},  {6, 64, 4, 2},
                                     {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  features_ = torch::nn::Sequential();
  int channels = make_divisible(32 * o.width);
  features_->push_back(ConvBn(3, channels, 3, 2, 1, true));
  for (const Stage& s : stages) {
    const int out = make_divisible(s.channels * o.width);
    for (int i = 0; i < s.repeats; ++i) {
      features_->push_back(InvertedResidual(channels, out, i == 0 ? s.stride : 1, s.expand));
      channels = out;
    }
  }
  const int head = make_divisible(1280 * std::max(1.0, o.width));
  features_->push_back(ConvBn(channels, head, 1, 1, 1, true));
  register_module("features", features_);
  dropout_ = register_module("dropout", torch::nn::Dropout(o.dropout));
  classifier_ = register_module("classifier", torch::nn::Linear(head, o.classes));

  // He initialisation for convolutions, small normal for the classifier (torchvision's choice).
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* conv = m->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut);
    } else if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
      torch::nn::init::ones_(bn->weight);
      torch::nn::init::zeros_(bn->bias);
    } else if (auto* lin = m->as<torch::nn::Linear>()) {
      torch::nn::init::normal_(lin->weight, 0, 0.01);
      torch::nn::init::zeros_(lin->bias);
    }
  }
}

torch::Tensor MobileNetV2Impl::forward(torch::Tensor x) {
  x = features_->forward(x);
  x = x.mean({2, 3});
  return classifier_(dropout_(x));
}

}  // namespace medcore::vision
