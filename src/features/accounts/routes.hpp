#pragma once
#include <memory>

#include "features/accounts/live_access.hpp"
#include "features/accounts/read_cache.hpp"
#include "platform/http/router.hpp"

namespace medcore {
struct App;
}

namespace medcore::accounts {

// Every accounts route of docs/API.md: auth, me, password, doctor directory, admin review.
// `live` closes the connections of sessions and rights that end (null: none to close). With a
// `cache`, /api/v1/me and the public directory are answered from it when they can be
// (accounts/read_cache.hpp) and every change forgets what it made stale.
void mount_accounts(http::Router& router, App& app, std::shared_ptr<LiveAccess> live = nullptr,
                    std::shared_ptr<ReadCache> cache = nullptr);

}  // namespace medcore::accounts
