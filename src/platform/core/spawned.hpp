#pragma once
// What escapes a spawned coroutine is reported, never dropped. asio::co_spawn(..., asio::detached)
// swallows the exception: the coroutine just ends, and for an HTTP session the connection closes
// with no answer and no log line. Spawn with ReportFailure{"http.session"} as the completion
// token instead.
#include <boost/json/object.hpp>
#include <exception>
#include <string_view>

namespace medcore {

// Logs coroutine_failed (what was spawned, the error, `context`) at error level and counts it in
// medcore_coroutine_failures_total{coroutine=spawned}. `spawned` is a constant ("http.session").
void report_coroutine_failure(std::string_view spawned, std::exception_ptr error,
                              boost::json::object context = {}) noexcept;

// A co_spawn completion handler (signature void(std::exception_ptr)): reports an escaping
// exception, and does nothing when the coroutine ended normally.
class ReportFailure {
 public:
  explicit constexpr ReportFailure(const char* spawned) : spawned_(spawned) {}
  void operator()(std::exception_ptr error) const noexcept {
    if (error) report_coroutine_failure(spawned_, error);
  }

 private:
  const char* spawned_;
};

}  // namespace medcore
