// Database layer against a real database: MEDCORE_TEST_DATABASE_URL (a PostgreSQL server or a
// SQLite path), or a temporary SQLite file when it is unset. Every test gets a database of its
// own: a fresh file, or on PostgreSQL a fresh database created next to the given one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/crypto.hpp"
#include "platform/core/problem.hpp"
#include "platform/db/database.hpp"
#include "platform/db/embedded_migrations.hpp"
#include "platform/db/migrations.hpp"
#include "../support/test_database.hpp"

namespace medcore::db {
namespace {

using test_support::configured_url;
using test_support::is_postgres;
using test_support::unique_suffix;
using test_support::with_database;

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    const std::string base = configured_url();
    if (is_postgres(base)) {
      admin_ = Database::open(base, 1);
      db_name_ = "medcore_test_" + unique_suffix();
      admin_->read([&](soci::session& sql) { sql << "CREATE DATABASE " + db_name_; });
      url_ = with_database(base, db_name_);
    } else {
      const std::filesystem::path root =
          base.empty() ? std::filesystem::temp_directory_path() / ("medcore_db_test_" + unique_suffix())
                       : std::filesystem::path(base.substr(std::string("sqlite:").size())).parent_path() /
                             ("medcore_db_test_" + unique_suffix());
      dir_ = root;
      // A nested path also checks that open() creates missing directories.
      url_ = "sqlite:" + (root / "nested" / "test.db").string();
    }
  }

  void TearDown() override {
    if (admin_) {
      admin_->read([&](soci::session& sql) { sql << "DROP DATABASE IF EXISTS " + db_name_ + " WITH (FORCE)"; });
    } else if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  std::shared_ptr<Database> open(std::size_t pool_size = 4) { return Database::open(url_, pool_size); }

  static long long count(Database& db, const std::string& query) {
    return db.read([&](soci::session& sql) {
      long long n = -1;
      sql << query, soci::into(n);
      return n;
    });
  }

  static void insert_user(soci::session& sql, const std::string& email, const std::string& role = "patient") {
    const long long now = 1'700'000'000'000LL;
    sql << "INSERT INTO users (email, password_hash, role, name, created_at, updated_at, password_changed_at) "
           "VALUES (:e, 'x', :r, 'Test User', :t, :t, :t)",
        soci::use(email, "e"), soci::use(role, "r"), soci::use(now, "t");
  }

  std::string url_;
  std::shared_ptr<Database> admin_;
  std::string db_name_;
  std::filesystem::path dir_;
};

TEST_F(DatabaseTest, MigrateAppliesEverythingOnceAndIsCurrent) {
  auto db = open();
  EXPECT_FALSE(migrations_current(*db));

  const auto first = migrate(*db);
  ASSERT_EQ(first.size(), embedded::migrations().size());
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front().version, 1);
  EXPECT_EQ(first.front().name, "foundation");
  EXPECT_TRUE(migrations_current(*db));

  EXPECT_TRUE(migrate(*db).empty());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<long long>(embedded::migrations().size()));
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM users"), 0);
}

TEST_F(DatabaseTest, EditedMigrationIsRefused) {
  auto db = open();
  migrate(*db);
  db->read([](soci::session& sql) { sql << "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1"; });
  try {
    migrate(*db);
    FAIL() << "migrate accepted a changed migration";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("0001_foundation.sql"), std::string::npos) << e.what();
  }
}

TEST_F(DatabaseTest, ConcurrentMigrationsBothSucceedAndRecordOnce) {
  // Two Database objects stand for two instances starting at the same moment.
  auto a = open(1);
  auto b = open(1);
  std::latch start(2);
  std::size_t applied_a = 0;
  std::size_t applied_b = 0;
  std::string error_a;
  std::string error_b;
  auto run = [&start](Database& db, std::size_t& applied, std::string& error) {
    start.arrive_and_wait();
    try {
      applied = migrate(db).size();
    } catch (const std::exception& e) {
      error = e.what();
    }
  };
  std::thread ta([&] { run(*a, applied_a, error_a); });
  std::thread tb([&] { run(*b, applied_b, error_b); });
  ta.join();
  tb.join();
  EXPECT_EQ(error_a, "");
  EXPECT_EQ(error_b, "");
  EXPECT_EQ(applied_a + applied_b, embedded::migrations().size());
  EXPECT_EQ(count(*a, "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<long long>(embedded::migrations().size()));
  EXPECT_TRUE(migrations_current(*b));
}

TEST_F(DatabaseTest, ThrowingTransactionLeavesNoRows) {
  auto db = open();
  migrate(*db);
  EXPECT_THROW(db->transaction("test.database", [](soci::session& sql) {
    insert_user(sql, "one@example.org");
    insert_user(sql, "two@example.org");
    throw std::runtime_error("changed my mind");
  }),
               std::runtime_error);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM users"), 0);
  EXPECT_EQ(db->in_use(), 0u);
  // The session went back to the pool usable, not stuck inside the failed transaction.
  db->transaction("test.database", [](soci::session& sql) { insert_user(sql, "three@example.org"); });
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM users"), 1);
}

TEST_F(DatabaseTest, ConstraintViolationsAreClassified) {
  auto db = open();
  migrate(*db);
  db->transaction("test.database", [](soci::session& sql) { insert_user(sql, "same@example.org"); });

  try {
    db->transaction("test.database", [](soci::session& sql) { insert_user(sql, "same@example.org"); });
    FAIL() << "duplicate email accepted";
  } catch (const std::exception& e) {
    EXPECT_TRUE(is_unique_violation(e)) << e.what();
    EXPECT_FALSE(is_foreign_key_violation(e));
    EXPECT_FALSE(is_check_violation(e));
  }

  try {
    db->transaction("test.database", [](soci::session& sql) {
      sql << "INSERT INTO patients (user_id, date_of_birth, sex) VALUES (987654, '1990-01-01', 'female')";
    });
    FAIL() << "dangling foreign key accepted";
  } catch (const std::exception& e) {
    EXPECT_TRUE(is_foreign_key_violation(e)) << e.what();
    EXPECT_FALSE(is_unique_violation(e));
  }

  try {
    db->transaction("test.database", [](soci::session& sql) { insert_user(sql, "role@example.org", "superuser"); });
    FAIL() << "invalid role accepted";
  } catch (const std::exception& e) {
    EXPECT_TRUE(is_check_violation(e)) << e.what();
    EXPECT_FALSE(is_unique_violation(e));
  }

  EXPECT_FALSE(is_unique_violation(std::runtime_error("UNIQUE constraint failed")));
}

TEST_F(DatabaseTest, PoolCountsLeases) {
  auto db = open(2);
  EXPECT_EQ(db->pool_size(), 2u);
  EXPECT_EQ(db->in_use(), 0u);
  const std::size_t inside = db->read([&](soci::session&) { return db->in_use(); });
  EXPECT_EQ(inside, 1u);
  EXPECT_EQ(db->in_use(), 0u);
  EXPECT_THROW(db->read([](soci::session& sql) { sql << "SELECT * FROM no_such_table"; }), soci::soci_error);
  EXPECT_EQ(db->in_use(), 0u);
  EXPECT_TRUE(db->ping());
}

TEST_F(DatabaseTest, TransactionReturnsItsValue) {
  auto db = open();
  migrate(*db);
  const long long id = db->transaction("test.database", [](soci::session& sql) {
    insert_user(sql, "value@example.org");
    long long new_id = 0;
    sql << "SELECT id FROM users WHERE email = 'value@example.org'", soci::into(new_id);
    return new_id;
  });
  EXPECT_GT(id, 0);
  EXPECT_EQ(count(*db, "SELECT id FROM users WHERE email = 'value@example.org'"), id);
}

TEST_F(DatabaseTest, ConcurrentIncrementsAreNotLost) {
  auto db = open(4);
  db->read([](soci::session& sql) {
    sql << "CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)";
    sql << "INSERT INTO counter (id, n) VALUES (1, 0)";
  });
  constexpr int kThreads = 8;
  constexpr int kIncrements = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        try {
          db->transaction("test.database", [](soci::session& sql) { sql << "UPDATE counter SET n = n + 1 WHERE id = 1"; });
        } catch (const std::exception&) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(count(*db, "SELECT n FROM counter WHERE id = 1"), kThreads * kIncrements);
  EXPECT_EQ(db->in_use(), 0u);
}

TEST_F(DatabaseTest, BrokenPostgresConnectionIsReplaced) {
  if (!admin_) GTEST_SKIP() << "PostgreSQL only: a SQLite connection cannot break";
  auto db = open(1);
  auto kill_pooled_connection = [&] {
    const long long pid = db->read([](soci::session& sql) {
      long long p = 0;
      sql << "SELECT pg_backend_pid()", soci::into(p);
      return p;
    });
    admin_->read([&](soci::session& sql) {
      int killed = 0;
      sql << "SELECT CASE WHEN pg_terminate_backend(:p) THEN 1 ELSE 0 END", soci::use(pid), soci::into(killed);
      ASSERT_EQ(killed, 1);
    });
  };

  // Used right away: BEGIN finds the dead connection and is retried on a new one.
  kill_pooled_connection();
  EXPECT_EQ(db->transaction("test.database", [](soci::session& sql) {
    int one = 0;
    sql << "SELECT 1", soci::into(one);
    return one;
  }),
            1);

  // Idle for a while: the lease pings it and reconnects before handing it out.
  kill_pooled_connection();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_TRUE(db->ping());
}

// The line of the exposition that starts with `series` (name and labels), or "" if none does.
std::string metric_line(const Database& db, const std::string& series) {
  std::string out;
  db.render_metrics(out);
  const std::size_t at = out.find("\n" + series + " ");
  if (at == std::string::npos) return "";
  return out.substr(at + 1, out.find('\n', at + 1) - at - 1);
}

TEST_F(DatabaseTest, TransactionsAreCountedByNameAndOutcome) {
  auto db = open(1);
  migrate(*db);
  db->transaction("test.counted", [](soci::session& sql) { insert_user(sql, "one@example.org"); });
  db->transaction("test.counted", [](soci::session& sql) { insert_user(sql, "two@example.org"); });
  EXPECT_THROW(db->transaction("test.counted", [](soci::session& sql) { insert_user(sql, "one@example.org"); }),
               std::exception);
  db->transaction("test.other", [](soci::session&) {});

  EXPECT_EQ(metric_line(*db, "medcore_db_transactions_total{name=\"test.counted\",outcome=\"committed\"}"),
            "medcore_db_transactions_total{name=\"test.counted\",outcome=\"committed\"} 2");
  EXPECT_EQ(metric_line(*db, "medcore_db_transactions_total{name=\"test.counted\",outcome=\"rolled_back\"}"),
            "medcore_db_transactions_total{name=\"test.counted\",outcome=\"rolled_back\"} 1");
  EXPECT_EQ(metric_line(*db, "medcore_db_transaction_duration_seconds_count{name=\"test.counted\"}"),
            "medcore_db_transaction_duration_seconds_count{name=\"test.counted\"} 3");
  EXPECT_EQ(metric_line(*db, "medcore_db_transaction_duration_seconds_bucket{name=\"test.counted\",le=\"+Inf\"}"),
            "medcore_db_transaction_duration_seconds_bucket{name=\"test.counted\",le=\"+Inf\"} 3");
  EXPECT_EQ(metric_line(*db, "medcore_db_transactions_total{name=\"test.other\",outcome=\"committed\"}"),
            "medcore_db_transactions_total{name=\"test.other\",outcome=\"committed\"} 1");
}

TEST_F(DatabaseTest, StatementTimeoutCancelsASlowTransactionAndItsConnectionServesOn) {
  if (!admin_) GTEST_SKIP() << "PostgreSQL only: SQLite has no statement timeout (only the busy timeout)";
  // A pool of one: the transaction after the timeout gets the very connection it happened on.
  auto db = Database::open(url_, 1, Database::kDefaultConnectTimeoutSeconds, 200);
  auto show_timeout = [](soci::session& sql) {
    std::string value;
    sql << "SHOW statement_timeout", soci::into(value);
    return value;
  };
  EXPECT_EQ(db->transaction("test.default_limit", show_timeout), "200ms");

  const auto started = std::chrono::steady_clock::now();
  testing::internal::CaptureStdout();
  try {
    db->transaction("test.too_slow", [](soci::session& sql) { sql << "SELECT pg_sleep(10)"; });
    ADD_FAILURE() << "pg_sleep(10) ran to its end under a 200 ms statement timeout";
  } catch (const Problem& p) {
    EXPECT_EQ(p.status(), 503);
    EXPECT_EQ(p.slug(), "statement-timeout");
    EXPECT_EQ(p.retry_after(), 2);
  }
  const std::string log = testing::internal::GetCapturedStdout();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_NE(log.find("\"event\":\"db_statement_timeout\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"transaction\":\"test.too_slow\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"timeout_ms\":200"), std::string::npos) << log;
  EXPECT_TRUE(db->available()) << "a statement timeout is not an outage";
  EXPECT_EQ(metric_line(*db, "medcore_db_transactions_total{name=\"test.too_slow\",outcome=\"timeout\"}"),
            "medcore_db_transactions_total{name=\"test.too_slow\",outcome=\"timeout\"} 1");

  // The same connection, rolled back cleanly: the next transaction works.
  EXPECT_EQ(db->transaction("test.after_timeout", [](soci::session& sql) {
    int one = 0;
    sql << "SELECT 1", soci::into(one);
    return one;
  }),
            1);
  // A transaction known to run long gets its longer limit...
  constexpr TransactionName kLong{"test.known_long", std::chrono::seconds(3)};
  EXPECT_EQ(db->transaction(kLong, show_timeout), "3s");
  EXPECT_NO_THROW(db->transaction(kLong, [](soci::session& sql) { sql << "SELECT pg_sleep(0.4)"; }));
  constexpr TransactionName kUnbounded{"test.unbounded", TransactionName::kNoLimit};
  EXPECT_EQ(db->transaction(kUnbounded, show_timeout), "0");
  // ...and SET LOCAL ended with each transaction: reads on the connection have no limit.
  EXPECT_NO_THROW(db->read([](soci::session& sql) { sql << "SELECT pg_sleep(0.4)"; }));
  EXPECT_EQ(db->read(show_timeout), "0");
}

TEST_F(DatabaseTest, OverridesOnlyLengthenAndZeroTurnsTheLimitOff) {
  constexpr TransactionName kPlain{"test.plain"};
  constexpr TransactionName kShorter{"test.shorter", std::chrono::milliseconds(100)};
  constexpr TransactionName kLonger{"test.longer", std::chrono::seconds(60)};
  constexpr TransactionName kNone{"test.none", TransactionName::kNoLimit};
  auto limited = Database::open(url_, 1, Database::kDefaultConnectTimeoutSeconds, 5000);
  auto unlimited = Database::open(url_, 1, Database::kDefaultConnectTimeoutSeconds, 0);
  const bool pg = limited->dialect() == Dialect::postgresql;
  EXPECT_EQ(limited->statement_timeout_ms(kPlain), pg ? 5000 : 0);
  EXPECT_EQ(limited->statement_timeout_ms(kShorter), pg ? 5000 : 0);
  EXPECT_EQ(limited->statement_timeout_ms(kLonger), pg ? 60000 : 0);
  EXPECT_EQ(limited->statement_timeout_ms(kNone), 0);
  EXPECT_EQ(unlimited->statement_timeout_ms(kLonger), 0);
  EXPECT_EQ(unlimited->statement_timeout_ms(kPlain), 0);
}

TEST(DatabaseOpen, RejectsUnusableUrls) {
  EXPECT_THROW(Database::open("sqlite::memory:", 1), std::invalid_argument);
  EXPECT_THROW(Database::open("sqlite:", 1), std::invalid_argument);
  EXPECT_THROW(Database::open("mysql://root@localhost/medcore", 1), std::invalid_argument);
  EXPECT_THROW(Database::open("var/medcore.db", 1), std::invalid_argument);
  try {
    Database::open("mongodb://x", 1);
    FAIL() << "opened a mongodb:// URL";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("mongodb"), std::string::npos) << e.what();
  }
}

TEST(DatabaseOpen, DescriptionHidesPassword) {
  // Port 1 on loopback refuses at once; the error must not leak the password either.
  try {
    Database::open("postgresql://medcore:s3cret@127.0.0.1:1/medcore?password=other&sslmode=disable", 1);
    FAIL() << "connected to port 1";
  } catch (const std::exception& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
    EXPECT_EQ(message.find("other"), std::string::npos) << message;
    EXPECT_NE(message.find("postgresql://medcore:***@127.0.0.1:1/medcore?password=***&sslmode=disable"),
              std::string::npos)
        << message;
  }
}

TEST(Migrations, RenderReplacesDialectTokens) {
  const std::string sql = "CREATE TABLE t (id {{id_pk}}, data {{blob}}, other {{blob}});";
  EXPECT_EQ(render_migration(sql, Dialect::sqlite), "CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB, other BLOB);");
  EXPECT_EQ(render_migration(sql, Dialect::postgresql),
            "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, data BYTEA, other BYTEA);");
}

}  // namespace
}  // namespace medcore::db
