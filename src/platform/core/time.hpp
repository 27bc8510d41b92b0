#pragma once
// Instants are Unix epoch milliseconds (UTC) everywhere: in memory, in both databases
// (BIGINT) and converted to ISO 8601 with 'Z' only at the API edge.
#include <cstdint>
#include <date/date.h>
#include <optional>
#include <string>
#include <string_view>

namespace medcore {

using EpochMs = std::int64_t;

EpochMs now_ms();
// 2026-11-23T10:00:00.000Z
std::string iso8601(EpochMs t);
// Accepts ...Z or ±HH:MM offsets, with or without fractional seconds.
std::optional<EpochMs> parse_iso8601(std::string_view s);
// YYYY-MM-DD
std::string iso_date(date::year_month_day d);
std::optional<date::year_month_day> parse_iso_date(std::string_view s);
date::year_month_day utc_today();
// Whether the tz database knows this IANA zone name ("Europe/Lisbon", "UTC").
bool is_time_zone(std::string_view name);

}  // namespace medcore
