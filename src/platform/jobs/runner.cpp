#include "platform/jobs/runner.hpp"

#include <soci/soci.h>

#include <boost/json.hpp>
#include <algorithm>
#include <random>
#include <stdexcept>

#include "platform/core/crypto.hpp"
#include "platform/core/log.hpp"
#include "platform/core/metrics.hpp"
#include "platform/core/outage_backoff.hpp"
#include "platform/core/problem.hpp"
#include "platform/jobs/jobs.hpp"

namespace medcore::jobs {

struct Runner::Claimed {
  Job job;
  EpochMs started_at = 0;
  std::string raw_payload;  // parsed after the claim commits: a bad one fails its job, not the claim
};

namespace {

// Integers come back as whatever the backend describes: SQLite's INTEGER is 64-bit to SOCI,
// PostgreSQL's INTEGER is 32-bit and BIGINT 64-bit; row::get refuses any other type.
long long col_int(const soci::row& r, std::size_t i) {
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer: return r.get<int>(i);
    case soci::dt_long_long: return r.get<long long>(i);
    case soci::dt_unsigned_long_long: return static_cast<long long>(r.get<unsigned long long>(i));
    case soci::dt_double: return static_cast<long long>(r.get<double>(i));
    default: return std::stoll(r.get<std::string>(i));
  }
}

std::optional<std::string> col_opt_text(const soci::row& r, std::size_t i) {
  if (r.get_indicator(i) == soci::i_null) return std::nullopt;
  return r.get<std::string>(i);
}

// Process-wide job gauges. Registered once: Metrics cannot drop a gauge, and a Runner (tests make
// many) must not leave a callback pointing at itself. The newest refresh wins, which in a
// server is the one Runner there is.
std::atomic<double> g_due{0}, g_running{0};
std::atomic<std::uint64_t> g_done{0}, g_retried{0}, g_failed{0};

void register_gauges() {
  static std::once_flag once;
  std::call_once(once, [] {
    metrics().gauge("medcore_jobs_due", "Pending jobs whose run_at has passed (all instances).",
                    [] { return g_due.load(); });
    metrics().gauge("medcore_jobs_running", "Jobs holding a lease (all instances).",
                    [] { return g_running.load(); });
    metrics().gauge("medcore_jobs_done_total", "Jobs this process ran to completion.",
                    [] { return static_cast<double>(g_done.load()); });
    metrics().gauge("medcore_jobs_retried_total", "Job runs in this process that failed and were rescheduled.",
                    [] { return static_cast<double>(g_retried.load()); });
    metrics().gauge("medcore_jobs_failed_total", "Jobs this process marked failed for good.",
                    [] { return static_cast<double>(g_failed.load()); });
  });
}

double default_uniform() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

// Error texts are stored and logged; keep a runaway message from bloating the row.
std::string clip(std::string s) {
  constexpr std::size_t kMax = 2000;
  if (s.size() > kMax) s.resize(kMax);
  return s;
}

long long affected(soci::statement& st) { return st.get_affected_rows(); }

}  // namespace

Runner::Runner(App& app, std::size_t threads)
    : app_(app),
      thread_count_(std::max<std::size_t>(1, threads)),
      owner_((app.config.instance_id.empty() ? std::string("medcore") : app.config.instance_id) + "#" +
             crypto::random_token(6)),
      lease_ms_(static_cast<EpochMs>(app.config.jobs_lease_seconds) * 1000),
      poll_(std::max(1, app.config.jobs_poll_ms)),
      random_(default_uniform) {
  register_gauges();
}

Runner::~Runner() { stop(); }

void Runner::handle(std::string kind, std::function<void(const Job&)> handler) {
  std::lock_guard lock(mutex_);
  if (started_) throw std::logic_error("jobs::Runner::handle after start()");
  handlers_[std::move(kind)] = std::move(handler);
}

void Runner::recurring(std::string name, std::string cron, std::string kind, boost::json::object payload) {
  CronRule rule = CronRule::parse(cron);
  std::lock_guard lock(mutex_);
  if (started_) throw std::logic_error("jobs::Runner::recurring after start()");
  rules_.push_back({std::move(name), std::move(rule), std::move(kind), std::move(payload)});
}

void Runner::set_backoff(BackoffPolicy policy, UniformRandom random) {
  std::lock_guard lock(mutex_);
  if (started_) throw std::logic_error("jobs::Runner::set_backoff after start()");
  backoff_ = policy;
  random_ = random ? std::move(random) : UniformRandom(default_uniform);
}

void Runner::start() {
  {
    std::lock_guard lock(mutex_);
    if (started_) throw std::logic_error("jobs::Runner::start called twice");
    started_ = true;
  }
  // Rules are in the table before the first poll; a database that is down here makes start-up
  // fail loudly rather than run a scheduler that silently has no rules.
  register_rules();
  threads_.emplace_back([this] { scheduler_loop(); });
  for (std::size_t i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { worker_loop(); });
  log::info("jobs_started", {{"owner", owner_},
                             {"threads", thread_count_},
                             {"handlers", handlers_.size()},
                             {"recurring", rules_.size()},
                             {"poll_ms", poll_.count()},
                             {"lease_seconds", lease_ms_ / 1000}});
}

void Runner::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  if (started_) log::info("jobs_stopped", {{"owner", owner_}});
}

Runner::Stats Runner::stats() const {
  return {done_.load(), retried_.load(), failed_.load(), lost_.load()};
}

bool Runner::wait(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, d, [this] { return stopping_; });
  return !stopping_;
}

void Runner::worker_loop() {
  OutageBackoff outage(poll_);
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    bool worked = false;
    try {
      settle_uncertain_claims();
      worked = run_one();
      outage.reset();
    } catch (const Unavailable&) {
      // The database logs the outage once (db_unavailable, db_recovered); a log line per poll
      // would only bury it.
      if (!wait(outage.next())) return;
      continue;
    } catch (const std::exception& e) {
      // Anything else (a bad row, a bug): log it and keep polling, the next round may succeed.
      log::warn("jobs_poll_failed", {{"owner", owner_}, {"error", e.what()}});
    } catch (...) {
      log::warn("jobs_poll_failed", {{"owner", owner_}, {"error", "unknown exception"}});
    }
    // A busy queue is drained without pausing; an empty one is polled every poll interval.
    if (!worked && !wait(poll_)) return;
  }
}

void Runner::scheduler_loop() {
  auto last_renew = std::chrono::steady_clock::now();
  auto last_gauges = std::chrono::steady_clock::time_point{};
  const auto renew_every = std::chrono::milliseconds(std::max<EpochMs>(1000, lease_ms_ / 3));
  OutageBackoff outage(poll_);
  std::chrono::milliseconds next_wait = poll_;
  do {
    const auto now = std::chrono::steady_clock::now();
    next_wait = poll_;
    try {
      advance_rules();
      if (now - last_renew >= renew_every) {
        renew_leases();
        last_renew = now;
      }
      if (now - last_gauges >= std::chrono::seconds(1)) {
        refresh_gauges();
        last_gauges = now;
      }
      outage.reset();
    } catch (const Unavailable&) {
      // Logged once by the database. A renewal that did not happen is retried at the next pass.
      next_wait = outage.next();
    } catch (const std::exception& e) {
      log::warn("jobs_schedule_failed", {{"owner", owner_}, {"error", e.what()}});
    } catch (...) {
      log::warn("jobs_schedule_failed", {{"owner", owner_}, {"error", "unknown exception"}});
    }
  } while (wait(next_wait));
}

void Runner::register_rules() {
  const long long now = now_ms();
  for (const Rule& r : rules_) {
    const long long next = *r.cron.next_after(now);
    const std::string payload = boost::json::serialize(r.payload);
    // An unchanged rule keeps its stored next_run_at, so an occurrence that fell due while the
    // service was down runs now; a changed rule starts over from its new schedule.
    app_.db->transaction("jobs.register_rules", [&](soci::session& sql) {
      sql << "INSERT INTO recurring_jobs (name, cron, kind, payload, next_run_at, updated_at) "
             "VALUES (:name, :cron, :kind, :payload, :next, :now) "
             "ON CONFLICT (name) DO UPDATE SET cron = excluded.cron, kind = excluded.kind, "
             "payload = excluded.payload, updated_at = excluded.updated_at, "
             "next_run_at = CASE WHEN recurring_jobs.cron = excluded.cron THEN recurring_jobs.next_run_at "
             "ELSE excluded.next_run_at END",
          soci::use(r.name), soci::use(r.cron.text()), soci::use(r.kind), soci::use(payload), soci::use(next),
          soci::use(now);
    });
  }
}

void Runner::advance_rules() {
  for (const Rule& r : rules_) {
    const long long now = now_ms();
    long long due_at = 0;
    soci::indicator ind = soci::i_null;
    app_.db->read([&](soci::session& sql) {
      sql << "SELECT next_run_at FROM recurring_jobs WHERE name = :name", soci::use(r.name),
          soci::into(due_at, ind);
    });
    if (ind != soci::i_ok || due_at > now) continue;
    // The next occurrence after now: missed occurrences collapse into the one being created.
    const long long next = *r.cron.next_after(now);
    app_.db->transaction("jobs.advance_rule", [&](soci::session& sql) {
      // Only the instance whose UPDATE moves next_run_at from the value it read creates the job;
      // the others match no row and create nothing.
      soci::statement st = (sql.prepare << "UPDATE recurring_jobs SET next_run_at = :next, updated_at = :now "
                                           "WHERE name = :name AND next_run_at = :due",
                            soci::use(next), soci::use(now), soci::use(r.name), soci::use(due_at));
      st.execute(true);
      if (affected(st) != 1) return;
      const long long id = schedule(sql, JobSpec{.kind = r.kind, .payload = r.payload, .run_at = due_at});
      log::info("job_recurring_scheduled", {{"name", r.name}, {"kind", r.kind}, {"id", id}, {"run_at", due_at}});
    });
  }
}

void Runner::renew_leases() {
  // Jobs this Runner is running now: a handler slower than the lease keeps its job.
  const long long until = now_ms() + lease_ms_;
  app_.db->transaction("jobs.renew_leases", [&](soci::session& sql) {
    sql << "UPDATE jobs SET locked_until = :until WHERE locked_by = :owner AND status = 'running'",
        soci::use(until), soci::use(owner_);
  });
}

void Runner::refresh_gauges() {
  const long long now = now_ms();
  long long due = 0, running = 0;
  app_.db->read([&](soci::session& sql) {
    sql << "SELECT COUNT(*) FROM jobs WHERE status = 'pending' AND run_at <= :now", soci::use(now),
        soci::into(due);
    sql << "SELECT COUNT(*) FROM jobs WHERE status = 'running'", soci::into(running);
  });
  g_due.store(static_cast<double>(due));
  g_running.store(static_cast<double>(running));
}

bool Runner::run_one() {
  std::optional<Claimed> job = claim();
  if (!job) return false;
  execute(*job);
  return true;
}

std::optional<Runner::Claimed> Runner::claim() {
  const long long now = now_ms();
  const long long until = now + lease_ms_;
  const int limit = 1;
  const bool pg = app_.db->dialect() == db::Dialect::postgresql;
  // One statement takes a due job and its lease. On PostgreSQL SKIP LOCKED lets instances claim
  // side by side without waiting on each other's rows; SQLite has one writer at a time
  // (BEGIN IMMEDIATE), which serialises claims just as well for its single instance.
  const std::string sql_text =
      std::string("UPDATE jobs SET status = 'running', locked_by = :owner, locked_until = :until, "
                  "attempts = attempts + 1, started_at = :started WHERE id IN (SELECT id FROM jobs WHERE "
                  "(status = 'pending' AND run_at <= :now1) OR (status = 'running' AND locked_until < :now2) "
                  "ORDER BY run_at LIMIT :limit") +
      (pg ? " FOR UPDATE SKIP LOCKED" : "") +
      ") RETURNING id, kind, payload, run_at, attempts, max_attempts, dedupe_key";
  std::optional<UncertainClaim> taken;
  try {
    return app_.db->transaction("jobs.claim", [&](soci::session& sql) -> std::optional<Claimed> {
      soci::rowset<soci::row> rows = (sql.prepare << sql_text, soci::use(owner_), soci::use(until),
                                      soci::use(now), soci::use(now), soci::use(now), soci::use(limit));
      std::optional<Claimed> out;
      for (const soci::row& r : rows) {
        Claimed c;
        c.job.id = col_int(r, 0);
        c.job.kind = r.get<std::string>(1);
        c.job.run_at = col_int(r, 3);
        c.job.attempt = static_cast<int>(col_int(r, 4));
        c.job.max_attempts = static_cast<int>(col_int(r, 5));
        c.job.dedupe_key = col_opt_text(r, 6);
        c.started_at = now;
        c.raw_payload = r.get<std::string>(2);
        taken = UncertainClaim{c.job.id, c.job.attempt};
        out = std::move(c);
      }
      return out;
    });
  } catch (const Unavailable&) {
    // The connection died after the UPDATE: if its COMMIT got through, the job is 'running' under
    // this runner's lease — which renew_leases would keep alive forever — and nobody runs it.
    if (taken) {
      std::lock_guard lock(uncertain_mutex_);
      uncertain_claims_.push_back(*taken);
    }
    throw;
  }
}

void Runner::settle_uncertain_claims() {
  std::vector<UncertainClaim> pending;
  {
    std::lock_guard lock(uncertain_mutex_);
    if (uncertain_claims_.empty()) return;
    pending.swap(uncertain_claims_);
  }
  for (std::size_t i = 0; i < pending.size(); ++i) {
    try {
      // No thread of this runner runs these jobs (their claims failed), so handing one back
      // cannot race with a run; a claim whose COMMIT never happened matches no row.
      if (hand_back(pending[i].id, pending[i].attempts))
        log::info("job_claim_released", {{"id", pending[i].id}, {"owner", owner_},
                                         {"reason", "the claim's commit was lost with the connection"}});
    } catch (...) {
      std::lock_guard lock(uncertain_mutex_);
      uncertain_claims_.insert(uncertain_claims_.end(), pending.begin() + static_cast<std::ptrdiff_t>(i),
                               pending.end());
      throw;
    }
  }
}

bool Runner::hand_back(std::int64_t id, int attempts) {
  const long long job_id = id;
  return app_.db->transaction("jobs.hand_back", [&](soci::session& sql) {
    soci::statement st = (sql.prepare << "UPDATE jobs SET status = 'pending', locked_by = NULL, locked_until = NULL, "
                                         "attempts = attempts - 1 WHERE id = :id AND status = 'running' "
                                         "AND locked_by = :owner AND attempts = :attempts",
                          soci::use(job_id), soci::use(owner_), soci::use(attempts));
    st.execute(true);
    return affected(st) == 1;
  });
}

bool Runner::record(const Claimed& c, const std::function<bool()>& update) {
  OutageBackoff outage(poll_);
  while (true) {
    try {
      return update();
    } catch (const Unavailable&) {
      if (!wait(outage.next())) {
        log::warn("job_outcome_unrecorded", {{"kind", c.job.kind},
                                             {"id", c.job.id},
                                             {"attempts", c.job.attempt},
                                             {"owner", owner_},
                                             {"error", "stopped while the database was unavailable; "
                                                       "the job runs again when its lease expires"}});
        return false;
      }
    }
  }
}

void Runner::execute(const Claimed& claimed) {
  Claimed c = claimed;
  const Job& job = c.job;
  const EpochMs latency = c.started_at - job.run_at;
  boost::json::object base{{"kind", job.kind},         {"id", job.id},
                           {"attempts", job.attempt},  {"max_attempts", job.max_attempts},
                           {"latency_ms", latency},    {"owner", owner_}};
  auto fail_now = [&](const std::string& error) {
    if (record(c, [&] { return finish_failed(c, error); })) {
      auto f = base;
      f["error"] = error;
      log::error("job_failed", std::move(f));
    }
  };

  // A job whose lease ran out more often than it may run has probably killed its workers each
  // time; stop handing it out.
  if (job.attempt > job.max_attempts) {
    fail_now("abandoned: its lease expired on every one of " + std::to_string(job.max_attempts) +
             " runs (did the instance running it die?)");
    return;
  }
  try {
    boost::json::value v = boost::json::parse(c.raw_payload);
    if (!v.is_object()) throw std::invalid_argument("not a JSON object");
    c.job.payload = std::move(v.as_object());
  } catch (const std::exception& e) {
    fail_now(std::string("payload is not a JSON object: ") + e.what());
    return;
  }
  const auto handler = handlers_.find(job.kind);
  if (handler == handlers_.end()) {
    fail_now("no handler is registered for job kind '" + job.kind + "' in this instance");
    return;
  }

  std::string error;
  bool database_unavailable = false;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    handler->second(job);
  } catch (const Unavailable& e) {
    // Not the job's failure: its transaction did not get through. It goes back to pending,
    // uncounted and without backoff, and runs as soon as the database answers.
    database_unavailable = true;
    error = e.what();
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "exception without a message";
  } catch (...) {
    error = "unknown exception (not derived from std::exception)";
  }
  const auto duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  base["duration_ms"] = duration_ms;

  if (database_unavailable) {
    if (record(c, [&] { return hand_back(c.job.id, c.job.attempt); })) {
      base["error"] = error;
      log::info("job_deferred", std::move(base));
    }
    return;
  }
  if (error.empty()) {
    if (record(c, [&] { return finish_done(c); })) log::info("job_done", std::move(base));
    return;
  }
  if (job.attempt >= job.max_attempts) {
    fail_now(error);
    return;
  }
  const EpochMs delay = backoff_delay(job.attempt, backoff_, random_);
  const EpochMs retry_at = now_ms() + delay;
  if (record(c, [&] { return finish_retry(c, error, retry_at); })) {
    base["error"] = error;
    base["retry_at"] = retry_at;
    base["retry_in_ms"] = delay;
    log::warn("job_retry", std::move(base));
  }
}

bool Runner::finish_done(const Claimed& c) {
  const long long now = now_ms();
  const long long id = c.job.id;
  const int attempts = c.job.attempt;
  const bool ok = app_.db->transaction("jobs.finish_done", [&](soci::session& sql) {
    // Conditional on the lease we took (owner and run number): if it expired and another
    // instance took the job over, this run does not get to mark it.
    soci::statement st =
        (sql.prepare << "UPDATE jobs SET status = 'done', finished_at = :now, locked_until = NULL, "
                        "last_error = NULL WHERE id = :id AND status = 'running' AND locked_by = :owner "
                        "AND attempts = :attempts",
         soci::use(now), soci::use(id), soci::use(owner_), soci::use(attempts));
    st.execute(true);
    return affected(st) == 1;
  });
  if (ok) {
    done_.fetch_add(1);
    g_done.fetch_add(1);
  } else {
    lost_.fetch_add(1);
    log::warn("job_lease_lost", {{"kind", c.job.kind}, {"id", id}, {"attempts", attempts}, {"owner", owner_}});
  }
  return ok;
}

bool Runner::finish_failed(const Claimed& c, const std::string& error) {
  const long long now = now_ms();
  const long long id = c.job.id;
  const int attempts = c.job.attempt;
  const std::string text = clip(error);
  const bool ok = app_.db->transaction("jobs.finish_failed", [&](soci::session& sql) {
    soci::statement st =
        (sql.prepare << "UPDATE jobs SET status = 'failed', finished_at = :now, locked_until = NULL, "
                        "last_error = :error WHERE id = :id AND status = 'running' AND locked_by = :owner "
                        "AND attempts = :attempts",
         soci::use(now), soci::use(text), soci::use(id), soci::use(owner_), soci::use(attempts));
    st.execute(true);
    return affected(st) == 1;
  });
  if (ok) {
    failed_.fetch_add(1);
    g_failed.fetch_add(1);
  } else {
    lost_.fetch_add(1);
    log::warn("job_lease_lost", {{"kind", c.job.kind}, {"id", id}, {"attempts", attempts}, {"owner", owner_}});
  }
  return ok;
}

bool Runner::finish_retry(const Claimed& c, const std::string& error, EpochMs run_at) {
  const long long id = c.job.id;
  const int attempts = c.job.attempt;
  const long long at = run_at;
  const std::string text = clip(error);
  auto update = [&](const char* status_sql) {
    return app_.db->transaction("jobs.finish_retry", [&](soci::session& sql) {
      soci::statement st = (sql.prepare << std::string("UPDATE jobs SET ") + status_sql +
                                               ", run_at = :run_at, locked_until = NULL, last_error = :error "
                                               "WHERE id = :id AND status = 'running' AND locked_by = :owner "
                                               "AND attempts = :attempts",
                            soci::use(at), soci::use(text), soci::use(id), soci::use(owner_), soci::use(attempts));
      st.execute(true);
      return affected(st) == 1;
    });
  };
  bool ok = false;
  try {
    ok = update("status = 'pending'");
  } catch (const std::exception& e) {
    if (!db::is_unique_violation(e)) throw;
    // While this run was going, the job's key was scheduled again: that newer pending job
    // replaces this retry (the partial unique index allows only one pending job per key).
    const std::string superseded = clip("superseded by a newer job with the same dedupe key; last error: " + text);
    const long long now = now_ms();
    ok = app_.db->transaction("jobs.supersede", [&](soci::session& sql) {
      soci::statement st = (sql.prepare << "UPDATE jobs SET status = 'cancelled', finished_at = :now, "
                                           "locked_until = NULL, last_error = :error WHERE id = :id AND "
                                           "status = 'running' AND locked_by = :owner AND attempts = :attempts",
                            soci::use(now), soci::use(superseded), soci::use(id), soci::use(owner_),
                            soci::use(attempts));
      st.execute(true);
      return affected(st) == 1;
    });
    if (ok) log::info("job_superseded", {{"kind", c.job.kind}, {"id", id}, {"dedupe_key", *c.job.dedupe_key}});
    return false;
  }
  if (ok) {
    retried_.fetch_add(1);
    g_retried.fetch_add(1);
  } else {
    lost_.fetch_add(1);
    log::warn("job_lease_lost", {{"kind", c.job.kind}, {"id", id}, {"attempts", attempts}, {"owner", owner_}});
  }
  return ok;
}

}  // namespace medcore::jobs
