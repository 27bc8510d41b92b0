#pragma once
// Decoding of uploaded and training images (JPEG, PNG, WebP) into 8-bit RGB, and the resampling
// that turns any photo into the network's square input. No LibTorch here: the codecs and the
// resize are unit-tested (and sanitizer-tested) on their own, and the server rejects bad uploads
// before anything reaches the model.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace medcore::vision {

enum class ImageFormat { jpeg, png, webp };

// The format named by the file's magic bytes (never trust the Content-Type alone).
std::optional<ImageFormat> sniff_format(std::span<const std::uint8_t> bytes);
std::string_view media_type_of(ImageFormat f);

struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // row-major, RGB interleaved, width*height*3
};

// Limits checked from the header, before any pixel memory is allocated: a 1 KB file may announce
// 60000×60000 pixels.
struct DecodeLimits {
  int min_side = 32;
  int max_side = 12000;
  std::int64_t max_pixels = 40'000'000;
};

enum class DecodeError {
  not_an_image,       // unknown magic bytes
  corrupt,            // the codec refused it (truncated, damaged)
  too_small,          // a side under min_side
  too_large,          // a side over max_side or more than max_pixels
};
std::string_view describe(DecodeError e);

struct DecodeResult {
  std::optional<RgbImage> image;
  DecodeError error = DecodeError::corrupt;  // meaningful when !image
  std::optional<ImageFormat> format;
};

DecodeResult decode_image(std::span<const std::uint8_t> bytes, const DecodeLimits& limits = {});

// The largest centred crop with aspect width:height = aw:ah.
RgbImage crop_to_aspect(const RgbImage& in, int aw, int ah);

// Separable resampling with a triangle (bilinear) kernel widened by the scale factor when
// shrinking, so downscaling averages every source pixel instead of skipping most of them.
RgbImage resize(const RgbImage& in, int width, int height);

// The network's view of a photo: the centred 4:3 crop (the shape of the dermatoscopic training
// images), squashed to size×size exactly as the training images were.
RgbImage to_model_input(const RgbImage& in, int size);

// Baseline JPEG of the image (for thumbnails).
std::vector<std::uint8_t> encode_jpeg(const RgbImage& img, int quality = 80);

}  // namespace medcore::vision
