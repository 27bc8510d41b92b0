#include "features/skin/service.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>

#include "platform/core/crypto.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/time.hpp"
#include "platform/db/query.hpp"
#include "engines/ml/json_text.hpp"
#include "features/skin/model.hpp"

namespace medcore::skin {

namespace json = boost::json;

namespace {

constexpr const char* kCardUrl = "/api/v1/skin/model/card";

// 422 with the upload as the one field in error, like every other validation answer.
Problem image_problem(vision::DecodeError e) {
  const auto make = [](const char* slug, const char* title, std::string detail) {
    Problem p(422, slug, title, detail);
    p.with_errors({{"body", std::move(detail)}});
    return p;
  };
  switch (e) {
    case vision::DecodeError::not_an_image: return make("not-an-image", "Not an image", std::string(vision::describe(e)));
    case vision::DecodeError::corrupt: break;
    case vision::DecodeError::too_small:
      return make("image-too-small", "Image too small",
                  "The image must be at least " + std::to_string(kMinSide) + " pixels on each side.");
    case vision::DecodeError::too_large:
      return make("image-too-large", "Image too large",
                  "The image may have at most 12000 pixels on a side and 40 megapixels in all.");
  }
  return make("image-corrupt", "Image cannot be read", std::string(vision::describe(vision::DecodeError::corrupt)));
}

std::string_view format_name(vision::ImageFormat f) {
  switch (f) {
    case vision::ImageFormat::jpeg: return "jpeg";
    case vision::ImageFormat::png: return "png";
    case vision::ImageFormat::webp: return "webp";
  }
  return "jpeg";
}

json::object class_entry(const ClassProbability& c) {
  return {{"class", c.code}, {"name", c.name}, {"probability", ml::round_to(c.probability, 4)}};
}

}  // namespace

std::shared_ptr<const Classifier> Classifier::load(const std::string& dir) {
  try {
    return std::make_shared<const Classifier>(vision::SkinModel::load(dir));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot load the skin lesion model from '" + dir + "': " + e.what());
  }
}

Analysis analyse(const Classifier& classifier, std::span<const std::uint8_t> image) {
  vision::DecodeLimits limits;
  limits.min_side = kMinSide;
  auto decoded = vision::decode_image(image, limits);
  if (!decoded.image) throw image_problem(decoded.error);
  const vision::RgbImage& photo = *decoded.image;

  const auto p = classifier.model().classify(photo);
  std::array<double, kClasses> probabilities{};
  std::copy_n(p.begin(), kClasses, probabilities.begin());
  const Assessment a = assess(probabilities);

  json::object all;
  for (int k = 0; k < kClasses; ++k)
    all[vision::skin_class_codes[k]] = ml::round_to(probabilities[k], 4);
  json::array top;
  for (const auto& c : a.top) top.push_back(class_entry(c));
  json::array steps;
  for (const auto& s : a.care.steps) steps.emplace_back(s);
  const auto& config = classifier.model().config();
  Analysis out;
  out.result = {
      {"model", {{"name", "skin lesion classifier"}, {"version", config.version}, {"card_url", kCardUrl}}},
      {"prediction", class_entry(a.predicted)},
      {"confidence", ml::round_to(a.predicted.probability, 4)},
      {"uncertain", a.uncertain},
      {"top", std::move(top)},
      {"probabilities", std::move(all)},
      {"urgency", {{"level", urgency_name(a.urgency)}, {"title", a.urgency_title}, {"advice", a.urgency_advice}}},
      {"care", {{"summary", a.care.summary}, {"steps", std::move(steps)}}},
      {"disclaimer", disclaimer()},
      {"image", {{"width", photo.width}, {"height", photo.height}, {"format", format_name(*decoded.format)}}}};
  out.predicted_class = std::string(a.predicted.code);
  out.urgency = std::string(urgency_name(a.urgency));
  out.confidence = a.predicted.probability;
  // The thumbnail keeps the photo's shape, at most kThumbnailSide on the longer side.
  const double scale = std::min(1.0, static_cast<double>(kThumbnailSide) / std::max(photo.width, photo.height));
  const int tw = std::max(1, static_cast<int>(photo.width * scale + 0.5));
  const int th = std::max(1, static_cast<int>(photo.height * scale + 0.5));
  out.thumbnail_jpeg = vision::encode_jpeg(scale < 1 ? vision::resize(photo, tw, th) : photo, 80);
  return out;
}

json::object store(soci::session& sql, std::int64_t patient_id, const Analysis& a) {
  const long long patient = patient_id;
  const long long now = now_ms();
  const std::string version = json::value_to<std::string>(a.result.at("model").at("version"));
  const std::string result_text = json::serialize(a.result);
  const std::string thumbnail = crypto::base64url(
      std::string_view(reinterpret_cast<const char*>(a.thumbnail_jpeg.data()), a.thumbnail_jpeg.size()));
  const double confidence = a.confidence;
  long long id = 0;
  sql << "INSERT INTO skin_analyses (patient_id, model_version, predicted_class, confidence, urgency, result, "
         "thumbnail, created_at) VALUES (:p, :v, :c, :f, :u, :r, :t, :n) RETURNING id",
      soci::use(patient), soci::use(version), soci::use(a.predicted_class), soci::use(confidence),
      soci::use(a.urgency), soci::use(result_text), soci::use(thumbnail), soci::use(now), soci::into(id);
  json::object item = a.result;
  item["id"] = id;
  item["patient_id"] = patient;
  item["created_at"] = iso8601(now);
  item["thumbnail_url"] = thumbnail_url(id);
  return item;
}

json::object model_summary(const Classifier& classifier) {
  const auto& card = classifier.model().card();
  json::array classes;
  for (int k = 0; k < kClasses; ++k)
    classes.push_back(json::object{{"code", vision::skin_class_codes[k]}, {"name", vision::skin_class_names[k]}});
  const auto& val = card.at("evaluation").at("validation");
  return {{"name", "skin lesion classifier"},
          {"version", classifier.model().config().version},
          {"classes", std::move(classes)},
          {"input_size", classifier.model().config().input_size},
          {"metrics", {{"validation_accuracy", val.at("accuracy")}, {"validation_macro_auc", val.at("macro_auc")}}},
          {"card_url", kCardUrl},
          {"disclaimer", disclaimer()},
          {"limits", card.at("limits")}};
}

const char* const kColumns = "SELECT id, patient_id, created_at, result FROM skin_analyses";

json::object item_from_row(const soci::row& r) {
  json::object item = json::parse(db::col_text(r, 3)).as_object();
  item["id"] = db::col_int(r, 0);
  item["patient_id"] = db::col_int(r, 1);
  item["created_at"] = iso8601(db::col_int(r, 2));
  item["thumbnail_url"] = thumbnail_url(db::col_int(r, 0));
  return item;
}

std::string thumbnail_url(std::int64_t id) { return "/api/v1/skin/analyses/" + std::to_string(id) + "/thumbnail"; }

}  // namespace medcore::skin
