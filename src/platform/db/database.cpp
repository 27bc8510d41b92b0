#include "platform/db/database.hpp"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "platform/core/log.hpp"
#include "platform/core/problem.hpp"
#include "platform/core/time.hpp"

namespace medcore::db {

namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool is_postgres_url(std::string_view url) {
  return starts_with(url, "postgresql://") || starts_with(url, "postgres://");
}

// Hides the password of a libpq URL, both forms: user:secret@host and ?password=secret.
std::string redact_postgres_url(const std::string& url) {
  std::string out = url;
  const std::size_t scheme_end = out.find("://");
  const std::size_t authority_begin = scheme_end + 3;
  const std::size_t authority_end = std::min(out.find_first_of("/?#", authority_begin), out.size());
  const std::size_t at = out.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
  if (at != std::string::npos && at >= authority_begin) {
    const std::size_t colon = out.find(':', authority_begin);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  std::size_t query = out.find('?');
  while (query != std::string::npos) {
    const std::size_t key_begin = query + 1;
    const std::size_t next = out.find('&', key_begin);
    const std::size_t key_end = std::min(next, out.size());
    const std::string_view param = std::string_view(out).substr(key_begin, key_end - key_begin);
    if (starts_with(param, "password=")) {
      const std::size_t value_begin = key_begin + std::string_view("password=").size();
      out.replace(value_begin, key_end - value_begin, "***");
    }
    query = out.find('&', key_begin);
  }
  return out;
}

// Quiet the server's NOTICEs (e.g. "relation already exists, skipping"): libpq would print
// them on stderr, which is reserved for JSON log lines.
void ignore_notice(void*, const char*) {}

// Null when the session has no connection at all: SOCI 4.0.3 leaves a session without a backend
// after a reconnect that failed, and every use of it but open() then crashes or throws.
PGconn* pg_connection(soci::session& sql) {
  auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
  return backend ? backend->conn_ : nullptr;
}

sqlite_api::sqlite3* sqlite_connection(soci::session& sql) {
  auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
  return backend ? backend->conn_ : nullptr;
}

// A pooled connection that sat idle this long is pinged before use; a busy one is trusted
// (a broken hot connection fails its next statement and is reconnected on the lease after).
constexpr auto kIdleCheckAfter = std::chrono::seconds(1);

// While the database is unreachable, one connect attempt per this interval (the probe); every
// other caller is refused at once. Short, so a returning database is noticed within a second.
constexpr long long kReconnectEveryMs = 1000;

// What a driver error says, without SOCI's context: that names the statement and the values
// bound to it (emails, token hashes), which do not belong in logs or in an answer.
std::string error_text(const std::exception& e) {
  std::string text = dynamic_cast<const soci::soci_error*>(&e)
                         ? static_cast<const soci::soci_error&>(e).get_error_message()
                         : std::string(e.what());
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  constexpr std::size_t kMax = 500;
  if (text.size() > kMax) text.resize(kMax);
  return text;
}

long long steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// SOCI 4.0.3 re-tokenises the PostgreSQL connect string as space-separated key=value pairs
// before libpq sees it; a bare URL (no '=' anywhere) comes out with a stray '=' appended and
// names a database that does not exist. A URL carrying at least one query parameter passes
// through untouched, so make sure it has one (application_name is useful in
// pg_stat_activity anyway). Raw whitespace would be split the same way, and is not valid in
// a URL in the first place.
//
// connect_timeout is added unless the URL sets its own: libpq would otherwise wait for a
// connect as long as TCP does (minutes when packets are dropped), holding a worker meanwhile.
std::string postgres_connect_string(const std::string& url, int connect_timeout_seconds) {
  if (url.find_first_of(" \t\r\n") != std::string::npos)
    throw std::invalid_argument("database URL must not contain whitespace (percent-encode it): " +
                                redact_postgres_url(url));
  if (url.find('#') != std::string::npos)
    throw std::invalid_argument("database URL must not contain a fragment: " + redact_postgres_url(url));
  std::string out = url;
  auto add = [&out](const std::string& param) { out += (out.find('?') == std::string::npos ? "?" : "&") + param; };
  if (url.find('=') == std::string::npos) add("application_name=medcore");
  const std::size_t query = url.find('?');
  const bool has_timeout = query != std::string::npos &&
                           (url.find("?connect_timeout=") == query || url.find("&connect_timeout=") != std::string::npos);
  if (!has_timeout) add("connect_timeout=" + std::to_string(connect_timeout_seconds));
  return out;
}

Database::Database(Dialect dialect, std::size_t size, std::string description)
    : dialect_(dialect), size_(size), description_(std::move(description)) {}

Database::~Database() = default;

std::shared_ptr<Database> Database::open(const std::string& url, std::size_t pool_size, int connect_timeout_seconds,
                                         int statement_timeout_ms) {
  if (pool_size == 0) throw std::invalid_argument("database pool size must be at least 1");
  if (connect_timeout_seconds < 1) throw std::invalid_argument("database connect timeout must be at least 1 second");
  if (statement_timeout_ms < 0) throw std::invalid_argument("database statement timeout must not be negative");

  std::shared_ptr<Database> db;
  if (starts_with(url, kSqlitePrefix)) {
    const std::string path = url.substr(kSqlitePrefix.size());
    if (path.empty()) throw std::invalid_argument("database URL 'sqlite:' names no file; use sqlite:PATH");
    // Every pool slot is its own connection: an in-memory database would be a different,
    // empty database per slot.
    if (path.find(":memory:") != std::string::npos || path.find("mode=memory") != std::string::npos)
      throw std::invalid_argument("in-memory SQLite is not supported (each pooled connection would see "
                                  "its own empty database); use a file, e.g. sqlite:var/medcore.db");
    // The path is quoted inside SOCI's key=value connect string, which has no escape for '"'.
    if (path.find('"') != std::string::npos)
      throw std::invalid_argument("SQLite path must not contain '\"': " + path);
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    db.reset(new Database(Dialect::sqlite, pool_size, url));
    db->connect_string_ = "db=\"" + path + "\"";
  } else if (is_postgres_url(url)) {
    db.reset(new Database(Dialect::postgresql, pool_size, redact_postgres_url(url)));
    db->connect_string_ = postgres_connect_string(url, connect_timeout_seconds);
  } else {
    const std::size_t colon = url.find(':');
    throw std::invalid_argument("unsupported database URL scheme '" +
                                (colon == std::string::npos ? std::string("(none)") : url.substr(0, colon)) +
                                "': use sqlite:PATH or postgresql://user@host:port/dbname");
  }

  db->statement_timeout_ms_ = statement_timeout_ms;
  // On PostgreSQL in the same round trip as BEGIN (one simple query), so the limit costs nothing
  // per transaction; SET LOCAL ends with the transaction and never leaks to the next borrower.
  db->begin_statement_ = db->dialect_ == Dialect::sqlite ? "BEGIN IMMEDIATE"
                         : statement_timeout_ms > 0
                             ? "BEGIN; SET LOCAL statement_timeout = " + std::to_string(statement_timeout_ms)
                             : "BEGIN";

  db->pool_ = std::make_unique<soci::connection_pool>(pool_size);
  db->idle_since_.assign(pool_size, std::chrono::steady_clock::now());
  for (std::size_t i = 0; i < pool_size; ++i) {
    soci::session& sql = db->pool_->at(i);
    try {
      if (db->dialect_ == Dialect::sqlite)
        sql.open(soci::sqlite3, db->connect_string_);
      else
        sql.open(soci::postgresql, db->connect_string_);
    } catch (const std::exception& e) {
      // SOCI's message may repeat the connect string; name the database by its redacted form.
      throw std::runtime_error("cannot connect to database " + db->description_ + ": " + e.what());
    }
    db->prepare_connection(sql);
  }
  return db;
}

void Database::prepare_connection(soci::session& sql) {
  if (dialect_ == Dialect::sqlite) {
    // busy_timeout first: switching to WAL needs a moment of exclusive access, which another
    // process opening the same file may be holding.
    sql << "PRAGMA busy_timeout=10000";
    std::string mode;
    sql << "PRAGMA journal_mode=WAL", soci::into(mode);
    if (mode != "wal") throw std::runtime_error("SQLite refused WAL mode (got '" + mode + "') for " + description_);
    sql << "PRAGMA synchronous=NORMAL";
    sql << "PRAGMA foreign_keys=ON";
  } else {
    PQsetNoticeProcessor(pg_connection(sql), ignore_notice, nullptr);
  }
}

bool Database::connection_lost(soci::session& sql) const {
  if (dialect_ != Dialect::postgresql) return false;  // a SQLite connection is a file handle; it cannot break
  PGconn* conn = pg_connection(sql);
  return conn == nullptr || PQstatus(conn) != CONNECTION_OK;
}

void Database::revive(std::size_t index) {
  if (dialect_ != Dialect::postgresql) return;
  soci::session& sql = pool_->at(index);
  const bool stale = std::chrono::steady_clock::now() - idle_since_[index] >= kIdleCheckAfter;
  if (!connection_lost(sql) && !(stale && !sql.is_connected())) return;
  reconnect(sql);
}

void Database::reconnect(soci::session& sql) {
  const bool probe = !available();
  if (probe) {
    if (steady_ms() < next_probe_ms_.load()) refuse("the database was unreachable moments ago");
    if (probing_.exchange(true)) refuse("the database is unreachable; another connect attempt is under way");
  }
  struct ProbeDone {
    std::atomic<bool>* flag;
    ~ProbeDone() {
      if (flag) flag->store(false);
    }
  } probe_done{probe ? &probing_ : nullptr};
  try {
    // close + open rather than SOCI's reconnect(): both leave the session without a backend when
    // the connect fails, and open() is the call documented to work on such a session.
    sql.close();
    sql.open(soci::postgresql, connect_string_);
    prepare_connection(sql);
  } catch (const std::exception& e) {
    next_probe_ms_.store(steady_ms() + kReconnectEveryMs);
    mark_unavailable(error_text(e));
    refuse("cannot connect: " + error_text(e));
  }
  mark_available();
}

void Database::refuse(const std::string& why) {
  refusals_.fetch_add(1, std::memory_order_relaxed);
  throw Unavailable("database " + description_ + " unavailable: " + why);
}

void Database::mark_unavailable(const std::string& error) {
  long long expected = 0;
  if (unavailable_since_ms_.compare_exchange_strong(expected, now_ms()))
    log::warn("db_unavailable", {{"database", description_}, {"error", error}});
}

void Database::mark_available() {
  const long long since = unavailable_since_ms_.exchange(0);
  if (since != 0) log::info("db_recovered", {{"database", description_}, {"unavailable_ms", now_ms() - since}});
}

Database::Lease::Lease(Database& db, Tally* tally) : db_(db), index_(db.pool_->lease()) {
  db_.in_use_.fetch_add(1, std::memory_order_relaxed);
  try {
    db_.revive(index_);
  } catch (...) {
    if (tally) tally->set(Outcome::unavailable);  // revive refuses with medcore::Unavailable only
    // The destructor does not run for a constructor that throws.
    db_.in_use_.fetch_sub(1, std::memory_order_relaxed);
    db_.pool_->give_back(index_);
    throw;
  }
  if (db_.dialect_ == Dialect::sqlite && !db_.available())
    sqlite_changes_before_ = sqlite_api::sqlite3_total_changes64(sqlite_connection(session()));
}

Database::Lease::~Lease() {
  db_.idle_since_[index_] = std::chrono::steady_clock::now();
  db_.in_use_.fetch_sub(1, std::memory_order_relaxed);
  db_.pool_->give_back(index_);
}

soci::session& Database::Lease::session() { return db_.pool_->at(index_); }

void Database::Lease::failed(const std::exception& e, Tally* tally) {
  if (dynamic_cast<const Unavailable*>(&e)) {  // already classified (a nested lease, or BEGIN's reconnect)
    if (tally) tally->set(Outcome::unavailable);
    return;
  }
  const bool driver_error = dynamic_cast<const soci::soci_error*>(&e) != nullptr;
  // A lost connection is not yet an outage (one backend may have been terminated): the next
  // lease of this slot reconnects, and a failing connect marks the database unavailable then.
  const bool lost = driver_error && db_.connection_lost(session());
  if (tally && !lost && is_statement_timeout(e)) {
    // Not an outage: the database answered, this work was too slow (a lock held long, a bad
    // plan, a runaway query). The connection is fine and goes back to the pool.
    tally->set(Outcome::timeout);
    log::warn("db_statement_timeout",
              {{"transaction", tally->name()}, {"timeout_ms", tally->timeout_ms}, {"error", error_text(e)}});
    throw problems::statement_timeout();
  }
  if (!lost && !is_unavailable(e)) return;
  if (tally) tally->set(Outcome::unavailable);
  if (!lost) db_.mark_unavailable(error_text(e));  // SQLite cannot write: no connect will tell us
  db_.refuse(error_text(e));
}

void Database::Lease::succeeded(bool committed) {
  if (db_.available()) return;
  if (db_.dialect_ == Dialect::sqlite) {
    // Reads work on a full disk; only a commit that wrote something shows SQLite can write again.
    if (!committed || sqlite_api::sqlite3_total_changes64(sqlite_connection(session())) == sqlite_changes_before_)
      return;
  }
  db_.mark_available();
}

long long Database::statement_timeout_ms(const TransactionName& name) const {
  if (dialect_ != Dialect::postgresql || statement_timeout_ms_ == 0) return 0;
  const long long at_least = name.at_least_ms();
  if (at_least < 0) return statement_timeout_ms_;
  return at_least == 0 ? 0 : std::max<long long>(at_least, statement_timeout_ms_);
}

void Database::begin(soci::session& sql, const TransactionName& name, Tally* tally) {
  const long long timeout_ms = statement_timeout_ms(name);
  std::string overridden;  // only a transaction that asked for a longer limit builds its own
  if (dialect_ == Dialect::postgresql && timeout_ms != statement_timeout_ms_)
    overridden = "BEGIN; SET LOCAL statement_timeout = " + std::to_string(timeout_ms);
  const std::string& statement = overridden.empty() ? begin_statement_ : overridden;
  if (tally) tally->timeout_ms = timeout_ms;
  try {
    sql << statement;
  } catch (const soci::soci_error&) {
    // Nothing has run in this transaction yet, so a connection that turned out to be broken
    // can be replaced and BEGIN retried once without any risk of doing work twice.
    if (!connection_lost(sql)) throw;
    if (tally) tally->entry().begin_retries.fetch_add(1, std::memory_order_relaxed);
    reconnect(sql);
    sql << statement;
  }
}

void Database::commit(soci::session& sql) { sql << "COMMIT"; }

void Database::rollback(soci::session& sql) noexcept {
  // A lost connection took its transaction with it (and may have no backend left to talk to).
  if (connection_lost(sql)) return;
  try {
    sql << "ROLLBACK";
  } catch (...) {
    // The transaction is already gone (broken connection, or SQLite rolled back on its own);
    // the caller is rethrowing the original error, which is the one worth seeing.
  }
}

bool Database::ping() noexcept {
  try {
    return read([](soci::session& sql) {
      int one = 0;
      sql << "SELECT 1", soci::into(one);
      return one == 1;
    });
  } catch (...) {
    return false;
  }
}

namespace {

constexpr int kSqliteConstraint = 19;  // SQLITE_CONSTRAINT; extended codes keep it in the low byte

bool classify(const std::exception& e, std::string_view sqlstate, std::string_view sqlite_text) {
  if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e)) return pg->sqlstate() == sqlstate;
  if (const auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    return (lite->result() & 0xff) == kSqliteConstraint &&
           std::string_view(lite->what()).find(sqlite_text) != std::string_view::npos;
  }
  return false;
}

}  // namespace

bool is_unavailable(const std::exception& e) {
  if (dynamic_cast<const Unavailable*>(&e)) return true;
  if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e)) {
    const std::string state = pg->sqlstate();
    // 08: connection exception (SOCI also reports a connection libpq found broken as 08000);
    // 57P01-57P03: the server is shutting down, crashed or starting up (pg_terminate_backend too);
    // 53300: too many connections.
    return state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03" ||
           state == "53300";
  }
  if (const auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    switch (lite->result() & 0xff) {
      case SQLITE_BUSY:      // another process held the write lock past the 10 s busy timeout
      case SQLITE_READONLY:  // the file or its directory cannot be written
      case SQLITE_IOERR:
      case SQLITE_FULL:      // the disk (or max_page_count) is full
      case SQLITE_CANTOPEN:
        return true;
      default:
        return false;
    }
  }
  return false;
}

bool is_statement_timeout(const std::exception& e) {
  // 57014 query_canceled: the statement timeout, or pg_cancel_backend().
  if (const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e)) return pg->sqlstate() == "57014";
  return false;
}

bool is_unique_violation(const std::exception& e) { return classify(e, "23505", "UNIQUE constraint failed"); }

bool is_foreign_key_violation(const std::exception& e) {
  return classify(e, "23503", "FOREIGN KEY constraint failed");
}

bool is_check_violation(const std::exception& e) { return classify(e, "23514", "CHECK constraint failed"); }

}  // namespace medcore::db
