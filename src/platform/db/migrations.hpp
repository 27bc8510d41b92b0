#pragma once
// Numbered migrations (migrations/NNNN_name.sql, compiled into the binary) applied in order,
// each in its own transaction together with its row in schema_migrations. Safe to run twice
// and from several instances at once (PostgreSQL advisory lock; SQLite's write lock).
#include <string>
#include <vector>

#include "platform/db/database.hpp"

namespace medcore::db {

struct AppliedMigration {
  int version;
  std::string name;
};

// Applies what is missing; returns the migrations applied by this call. Throws if an applied
// migration's checksum no longer matches its file (someone edited history).
std::vector<AppliedMigration> migrate(Database& db);
// True when every embedded migration is recorded as applied.
bool migrations_current(Database& db);
// Replaces the dialect tokens in a migration: {{id_pk}}, {{blob}}.
std::string render_migration(const std::string& sql, Dialect dialect);

}  // namespace medcore::db
