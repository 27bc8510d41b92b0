#pragma once
// Health readings, one use case per function, each run inside the caller's transaction (routes.cpp
// opens it): record, edit, delete, list, chart series, CSV export, import preview and commit. The
// rules (validation, categories, urgent messages, trends) are model.hpp's; this file stores, reads
// and shapes answers. Who may call what is decided in routes.cpp.
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "features/health/model.hpp"
#include "platform/audit/audit.hpp"

namespace soci {
class session;
}

namespace medcore::health {

inline constexpr std::string_view kAttentionTemplate = "health_reading_attention";

// POST /api/v1/health/readings: validate (422 listing every field, nothing stored), store, and when
// the reading is urgent answer with the fixed message and mail the treating doctors in the same
// transaction. Returns {reading, urgent}.
boost::json::object record(soci::session& sql, std::int64_t patient_id, const std::string& body, EpochMs now);

// PATCH /api/v1/health/readings/{id}: the patient's own live reading, or 404.
boost::json::object edit(soci::session& sql, std::int64_t patient_id, std::int64_t reading_id, const std::string& body,
                         EpochMs now);

// DELETE: soft delete of the patient's own live reading (404 otherwise), audited with `entry`.
void remove(soci::session& sql, std::int64_t patient_id, std::int64_t reading_id, audit::Entry entry, EpochMs now);

// GET …/readings: {items, next_cursor}, newest measurement first. Query values as the request gave
// them (400 for a bad one).
struct ListParams {
  std::optional<std::string> kind, from, to, cursor, limit;
};
boost::json::object list(soci::session& sql, std::int64_t patient_id, const ListParams& params);
// Checks the parameters without reading anything (a bad one is refused before a read is audited).
void check_list_params(const ListParams& params);

// GET …/series?kind=&days=: the window's readings with categories, the trend and the 7-day home blood
// pressure, in the patient's time zone.
struct SeriesParams {
  std::optional<std::string> kind, days;
};
boost::json::object series(soci::session& sql, std::int64_t patient_id, const SeriesParams& params, EpochMs now);
void check_series_params(const SeriesParams& params);
inline constexpr int kMaxSeriesReadings = 20'000;

// GET /api/v1/health/export: every live reading, oldest first, in the import format.
std::string export_csv(soci::session& sql, std::int64_t patient_id);

// POST /api/v1/health/imports/preview: every row checked, nothing written.
boost::json::object preview_import(soci::session& sql, std::int64_t patient_id, const std::string& body, EpochMs now);
// POST /api/v1/health/imports: the rows the patient accepted (all valid ones by default), in one
// transaction; rows already imported are counted, not added again.
boost::json::object commit_import(soci::session& sql, std::int64_t patient_id, const std::string& body, EpochMs now);

}  // namespace medcore::health
