#include "platform/jobs/jobs.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>
#include <stdexcept>

namespace medcore::jobs {

std::int64_t schedule(soci::session& sql, const JobSpec& spec) {
  if (spec.kind.empty()) throw std::invalid_argument("job kind must not be empty");
  if (spec.max_attempts < 1) throw std::invalid_argument("job max_attempts must be at least 1");
  const long long now = now_ms();
  // 0 means now, so dispatch latency (start - run_at) stays meaningful for "as soon as possible".
  const long long run_at = spec.run_at > 0 ? spec.run_at : now;
  const int max_attempts = spec.max_attempts;
  const std::string payload = boost::json::serialize(spec.payload);
  long long id = 0;
  if (!spec.dedupe_key) {
    sql << "INSERT INTO jobs (kind, payload, run_at, status, attempts, max_attempts, created_at) "
           "VALUES (:kind, :payload, :run_at, 'pending', 0, :max_attempts, :created_at) RETURNING id",
        soci::use(spec.kind), soci::use(payload), soci::use(run_at), soci::use(max_attempts), soci::use(now),
        soci::into(id);
    return id;
  }
  // One statement against the partial unique index, so two transactions scheduling the same key
  // at once end with one pending job (the later one waits for the earlier and then updates it),
  // never two and never a unique-violation error.
  const std::string& key = *spec.dedupe_key;
  sql << "INSERT INTO jobs (kind, payload, run_at, status, attempts, max_attempts, dedupe_key, created_at) "
         "VALUES (:kind, :payload, :run_at, 'pending', 0, :max_attempts, :dedupe_key, :created_at) "
         "ON CONFLICT (dedupe_key) WHERE status = 'pending' DO UPDATE SET kind = excluded.kind, "
         "payload = excluded.payload, run_at = excluded.run_at, attempts = 0, "
         "max_attempts = excluded.max_attempts, last_error = NULL, created_at = excluded.created_at "
         "RETURNING id",
      soci::use(spec.kind), soci::use(payload), soci::use(run_at), soci::use(max_attempts), soci::use(key),
      soci::use(now), soci::into(id);
  return id;
}

int cancel(soci::session& sql, std::string_view dedupe_key) {
  const std::string key(dedupe_key);
  const long long now = now_ms();
  soci::statement st = (sql.prepare << "UPDATE jobs SET status = 'cancelled', finished_at = :now "
                                       "WHERE dedupe_key = :key AND status = 'pending'",
                        soci::use(now), soci::use(key));
  st.execute(true);
  return static_cast<int>(st.get_affected_rows());
}

}  // namespace medcore::jobs
