#pragma once
#include "http/router.hpp"

namespace medcore {
struct App;
}

namespace medcore::accounts {

// Every accounts route of docs/API.md: auth, me, password, doctor directory, admin review.
void mount_accounts(http::Router& router, App& app);

}  // namespace medcore::accounts
