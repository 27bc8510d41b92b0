#pragma once
// Disease risk predictions for patients: the loaded models (once, at start-up; read-only and
// shared by every worker thread), one prediction validated, explained and stored, and the
// stored history. Routes are in routes.cpp; who may read whose history is decided there.
#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/ml/predictor.hpp"

namespace soci {
class session;
class row;
}  // namespace soci

namespace medcore::predictions {

class Models {
 public:
  // Every tabular model (heart, diabetes, stroke) from `dir` (its *.card.json and model files).
  // Throws std::runtime_error naming the file when one is missing or broken.
  static std::shared_ptr<const Models> load(const std::string& dir);

  // nullptr for a name that is not a model.
  const ml::Predictor* find(std::string_view name) const;
  const std::vector<std::shared_ptr<const ml::Predictor>>& all() const { return all_; }

 private:
  std::vector<std::shared_ptr<const ml::Predictor>> all_;
};

// Where a model's card is served.
std::string card_url(std::string_view model);

// The form metadata and card of one model, for GET /api/v1/prediction-models/{name}.
boost::json::object model_summary(const ml::Predictor& model);
boost::json::object model_card(const ml::Predictor& model);

// Validates the named features (422 with the field, its allowed range and unit for anything
// wrong; nothing is stored then), predicts, explains, and inserts the result in `sql`'s
// transaction. Returns the stored item (as the history lists it).
boost::json::object predict_and_store(soci::session& sql, const ml::Predictor& model, std::int64_t patient_id,
                                      const boost::json::object& input);

// The answer to one prediction, before it has an id (pure; exposed for tests).
boost::json::object explain(const ml::Predictor& model, const ml::Prediction& p, int missing_optional);

// SELECT … FROM predictions, and the shape of one row.
extern const char* const kColumns;
boost::json::object item_from_row(const soci::row& r);

// Profile values for a model's form: {values: {feature: value}, sources: {feature: source}, notes: [...]}.
// `sex` and `date_of_birth` come from the patients table.
boost::json::object prefill(const ml::Predictor& model, const std::string& date_of_birth, const std::string& sex);

}  // namespace medcore::predictions
