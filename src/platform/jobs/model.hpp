#pragma once
// Pure rules of the job system: cron rules and retry backoff. No I/O, no clock reads — the
// runner passes the time in — so every rule is unit-tested with fixed instants.
#include <array>
#include <bitset>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "platform/core/time.hpp"

namespace medcore::jobs {

// A job row's state: due or waiting to run, leased by a runner, and the three ends. The names are
// the stored spelling (the CHECK list of migrations/0002_jobs.sql holds exactly these). Only the
// runner's SQL changes a job's state, and it names the states in its statements' text; no code
// reads one back yet, so this is the one list of them and what a later reader parses with.
enum class JobStatus { pending, running, done, failed, cancelled };
inline constexpr std::array all_job_statuses{JobStatus::pending, JobStatus::running, JobStatus::done,
                                             JobStatus::failed, JobStatus::cancelled};
std::string_view to_string(JobStatus status);
std::optional<JobStatus> parse_job_status(std::string_view text);

// A classic 5-field cron rule, evaluated in UTC:
//   minute (0-59)  hour (0-23)  day-of-month (1-31)  month (1-12 or JAN-DEC)  day-of-week (0-7 or SUN-SAT; 0 and 7 are Sunday)
// Each field: '*', a value, a range 'a-b', a list 'a,b-c', and steps '*/n', 'a-b/n', 'a/n' (a to the end).
// As in Vixie cron, when both day fields are restricted a day matches if EITHER matches
// ("0 9 1 * MON" = the 1st of the month and every Monday); when one is '*' only the other counts.
class CronRule {
 public:
  // Throws std::invalid_argument naming the bad field, and for rules that can never fire
  // ("0 0 30 2 *").
  static CronRule parse(std::string_view text);

  // The first matching minute strictly after t (whole minutes, seconds zero). Always found for a
  // rule parse() accepted; nullopt only guards against a bug looping forever.
  std::optional<EpochMs> next_after(EpochMs t) const;

  const std::string& text() const { return text_; }

 private:
  bool day_matches(int day_of_month, unsigned month, unsigned weekday) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;      // 1..31
  std::bitset<13> months_;    // 1..12
  std::bitset<7> weekdays_;   // 0 = Sunday
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

// Retry delays: exponential with "full jitter" — uniform in [0, min(cap, base * 2^(n-1))] for the
// n-th failure — so a burst of jobs failing together (a mail server down) spreads its retries out
// instead of returning as one wave.
struct BackoffPolicy {
  EpochMs base_ms = 10'000;
  EpochMs cap_ms = 3'600'000;
};

// Returns a number uniformly distributed in [0, 1). Injected so tests can pin the jitter.
using UniformRandom = std::function<double()>;

// The delay before retrying after failure number `failures` (>= 1).
EpochMs backoff_delay(int failures, const BackoffPolicy& policy, const UniformRandom& random);
// The upper bound backoff_delay draws below, for the same arguments.
EpochMs backoff_ceiling(int failures, const BackoffPolicy& policy);

}  // namespace medcore::jobs
