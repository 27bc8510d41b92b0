#pragma once
// Accounts: auth, me, password, the doctor directory, admin review (features/accounts/routes.hpp).
// Serving, it also authenticates every HTTP request (the session authenticator on the server) and
// keeps the read cache. Other features may use what it hands back (accounts and care are the two
// features others may call: docs/ARCHITECTURE.md).
#include <memory>

#include "features/accounts/live_access.hpp"

namespace medcore {
class Installer;
}

namespace medcore::accounts {

class ReadCache;
class SessionAuthenticator;

struct Installed {
  // Add a holder of live connections here to hear of sessions and rights that end.
  std::shared_ptr<LiveAccessListeners> live;
  // Serving only (null for `medcore routes`).
  std::shared_ptr<ReadCache> read_cache;
  std::shared_ptr<SessionAuthenticator> authenticator;
};

Installed install(Installer& in);

}  // namespace medcore::accounts
