#pragma once
// GET /api/v1/admin/audit (platform/audit/audit.hpp).
namespace medcore {
class Installer;
}

namespace medcore::audit {
void install(Installer& in);
}
