#pragma once
// Nightly housekeeping as a recurring job: expired or revoked sessions, used or expired password
// tokens, and finished jobs past their retention.
#include <cstdint>

#include "platform/app/app.hpp"
#include "platform/core/time.hpp"

namespace medcore::jobs {

class Runner;

inline constexpr const char* kCleanupKind = "maintenance.cleanup";
inline constexpr const char* kCleanupRule = "nightly-cleanup";
inline constexpr const char* kCleanupCron = "17 3 * * *";

struct CleanupResult {
  std::int64_t sessions = 0;
  std::int64_t password_tokens = 0;
  std::int64_t jobs = 0;
  std::int64_t idempotency_keys = 0;
};

// Deletes, in one transaction: sessions that expired (idle or absolute) or were revoked more than
// a day before `now`, password tokens used or expired more than a day before, and jobs that
// finished (done, failed, cancelled) more than 30 days before. The day of grace keeps recent
// rows around for support questions ("why was I signed out?").
CleanupResult cleanup(App& app, EpochMs now);

// Registers the handler and the nightly rule on a runner (before it starts).
void register_cleanup(Runner& runner, App& app);

}  // namespace medcore::jobs
