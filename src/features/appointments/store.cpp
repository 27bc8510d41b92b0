#include "features/appointments/store.hpp"

#include "platform/db/query.hpp"

namespace medcore::appointments::store {

using db::col_int;
using db::col_opt_int;
using db::col_opt_text;
using db::col_text;
using db::Query;

namespace {

bool is_postgres(soci::session& sql) { return sql.get_backend_name() == "postgresql"; }

Doctor doctor_from(const soci::row& r) {
  Doctor d;
  d.id = col_int(r, 0);
  d.name = col_text(r, 1);
  d.email = col_text(r, 2);
  d.specialty = col_text(r, 3);
  d.status = db::col_enum(r, 4, parse_doctor_status);
  d.time_zone = col_text(r, 5);
  d.fee_cents = col_int(r, 6);
  d.years_experience = col_int(r, 7);
  return d;
}

constexpr const char* kDoctorColumns =
    "SELECT u.id, u.name, u.email, d.specialty, d.status, d.time_zone, d.consultation_fee_cents, d.years_experience "
    "FROM doctors d JOIN users u ON u.id = d.user_id ";

constexpr const char* kAppointmentColumns =
    "SELECT a.id, a.patient_id, a.doctor_id, a.start_at, a.end_at, a.status, a.reason, a.created_at, a.updated_at, "
    "a.cancelled_at, a.cancelled_by, a.cancel_reason, a.reschedule_count, "
    "pu.name, pu.email, p.time_zone, du.name, du.email, d.time_zone, d.specialty "
    "FROM appointments a "
    "JOIN patients p ON p.user_id = a.patient_id JOIN users pu ON pu.id = a.patient_id "
    "JOIN doctors d ON d.user_id = a.doctor_id JOIN users du ON du.id = a.doctor_id ";

Appointment appointment_from(const soci::row& r) {
  Appointment a;
  a.id = col_int(r, 0);
  a.patient_id = col_int(r, 1);
  a.doctor_id = col_int(r, 2);
  a.start = col_int(r, 3);
  a.end = col_int(r, 4);
  a.status = db::col_enum(r, 5, parse_appointment_status);
  a.reason = col_text(r, 6);
  a.created_at = col_int(r, 7);
  a.updated_at = col_int(r, 8);
  a.cancelled_at = col_opt_int(r, 9);
  a.cancelled_by = col_opt_int(r, 10);
  a.cancel_reason = col_opt_text(r, 11);
  a.reschedule_count = static_cast<int>(col_int(r, 12));
  a.patient_name = col_text(r, 13);
  a.patient_email = col_text(r, 14);
  a.patient_time_zone = col_text(r, 15);
  a.doctor_name = col_text(r, 16);
  a.doctor_email = col_text(r, 17);
  a.doctor_time_zone = col_text(r, 18);
  a.doctor_specialty = col_text(r, 19);
  return a;
}

constexpr const char* kExceptionColumns =
    "SELECT id, local_date, kind, start_minute, end_minute, note FROM availability_exceptions WHERE doctor_id = ";

ScheduleException exception_from(const soci::row& r) {
  ScheduleException e;
  e.id = col_int(r, 0);
  e.local_date = col_text(r, 1);
  e.kind = db::col_enum(r, 2, parse_exception_kind);
  if (auto v = col_opt_int(r, 3)) e.start_minute = static_cast<int>(*v);
  if (auto v = col_opt_int(r, 4)) e.end_minute = static_cast<int>(*v);
  e.note = col_text(r, 5);
  return e;
}

// Appointments of one doctor or patient (`owner` ends in "= ") that hold time overlapping
// [from, to), other than `except_id` (the one being moved).
std::vector<Busy> busy(soci::session& sql, const char* owner, std::int64_t id, const char* holding, EpochMs from,
                       EpochMs to, std::int64_t except_id) {
  std::vector<Busy> out;
  Query(owner)
      .value(id)
      .sql(holding)
      .sql(" AND start_at < ")
      .value(to)
      .sql(" AND end_at > ")
      .value(from)
      .sql(" AND id <> ")
      .value(except_id)
      .sql(" ORDER BY start_at")
      .each(sql, [&](const soci::row& r) { out.push_back({col_int(r, 0), col_int(r, 1)}); });
  return out;
}

}  // namespace

std::optional<Doctor> find_doctor(soci::session& sql, std::int64_t doctor_id) {
  std::optional<Doctor> out;
  Query(kDoctorColumns).sql("WHERE d.user_id = ").value(doctor_id).each(sql, [&](const soci::row& r) {
    out = doctor_from(r);
  });
  return out;
}

std::vector<Doctor> approved_colleagues(soci::session& sql, const std::string& specialty, std::int64_t except,
                                        int limit) {
  std::vector<Doctor> out;
  Query(kDoctorColumns)
      .sql("JOIN doctor_schedules s ON s.doctor_id = d.user_id WHERE d.status = 'approved' AND d.specialty = ")
      .value(specialty)
      .sql(" AND d.user_id <> ")
      .value(except)
      .sql(" ORDER BY d.user_id LIMIT ")
      .value(limit)
      .each(sql, [&](const soci::row& r) { out.push_back(doctor_from(r)); });
  return out;
}

std::optional<Schedule> load_schedule(soci::session& sql, std::int64_t doctor_id, const std::string& from_date,
                                      const std::string& to_date) {
  std::optional<Schedule> out;
  Query("SELECT s.slot_minutes, d.time_zone FROM doctor_schedules s JOIN doctors d ON d.user_id = s.doctor_id "
        "WHERE s.doctor_id = ")
      .value(doctor_id)
      .each(sql, [&](const soci::row& r) {
        Schedule s;
        s.slot_minutes = static_cast<int>(col_int(r, 0));
        s.time_zone = col_text(r, 1);
        out = std::move(s);
      });
  if (!out) return out;
  Query("SELECT weekday, start_minute, end_minute FROM availability_rules WHERE doctor_id = ")
      .value(doctor_id)
      .sql(" ORDER BY weekday, start_minute")
      .each(sql, [&](const soci::row& r) {
        out->weekly.push_back({static_cast<int>(col_int(r, 0)), static_cast<int>(col_int(r, 1)),
                               static_cast<int>(col_int(r, 2))});
      });
  Query(kExceptionColumns)
      .value(doctor_id)
      .sql(" AND local_date >= ")
      .value(from_date)
      .sql(" AND local_date <= ")
      .value(to_date)
      .sql(" ORDER BY local_date, id")
      .each(sql, [&](const soci::row& r) { out->exceptions.push_back(exception_from(r)); });
  return out;
}

void save_weekly(soci::session& sql, std::int64_t doctor_id, int slot_minutes, const std::string& time_zone,
                 const std::vector<WeeklyInterval>& weekly, EpochMs now) {
  long long id = doctor_id, at = now;
  int slot = slot_minutes;
  std::string zone = time_zone;
  sql << "UPDATE doctors SET time_zone = :z WHERE user_id = :d", soci::use(zone), soci::use(id);
  sql << "INSERT INTO doctor_schedules (doctor_id, slot_minutes, updated_at) VALUES (:d, :s, :t) "
         "ON CONFLICT (doctor_id) DO UPDATE SET slot_minutes = excluded.slot_minutes, updated_at = excluded.updated_at",
      soci::use(id), soci::use(slot), soci::use(at);
  sql << "DELETE FROM availability_rules WHERE doctor_id = :d", soci::use(id);
  for (const auto& w : weekly) {
    int day = w.weekday, start = w.start_minute, end = w.end_minute;
    sql << "INSERT INTO availability_rules (doctor_id, weekday, start_minute, end_minute) VALUES (:d, :w, :s, :e)",
        soci::use(id), soci::use(day), soci::use(start), soci::use(end);
  }
}

std::vector<ScheduleException> list_exceptions(soci::session& sql, std::int64_t doctor_id, const std::string& from_date) {
  std::vector<ScheduleException> out;
  Query(kExceptionColumns)
      .value(doctor_id)
      .sql(" AND local_date >= ")
      .value(from_date)
      .sql(" ORDER BY local_date, id LIMIT 500")
      .each(sql, [&](const soci::row& r) { out.push_back(exception_from(r)); });
  return out;
}

std::int64_t insert_exception(soci::session& sql, std::int64_t doctor_id, const ScheduleException& e, EpochMs now) {
  long long id = doctor_id, at = now, new_id = 0;
  int start = e.start_minute.value_or(0), end = e.end_minute.value_or(0);
  soci::indicator start_ind = e.start_minute ? soci::i_ok : soci::i_null;
  soci::indicator end_ind = e.end_minute ? soci::i_ok : soci::i_null;
  std::string date = e.local_date, kind(to_string(e.kind)), note = e.note;
  sql << "INSERT INTO availability_exceptions (doctor_id, local_date, kind, start_minute, end_minute, note, created_at) "
         "VALUES (:d, :l, :k, :s, :e, :n, :t) RETURNING id",
      soci::use(id), soci::use(date), soci::use(kind), soci::use(start, start_ind), soci::use(end, end_ind),
      soci::use(note), soci::use(at), soci::into(new_id);
  return new_id;
}

bool delete_exception(soci::session& sql, std::int64_t doctor_id, std::int64_t id) {
  long long d = doctor_id, i = id;
  soci::statement st = (sql.prepare << "DELETE FROM availability_exceptions WHERE doctor_id = :d AND id = :i",
                        soci::use(d), soci::use(i));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

std::optional<Appointment> find(soci::session& sql, std::int64_t id) {
  std::optional<Appointment> out;
  Query(kAppointmentColumns).sql("WHERE a.id = ").value(id).each(sql, [&](const soci::row& r) {
    out = appointment_from(r);
  });
  return out;
}

void lock_patient(soci::session& sql, std::int64_t patient_id) {
  if (!is_postgres(sql)) return;
  long long id = patient_id, got = 0;
  sql << "SELECT user_id FROM patients WHERE user_id = :p FOR UPDATE", soci::use(id), soci::into(got);
}

void lock_doctor(soci::session& sql, std::int64_t doctor_id) {
  if (!is_postgres(sql)) return;
  long long id = doctor_id, got = 0;
  sql << "SELECT user_id FROM doctors WHERE user_id = :d FOR UPDATE", soci::use(id), soci::into(got);
}

std::vector<Busy> doctor_busy(soci::session& sql, std::int64_t doctor_id, EpochMs from, EpochMs to,
                              std::int64_t except_id) {
  // Any appointment that is not cancelled holds the doctor's time (a completed one too).
  return busy(sql, "SELECT start_at, end_at FROM appointments WHERE doctor_id = ", doctor_id,
              " AND status <> 'cancelled'", from, to, except_id);
}

std::vector<Busy> patient_busy(soci::session& sql, std::int64_t patient_id, EpochMs from, EpochMs to,
                               std::int64_t except_id) {
  return busy(sql, "SELECT start_at, end_at FROM appointments WHERE patient_id = ", patient_id,
              " AND status = 'booked'", from, to, except_id);
}

std::int64_t insert(soci::session& sql, std::int64_t patient_id, std::int64_t doctor_id, const Slot& slot,
                    const std::string& reason, EpochMs now) {
  long long p = patient_id, d = doctor_id, start = slot.start, end = slot.end, at = now, id = 0;
  std::string why = reason;
  sql << "INSERT INTO appointments (patient_id, doctor_id, start_at, end_at, status, reason, created_at, updated_at) "
         "VALUES (:p, :d, :s, :e, 'booked', :r, :c, :u) RETURNING id",
      soci::use(p), soci::use(d), soci::use(start), soci::use(end), soci::use(why), soci::use(at), soci::use(at),
      soci::into(id);
  return id;
}

bool move(soci::session& sql, std::int64_t id, const Slot& slot, EpochMs now) {
  long long i = id, start = slot.start, end = slot.end, at = now;
  soci::statement st = (sql.prepare << "UPDATE appointments SET start_at = :s, end_at = :e, updated_at = :u, "
                                       "reschedule_count = reschedule_count + 1 WHERE id = :i AND status = 'booked'",
                        soci::use(start), soci::use(end), soci::use(at), soci::use(i));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

bool finish(soci::session& sql, std::int64_t id, AppointmentStatus status, EpochMs now,
            std::optional<std::int64_t> cancelled_by, const std::optional<std::string>& reason) {
  long long i = id, at = now, by = cancelled_by.value_or(0);
  std::string to(to_string(status)), why = reason.value_or("");
  soci::indicator by_ind = cancelled_by ? soci::i_ok : soci::i_null;
  soci::indicator why_ind = reason ? soci::i_ok : soci::i_null;
  const bool cancelling = status == AppointmentStatus::cancelled;
  long long cancelled_at = now;
  soci::indicator at_ind = cancelling ? soci::i_ok : soci::i_null;
  soci::statement st =
      (sql.prepare << "UPDATE appointments SET status = :st, updated_at = :u, cancelled_at = :ca, cancelled_by = :cb, "
                      "cancel_reason = :cr WHERE id = :i AND status = 'booked'",
       soci::use(to), soci::use(at), soci::use(cancelled_at, at_ind), soci::use(by, by_ind), soci::use(why, why_ind),
       soci::use(i));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

std::vector<Appointment> upcoming_for_doctor(soci::session& sql, std::int64_t doctor_id, EpochMs from, int limit) {
  std::vector<Appointment> out;
  Query(kAppointmentColumns)
      .sql("WHERE a.doctor_id = ")
      .value(doctor_id)
      .sql(" AND a.status = 'booked' AND a.start_at >= ")
      .value(from)
      .sql(" ORDER BY a.start_at LIMIT ")
      .value(limit)
      .each(sql, [&](const soci::row& r) { out.push_back(appointment_from(r)); });
  return out;
}

std::vector<Appointment> list(soci::session& sql, const ListQuery& q) {
  Query query(kAppointmentColumns);
  query.sql(q.role == Role::doctor ? "WHERE a.doctor_id = " : "WHERE a.patient_id = ").value(q.user_id);
  // Upcoming: not yet over (an appointment in progress is still upcoming); past: over.
  if (q.upcoming) {
    query.sql(" AND a.end_at > ").value(q.now);
  } else {
    query.sql(" AND a.end_at <= ").value(q.now);
  }
  if (q.from) query.sql(" AND a.start_at >= ").value(*q.from);
  if (q.to) query.sql(" AND a.start_at < ").value(*q.to);
  if (q.status) query.sql(" AND a.status = ").value(std::string(to_string(*q.status)));
  if (q.after) {
    const auto [start, id] = *q.after;
    if (q.upcoming) {
      query.sql(" AND (a.start_at > ").value(start).sql(" OR (a.start_at = ").value(start).sql(" AND a.id > ").value(id).sql("))");
    } else {
      query.sql(" AND (a.start_at < ").value(start).sql(" OR (a.start_at = ").value(start).sql(" AND a.id < ").value(id).sql("))");
    }
  }
  query.sql(q.upcoming ? " ORDER BY a.start_at, a.id" : " ORDER BY a.start_at DESC, a.id DESC");
  query.sql(" LIMIT ").value(q.limit + 1);
  std::vector<Appointment> out;
  query.each(sql, [&](const soci::row& r) { out.push_back(appointment_from(r)); });
  return out;
}

}  // namespace medcore::appointments::store
