#pragma once
// Readings as CSV (pure, no I/O): the export a patient downloads and the file a home monitor gives,
// read back for import. One format both ways (docs/API.md, "Health readings as CSV"):
//
//   measured_at,kind,value,unit,systolic,diastolic,pulse,context,note
//
// `measured_at` is ISO 8601 with an offset or Z, or a local "YYYY-MM-DD HH:MM[:SS]" (also with a T),
// read in the patient's time zone: home monitors write local times. Columns are found by their
// header names, in any order; unknown columns are ignored.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "features/health/model.hpp"

namespace medcore::health {

// RFC 4180 records (quoted fields, doubled quotes, CRLF or LF, a BOM at the start is skipped).
// Blank lines are dropped. Each record keeps the line it started on (1-based). Throws
// problems::validation on field "csv" for an unterminated quote.
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};
std::vector<CsvRecord> parse_csv(std::string_view text);

// A field quoted when it must be, and neutralised when a spreadsheet would run it as a formula
// (a leading =, +, - or @ gets a leading apostrophe; numbers are written by the caller, never text).
std::string csv_field(std::string_view text);

inline constexpr std::string_view kCsvHeader = "measured_at,kind,value,unit,systolic,diastolic,pulse,context,note";
inline constexpr std::size_t kMaxImportRows = 5000;

// One data row of an import file.
struct ImportRow {
  int line = 0;
  std::optional<Entry> entry;        // set when the row is valid
  std::optional<std::string> note;
  std::vector<FieldError> errors;    // field names as in the header; empty when valid
  std::string key;                   // digest of the measurement (see import_key); valid rows only
};

// Every row of an import file checked against the model's validation. Whole-file problems (no
// header, a required column missing, too many rows) throw problems::validation on field "csv".
std::vector<ImportRow> read_import(std::string_view csv, std::string_view time_zone, const Limits& limits);

// The import key of a valid entry: SHA-256 of its kind, instant, values as entered, unit and
// context. The same measurement in a second file (or the same file again) has the same key.
std::string import_key(const Entry& entry);

// A local date-time in `time_zone` ("2026-03-01 08:30", seconds optional, space or T) or an ISO 8601
// instant with an offset; nullopt when it is neither. A local time that falls twice (DST ends) is the
// earlier one; one that does not exist (DST starts) moves forward by the gap.
std::optional<EpochMs> parse_measured_at(std::string_view text, std::string_view time_zone);

// The local calendar day of an instant in `time_zone` (UTC when the zone is unknown).
date::local_days local_day(EpochMs at, std::string_view time_zone);
// The first instant of a local day in `time_zone`.
EpochMs start_of_local_day(date::local_days day, std::string_view time_zone);

}  // namespace medcore::health
