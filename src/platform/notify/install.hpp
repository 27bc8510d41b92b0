#pragma once
// Notification preferences and the admin outbox (platform/notify/routes.hpp), and — where this
// instance runs background work — the mail delivery worker on its own thread.
namespace medcore {
class Installer;
}

namespace medcore::notify {
void install(Installer& in);
}
