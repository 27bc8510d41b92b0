#pragma once
// All SQL of the appointments feature, portable between SQLite and PostgreSQL.
#include <soci/soci.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "features/appointments/model.hpp"

namespace medcore::appointments::store {

struct Doctor {
  std::int64_t id = 0;
  std::string name, email, specialty, time_zone;
  DoctorStatus status = DoctorStatus::pending;
  std::int64_t fee_cents = 0;
  std::int64_t years_experience = 0;
};
std::optional<Doctor> find_doctor(soci::session& sql, std::int64_t doctor_id);
// Approved doctors of a specialty other than `except`, at most `limit`, by id.
std::vector<Doctor> approved_colleagues(soci::session& sql, const std::string& specialty, std::int64_t except,
                                        int limit);

// The doctor's schedule (weekly hours, slot length, zone) with the exceptions on local dates in
// [from_date, to_date]; nullopt when the doctor has not published hours.
std::optional<Schedule> load_schedule(soci::session& sql, std::int64_t doctor_id, const std::string& from_date,
                                      const std::string& to_date);
// Replaces weekly hours and slot length; sets the doctor's zone.
void save_weekly(soci::session& sql, std::int64_t doctor_id, int slot_minutes, const std::string& time_zone,
                 const std::vector<WeeklyInterval>& weekly, EpochMs now);
std::vector<ScheduleException> list_exceptions(soci::session& sql, std::int64_t doctor_id, const std::string& from_date);
std::int64_t insert_exception(soci::session& sql, std::int64_t doctor_id, const ScheduleException& e, EpochMs now);
bool delete_exception(soci::session& sql, std::int64_t doctor_id, std::int64_t id);

struct Appointment {
  std::int64_t id = 0, patient_id = 0, doctor_id = 0;
  EpochMs start = 0, end = 0;
  AppointmentStatus status = AppointmentStatus::booked;
  std::string reason;
  EpochMs created_at = 0, updated_at = 0;
  std::optional<EpochMs> cancelled_at;
  std::optional<std::int64_t> cancelled_by;
  std::optional<std::string> cancel_reason;
  int reschedule_count = 0;
  // Joined for answers and mails.
  std::string patient_name, patient_email, patient_time_zone;
  std::string doctor_name, doctor_email, doctor_time_zone, doctor_specialty;
};
std::optional<Appointment> find(soci::session& sql, std::int64_t id);

// Serialises bookings that touch this doctor / patient until the transaction ends (PostgreSQL
// row locks; SQLite's BEGIN IMMEDIATE already serialises every writer). Lock the patient first,
// then the doctor, everywhere, so two transactions never wait on each other in a cycle.
void lock_patient(soci::session& sql, std::int64_t patient_id);
void lock_doctor(soci::session& sql, std::int64_t doctor_id);

// Active (not cancelled) appointments of the doctor overlapping [from, to).
std::vector<Busy> doctor_busy(soci::session& sql, std::int64_t doctor_id, EpochMs from, EpochMs to,
                              std::int64_t except_id = 0);
// Booked appointments of the patient overlapping [from, to).
std::vector<Busy> patient_busy(soci::session& sql, std::int64_t patient_id, EpochMs from, EpochMs to,
                               std::int64_t except_id = 0);

// Throws the backend's unique violation when the doctor's slot is taken (the index is the last word).
std::int64_t insert(soci::session& sql, std::int64_t patient_id, std::int64_t doctor_id, const Slot& slot,
                    const std::string& reason, EpochMs now);
// booked → booked at a new time; false when it was no longer booked.
bool move(soci::session& sql, std::int64_t id, const Slot& slot, EpochMs now);
// booked → cancelled | completed | no_show; false when it was no longer booked.
bool finish(soci::session& sql, std::int64_t id, AppointmentStatus status, EpochMs now,
            std::optional<std::int64_t> cancelled_by = std::nullopt,
            const std::optional<std::string>& reason = std::nullopt);

// Booked appointments of the doctor from `from` on, in time order (to tell a doctor which
// bookings new hours leave outside).
std::vector<Appointment> upcoming_for_doctor(soci::session& sql, std::int64_t doctor_id, EpochMs from, int limit);

// One page of a user's appointments: upcoming (start >= now, oldest first) or past (newest
// first), keyed by (start, id).
struct ListQuery {
  Role role = Role::patient;  // a patient's or a doctor's appointments
  std::int64_t user_id = 0;
  bool upcoming = true;
  EpochMs now = 0;
  std::optional<EpochMs> from, to;  // optional range on start
  std::optional<AppointmentStatus> status;
  std::optional<std::pair<EpochMs, std::int64_t>> after;  // cursor
  int limit = 20;
};
std::vector<Appointment> list(soci::session& sql, const ListQuery& q);

}  // namespace medcore::appointments::store
