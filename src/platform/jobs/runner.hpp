#pragma once
// Runs due jobs on threads of its own (never the HTTP pools). Safe with any number of instances
// on one PostgreSQL: a job is claimed by one statement (FOR UPDATE SKIP LOCKED) together with a
// lease; an instance that dies leaves its lease to expire and another takes the job over.
// Delivery is therefore at-least-once across crashes and exactly-once while instances stay up:
// handlers should be idempotent (a crash between the work and the "done" update repeats it).
#include <boost/json/object.hpp>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "platform/app/app.hpp"
#include "platform/jobs/model.hpp"

namespace medcore::jobs {

struct Job {
  std::int64_t id = 0;
  std::string kind;
  boost::json::object payload;
  EpochMs run_at = 0;
  int attempt = 1;  // 1 for the first run
  int max_attempts = 1;
  std::optional<std::string> dedupe_key;
};

class Runner {
 public:
  // Settings from app.config: instance_id, jobs_poll_ms, jobs_lease_seconds.
  explicit Runner(App& app, std::size_t threads = 2);
  ~Runner();  // stop()
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Registration happens before start(); throws std::logic_error afterwards.
  // A handler that throws has its job retried with backoff, then failed after max_attempts.
  void handle(std::string kind, std::function<void(const Job&)> handler);
  // A job of `kind` at every occurrence of the cron rule (UTC). Throws std::invalid_argument for
  // a bad rule. An occurrence missed while every instance was down runs once at start-up;
  // earlier missed occurrences are not replayed.
  void recurring(std::string name, std::string cron, std::string kind, boost::json::object payload = {});
  // Retry delays; `random` must be thread-safe (defaults to a per-thread generator).
  void set_backoff(BackoffPolicy policy, UniformRandom random = {});

  void start();
  // Stops polling and waits for running handlers to return. Idempotent.
  void stop();

  // The lock owner written to locked_by: the instance id plus a per-Runner suffix, so a restarted
  // instance with the same MEDCORE_INSTANCE_ID never mistakes its predecessor's leases for its own.
  const std::string& owner() const { return owner_; }

  struct Stats {
    std::uint64_t done = 0, retried = 0, failed = 0, lost = 0;
  };
  Stats stats() const;

 private:
  struct Claimed;
  struct Rule {
    std::string name;
    CronRule cron;
    std::string kind;
    boost::json::object payload;
  };

  void worker_loop();
  void scheduler_loop();
  bool run_one();
  std::optional<Claimed> claim();
  void execute(const Claimed& job);
  // Completion updates; false when the lease was lost (someone else owns the job now).
  bool finish_done(const Claimed& job);
  bool finish_failed(const Claimed& job, const std::string& error);
  bool finish_retry(const Claimed& job, const std::string& error, EpochMs run_at);
  // Puts a claimed job that did not run back to pending, its attempt uncounted; false when this
  // claim does not hold the job (its COMMIT never happened, or the lease was taken over).
  bool hand_back(std::int64_t id, int attempts);
  // Runs one outcome update, retrying while the database is unavailable: the run happened, and an
  // unrecorded outcome would leave the job 'running' under a lease this runner keeps renewing.
  // False when the runner stops before the database returns (the lease then expires and the job
  // runs again elsewhere: at-least-once).
  bool record(const Claimed& job, const std::function<bool()>& update);
  // Claims whose COMMIT went out as the connection died: they may hold jobs nobody runs.
  void settle_uncertain_claims();
  void register_rules();
  void advance_rules();
  void renew_leases();
  void refresh_gauges();
  bool wait(std::chrono::milliseconds d);

  App& app_;
  std::size_t thread_count_;
  std::string owner_;
  EpochMs lease_ms_;
  std::chrono::milliseconds poll_;
  BackoffPolicy backoff_;
  UniformRandom random_;
  std::map<std::string, std::function<void(const Job&)>, std::less<>> handlers_;
  std::vector<Rule> rules_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool started_ = false;
  bool stopping_ = false;
  std::vector<std::thread> threads_;

  std::atomic<std::uint64_t> done_{0}, retried_{0}, failed_{0}, lost_{0};

  struct UncertainClaim {
    std::int64_t id;
    int attempts;
  };
  std::mutex uncertain_mutex_;
  std::vector<UncertainClaim> uncertain_claims_;
};

}  // namespace medcore::jobs
