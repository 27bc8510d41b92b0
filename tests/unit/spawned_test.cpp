// A coroutine spawned with ReportFailure reports what escapes it: one JSON log line and a count
// on /metrics. With asio::detached the same exception vanished without a trace.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "platform/core/metrics.hpp"
#include "platform/core/spawned.hpp"

namespace asio = boost::asio;

namespace {

asio::awaitable<void> throws_midway() {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  throw std::runtime_error("the spawned work broke");
}

asio::awaitable<void> ends_normally() { co_return; }

// The value of `series` in the exposition, or -1 when the series is absent.
long long metric_value(const std::string& series) {
  const std::string out = medcore::metrics().render();
  const std::size_t at = out.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(out.substr(at + series.size() + 2));
}

}  // namespace

TEST(Spawned, AnEscapingExceptionIsLoggedAndCounted) {
  const std::string failed_series = "medcore_coroutine_failures_total{coroutine=\"test.throws\"}";
  const long long before = std::max(0LL, metric_value(failed_series));

  asio::io_context ioc;
  asio::co_spawn(ioc, throws_midway(), medcore::ReportFailure{"test.throws"});
  asio::co_spawn(ioc, ends_normally(), medcore::ReportFailure{"test.ends"});
  testing::internal::CaptureStdout();
  ioc.run();
  const std::string log = testing::internal::GetCapturedStdout();

  int reported = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    const auto entry = boost::json::parse(line).as_object();
    if (entry.at("event") != "coroutine_failed") continue;
    ++reported;
    EXPECT_EQ(entry.at("level"), "error");
    EXPECT_EQ(entry.at("coroutine"), "test.throws");
    EXPECT_EQ(entry.at("error"), "the spawned work broke");
  }
  EXPECT_EQ(reported, 1) << log;
  EXPECT_EQ(metric_value(failed_series), before + 1);
  EXPECT_EQ(metric_value("medcore_coroutine_failures_total{coroutine=\"test.ends\"}"), -1)
      << "a coroutine that ended normally is not a failure";
}

TEST(Spawned, AnExceptionNotDerivedFromStdExceptionIsReportedToo) {
  testing::internal::CaptureStdout();
  medcore::report_coroutine_failure("test.odd", std::make_exception_ptr(42), {{"sid", "abc"}});
  const auto entry = boost::json::parse(testing::internal::GetCapturedStdout()).as_object();
  EXPECT_EQ(entry.at("event"), "coroutine_failed");
  EXPECT_EQ(entry.at("coroutine"), "test.odd");
  EXPECT_EQ(entry.at("sid"), "abc");
  EXPECT_EQ(entry.at("error"), "unknown exception (not derived from std::exception)");
}
