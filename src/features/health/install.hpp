#pragma once
// Health readings: a patient's own readings, charts and imports, and a treating doctor's reads
// (features/health/routes.hpp).
namespace medcore {
class Installer;
}
namespace medcore::ai {
class Engine;
}

namespace medcore::health {

// `engine` answers the advice route; it outlives the server (main.cpp's serve owns it).
void install(Installer& in, ai::Engine& engine);

}  // namespace medcore::health
