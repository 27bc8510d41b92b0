#pragma once
// Appointment use cases, one transaction each: publishing hours, listing free slots, booking
// (conflicts answered with alternatives), cancelling, rescheduling, outcomes, reminders.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "platform/app/app.hpp"
#include "features/appointments/model.hpp"
#include "features/appointments/store.hpp"
#include "platform/idempotency/idempotency.hpp"

namespace medcore::appointments {

// Who asks, for authorization and the audit log.
struct Caller {
  std::int64_t user_id = 0;
  Role role = Role::patient;
  std::string ip;
  std::string request_id;
};

class Service {
 public:
  explicit Service(App& app) : app_(app) {}
  const Config& config() const { return app_.config; }

  struct Availability {
    bool published = false;
    Schedule schedule;  // exceptions: from today on
  };
  Availability availability(std::int64_t doctor_id);

  // New weekly hours. Existing bookings are never dropped: the answer lists the booked
  // appointments the new hours leave outside, for the doctor to keep or cancel.
  struct HoursChange {
    Availability availability;
    std::vector<store::Appointment> outside_hours;
  };
  HoursChange set_hours(const Caller& doctor, const std::string& time_zone, int slot_minutes,
                        const std::vector<WeeklyInterval>& weekly);
  struct ExceptionChange {
    ScheduleException exception;
    std::vector<store::Appointment> outside_hours;
  };
  ExceptionChange add_exception(const Caller& doctor, ScheduleException exception);
  void remove_exception(const Caller& doctor, std::int64_t id);

  struct FreeSlots {
    store::Doctor doctor;
    int slot_minutes = 0;
    BookingWindow window;
    std::vector<Slot> slots;
  };
  // Free slots of an approved doctor in [from, to) clipped to the booking window.
  FreeSlots free_slots(std::int64_t doctor_id, EpochMs from, EpochMs to);

  struct BookRequest {
    std::int64_t doctor_id = 0;
    EpochMs start = 0;
    std::string reason;
    std::optional<idempotency::Key> key;
  };
  struct Booked {
    std::optional<store::Appointment> appointment;  // empty when replayed
    std::optional<idempotency::Stored> replayed;
  };
  // `render` makes the 201 body (stored with the idempotency key in the same transaction).
  Booked book(const Caller& patient, const BookRequest& request,
              const std::function<std::string(const store::Appointment&)>& render);

  // Participants only (anyone else: 404, so ids reveal nothing).
  store::Appointment get(const Caller& caller, std::int64_t id);
  store::Appointment cancel(const Caller& caller, std::int64_t id, const std::optional<std::string>& reason);
  store::Appointment reschedule(const Caller& patient, std::int64_t id, EpochMs start);
  store::Appointment mark(const Caller& doctor, std::int64_t id, AppointmentStatus outcome);
  std::vector<store::Appointment> list(const store::ListQuery& query);

  // Free slots to offer instead of `at`: the same doctor's nearest before and after, then other
  // approved doctors of the same specialty near that time; never overlapping the patient's own
  // bookings. Each: {doctor_id, doctor_name, specialty, same_doctor, start, end, local_start, time_zone}.
  boost::json::array alternatives(std::int64_t patient_id, std::int64_t doctor_id, EpochMs at,
                                  std::int64_t except_appointment = 0);

  // The job handler of "appointments.reminder": mails both sides if the appointment is still booked
  // at the time the reminder was scheduled for.
  void send_reminder(const boost::json::object& payload);

 private:
  BookingWindow window(EpochMs now) const;
  App& app_;
};

inline constexpr const char* kReminderJob = "appointments.reminder";

}  // namespace medcore::appointments
