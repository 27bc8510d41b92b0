#pragma once
// /api/v1/health/... (a patient's own readings) and /api/v1/patients/{id}/health/... (a treating
// doctor's reads, audited). docs/API.md, "Health readings".
namespace medcore {
struct App;
}
namespace medcore::http {
class Router;
}
namespace medcore::ai {
class Engine;
}

namespace medcore::health {

// The routes of the health feature (its install mounts them).
void mount(http::Router& router, App& app);
// The advisor: POST/GET /api/v1/health/advice (patients) and GET/PUT /api/v1/admin/ai (admins).
// `engine` and the app outlive the router. `per_minute`: MEDCORE_HEALTH_ADVICE_PER_MINUTE.
void mount_advice(http::Router& router, App& app, ai::Engine& engine, int per_minute);

}  // namespace medcore::health
