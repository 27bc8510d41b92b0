#pragma once
// /healthz, /readyz, /metrics and the OpenAPI document (platform/ops/routes.hpp).
namespace medcore {
class Installer;
}

namespace medcore::ops {
void install(Installer& in);
}
