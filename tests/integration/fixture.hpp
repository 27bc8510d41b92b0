#pragma once
// A fresh, migrated database per test: on PostgreSQL (MEDCORE_TEST_DATABASE_URL) a database
// created next to the given one and dropped afterwards, otherwise a temporary SQLite file.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "platform/app/app.hpp"
#include "platform/db/database.hpp"

namespace medcore::testing {

class DatabaseFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  bool postgres() const { return admin_ != nullptr; }
  // Another connection pool on the same database: what a second instance would have.
  std::shared_ptr<db::Database> open(std::size_t pool_size = 6) const;
  // An App for one "instance" with short polls for tests.
  App make_app(const std::string& instance_id, std::size_t pool_size = 6) const;
  long long count(const std::string& query) const;

  std::string url_;
  std::shared_ptr<db::Database> db_;  // migrated

 private:
  std::shared_ptr<db::Database> admin_;
  std::string db_name_;
  std::filesystem::path dir_;
};

}  // namespace medcore::testing
