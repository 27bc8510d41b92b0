// The database layer while the database cannot serve: PostgreSQL gone, restarting or black-holed
// (through a TCP proxy the test controls), SQLite out of space. Callers get medcore::Unavailable —
// promptly, never a crash — and everything works again once the database is back.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "platform/core/crypto.hpp"
#include "platform/core/problem.hpp"
#include "platform/db/database.hpp"
#include "../support/tcp_proxy.hpp"
#include "../support/test_database.hpp"

namespace medcore::db {
namespace {

using namespace std::chrono_literals;
using test_support::configured_url;
using test_support::is_postgres;
using test_support::TcpProxy;
using test_support::unique_suffix;
using Clock = std::chrono::steady_clock;

int select_one(Database& db) {
  return db.read([](soci::session& sql) {
    int one = 0;
    sql << "SELECT 1", soci::into(one);
    return one;
  });
}

// Polls `ok` until it holds or `limit` passes; true when it held.
bool eventually(const std::function<bool()>& ok, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return ok();
}

bool answers(Database& db) {
  try {
    return select_one(db) == 1;
  } catch (const Unavailable&) {
    return false;
  }
}

class PostgresOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    const std::string url = configured_url();
    if (!is_postgres(url)) GTEST_SKIP() << "PostgreSQL only (set MEDCORE_TEST_DATABASE_URL)";
    // postgresql://user@127.0.0.1:PORT/db → the same through the proxy.
    const std::size_t at = url.find('@');
    const std::size_t colon = url.find(':', at);
    const std::size_t slash = url.find('/', colon);
    ASSERT_TRUE(at != std::string::npos && colon != std::string::npos && slash != std::string::npos) << url;
    proxy_ = std::make_unique<TcpProxy>(url.substr(at + 1, colon - at - 1),
                                        std::stoi(url.substr(colon + 1, slash - colon - 1)));
    proxied_url_ = url.substr(0, at + 1) + "127.0.0.1:" + std::to_string(proxy_->port()) + url.substr(slash);
  }

  std::shared_ptr<Database> open(std::size_t pool, int connect_timeout = Database::kDefaultConnectTimeoutSeconds) {
    return Database::open(proxied_url_, pool, connect_timeout);
  }

  // The server crashes: connections in flight die and new ones are refused.
  void crash() {
    proxy_->set_mode(TcpProxy::Mode::refuse);
    proxy_->drop_all();
  }

  std::unique_ptr<TcpProxy> proxy_;
  std::string proxied_url_;
};

// The crash: a lease after a failed reconnect used a session SOCI had left without a
// backend (SIGSEGV in revive). Every call must be refused cleanly, and recover by itself.
TEST_F(PostgresOutageTest, CallsDuringAnOutageAreRefusedAndTheDatabaseRecovers) {
  auto db = open(2);
  ASSERT_EQ(select_one(*db), 1);
  ASSERT_TRUE(db->available());

  crash();
  for (int i = 0; i < 6; ++i) {
    EXPECT_THROW(select_one(*db), Unavailable) << "read " << i;
    EXPECT_THROW(db->transaction("test.outage", [](soci::session& sql) { sql << "SELECT 1"; }), Unavailable) << "transaction " << i;
  }
  EXPECT_FALSE(db->ping());
  EXPECT_FALSE(db->available());
  EXPECT_GT(db->unavailable_refusals(), 0u);
  EXPECT_EQ(db->in_use(), 0u);

  proxy_->set_mode(TcpProxy::Mode::forward);
  EXPECT_TRUE(eventually([&] { return answers(*db); }, 3s)) << "no recovery within 3 s";
  EXPECT_TRUE(db->available());
  // Every slot works again, including the one whose reconnect had failed.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(select_one(*db), 1);
  EXPECT_EQ(db->transaction("test.outage", [](soci::session& sql) {
    int two = 0;
    sql << "SELECT 2", soci::into(two);
    return two;
  }),
            2);
}

// Known down: after a failed connect, callers are refused at once and at most one connect per
// second reaches the network, however many calls come in.
TEST_F(PostgresOutageTest, WhileKnownDownCallersDoNotEachPayForAConnect) {
  auto db = open(4);
  ASSERT_EQ(select_one(*db), 1);
  crash();
  // The first calls find the broken connections and try to connect (and fail).
  while (db->available()) EXPECT_THROW(select_one(*db), Unavailable);
  const int connects_before = proxy_->accepted();
  const auto t0 = Clock::now();
  int refused = 0;
  while (Clock::now() - t0 < 500ms) {
    EXPECT_THROW(select_one(*db), Unavailable);
    ++refused;
  }
  EXPECT_GT(refused, 50) << "refusals must be immediate";
  EXPECT_LE(proxy_->accepted() - connects_before, 1) << "connect attempts in half a second of refusals";
}

// A host that swallows packets: every connect is bounded by the connect timeout, and while one
// caller probes, the others are refused at once instead of all waiting on hanging connects.
TEST_F(PostgresOutageTest, HangingConnectsAreBoundedAndHoldOneCallerAtATime) {
  proxy_->set_mode(TcpProxy::Mode::blackhole);
  const auto open_start = Clock::now();
  EXPECT_THROW(open(1, 2), std::runtime_error);
  EXPECT_LT(Clock::now() - open_start, 6s) << "start-up against a silent host must give up";

  proxy_->set_mode(TcpProxy::Mode::forward);
  auto db = open(8, 2);
  ASSERT_EQ(select_one(*db), 1);
  crash();
  while (db->available()) EXPECT_THROW(select_one(*db), Unavailable);
  proxy_->set_mode(TcpProxy::Mode::blackhole);
  std::this_thread::sleep_for(1100ms);  // the next probe is due

  constexpr int kCallers = 8;
  std::vector<std::chrono::milliseconds> took(kCallers);
  std::atomic<int> unavailable{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      const auto start = Clock::now();
      try {
        select_one(*db);
      } catch (const Unavailable&) {
        unavailable.fetch_add(1);
      }
      took[i] = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(unavailable.load(), kCallers);
  int slow = 0;
  for (const auto& t : took) {
    EXPECT_LT(t, 6s) << "a connect outlived its timeout";
    if (t > 1s) ++slow;
  }
  EXPECT_EQ(slow, 1) << "exactly the probe waits for its connect; the rest are refused at once";

  proxy_->set_mode(TcpProxy::Mode::forward);
  EXPECT_TRUE(eventually([&] { return answers(*db); }, 4s)) << "no recovery within 4 s";
}

// One terminated connection (pg_terminate_backend, a proxy's idle timeout) is replaced, and is
// not an outage: a transaction retries BEGIN on a new connection and the database stays available.
TEST_F(PostgresOutageTest, ALostConnectionIsReplacedWithoutAnOutage) {
  auto db = open(1);
  ASSERT_EQ(select_one(*db), 1);
  proxy_->drop_all();
  EXPECT_EQ(db->transaction("test.outage", [](soci::session& sql) {
    int one = 0;
    sql << "SELECT 1", soci::into(one);
    return one;
  }),
            1);
  EXPECT_TRUE(db->available());
  // A read in flight on a connection that dies is refused (its outcome is unknown), the next works.
  proxy_->drop_all();
  try {
    select_one(*db);
  } catch (const Unavailable&) {
  }
  EXPECT_EQ(select_one(*db), 1);
  EXPECT_TRUE(db->available());
}

TEST(DatabaseOpenTimeout, IsAddedToTheUrlUnlessSet) {
  // Port 1 on loopback refuses at once: only the error text is of interest.
  for (const char* url : {"postgresql://u@127.0.0.1:1/db", "postgresql://u@127.0.0.1:1/db?connect_timeout=9"}) {
    try {
      Database::open(url, 1, 3);
      FAIL() << "connected to port 1";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(Database::open("postgresql://u@127.0.0.1:1/db", 1, 0), std::invalid_argument);
}

// SQLite out of space (max_page_count stands in for a full disk: the same SQLITE_FULL): writes are
// refused as Unavailable, reads go on, and the first write that commits afterwards ends it.
TEST(SqliteOutage, AFullDatabaseRefusesWritesUntilItCanWriteAgain) {
  crypto::init();
  if (is_postgres(configured_url())) GTEST_SKIP() << "SQLite only";
  const auto dir = std::filesystem::temp_directory_path() / ("medcore_outage_" + unique_suffix());
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{dir};
  // One connection: max_page_count is a per-connection setting.
  auto db = Database::open("sqlite:" + (dir / "full.db").string(), 1);
  db->read([](soci::session& sql) { sql << "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"; });
  db->transaction("test.outage", [](soci::session& sql) { sql << "INSERT INTO notes (body) VALUES ('before')"; });
  db->read([](soci::session& sql) {
    long long pages = 0;
    sql << "PRAGMA page_count", soci::into(pages);
    sql << "PRAGMA max_page_count = " + std::to_string(pages + 2);
  });
  const std::string big(64 * 1024, 'x');
  auto write_big = [&] { db->transaction("test.outage", [&](soci::session& sql) { sql << "INSERT INTO notes (body) VALUES (:b)", soci::use(big); }); };

  EXPECT_THROW(write_big(), Unavailable);
  EXPECT_FALSE(db->available());
  EXPECT_THROW(write_big(), Unavailable);
  // Reading works, and does not count as recovery.
  EXPECT_EQ(db->read([](soci::session& sql) {
    long long n = 0;
    sql << "SELECT COUNT(*) FROM notes", soci::into(n);
    return n;
  }),
            1);
  db->transaction("test.outage", [](soci::session& sql) {
    long long n = 0;
    sql << "SELECT COUNT(*) FROM notes", soci::into(n);
  });
  EXPECT_FALSE(db->available()) << "a transaction that wrote nothing proves nothing";

  db->read([](soci::session& sql) { sql << "PRAGMA max_page_count = 1073741823"; });
  write_big();
  EXPECT_TRUE(db->available());
  // Ordinary statement errors are the caller's, not an outage.
  EXPECT_THROW(db->read([](soci::session& sql) { sql << "SELECT * FROM no_such_table"; }), soci::soci_error);
  EXPECT_TRUE(db->available());
}

TEST(Classification, ConstraintsAndSyntaxAreNotUnavailable) {
  EXPECT_TRUE(is_unavailable(Unavailable("down")));
  EXPECT_FALSE(is_unavailable(std::runtime_error("database or disk is full")));
}

}  // namespace
}  // namespace medcore::db
