#pragma once
#include <memory>

#include "accounts/live_access.hpp"
#include "http/router.hpp"

namespace medcore {
struct App;
}

namespace medcore::accounts {

// Every accounts route of docs/API.md: auth, me, password, doctor directory, admin review.
// `live` closes the connections of sessions and rights that end (null: none to close).
void mount_accounts(http::Router& router, App& app, std::shared_ptr<LiveAccess> live = nullptr);

}  // namespace medcore::accounts
