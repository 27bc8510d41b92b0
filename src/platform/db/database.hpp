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
#include <string_view>
#include <type_traits>
#include <vector>

#include "platform/db/transaction_stats.hpp"

namespace medcore::db {

enum class Dialect { sqlite, postgresql };

// A transaction's name, "<feature>.<use case>" ("appointments.book"): a constant in the code,
// checked when it compiles, so no request can make up a name. It labels the transaction's
// metrics and log lines. On PostgreSQL every transaction runs under the statement timeout
// (MEDCORE_DB_STATEMENT_TIMEOUT_MS); a transaction known to run long says so with its name:
//   constexpr db::TransactionName kCleanup{"jobs.cleanup", std::chrono::minutes(2)};
// An override only ever lengthens the limit (the longer of the two applies; 0 = no limit), and
// a setting of 0 turns every limit off.
class TransactionName {
 public:
  static constexpr std::chrono::milliseconds kNoLimit{0};

  template <std::size_t N>
  consteval TransactionName(const char (&text)[N]) : TransactionName(text, N - 1, kDefault) {}
  template <std::size_t N>
  consteval TransactionName(const char (&text)[N], std::chrono::milliseconds at_least)
      : TransactionName(text, N - 1, at_least.count()) {
    if (at_least.count() < 0) throw "a statement timeout override is 0 (no limit) or positive";
  }

  const char* c_str() const { return text_; }
  // Milliseconds this transaction may take at least, 0 for no limit; negative: the setting's.
  long long at_least_ms() const { return at_least_ms_; }

 private:
  static constexpr long long kDefault = -1;

  consteval TransactionName(const char* text, std::size_t size, long long at_least_ms)
      : text_(text), at_least_ms_(at_least_ms) {
    if (!well_formed(std::string_view(text, size)))
      throw "a transaction name is <feature>.<use case>: lowercase letters, digits and '_' around one '.'";
  }
  static consteval bool well_formed(std::string_view s) {
    const std::size_t dot = s.find('.');
    if (dot == 0 || dot == std::string_view::npos || dot + 1 == s.size() || s.find('.', dot + 1) != s.npos)
      return false;
    for (char c : s)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
    return true;
  }

  const char* text_;
  long long at_least_ms_;
};

namespace detail {
struct MigrationAccess;
}

class Database {
 public:
  // url: "sqlite:var/medcore.db" (directories created), "sqlite::memory:" is refused (one
  // connection per pool slot would see different databases), or any libpq URL
  // "postgresql://user@host:port/dbname". connect_timeout_seconds bounds every PostgreSQL connect
  // (libpq's connect_timeout, unless the URL sets its own); the first connects happen here and
  // throw std::runtime_error when the database cannot be reached. statement_timeout_ms bounds
  // every statement of a transaction on PostgreSQL (SET LOCAL statement_timeout; 0 = no limit
  // set by medcore); SQLite has no statement timeout (only the busy timeout for the write lock).
  static std::shared_ptr<Database> open(const std::string& url, std::size_t pool_size,
                                        int connect_timeout_seconds = kDefaultConnectTimeoutSeconds,
                                        int statement_timeout_ms = kDefaultStatementTimeoutMs);
  static constexpr int kDefaultConnectTimeoutSeconds = 5;
  static constexpr int kDefaultStatementTimeoutMs = 5000;
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
  // Reads have no name and no statement timeout: each is one autocommit statement whose time the
  // route's own histogram shows, there is no transaction for SET LOCAL to live in, and the
  // migration runner's read waits on pg_advisory_lock for as long as another instance migrates.
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
  // lock upgrade; on PostgreSQL with SET LOCAL statement_timeout in the same round trip), run
  // f(session), COMMIT. Any exception rolls back fully and is rethrown.
  // A lost connection or a failed COMMIT leaves the outcome unknown to the caller (the database
  // may have committed just before it went away): what runs here must tolerate a retry.
  // A statement cancelled by the statement timeout is logged (db_statement_timeout, with the
  // name) and thrown as problems::statement_timeout() (503), not as an outage.
  // Each call is counted under its name: outcome and time (see TransactionStats).
  template <class F>
  auto transaction(TransactionName name, F&& f) {
    Tally tally(stats_.entry(name.c_str()));
    Lease lease(*this, &tally);
    tally.start();
    try {
      if constexpr (std::is_void_v<decltype(f(lease.session()))>) {
        transaction_on(lease.session(), name, f, &tally);
        lease.succeeded(true);
        tally.set(Outcome::committed);
      } else {
        auto result = transaction_on(lease.session(), name, f, &tally);
        lease.succeeded(true);
        tally.set(Outcome::committed);
        return result;
      }
    } catch (const std::exception& e) {
      lease.failed(e, &tally);
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
  // The per-name transaction counters and histograms, in the Prometheus text format.
  void render_metrics(std::string& out) const { stats_.render(out); }
  // The statement timeout a transaction of this name runs under, in ms (0: none).
  long long statement_timeout_ms(const TransactionName& name) const;

 private:
  // Counts one transaction when it goes: its outcome (rolled back unless told otherwise) and,
  // once started, its time from BEGIN (the wait for a pooled connection is not in it).
  class Tally {
   public:
    explicit Tally(TransactionStats::Entry& entry) : entry_(entry) {}
    ~Tally() { entry_.observe(outcome_, start_); }
    Tally(const Tally&) = delete;
    Tally& operator=(const Tally&) = delete;
    void start() { start_ = std::chrono::steady_clock::now(); }
    void set(Outcome outcome) { outcome_ = outcome; }
    TransactionStats::Entry& entry() { return entry_; }
    const char* name() const { return entry_.name.load(std::memory_order_relaxed); }
    long long timeout_ms = 0;  // the statement timeout BEGIN set

   private:
    TransactionStats::Entry& entry_;
    Outcome outcome_ = Outcome::rolled_back;
    std::chrono::steady_clock::time_point start_{};
  };

  class Lease {
   public:
    // Hands out a working connection, or throws medcore::Unavailable (tallied as such).
    explicit Lease(Database& db, Tally* tally = nullptr);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    soci::session& session();
    // Called from a catch block: throws medcore::Unavailable instead when `e` says the database
    // cannot serve, and (for a transaction) problems::statement_timeout() when the statement
    // timeout cancelled it; returns (for the caller to rethrow `e`) otherwise.
    void failed(const std::exception& e, Tally* tally = nullptr);
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
  auto transaction_on(soci::session& sql, const TransactionName& name, F& f, Tally* tally) {
    begin(sql, name, tally);
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
  void begin(soci::session& sql, const TransactionName& name, Tally* tally);
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

  int statement_timeout_ms_ = kDefaultStatementTimeoutMs;
  std::string begin_statement_;  // with the default statement timeout, built once
  TransactionStats stats_;
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
// PostgreSQL cancelled the statement (SQLSTATE 57014): the statement timeout ran out, or someone
// called pg_cancel_backend(). Never true on SQLite, which has no statement timeout.
bool is_statement_timeout(const std::exception& e);
bool is_unique_violation(const std::exception& e);
bool is_foreign_key_violation(const std::exception& e);
bool is_check_violation(const std::exception& e);

}  // namespace medcore::db
