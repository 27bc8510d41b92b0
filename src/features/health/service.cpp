#include "features/health/service.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <set>

#include "features/care/relationship.hpp"
#include "features/health/model_csv.hpp"
#include "features/health/store.hpp"
#include "platform/core/json_input.hpp"
#include "platform/core/paging.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/text.hpp"
#include "platform/core/time.hpp"
#include "platform/notify/outbox.hpp"

namespace medcore::health {

namespace json = boost::json;

namespace {

constexpr std::size_t kNoteMax = 500;
constexpr std::array<int, 4> kSeriesDays{7, 30, 90, 365};

// Numbers as a person reads them: at most 4 significant decimals, no binary noise (126.112, not
// 126.11200000000001).
double tidy(double v) { return std::round(v * 10000.0) / 10000.0; }

std::string kind_list() {
  std::string s;
  for (Kind k : all_kinds())
    if (!info(k).entry_units.empty()) s += (s.empty() ? "" : ", ") + std::string(to_string(k));
  return s;
}

store::Patient patient_or_forbidden(soci::session& sql, std::int64_t patient_id) {
  auto p = store::find_patient(sql, patient_id);
  if (!p) throw problems::forbidden("Only patients have health readings.");
  return *p;
}

Limits limits_for(const store::Patient& p, EpochMs now) { return Limits{.now = now, .date_of_birth = p.date_of_birth}; }

json::object coding(Kind kind) {
  const auto& i = info(kind);
  json::object c{{"system", "http://loinc.org"}, {"code", i.loinc.front().code}, {"display", i.loinc.front().display}};
  json::array components;
  static constexpr std::array<const char*, 2> names{"systolic", "diastolic"};
  for (std::size_t n = 0; n < i.components.size() && n < names.size(); ++n)
    components.push_back(json::object{{"name", names[n]}, {"code", i.components[n].code}, {"display", i.components[n].display}});
  c["components"] = std::move(components);
  return c;
}

json::value opt(std::optional<double> v) { return v ? json::value(tidy(*v)) : json::value(nullptr); }

json::value category_value(const Reading& r) {
  auto c = category_of(r);
  if (!c) return nullptr;
  return json::object{{"code", c->code}, {"guideline", to_string(c->guideline)}};
}

json::value urgent_value(const std::optional<Urgent>& u) {
  if (!u) return nullptr;
  return json::object{{"reason", to_string(u->reason)}, {"message", u->message}, {"source", u->source}};
}

// One reading as every route answers it. A series gives the kind's coding once, not per reading
// (`with_code` false): a year of blood pressure is 1,460 of them.
json::object reading_json(const store::Row& row, std::string_view time_zone, bool with_code = true) {
  const auto& r = row.reading;
  const bool bp = r.kind == Kind::blood_pressure;
  const Unit stored_unit = info(r.kind).canonical;
  json::object o;
  o["id"] = row.id;
  o["patient_id"] = row.patient_id;
  o["kind"] = to_string(r.kind);
  o["measured_at"] = iso8601(r.measured_at);
  o["local_date"] = iso_date(date::year_month_day{local_day(r.measured_at, time_zone)});
  if (with_code) o["code"] = coding(r.kind);
  o["unit"] = to_string(stored_unit);
  o["ucum"] = ucum(stored_unit);
  o["value"] = bp ? json::value(nullptr) : json::value(tidy(r.value));
  o["systolic"] = bp ? json::value(tidy(r.systolic)) : json::value(nullptr);
  o["diastolic"] = bp ? json::value(tidy(r.diastolic)) : json::value(nullptr);
  o["pulse"] = bp ? opt(r.pulse) : json::value(nullptr);
  o["entered"] = json::object{{"value", tidy(r.entered_value)}, {"unit", to_string(r.entered_unit)},
                              {"symbol", symbol(r.entered_unit)}};
  o["context"] = r.context ? json::value(to_string(*r.context)) : json::value(nullptr);
  o["note"] = row.note ? json::value(*row.note) : json::value(nullptr);
  o["source"] = to_string(row.source);
  o["category"] = category_value(r);
  o["created_at"] = iso8601(row.created_at);
  o["updated_at"] = iso8601(row.updated_at);
  return o;
}

// A number field of a JSON body: absent is nullopt; anything but a finite number fails, and so does an
// explicit null unless the field may be cleared (`nullable`: then null is nullopt too).
std::optional<double> number_field(JsonInput& in, const json::object& body, std::string_view field,
                                   bool nullable = false) {
  const auto* v = in.raw(field);
  if (!v) {
    if (!nullable && body.contains(field)) in.fail(std::string(field), "must be a number");
    return std::nullopt;
  }
  if (!v->is_number()) {
    in.fail(std::string(field), "must be a number");
    return std::nullopt;
  }
  const double d = v->to_number<double>();
  if (!std::isfinite(d)) {
    in.fail(std::string(field), "must be a number");
    return std::nullopt;
  }
  return d;
}

std::optional<std::string> note_field(JsonInput& in) {
  auto note = in.text("note", TextRule{.required = false, .min = 0, .max = kNoteMax, .multiline = true});
  if (note && note->empty()) note.reset();  // an empty note is no note
  return note;
}

// An Entry (and note) read from a create body; every problem in one 422.
struct Input {
  Entry entry;
  std::optional<std::string> note;
};

template <class E, class Parse>
std::optional<E> enum_field(JsonInput& in, std::string_view field, Parse parse, const std::string& allowed, bool required) {
  auto text = in.text(field, TextRule{.required = required, .min = 1, .max = 40});  // null is refused here too
  if (!text) return std::nullopt;
  auto v = parse(*text);
  if (!v) in.fail(std::string(field), "must be one of: " + allowed);
  return v;
}

std::string unit_list() {
  std::string s;
  for (Unit u : all_units()) s += (s.empty() ? "" : ", ") + std::string(to_string(u));
  return s;
}
std::string context_list() {
  std::string s;
  for (auto c : all_glucose_contexts()) s += (s.empty() ? "" : ", ") + std::string(to_string(c));
  return s;
}

std::optional<EpochMs> instant_field(JsonInput& in, std::string_view field) {
  auto text = in.text(field, TextRule{.required = false, .min = 1, .max = 40});
  if (!text) return std::nullopt;
  auto t = parse_iso8601(*text);
  if (!t) in.fail(std::string(field), "must be an ISO 8601 instant with a time zone, e.g. 2026-03-01T08:30:00Z");
  return t;
}

void throw_if_invalid(const Entry& e, const Limits& limits) {
  auto errors = validate(e, limits);
  if (!errors.empty()) throw problems::validation(std::move(errors));
}

// The doctors who treat the patient hear that a reading needs attention: no values, no name of a
// condition, only a link. The treating rule and "may see health data" are care's answers.
void tell_treating_doctors(soci::session& sql, std::int64_t patient_id) {
  for (const auto& d : store::doctors_in_contact(sql, patient_id)) {
    if (!care::doctor_treats_patient(sql, d.id, patient_id) || !care::may_see_health_data(sql, d.id)) continue;
    notify::enqueue(sql, notify::Mail{std::string(notify::kCategoryHealth), std::string(kAttentionTemplate), d.id, d.email,
                                      json::object{{"name", d.name}, {"patient_id", patient_id}}});
  }
}

int parse_days(const std::optional<std::string>& text) {
  if (!text || text->empty()) return 30;
  for (int d : kSeriesDays)
    if (*text == std::to_string(d)) return d;
  throw problems::bad_request("days must be 7, 30, 90 or 365.");
}

Kind parse_series_kind(const std::optional<std::string>& text) {
  if (!text || text->empty()) throw problems::bad_request("kind is required (" + kind_list() + ").");
  auto k = parse_kind(*text);
  if (!k || info(*k).entry_units.empty()) throw problems::bad_request("kind must be one of: " + kind_list() + ".");
  return *k;
}

std::optional<Kind> parse_list_kind(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  auto k = parse_kind(*text);
  if (!k || info(*k).entry_units.empty()) throw problems::bad_request("kind must be one of: " + kind_list() + ".");
  return k;
}

std::optional<EpochMs> parse_query_instant(const std::optional<std::string>& text, const char* name) {
  if (!text || text->empty()) return std::nullopt;
  auto t = parse_iso8601(*text);
  if (!t) throw problems::bad_request(std::string(name) + " must be an ISO 8601 instant, e.g. 2026-03-01T00:00:00Z.");
  return t;
}

std::optional<std::pair<EpochMs, std::int64_t>> parse_reading_cursor(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  auto key = paging::decode_cursor(*text);
  if (key.size() != 2 || !key[0].is_int64() || !key[1].is_int64()) throw problems::bad_request("cursor is not valid.");
  return std::pair{key[0].get_int64(), key[1].get_int64()};
}

json::object stats_json(const SeriesStats& s) {
  json::object o{{"name", s.name}, {"count", s.count}, {"mean", opt(s.mean)}, {"min", opt(s.min)}, {"max", opt(s.max)}};
  if (s.slope) {
    o["slope_per_week"] = json::object{{"value", tidy(s.slope->per_week)}, {"standard_error", opt(s.slope->standard_error)}};
  } else {
    o["slope_per_week"] = nullptr;
  }
  return o;
}

json::value guideline_value(std::optional<Guideline> g) {
  if (!g) return nullptr;
  return json::object{{"code", to_string(*g)}, {"citation", citation(*g)}};
}

}  // namespace

json::object record(soci::session& sql, std::int64_t patient_id, const std::string& body, EpochMs now) {
  const auto patient = patient_or_forbidden(sql, patient_id);
  const auto object = parse_json_object(body, 8);
  JsonInput in(object);
  Input input;
  auto kind = enum_field<Kind>(in, "kind", parse_kind, kind_list(), true);
  auto unit = enum_field<Unit>(in, "unit", parse_unit, unit_list(), false);
  input.entry.value = number_field(in, object, "value");
  input.entry.systolic = number_field(in, object, "systolic");
  input.entry.diastolic = number_field(in, object, "diastolic");
  input.entry.pulse = number_field(in, object, "pulse");
  input.entry.context = enum_field<GlucoseContext>(in, "context", parse_glucose_context, context_list(), false);
  auto at = instant_field(in, "measured_at");
  input.note = note_field(in);
  in.finish();  // malformed fields and unknown ones: one 422 before the health rules run
  input.entry.kind = *kind;
  // The unit may be left out: the kind's first entry unit (mmHg, mg/dL, /min, kg, %, °C).
  const auto& units = info(*kind).entry_units;
  input.entry.unit = unit ? *unit : (units.empty() ? info(*kind).canonical : units.front());
  input.entry.measured_at = at.value_or(now);
  throw_if_invalid(input.entry, limits_for(patient, now));

  const Reading r = canonical(input.entry);
  const auto u = urgent(r);
  const auto id = store::insert(sql, patient_id, r, input.note, Source::manual, now);
  if (u) tell_treating_doctors(sql, patient_id);
  const auto row = store::find(sql, id);
  return json::object{{"reading", reading_json(*row, patient.time_zone)}, {"urgent", urgent_value(u)}};
}

json::object edit(soci::session& sql, std::int64_t patient_id, std::int64_t reading_id, const std::string& body,
                  EpochMs now) {
  const auto patient = patient_or_forbidden(sql, patient_id);
  auto row = store::find(sql, reading_id);
  if (!row || row->patient_id != patient_id) throw problems::not_found("There is no such reading.");
  const Reading& old = row->reading;

  const auto object = parse_json_object(body, 8);
  JsonInput in(object);
  // An explicit null clears an optional field (note, pulse); absent leaves it as it is.
  const auto given = [&](std::string_view field) { return object.contains(field); };
  if (given("kind")) in.fail("kind", "cannot be changed: delete the reading and record a new one");
  in.raw("kind");
  auto unit = enum_field<Unit>(in, "unit", parse_unit, unit_list(), false);
  const auto value = number_field(in, object, "value");
  const auto systolic = number_field(in, object, "systolic");
  const auto diastolic = number_field(in, object, "diastolic");
  const bool pulse_given = given("pulse");
  const auto pulse = number_field(in, object, "pulse", true);
  const auto context = enum_field<GlucoseContext>(in, "context", parse_glucose_context, context_list(), false);
  const auto at = instant_field(in, "measured_at");
  const bool note_given = given("note");
  std::optional<std::string> note;
  if (in.present("note")) {
    note = note_field(in);
  } else {
    in.raw("note");
  }
  if (unit && !value && old.kind != Kind::blood_pressure)
    in.fail("value", "is required with a new unit (the value in that unit)");
  in.finish();

  // The stored reading as it was entered, with the changes on top, judged again as a whole.
  Entry e;
  e.kind = old.kind;
  e.unit = unit.value_or(old.entered_unit);
  e.measured_at = at.value_or(old.measured_at);
  if (old.kind == Kind::blood_pressure) {
    e.systolic = systolic.value_or(old.systolic);
    e.diastolic = diastolic.value_or(old.diastolic);
    e.pulse = pulse_given ? pulse : old.pulse;
    e.value = value;  // refused by validate when given
  } else {
    e.value = value.value_or(old.entered_value);
    e.systolic = systolic;
    e.diastolic = diastolic;
    e.pulse = pulse;
  }
  e.context = context ? context : old.context;
  if (old.kind != Kind::blood_glucose) e.context = context;
  throw_if_invalid(e, limits_for(patient, now));

  const Reading r = canonical(e);
  const auto u = urgent(r);
  const bool was_urgent = urgent(old).has_value();
  if (!note_given) note = row->note;
  if (!store::update(sql, reading_id, r, note, now)) throw problems::not_found("There is no such reading.");
  // A correction that makes a reading urgent tells the doctors; one that was already urgent did.
  if (u && !was_urgent) tell_treating_doctors(sql, patient_id);
  const auto stored = store::find(sql, reading_id);
  return json::object{{"reading", reading_json(*stored, patient.time_zone)}, {"urgent", urgent_value(u)}};
}

void remove(soci::session& sql, std::int64_t patient_id, std::int64_t reading_id, audit::Entry entry, EpochMs now) {
  auto row = store::find(sql, reading_id);
  if (!row || row->patient_id != patient_id) throw problems::not_found("There is no such reading.");
  if (!store::soft_delete(sql, reading_id, patient_id, now)) throw problems::not_found("There is no such reading.");
  entry.details["reading_id"] = reading_id;
  entry.details["kind"] = to_string(row->reading.kind);
  entry.details["measured_at"] = iso8601(row->reading.measured_at);
  audit::record(sql, entry);
}

void check_list_params(const ListParams& p) {
  parse_list_kind(p.kind);
  const auto from = parse_query_instant(p.from, "from");
  const auto to = parse_query_instant(p.to, "to");
  if (from && to && *from >= *to) throw problems::bad_request("from must be before to.");
  parse_reading_cursor(p.cursor);
  paging::parse_limit(p.limit);
}

json::object list(soci::session& sql, std::int64_t patient_id, const ListParams& p) {
  check_list_params(p);
  const auto patient = patient_or_forbidden(sql, patient_id);
  const int limit = paging::parse_limit(p.limit);
  store::ListQuery q{.patient_id = patient_id,
                     .kind = parse_list_kind(p.kind),
                     .from = parse_query_instant(p.from, "from"),
                     .to = parse_query_instant(p.to, "to"),
                     .before = parse_reading_cursor(p.cursor),
                     .limit = limit + 1};
  auto rows = store::list(sql, q);
  json::array items;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i)
    items.push_back(reading_json(rows[i], patient.time_zone));
  json::value next = nullptr;
  if (rows.size() > static_cast<std::size_t>(limit)) {
    const auto& last = rows[static_cast<std::size_t>(limit) - 1];
    next = paging::encode_cursor({last.reading.measured_at, last.id});
  }
  return json::object{{"items", std::move(items)}, {"next_cursor", std::move(next)}};
}

void check_series_params(const SeriesParams& p) {
  parse_series_kind(p.kind);
  parse_days(p.days);
}

json::object series(soci::session& sql, std::int64_t patient_id, const SeriesParams& p, EpochMs now) {
  const Kind kind = parse_series_kind(p.kind);
  const int days = parse_days(p.days);
  const auto patient = patient_or_forbidden(sql, patient_id);
  const auto& zone = patient.time_zone;

  // The window is whole local days: today and the days - 1 before it, in the patient's zone.
  const date::local_days today = local_day(now, zone);
  const date::local_days first_day = today - date::days(days - 1);
  const EpochMs from = start_of_local_day(first_day, zone);
  const EpochMs to = now + clock_skew_ms + 1;  // readings stamped up to the allowed skew ahead count

  auto rows = store::range(sql, patient_id, kind, from, to, kMaxSeriesReadings + 1);
  const bool truncated = rows.size() > static_cast<std::size_t>(kMaxSeriesReadings);
  if (truncated) rows.resize(kMaxSeriesReadings);
  std::vector<Reading> readings;
  readings.reserve(rows.size());
  json::array items;
  for (auto& row : rows) {
    row.reading.local_day = local_day(row.reading.measured_at, zone);
    readings.push_back(row.reading);
    items.push_back(reading_json(row, zone, false));
  }
  const Trend t = trend(kind, readings);
  json::array stats, shares;
  for (const auto& s : t.series) stats.push_back(stats_json(s));
  for (const auto& s : t.shares) shares.push_back(json::object{{"code", s.code}, {"count", s.count}, {"share", tidy(s.share)}});
  json::array bands;
  for (auto code : category_codes(kind)) bands.push_back(json::string(code));

  // Home blood pressure: the last 7 local days, whatever the window.
  json::value home = nullptr;
  {
    std::vector<Reading> bp;
    const EpochMs home_from = start_of_local_day(today - date::days(home_window_days - 1), zone);
    for (auto& row : store::range(sql, patient_id, Kind::blood_pressure, home_from, to, kMaxSeriesReadings)) {
      row.reading.local_day = local_day(row.reading.measured_at, zone);
      bp.push_back(row.reading);
    }
    if (auto h = home_blood_pressure(bp, today)) {
      home = json::object{{"count", h->count},
                          {"days", h->days},
                          {"systolic", tidy(h->systolic)},
                          {"diastolic", tidy(h->diastolic)},
                          {"category", to_string(h->category)},
                          {"guideline", to_string(Guideline::acc_aha_2017)},
                          {"enough", h->enough}};
    }
  }
  return json::object{{"kind", to_string(kind)},
                      {"days", days},
                      {"time_zone", zone},
                      {"from", iso8601(from)},
                      {"to", iso8601(now)},
                      {"code", coding(kind)},
                      {"unit", to_string(info(kind).canonical)},
                      {"ucum", ucum(info(kind).canonical)},
                      {"categories", std::move(bands)},
                      {"readings", std::move(items)},
                      {"truncated", truncated},
                      {"trend", json::object{{"count", t.count},
                                             {"series", std::move(stats)},
                                             {"shares", std::move(shares)},
                                             {"guideline", guideline_value(t.guideline)}}},
                      {"home_blood_pressure", std::move(home)}};
}

std::string export_csv(soci::session& sql, std::int64_t patient_id) {
  patient_or_forbidden(sql, patient_id);
  auto num = [](std::optional<double> v) {
    if (!v) return std::string();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", tidy(*v));
    return std::string(buf);
  };
  std::string out(kCsvHeader);
  out += "\r\n";
  constexpr EpochMs kEnd = 253402300799999;  // 9999-12-31T23:59:59.999Z
  for (const auto& row : store::range(sql, patient_id, std::nullopt, 0, kEnd, 1'000'000)) {
    const auto& r = row.reading;
    const bool bp = r.kind == Kind::blood_pressure;
    out += iso8601(r.measured_at) + "," + std::string(to_string(r.kind)) + ",";
    out += (bp ? std::string() : num(r.entered_value)) + "," + std::string(to_string(r.entered_unit)) + ",";
    out += (bp ? num(r.systolic) : "") + "," + (bp ? num(r.diastolic) : "") + "," + (bp ? num(r.pulse) : "") + ",";
    out += (r.context ? std::string(to_string(*r.context)) : "") + "," + csv_field(row.note.value_or("")) + "\r\n";
  }
  return out;
}

namespace {

struct ImportInput {
  std::string csv;
  std::optional<std::set<int>> lines;
};

ImportInput import_input(const std::string& body, bool with_lines) {
  const auto object = parse_json_object(body, 8);
  JsonInput in(object);
  ImportInput out;
  const auto* csv = in.raw("csv");
  if (!csv) {
    in.fail("csv", "is required");
  } else if (!csv->is_string()) {
    in.fail("csv", "must be the file's text");
  } else {
    out.csv = std::string(csv->as_string());
  }
  if (with_lines) {
    const auto* lines = in.raw("lines");
    if (!lines && object.contains("lines")) in.fail("lines", "must be a list of line numbers");
    if (lines) {
      if (!lines->is_array()) {
        in.fail("lines", "must be a list of line numbers");
      } else {
        out.lines.emplace();
        for (const auto& v : lines->as_array()) {
          if (!v.is_int64() || v.as_int64() < 2 || v.as_int64() > 1'000'000) {
            in.fail("lines", "must be a list of line numbers of data rows (2 or more)");
            break;
          }
          out.lines->insert(static_cast<int>(v.as_int64()));
        }
      }
    }
  }
  in.finish();
  return out;
}

// Rows with their status: ok (would be added), invalid, already_imported (the patient has it),
// repeated (an earlier row of the same file is the same measurement).
struct CheckedRow {
  ImportRow row;
  std::string status;
};

std::vector<CheckedRow> check_rows(soci::session& sql, const store::Patient& patient, const std::string& csv, EpochMs now) {
  auto rows = read_import(csv, patient.time_zone, limits_for(patient, now));
  std::vector<std::string> keys;
  for (const auto& r : rows)
    if (r.entry) keys.push_back(r.key);
  const auto existing_list = store::existing_keys(sql, patient.id, keys);
  const std::set<std::string> existing(existing_list.begin(), existing_list.end());
  std::set<std::string> seen;
  std::vector<CheckedRow> out;
  for (auto& r : rows) {
    std::string status = "ok";
    if (!r.entry) {
      status = "invalid";
    } else if (existing.count(r.key)) {
      status = "already_imported";
    } else if (!seen.insert(r.key).second) {
      status = "repeated";
    } else if (r.note) {
      // Notes follow the same text rule as every other text field.
      auto cleaned = text::clean(*r.note, text::Lines::multi);
      if (!cleaned.text) {
        r.errors.push_back({"note", cleaned.problem});
        r.entry.reset();
        status = "invalid";
      } else {
        r.note = cleaned.text->empty() ? std::nullopt : std::optional<std::string>(*cleaned.text);
      }
    }
    out.push_back({std::move(r), std::move(status)});
  }
  return out;
}

}  // namespace

json::object preview_import(soci::session& sql, std::int64_t patient_id, const std::string& body, EpochMs now) {
  const auto patient = patient_or_forbidden(sql, patient_id);
  const auto input = import_input(body, false);
  const auto rows = check_rows(sql, patient, input.csv, now);
  json::array items;
  json::object counts{{"rows", static_cast<std::int64_t>(rows.size())}, {"ok", 0}, {"invalid", 0},
                      {"already_imported", 0}, {"repeated", 0}};
  for (const auto& c : rows) {
    counts[c.status] = counts[c.status].as_int64() + 1;
    json::object item{{"line", c.row.line}, {"status", c.status}};
    json::array errors;
    for (const auto& e : c.row.errors) errors.push_back(json::object{{"field", e.field}, {"message", e.message}});
    item["errors"] = std::move(errors);
    if (c.row.entry) {
      const Reading r = canonical(*c.row.entry);
      store::Row shown{.id = 0, .patient_id = patient_id, .reading = r, .note = c.row.note, .source = Source::import,
                       .created_at = now, .updated_at = now};
      auto reading = reading_json(shown, patient.time_zone);
      reading.erase("id");
      reading.erase("created_at");
      reading.erase("updated_at");
      item["reading"] = std::move(reading);
      item["urgent"] = urgent_value(urgent(r));
    } else {
      item["reading"] = nullptr;
      item["urgent"] = nullptr;
    }
    items.push_back(std::move(item));
  }
  return json::object{{"rows", std::move(items)}, {"counts", std::move(counts)}};
}

json::object commit_import(soci::session& sql, std::int64_t patient_id, const std::string& body, EpochMs now) {
  const auto patient = patient_or_forbidden(sql, patient_id);
  const auto input = import_input(body, true);
  const auto rows = check_rows(sql, patient, input.csv, now);
  if (input.lines) {
    std::set<int> valid_lines;
    for (const auto& c : rows)
      if (c.row.entry) valid_lines.insert(c.row.line);
    for (int line : *input.lines)
      if (!valid_lines.count(line))
        throw problems::validation({{"lines", "line " + std::to_string(line) + " is not a valid data row of the file"}});
  }
  std::int64_t added = 0, already = 0, invalid = 0, left_out = 0;
  for (const auto& c : rows) {
    if (!c.row.entry) {
      ++invalid;
      continue;
    }
    if (input.lines && !input.lines->count(c.row.line)) {
      ++left_out;
      continue;
    }
    if (c.status != "ok") {
      ++already;
      continue;
    }
    // Imported readings are history: they are stored and charted, but do not mail doctors (a file of
    // last month's readings is no emergency now). The preview shows which rows are urgent.
    if (store::insert_imported(sql, patient_id, canonical(*c.row.entry), c.row.note, c.row.key, now) != 0) {
      ++added;
    } else {
      ++already;  // a parallel commit of the same rows got there first
    }
  }
  return json::object{{"added", added}, {"already_imported", already}, {"invalid", invalid}, {"left_out", left_out}};
}

}  // namespace medcore::health
