#pragma once
// Chat: the REST routes (features/chat/routes.hpp) and, serving, the "/chat" Socket.IO namespace
// with its presence heartbeat (features/chat/socket.hpp). Installed after accounts: a logout or a
// suspension closes chat sockets (the hub listens to accounts), the handshake uses accounts'
// session authenticator, and "sessions ended / access revoked" broadcasts from every instance
// reach accounts' read cache.
namespace medcore {
class Installer;
}
namespace medcore::accounts {
struct Installed;
}

namespace medcore::chat {
void install(Installer& in, const accounts::Installed& accounts);
}
