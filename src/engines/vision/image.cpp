#include "engines/vision/image.hpp"

#include <turbojpeg.h>
#include <png.h>
#include <webp/decode.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

namespace medcore::vision {

std::optional<ImageFormat> sniff_format(std::span<const std::uint8_t> b) {
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return ImageFormat::jpeg;
  static constexpr std::uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (b.size() >= 8 && std::memcmp(b.data(), png_sig, 8) == 0) return ImageFormat::png;
  if (b.size() >= 12 && std::memcmp(b.data(), "RIFF", 4) == 0 && std::memcmp(b.data() + 8, "WEBP", 4) == 0)
    return ImageFormat::webp;
  return std::nullopt;
}

std::string_view media_type_of(ImageFormat f) {
  switch (f) {
    case ImageFormat::jpeg: return "image/jpeg";
    case ImageFormat::png: return "image/png";
    case ImageFormat::webp: return "image/webp";
  }
  return "application/octet-stream";
}

std::string_view describe(DecodeError e) {
  switch (e) {
    case DecodeError::not_an_image: return "The file is not a JPEG, PNG or WebP image.";
    case DecodeError::corrupt: return "The image could not be decoded; it may be truncated or damaged.";
    case DecodeError::too_small: return "The image is too small to analyse.";
    case DecodeError::too_large: return "The image has too many pixels.";
  }
  return "The image could not be decoded.";
}

namespace {

std::optional<DecodeError> check_dimensions(std::int64_t w, std::int64_t h, const DecodeLimits& lim) {
  if (w <= 0 || h <= 0) return DecodeError::corrupt;
  if (w > lim.max_side || h > lim.max_side || w * h > lim.max_pixels) return DecodeError::too_large;
  if (w < lim.min_side || h < lim.min_side) return DecodeError::too_small;
  return std::nullopt;
}

DecodeResult failure(DecodeError e, std::optional<ImageFormat> f) {
  DecodeResult r;
  r.error = e;
  r.format = f;
  return r;
}

DecodeResult decode_jpeg(std::span<const std::uint8_t> b, const DecodeLimits& lim) {
  std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), tjDestroy);
  if (!tj) return failure(DecodeError::corrupt, ImageFormat::jpeg);
  int w = 0, h = 0, subsamp = 0, colorspace = 0;
  auto* data = const_cast<unsigned char*>(b.data());  // the C API is not const-correct
  if (tjDecompressHeader3(tj.get(), data, static_cast<unsigned long>(b.size()), &w, &h, &subsamp, &colorspace) != 0)
    return failure(DecodeError::corrupt, ImageFormat::jpeg);
  if (auto e = check_dimensions(w, h, lim)) return failure(*e, ImageFormat::jpeg);
  RgbImage img{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  // TJFLAG_STOPONWARNING: a truncated file is an error, not a grey lower half.
  if (tjDecompress2(tj.get(), data, static_cast<unsigned long>(b.size()), img.pixels.data(), w, 0, h, TJPF_RGB,
                    TJFLAG_STOPONWARNING) != 0)
    return failure(DecodeError::corrupt, ImageFormat::jpeg);
  return {std::move(img), DecodeError::corrupt, ImageFormat::jpeg};
}

DecodeResult decode_png(std::span<const std::uint8_t> b, const DecodeLimits& lim) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, b.data(), b.size()))
    return failure(DecodeError::corrupt, ImageFormat::png);
  if (auto e = check_dimensions(png.width, png.height, lim)) {
    png_image_free(&png);
    return failure(*e, ImageFormat::png);
  }
  png.format = PNG_FORMAT_RGB;  // alpha is composited onto black by libpng; grey expands to RGB
  RgbImage img{static_cast<int>(png.width), static_cast<int>(png.height),
               std::vector<std::uint8_t>(PNG_IMAGE_SIZE(png))};
  if (!png_image_finish_read(&png, nullptr, img.pixels.data(), 0, nullptr)) {
    png_image_free(&png);
    return failure(DecodeError::corrupt, ImageFormat::png);
  }
  return {std::move(img), DecodeError::corrupt, ImageFormat::png};
}

DecodeResult decode_webp(std::span<const std::uint8_t> b, const DecodeLimits& lim) {
  int w = 0, h = 0;
  if (!WebPGetInfo(b.data(), b.size(), &w, &h)) return failure(DecodeError::corrupt, ImageFormat::webp);
  if (auto e = check_dimensions(w, h, lim)) return failure(*e, ImageFormat::webp);
  RgbImage img{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  if (!WebPDecodeRGBInto(b.data(), b.size(), img.pixels.data(), img.pixels.size(), w * 3))
    return failure(DecodeError::corrupt, ImageFormat::webp);
  return {std::move(img), DecodeError::corrupt, ImageFormat::webp};
}

// Source taps and weights of every output coordinate along one axis.
struct Taps {
  std::vector<int> first;
  std::vector<int> count;
  std::vector<float> weights;  // count[i] weights per output, `stride` apart
  int stride = 0;
};

Taps taps_for(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double support = std::max(scale, 1.0);  // the triangle's half-width in source pixels
  Taps t;
  t.stride = static_cast<int>(std::ceil(support)) * 2 + 2;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.weights.assign(static_cast<std::size_t>(out_size) * t.stride, 0.f);
  for (int o = 0; o < out_size; ++o) {
    const double centre = (o + 0.5) * scale;
    const int lo = std::max(0, static_cast<int>(std::floor(centre - support)));
    const int hi = std::min(in_size, static_cast<int>(std::ceil(centre + support)));
    double sum = 0;
    int n = 0;
    for (int i = lo; i < hi && n < t.stride; ++i, ++n) {
      const double w = std::max(0.0, 1.0 - std::abs((i + 0.5 - centre) / support));
      t.weights[static_cast<std::size_t>(o) * t.stride + n] = static_cast<float>(w);
      sum += w;
    }
    if (sum <= 0) {  // cannot happen for sizes ≥ 1, but never divide by zero
      t.weights[static_cast<std::size_t>(o) * t.stride] = 1.f;
      sum = 1;
      n = std::max(n, 1);
    }
    for (int k = 0; k < n; ++k) t.weights[static_cast<std::size_t>(o) * t.stride + k] /= static_cast<float>(sum);
    t.first[o] = lo;
    t.count[o] = n;
  }
  return t;
}

std::uint8_t to_byte(float v) { return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

DecodeResult decode_image(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  const auto format = sniff_format(bytes);
  if (!format) return failure(DecodeError::not_an_image, std::nullopt);
  switch (*format) {
    case ImageFormat::jpeg: return decode_jpeg(bytes, limits);
    case ImageFormat::png: return decode_png(bytes, limits);
    case ImageFormat::webp: return decode_webp(bytes, limits);
  }
  return failure(DecodeError::not_an_image, std::nullopt);
}

RgbImage crop_to_aspect(const RgbImage& in, int aw, int ah) {
  int w = in.width, h = in.height;
  // Compare in 64 bits: width*ah can pass 2^31 for allowed sizes.
  if (static_cast<std::int64_t>(w) * ah > static_cast<std::int64_t>(h) * aw)
    w = static_cast<int>(static_cast<std::int64_t>(h) * aw / ah);
  else
    h = static_cast<int>(static_cast<std::int64_t>(w) * ah / aw);
  w = std::max(w, 1);
  h = std::max(h, 1);
  if (w == in.width && h == in.height) return in;
  const int x0 = (in.width - w) / 2, y0 = (in.height - h) / 2;
  RgbImage out{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  for (int y = 0; y < h; ++y)
    std::memcpy(&out.pixels[static_cast<std::size_t>(y) * w * 3],
                &in.pixels[(static_cast<std::size_t>(y + y0) * in.width + x0) * 3], static_cast<std::size_t>(w) * 3);
  return out;
}

RgbImage resize(const RgbImage& in, int width, int height) {
  const Taps tx = taps_for(in.width, width), ty = taps_for(in.height, height);
  // Horizontal pass into floats (in.height × width), then vertical into bytes.
  std::vector<float> mid(static_cast<std::size_t>(in.height) * width * 3);
  for (int y = 0; y < in.height; ++y) {
    const std::uint8_t* row = &in.pixels[static_cast<std::size_t>(y) * in.width * 3];
    float* out = &mid[static_cast<std::size_t>(y) * width * 3];
    for (int x = 0; x < width; ++x) {
      float r = 0, g = 0, b = 0;
      const float* w = &tx.weights[static_cast<std::size_t>(x) * tx.stride];
      const std::uint8_t* p = row + static_cast<std::size_t>(tx.first[x]) * 3;
      for (int k = 0; k < tx.count[x]; ++k, p += 3) {
        r += w[k] * p[0];
        g += w[k] * p[1];
        b += w[k] * p[2];
      }
      out[x * 3] = r;
      out[x * 3 + 1] = g;
      out[x * 3 + 2] = b;
    }
  }
  RgbImage out{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
  const std::size_t row_len = static_cast<std::size_t>(width) * 3;
  std::vector<float> acc(row_len);
  for (int y = 0; y < height; ++y) {
    std::fill(acc.begin(), acc.end(), 0.f);
    const float* w = &ty.weights[static_cast<std::size_t>(y) * ty.stride];
    for (int k = 0; k < ty.count[y]; ++k) {
      const float* src = &mid[static_cast<std::size_t>(ty.first[y] + k) * row_len];
      for (std::size_t i = 0; i < row_len; ++i) acc[i] += w[k] * src[i];
    }
    std::uint8_t* dst = &out.pixels[static_cast<std::size_t>(y) * row_len];
    for (std::size_t i = 0; i < row_len; ++i) dst[i] = to_byte(acc[i]);
  }
  return out;
}

RgbImage to_model_input(const RgbImage& in, int size) { return resize(crop_to_aspect(in, 4, 3), size, size); }

std::vector<std::uint8_t> encode_jpeg(const RgbImage& img, int quality) {
  std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitCompress(), tjDestroy);
  if (!tj) return {};
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  if (tjCompress2(tj.get(), img.pixels.data(), img.width, 0, img.height, TJPF_RGB, &buf, &size, TJSAMP_420,
                  quality, 0) != 0) {
    tjFree(buf);
    return {};
  }
  std::vector<std::uint8_t> out(buf, buf + size);
  tjFree(buf);
  return out;
}

}  // namespace medcore::vision
