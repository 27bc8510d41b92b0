#pragma once
#include <string_view>
#include <vector>

namespace medcore::embedded {
struct MigrationSource {
  std::string_view file_name;  // "0001_foundation.sql"
  std::string_view sql;
};
// Generated at build time from migrations/*.sql (cmake/embed_migrations.cmake), in order.
const std::vector<MigrationSource>& migrations();
}  // namespace medcore::embedded
