#include "platform/db/migrations.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string_view>

#include "platform/core/crypto.hpp"
#include "platform/core/time.hpp"
#include "platform/db/embedded_migrations.hpp"

namespace medcore::db {

namespace detail {
// Lets the runner put its transactions on the session it already holds. Not in the per-name
// metrics (each applied migration is logged instead); no statement timeout: a migration may
// rewrite a whole table, and the advisory lock already keeps other instances waiting.
struct MigrationAccess {
  template <class F>
  static auto transaction_on(Database& db, soci::session& sql, F&& f) {
    constexpr TransactionName kApply{"migrations.apply", TransactionName::kNoLimit};
    return db.transaction_on(sql, kApply, f, nullptr);
  }
};
}  // namespace detail

namespace {

// pg_advisory_lock key shared by every medcore instance: ASCII "medcMIGR".
constexpr long long kMigrationLockKey = 0x6d6564634d494752LL;

struct Migration {
  int version;
  std::string name;
  std::string file_name;
  std::string_view raw;
  std::string checksum;
};

// "0007_pharmacy.sql" -> {7, "pharmacy"}; anything else is a packaging mistake worth stopping on.
Migration parse_source(const embedded::MigrationSource& source) {
  const std::string_view file = source.file_name;
  std::size_t digits = 0;
  while (digits < file.size() && std::isdigit(static_cast<unsigned char>(file[digits]))) ++digits;
  const bool well_formed = digits > 0 && digits <= 9 && file.size() > digits + 5 && file[digits] == '_' &&
                           file.substr(file.size() - 4) == ".sql";
  if (!well_formed)
    throw std::runtime_error("migration file name '" + std::string(file) + "' is not NNNN_name.sql");
  Migration m;
  m.version = std::stoi(std::string(file.substr(0, digits)));
  m.name = std::string(file.substr(digits + 1, file.size() - digits - 5));
  m.file_name = std::string(file);
  m.raw = source.sql;
  m.checksum = crypto::sha256_hex(source.sql);
  return m;
}

std::vector<Migration> embedded_migrations() {
  std::vector<Migration> all;
  for (const auto& source : embedded::migrations()) all.push_back(parse_source(source));
  std::sort(all.begin(), all.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < all.size(); ++i) {
    if (all[i].version == all[i - 1].version)
      throw std::runtime_error("migrations " + all[i - 1].file_name + " and " + all[i].file_name +
                               " share a version number");
  }
  return all;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// One statement per entry: SOCI's SQLite backend runs only the first statement of a string.
// The convention (see migrations/0001_foundation.sql) is that a statement ends with ';' at the
// end of a line and that comments are whole '--' lines.
std::vector<std::string> split_statements(std::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  while (!sql.empty()) {
    const std::size_t eol = sql.find('\n');
    const std::string_view line = sql.substr(0, eol);
    sql.remove_prefix(eol == std::string_view::npos ? sql.size() : eol + 1);
    const std::string_view trimmed = trim(line);
    if (trimmed.empty() || trimmed.substr(0, 2) == "--") continue;
    if (trimmed.back() == ';') {
      current.append(trimmed.substr(0, trimmed.size() - 1));
      if (!trim(current).empty()) statements.push_back(std::move(current));
      current.clear();
    } else {
      current.append(trimmed);
      current.push_back('\n');
    }
  }
  if (!trim(current).empty()) statements.push_back(std::move(current));
  return statements;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

void create_ledger(soci::session& sql) {
  sql << "CREATE TABLE IF NOT EXISTS schema_migrations ("
         "version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)";
}

bool ledger_exists(soci::session& sql, Dialect dialect) {
  int count = 0;
  if (dialect == Dialect::sqlite)
    sql << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
        soci::into(count);
  else
    sql << "SELECT COUNT(*) FROM pg_catalog.pg_tables "
           "WHERE tablename = 'schema_migrations' AND schemaname = ANY (current_schemas(false))",
        soci::into(count);
  return count > 0;
}

// A dynamic row's integer comes back as whatever type the backend describes (SQLite's INTEGER
// is a 64-bit type to SOCI, PostgreSQL's is 32-bit), and row::get refuses any other.
int int_column(const soci::row& row, std::size_t i) {
  switch (row.get_properties(i).get_data_type()) {
    case soci::dt_integer: return row.get<int>(i);
    case soci::dt_long_long: return static_cast<int>(row.get<long long>(i));
    case soci::dt_unsigned_long_long: return static_cast<int>(row.get<unsigned long long>(i));
    default: return std::stoi(row.get<std::string>(i));
  }
}

// version -> checksum
std::map<int, std::string> applied_versions(soci::session& sql) {
  std::map<int, std::string> applied;
  soci::rowset<soci::row> rows = (sql.prepare << "SELECT version, checksum FROM schema_migrations");
  for (const soci::row& row : rows) applied.emplace(int_column(row, 0), row.get<std::string>(1));
  return applied;
}

void check_unchanged(const Migration& m, const std::map<int, std::string>& applied) {
  const auto it = applied.find(m.version);
  if (it != applied.end() && it->second != m.checksum)
    throw std::runtime_error("migration " + m.file_name + " was changed after it was applied (checksum " +
                             m.checksum + ", recorded " + it->second +
                             "); add a new migration instead of editing an applied one");
}

// Applies what is missing, on the one session the caller holds. Returns what this call applied.
std::vector<AppliedMigration> apply_missing(Database& db, soci::session& sql, const std::vector<Migration>& all) {
  std::vector<AppliedMigration> done;
  create_ledger(sql);
  const std::map<int, std::string> applied = applied_versions(sql);
  for (const Migration& m : all) check_unchanged(m, applied);

  for (const Migration& m : all) {
    if (applied.count(m.version) != 0) continue;
    const bool ran = detail::MigrationAccess::transaction_on(db, sql, [&](soci::session& tx) {
      // Another process may have applied it between our read and our write lock (SQLite has
      // no advisory lock; BEGIN IMMEDIATE is what serialises us).
      int present = 0;
      tx << "SELECT COUNT(*) FROM schema_migrations WHERE version = :v", soci::use(m.version), soci::into(present);
      if (present != 0) return false;
      for (const std::string& statement : split_statements(render_migration(std::string(m.raw), db.dialect()))) {
        try {
          tx << statement;
        } catch (const std::exception& e) {
          throw std::runtime_error("migration " + m.file_name + " failed: " + e.what());
        }
      }
      const long long applied_at = now_ms();
      tx << "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (:v, :n, :c, :t)",
          soci::use(m.version), soci::use(m.name), soci::use(m.checksum), soci::use(applied_at);
      return true;
    });
    if (ran) done.push_back({m.version, m.name});
  }

  // Whoever applied a migration concurrently, its recorded checksum must still match ours.
  const std::map<int, std::string> after = applied_versions(sql);
  for (const Migration& m : all) check_unchanged(m, after);
  return done;
}

}  // namespace

std::string render_migration(const std::string& sql, Dialect dialect) {
  std::string out = sql;
  const bool lite = dialect == Dialect::sqlite;
  replace_all(out, "{{id_pk}}", lite ? "INTEGER PRIMARY KEY" : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
  replace_all(out, "{{blob}}", lite ? "BLOB" : "BYTEA");
  return out;
}

std::vector<AppliedMigration> migrate(Database& db) {
  const std::vector<Migration> all = embedded_migrations();
  return db.read([&](soci::session& sql) {
    if (db.dialect() == Dialect::sqlite) return apply_missing(db, sql, all);
    // Session-level lock: held across the per-migration transactions and released by the
    // server if this process dies. The ledger is created and read only after taking it, so
    // concurrent instances never race on CREATE TABLE either.
    sql << "SELECT pg_advisory_lock(:k)", soci::use(kMigrationLockKey);
    try {
      auto done = apply_missing(db, sql, all);
      sql << "SELECT pg_advisory_unlock(:k)", soci::use(kMigrationLockKey);
      return done;
    } catch (...) {
      try {
        sql << "SELECT pg_advisory_unlock(:k)", soci::use(kMigrationLockKey);
      } catch (...) {
        // A broken connection has already released the lock server-side.
      }
      throw;
    }
  });
}

bool migrations_current(Database& db) {
  const std::vector<Migration> all = embedded_migrations();
  return db.read([&](soci::session& sql) {
    if (!ledger_exists(sql, db.dialect())) return false;
    const std::map<int, std::string> applied = applied_versions(sql);
    return std::all_of(all.begin(), all.end(), [&](const Migration& m) { return applied.count(m.version) != 0; });
  });
}

}  // namespace medcore::db
