// Roles and stored states as enums: every value survives to_string → parse, text that is no
// value's name is refused, and each migration's CHECK (... IN (...)) list names exactly the values
// of the enum (or constant list) the code reads that column with.
//
// The CHECK lists are read from the files under migrations/ (MEDCORE_SOURCE_DIR, set by CMake),
// not from the copies embedded in the binary: the unit tests link only the pure code, and the
// embedded copies are generated from these same files at build time.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "engines/ml/predictor.hpp"
#include "engines/ml/schema.hpp"
#include "engines/vision/skin_classes.hpp"
#include "features/accounts/model.hpp"
#include "features/appointments/model.hpp"
#include "features/health/model.hpp"
#include "features/skin/model.hpp"
#include "platform/core/roles.hpp"
#include "platform/jobs/model.hpp"
#include "platform/notify/model.hpp"

namespace {

using Names = std::vector<std::string>;

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Every value in `all` (the enum's list of its values) round-trips, names are distinct, and text
// that only resembles a name is refused. A value left out of `all` cannot be parsed back: the
// CHECK test below then fails on the name the migration lists and `all` lacks.
template <typename E, std::size_t N>
void expect_round_trip(const std::array<E, N>& all, std::optional<E> (*parse)(std::string_view)) {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < N; ++i) {
    const E value = all[i];
    EXPECT_EQ(static_cast<std::size_t>(value), i) << "list the values in declaration order";
    const std::string_view name = to_string(value);
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(seen.insert(name).second) << "two values named " << name;
    EXPECT_EQ(parse(name), value) << name;
    EXPECT_FALSE(parse(upper(name))) << name;
    EXPECT_FALSE(parse(std::string(name) + " ")) << name;
    EXPECT_FALSE(parse(" " + std::string(name))) << name;
  }
  EXPECT_FALSE(parse(""));
  EXPECT_FALSE(parse("unknown"));
}

template <typename E, std::size_t N>
Names names_of(const std::array<E, N>& all) {
  Names out;
  for (E v : all) out.emplace_back(to_string(v));
  return out;
}

// The health model lists its values as spans (its round trips are in health_model_test.cpp).
template <typename E>
Names names_of(std::span<const E> all) {
  Names out;
  for (E v : all) out.emplace_back(to_string(v));
  return out;
}

template <typename Container>
Names strings(const Container& c) {
  return Names(c.begin(), c.end());
}

Names sorted(Names v) {
  std::sort(v.begin(), v.end());
  return v;
}

// "table.column" → the quoted names of each CHECK (column IN ('a', 'b', ...)) in migrations/*.sql.
std::map<std::string, Names> check_lists() {
  const std::filesystem::path dir = std::filesystem::path(MEDCORE_SOURCE_DIR) / "migrations";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  std::sort(files.begin(), files.end());

  const std::regex table_re(R"(^\s*(?:CREATE|ALTER)\s+TABLE\s+(\w+))", std::regex::icase);
  const std::regex list_re(R"((\w+)\s+IN\s+\(\s*('[^']*'(?:\s*,\s*'[^']*')*)\s*\))", std::regex::icase);
  const std::regex name_re(R"('([^']*)')");
  std::map<std::string, Names> out;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::string line, table;
    while (std::getline(in, line)) {
      if (auto dash = line.find("--"); dash != std::string::npos) line.erase(dash);
      std::smatch m;
      if (std::regex_search(line, m, table_re)) table = m[1];
      // Only constraints: a partial index's WHERE status IN (...) is no list of allowed values.
      if (line.find("CHECK") == std::string::npos) continue;
      for (std::sregex_iterator it(line.begin(), line.end(), list_re), end; it != end; ++it) {
        const std::string key = table + "." + (*it)[1].str();
        const std::string list = (*it)[2];
        Names names;
        for (std::sregex_iterator n(list.begin(), list.end(), name_re); n != std::sregex_iterator(); ++n)
          names.push_back((*n)[1]);
        EXPECT_FALSE(out.contains(key)) << key << " constrained twice (" << file.filename().string() << ")";
        out[key] = names;
      }
    }
  }
  return out;
}

}  // namespace

TEST(StoredEnums, EveryValueRoundTripsAndUnknownTextIsRefused) {
  expect_round_trip(medcore::all_roles, medcore::parse_role);
  expect_round_trip(medcore::all_doctor_statuses, medcore::parse_doctor_status);
  expect_round_trip(medcore::appointments::all_appointment_statuses, medcore::appointments::parse_appointment_status);
  expect_round_trip(medcore::appointments::all_exception_kinds, medcore::appointments::parse_exception_kind);
  expect_round_trip(medcore::notify::all_mail_statuses, medcore::notify::parse_mail_status);
  expect_round_trip(medcore::jobs::all_job_statuses, medcore::jobs::parse_job_status);
}

TEST(StoredEnums, MigrationCheckListsNameExactlyTheEnumsValues) {
  using medcore::skin::Urgency;
  Names urgencies;
  for (Urgency u : {Urgency::routine, Urgency::soon, Urgency::prompt})
    urgencies.emplace_back(medcore::skin::urgency_name(u));

  // Every text column with a CHECK list, and what the code reads it with.
  const std::map<std::string, Names> expected = {
      {"users.role", names_of(medcore::all_roles)},
      {"doctors.status", names_of(medcore::all_doctor_statuses)},
      {"patients.sex", strings(medcore::accounts::sexes)},
      {"doctors.sex", strings(medcore::accounts::sexes)},
      // One value, written and matched only as SQL text in accounts/store.cpp; no enum to compare.
      {"password_tokens.purpose", {"reset"}},
      {"outbox.status", names_of(medcore::notify::all_mail_statuses)},
      {"jobs.status", names_of(medcore::jobs::all_job_statuses)},
      {"availability_exceptions.kind", names_of(medcore::appointments::all_exception_kinds)},
      {"appointments.status", names_of(medcore::appointments::all_appointment_statuses)},
      {"predictions.model", medcore::ml::model_names()},
      {"predictions.band", strings(medcore::ml::risk_bands)},
      {"skin_analyses.predicted_class", strings(medcore::vision::skin_class_codes)},
      {"skin_analyses.urgency", urgencies},
      {"health_readings.kind", names_of(medcore::health::all_kinds())},
      {"health_readings.entered_unit", names_of(medcore::health::all_units())},
      {"health_readings.glucose_context", names_of(medcore::health::all_glucose_contexts())},
      {"health_readings.source", names_of(medcore::health::all_sources())},
  };

  const auto found = check_lists();
  for (const auto& [column, names] : found) {
    auto it = expected.find(column);
    if (it == expected.end()) {
      ADD_FAILURE() << column << " has a CHECK list but no enum here: give it one and add it above";
      continue;
    }
    EXPECT_EQ(sorted(names), sorted(it->second)) << column;
  }
  for (const auto& [column, names] : expected)
    EXPECT_TRUE(found.contains(column)) << column << ": no CHECK list found in migrations/";
}
