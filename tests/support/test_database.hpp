#pragma once
// Where database tests run: MEDCORE_TEST_DATABASE_URL (a PostgreSQL server, on which each test
// creates a database of its own next to the given one) or, when unset, a temporary SQLite file.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>

namespace medcore::test_support {

inline std::string configured_url() {
  const char* url = std::getenv("MEDCORE_TEST_DATABASE_URL");
  return url != nullptr ? std::string(url) : std::string();
}

inline bool is_postgres(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

// The same server and credentials, another database name.
inline std::string with_database(const std::string& url, const std::string& name) {
  const std::size_t authority = url.find("://") + 3;
  const std::size_t slash = url.find('/', authority);
  const std::size_t query = url.find('?', authority);
  if (slash == std::string::npos || (query != std::string::npos && query < slash)) {
    const std::size_t at = query == std::string::npos ? url.size() : query;
    return url.substr(0, at) + "/" + name + url.substr(at);
  }
  const std::size_t end = query == std::string::npos ? url.size() : query;
  return url.substr(0, slash + 1) + name + url.substr(end);
}

// Unique across processes and within one: database and directory names for parallel test runs.
inline std::string unique_suffix() {
  static std::atomic<int> counter{0};
  return std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1)) + "_" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000);
}

}  // namespace medcore::test_support
