#pragma once
// MobileNetV2 (Sandler et al., 2018) with the LibTorch C++ API: a 3×3 stem, seventeen inverted
// residual blocks (1×1 expand → 3×3 depthwise → 1×1 linear projection, shortcut when the shape
// allows), a 1×1 head, global average pooling and a linear classifier. The width multiplier scales
// every layer; the input size is free (the network is fully convolutional up to the pooling).
#include <torch/torch.h>

namespace medcore::vision {

struct MobileNetV2Options {
  double width = 1.0;
  int classes = 7;
  double dropout = 0.2;
};

// Conv → BatchNorm → ReLU6 (or no activation for the linear bottleneck).
class ConvBnImpl : public torch::nn::Module {
 public:
  ConvBnImpl(int in, int out, int kernel, int stride, int groups, bool relu6);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
  bool relu6_;
};
TORCH_MODULE(ConvBn);

class InvertedResidualImpl : public torch::nn::Module {
 public:
  InvertedResidualImpl(int in, int out, int stride, int expand_ratio);
  torch::Tensor forward(torch::Tensor x);

 private:
  ConvBn expand_{nullptr};  // absent when expand_ratio == 1
  ConvBn depthwise_{nullptr};
  ConvBn project_{nullptr};
  bool shortcut_;
};
TORCH_MODULE(InvertedResidual);

class MobileNetV2Impl : public torch::nn::Module {
 public:
  explicit MobileNetV2Impl(const MobileNetV2Options& options);
  // Input: N×3×H×W, normalised. Output: N×classes logits.
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Sequential features_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};
TORCH_MODULE(MobileNetV2);

}  // namespace medcore::vision
