#pragma once
// How a background loop (jobs, mail, the realtime listener) paces itself while the database is
// unavailable: its usual interval, doubled at every consecutive failure, never above
// kMaxOutageWait. An outage then costs a few cheap attempts per second at most, and the loop
// notices the database is back within kMaxOutageWait of its return.
#include <chrono>

namespace medcore {

inline constexpr std::chrono::milliseconds kMaxOutageWait{2000};

class OutageBackoff {
 public:
  explicit OutageBackoff(std::chrono::milliseconds interval);
  // The wait after one more failure.
  std::chrono::milliseconds next();
  // After a success: the next failure waits one interval again.
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  std::chrono::milliseconds interval_;
  int failures_ = 0;
};

}  // namespace medcore
