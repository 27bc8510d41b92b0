// The job system against a real database (SQLite, or PostgreSQL via MEDCORE_TEST_DATABASE_URL):
// scheduling inside transactions, retries, leases, start-up catch-up, recurring rules and two
// instances sharing one PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "platform/core/time.hpp"
#include "fixture.hpp"
#include "platform/jobs/cleanup.hpp"
#include "platform/jobs/jobs.hpp"
#include "platform/jobs/runner.hpp"

namespace medcore::jobs {
namespace {

using namespace std::chrono_literals;

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

class JobsTest : public testing::DatabaseFixture {
 protected:
  std::int64_t schedule_now(const JobSpec& spec) {
    return db_->transaction("test.jobs", [&](soci::session& sql) { return schedule(sql, spec); });
  }

  std::string status_of(std::int64_t id) {
    return db_->read([&](soci::session& sql) {
      std::string s;
      const long long key = id;
      sql << "SELECT status FROM jobs WHERE id = :id", soci::use(key), soci::into(s);
      return s;
    });
  }

  long long count_status(const std::string& status) {
    return count("SELECT COUNT(*) FROM jobs WHERE status = '" + status + "'");
  }
};

TEST_F(JobsTest, ScheduleCancelAndDedupeInARolledBackTransactionLeaveNothing) {
  const EpochMs t = now_ms() + 3'600'000;
  EXPECT_THROW(db_->transaction("test.jobs", [&](soci::session& sql) {
                 schedule(sql, {.kind = "a", .run_at = t});
                 const auto first = schedule(sql, {.kind = "reminder", .run_at = t, .dedupe_key = "appt:1"});
                 const auto moved = schedule(sql, {.kind = "reminder", .run_at = t + 60'000, .dedupe_key = "appt:1"});
                 EXPECT_EQ(first, moved);
                 EXPECT_EQ(cancel(sql, "appt:1"), 1);
                 schedule(sql, {.kind = "reminder", .run_at = t, .dedupe_key = "appt:1"});
                 throw std::runtime_error("roll back");
               }),
               std::runtime_error);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 0);
}

TEST_F(JobsTest, DedupeKeyMovesThePendingJobAndCancelDropsIt) {
  const EpochMs t = now_ms() + 3'600'000;
  const auto id = schedule_now({.kind = "reminder", .payload = {{"v", 1}}, .run_at = t, .dedupe_key = "appt:7"});
  const auto again =
      schedule_now({.kind = "reminder", .payload = {{"v", 2}}, .run_at = t + 5'000, .dedupe_key = "appt:7"});
  EXPECT_EQ(id, again);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 1);
  EXPECT_EQ(count("SELECT run_at FROM jobs"), t + 5'000);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE payload LIKE '%2%'"), 1);
  // Another key is another job.
  schedule_now({.kind = "reminder", .run_at = t, .dedupe_key = "appt:8"});
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 2);

  EXPECT_EQ(db_->transaction("test.jobs", [](soci::session& sql) { return cancel(sql, "appt:7"); }), 1);
  EXPECT_EQ(db_->transaction("test.jobs", [](soci::session& sql) { return cancel(sql, "appt:7"); }), 0);
  EXPECT_EQ(db_->transaction("test.jobs", [](soci::session& sql) { return cancel(sql, "nothing"); }), 0);
  EXPECT_EQ(status_of(id), "cancelled");
  // The key is free again once nothing is pending under it.
  const auto fresh = schedule_now({.kind = "reminder", .run_at = t, .dedupe_key = "appt:7"});
  EXPECT_NE(fresh, id);
  EXPECT_EQ(count_status("pending"), 2);
  EXPECT_THROW(schedule_now({.kind = ""}), std::invalid_argument);
  EXPECT_THROW(schedule_now({.kind = "x", .max_attempts = 0}), std::invalid_argument);
}

TEST_F(JobsTest, AFailingJobIsRetriedThenFailedAndTheRunnerKeepsGoing) {
  App app = make_app("a");
  Runner runner(app, 2);
  runner.set_backoff({.base_ms = 5, .cap_ms = 20});
  std::atomic<int> boom_runs{0}, flaky_runs{0}, ok_runs{0}, odd_runs{0};
  runner.handle("boom", [&](const Job&) {
    ++boom_runs;
    throw std::runtime_error("smtp said no");
  });
  runner.handle("odd", [&](const Job&) {
    ++odd_runs;
    throw 42;  // not a std::exception: still caught, still retried
  });
  runner.handle("flaky", [&](const Job& job) {
    ++flaky_runs;
    if (job.attempt < 3) throw std::runtime_error("not yet");
  });
  runner.handle("ok", [&](const Job& job) {
    EXPECT_EQ(job.payload.at("n").as_int64(), 7);
    ++ok_runs;
  });
  const auto boom = schedule_now({.kind = "boom", .max_attempts = 3});
  const auto odd = schedule_now({.kind = "odd", .max_attempts = 2});
  const auto flaky = schedule_now({.kind = "flaky", .max_attempts = 5});
  const auto unknown = schedule_now({.kind = "nobody.handles.this"});
  runner.start();
  ASSERT_TRUE(wait_until([&] { return status_of(boom) == "failed" && status_of(odd) == "failed"; }));
  const auto ok = schedule_now({.kind = "ok", .payload = {{"n", 7}}});
  ASSERT_TRUE(wait_until([&] { return status_of(ok) == "done" && status_of(flaky) == "done"; }));
  ASSERT_TRUE(wait_until([&] { return status_of(unknown) == "failed"; }));
  runner.stop();

  EXPECT_EQ(boom_runs, 3);
  EXPECT_EQ(odd_runs, 2);
  EXPECT_EQ(flaky_runs, 3);
  EXPECT_EQ(ok_runs, 1);
  EXPECT_EQ(count("SELECT attempts FROM jobs WHERE id = " + std::to_string(boom)), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE last_error = 'smtp said no' AND id = " + std::to_string(boom)), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE last_error LIKE '%unknown exception%'"), 1);
  EXPECT_EQ(count("SELECT attempts FROM jobs WHERE id = " + std::to_string(unknown)), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE last_error LIKE '%no handler%nobody.handles.this%'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE status = 'done' AND last_error IS NULL AND id = " +
                  std::to_string(flaky)),
            1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE locked_until IS NOT NULL"), 0);
  const auto stats = runner.stats();
  EXPECT_EQ(stats.done, 2u);
  EXPECT_EQ(stats.failed, 3u);
  EXPECT_EQ(stats.retried, 2u + 1u + 2u);
}

TEST_F(JobsTest, AJobWhoseLeaseExpiredIsTakenOver) {
  const long long now = now_ms();
  db_->transaction("test.jobs", [&](soci::session& sql) {
    // One job held by an instance that died (lease ran out), one by an instance still alive.
    sql << "INSERT INTO jobs (kind, payload, run_at, status, attempts, max_attempts, locked_by, locked_until, "
           "created_at, started_at) VALUES ('work', '{\"who\":\"dead\"}', :r1, 'running', 1, 5, 'dead#1', :u1, :c1, :s1)",
        soci::use(now - 120'000), soci::use(now - 1'000), soci::use(now - 120'000), soci::use(now - 61'000);
    sql << "INSERT INTO jobs (kind, payload, run_at, status, attempts, max_attempts, locked_by, locked_until, "
           "created_at, started_at) VALUES ('work', '{\"who\":\"alive\"}', :r1, 'running', 1, 5, 'alive#1', :u1, :c1, :s1)",
        soci::use(now - 120'000), soci::use(now + 600'000), soci::use(now - 120'000), soci::use(now - 1'000);
  });
  App app = make_app("b");
  Runner runner(app);
  std::mutex m;
  std::vector<std::string> ran;
  runner.handle("work", [&](const Job& job) {
    std::lock_guard lock(m);
    ran.push_back(std::string(job.payload.at("who").as_string()));
    EXPECT_EQ(job.attempt, 2);
  });
  runner.start();
  ASSERT_TRUE(wait_until([&] { return count_status("done") == 1; }));
  std::this_thread::sleep_for(200ms);  // several polls: the live lease must stay untouched
  runner.stop();
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0], "dead");
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE status = 'running' AND locked_by = 'alive#1'"), 1);
  const std::string owner = db_->read([](soci::session& sql) {
    std::string o;
    sql << "SELECT locked_by FROM jobs WHERE status = 'done'", soci::into(o);
    return o;
  });
  EXPECT_EQ(owner, runner.owner());
}

TEST_F(JobsTest, AnOwnerThatLostItsLeaseCannotMarkTheJob) {
  App app = make_app("c");
  Runner runner(app);
  runner.handle("slow", [&](const Job& job) {
    // Meanwhile another instance took the job over (our lease expired while we worked).
    db_->transaction("test.jobs", [&](soci::session& sql) {
      const long long id = job.id;
      sql << "UPDATE jobs SET locked_by = 'thief#1', attempts = attempts + 1 WHERE id = :id", soci::use(id);
    });
  });
  const auto id = schedule_now({.kind = "slow"});
  runner.start();
  ASSERT_TRUE(wait_until([&] { return runner.stats().lost == 1; }));
  runner.stop();
  EXPECT_EQ(status_of(id), "running");
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE locked_by = 'thief#1'"), 1);
  EXPECT_EQ(runner.stats().done, 0u);
}

TEST_F(JobsTest, JobsDueWhileTheServiceWasDownRunAtStartUp) {
  const EpochMs now = now_ms();
  for (int i = 0; i < 3; ++i) schedule_now({.kind = "late", .run_at = now - 3'600'000 + i});
  const auto future = schedule_now({.kind = "late", .run_at = now + 3'600'000});
  App app = make_app("d");
  Runner runner(app);
  std::atomic<int> runs{0};
  runner.handle("late", [&](const Job&) { ++runs; });
  runner.start();
  ASSERT_TRUE(wait_until([&] { return count_status("done") == 3; }));
  std::this_thread::sleep_for(100ms);
  runner.stop();
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(status_of(future), "pending");
}

TEST_F(JobsTest, ARecurringOccurrenceIsCreatedOnceEvenWithTwoRunners) {
  const long long now = now_ms();
  // The yearly rule's occurrence fell due while every instance was down.
  db_->transaction("test.jobs", [&](soci::session& sql) {
    sql << "INSERT INTO recurring_jobs (name, cron, kind, payload, next_run_at, updated_at) "
           "VALUES ('new-year', '0 0 1 1 *', 'greet', '{}', :n, :u)",
        soci::use(now - 60'000), soci::use(now - 600'000);
  });
  std::atomic<int> runs{0};
  App app_a = make_app("a");
  App app_b = make_app("b");
  Runner a(app_a), b(app_b);
  for (Runner* r : {&a, &b}) {
    r->handle("greet", [&](const Job& job) {
      EXPECT_EQ(job.payload.at("hello").as_string(), "world");
      ++runs;
    });
    r->recurring("new-year", "0 0 1 1 *", "greet", {{"hello", "world"}});
  }
  a.start();
  b.start();
  ASSERT_TRUE(wait_until([&] { return count_status("done") == 1; }));
  std::this_thread::sleep_for(300ms);  // many more polls by both
  a.stop();
  b.stop();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE kind = 'greet'"), 1);
  EXPECT_EQ(count("SELECT run_at FROM jobs WHERE kind = 'greet'"), now - 60'000);
  EXPECT_GT(count("SELECT next_run_at FROM recurring_jobs WHERE name = 'new-year'"), now);

  // A changed rule starts over from its new schedule.
  App app_c = make_app("c");
  Runner c(app_c);
  c.recurring("new-year", "0 12 * * *", "greet");
  c.start();
  c.stop();
  const auto expected = *CronRule::parse("0 12 * * *").next_after(now_ms());
  EXPECT_EQ(count("SELECT next_run_at FROM recurring_jobs WHERE name = 'new-year'"), expected);
}

TEST_F(JobsTest, TwoInstancesOnOnePostgresRunEachOf500JobsExactlyOnce) {
  if (!postgres()) GTEST_SKIP() << "needs PostgreSQL (MEDCORE_TEST_DATABASE_URL): SQLite is single-instance";
  constexpr int kJobs = 500;
  db_->transaction("test.jobs", [&](soci::session& sql) {
    for (int i = 0; i < kJobs; ++i) schedule(sql, {.kind = "count", .payload = {{"i", i}}});
  });
  std::mutex m;
  std::map<std::int64_t, int> runs;
  std::map<std::string, int> by_owner;
  App app_a = make_app("instance-a");
  App app_b = make_app("instance-b");
  Runner a(app_a, 3), b(app_b, 3);
  for (Runner* r : {&a, &b}) {
    r->handle("count", [&, r](const Job& job) {
      std::lock_guard lock(m);
      ++runs[job.id];
      ++by_owner[r->owner()];
    });
  }
  a.start();
  b.start();
  ASSERT_TRUE(wait_until([&] { return count_status("done") == kJobs; }, 120s));
  std::this_thread::sleep_for(200ms);
  a.stop();
  b.stop();
  std::lock_guard lock(m);
  ASSERT_EQ(runs.size(), static_cast<std::size_t>(kJobs));
  for (const auto& [id, n] : runs) EXPECT_EQ(n, 1) << "job " << id;
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE status = 'done' AND attempts = 1"), kJobs);
  EXPECT_EQ(a.stats().done + b.stats().done, static_cast<std::uint64_t>(kJobs));
  for (const auto& [owner, n] : by_owner) std::cout << "  " << owner << " ran " << n << " jobs\n";
}

TEST_F(JobsTest, NightlyCleanupDeletesOnlyWhatIsPastItsGrace) {
  const long long now = now_ms();
  const long long day = 86'400'000;
  db_->transaction("test.jobs", [&](soci::session& sql) {
    sql << "INSERT INTO users (email, password_hash, role, name, created_at, updated_at, password_changed_at) "
           "VALUES ('a@example.org', 'x', 'patient', 'A', :t1, :t2, :t3)",
        soci::use(now), soci::use(now), soci::use(now);
    const auto session = [&](const std::string& token, long long expires, long long absolute, long long revoked) {
      soci::indicator ind = revoked == 0 ? soci::i_null : soci::i_ok;
      sql << "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, "
             "revoked_at) VALUES (:h, 1, :c, :l, :e, :a, :r)",
          soci::use(token), soci::use(now - 40 * day), soci::use(now - 40 * day), soci::use(expires),
          soci::use(absolute), soci::use(revoked, ind);
    };
    session("live", now + day, now + 10 * day, 0);
    session("idle-expired-2d", now - 2 * day, now + 10 * day, 0);
    session("idle-expired-1h", now - 3'600'000, now + 10 * day, 0);
    session("absolute-expired-2d", now + day, now - 2 * day, 0);
    session("revoked-2d", now + day, now + 10 * day, now - 2 * day);
    session("revoked-1h", now + day, now + 10 * day, now - 3'600'000);
    const auto token = [&](const std::string& hash, long long expires, long long used) {
      soci::indicator ind = used == 0 ? soci::i_null : soci::i_ok;
      sql << "INSERT INTO password_tokens (token_hash, user_id, purpose, created_at, expires_at, used_at) "
             "VALUES (:h, 1, 'reset', :c, :e, :u)",
          soci::use(hash), soci::use(now - 3 * day), soci::use(expires), soci::use(used, ind);
    };
    token("fresh", now + 3'600'000, 0);
    token("expired-2d", now - 2 * day, 0);
    token("used-2d", now + 3'600'000, now - 2 * day);
    token("used-1h", now + 3'600'000, now - 3'600'000);
    const auto job = [&](const std::string& status, long long finished) {
      soci::indicator ind = finished == 0 ? soci::i_null : soci::i_ok;
      sql << "INSERT INTO jobs (kind, payload, run_at, status, created_at, finished_at) "
             "VALUES ('k', '{}', :r, :s, :c, :f)",
          soci::use(now - 40 * day), soci::use(status), soci::use(now - 40 * day), soci::use(finished, ind);
    };
    job("done", now - 31 * day);
    job("failed", now - 31 * day);
    job("cancelled", now - 31 * day);
    job("done", now - 29 * day);
    job("pending", 0);
    const auto key = [&](const std::string& k, long long created) {
      sql << "INSERT INTO idempotency_keys (user_id, scope, idem_key, request_hash, status, response, created_at) "
             "VALUES (1, 'appointments.create', :k, 'h', 201, '{}', :c)",
          soci::use(k), soci::use(created);
    };
    key("old", now - 2 * day);
    key("recent", now - 3'600'000);
  });
  App app = make_app("e");
  const CleanupResult r = cleanup(app, now);
  EXPECT_EQ(r.sessions, 3);
  EXPECT_EQ(r.password_tokens, 2);
  EXPECT_EQ(r.jobs, 3);
  EXPECT_EQ(r.idempotency_keys, 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'recent'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM sessions"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM password_tokens"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 2);

  // Registered on a runner, the rule lands in the table at its next 03:17 UTC.
  Runner runner(app);
  register_cleanup(runner, app);
  runner.start();
  runner.stop();
  EXPECT_EQ(count("SELECT next_run_at FROM recurring_jobs WHERE name = 'nightly-cleanup' AND kind = '" +
                  std::string(kCleanupKind) + "'"),
            *CronRule::parse("17 3 * * *").next_after(now_ms()));
}

}  // namespace
}  // namespace medcore::jobs
