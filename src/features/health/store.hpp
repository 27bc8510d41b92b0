#pragma once
// All SQL of the health feature (table health_readings, migration 0008), portable between SQLite
// and PostgreSQL. Deleted readings (deleted_at set) are invisible to every read here.
#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "features/health/model.hpp"

namespace medcore::health::store {

// What the health rules need from a patient's profile (patients: zone, date of birth).
struct Patient {
  std::int64_t id = 0;
  std::string time_zone = "UTC";
  std::optional<date::year_month_day> date_of_birth;
  std::string sex = "unknown";  // as stored: female, male, intersex, unknown
};
std::optional<Patient> find_patient(soci::session& sql, std::int64_t patient_id);

struct Row {
  std::int64_t id = 0, patient_id = 0;
  Reading reading;  // canonical values; local_day left for the caller
  std::optional<std::string> note;
  Source source = Source::manual;
  EpochMs created_at = 0, updated_at = 0;
};

// A live (not deleted) reading.
std::optional<Row> find(soci::session& sql, std::int64_t id);

std::int64_t insert(soci::session& sql, std::int64_t patient_id, const Reading& r, const std::optional<std::string>& note,
                    Source source, EpochMs now);
// Imported rows: nothing when the patient already has a reading with this key (same file again,
// a parallel commit of it, or a reading imported earlier and deleted since). Returns the new id, or 0.
std::int64_t insert_imported(soci::session& sql, std::int64_t patient_id, const Reading& r,
                             const std::optional<std::string>& note, const std::string& key, EpochMs now);
// Which of `keys` the patient already has (deleted readings included: they do not come back).
std::vector<std::string> existing_keys(soci::session& sql, std::int64_t patient_id, const std::vector<std::string>& keys);

// Measurement fields and note of a live reading; false when it is gone.
bool update(soci::session& sql, std::int64_t id, const Reading& r, const std::optional<std::string>& note, EpochMs now);
// Live → deleted; false when it was already gone.
bool soft_delete(soci::session& sql, std::int64_t id, std::int64_t by, EpochMs now);

// One page of a patient's readings, newest measurement first, keyed by (measured_at, id).
struct ListQuery {
  std::int64_t patient_id = 0;
  std::optional<Kind> kind;
  std::optional<EpochMs> from, to;  // measured_at in [from, to)
  std::optional<std::pair<EpochMs, std::int64_t>> before;  // cursor: strictly older than this
  int limit = 20;                   // rows read: the caller asks for one more than it shows
};
std::vector<Row> list(soci::session& sql, const ListQuery& q);

// Every live reading of the patient (of one kind, when given) measured in [from, to), oldest first,
// at most `max_rows` (charts and exports).
std::vector<Row> range(soci::session& sql, std::int64_t patient_id, std::optional<Kind> kind, EpochMs from, EpochMs to,
                       int max_rows);

// The doctors who may be told about an urgent reading: approved doctors with a booking (not
// cancelled) or a conversation with the patient, with their name and email. The decision is still
// care::doctor_treats_patient's; this only lists who to ask about (see service.cpp).
struct Doctor {
  std::int64_t id = 0;
  std::string name, email;
};
std::vector<Doctor> doctors_in_contact(soci::session& sql, std::int64_t patient_id);

// ---- advice (migration 0009) -------------------------------------------------------------

std::int64_t insert_advice(soci::session& sql, std::int64_t patient_id, EpochMs created_at, const std::string& provider,
                           const std::string& model, bool fell_back, const std::string& reason,
                           const std::string& answer_json);

// The patient's latest risk prediction per model (model, band, created_at). A read of the
// predictions feature's table (migration 0005) here, not through its store: a feature includes no
// other feature's store.hpp, and predictions offers no read API yet. Only the three columns the
// facts need; when predictions grows one, this goes.
struct RiskRow {
  std::string model, band;
  EpochMs created_at = 0;
};
std::vector<RiskRow> latest_predictions(soci::session& sql, std::int64_t patient_id);

// admin_settings: a value, or empty when never set.
std::string admin_setting(soci::session& sql, const std::string& name);
void set_admin_setting(soci::session& sql, const std::string& name, const std::string& value,
                       std::optional<std::int64_t> by, EpochMs now);

}  // namespace medcore::health::store
