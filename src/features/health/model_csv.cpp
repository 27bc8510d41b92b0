#include "features/health/model_csv.hpp"

#include <date/tz.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "platform/core/crypto.hpp"

namespace medcore::health {

namespace {

const date::time_zone* zone_or_utc(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    return date::locate_zone("UTC");
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal number as a person writes it ("120", "5.4", "-1"); a decimal comma is accepted too
// (European meters), since the file's separator is the comma only outside quotes.
std::optional<double> number(std::string_view text) {
  std::string s(trim(text));
  for (auto& c : s)
    if (c == ',') c = '.';
  if (s.empty()) return std::nullopt;
  double v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string shortest(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

std::vector<CsvRecord> parse_csv(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<CsvRecord> out;
  CsvRecord record;
  std::string field;
  bool quoted = false, field_started = false;
  int line = 1;
  record.line = 1;
  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    const bool blank = record.fields.size() == 1 && record.fields[0].empty();
    if (!blank) out.push_back(std::move(record));
    record = CsvRecord{};
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      record.line = ++line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (quoted) throw problems::validation({{"csv", "line " + std::to_string(record.line) + ": a quoted field is not closed"}});
  if (field_started || !record.fields.empty() || !field.empty()) end_record();
  return out;
}

std::string csv_field(std::string_view text) {
  std::string s(text);
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) s.insert(s.begin(), '\'');
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

date::local_days local_day(EpochMs at, std::string_view time_zone) {
  const auto* zone = zone_or_utc(time_zone);
  const date::sys_time<std::chrono::milliseconds> t{std::chrono::milliseconds(at)};
  return date::floor<date::days>(zone->to_local(t));
}

EpochMs start_of_local_day(date::local_days day, std::string_view time_zone) {
  const auto* zone = zone_or_utc(time_zone);
  const auto info = zone->get_info(date::local_seconds(day));
  // Midnight can be skipped (a DST change at 00:00): the day then starts at the end of the gap.
  date::sys_seconds start = info.result == date::local_info::nonexistent
                                ? info.second.begin
                                : date::sys_seconds(day.time_since_epoch()) - info.first.offset;
  return std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count();
}

std::optional<EpochMs> parse_measured_at(std::string_view text, std::string_view time_zone) {
  text = trim(text);
  if (auto t = parse_iso8601(text)) return t;
  std::string s(text);
  if (s.size() < 16 || s.size() > 19) return std::nullopt;
  if (s[10] == ' ') s[10] = 'T';
  for (const char* fmt : {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"}) {
    std::istringstream in(s);
    date::local_seconds local;
    in >> date::parse(fmt, local);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) continue;
    const auto* zone = zone_or_utc(time_zone);
    const auto info = zone->get_info(local);
    // With the offset in force before the change: a time that falls twice is the earlier instant, a
    // time in a spring-forward gap lands as far past the gap as it was into it.
    const date::sys_seconds sys = date::sys_seconds(local.time_since_epoch()) - info.first.offset;
    return std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count();
  }
  return std::nullopt;
}

std::string import_key(const Entry& e) {
  std::string text = std::string(to_string(e.kind)) + "|" + std::to_string(e.measured_at) + "|" +
                     std::string(to_string(e.unit));
  for (const auto& v : {e.value, e.systolic, e.diastolic, e.pulse}) text += "|" + (v ? shortest(*v) : std::string());
  text += "|" + (e.context ? std::string(to_string(*e.context)) : std::string());
  return crypto::sha256_hex(text);
}

std::vector<ImportRow> read_import(std::string_view csv, std::string_view time_zone, const Limits& limits) {
  auto records = parse_csv(csv);
  if (records.empty()) throw problems::validation({{"csv", "is empty: the first line must name the columns (" +
                                                               std::string(kCsvHeader) + ")"}});
  if (records.size() - 1 > kMaxImportRows)
    throw problems::validation({{"csv", "has more than " + std::to_string(kMaxImportRows) + " rows; split the file"}});

  // Columns by name.
  const std::vector<std::string_view> names{"measured_at", "kind", "value", "unit", "systolic",
                                            "diastolic", "pulse", "context", "note"};
  std::vector<int> column(names.size(), -1);
  const auto& header = records.front().fields;
  for (std::size_t i = 0; i < header.size(); ++i) {
    std::string h(trim(header[i]));
    for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::size_t n = 0; n < names.size(); ++n)
      if (h == names[n] && column[n] < 0) column[n] = static_cast<int>(i);
  }
  for (std::size_t n = 0; n < 2; ++n)
    if (column[n] < 0)
      throw problems::validation({{"csv", "the first line must name the columns; '" + std::string(names[n]) +
                                              "' is missing (" + std::string(kCsvHeader) + ")"}});

  std::vector<ImportRow> out;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const auto& fields = records[r].fields;
    auto cell = [&](std::size_t n) -> std::optional<std::string_view> {
      if (column[n] < 0 || static_cast<std::size_t>(column[n]) >= fields.size()) return std::nullopt;
      auto v = trim(fields[static_cast<std::size_t>(column[n])]);
      if (v.empty()) return std::nullopt;
      return v;
    };
    ImportRow row;
    row.line = records[r].line;
    auto fail = [&](std::string field, std::string message) { row.errors.push_back({std::move(field), std::move(message)}); };

    Entry e;
    const auto kind_text = cell(1);
    const auto kind = kind_text ? parse_kind(*kind_text) : std::nullopt;
    if (!kind) {
      fail("kind", "must be one of: blood_pressure, blood_glucose, heart_rate, body_weight, spo2, body_temperature");
    } else {
      e.kind = *kind;
    }
    if (auto at_text = cell(0)) {
      if (auto at = parse_measured_at(*at_text, time_zone)) {
        e.measured_at = *at;
      } else {
        fail("measured_at", "must be an ISO 8601 instant (2026-03-01T08:30:00Z) or a local time (2026-03-01 08:30)");
      }
    } else {
      fail("measured_at", "is required");
    }
    if (auto unit_text = cell(3)) {
      if (auto unit = parse_unit(*unit_text)) {
        e.unit = *unit;
      } else {
        fail("unit", "is not a unit medcore knows");
      }
    } else if (kind) {
      e.unit = info(*kind).entry_units.empty() ? info(*kind).canonical : info(*kind).entry_units.front();
    }
    auto read_number = [&](std::size_t n, std::optional<double>& into) {
      if (auto v = cell(n)) {
        if (auto x = number(*v)) {
          into = *x;
        } else {
          fail(std::string(names[n]), "must be a number");
        }
      }
    };
    read_number(2, e.value);
    read_number(4, e.systolic);
    read_number(5, e.diastolic);
    read_number(6, e.pulse);
    if (auto ctx = cell(7)) {
      if (auto c = parse_glucose_context(*ctx)) {
        e.context = *c;
      } else {
        fail("context", "must be one of: fasting, before_meal, after_meal_2h, random, bedtime");
      }
    }
    if (auto note = cell(8)) {
      if (note->size() > 500) {
        fail("note", "must be at most 500 characters");
      } else {
        row.note = std::string(*note);
      }
    }
    if (row.errors.empty()) {
      row.errors = validate(e, limits);
      if (row.errors.empty()) {
        row.key = import_key(e);
        row.entry = e;
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace medcore::health
