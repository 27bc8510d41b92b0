#include "features/health/store.hpp"

#include <algorithm>

#include "platform/core/time.hpp"
#include "platform/db/query.hpp"

namespace medcore::health::store {

using db::col_int;
using db::col_opt_int;
using db::col_opt_text;
using db::col_text;
using db::Query;

namespace {

std::optional<double> col_opt_double(const soci::row& row, std::size_t i) {
  if (row.get_indicator(i) == soci::i_null) return std::nullopt;
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_double: return row.get<double>(i);
    case soci::dt_integer: return row.get<int>(i);
    case soci::dt_long_long: return static_cast<double>(row.get<long long>(i));
    case soci::dt_unsigned_long_long: return static_cast<double>(row.get<unsigned long long>(i));
    case soci::dt_string: return std::stod(row.get<std::string>(i));
    default: throw std::runtime_error("column " + std::to_string(i) + " is not a number");
  }
}

constexpr const char* kColumns =
    "SELECT id, patient_id, kind, measured_at, value, systolic, diastolic, pulse, entered_value, entered_unit, "
    "glucose_context, note, source, created_at, updated_at FROM health_readings ";

template <class T>
T parsed(std::optional<T> v, const char* what) {
  if (!v) throw std::runtime_error(std::string("health_readings holds an unknown ") + what);
  return *v;
}

Row row_from(const soci::row& r) {
  Row out;
  out.id = col_int(r, 0);
  out.patient_id = col_int(r, 1);
  auto& m = out.reading;
  m.kind = parsed(parse_kind(col_text(r, 2)), "kind");
  m.measured_at = col_int(r, 3);
  m.value = col_opt_double(r, 4).value_or(0);
  m.systolic = col_opt_double(r, 5).value_or(0);
  m.diastolic = col_opt_double(r, 6).value_or(0);
  m.pulse = col_opt_double(r, 7);
  m.entered_value = col_opt_double(r, 8).value_or(0);
  m.entered_unit = parsed(parse_unit(col_text(r, 9)), "unit");
  if (auto c = col_opt_text(r, 10)) m.context = parsed(parse_glucose_context(*c), "glucose context");
  out.note = col_opt_text(r, 11);
  out.source = parsed(parse_source(col_text(r, 12)), "source");
  out.created_at = col_int(r, 13);
  out.updated_at = col_int(r, 14);
  return out;
}

// The bound form of a reading's measurement columns (NULL where the kind has none).
struct Bound {
  std::string kind, unit, context;
  long long measured_at = 0;
  double value = 0, systolic = 0, diastolic = 0, pulse = 0, entered = 0;
  soci::indicator value_ind = soci::i_null, bp_ind = soci::i_null, pulse_ind = soci::i_null,
                  context_ind = soci::i_null;
  std::string note;
  soci::indicator note_ind = soci::i_null;

  Bound(const Reading& r, const std::optional<std::string>& n)
      : kind(to_string(r.kind)), unit(to_string(r.entered_unit)), measured_at(r.measured_at), entered(r.entered_value) {
    if (r.kind == Kind::blood_pressure) {
      systolic = r.systolic;
      diastolic = r.diastolic;
      bp_ind = soci::i_ok;
      if (r.pulse) {
        pulse = *r.pulse;
        pulse_ind = soci::i_ok;
      }
    } else {
      value = r.value;
      value_ind = soci::i_ok;
    }
    if (r.context) {
      context = to_string(*r.context);
      context_ind = soci::i_ok;
    }
    if (n) {
      note = *n;
      note_ind = soci::i_ok;
    }
  }
};

}  // namespace

std::optional<Patient> find_patient(soci::session& sql, std::int64_t patient_id) {
  std::optional<Patient> out;
  Query("SELECT user_id, time_zone, date_of_birth, sex FROM patients WHERE user_id = ")
      .value(patient_id)
      .each(sql, [&](const soci::row& r) {
        Patient p;
        p.id = col_int(r, 0);
        p.time_zone = col_text(r, 1);
        if (auto dob = col_opt_text(r, 2)) p.date_of_birth = parse_iso_date(*dob);
        p.sex = col_text(r, 3);
        out = std::move(p);
      });
  return out;
}

std::optional<Row> find(soci::session& sql, std::int64_t id) {
  std::optional<Row> out;
  Query(kColumns).sql("WHERE id = ").value(id).sql(" AND deleted_at IS NULL").each(sql, [&](const soci::row& r) {
    out = row_from(r);
  });
  return out;
}

std::int64_t insert(soci::session& sql, std::int64_t patient_id, const Reading& r, const std::optional<std::string>& note,
                    Source source, EpochMs now) {
  Bound b(r, note);
  const long long patient = patient_id, at = now;
  const std::string src(to_string(source));
  long long id = 0;
  sql << "INSERT INTO health_readings (patient_id, kind, measured_at, value, systolic, diastolic, pulse, entered_value, "
         "entered_unit, glucose_context, note, source, created_at, updated_at) VALUES (:p, :k, :m, :v, :s, :d, :pu, :e, "
         ":u, :c, :n, :src, :t, :t2) RETURNING id",
      soci::use(patient), soci::use(b.kind), soci::use(b.measured_at), soci::use(b.value, b.value_ind),
      soci::use(b.systolic, b.bp_ind), soci::use(b.diastolic, b.bp_ind), soci::use(b.pulse, b.pulse_ind),
      soci::use(b.entered), soci::use(b.unit), soci::use(b.context, b.context_ind), soci::use(b.note, b.note_ind),
      soci::use(src), soci::use(at), soci::use(at), soci::into(id);
  return id;
}

std::int64_t insert_imported(soci::session& sql, std::int64_t patient_id, const Reading& r,
                             const std::optional<std::string>& note, const std::string& key, EpochMs now) {
  Bound b(r, note);
  const long long patient = patient_id, at = now;
  long long id = 0;
  soci::indicator id_ind = soci::i_null;
  // The unique (patient_id, import_key) index decides: a parallel commit of the same file waits for
  // the first (PostgreSQL) or runs after it (SQLite's BEGIN IMMEDIATE), then inserts nothing.
  sql << "INSERT INTO health_readings (patient_id, kind, measured_at, value, systolic, diastolic, pulse, entered_value, "
         "entered_unit, glucose_context, note, source, import_key, created_at, updated_at) VALUES (:p, :k, :m, :v, :s, "
         ":d, :pu, :e, :u, :c, :n, 'import', :key, :t, :t2) ON CONFLICT (patient_id, import_key) DO NOTHING RETURNING id",
      soci::use(patient), soci::use(b.kind), soci::use(b.measured_at), soci::use(b.value, b.value_ind),
      soci::use(b.systolic, b.bp_ind), soci::use(b.diastolic, b.bp_ind), soci::use(b.pulse, b.pulse_ind),
      soci::use(b.entered), soci::use(b.unit), soci::use(b.context, b.context_ind), soci::use(b.note, b.note_ind),
      soci::use(key), soci::use(at), soci::use(at), soci::into(id, id_ind);
  return sql.got_data() && id_ind == soci::i_ok ? id : 0;
}

std::vector<std::string> existing_keys(soci::session& sql, std::int64_t patient_id, const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  constexpr std::size_t kBatch = 200;  // bound parameters per statement stay far below both backends' limits
  for (std::size_t start = 0; start < keys.size(); start += kBatch) {
    Query q("SELECT import_key FROM health_readings WHERE patient_id = ");
    q.value(patient_id).sql(" AND import_key IN (");
    for (std::size_t i = start; i < std::min(keys.size(), start + kBatch); ++i) {
      if (i > start) q.sql(", ");
      q.value(keys[i]);
    }
    q.sql(")").each(sql, [&](const soci::row& r) { out.push_back(col_text(r, 0)); });
  }
  return out;
}

bool update(soci::session& sql, std::int64_t id, const Reading& r, const std::optional<std::string>& note, EpochMs now) {
  Bound b(r, note);
  const long long row_id = id, at = now;
  soci::statement st =
      (sql.prepare << "UPDATE health_readings SET measured_at = :m, value = :v, systolic = :s, diastolic = :d, "
                      "pulse = :pu, entered_value = :e, entered_unit = :u, glucose_context = :c, note = :n, "
                      "updated_at = :t WHERE id = :id AND deleted_at IS NULL",
       soci::use(b.measured_at), soci::use(b.value, b.value_ind), soci::use(b.systolic, b.bp_ind),
       soci::use(b.diastolic, b.bp_ind), soci::use(b.pulse, b.pulse_ind), soci::use(b.entered), soci::use(b.unit),
       soci::use(b.context, b.context_ind), soci::use(b.note, b.note_ind), soci::use(at), soci::use(row_id));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

bool soft_delete(soci::session& sql, std::int64_t id, std::int64_t by, EpochMs now) {
  const long long row_id = id, actor = by, at = now;
  soci::statement st = (sql.prepare << "UPDATE health_readings SET deleted_at = :t, deleted_by = :b "
                                       "WHERE id = :id AND deleted_at IS NULL",
                        soci::use(at), soci::use(actor), soci::use(row_id));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

std::vector<Row> list(soci::session& sql, const ListQuery& q) {
  Query query(kColumns);
  query.sql("WHERE patient_id = ").value(q.patient_id).sql(" AND deleted_at IS NULL");
  if (q.kind) query.sql(" AND kind = ").value(std::string(to_string(*q.kind)));
  if (q.from) query.sql(" AND measured_at >= ").value(*q.from);
  if (q.to) query.sql(" AND measured_at < ").value(*q.to);
  if (q.before) {
    // Row-value comparison spelled out: both backends use the index for it.
    query.sql(" AND (measured_at < ").value(q.before->first);
    query.sql(" OR (measured_at = ").value(q.before->first).sql(" AND id < ").value(q.before->second).sql("))");
  }
  query.sql(" ORDER BY measured_at DESC, id DESC LIMIT ").value(q.limit);
  std::vector<Row> out;
  query.each(sql, [&](const soci::row& r) { out.push_back(row_from(r)); });
  return out;
}

std::vector<Row> range(soci::session& sql, std::int64_t patient_id, std::optional<Kind> kind, EpochMs from, EpochMs to,
                       int max_rows) {
  Query query(kColumns);
  query.sql("WHERE patient_id = ").value(patient_id);
  if (kind) query.sql(" AND kind = ").value(std::string(to_string(*kind)));
  query.sql(" AND measured_at >= ").value(from).sql(" AND measured_at < ").value(to);
  query.sql(" AND deleted_at IS NULL ORDER BY measured_at, id LIMIT ").value(max_rows);
  std::vector<Row> out;
  query.each(sql, [&](const soci::row& r) { out.push_back(row_from(r)); });
  return out;
}

std::vector<Doctor> doctors_in_contact(soci::session& sql, std::int64_t patient_id) {
  std::vector<Doctor> out;
  Query("SELECT u.id, u.name, u.email FROM users u JOIN doctors d ON d.user_id = u.id WHERE d.status = 'approved' "
        "AND u.id IN (SELECT doctor_id FROM appointments WHERE patient_id = ")
      .value(patient_id)
      .sql(" AND status <> 'cancelled' UNION SELECT doctor_id FROM conversations WHERE patient_id = ")
      .value(patient_id)
      .sql(") ORDER BY u.id")
      .each(sql, [&](const soci::row& r) { out.push_back({col_int(r, 0), col_text(r, 1), col_text(r, 2)}); });
  return out;
}

std::int64_t insert_advice(soci::session& sql, std::int64_t patient_id, EpochMs created_at, const std::string& provider,
                           const std::string& model, bool fell_back, const std::string& reason,
                           const std::string& answer_json) {
  const long long patient = patient_id, at = created_at;
  const int fell = fell_back ? 1 : 0;
  long long id = 0;
  sql << "INSERT INTO health_advice (patient_id, created_at, provider, model, fell_back, reason, answer) "
         "VALUES (:p, :t, :pr, :m, :f, :r, :a) RETURNING id",
      soci::use(patient), soci::use(at), soci::use(provider), soci::use(model), soci::use(fell), soci::use(reason),
      soci::use(answer_json), soci::into(id);
  return id;
}

std::vector<RiskRow> latest_predictions(soci::session& sql, std::int64_t patient_id) {
  std::vector<RiskRow> out;
  // The newest row per model: ids grow with time, so the largest id per model is the latest.
  Query("SELECT model, band, created_at FROM predictions WHERE id IN (SELECT MAX(id) FROM predictions WHERE "
        "patient_id = ")
      .value(patient_id)
      .sql(" GROUP BY model) ORDER BY model")
      .each(sql, [&](const soci::row& r) { out.push_back({col_text(r, 0), col_text(r, 1), col_int(r, 2)}); });
  return out;
}

std::string admin_setting(soci::session& sql, const std::string& name) {
  std::string out;
  Query("SELECT value FROM admin_settings WHERE name = ").value(name).each(sql, [&](const soci::row& r) {
    out = col_text(r, 0);
  });
  return out;
}

void set_admin_setting(soci::session& sql, const std::string& name, const std::string& value,
                       std::optional<std::int64_t> by, EpochMs now) {
  long long actor = by.value_or(0);
  soci::indicator actor_ind = by ? soci::i_ok : soci::i_null;
  const long long at = now;
  sql << "INSERT INTO admin_settings (name, value, updated_by, updated_at) VALUES (:n, :v, :b, :t) "
         "ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, "
         "updated_at = excluded.updated_at",
      soci::use(name), soci::use(value), soci::use(actor, actor_ind), soci::use(at);
}

}  // namespace medcore::health::store
