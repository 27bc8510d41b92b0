// Slots from weekly hours and exceptions, across daylight-saving switches; free slots, nearest
// alternatives, clock parsing, iCalendar (src/features/appointments/model.hpp).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "features/appointments/model.hpp"
#include "platform/core/time.hpp"

namespace medcore::appointments {
namespace {

EpochMs at(const char* iso) {
  const auto t = parse_iso8601(iso);
  if (!t) throw std::invalid_argument(std::string("bad test instant ") + iso);
  return *t;
}

std::vector<std::string> starts(const std::vector<Slot>& slots) {
  std::vector<std::string> out;
  for (const auto& s : slots) out.push_back(iso8601(s.start));
  return out;
}

Schedule berlin_mornings() {
  Schedule s;
  s.time_zone = "Europe/Berlin";
  s.slot_minutes = 30;
  s.weekly = {{1, 9 * 60, 12 * 60}};  // Mondays 09:00–12:00
  return s;
}

TEST(AppointmentSlots, WeeklyHoursBecomeSlotsInTheDoctorsZone) {
  // Monday 23 March 2026: Berlin is on CET (UTC+1).
  auto slots = slots_between(berlin_mornings(), at("2026-03-23T00:00:00Z"), at("2026-03-24T00:00:00Z"));
  EXPECT_EQ(starts(slots), (std::vector<std::string>{"2026-03-23T08:00:00.000Z", "2026-03-23T08:30:00.000Z",
                                                     "2026-03-23T09:00:00.000Z", "2026-03-23T09:30:00.000Z",
                                                     "2026-03-23T10:00:00.000Z", "2026-03-23T10:30:00.000Z"}));
  EXPECT_EQ(slots.front().end - slots.front().start, 30 * 60'000);
}

TEST(AppointmentSlots, SameLocalHoursMoveInUtcAfterSpringForward) {
  // Clocks go forward on Sunday 29 March 2026; on Monday 30 March 09:00 Berlin is 07:00 UTC.
  auto slots = slots_between(berlin_mornings(), at("2026-03-23T00:00:00Z"), at("2026-03-31T00:00:00Z"));
  ASSERT_EQ(slots.size(), 12u);
  EXPECT_EQ(iso8601(slots[0].start), "2026-03-23T08:00:00.000Z");
  EXPECT_EQ(iso8601(slots[6].start), "2026-03-30T07:00:00.000Z");
  EXPECT_EQ(local_iso8601(slots[6].start, "Europe/Berlin"), "2026-03-30T09:00:00+02:00");
  EXPECT_EQ(local_iso8601(slots[0].start, "Europe/Berlin"), "2026-03-23T09:00:00+01:00");
}

TEST(AppointmentSlots, HoursAcrossTheSpringForwardGapHaveOnlyTheRealTime) {
  // Sunday 29 March 2026, 01:00–04:00 local: 02:00–03:00 does not exist, so two real hours.
  Schedule s = berlin_mornings();
  s.weekly = {{7, 60, 240}};
  auto slots = slots_between(s, at("2026-03-28T12:00:00Z"), at("2026-03-29T12:00:00Z"));
  EXPECT_EQ(starts(slots), (std::vector<std::string>{"2026-03-29T00:00:00.000Z", "2026-03-29T00:30:00.000Z",
                                                     "2026-03-29T01:00:00.000Z", "2026-03-29T01:30:00.000Z"}));
  EXPECT_EQ(local_iso8601(slots[2].start, "Europe/Berlin"), "2026-03-29T03:00:00+02:00");
}

TEST(AppointmentSlots, AStartInsideTheGapMovesToItsEnd) {
  Schedule s = berlin_mornings();
  s.weekly = {{7, 150, 240}};  // 02:30–04:00 local, 02:30 does not exist that day
  auto slots = slots_between(s, at("2026-03-29T00:00:00Z"), at("2026-03-29T06:00:00Z"));
  EXPECT_EQ(starts(slots), (std::vector<std::string>{"2026-03-29T01:00:00.000Z", "2026-03-29T01:30:00.000Z"}));
}

TEST(AppointmentSlots, TheRepeatedHourOfFallBackIsOfferedTwice) {
  // Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET; 01:00–04:00 local is four real hours.
  Schedule s = berlin_mornings();
  s.weekly = {{7, 60, 240}};
  auto slots = slots_between(s, at("2026-10-24T12:00:00Z"), at("2026-10-25T12:00:00Z"));
  ASSERT_EQ(slots.size(), 8u);
  EXPECT_EQ(iso8601(slots.front().start), "2026-10-24T23:00:00.000Z");
  EXPECT_EQ(iso8601(slots.back().start), "2026-10-25T02:30:00.000Z");
  EXPECT_EQ(local_iso8601(slots[2].start, "Europe/Berlin"), "2026-10-25T02:00:00+02:00");
  EXPECT_EQ(local_iso8601(slots[4].start, "Europe/Berlin"), "2026-10-25T02:00:00+01:00");
}

TEST(AppointmentSlots, NewYorkFallBackMondayKeepsLocalNineOClock) {
  Schedule s;
  s.time_zone = "America/New_York";
  s.slot_minutes = 60;
  s.weekly = {{1, 9 * 60, 10 * 60}};
  auto slots = slots_between(s, at("2026-10-26T00:00:00Z"), at("2026-11-03T00:00:00Z"));
  // EDT (UTC-4) on 26 October, EST (UTC-5) on 2 November.
  EXPECT_EQ(starts(slots), (std::vector<std::string>{"2026-10-26T13:00:00.000Z", "2026-11-02T14:00:00.000Z"}));
}

TEST(AppointmentSlots, ExceptionsTakeDaysOffAndAddHours) {
  Schedule s = berlin_mornings();
  s.exceptions = {{1, "2026-03-23", ExceptionKind::off, std::nullopt, std::nullopt, "holiday"},
                  {2, "2026-03-30", ExceptionKind::off, 10 * 60, 11 * 60, "meeting"},
                  {3, "2026-03-31", ExceptionKind::extra, 14 * 60, 15 * 60, "extra clinic"}};
  auto slots = slots_between(s, at("2026-03-23T00:00:00Z"), at("2026-04-01T00:00:00Z"));
  EXPECT_EQ(starts(slots), (std::vector<std::string>{"2026-03-30T07:00:00.000Z", "2026-03-30T07:30:00.000Z",
                                                     "2026-03-30T09:00:00.000Z", "2026-03-30T09:30:00.000Z",
                                                     "2026-03-31T12:00:00.000Z", "2026-03-31T12:30:00.000Z"}));
}

TEST(AppointmentSlots, ExtraHoursOverlappingWeeklyHoursAreMergedNotDoubled) {
  Schedule s = berlin_mornings();
  s.exceptions = {{1, "2026-03-23", ExceptionKind::extra, 11 * 60, 13 * 60, ""}};
  auto slots = slots_between(s, at("2026-03-23T00:00:00Z"), at("2026-03-24T00:00:00Z"));
  EXPECT_EQ(slots.size(), 8u);  // 09:00–13:00
}

TEST(AppointmentSlots, OnlySlotStartsOnTheGridAreSlots) {
  auto s = berlin_mornings();
  EXPECT_TRUE(slot_at(s, at("2026-03-23T08:30:00Z")).has_value());
  EXPECT_FALSE(slot_at(s, at("2026-03-23T08:10:00Z")).has_value());
  EXPECT_FALSE(slot_at(s, at("2026-03-23T11:00:00Z")).has_value());  // 12:00 local: the end, not a slot
  EXPECT_FALSE(slot_at(s, at("2026-03-24T08:30:00Z")).has_value());  // Tuesday
  EXPECT_EQ(slot_at(s, at("2026-03-23T10:30:00Z"))->end, at("2026-03-23T11:00:00Z"));
}

TEST(AppointmentSlots, TheLastSlotMustFitBeforeTheEnd) {
  Schedule s = berlin_mornings();
  s.slot_minutes = 50;  // 09:00, 09:50, 10:40 (11:30 would end after 12:00)
  EXPECT_EQ(slots_between(s, at("2026-03-23T00:00:00Z"), at("2026-03-24T00:00:00Z")).size(), 3u);
}

TEST(AppointmentSlots, UnknownZoneThrows) {
  Schedule s = berlin_mornings();
  s.time_zone = "Mars/Olympus";
  EXPECT_THROW(slots_between(s, at("2026-03-23T00:00:00Z"), at("2026-03-24T00:00:00Z")), std::runtime_error);
  EXPECT_FALSE(is_time_zone("Mars/Olympus"));
  EXPECT_TRUE(is_time_zone("Europe/Lisbon"));
  EXPECT_FALSE(is_time_zone(""));
  EXPECT_EQ(find_zone("Mars/Olympus"), nullptr);
}

TEST(AppointmentSlots, WithinHoursTellsWhichBookingsAChangeLeavesOutside) {
  auto s = berlin_mornings();
  EXPECT_TRUE(within_hours(s, at("2026-03-23T08:00:00Z"), at("2026-03-23T08:30:00Z")));
  EXPECT_TRUE(within_hours(s, at("2026-03-23T08:10:00Z"), at("2026-03-23T08:30:00Z")));  // off-grid but inside
  EXPECT_FALSE(within_hours(s, at("2026-03-23T10:45:00Z"), at("2026-03-23T11:15:00Z")));
  EXPECT_FALSE(within_hours(s, at("2026-03-24T08:00:00Z"), at("2026-03-24T08:30:00Z")));
}

TEST(AppointmentSlots, FreeSlotsSkipEveryOverlap) {
  auto slots = slots_between(berlin_mornings(), at("2026-03-23T00:00:00Z"), at("2026-03-24T00:00:00Z"));
  // One 30-minute booking, and one booked under an older 20-minute grid that straddles two slots
  // (09:20–09:40 UTC takes both 09:00 and 09:30).
  std::vector<Busy> busy{{at("2026-03-23T08:00:00Z"), at("2026-03-23T08:30:00Z")},
                         {at("2026-03-23T09:20:00Z"), at("2026-03-23T09:40:00Z")}};
  EXPECT_EQ(starts(free_slots(slots, busy)),
            (std::vector<std::string>{"2026-03-23T08:30:00.000Z", "2026-03-23T10:00:00.000Z",
                                      "2026-03-23T10:30:00.000Z"}));
}

TEST(AppointmentSlots, NearestGivesTheClosestOnEachSide) {
  auto slots = slots_between(berlin_mornings(), at("2026-03-23T00:00:00Z"), at("2026-03-24T00:00:00Z"));
  auto n = nearest(slots, at("2026-03-23T09:00:00Z"), 2, 2);
  EXPECT_EQ(starts(n.before), (std::vector<std::string>{"2026-03-23T08:30:00.000Z", "2026-03-23T08:00:00.000Z"}));
  EXPECT_EQ(starts(n.after), (std::vector<std::string>{"2026-03-23T09:30:00.000Z", "2026-03-23T10:00:00.000Z"}));
  auto edge = nearest(slots, at("2026-03-23T07:00:00Z"), 3, 1);
  EXPECT_TRUE(edge.before.empty());
  EXPECT_EQ(starts(edge.after), (std::vector<std::string>{"2026-03-23T08:00:00.000Z"}));
}

TEST(AppointmentRules, BookingWindowAndCutoff) {
  const EpochMs now = at("2026-03-23T08:00:00Z");
  auto w = booking_window(now, 60, 60);
  EXPECT_FALSE(w.contains(at("2026-03-23T08:30:00Z")));
  EXPECT_TRUE(w.contains(at("2026-03-23T09:00:00Z")));
  EXPECT_TRUE(w.contains(at("2026-05-22T08:00:00Z")));
  EXPECT_FALSE(w.contains(at("2026-05-22T08:30:00Z")));
  EXPECT_TRUE(before_cutoff(now, at("2026-03-24T08:00:00Z"), 24 * 60));
  EXPECT_FALSE(before_cutoff(now, at("2026-03-24T07:59:00Z"), 24 * 60));
  EXPECT_FALSE(may_mark_outcome(AppointmentStatus::booked, now, now + 1));
  EXPECT_TRUE(may_mark_outcome(AppointmentStatus::booked, now, now));
  EXPECT_FALSE(may_mark_outcome(AppointmentStatus::cancelled, now, now - 1));
}

TEST(AppointmentRules, ClockTimes) {
  EXPECT_EQ(parse_clock("09:30", false), 570);
  EXPECT_EQ(parse_clock("00:00", false), 0);
  EXPECT_EQ(parse_clock("24:00", true), 1440);
  EXPECT_FALSE(parse_clock("24:00", false));
  EXPECT_FALSE(parse_clock("9:30", false));
  EXPECT_FALSE(parse_clock("09:60", false));
  EXPECT_FALSE(parse_clock("25:00", true));
  EXPECT_FALSE(parse_clock("ab:cd", false));
  EXPECT_EQ(format_clock(570), "09:30");
  EXPECT_EQ(format_clock(1440), "24:00");
}

TEST(AppointmentRules, OverlappingWeeklyIntervalsAreReported) {
  EXPECT_TRUE(weekly_overlaps({{1, 540, 720}, {1, 780, 1020}, {2, 540, 720}}).empty());
  auto problems = weekly_overlaps({{1, 540, 720}, {2, 540, 720}, {1, 700, 800}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "weekly[2]: overlaps weekly[0]");
}

TEST(AppointmentRules, MailTimesAreInTheRecipientsZone) {
  EXPECT_EQ(format_for_recipient(at("2026-03-30T07:00:00Z"), "Europe/Berlin"), "Mon 30 Mar 2026, 09:00 (Europe/Berlin)");
  EXPECT_EQ(format_for_recipient(at("2026-03-30T07:00:00Z"), "America/New_York"),
            "Mon 30 Mar 2026, 03:00 (America/New_York)");
  EXPECT_EQ(format_for_recipient(at("2026-03-30T07:00:00Z"), "not/a-zone"), "Mon 30 Mar 2026, 07:00 (UTC)");
}

TEST(AppointmentCalendar, IcsIsValidCrlfEscapedAndFolded) {
  CalendarEvent e;
  e.uid = "appointment-42@medcore";
  e.start = at("2026-03-30T07:00:00Z");
  e.end = at("2026-03-30T07:30:00Z");
  e.stamp = at("2026-03-01T10:00:00Z");
  e.summary = "Appointment with Dr Ana Costa, cardiology; room 2";
  e.description = std::string("Reason: chest pain\nBring your ") + std::string(80, 'x') + " \xC3\xA9\xC3\xA9";
  auto ics = to_icalendar(e);
  EXPECT_EQ(ics.rfind("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 0), 0u);
  EXPECT_NE(ics.find("DTSTART:20260330T070000Z\r\n"), std::string::npos);
  EXPECT_NE(ics.find("DTEND:20260330T073000Z\r\n"), std::string::npos);
  EXPECT_NE(ics.find("UID:appointment-42@medcore\r\n"), std::string::npos);
  EXPECT_NE(ics.find("SUMMARY:Appointment with Dr Ana Costa\\, cardiology\\; room 2\r\n"), std::string::npos);
  EXPECT_NE(ics.find("DESCRIPTION:Reason: chest pain\\nBring your"), std::string::npos);
  EXPECT_NE(ics.find("STATUS:CONFIRMED"), std::string::npos);
  EXPECT_EQ(ics.substr(ics.size() - 15), "END:VCALENDAR\r\n");
  // Every physical line is at most 75 octets; continuation lines start with a space; no bare LF.
  std::size_t pos = 0;
  while (pos < ics.size()) {
    auto end = ics.find("\r\n", pos);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - pos, 75u);
    EXPECT_EQ(ics.substr(pos, end - pos).find('\n'), std::string::npos);
    pos = end + 2;
  }
  EXPECT_NE(ics.find("\r\n "), std::string::npos);  // the long description was folded
  // Unfolding gives the description back with its UTF-8 intact.
  std::string unfolded;
  for (std::size_t i = 0; i < ics.size(); ++i) {
    if (ics.compare(i, 3, "\r\n ") == 0) {
      i += 2;
      continue;
    }
    unfolded += ics[i];
  }
  EXPECT_NE(unfolded.find(std::string(80, 'x') + " \xC3\xA9\xC3\xA9\r\n"), std::string::npos);
  e.cancelled = true;
  EXPECT_NE(to_icalendar(e).find("STATUS:CANCELLED"), std::string::npos);
}

}  // namespace
}  // namespace medcore::appointments
