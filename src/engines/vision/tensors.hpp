#pragma once
// Shared by training and inference, so both feed the network the same way.
#include <torch/torch.h>

#include <vector>

#include "engines/vision/image.hpp"
#include "engines/vision/mobilenet_v2.hpp"
#include "engines/vision/skin_model.hpp"

namespace medcore::vision {

// uint8 N×S×S×3 (HWC) → float N×3×S×S in channels-last memory order, scaled to [0, 1].
// Channels-last is what makes oneDNN's depthwise convolutions fast on CPU (about 70× here).
torch::Tensor to_float_nchw(const torch::Tensor& hwc_u8);
torch::Tensor normalise(const torch::Tensor& x01, const SkinModelConfig& c);
// The logits of the batch, averaged over flips when the config asks for it.
torch::Tensor logits_of(MobileNetV2Impl& net, const torch::Tensor& normalised, bool flip_averaging);
torch::Tensor calibrated_probabilities(const torch::Tensor& logits, const SkinModelConfig& c);
std::vector<std::vector<double>> rows_of(const torch::Tensor& probabilities);
// All parameters of 4-D shape moved to channels-last.
void to_channels_last(torch::nn::Module& net);

}  // namespace medcore::vision
