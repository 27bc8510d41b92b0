#include "features/appointments/service.hpp"

#include <algorithm>
#include <cstdlib>
#include <date/date.h>

#include "platform/audit/audit.hpp"
#include "platform/core/problem.hpp"
#include "platform/db/database.hpp"
#include "platform/jobs/jobs.hpp"
#include "platform/notify/outbox.hpp"

namespace medcore::appointments {

namespace {

constexpr EpochMs kMinute = 60'000;
constexpr EpochMs kDay = 86'400'000;

// A booking that cannot be made as asked. Thrown inside the transaction (which rolls back) and
// answered outside it as a 409 with alternatives, computed after the locks are released.
struct Conflict {
  std::string slug, detail;
};

Conflict slot_taken() { return {"slot-taken", "That time has just been booked by someone else."}; }

// Runs a transaction that claims a slot. A Conflict it throws — or the unique index refusing the slot
// when two transactions raced past the checks — comes back, after the rollback, as the conflict to
// answer; other errors pass through.
template <class F>
std::optional<Conflict> claim(F&& transaction) {
  try {
    transaction();
    return std::nullopt;
  } catch (const Conflict& c) {
    return c;
  } catch (const Problem&) {
    throw;
  } catch (const std::exception& e) {
    if (!db::is_unique_violation(e)) throw;
    return slot_taken();
  }
}

std::string utc_date(EpochMs t) {
  return iso_date(date::year_month_day{date::floor<date::days>(date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{t}})});
}

// Schedules with exceptions for every local date that [from, to) can touch (zones are within
// ±14 h of UTC, so one day of margin on each side covers them).
std::optional<Schedule> schedule_around(soci::session& sql, std::int64_t doctor_id, EpochMs from, EpochMs to) {
  return store::load_schedule(sql, doctor_id, utc_date(from - kDay), utc_date(to + kDay));
}

audit::Entry entry(const Caller& c, std::string action, std::optional<std::int64_t> subject,
                   boost::json::object details = {}) {
  audit::Entry e;
  e.actor = c.user_id;
  e.action = std::move(action);
  e.subject = subject;
  e.ip = c.ip;
  e.request_id = c.request_id;
  e.details = std::move(details);
  return e;
}

std::string reminder_key(std::int64_t id, std::string_view lead) {
  return "appointment:" + std::to_string(id) + ":reminder:" + std::string(lead);
}

constexpr std::pair<const char*, EpochMs> kReminders[] = {{"24h", 24 * 60 * kMinute}, {"1h", 60 * kMinute}};

// Reminders follow the appointment: scheduling again under the same key moves the pending job;
// a reminder whose time has already passed is dropped.
void schedule_reminders(soci::session& sql, const store::Appointment& a, EpochMs now) {
  for (const auto& [lead, ahead] : kReminders) {
    const auto key = reminder_key(a.id, lead);
    const EpochMs run_at = a.start - ahead;
    if (run_at <= now) {
      jobs::cancel(sql, key);
      continue;
    }
    jobs::schedule(sql, jobs::JobSpec{.kind = kReminderJob,
                                      .payload = {{"appointment_id", a.id}, {"start_at", a.start}, {"lead", lead}},
                                      .run_at = run_at,
                                      .dedupe_key = key});
  }
}

void cancel_reminders(soci::session& sql, std::int64_t id) {
  for (const auto& [lead, ahead] : kReminders) jobs::cancel(sql, reminder_key(id, lead));
}

// The same event mailed to both sides, each in their own time zone and naming the other.
void mail_both(soci::session& sql, const store::Appointment& a, std::string_view category, const std::string& tmpl,
               const boost::json::object& extra, const std::optional<EpochMs>& previous_start = std::nullopt) {
  struct Side {
    std::int64_t id;
    const std::string& name;
    const std::string& email;
    const std::string& zone;
    std::string with;
  };
  const Side sides[] = {{a.patient_id, a.patient_name, a.patient_email, a.patient_time_zone, a.doctor_name},
                        {a.doctor_id, a.doctor_name, a.doctor_email, a.doctor_time_zone, a.patient_name + " (patient)"}};
  for (const auto& s : sides) {
    boost::json::object data = extra;
    data["name"] = s.name;
    data["with_name"] = s.with;
    data["starts_at"] = format_for_recipient(a.start, s.zone);
    if (previous_start) data["previous_starts_at"] = format_for_recipient(*previous_start, s.zone);
    data["appointment_id"] = a.id;
    notify::enqueue(sql, notify::Mail{std::string(category), tmpl, s.id, s.email, std::move(data)});
  }
}

// The slot of the doctor's hours starting at `start` that neither the doctor nor the patient is busy
// in, ignoring appointment `except_id` (the one being moved); throws Conflict otherwise.
Slot free_slot_at(soci::session& sql, std::int64_t doctor_id, std::int64_t patient_id, EpochMs start,
                  std::int64_t except_id = 0) {
  auto schedule = schedule_around(sql, doctor_id, start, start + 1);
  auto slot = schedule ? slot_at(*schedule, start) : std::nullopt;
  if (!slot) throw Conflict{"slot-unavailable", "The doctor does not see patients at that time."};
  if (!store::doctor_busy(sql, doctor_id, slot->start, slot->end, except_id).empty()) throw slot_taken();
  if (!store::patient_busy(sql, patient_id, slot->start, slot->end, except_id).empty())
    throw Conflict{"patient-overlap", "You already have an appointment at that time."};
  return *slot;
}

Problem too_late_to_change(int cutoff_minutes, std::string_view done) {
  return problems::conflict("too-late-to-change", "Appointments can be " + std::string(done) + " online until " +
                                                      std::to_string(cutoff_minutes) +
                                                      " minutes before they start; please contact the practice.");
}

// 409 for a change to an appointment that has already ended one way or another.
Problem already(AppointmentStatus status) {
  return problems::conflict("appointment-not-active", "This appointment is already " + std::string(to_string(status)) + ".");
}

bool participant(const Caller& c, const store::Appointment& a) {
  return (c.role == Role::patient && c.user_id == a.patient_id) || (c.role == Role::doctor && c.user_id == a.doctor_id);
}

store::Appointment must_find(soci::session& sql, const Caller& c, std::int64_t id) {
  auto a = store::find(sql, id);
  if (!a || !participant(c, *a)) throw problems::not_found("No such appointment.");
  return *a;
}

std::vector<store::Appointment> outside(const Schedule& schedule, std::vector<store::Appointment> booked) {
  std::erase_if(booked, [&](const store::Appointment& a) { return within_hours(schedule, a.start, a.end); });
  return booked;
}

Problem window_problem(const BookingWindow& w) {
  return problems::validation({{"start", "must be a free slot between " + iso8601(w.earliest) + " and " +
                                             iso8601(w.latest) + " (bookings open " +
                                             "after a minimum lead time and up to the booking horizon)"}});
}

}  // namespace

BookingWindow Service::window(EpochMs now) const {
  return booking_window(now, app_.config.booking_lead_minutes, app_.config.booking_horizon_days);
}

Service::Availability Service::availability(std::int64_t doctor_id) {
  return app_.db->read([&](soci::session& sql) {
    Availability out;
    const auto today = utc_date(now_ms() - kDay);
    auto s = store::load_schedule(sql, doctor_id, today, "9999-12-31");
    if (s) {
      out.published = true;
      out.schedule = std::move(*s);
    } else if (auto d = store::find_doctor(sql, doctor_id)) {
      out.schedule.time_zone = d->time_zone;
      out.schedule.exceptions = store::list_exceptions(sql, doctor_id, today);
    }
    return out;
  });
}

Service::HoursChange Service::set_hours(const Caller& doctor, const std::string& time_zone, int slot_minutes,
                                        const std::vector<WeeklyInterval>& weekly) {
  const EpochMs now = now_ms();
  HoursChange out;
  app_.db->transaction("appointments.set_hours", [&](soci::session& sql) {
    store::lock_doctor(sql, doctor.user_id);
    store::save_weekly(sql, doctor.user_id, slot_minutes, time_zone, weekly, now);
    auto booked = store::upcoming_for_doctor(sql, doctor.user_id, now, 1000);
    auto schedule = store::load_schedule(sql, doctor.user_id, utc_date(now - kDay), "9999-12-31");
    out.availability = {true, *schedule};
    out.outside_hours = outside(*schedule, std::move(booked));
    audit::record(sql, entry(doctor, "appointments.hours_changed", doctor.user_id,
                             {{"slot_minutes", slot_minutes},
                              {"time_zone", time_zone},
                              {"intervals", static_cast<std::int64_t>(weekly.size())},
                              {"bookings_outside", static_cast<std::int64_t>(out.outside_hours.size())}}));
  });
  return out;
}

Service::ExceptionChange Service::add_exception(const Caller& doctor, ScheduleException exception) {
  const EpochMs now = now_ms();
  ExceptionChange out;
  app_.db->transaction("appointments.add_exception", [&](soci::session& sql) {
    store::lock_doctor(sql, doctor.user_id);
    exception.id = store::insert_exception(sql, doctor.user_id, exception, now);
    out.exception = exception;
    if (auto schedule = store::load_schedule(sql, doctor.user_id, utc_date(now - kDay), "9999-12-31"))
      out.outside_hours = outside(*schedule, store::upcoming_for_doctor(sql, doctor.user_id, now, 1000));
    audit::record(sql, entry(doctor, "appointments.exception_added", doctor.user_id,
                             {{"exception_id", exception.id}, {"date", exception.local_date}, {"kind", to_string(exception.kind)}}));
  });
  return out;
}

void Service::remove_exception(const Caller& doctor, std::int64_t id) {
  app_.db->transaction("appointments.remove_exception", [&](soci::session& sql) {
    if (!store::delete_exception(sql, doctor.user_id, id)) throw problems::not_found("No such exception.");
    audit::record(sql, entry(doctor, "appointments.exception_removed", doctor.user_id, {{"exception_id", id}}));
  });
}

Service::FreeSlots Service::free_slots(std::int64_t doctor_id, EpochMs from, EpochMs to) {
  const auto w = window(now_ms());
  return app_.db->read([&](soci::session& sql) {
    auto d = store::find_doctor(sql, doctor_id);
    if (!d || d->status != DoctorStatus::approved) throw problems::not_found("No such doctor.");
    FreeSlots out;
    out.doctor = *d;
    out.window = w;
    const EpochMs lo = std::max(from, w.earliest), hi = std::min(to, w.latest + 1);
    auto schedule = schedule_around(sql, doctor_id, lo, hi);
    if (!schedule || lo >= hi) return out;
    out.slot_minutes = schedule->slot_minutes;
    auto slots = slots_between(*schedule, lo, hi);
    out.slots = appointments::free_slots(slots, store::doctor_busy(sql, doctor_id, lo, hi + kMaxSlotMinutes * kMinute));
    return out;
  });
}

boost::json::array Service::alternatives(std::int64_t patient_id, std::int64_t doctor_id, EpochMs at,
                                         std::int64_t except_appointment) {
  const auto w = window(now_ms());
  struct Offer {
    store::Doctor doctor;
    Slot slot;
    bool same;
  };
  std::vector<Offer> offers;
  app_.db->read([&](soci::session& sql) {
    auto doctor = store::find_doctor(sql, doctor_id);
    if (!doctor) return;
    // Free for the doctor and not overlapping the patient's other bookings.
    auto free_near = [&](const store::Doctor& d, EpochMs from, EpochMs to) {
      std::vector<Slot> out;
      from = std::max(from, w.earliest);
      to = std::min(to, w.latest + 1);
      if (from >= to) return out;
      auto schedule = schedule_around(sql, d.id, from, to);
      if (!schedule) return out;
      const EpochMs margin = kMaxSlotMinutes * kMinute;
      auto slots = appointments::free_slots(slots_between(*schedule, from, to),
                                            store::doctor_busy(sql, d.id, from, to + margin, except_appointment));
      return appointments::free_slots(slots, store::patient_busy(sql, patient_id, from, to + margin, except_appointment));
    };
    auto same = nearest(free_near(*doctor, at - 7 * kDay, at + 7 * kDay), at, 3, 3);
    for (const auto& s : same.before) offers.push_back({*doctor, s, true});
    for (const auto& s : same.after) offers.push_back({*doctor, s, true});
    std::vector<Offer> others;
    for (const auto& colleague : store::approved_colleagues(sql, doctor->specialty, doctor->id, 20)) {
      // The colleague's free slot nearest the asked time (the asked time itself is a fine offer).
      std::optional<Slot> best;
      for (const auto& s : free_near(colleague, at - kDay, at + kDay))
        if (!best || std::llabs(s.start - at) < std::llabs(best->start - at)) best = s;
      if (best) others.push_back({colleague, *best, false});
    }
    std::sort(others.begin(), others.end(),
              [&](const Offer& a, const Offer& b) { return std::llabs(a.slot.start - at) < std::llabs(b.slot.start - at); });
    if (others.size() > 5) others.resize(5);
    std::sort(offers.begin(), offers.end(),
              [&](const Offer& a, const Offer& b) { return std::llabs(a.slot.start - at) < std::llabs(b.slot.start - at); });
    offers.insert(offers.end(), others.begin(), others.end());
  });
  boost::json::array out;
  for (const auto& o : offers) {
    out.push_back(boost::json::object{{"doctor_id", o.doctor.id},
                                      {"doctor_name", o.doctor.name},
                                      {"specialty", o.doctor.specialty},
                                      {"same_doctor", o.same},
                                      {"start", iso8601(o.slot.start)},
                                      {"end", iso8601(o.slot.end)},
                                      {"local_start", local_iso8601(o.slot.start, o.doctor.time_zone)},
                                      {"time_zone", o.doctor.time_zone}});
  }
  return out;
}

Service::Booked Service::book(const Caller& patient, const BookRequest& request,
                              const std::function<std::string(const store::Appointment&)>& render) {
  const EpochMs now = now_ms();
  const auto w = window(now);
  Booked out;
  const auto conflict = claim([&] {
    app_.db->transaction("appointments.book", [&](soci::session& sql) {
      if (request.key) {
        if (auto stored = idempotency::find(sql, *request.key)) {
          out.replayed = std::move(stored);
          return;
        }
      }
      if (!w.contains(request.start)) throw window_problem(w);
      store::lock_patient(sql, patient.user_id);
      store::lock_doctor(sql, request.doctor_id);
      auto doctor = store::find_doctor(sql, request.doctor_id);
      if (!doctor || doctor->status != DoctorStatus::approved)
        throw problems::validation({{"doctor_id", "must be the id of an approved doctor"}});
      const auto slot = free_slot_at(sql, doctor->id, patient.user_id, request.start);
      const auto id = store::insert(sql, patient.user_id, doctor->id, slot, request.reason, now);
      auto a = *store::find(sql, id);
      mail_both(sql, a, notify::kCategoryAppointments, "appointment_confirmed",
                a.reason.empty() ? boost::json::object{} : boost::json::object{{"reason", a.reason}});
      schedule_reminders(sql, a, now);
      audit::record(sql, entry(patient, "appointments.booked", patient.user_id,
                               {{"appointment_id", id}, {"doctor_id", doctor->id}, {"start", iso8601(a.start)}}));
      if (request.key) idempotency::remember(sql, *request.key, {201, render(a)}, now);
      out.appointment = std::move(a);
    });
  });
  if (conflict) {
    // A concurrent retry with the same key may have booked it: answer with that booking.
    if (request.key) {
      auto stored = app_.db->read([&](soci::session& sql) { return idempotency::find(sql, *request.key); });
      if (stored) return Booked{std::nullopt, std::move(stored)};
    }
    throw problems::conflict(conflict->slug, conflict->detail)
        .with("alternatives", alternatives(patient.user_id, request.doctor_id, request.start));
  }
  return out;
}

store::Appointment Service::get(const Caller& caller, std::int64_t id) {
  return app_.db->read([&](soci::session& sql) { return must_find(sql, caller, id); });
}

store::Appointment Service::cancel(const Caller& caller, std::int64_t id, const std::optional<std::string>& reason) {
  const EpochMs now = now_ms();
  return app_.db->transaction("appointments.cancel", [&](soci::session& sql) {
    auto a = must_find(sql, caller, id);
    if (a.status != AppointmentStatus::booked) throw already(a.status);
    if (caller.role == Role::patient && !before_cutoff(now, a.start, app_.config.cancel_cutoff_minutes))
      throw too_late_to_change(app_.config.cancel_cutoff_minutes, "cancelled");
    if (caller.role == Role::doctor && now >= a.end)
      throw problems::conflict("appointment-over", "This appointment is over; mark it completed or no-show instead.");
    if (!store::finish(sql, id, AppointmentStatus::cancelled, now, caller.user_id, reason))
      throw problems::conflict("appointment-not-active", "This appointment was changed meanwhile.");
    cancel_reminders(sql, id);
    auto updated = *store::find(sql, id);
    boost::json::object extra;
    if (reason) extra["reason"] = *reason;
    mail_both(sql, updated, notify::kCategoryAppointments, "appointment_cancelled", extra);
    audit::record(sql, entry(caller, "appointments.cancelled", a.patient_id,
                             {{"appointment_id", id}, {"by", to_string(caller.role)}}));
    return updated;
  });
}

store::Appointment Service::reschedule(const Caller& patient, std::int64_t id, EpochMs start) {
  const EpochMs now = now_ms();
  const auto w = window(now);
  std::int64_t doctor_id = 0;
  std::optional<store::Appointment> moved;
  const auto conflict = claim([&] {
    moved = app_.db->transaction("appointments.reschedule", [&](soci::session& sql) {
      auto a = must_find(sql, patient, id);
      if (patient.role != Role::patient)
        throw problems::forbidden("Only the patient moves an appointment; a doctor cancels it with a reason.");
      doctor_id = a.doctor_id;
      store::lock_patient(sql, a.patient_id);
      store::lock_doctor(sql, a.doctor_id);
      a = *store::find(sql, id);  // after the locks: the status we act on is current
      if (a.status != AppointmentStatus::booked) throw already(a.status);
      if (!before_cutoff(now, a.start, app_.config.cancel_cutoff_minutes))
        throw too_late_to_change(app_.config.cancel_cutoff_minutes, "moved");
      if (!w.contains(start)) throw window_problem(w);
      if (start == a.start) return a;
      const auto slot = free_slot_at(sql, a.doctor_id, a.patient_id, start, id);
      // One UPDATE: the new slot is taken and the old one released together, or neither.
      if (!store::move(sql, id, slot, now))
        throw problems::conflict("appointment-not-active", "This appointment was changed meanwhile.");
      auto after = *store::find(sql, id);
      mail_both(sql, after, notify::kCategoryAppointments, "appointment_rescheduled", {}, a.start);
      schedule_reminders(sql, after, now);
      audit::record(sql, entry(patient, "appointments.rescheduled", a.patient_id,
                               {{"appointment_id", id}, {"from", iso8601(a.start)}, {"to", iso8601(after.start)}}));
      return after;
    });
  });
  if (!conflict) return *moved;
  throw problems::conflict(conflict->slug, conflict->detail)
      .with("alternatives", alternatives(patient.user_id, doctor_id, start, id));
}

store::Appointment Service::mark(const Caller& doctor, std::int64_t id, AppointmentStatus outcome) {
  const EpochMs now = now_ms();
  return app_.db->transaction("appointments.mark", [&](soci::session& sql) {
    auto a = must_find(sql, doctor, id);
    if (doctor.role != Role::doctor) throw problems::forbidden("Only the doctor records the outcome of an appointment.");
    if (a.status != AppointmentStatus::booked) throw already(a.status);
    if (!may_mark_outcome(a.status, now, a.start))
      throw problems::conflict("appointment-not-started", "An appointment can be marked only once it has started.");
    if (!store::finish(sql, id, outcome, now))
      throw problems::conflict("appointment-not-active", "This appointment was changed meanwhile.");
    cancel_reminders(sql, id);
    audit::record(sql, entry(doctor, "appointments." + std::string(to_string(outcome)), a.patient_id, {{"appointment_id", id}}));
    return *store::find(sql, id);
  });
}

std::vector<store::Appointment> Service::list(const store::ListQuery& query) {
  return app_.db->read([&](soci::session& sql) { return store::list(sql, query); });
}

void Service::send_reminder(const boost::json::object& payload) {
  const auto* id = payload.if_contains("appointment_id");
  const auto* start = payload.if_contains("start_at");
  if (!id || !start || !id->is_int64() || !start->is_int64())
    throw std::invalid_argument("appointments.reminder needs appointment_id and start_at");
  const EpochMs now = now_ms();
  app_.db->transaction("appointments.send_reminder", [&](soci::session& sql) {
    auto a = store::find(sql, id->as_int64());
    // Moved or cancelled since: the reminder for that time is void (a moved appointment has its
    // own reminder job under the same key).
    if (!a || a->status != AppointmentStatus::booked || a->start != start->as_int64() || now >= a->start) return;
    mail_both(sql, *a, notify::kCategoryReminder, "appointment_reminder", {});
  });
}

}  // namespace medcore::appointments
