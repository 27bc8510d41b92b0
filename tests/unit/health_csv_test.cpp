// Health readings as CSV (src/features/health/model_csv.hpp): RFC 4180 records, formula-safe fields,
// local times read in the patient's zone across DST, day boundaries, import keys, and row-by-row
// checking of an import file.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "features/health/model_csv.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/time.hpp"

namespace medcore::health {
namespace {

using namespace date::literals;

EpochMs at(const char* iso) { return *parse_iso8601(iso); }

TEST(HealthCsv, ReadsQuotedFieldsDoubledQuotesCrLfBomAndSkipsBlankLines) {
  const auto records = parse_csv("\xEF\xBB\xBF" "a,b,c\r\n1,\"x, \"\"y\"\"\",3\r\n\r\n\"multi\nline\",,\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"1", "x, \"y\"", "3"}));
  EXPECT_EQ(records[1].line, 2);
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"multi\nline", "", ""}));
  EXPECT_EQ(records[2].line, 4);
  EXPECT_TRUE(parse_csv("").empty());
  EXPECT_EQ(parse_csv("a,b").size(), 1u);  // no final line end
}

TEST(HealthCsv, AnUnclosedQuoteIsAFieldErrorOnCsv) {
  try {
    parse_csv("a,b\n\"open,1\n");
    FAIL() << "no error";
  } catch (const Problem& p) {
    ASSERT_EQ(p.errors().size(), 1u);
    EXPECT_EQ(p.errors()[0].field, "csv");
  }
}

TEST(HealthCsv, FieldsAreQuotedWhenNeededAndFormulasNeutralised) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("=1+1"), "'=1+1");
  EXPECT_EQ(csv_field("+x"), "'+x");
  EXPECT_EQ(csv_field("-x"), "'-x");
  EXPECT_EQ(csv_field("@x"), "'@x");
  EXPECT_EQ(csv_field(""), "");
}

TEST(HealthCsv, MeasuredAtIsAnInstantOrALocalTimeInThePatientsZone) {
  EXPECT_EQ(parse_measured_at("2026-06-01T08:00:00Z", "Asia/Kolkata"), at("2026-06-01T08:00:00Z"));
  EXPECT_EQ(parse_measured_at("2026-06-01T08:00:00+02:00", "UTC"), at("2026-06-01T06:00:00Z"));
  EXPECT_EQ(parse_measured_at("2026-06-01 08:00", "Asia/Kolkata"), at("2026-06-01T02:30:00Z"));
  EXPECT_EQ(parse_measured_at("2026-06-01T08:00:30", "Europe/Lisbon"), at("2026-06-01T07:00:30Z"));
  // New York: 02:30 on 8 March 2026 does not exist (moves forward by the gap); 01:30 on 1 November
  // happens twice (the first, EDT).
  EXPECT_EQ(parse_measured_at("2026-03-08 02:30", "America/New_York"), at("2026-03-08T07:30:00Z"));
  EXPECT_EQ(parse_measured_at("2026-11-01 01:30", "America/New_York"), at("2026-11-01T05:30:00Z"));
  EXPECT_EQ(parse_measured_at("2026-11-01 01:29", "America/New_York"), at("2026-11-01T05:29:00Z"));
  EXPECT_EQ(parse_measured_at("2026-06-01 08:00", "Not/AZone"), at("2026-06-01T08:00:00Z"));  // UTC
  EXPECT_FALSE(parse_measured_at("01/06/2026 08:00", "UTC"));
  EXPECT_FALSE(parse_measured_at("2026-06-01", "UTC"));
  EXPECT_FALSE(parse_measured_at("2026-13-01 08:00", "UTC"));
}

TEST(HealthCsv, LocalDaysAndTheirFirstInstant) {
  EXPECT_EQ(local_day(at("2026-06-01T18:29:59Z"), "Asia/Kolkata"), date::local_days{2026_y / 6 / 1});
  EXPECT_EQ(local_day(at("2026-06-01T18:30:00Z"), "Asia/Kolkata"), date::local_days{2026_y / 6 / 2});
  EXPECT_EQ(start_of_local_day(date::local_days{2026_y / 6 / 2}, "Asia/Kolkata"), at("2026-06-01T18:30:00Z"));
  EXPECT_EQ(start_of_local_day(date::local_days{2026_y / 3 / 8}, "America/New_York"), at("2026-03-08T05:00:00Z"));
  EXPECT_EQ(start_of_local_day(date::local_days{2026_y / 3 / 9}, "America/New_York"), at("2026-03-09T04:00:00Z"));
  // Havana skips midnight when DST starts (00:00 → 01:00): the day starts at the end of the gap.
  EXPECT_EQ(start_of_local_day(date::local_days{2026_y / 3 / 8}, "America/Havana"), at("2026-03-08T05:00:00Z"));
}

TEST(HealthCsv, ImportKeysDependOnTheMeasurementOnly) {
  Entry a;
  a.kind = Kind::blood_pressure;
  a.unit = Unit::mmhg;
  a.systolic = 120.0;
  a.diastolic = 80.0;
  a.measured_at = 1000;
  Entry b = a;
  EXPECT_EQ(import_key(a), import_key(b));
  EXPECT_EQ(import_key(a).size(), 64u);
  b.diastolic = 81.0;
  EXPECT_NE(import_key(a), import_key(b));
  b = a;
  b.measured_at = 1001;
  EXPECT_NE(import_key(a), import_key(b));
  b = a;
  b.pulse = 60.0;
  EXPECT_NE(import_key(a), import_key(b));
}

TEST(HealthCsv, ChecksEveryRowAndNamesItsErrors) {
  const Limits limits{.now = at("2026-12-01T00:00:00Z"), .date_of_birth = 1980_y / 1 / 1};
  const std::string csv =
      "Kind,Measured_At,Value,Unit,Context,Note,Extra\n"
      "blood_glucose,2026-06-01 07:00,\"5,6\",mmol_l,fasting,ok,ignored\n"
      "heart_rate,2026-06-01 07:00,abc,,,,\n"
      "mood,2026-06-01 07:00,3,,,,\n"
      "body_weight,2027-06-01 07:00,70,kg,,,\n"
      "body_weight,2026-06-01 07:00,154,lb,,,\n";
  const auto rows = read_import(csv, "Europe/Lisbon", limits);
  ASSERT_EQ(rows.size(), 5u);
  ASSERT_TRUE(rows[0].entry);
  EXPECT_DOUBLE_EQ(*rows[0].entry->value, 5.6);
  EXPECT_EQ(rows[0].entry->unit, Unit::mmol_l);
  EXPECT_EQ(rows[0].entry->measured_at, at("2026-06-01T06:00:00Z"));
  EXPECT_EQ(rows[0].note, "ok");
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_FALSE(rows[0].key.empty());
  ASSERT_FALSE(rows[1].entry);
  EXPECT_EQ(rows[1].errors[0].field, "value");
  EXPECT_EQ(rows[2].errors[0].field, "kind");
  EXPECT_EQ(rows[3].errors[0].field, "measured_at");
  ASSERT_TRUE(rows[4].entry);  // the unit is taken as given
  EXPECT_EQ(rows[4].entry->unit, Unit::lb);
}

TEST(HealthCsv, WholeFileProblemsAreOneErrorOnCsv) {
  const Limits limits{.now = at("2026-12-01T00:00:00Z"), .date_of_birth = std::nullopt};
  for (const char* csv : {"", "when,what\n1,2\n", "kind\nheart_rate\n"}) {
    try {
      read_import(csv, "UTC", limits);
      FAIL() << "no error for: " << csv;
    } catch (const Problem& p) {
      ASSERT_EQ(p.errors().size(), 1u);
      EXPECT_EQ(p.errors()[0].field, "csv");
    }
  }
  std::string big(kCsvHeader);
  for (std::size_t i = 0; i <= kMaxImportRows; ++i) big += "\n2026-06-01T08:00:00Z,heart_rate,70,per_min,,,,,";
  EXPECT_THROW(read_import(big, "UTC", limits), Problem);
}

}  // namespace
}  // namespace medcore::health
