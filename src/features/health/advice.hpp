#pragma once
// The AI health advisor (POST/GET /api/v1/health/advice, GET/PUT /api/v1/admin/ai): the patient's
// readings, trends and categories (this feature's model), age band and sex (the profile) and the
// latest risk-prediction bands become de-identified ai::HealthFacts; the one ai::Engine answers;
// the answer is stored as given (health_advice, migration 0009). Whether a network provider may
// be asked is an administrator's switch (admin_settings `ai.provider_enabled`, audited).
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engines/ai/answer.hpp"
#include "engines/ai/facts.hpp"
#include "features/health/model.hpp"
#include "platform/audit/audit.hpp"

namespace soci {
class session;
}

namespace medcore::health {

// The windows a patient may ask advice over (the same as the charts'); default 30.
inline constexpr int kDefaultAdviceDays = 30;
// POST body: {} or {"days": 7|30|90|365}. 422 otherwise.
int parse_advice_days(const std::string& body);

// ---- pure: from this feature's rules to the engine's facts ---------------------------------------

// A reading's guideline category in the engine's words (nullopt where the engine has no word:
// glucose "high" and "unclassified", which ADA does not name a diagnosis range).
std::optional<ai::Category> ai_category(const Reading& reading);
ai::Guideline ai_guideline(Guideline guideline);
std::optional<ai::ReadingKind> ai_kind(Kind kind);
ai::Sex ai_sex(std::string_view stored);
int age_in_years(date::year_month_day birth, date::year_month_day today);

struct StoredRisk {
  std::string model, band;  // predictions.model / band as stored
  EpochMs created_at = 0;
};

// The facts of one patient: readings of the window (local_day set, oldest first), the profile's
// birth date and sex, the latest prediction per model. Never a name, note, date or id.
ai::HealthFacts advice_facts(std::span<const Reading> readings, int window_days, std::optional<date::year_month_day> birth,
                             std::string_view sex, std::span<const StoredRisk> risks, date::year_month_day today,
                             EpochMs now);

// The fixed urgent message of the most pressing urgent reading in the window (the latest per kind),
// whatever a provider wrote: the same text the reading route answers with.
std::optional<std::string> urgent_message_of(std::span<const Reading> latest_per_kind);

// ---- storage and shapes ----------------------------------------------------------------------

// {id, created_at, answer}: the item shape of both advice routes.
boost::json::object store_advice(soci::session& sql, std::int64_t patient_id, const ai::Answer& answer, EpochMs now);
boost::json::object advice_item(std::int64_t id, EpochMs created_at, const std::string& answer_json);

// The administrator's switch; false when never set.
bool provider_enabled(soci::session& sql);
void set_provider_enabled(soci::session& sql, bool enabled, audit::Entry entry, EpochMs now);

}  // namespace medcore::health
