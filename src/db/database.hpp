#pragma once
// The database: a pool of SOCI sessions over SQLite or PostgreSQL, chosen by URL, and the
// one transaction helper every multi-statement write goes through.
#include <soci/soci.h>

#include <atomic>
#include <chrono>
#include <cstddef>
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
  // "postgresql://user@host:port/dbname".
  static std::shared_ptr<Database> open(const std::string& url, std::size_t pool_size);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Dialect dialect() const { return dialect_; }
  std::size_t pool_size() const { return size_; }
  std::size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  // A redacted form of the URL for logs (no password).
  const std::string& describe() const { return description_; }

  // Borrows one pooled session while f runs; for reads (autocommit).
  template <class F>
  auto read(F&& f) {
    Lease lease(*this);
    return f(lease.session());
  }

  // BEGIN (IMMEDIATE on SQLite, so writers queue on the busy timeout instead of failing on
  // lock upgrade), run f(session), COMMIT. Any exception rolls back fully and is rethrown.
  template <class F>
  auto transaction(F&& f) {
    Lease lease(*this);
    return transaction_on(lease.session(), f);
  }

  // True when a trivial query answers.
  bool ping() noexcept;

 private:
  class Lease {
   public:
    explicit Lease(Database& db);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    soci::session& session();

   private:
    Database& db_;
    std::size_t index_;
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
  // while it sat in the pool (server restart, idle timeout on a proxy).
  void revive(std::size_t index);
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
};

// Error classification across both backends.
bool is_unique_violation(const std::exception& e);
bool is_foreign_key_violation(const std::exception& e);
bool is_check_violation(const std::exception& e);

}  // namespace medcore::db
