// Cron rules and retry backoff (src/platform/jobs/model.hpp).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "platform/core/time.hpp"
#include "platform/jobs/model.hpp"

namespace medcore::jobs {
namespace {

EpochMs at(const char* iso) {
  const auto t = parse_iso8601(iso);
  if (!t) throw std::invalid_argument(std::string("bad test instant ") + iso);
  return *t;
}

std::string next(const char* rule, const char* after) {
  const auto t = CronRule::parse(rule).next_after(at(after));
  return t ? iso8601(*t) : "none";
}

TEST(JobsCron, EveryMinuteIsTheNextWholeMinute) {
  EXPECT_EQ(next("* * * * *", "2026-03-10T10:15:00Z"), "2026-03-10T10:16:00.000Z");
  EXPECT_EQ(next("* * * * *", "2026-03-10T10:15:59.999Z"), "2026-03-10T10:16:00.000Z");
  EXPECT_EQ(next("* * * * *", "2026-12-31T23:59:30Z"), "2027-01-01T00:00:00.000Z");
}

TEST(JobsCron, DailyAtAFixedTime) {
  EXPECT_EQ(next("17 3 * * *", "2026-03-10T02:00:00Z"), "2026-03-10T03:17:00.000Z");
  EXPECT_EQ(next("17 3 * * *", "2026-03-10T03:17:00Z"), "2026-03-11T03:17:00.000Z");  // strictly after
  EXPECT_EQ(next("17 3 * * *", "2026-03-10T03:16:59Z"), "2026-03-10T03:17:00.000Z");
}

TEST(JobsCron, ListsRangesAndSteps) {
  EXPECT_EQ(next("*/15 * * * *", "2026-03-10T10:16:00Z"), "2026-03-10T10:30:00.000Z");
  EXPECT_EQ(next("0,30 9-17 * * *", "2026-03-10T17:30:00Z"), "2026-03-11T09:00:00.000Z");
  EXPECT_EQ(next("5-20/5 * * * *", "2026-03-10T10:20:00Z"), "2026-03-10T11:05:00.000Z");
  EXPECT_EQ(next("10/20 * * * *", "2026-03-10T10:31:00Z"), "2026-03-10T10:50:00.000Z");
  EXPECT_EQ(next("0 0/6 * * *", "2026-03-10T07:00:00Z"), "2026-03-10T12:00:00.000Z");
}

TEST(JobsCron, MonthRules) {
  EXPECT_EQ(next("0 0 1 * *", "2026-03-10T00:00:00Z"), "2026-04-01T00:00:00.000Z");
  EXPECT_EQ(next("0 12 15 feb,AUG *", "2026-03-10T00:00:00Z"), "2026-08-15T12:00:00.000Z");
  // The 31st skips the months that have none.
  EXPECT_EQ(next("0 0 31 * *", "2026-04-01T00:00:00Z"), "2026-05-31T00:00:00.000Z");
  // The 29th of February waits for a leap year.
  EXPECT_EQ(next("0 0 29 2 *", "2026-03-01T00:00:00Z"), "2028-02-29T00:00:00.000Z");
}

TEST(JobsCron, DayOfWeekRules) {
  // 2026-03-10 is a Tuesday.
  EXPECT_EQ(next("0 8 * * MON", "2026-03-10T00:00:00Z"), "2026-03-16T08:00:00.000Z");
  EXPECT_EQ(next("0 8 * * 1-5", "2026-03-13T09:00:00Z"), "2026-03-16T08:00:00.000Z");  // Fri → Mon
  EXPECT_EQ(next("0 8 * * 0", "2026-03-10T00:00:00Z"), "2026-03-15T08:00:00.000Z");
  EXPECT_EQ(next("0 8 * * 7", "2026-03-10T00:00:00Z"), "2026-03-15T08:00:00.000Z");  // 7 is Sunday too
  EXPECT_EQ(next("0 8 * * sat,sun", "2026-03-10T00:00:00Z"), "2026-03-14T08:00:00.000Z");
}

TEST(JobsCron, BothDayFieldsRestrictedMeansEither) {
  // The 1st of the month OR any Friday: from Tuesday 2026-03-10 the Friday comes first...
  EXPECT_EQ(next("0 0 1 * 5", "2026-03-10T00:00:00Z"), "2026-03-13T00:00:00.000Z");
  // ...and from Saturday 2026-03-28 the 1st of April (a Wednesday) does.
  EXPECT_EQ(next("0 0 1 * 5", "2026-03-28T00:00:00Z"), "2026-04-01T00:00:00.000Z");
}

TEST(JobsCron, InvalidRulesAreRefused) {
  for (const char* bad : {"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *",
                          "* * * 13 *", "* * * 0 *", "* * * * 8", "5-1 * * * *", "*/0 * * * *", "1,,2 * * * *",
                          "a * * * *", "* * * FOO *", "-1 * * * *", "1- * * * *", "*/ * * * *", "0 0 30 2 *",
                          "0 0 31 4,6,9,11 *"}) {
    EXPECT_THROW(CronRule::parse(bad), std::invalid_argument) << "'" << bad << "'";
  }
  try {
    CronRule::parse("0 25 * * *");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("hour"), std::string::npos) << e.what();
  }
}

TEST(JobsCron, KeepsItsText) { EXPECT_EQ(CronRule::parse("17 3 * * *").text(), "17 3 * * *"); }

TEST(JobsBackoff, CeilingDoublesUpToTheCap) {
  const BackoffPolicy p{.base_ms = 1000, .cap_ms = 60'000};
  EXPECT_EQ(backoff_ceiling(1, p), 1000);
  EXPECT_EQ(backoff_ceiling(2, p), 2000);
  EXPECT_EQ(backoff_ceiling(3, p), 4000);
  EXPECT_EQ(backoff_ceiling(6, p), 32'000);
  EXPECT_EQ(backoff_ceiling(7, p), 60'000);
  EXPECT_EQ(backoff_ceiling(1000, p), 60'000);  // no overflow
  EXPECT_EQ(backoff_ceiling(0, p), 1000);
}

TEST(JobsBackoff, FullJitterSpansZeroToTheCeiling) {
  const BackoffPolicy p{.base_ms = 1000, .cap_ms = 60'000};
  EXPECT_EQ(backoff_delay(3, p, [] { return 0.0; }), 0);
  EXPECT_EQ(backoff_delay(3, p, [] { return 0.5; }), 2000);
  EXPECT_EQ(backoff_delay(3, p, [] { return 0.999999999; }), 4000);
  EXPECT_EQ(backoff_delay(3, p, [] { return 1.0; }), 4000);   // a sloppy source stays in bounds
  EXPECT_EQ(backoff_delay(3, p, [] { return -3.0; }), 0);
  EXPECT_EQ(backoff_delay(50, p, [] { return 0.999999999; }), 60'000);
}

TEST(JobsBackoff, DelayNeverExceedsItsCeiling) {
  const BackoffPolicy p{};
  double x = 0.0;
  for (int failures = 1; failures <= 20; ++failures) {
    x = x * 0.7 + 0.29;
    const EpochMs d = backoff_delay(failures, p, [&] { return x; });
    EXPECT_GE(d, 0);
    EXPECT_LE(d, backoff_ceiling(failures, p));
    EXPECT_LE(d, p.cap_ms);
  }
}

}  // namespace
}  // namespace medcore::jobs
