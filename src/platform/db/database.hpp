#pragma once
// The database: a pool of SOCI sessions over SQLite or PostgreSQL, chosen by URL, and the
// one transaction helper every multi-statement write goes through.
#include <soci/soci.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace medcore::db {

enum class Dialect { sqlite, postgresql };

namespace detail {
struct MigrationAccess;
}

class Database {
 public:
  // url: "sqlite:var/medcore.db" (directories created), "sqlite::memory:" is refused (one
  // connection per pool slot would see different databases), or any libpq URL
  // "postgresql://user@host:port/dbname". connect_timeout_seconds bounds every PostgreSQL connect
  // (libpq's connect_timeout, unless the URL sets its own); the first connects happen here and
  // throw std::runtime_error when the database cannot be reached.
  static std::shared_ptr<Database> open(const std::string& url, std::size_t pool_size,
                                        int connect_timeout_seconds = kDefaultConnectTimeoutSeconds);
  static constexpr int kDefaultConnectTimeoutSeconds = 5;
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Dialect dialect() const { return dialect_; }
  std::size_t pool_size() const { return size_; }
  std::size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  // A redacted form of the URL for logs (no password).
  const std::string& describe() const { return description_; }

  // Borrows one pooled session while f runs; for reads (autocommit).
  // Both helpers throw medcore::Unavailable instead of the driver's error when the database
  // cannot serve (see is_unavailable); other errors pass through unchanged.
  template <class F>
  auto read(F&& f) {
    Lease lease(*this);
    try {
      if constexpr (std::is_void_v<decltype(f(lease.session()))>) {
        f(lease.session());
        lease.succeeded(false);
      } else {
        auto result = f(lease.session());
        lease.succeeded(false);
        return result;
      }
    } catch (const std::exception& e) {
      lease.failed(e);
      throw;
    }
  }

  // BEGIN (IMMEDIATE on SQLite, so writers queue on the busy timeout instead of failing on
  // lock upgrade), run f(session), COMMIT. Any exception rolls back fully and is rethrown.
  // A lost connection or a failed COMMIT leaves the outcome unknown to the caller (the database
  // may have committed just before it went away): what runs here must tolerate a retry.
  template <class F>
  auto transaction(F&& f) {
    Lease lease(*this);
    try {
      if constexpr (std::is_void_v<decltype(f(lease.session()))>) {
        transaction_on(lease.session(), f);
        lease.succeeded(true);
      } else {
        auto result = transaction_on(lease.session(), f);
        lease.succeeded(true);
        return result;
      }
    } catch (const std::exception& e) {
      lease.failed(e);
      throw;
    }
  }

  // True when a trivial query answers.
  bool ping() noexcept;

  // False from the moment the database could not serve (a connect failed, or SQLite could not
  // write) until it serves again; each change is logged once (db_unavailable, db_recovered).
  bool available() const { return unavailable_since_ms_.load() == 0; }
  // How many times a caller was refused with medcore::Unavailable (for /metrics).
  std::uint64_t unavailable_refusals() const { return refusals_.load(std::memory_order_relaxed); }

 private:
  class Lease {
   public:
    // Hands out a working connection, or throws medcore::Unavailable.
    explicit Lease(Database& db);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    soci::session& session();
    // Called from a catch block: throws medcore::Unavailable instead when `e` says the database
    // cannot serve; returns (for the caller to rethrow `e`) otherwise.
    void failed(const std::exception& e);
    // The work went through: the database serves again if it did not.
    void succeeded(bool committed);

   private:
    Database& db_;
    std::size_t index_;
    std::int64_t sqlite_changes_before_ = 0;
  };

  // The migration runner holds one session (and PostgreSQL's advisory lock on it) for a whole
  // run and must put its transactions on that same session: a second lease could wait forever
  // on a pool of one.
  friend struct detail::MigrationAccess;

  // The body of transaction(), on a session the caller already holds.
  template <class F>
  auto transaction_on(soci::session& sql, F& f) {
    begin(sql);
    try {
      if constexpr (std::is_void_v<decltype(f(sql))>) {
        f(sql);
        commit(sql);
      } else {
        auto result = f(sql);
        commit(sql);
        return result;
      }
    } catch (...) {
      rollback(sql);
      throw;
    }
  }

  Database(Dialect dialect, std::size_t size, std::string description);
  // Per-connection setup, run after every (re)connect.
  void prepare_connection(soci::session& sql);
  // Makes a freshly leased session usable: reconnects a PostgreSQL connection that broke
  // while it sat in the pool (server restart, idle timeout on a proxy, a failed reconnect).
  void revive(std::size_t index);
  // Replaces the session's PostgreSQL connection, or throws medcore::Unavailable. While the
  // database is known to be unreachable, only one caller per kReconnectEvery tries (the probe);
  // the others are refused at once instead of each waiting for a connect to time out.
  void reconnect(soci::session& sql);
  // The connection can no longer be used (lost, or never re-established).
  bool connection_lost(soci::session& sql) const;
  [[noreturn]] void refuse(const std::string& why);
  void mark_unavailable(const std::string& error);
  void mark_available();
  void begin(soci::session& sql);
  void commit(soci::session& sql);
  void rollback(soci::session& sql) noexcept;

  Dialect dialect_;
  std::size_t size_;
  std::string description_;
  std::string connect_string_;
  std::unique_ptr<soci::connection_pool> pool_;
  // When each slot was last given back; only the slot's current holder touches its entry
  // (the pool's own lock orders the hand-overs).
  std::vector<std::chrono::steady_clock::time_point> idle_since_;
  std::atomic<std::size_t> in_use_{0};

  // Availability. unavailable_since_ms_: 0 while the database serves, else when it stopped
  // (epoch ms). next_probe_ms_: while unavailable, no connect before this (steady ms).
  std::atomic<long long> unavailable_since_ms_{0};
  std::atomic<long long> next_probe_ms_{0};
  std::atomic<bool> probing_{false};
  std::atomic<std::uint64_t> refusals_{0};
};

// The libpq connection string medcore uses for a postgresql:// URL: the URL plus
// connect_timeout (unless it sets one) and application_name (unless it has parameters).
// Throws std::invalid_argument for a URL libpq would misread through SOCI.
std::string postgres_connect_string(const std::string& url, int connect_timeout_seconds);

// Error classification across both backends.
// The database cannot serve, whatever the statement: PostgreSQL connection failures and
// shutdowns (SQLSTATE class 08, 57P01-57P03, too many connections), SQLite's busy timeout,
// read-only, I/O, full and cannot-open errors. Statement errors (syntax, constraints) are not.
bool is_unavailable(const std::exception& e);
bool is_unique_violation(const std::exception& e);
bool is_foreign_key_violation(const std::exception& e);
bool is_check_violation(const std::exception& e);

}  // namespace medcore::db
