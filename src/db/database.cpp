#include "db/database.hpp"

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <utility>

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

// SOCI 4.0.3 re-tokenises the PostgreSQL connect string as space-separated key=value pairs
// before libpq sees it; a bare URL (no '=' anywhere) comes out with a stray '=' appended and
// names a database that does not exist. A URL carrying at least one query parameter passes
// through untouched, so make sure it has one (application_name is useful in
// pg_stat_activity anyway). Raw whitespace would be split the same way, and is not valid in
// a URL in the first place.
std::string postgres_connect_string(const std::string& url) {
  if (url.find_first_of(" \t\r\n") != std::string::npos)
    throw std::invalid_argument("database URL must not contain whitespace (percent-encode it): " +
                                redact_postgres_url(url));
  if (url.find('=') != std::string::npos) return url;
  if (url.find('#') != std::string::npos)
    throw std::invalid_argument("database URL must not contain a fragment: " + redact_postgres_url(url));
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=medcore";
}

// Quiet the server's NOTICEs (e.g. "relation already exists, skipping"): libpq would print
// them on stderr, which is reserved for JSON log lines.
void ignore_notice(void*, const char*) {}

PGconn* pg_connection(soci::session& sql) {
  return static_cast<soci::postgresql_session_backend*>(sql.get_backend())->conn_;
}

// A pooled connection that sat idle this long is pinged before use; a busy one is trusted
// (a broken hot connection fails its next statement and is reconnected on the lease after).
constexpr auto kIdleCheckAfter = std::chrono::seconds(1);

}  // namespace

Database::Database(Dialect dialect, std::size_t size, std::string description)
    : dialect_(dialect), size_(size), description_(std::move(description)) {}

Database::~Database() = default;

std::shared_ptr<Database> Database::open(const std::string& url, std::size_t pool_size) {
  if (pool_size == 0) throw std::invalid_argument("database pool size must be at least 1");

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
    db->connect_string_ = postgres_connect_string(url);
  } else {
    const std::size_t colon = url.find(':');
    throw std::invalid_argument("unsupported database URL scheme '" +
                                (colon == std::string::npos ? std::string("(none)") : url.substr(0, colon)) +
                                "': use sqlite:PATH or postgresql://user@host:port/dbname");
  }

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

void Database::revive(std::size_t index) {
  if (dialect_ != Dialect::postgresql) return;  // a SQLite connection is a file handle; it cannot break
  soci::session& sql = pool_->at(index);
  const bool bad = PQstatus(pg_connection(sql)) != CONNECTION_OK;
  const bool stale = std::chrono::steady_clock::now() - idle_since_[index] >= kIdleCheckAfter;
  if (!bad && !(stale && !sql.is_connected())) return;
  sql.reconnect();
  prepare_connection(sql);
}

Database::Lease::Lease(Database& db) : db_(db), index_(db.pool_->lease()) {
  db_.in_use_.fetch_add(1, std::memory_order_relaxed);
  try {
    db_.revive(index_);
  } catch (...) {
    // The destructor does not run for a constructor that throws.
    db_.in_use_.fetch_sub(1, std::memory_order_relaxed);
    db_.pool_->give_back(index_);
    throw;
  }
}

Database::Lease::~Lease() {
  db_.idle_since_[index_] = std::chrono::steady_clock::now();
  db_.in_use_.fetch_sub(1, std::memory_order_relaxed);
  db_.pool_->give_back(index_);
}

soci::session& Database::Lease::session() { return db_.pool_->at(index_); }

void Database::begin(soci::session& sql) {
  const char* statement = dialect_ == Dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN";
  try {
    sql << statement;
  } catch (const soci::soci_error&) {
    // Nothing has run in this transaction yet, so a connection that turned out to be broken
    // can be replaced and BEGIN retried once without any risk of doing work twice.
    if (dialect_ != Dialect::postgresql || PQstatus(pg_connection(sql)) == CONNECTION_OK) throw;
    sql.reconnect();
    prepare_connection(sql);
    sql << statement;
  }
}

void Database::commit(soci::session& sql) { sql << "COMMIT"; }

void Database::rollback(soci::session& sql) noexcept {
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

bool is_unique_violation(const std::exception& e) { return classify(e, "23505", "UNIQUE constraint failed"); }

bool is_foreign_key_violation(const std::exception& e) {
  return classify(e, "23503", "FOREIGN KEY constraint failed");
}

bool is_check_violation(const std::exception& e) { return classify(e, "23514", "CHECK constraint failed"); }

}  // namespace medcore::db
