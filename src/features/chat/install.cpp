#include "features/chat/install.hpp"

#include <memory>

#include "features/accounts/install.hpp"
#include "features/accounts/read_cache.hpp"
#include "features/chat/routes.hpp"
#include "features/chat/socket.hpp"
#include "platform/app/installer.hpp"
#include "platform/core/worker_pool.hpp"
#include "platform/realtime/server.hpp"

namespace medcore::chat {

void install(Installer& in, const accounts::Installed& accounts) {
  auto hub = std::make_shared<Hub>();
  accounts.live->add(hub);
  mount_chat(in.router, in.app, hub);
  if (!in.serving()) return;

  // On PostgreSQL broadcasts fan out to every instance (the installer's adapter); the chat's
  // "sessions ended / access revoked" notices from every instance reach the read cache too.
  in.wrap_socket_adapter([cache = accounts.read_cache](std::shared_ptr<realtime::Adapter> inner) {
    return relay_access_changes(std::move(inner), cache);
  });
  realtime::Options options;
  options.max_payload = kMaxSocketPayload;
  realtime::Server& io = in.socket_io(options);
  std::shared_ptr<SocketService> socket = mount_socket(io, in.app, in.pools().general, accounts.authenticator, hub);
  in.gauge("medcore_chat_connections", "Sockets connected to the /chat namespace on this instance.",
           [&io] { return static_cast<double>(io.of(kNamespace).connected_count()); });
  // Before the worker pool stops (SocketService).
  in.on_stop([socket] { socket->stop(); });
}

}  // namespace medcore::chat
