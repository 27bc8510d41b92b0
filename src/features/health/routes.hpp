#pragma once
// /api/v1/health/... (a patient's own readings) and /api/v1/patients/{id}/health/... (a treating
// doctor's reads, audited). docs/API.md, "Health readings".
namespace medcore {
struct App;
}
namespace medcore::http {
class Router;
}

namespace medcore::health {

// Everything the health feature adds to the server, in one place (main.cpp calls it once).
void mount(http::Router& router, App& app);

}  // namespace medcore::health
