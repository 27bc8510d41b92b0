#pragma once
// The one way to schedule background work: a row in `jobs`, written inside the caller's
// transaction, so a rolled-back change schedules nothing and a committed one cannot lose its job.
// A Runner (runner.hpp) in some instance picks it up when it is due.
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/core/time.hpp"

namespace soci {
class session;
}

namespace medcore::jobs {

struct JobSpec {
  // Every member has a default so callers can use designated initializers for just what they need.
  std::string kind{};            // which handler runs it, e.g. "appointments.reminder"
  boost::json::object payload{};  // the handler's input
  EpochMs run_at = 0;            // not before this instant (0: now; the past: as soon as possible)
  // At most one PENDING job per key (a partial unique index): scheduling again with the same key
  // moves that job — new kind, payload, run_at and attempts — instead of adding a second one.
  // So "move the reminder when the appointment moves" is one schedule() call, and cancel(key)
  // drops it. Jobs already running or finished are not touched by either.
  std::optional<std::string> dedupe_key{};
  int max_attempts = 5;          // runs before the job is marked failed
};

// Inserts (or, for a pending dedupe_key, moves) a job; returns its id. Call inside the caller's
// transaction. Throws std::invalid_argument for an empty kind or max_attempts < 1.
std::int64_t schedule(soci::session& sql, const JobSpec& spec);

// Cancels the pending job with this key; returns how many were cancelled (0 or 1). A job already
// running finishes its run.
int cancel(soci::session& sql, std::string_view dedupe_key);

}  // namespace medcore::jobs
