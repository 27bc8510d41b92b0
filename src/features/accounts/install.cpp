#include "features/accounts/install.hpp"

#include "features/accounts/read_cache.hpp"
#include "features/accounts/routes.hpp"
#include "features/accounts/sessions.hpp"
#include "platform/app/app.hpp"
#include "platform/app/installer.hpp"
#include "platform/http/server.hpp"

namespace medcore::accounts {

Installed install(Installer& in) {
  Installed out;
  out.live = std::make_shared<LiveAccessListeners>();
  if (in.serving()) {
    App& app = in.app;
    out.read_cache = std::make_shared<ReadCache>(app.config.read_cache_ms, [&app] { return app.db->available(); });
    out.authenticator = std::make_shared<SessionAuthenticator>(app, out.read_cache);
    in.server().set_authenticator(
        [authenticator = out.authenticator](const http::Request& r) { return authenticator->authenticate(r); },
        [authenticator = out.authenticator](const http::Request& r) { return authenticator->from_memory(r); });
  }
  mount_accounts(in.router, in.app, out.live, out.read_cache);
  return out;
}

}  // namespace medcore::accounts
