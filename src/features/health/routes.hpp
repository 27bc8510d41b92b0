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

// The routes of the health feature (its install mounts them).
void mount(http::Router& router, App& app);

}  // namespace medcore::health
