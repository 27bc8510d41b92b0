#include "features/appointments/model.hpp"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace medcore::appointments {

std::string_view to_string(AppointmentStatus status) {
  switch (status) {
    case AppointmentStatus::booked: return "booked";
    case AppointmentStatus::completed: return "completed";
    case AppointmentStatus::no_show: return "no_show";
    case AppointmentStatus::cancelled: return "cancelled";
  }
  return "booked";
}

std::optional<AppointmentStatus> parse_appointment_status(std::string_view text) {
  for (AppointmentStatus s : all_appointment_statuses)
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::string_view to_string(ExceptionKind kind) {
  switch (kind) {
    case ExceptionKind::off: return "off";
    case ExceptionKind::extra: return "extra";
  }
  return "off";
}

std::optional<ExceptionKind> parse_exception_kind(std::string_view text) {
  for (ExceptionKind k : all_exception_kinds)
    if (to_string(k) == text) return k;
  return std::nullopt;
}

namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using Millis = date::sys_time<milliseconds>;

// Minute ranges [first, second) within one local day.
using MinuteRange = std::pair<int, int>;

std::vector<MinuteRange> merge(std::vector<MinuteRange> ranges) {
  std::sort(ranges.begin(), ranges.end());
  std::vector<MinuteRange> out;
  for (const auto& r : ranges) {
    if (!out.empty() && r.first <= out.back().second) {
      out.back().second = std::max(out.back().second, r.second);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::vector<MinuteRange> subtract(const std::vector<MinuteRange>& ranges, const MinuteRange& cut) {
  std::vector<MinuteRange> out;
  for (const auto& r : ranges) {
    if (cut.second <= r.first || cut.first >= r.second) {
      out.push_back(r);
      continue;
    }
    if (r.first < cut.first) out.emplace_back(r.first, cut.first);
    if (cut.second < r.second) out.emplace_back(cut.second, r.second);
  }
  return out;
}

// The working hours of one local date: weekly hours, plus extra hours, minus time off.
std::vector<MinuteRange> hours_on(const Schedule& s, date::local_days day) {
  const auto ymd = date::year_month_day{day};
  const auto key = iso_date(ymd);
  const int weekday = static_cast<int>(date::weekday{day}.iso_encoding());
  std::vector<MinuteRange> ranges;
  bool whole_day_off = false;
  for (const auto& e : s.exceptions)
    if (e.local_date == key && e.kind == ExceptionKind::off && !e.start_minute) whole_day_off = true;
  if (!whole_day_off)
    for (const auto& w : s.weekly)
      if (w.weekday == weekday) ranges.emplace_back(w.start_minute, w.end_minute);
  for (const auto& e : s.exceptions)
    if (e.local_date == key && e.kind == ExceptionKind::extra && e.start_minute && e.end_minute)
      ranges.emplace_back(*e.start_minute, *e.end_minute);
  ranges = merge(std::move(ranges));
  for (const auto& e : s.exceptions)
    if (e.local_date == key && e.kind == ExceptionKind::off && e.start_minute && e.end_minute)
      ranges = subtract(ranges, {*e.start_minute, *e.end_minute});
  return ranges;
}

// A local wall-clock time on the real timeline. Inside a spring-forward gap both choices give the
// instant the gap ends; in a fall-back overlap, `choice` picks the first or the second occurrence.
EpochMs to_instant(const date::time_zone* zone, date::local_time<minutes> t, date::choose choice) {
  return std::chrono::duration_cast<milliseconds>(zone->to_sys(t, choice).time_since_epoch()).count();
}

// Working hours as real-time ranges, for every local day that can touch [from, to).
std::vector<Busy> working_ranges(const Schedule& s, EpochMs from, EpochMs to) {
  const auto* zone = date::locate_zone(s.time_zone);
  const auto local_from = zone->to_local(Millis{milliseconds{from}});
  const auto local_to = zone->to_local(Millis{milliseconds{to}});
  const auto first = date::floor<date::days>(local_from) - date::days{1};
  const auto last = date::floor<date::days>(local_to) + date::days{1};
  std::vector<Busy> out;
  for (auto day = first; day <= last; day += date::days{1}) {
    for (const auto& [a, b] : hours_on(s, day)) {
      const EpochMs start = to_instant(zone, day + minutes{a}, date::choose::earliest);
      const EpochMs end = to_instant(zone, day + minutes{b}, date::choose::latest);
      if (end > start) out.push_back({start, end});
    }
  }
  return out;
}

}  // namespace

std::vector<Slot> slots_between(const Schedule& schedule, EpochMs from, EpochMs to) {
  std::vector<Slot> out;
  if (from >= to || schedule.slot_minutes < kMinSlotMinutes || schedule.slot_minutes > kMaxSlotMinutes) return out;
  const EpochMs length = static_cast<EpochMs>(schedule.slot_minutes) * 60'000;
  for (const auto& range : working_ranges(schedule, from, to)) {
    for (EpochMs t = range.start; t + length <= range.end; t += length)
      if (t >= from && t < to) out.push_back({t, t + length});
  }
  std::sort(out.begin(), out.end(), [](const Slot& a, const Slot& b) { return a.start < b.start; });
  // Ranges of neighbouring days can meet at midnight but never share a start; overlapping
  // extra hours are merged per day. Drop exact duplicates defensively all the same.
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<Slot> slot_at(const Schedule& schedule, EpochMs start) {
  for (const auto& s : slots_between(schedule, start, start + 1))
    if (s.start == start) return s;
  return std::nullopt;
}

bool within_hours(const Schedule& schedule, EpochMs start, EpochMs end) {
  for (const auto& r : working_ranges(schedule, start, end))
    if (r.start <= start && end <= r.end) return true;
  return false;
}

bool overlaps(EpochMs a_start, EpochMs a_end, EpochMs b_start, EpochMs b_end) {
  return a_start < b_end && b_start < a_end;
}

std::vector<Slot> free_slots(const std::vector<Slot>& slots, const std::vector<Busy>& busy) {
  std::vector<Slot> out;
  out.reserve(slots.size());
  for (const auto& s : slots) {
    bool taken = std::any_of(busy.begin(), busy.end(), [&](const Busy& b) { return overlaps(s.start, s.end, b.start, b.end); });
    if (!taken) out.push_back(s);
  }
  return out;
}

BookingWindow booking_window(EpochMs now, int lead_minutes, int horizon_days) {
  return {now + static_cast<EpochMs>(lead_minutes) * 60'000, now + static_cast<EpochMs>(horizon_days) * 86'400'000};
}

Nearest nearest(const std::vector<Slot>& free, EpochMs at, std::size_t before, std::size_t after) {
  Nearest out;
  auto split = std::lower_bound(free.begin(), free.end(), at, [](const Slot& s, EpochMs t) { return s.start < t; });
  for (auto it = split; it != free.begin() && out.before.size() < before;) {
    --it;
    out.before.push_back(*it);
  }
  for (auto it = split; it != free.end() && out.after.size() < after; ++it)
    if (it->start != at) out.after.push_back(*it);
  return out;
}

bool before_cutoff(EpochMs now, EpochMs start, int cutoff_minutes) {
  return now <= start - static_cast<EpochMs>(cutoff_minutes) * 60'000;
}

bool may_mark_outcome(AppointmentStatus status, EpochMs now, EpochMs start) {
  return status == AppointmentStatus::booked && now >= start;
}

std::optional<int> parse_clock(std::string_view text, bool allow_24) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1; };
  for (std::size_t i : {0u, 1u, 3u, 4u})
    if (digit(i) < 0) return std::nullopt;
  const int h = digit(0) * 10 + digit(1), m = digit(3) * 10 + digit(4);
  if (m > 59) return std::nullopt;
  if (h == 24 && m == 0 && allow_24) return kMinutesPerDay;
  if (h > 23) return std::nullopt;
  return h * 60 + m;
}

std::string format_clock(int minute) {
  char buf[6];
  const int h = minute / 60, m = minute % 60;
  buf[0] = static_cast<char>('0' + h / 10);
  buf[1] = static_cast<char>('0' + h % 10);
  buf[2] = ':';
  buf[3] = static_cast<char>('0' + m / 10);
  buf[4] = static_cast<char>('0' + m % 10);
  buf[5] = '\0';
  return buf;
}

const date::time_zone* find_zone(std::string_view name) {
  if (name.empty() || name.size() > 64) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::runtime_error&) {
    return nullptr;
  }
}

std::string format_for_recipient(EpochMs t, std::string_view time_zone) {
  const auto* zone = find_zone(time_zone);
  if (!zone) zone = date::locate_zone("UTC");
  const auto local = zone->to_local(date::floor<minutes>(Millis{milliseconds{t}}));
  return date::format("%a %d %b %Y, %H:%M", local) + " (" + std::string(zone->name()) + ")";
}

std::string local_iso8601(EpochMs t, std::string_view time_zone) {
  const auto* zone = find_zone(time_zone);
  if (!zone) zone = date::locate_zone("UTC");
  const auto z = date::make_zoned(zone, date::floor<std::chrono::seconds>(Millis{milliseconds{t}}));
  return date::format("%FT%T%Ez", z);
}

std::vector<std::string> weekly_overlaps(const std::vector<WeeklyInterval>& weekly) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < weekly.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (weekly[i].weekday == weekly[j].weekday &&
          overlaps(weekly[i].start_minute, weekly[i].end_minute, weekly[j].start_minute, weekly[j].end_minute)) {
        out.push_back("weekly[" + std::to_string(i) + "]: overlaps weekly[" + std::to_string(j) + "]");
        break;
      }
  return out;
}

namespace {

std::string ical_time(EpochMs t) {
  return date::format("%Y%m%dT%H%M%SZ", date::floor<std::chrono::seconds>(Millis{milliseconds{t}}));
}

std::string ical_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out;
}

// RFC 5545 §3.1: lines longer than 75 octets are folded with CRLF + space, never inside a
// UTF-8 sequence.
void append_line(std::string& out, std::string_view line) {
  std::size_t limit = 75;
  while (line.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    limit = 74;  // the leading space counts
  }
  out.append(line);
  out += "\r\n";
}

}  // namespace

std::string to_icalendar(const CalendarEvent& e) {
  std::string out;
  append_line(out, "BEGIN:VCALENDAR");
  append_line(out, "VERSION:2.0");
  append_line(out, "PRODID:-//medcore//appointments//EN");
  append_line(out, "CALSCALE:GREGORIAN");
  append_line(out, e.cancelled ? "METHOD:CANCEL" : "METHOD:PUBLISH");
  append_line(out, "BEGIN:VEVENT");
  append_line(out, "UID:" + ical_text(e.uid));
  append_line(out, "DTSTAMP:" + ical_time(e.stamp));
  append_line(out, "DTSTART:" + ical_time(e.start));
  append_line(out, "DTEND:" + ical_time(e.end));
  append_line(out, "SEQUENCE:" + std::to_string(e.sequence));
  append_line(out, std::string("STATUS:") + (e.cancelled ? "CANCELLED" : "CONFIRMED"));
  append_line(out, "SUMMARY:" + ical_text(e.summary));
  if (!e.description.empty()) append_line(out, "DESCRIPTION:" + ical_text(e.description));
  if (!e.location.empty()) append_line(out, "LOCATION:" + ical_text(e.location));
  append_line(out, "END:VEVENT");
  append_line(out, "END:VCALENDAR");
  return out;
}

}  // namespace medcore::appointments
