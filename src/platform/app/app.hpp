#pragma once
// What every feature's routes and services are built with. Owned by main(); outlives the server.
#include <memory>

#include "platform/core/config.hpp"
#include "platform/db/database.hpp"

namespace medcore {

struct App {
  Config config;
  std::shared_ptr<db::Database> db;
};

}  // namespace medcore
