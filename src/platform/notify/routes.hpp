#pragma once
// GET/PATCH /api/v1/me/notifications, GET /api/v1/admin/outbox, POST /api/v1/admin/outbox/{id}/retry.
namespace medcore {
struct App;
}
namespace medcore::http {
class Router;
}

namespace medcore::notify {
void mount_notify(http::Router& router, App& app);
}
