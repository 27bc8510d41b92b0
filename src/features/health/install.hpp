#pragma once
// Health readings: a patient's own readings, charts and imports, and a treating doctor's reads
// (features/health/routes.hpp).
namespace medcore {
class Installer;
}

namespace medcore::health {

void install(Installer& in);

}  // namespace medcore::health
