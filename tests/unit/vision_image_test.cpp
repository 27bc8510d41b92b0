// Image decoding and resampling (src/engines/vision/image.*): what an upload may be, and that the
// network sees the same pixels whatever the photo's size and format.
#include <gtest/gtest.h>
#include <png.h>
#include <webp/encode.h>

#include <cstring>
#include <numeric>

#include "engines/vision/image.hpp"

using namespace medcore::vision;

namespace {

RgbImage gradient(int w, int h) {
  RgbImage img{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      auto* p = &img.pixels[(static_cast<std::size_t>(y) * w + x) * 3];
      p[0] = static_cast<std::uint8_t>(x * 255 / std::max(1, w - 1));
      p[1] = static_cast<std::uint8_t>(y * 255 / std::max(1, h - 1));
      p[2] = 128;
    }
  return img;
}

std::vector<std::uint8_t> encode_png(const RgbImage& img) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = img.width;
  png.height = img.height;
  png.format = PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  png_image_write_to_memory(&png, nullptr, &size, 0, img.pixels.data(), 0, nullptr);
  std::vector<std::uint8_t> out(size);
  EXPECT_TRUE(png_image_write_to_memory(&png, out.data(), &size, 0, img.pixels.data(), 0, nullptr));
  out.resize(size);
  return out;
}

std::vector<std::uint8_t> encode_webp(const RgbImage& img) {
  std::uint8_t* buf = nullptr;
  const std::size_t n = WebPEncodeLosslessRGB(img.pixels.data(), img.width, img.height, img.width * 3, &buf);
  std::vector<std::uint8_t> out(buf, buf + n);
  WebPFree(buf);
  return out;
}

// PNG chunk CRC (ISO 3309), so a header can be edited and still be valid.
std::uint32_t png_crc(const std::uint8_t* p, std::size_t n) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

double mean_abs_diff(const RgbImage& a, const RgbImage& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) d += std::abs(int(a.pixels[i]) - int(b.pixels[i]));
  return d / a.pixels.size();
}

}  // namespace

TEST(VisionImage, DecodesJpegPngAndWebpByTheirMagicBytes) {
  const RgbImage src = gradient(120, 90);
  const auto jpeg = encode_jpeg(src, 95);
  const auto png = encode_png(src);
  const auto webp = encode_webp(src);
  for (const auto& [bytes, format] : {std::pair{jpeg, ImageFormat::jpeg}, std::pair{png, ImageFormat::png},
                                      std::pair{webp, ImageFormat::webp}}) {
    const auto r = decode_image(bytes);
    ASSERT_TRUE(r.image) << media_type_of(format);
    EXPECT_EQ(r.format, format);
    EXPECT_EQ(r.image->width, 120);
    EXPECT_EQ(r.image->height, 90);
    // Lossless formats give the pixels back exactly; JPEG at quality 95 nearly so.
    EXPECT_LT(mean_abs_diff(*r.image, src), format == ImageFormat::jpeg ? 3.0 : 0.001);
  }
}

TEST(VisionImage, RefusesWhatIsNotAnImage) {
  const std::string text = "%PDF-1.7 not an image at all";
  const auto r = decode_image({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  EXPECT_FALSE(r.image);
  EXPECT_EQ(r.error, DecodeError::not_an_image);
  EXPECT_EQ(decode_image({}).error, DecodeError::not_an_image);
}

TEST(VisionImage, RefusesTruncatedFilesOfEveryFormat) {
  const RgbImage src = gradient(200, 150);
  for (auto bytes : {encode_jpeg(src, 90), encode_png(src), encode_webp(src)}) {
    bytes.resize(bytes.size() / 2);
    const auto r = decode_image(bytes);
    EXPECT_FALSE(r.image);
    EXPECT_EQ(r.error, DecodeError::corrupt);
  }
}

TEST(VisionImage, ChecksTheAnnouncedSizeBeforeAllocatingPixels) {
  // A valid PNG header that announces 60000×60000 pixels, and nothing else: refused as too large
  // from the header alone (decoding would need 10 GB).
  auto png = encode_png(gradient(64, 64));
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) png[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
  };
  put32(16, 60000);
  put32(20, 60000);
  const std::uint32_t crc = png_crc(png.data() + 12, 17);
  put32(29, crc);
  const auto r = decode_image(png);
  EXPECT_FALSE(r.image);
  EXPECT_EQ(r.error, DecodeError::too_large);

  DecodeLimits limits;
  limits.min_side = 64;
  EXPECT_EQ(decode_image(encode_png(gradient(63, 200)), limits).error, DecodeError::too_small);
  EXPECT_TRUE(decode_image(encode_png(gradient(64, 64)), limits).image);
}

TEST(VisionImage, CropsTheCentreToTheTrainingImagesShape) {
  const RgbImage square = gradient(300, 300);
  const RgbImage c = crop_to_aspect(square, 4, 3);
  EXPECT_EQ(c.width, 300);
  EXPECT_EQ(c.height, 225);
  // The first row of the crop is row 37 of the source.
  EXPECT_EQ(0, std::memcmp(c.pixels.data(), &square.pixels[37 * 300 * 3], 300 * 3));
  const RgbImage tall = crop_to_aspect(gradient(100, 400), 4, 3);
  EXPECT_EQ(tall.width, 100);
  EXPECT_EQ(tall.height, 75);
  EXPECT_EQ(crop_to_aspect(gradient(200, 150), 4, 3).pixels, gradient(200, 150).pixels);
}

TEST(VisionImage, ResizeKeepsFlatColoursAndAveragesWhenShrinking) {
  RgbImage flat{50, 40, std::vector<std::uint8_t>(50 * 40 * 3)};
  for (std::size_t i = 0; i < flat.pixels.size(); i += 3) {
    flat.pixels[i] = 200;
    flat.pixels[i + 1] = 100;
    flat.pixels[i + 2] = 7;
  }
  for (auto [w, h] : {std::pair{128, 128}, std::pair{13, 9}, std::pair{50, 40}}) {
    const auto r = resize(flat, w, h);
    ASSERT_EQ(r.pixels.size(), static_cast<std::size_t>(w) * h * 3);
    for (std::size_t i = 0; i < r.pixels.size(); i += 3) {
      ASSERT_EQ(r.pixels[i], 200);
      ASSERT_EQ(r.pixels[i + 1], 100);
      ASSERT_EQ(r.pixels[i + 2], 7);
    }
  }
  // A one-pixel checkerboard shrunk 4× is grey everywhere: every source pixel counted, none skipped.
  RgbImage board{64, 64, std::vector<std::uint8_t>(64 * 64 * 3)};
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x)
      for (int c = 0; c < 3; ++c) board.pixels[(y * 64 + x) * 3 + c] = ((x + y) % 2) ? 255 : 0;
  const auto small = resize(board, 16, 16);
  for (auto v : small.pixels) ASSERT_NEAR(v, 128, 2);
}

TEST(VisionImage, ModelInputIsSquareWhateverThePhoto) {
  for (auto [w, h] : {std::pair{4000, 3000}, std::pair{3000, 4000}, std::pair{64, 64}, std::pair{200, 150}}) {
    const auto in = to_model_input(gradient(w, h), 128);
    EXPECT_EQ(in.width, 128);
    EXPECT_EQ(in.height, 128);
  }
}
