#pragma once
// Appointment rules without I/O: turning a doctor's weekly hours and dated exceptions into bookable
// slots in real (UTC) time across daylight-saving switches, which slots are free, which alternatives
// to offer, cancellation cut-offs, and the iCalendar and mail renderings of an appointment.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/roles.hpp"
#include "platform/core/time.hpp"

namespace date {
class time_zone;
}

namespace medcore::appointments {

inline constexpr int kMinSlotMinutes = 10;
inline constexpr int kMaxSlotMinutes = 60;
inline constexpr int kMinutesPerDay = 24 * 60;

// An appointment's life: booked, then at most one of the three ends. The names are the stored and
// the API spelling (the CHECK list of migrations/0004_appointments.sql holds exactly these).
enum class AppointmentStatus { booked, completed, no_show, cancelled };
inline constexpr std::array all_appointment_statuses{AppointmentStatus::booked, AppointmentStatus::completed,
                                                     AppointmentStatus::no_show, AppointmentStatus::cancelled};
std::string_view to_string(AppointmentStatus status);
std::optional<AppointmentStatus> parse_appointment_status(std::string_view text);

// What a dated exception does: takes time off, or adds extra hours.
enum class ExceptionKind { off, extra };
inline constexpr std::array all_exception_kinds{ExceptionKind::off, ExceptionKind::extra};
std::string_view to_string(ExceptionKind kind);
std::optional<ExceptionKind> parse_exception_kind(std::string_view text);

// Working hours on one ISO weekday (1 = Monday … 7 = Sunday), in minutes after local midnight.
struct WeeklyInterval {
  int weekday = 1;
  int start_minute = 0;
  int end_minute = 0;  // exclusive; 1440 = midnight at the end of the day
  bool operator==(const WeeklyInterval&) const = default;
};

// A dated change: a whole day off (no times), part of a day off, or extra hours on that date.
struct ScheduleException {
  std::int64_t id = 0;
  std::string local_date;  // YYYY-MM-DD in the doctor's zone
  ExceptionKind kind = ExceptionKind::off;
  std::optional<int> start_minute, end_minute;
  std::string note;
};

struct Schedule {
  std::string time_zone = "UTC";  // IANA name
  int slot_minutes = 30;
  std::vector<WeeklyInterval> weekly;
  std::vector<ScheduleException> exceptions;
};

struct Slot {
  EpochMs start = 0;
  EpochMs end = 0;
  bool operator==(const Slot&) const = default;
};

// A half-open time range someone is busy in (an appointment).
struct Busy {
  EpochMs start = 0;
  EpochMs end = 0;
};

// Every slot of the schedule that starts in [from, to), in time order. Local intervals are placed
// on the real timeline in the doctor's zone: a local start inside a spring-forward gap moves to the
// end of the gap; across a fall-back the repeated hour is worked (and offered) twice. Throws
// std::runtime_error for an unknown time zone.
std::vector<Slot> slots_between(const Schedule& schedule, EpochMs from, EpochMs to);

// The slot of the schedule that starts exactly at `start`, if any.
std::optional<Slot> slot_at(const Schedule& schedule, EpochMs start);

// Whether a booked appointment [start, end) lies inside the schedule's hours (used to tell a
// doctor which bookings a change of hours leaves outside).
bool within_hours(const Schedule& schedule, EpochMs start, EpochMs end);

bool overlaps(EpochMs a_start, EpochMs a_end, EpochMs b_start, EpochMs b_end);

// Slots that overlap none of `busy`. `busy` need not be sorted.
std::vector<Slot> free_slots(const std::vector<Slot>& slots, const std::vector<Busy>& busy);

// The bookable window: no slot before now + lead, none starting after now + horizon.
struct BookingWindow {
  EpochMs earliest = 0;
  EpochMs latest = 0;
  bool contains(EpochMs start) const { return start >= earliest && start <= latest; }
};
BookingWindow booking_window(EpochMs now, int lead_minutes, int horizon_days);

// Up to `before` free slots ending at or before `at` (nearest first) and up to `after` starting
// after it (nearest first), from `free` (sorted by start).
struct Nearest {
  std::vector<Slot> before, after;
};
Nearest nearest(const std::vector<Slot>& free, EpochMs at, std::size_t before, std::size_t after);

// Whether a patient may still cancel or move an appointment starting at `start`.
bool before_cutoff(EpochMs now, EpochMs start, int cutoff_minutes);

// Appointment status changes a doctor or patient may make.
// booked → completed | no_show (doctor, once it has started) | cancelled (either side).
bool may_mark_outcome(AppointmentStatus status, EpochMs now, EpochMs start);

// "09:30" ↔ 570. end-of-day "24:00" only when allow_24 (interval ends).
std::optional<int> parse_clock(std::string_view text, bool allow_24);
std::string format_clock(int minute);

// The tz database's zone, or nullptr for an unknown name.
const date::time_zone* find_zone(std::string_view name);

// "Mon 24 Nov 2026, 10:00 (Europe/Lisbon)" — how mails show an instant to their recipient.
std::string format_for_recipient(EpochMs t, std::string_view time_zone);
// "2026-11-24T10:00:00+00:00" — the instant in the doctor's local time with its offset.
std::string local_iso8601(EpochMs t, std::string_view time_zone);

// Weekly hours: intervals on the same weekday must not overlap; returns the problems found
// ("weekly[2]: overlaps weekly[0]") in input order.
std::vector<std::string> weekly_overlaps(const std::vector<WeeklyInterval>& weekly);

// One event as an RFC 5545 iCalendar object (CRLF lines, folded at 75 octets, text escaped).
struct CalendarEvent {
  std::string uid;  // globally unique, stable across updates
  EpochMs start = 0, end = 0, stamp = 0;
  std::string summary, description, location;
  int sequence = 0;  // bumped when the event moves
  bool cancelled = false;
};
std::string to_icalendar(const CalendarEvent& event);

}  // namespace medcore::appointments
