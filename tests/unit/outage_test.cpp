// The pieces of "the database is unavailable" that decide something without a database: the
// background loops' pacing and the 503 every route answers.
#include <gtest/gtest.h>

#include "platform/core/outage_backoff.hpp"
#include "platform/core/problem.hpp"

namespace medcore {
namespace {

using std::chrono::milliseconds;

TEST(OutageBackoff, DoublesFromTheIntervalUpToTwoSecondsAndResets) {
  OutageBackoff b(milliseconds(50));
  EXPECT_EQ(b.next(), milliseconds(50));
  EXPECT_EQ(b.next(), milliseconds(100));
  EXPECT_EQ(b.next(), milliseconds(200));
  EXPECT_EQ(b.next(), milliseconds(400));
  EXPECT_EQ(b.next(), milliseconds(800));
  EXPECT_EQ(b.next(), milliseconds(1600));
  EXPECT_EQ(b.next(), kMaxOutageWait);
  for (int i = 0; i < 5000; ++i) b.next();  // a long outage never overflows
  EXPECT_EQ(b.next(), kMaxOutageWait);
  b.reset();
  EXPECT_EQ(b.failures(), 0);
  EXPECT_EQ(b.next(), milliseconds(50));
}

TEST(OutageBackoff, AnIntervalAboveTheCapWaitsTheCap) {
  // A loop polling once a minute still notices a returning database within the cap.
  OutageBackoff b(milliseconds(60'000));
  EXPECT_EQ(b.next(), kMaxOutageWait);
  OutageBackoff zero(milliseconds(0));
  EXPECT_EQ(zero.next(), milliseconds(1));
}

TEST(Problem, NotReadyIs503WithRetryAfter) {
  const Problem p = problems::not_ready();
  EXPECT_EQ(p.status(), 503);
  EXPECT_EQ(p.slug(), "not-ready");
  ASSERT_TRUE(p.retry_after());
  EXPECT_GE(*p.retry_after(), 1);
  const Unavailable outage("the database is down");
  const std::exception& as_std = outage;  // background loops catch it as std::exception too
  EXPECT_STREQ(as_std.what(), "the database is down");
}

}  // namespace
}  // namespace medcore
