#pragma once
// The skin check: the classifier (loaded once at start-up, shared read-only by every inference
// worker), one uploaded image checked, classified, assessed and stored with its thumbnail, and
// the stored history. Routes are in routes.cpp; who may read whose analyses is decided there.
#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engines/vision/skin_model.hpp"

namespace soci {
class session;
class row;
}  // namespace soci

namespace medcore::skin {

// Uploads larger than this are refused before they are read in full.
inline constexpr std::size_t kMaxUploadBytes = 10 * 1024 * 1024;
inline constexpr int kMinSide = 64;
inline constexpr int kThumbnailSide = 256;

class Classifier {
 public:
  // models/skin (card.json + weights.pt). Throws std::runtime_error naming the folder.
  static std::shared_ptr<const Classifier> load(const std::string& dir);
  explicit Classifier(std::shared_ptr<const vision::SkinModel> model) : model_(std::move(model)) {}
  const vision::SkinModel& model() const { return *model_; }

 private:
  std::shared_ptr<const vision::SkinModel> model_;
};

// The answer to one image before it is stored: everything the API returns except id, patient,
// time and thumbnail URL, plus the thumbnail itself.
struct Analysis {
  boost::json::object result;
  std::string predicted_class, urgency;
  double confidence = 0;
  std::vector<std::uint8_t> thumbnail_jpeg;
};

// Decodes (422 problem+json for anything that is not a usable JPEG/PNG/WebP: nothing is stored
// then), classifies and assesses. CPU-bound: call it on the inference pool.
Analysis analyse(const Classifier& classifier, std::span<const std::uint8_t> image);

// Inserts the analysis in `sql`'s transaction; returns the stored item as the history lists it.
boost::json::object store(soci::session& sql, std::int64_t patient_id, const Analysis& analysis);

// GET /api/v1/skin/model: name, version, classes, validation metrics, limits, disclaimer.
boost::json::object model_summary(const Classifier& classifier);

extern const char* const kColumns;  // SELECT … FROM skin_analyses (without the thumbnail)
boost::json::object item_from_row(const soci::row& r);
std::string thumbnail_url(std::int64_t id);

}  // namespace medcore::skin
