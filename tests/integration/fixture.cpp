#include "fixture.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>

#include "features/care/relationship.hpp"
#include "platform/core/crypto.hpp"
#include "platform/core/log.hpp"
#include "platform/db/migrations.hpp"
#include "platform/notify/outbox.hpp"
#include "../support/test_database.hpp"

namespace medcore::testing {

namespace {

using test_support::configured_url;
using test_support::is_postgres;
using test_support::unique_suffix;
using test_support::with_database;

}  // namespace

void DatabaseFixture::SetUp() {
  crypto::init();
  // What care::install gives `medcore serve`: without it no mail quoting health data is queued.
  notify::set_health_data_gate(&care::may_see_health_data);
  log::setup(std::getenv("MEDCORE_TEST_LOG_LEVEL") != nullptr ? std::getenv("MEDCORE_TEST_LOG_LEVEL") : "error");
  const std::string base = configured_url();
  if (is_postgres(base)) {
    admin_ = db::Database::open(base, 1);
    db_name_ = "medcore_it_" + unique_suffix();
    admin_->read([&](soci::session& sql) { sql << "CREATE DATABASE " + db_name_; });
    url_ = with_database(base, db_name_);
  } else {
    dir_ = std::filesystem::temp_directory_path() / ("medcore_it_" + unique_suffix());
    url_ = "sqlite:" + (dir_ / "test.db").string();
  }
  db_ = open();
  db::migrate(*db_);
}

void DatabaseFixture::TearDown() {
  db_.reset();
  if (admin_) {
    admin_->read([&](soci::session& sql) { sql << "DROP DATABASE IF EXISTS " + db_name_ + " WITH (FORCE)"; });
  } else if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::shared_ptr<db::Database> DatabaseFixture::open(std::size_t pool_size) const {
  return db::Database::open(url_, pool_size);
}

App DatabaseFixture::make_app(const std::string& instance_id, std::size_t pool_size) const {
  App app;
  app.config.database_url = url_;
  app.config.instance_id = instance_id;
  app.config.jobs_poll_ms = 20;
  app.config.jobs_lease_seconds = 60;
  app.db = open(pool_size);
  return app;
}

long long DatabaseFixture::count(const std::string& query) const {
  return db_->read([&](soci::session& sql) {
    long long n = -1;
    sql << query, soci::into(n);
    return n;
  });
}

}  // namespace medcore::testing
