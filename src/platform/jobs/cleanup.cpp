#include "platform/jobs/cleanup.hpp"

#include <soci/soci.h>

#include <chrono>

#include "platform/core/log.hpp"
#include "platform/db/database.hpp"
#include "platform/jobs/runner.hpp"

namespace medcore::jobs {

namespace {

constexpr EpochMs kDayMs = 86'400'000;

// The nightly deletes touch a day's worth of expired rows in four tables at once; after an
// outage or on a big instance that can outlast the request-sized default statement timeout.
constexpr db::TransactionName kCleanup{"jobs.cleanup", std::chrono::minutes(2)};

long long affected(soci::statement& st) {
  st.execute(true);
  return st.get_affected_rows();
}

}  // namespace

CleanupResult cleanup(App& app, EpochMs now) {
  const long long day_ago = now - kDayMs;
  const long long month_ago = now - 30 * kDayMs;
  return app.db->transaction(kCleanup, [&](soci::session& sql) {
    CleanupResult r;
    // Distinct placeholder names: SQLite binds repeated names as one parameter.
    soci::statement sessions = (sql.prepare << "DELETE FROM sessions WHERE expires_at < :c1 OR "
                                               "absolute_expires_at < :c2 OR revoked_at < :c3",
                                soci::use(day_ago), soci::use(day_ago), soci::use(day_ago));
    r.sessions = affected(sessions);
    soci::statement tokens = (sql.prepare << "DELETE FROM password_tokens WHERE expires_at < :c1 OR used_at < :c2",
                              soci::use(day_ago), soci::use(day_ago));
    r.password_tokens = affected(tokens);
    soci::statement jobs = (sql.prepare << "DELETE FROM jobs WHERE status IN ('done', 'failed', 'cancelled') "
                                           "AND finished_at < :c1",
                            soci::use(month_ago));
    r.jobs = affected(jobs);
    // Idempotency keys protect retries of one request; a day covers any sane client retry policy.
    soci::statement keys = (sql.prepare << "DELETE FROM idempotency_keys WHERE created_at < :c1", soci::use(day_ago));
    r.idempotency_keys = affected(keys);
    return r;
  });
}

void register_cleanup(Runner& runner, App& app) {
  runner.handle(kCleanupKind, [&app](const Job& job) {
    const CleanupResult r = cleanup(app, now_ms());
    log::info("cleanup_done",
              {{"id", job.id}, {"sessions", r.sessions}, {"password_tokens", r.password_tokens}, {"jobs", r.jobs},
               {"idempotency_keys", r.idempotency_keys}});
  });
  runner.recurring(kCleanupRule, kCleanupCron, kCleanupKind);
}

}  // namespace medcore::jobs
